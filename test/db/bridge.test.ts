import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { Script } from 'node:vm';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { bridgeAllowedHere, startBridge, type Bridge } from '../../src-main/bridge/server';
import { browserShim } from '../../src-main/bridge/shim';

type HttpReply = { status: number; body: string; headers: Record<string, string | string[] | undefined> };

/** Minimal HTTP client so Host, Origin and Cookie can be forged (fetch does not allow that). */
function http(
  bridge: Bridge,
  opts: { method?: string; path: string; body?: string; headers?: Record<string, string> },
): Promise<HttpReply> {
  const base = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: base.hostname,
        port: base.port,
        // The path as given, so "//other.host/" reaches the bridge unresolved.
        path: opts.path,
        method: opts.method ?? 'GET',
        headers: { 'content-type': 'application/json', ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Opens a launch URL as a browser would on navigation; returns the session cookie ("name=value"). */
async function launch(bridge: Bridge, launchUrl = bridge.launchUrl()): Promise<string> {
  const u = new URL(launchUrl);
  const r = await http(bridge, { path: u.pathname + u.search });
  expect(r.status).toBe(303);
  expect(r.headers.location).toBe('/');
  const setCookie = r.headers['set-cookie'];
  expect(setCookie).toHaveLength(1);
  const cookie = setCookie![0]!;
  expect(cookie).toMatch(/; HttpOnly/);
  expect(cookie).toMatch(/; SameSite=Strict/);
  expect(cookie).toMatch(/; Path=\//);
  return cookie.split(';')[0]!;
}

function call(
  bridge: Bridge,
  cookie: string | undefined,
  command: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  return http(bridge, {
    method: 'POST',
    path: `/__api/${encodeURIComponent(command)}`,
    body,
    headers: { ...(cookie ? { cookie } : {}), ...headers },
  });
}

/** A command's answer as the tests read it. */
type Answer = {
  ok: boolean;
  value?: { ledgerFile?: string };
  error?: { code: string; issues: { path: string }[] };
};

async function invoke(bridge: Bridge, cookie: string, command: string, input: unknown = {}): Promise<Answer> {
  const r = await call(bridge, cookie, command, JSON.stringify(input));
  expect(r.status).toBe(200);
  return JSON.parse(r.body) as Answer;
}

type SseEvent = { event: string; data: unknown };

/** Opens /__events with a session cookie and collects parsed events until closed. */
/**
 * Two pages of one bridge with their event streams open: page A signed in as Alice, page B as Bob when asked
 * (else signed out). `close` ends both streams.
 */
async function twoPages(bridge: Bridge, opts: { bobSignedIn?: boolean } = {}) {
  const a = await launch(bridge);
  const b = await launch(bridge);
  expect((await invoke(bridge, a, 'auth:sign-in', ALICE)).ok).toBe(true);
  if (opts.bobSignedIn) expect((await invoke(bridge, b, 'auth:sign-in', BOB)).ok).toBe(true);
  const streamA = await openEvents(bridge, a);
  const streamB = await openEvents(bridge, b);
  return {
    a,
    b,
    streamA,
    streamB,
    close: () => {
      streamA.close();
      streamB.close();
    },
  };
}

function openEvents(bridge: Bridge, cookie: string): Promise<{ events: SseEvent[]; close: () => void }> {
  const url = new URL('/__events', bridge.url);
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = request(url, { headers: { cookie } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`SSE status ${res.statusCode}`));
        return;
      }
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      });
      res.on('error', () => {});
      resolve({ events, close: () => req.destroy() });
    });
    req.on('error', () => {});
    req.end();
  });
}

const ALICE = { login: 'alice', password: 'Correct-Horse-41' };
const BOB = { login: 'bob', password: 'Battery-Staple-72' };

describe('loopback bridge', () => {
  let dir: string;
  let app: App;
  let bridge: Bridge;
  let port: string;

  /** Accounts in the ledger, as the trusted in-process caller sees them. */
  const accountCount = async (): Promise<number> => {
    const info = await app.dispatch('app:info', {});
    if (!info.ok) throw new Error(info.error.message);
    return (info.value as { accountCount: number }).accountCount;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paydesk-bridge-'));
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Paydesk</title>');
    // As scripts/start.mjs stages it: the shim is a file any page can load with a <script> tag.
    writeFileSync(join(staticDir, 'paydesk-shim.js'), browserShim());
    writeFileSync(join(dir, 'secret.txt'), 'outside the static dir');
    app = openApp({ file: join(dir, 'ledger.sqlite'), login: 'bridge.tester' });
    for (const [who, roles] of [
      [ALICE, ['admin']],
      [BOB, ['supervisor']],
    ] as const) {
      const added = await app.dispatch('operators:add', {
        login: who.login,
        name: who.login,
        roles,
        password: who.password,
      });
      expect(added.ok).toBe(true);
    }
    bridge = await startBridge({ app, staticDir });
    port = new URL(bridge.url).port;
  });

  afterAll(async () => {
    await bridge?.close();
    app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 and refuses to bind anywhere else', async () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const host of ['0.0.0.0', '::', 'localhost', '192.168.1.10']) {
      await expect(startBridge({ app, staticDir: join(dir, 'static'), host })).rejects.toThrow(
        /127\.0\.0\.1/,
      );
    }
  });

  it('never starts inside Electron unless the bridge flag asks for it', () => {
    expect(bridgeAllowedHere({ versions: { node: '20' }, env: {} })).toBe(true);
    expect(bridgeAllowedHere({ versions: { node: '20', electron: '45.4.1' }, env: {} })).toBe(false);
    expect(
      bridgeAllowedHere({ versions: { node: '20', electron: '45.4.1' }, env: { PAYDESK_BRIDGE: 'yes' } }),
    ).toBe(false);
    expect(
      bridgeAllowedHere({ versions: { node: '20', electron: '45.4.1' }, env: { PAYDESK_BRIDGE: '1' } }),
    ).toBe(true);
    // The Electron main process never reaches the bridge: nothing outside src-main/bridge imports it, except the
    // command line's `paydesk server` (the CLI runs under Node, never in Electron's main process).
    const root = join(__dirname, '../../src-main');
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const full = join(d, e.name);
        if (e.isDirectory()) {
          if (full !== join(root, 'bridge')) walk(full);
        } else if (
          full !== join(root, 'cli/commands/server.ts') &&
          /\.tsx?$/.test(e.name) &&
          /from '[./]+\/?bridge\//.test(readFileSync(full, 'utf8'))
        )
          offenders.push(full);
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
    // And what Electron's main process loads (src-main/index.ts and every file it imports) holds no bridge file.
    const reached = new Set<string>();
    const visit = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const base = join(dirname(file), m[1]!);
        const next = [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((f) => existsSync(f));
        if (next) visit(next);
      }
    };
    visit(join(root, 'index.ts'));
    expect(
      [...reached].filter((f) => f.startsWith(join(root, 'bridge')) || f.startsWith(join(root, 'cli'))),
    ).toEqual([]);
    expect(reached.size).toBeGreaterThan(20);
  });

  it('serves a shim that holds no secret', async () => {
    const source = browserShim();
    expect(source).toContain('accounts:payment-history');
    expect(() => new Script(source)).not.toThrow();
    expect(source).not.toMatch(/[0-9a-f]{32}/i);
    expect(source).not.toMatch(/x-paydesk-token|[?&]token=|const TOKEN/i);
    const served = await http(bridge, { path: '/paydesk-shim.js' });
    expect(served.status).toBe(200);
    // No launch secret, session id or anything secret-looking travels in what a page can load.
    const launchSecret = new URL(bridge.launchUrl()).searchParams.get('launch')!;
    expect(served.body).not.toContain(launchSecret);
    expect(served.body).not.toMatch(/[0-9a-f]{32}|[A-Za-z0-9_-]{40}/);
  });

  it('refuses API calls and event streams without a session cookie', async () => {
    const none = await call(bridge, undefined, 'auth:status', '{}');
    expect(none.status).toBe(403);
    expect(JSON.parse(none.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const forged = await call(bridge, `paydesk_session_${port}=${'A'.repeat(43)}`, 'auth:status', '{}');
    expect(forged.status).toBe(403);
    // The old per-launch header token is gone: a header proves nothing.
    const header = await call(bridge, undefined, 'auth:status', '{}', { 'x-paydesk-token': 'f'.repeat(64) });
    expect(header.status).toBe(403);
    expect((await http(bridge, { path: '/__events' })).status).toBe(403);
    expect((await http(bridge, { path: `/__events?token=${'f'.repeat(64)}` })).status).toBe(403);
  });

  it('exchanges a launch secret once for an HttpOnly SameSite=Strict session cookie', async () => {
    const url = bridge.launchUrl();
    expect(url).toMatch(new RegExp(`^${bridge.url}/\\?launch=[A-Za-z0-9_-]{43}$`));
    const cookie = await launch(bridge, url);
    expect(cookie).toMatch(new RegExp(`^paydesk_session_${port}=[A-Za-z0-9_-]{43}$`));
    const status = await invoke(bridge, cookie, 'auth:status');
    expect(status).toMatchObject({ ok: true, value: { operator: null } });
    // Single use: the same link again, or a made-up one, gets nothing.
    const again = await http(bridge, { path: new URL(url).pathname + new URL(url).search });
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    const madeUp = await http(bridge, { path: `/?launch=${'A'.repeat(43)}` });
    expect(madeUp.status).toBe(403);
    expect(madeUp.headers['set-cookie']).toBeUndefined();
    // Each launch URL is distinct.
    expect(bridge.launchUrl()).not.toBe(bridge.launchUrl());
  });

  it('ends the previous session when the same browser opens a new launch URL', async () => {
    const first = await launch(bridge);
    expect((await invoke(bridge, first, 'auth:sign-in', ALICE)).ok).toBe(true);
    const u = new URL(bridge.launchUrl());
    const r = await http(bridge, { path: u.pathname + u.search, headers: { cookie: first } });
    expect(r.status).toBe(303);
    const second = r.headers['set-cookie']![0]!.split(';')[0]!;
    expect(second).not.toBe(first);
    expect((await call(bridge, first, 'auth:status', '{}')).status).toBe(403);
    expect(await invoke(bridge, second, 'auth:status')).toMatchObject({ value: { operator: null } });
  });

  it('redirects a launch only within the bridge', async () => {
    const secret = new URL(bridge.launchUrl()).searchParams.get('launch')!;
    // The URL parser turns "/.//evil.example/x" into the path "//evil.example/x", a protocol-relative URL.
    const r = await http(bridge, { path: `/.//evil.example/x?launch=${secret}` });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/evil.example/x');
    const deep = new URL(bridge.launchUrl('/#/batches'));
    expect(deep.pathname).toBe('/');
  });

  it('gives each cookie its own client: two operators signed in at once', async () => {
    const a = await launch(bridge);
    const b = await launch(bridge);
    expect(a).not.toBe(b);
    const signedIn = await invoke(bridge, a, 'auth:sign-in', ALICE);
    expect(signedIn).toMatchObject({ ok: true, value: { operator: { login: 'alice' } } });
    expect(await invoke(bridge, b, 'auth:status')).toMatchObject({ ok: true, value: { operator: null } });
    expect(await invoke(bridge, b, 'app:info')).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    expect(await invoke(bridge, b, 'auth:sign-in', BOB)).toMatchObject({
      ok: true,
      value: { operator: { login: 'bob' } },
    });
    expect(await invoke(bridge, a, 'app:info')).toMatchObject({
      ok: true,
      value: { operator: { login: 'alice' } },
    });
    expect(await invoke(bridge, b, 'app:info')).toMatchObject({
      ok: true,
      value: { operator: { login: 'bob' } },
    });
    // Signing out one session leaves the other signed in.
    expect((await invoke(bridge, a, 'auth:sign-out')).ok).toBe(true);
    expect(await invoke(bridge, a, 'auth:status')).toMatchObject({ value: { operator: null } });
    expect(await invoke(bridge, b, 'auth:status')).toMatchObject({ value: { operator: { login: 'bob' } } });
  });

  it('refuses a foreign Origin (another loopback port, another host) even with a valid cookie', async () => {
    const cookie = await launch(bridge);
    expect((await invoke(bridge, cookie, 'auth:sign-in', ALICE)).ok).toBe(true);
    const before = await accountCount();
    for (const origin of [
      'http://127.0.0.1:9999',
      `http://localhost:${port}`,
      `https://127.0.0.1:${port}`,
      'https://evil.example',
      'null',
    ]) {
      const r = await call(bridge, cookie, 'demo:load', JSON.stringify({ accounts: 3, seed: 1 }), { origin });
      expect(r.status, origin).toBe(403);
      const sse = await http(bridge, { path: '/__events', headers: { cookie, origin } });
      expect(sse.status, origin).toBe(403);
    }
    const sameSite = await call(bridge, cookie, 'demo:load', JSON.stringify({ accounts: 3, seed: 1 }), {
      'sec-fetch-site': 'same-site',
    });
    expect(sameSite.status).toBe(403);
    expect(await accountCount()).toBe(before);
    const own = await call(bridge, cookie, 'auth:status', '{}', {
      origin: bridge.url,
      'sec-fetch-site': 'same-origin',
    });
    expect(own.status).toBe(200);
  });

  it('refuses a foreign Host (DNS rebinding, another name for loopback) on every path', async () => {
    const cookie = await launch(bridge);
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `localhost:${port}`,
      '127.0.0.1:9999',
      '127.0.0.1',
    ]) {
      expect((await call(bridge, cookie, 'auth:status', '{}', { host })).status, host).toBe(403);
      expect((await http(bridge, { path: '/', headers: { host } })).status, host).toBe(403);
      expect((await http(bridge, { path: '/paydesk-shim.js', headers: { host } })).status, host).toBe(403);
      const u = new URL(bridge.launchUrl());
      const launched = await http(bridge, { path: u.pathname + u.search, headers: { host } });
      expect(launched.status, host).toBe(403);
      expect(launched.headers['set-cookie'], host).toBeUndefined();
    }
  });

  it('refuses simple-request content types for commands, so no-cors posts change nothing', async () => {
    const cookie = await launch(bridge);
    expect((await invoke(bridge, cookie, 'auth:sign-in', ALICE)).ok).toBe(true);
    const before = await accountCount();
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
    ]) {
      const r = await call(bridge, cookie, 'demo:load', JSON.stringify({ accounts: 3, seed: 1 }), {
        'content-type': type,
      });
      expect(r.status, type).toBe(415);
    }
    const noType = await http(bridge, {
      method: 'POST',
      path: '/__api/demo:load',
      body: '{}',
      headers: { cookie, 'content-type': '' },
    });
    expect(noType.status).toBe(415);
    expect(await accountCount()).toBe(before);
    const json = await call(bridge, cookie, 'auth:status', '{}', {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(json.status).toBe(200);
  });

  it('stops the attack of the finding: a page on another port reads the shim and posts text/plain', async () => {
    // The operator's own page is signed in; the browser sends its cookie to every port of 127.0.0.1.
    const cookie = await launch(bridge);
    expect((await invoke(bridge, cookie, 'auth:sign-in', ALICE)).ok).toBe(true);
    const before = await accountCount();
    const evil = { origin: 'http://127.0.0.1:9999', 'sec-fetch-site': 'same-site' };
    const shim = await http(bridge, { path: '/paydesk-shim.js', headers: evil });
    const stolen = /[0-9a-f]{64}/.exec(shim.body)?.[0];
    expect(stolen).toBeUndefined();
    const posted = await call(bridge, cookie, 'demo:load', JSON.stringify({ accounts: 5, seed: 2 }), {
      ...evil,
      'content-type': 'text/plain;charset=UTF-8',
    });
    expect(posted.status).toBe(403);
    expect(await accountCount()).toBe(before);
  });

  it('answers a body that is not JSON with a validation error', async () => {
    const cookie = await launch(bridge);
    const r = await call(bridge, cookie, 'auth:status', '{not json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  it('answers an unknown command with the dispatcher validation error', async () => {
    const cookie = await launch(bridge);
    const r = await call(bridge, cookie, 'payments:steal', '{}');
    expect(JSON.parse(r.body)).toEqual({
      ok: false,
      error: {
        code: 'validation',
        message: 'unknown command "payments:steal"',
        issues: [{ path: 'command', message: 'unknown command' }],
      },
    });
  });

  it('answers invalid input with field issues and never crashes', async () => {
    const cookie = await launch(bridge);
    expect((await invoke(bridge, cookie, 'auth:sign-in', ALICE)).ok).toBe(true);
    const body = await invoke(bridge, cookie, 'accounts:search', { query: 5, limit: -1 });
    expect(body.ok).toBe(false);
    expect(body.error?.code).toBe('validation');
    expect(body.error!.issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'query']);
    const wrongMethod = await http(bridge, { path: '/__api/app:info', headers: { cookie } });
    expect(wrongMethod.status).toBe(405);
    const info = await invoke(bridge, cookie, 'app:info');
    expect(info.value?.ledgerFile).toContain('ledger.sqlite');
  });

  it('serves the static renderer and nothing outside it, and not to frames or other sites', async () => {
    const index = await http(bridge, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Paydesk</title>');
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect((await http(bridge, { path: '/../secret.txt' })).status).toBe(404);
    expect((await http(bridge, { path: '/%2e%2e/secret.txt' })).status).toBe(404);
    expect((await http(bridge, { path: '/missing.js' })).status).toBe(404);
    const crossSite = await http(bridge, {
      path: '/paydesk-shim.js',
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
    });
    expect(crossSite.status).toBe(403);
  });

  it('streams events to signed-in sessions only; ledger events stay out of a signed-out page', async () => {
    const { a, streamA, streamB, close } = await twoPages(bridge);
    try {
      const body = await invoke(bridge, a, 'demo:load', { accounts: 300, seed: 7 });
      expect(body).toMatchObject({ ok: true, value: { accounts: 300, seed: 7 } });
      await expect
        .poll(() => streamA.events.some((e) => e.event === 'ledger:changed'), { timeout: 5000 })
        .toBe(true);
      const progress = streamA.events.filter((e) => e.event === 'job:progress');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)?.data).toMatchObject({ kind: 'demo' });
      expect(streamA.events.find((e) => e.event === 'ledger:changed')?.data).toEqual({ what: 'demo' });
      expect(streamB.events).toEqual([]);
    } finally {
      close();
    }
    expect(await accountCount()).toBeGreaterThanOrEqual(300);
  });

  it("tells a session of its own sign-in only: another operator's sign-in does not reset this page", async () => {
    const { b, streamA, streamB, close } = await twoPages(bridge);
    try {
      expect((await invoke(bridge, b, 'auth:sign-in', BOB)).ok).toBe(true);
      await expect
        .poll(() => streamB.events.some((e) => e.event === 'auth:changed'), { timeout: 5000 })
        .toBe(true);
      // A page that heard every sign-in dropped its whole cache (and any open dialog) whenever a colleague signed in.
      await new Promise((r) => setTimeout(r, 200));
      expect(streamA.events.filter((e) => e.event === 'auth:changed')).toEqual([]);
    } finally {
      close();
    }
  });

  it("shows a job's progress to the session that started it only; the ledger change reaches everyone", async () => {
    const { a, streamA, streamB, close } = await twoPages(bridge, { bobSignedIn: true });
    try {
      const batch = await invoke(bridge, a, 'batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
      });
      expect(batch.ok).toBe(true);
      const batchId = (batch.value as unknown as { id: number }).id;
      expect((await invoke(bridge, a, 'batches:validate', { batchId })).ok).toBe(true);
      await expect
        .poll(() => streamB.events.some((e) => e.event === 'ledger:changed'), { timeout: 5000 })
        .toBe(true);
      await expect
        .poll(() => streamA.events.some((e) => e.event === 'job:finished'), { timeout: 5000 })
        .toBe(true);
      expect(streamA.events.some((e) => e.event === 'job:progress')).toBe(true);
      // Another operator's status bar showed Alice's job, with a Cancel button for it.
      expect(streamB.events.filter((e) => e.event.startsWith('job:'))).toEqual([]);
    } finally {
      close();
    }
  });
});

describe('bridge sessions expire', () => {
  it('forgets an idle session and an unused launch secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paydesk-bridge-ttl-'));
    mkdirSync(join(dir, 'static'));
    writeFileSync(join(dir, 'static', 'index.html'), '<!doctype html><title>Paydesk</title>');
    const app = openApp({ file: join(dir, 'ledger.sqlite'), login: 'bridge.tester' });
    let now = 1_000_000;
    const bridge = await startBridge({
      app,
      staticDir: join(dir, 'static'),
      sessionIdleMs: 60_000,
      launchTtlMs: 10_000,
      nowMs: () => now,
    });
    try {
      expect(
        (
          await app.dispatch('operators:add', {
            login: 'alice',
            name: 'A',
            roles: ['admin'],
            password: ALICE.password,
          })
        ).ok,
      ).toBe(true);
      const stale = bridge.launchUrl();
      const cookie = await launch(bridge);
      expect((await invoke(bridge, cookie, 'auth:sign-in', ALICE)).ok).toBe(true);
      now += 30_000;
      expect(await invoke(bridge, cookie, 'auth:status')).toMatchObject({
        value: { operator: { login: 'alice' } },
      });
      const u = new URL(stale);
      expect((await http(bridge, { path: u.pathname + u.search })).status).toBe(403);
      now += 61_000;
      expect((await call(bridge, cookie, 'auth:status', '{}')).status).toBe(403);
    } finally {
      await bridge.close();
      app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
