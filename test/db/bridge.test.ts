import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { Script } from 'node:vm';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { startBridge, type Bridge } from '../../src-main/bridge/server';
import { browserShim } from '../../src-main/bridge/shim';

type HttpReply = { status: number; body: string };

/** Minimal HTTP client so the Host header can be forged (fetch does not allow that). */
function http(
  bridge: Bridge,
  opts: { method?: string; path: string; body?: string; headers?: Record<string, string> },
): Promise<HttpReply> {
  const url = new URL(opts.path, bridge.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: { 'content-type': 'application/json', ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function call(bridge: Bridge, command: string, body: string): Promise<HttpReply> {
  return http(bridge, {
    method: 'POST',
    path: `/__api/${encodeURIComponent(command)}`,
    body,
    headers: { 'x-paydesk-token': bridge.token },
  });
}

type SseEvent = { event: string; data: unknown };

/** Opens /__events and collects parsed events until closed. */
function openEvents(bridge: Bridge): Promise<{ events: SseEvent[]; close: () => void }> {
  const url = new URL(`/__events?token=${bridge.token}`, bridge.url);
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const req = request(url, (res) => {
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

describe('loopback bridge', () => {
  let dir: string;
  let app: App;
  let bridge: Bridge;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paydesk-bridge-'));
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Paydesk</title>');
    writeFileSync(join(dir, 'secret.txt'), 'outside the static dir');
    app = openApp({ file: join(dir, 'ledger.sqlite'), login: 'bridge.tester' });
    bridge = await startBridge({ app, staticDir });
  });

  afterAll(async () => {
    await bridge?.close();
    app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback with a random 64-hex-digit token', () => {
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(bridge.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses API calls and event streams without the token', async () => {
    const noToken = await http(bridge, { method: 'POST', path: '/__api/app:info', body: '{}' });
    expect(noToken.status).toBe(403);
    expect(JSON.parse(noToken.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const wrong = await http(bridge, {
      method: 'POST',
      path: '/__api/app:info',
      body: '{}',
      headers: { 'x-paydesk-token': 'f'.repeat(64) },
    });
    expect(wrong.status).toBe(403);
    const sse = await http(bridge, { path: '/__events' });
    expect(sse.status).toBe(403);
  });

  it('refuses non-loopback Host and Origin headers even with the token', async () => {
    const rebound = await http(bridge, {
      method: 'POST',
      path: '/__api/app:info',
      body: '{}',
      headers: { 'x-paydesk-token': bridge.token, host: 'evil.example:80' },
    });
    expect(rebound.status).toBe(403);
    const crossOrigin = await http(bridge, {
      method: 'POST',
      path: '/__api/app:info',
      body: '{}',
      headers: { 'x-paydesk-token': bridge.token, origin: 'https://evil.example' },
    });
    expect(crossOrigin.status).toBe(403);
    const page = await http(bridge, { path: '/', headers: { host: 'evil.example' } });
    expect(page.status).toBe(403);
  });

  it('answers a body that is not JSON with a validation error', async () => {
    const r = await call(bridge, 'app:info', '{not json');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'validation' } });
  });

  it('answers an unknown command with the dispatcher validation error', async () => {
    const r = await call(bridge, 'payments:steal', '{}');
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
    const r = await call(bridge, 'accounts:search', JSON.stringify({ query: 5, limit: -1 }));
    const body = JSON.parse(r.body);
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('validation');
    expect(body.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['limit', 'query']);
    const wrongMethod = await http(bridge, {
      path: '/__api/app:info',
      headers: { 'x-paydesk-token': bridge.token },
    });
    expect(wrongMethod.status).toBe(405);
    const info = await call(bridge, 'app:info', '{}');
    expect(info.status).toBe(200);
  });

  it('answers app:info with the ledger facts', async () => {
    const r = await call(bridge, 'app:info', '');
    const body = JSON.parse(r.body);
    expect(body.ok).toBe(true);
    expect(body.value).toMatchObject({
      isEmpty: true,
      accountCount: 0,
      operator: { login: 'bridge.tester' },
    });
    expect(body.value.ledgerFile).toContain('ledger.sqlite');
    expect(body.value.currencies.find((c: { code: string }) => c.code === 'JPY')).toMatchObject({
      exponent: 0,
    });
  });

  it('serves the static renderer and nothing outside it', async () => {
    const index = await http(bridge, { path: '/' });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Paydesk</title>');
    expect((await http(bridge, { path: '/../secret.txt' })).status).toBe(404);
    expect((await http(bridge, { path: '/%2e%2e/secret.txt' })).status).toBe(404);
    expect((await http(bridge, { path: '/missing.js' })).status).toBe(404);
  });

  it('streams job:progress and ledger:changed events over SSE during demo:load', async () => {
    const stream = await openEvents(bridge);
    try {
      const r = await call(bridge, 'demo:load', JSON.stringify({ accounts: 300, seed: 7 }));
      const body = JSON.parse(r.body);
      expect(body).toMatchObject({ ok: true, value: { accounts: 300, seed: 7 } });
      await expect
        .poll(() => stream.events.some((e) => e.event === 'ledger:changed'), { timeout: 5000 })
        .toBe(true);
      const progress = stream.events.filter((e) => e.event === 'job:progress');
      expect(progress.length).toBeGreaterThan(0);
      expect(progress.at(-1)?.data).toMatchObject({ kind: 'demo' });
      expect(stream.events.find((e) => e.event === 'ledger:changed')?.data).toEqual({ what: 'demo' });
    } finally {
      stream.close();
    }
    const info = JSON.parse((await call(bridge, 'app:info', '{}')).body);
    expect(info.value).toMatchObject({ isEmpty: false, accountCount: 300 });
  });

  it('builds a shim that defines window.api with invoke and on for the token', () => {
    const source = browserShim(bridge.token);
    expect(source).toContain(JSON.stringify(bridge.token));
    expect(source).toContain('accounts:payment-history');
    expect(() => new Script(source)).not.toThrow();
  });
});
