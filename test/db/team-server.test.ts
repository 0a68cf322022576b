import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { startTeamServer, type TeamServer } from '../../src-main/bridge/team-server';
import type { NewApiTokenDto } from '../../src-shared/dto/auth';
import { APPS, type TestApp } from '../helpers/apps';

/**
 * Issue #17, first piece: one server process serves the command registry to a team over HTTP(S); the same suite
 * on a SQLite file and on PostgreSQL (the CLI names the ledger with --db FILE or --pg URL).
 */

const ADMIN = { login: 'chief', password: 'marble kettle sunrise' };
const CLERK = { login: 'kim', password: 'violet tulip harbour' };
const saved = { ...process.env };

type Reply = { status: number; headers: IncomingHttpHeaders; text: string };

function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options = {
      method: opts.method ?? 'GET',
      headers: opts.headers ?? {},
      ...(opts.ca ? { ca: opts.ca } : {}),
    };
    const onRes = (res: import('node:http').IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, options, onRes)
        : httpRequest(target, options, onRes);
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = (r: Reply): Record<string, unknown> => JSON.parse(r.text) as Record<string, unknown>;

let dir: string;
let staticDir: string;
let app: TestApp;
let server: TeamServer;
let logs: string[];
let token: string;

async function post(path: string, body: unknown, bearer?: string): Promise<Reply> {
  return send(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
}

/** The n-th demo account's number. */
async function accountNoOf(n: number): Promise<string> {
  const search = await app.dispatch('accounts:search', { query: 'a', mode: 'contains' });
  return (search as { value: { rows: { accountNo: string }[] } }).value.rows[n]!.accountNo;
}

async function sessionOf(who: { login: string; password: string }): Promise<string> {
  const r = await post('/v1/sessions', who);
  expect(r.status).toBe(200);
  return (json(r).value as { session: string }).session;
}

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  for (const k of [
    'PAYDESK_PASSWORD',
    'PAYDESK_TOKEN',
    'PAYDESK_OPERATOR',
    'PAYDESK_SERVER',
    'PAYDESK_SERVER_CA',
  ])
    delete process.env[k];
  Object.assign(process.env, app.cliEnv, env);
  let out = '';
  let err = '';
  const code = await runCli(['node', 'paydesk', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

describe.each(APPS.filter((r) => r.available))('the team server on $dialect', ({ dialect, open }) => {
  beforeAll(async () => {
    app = await open({ login: ADMIN.login });
    dir = app.dir;
    staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(
      join(staticDir, 'index.html'),
      '<!doctype html><head><title>Paydesk</title></head><script src="app.js"></script>',
    );
    for (const [who, roles] of [
      [ADMIN, undefined],
      [CLERK, ['clerk']],
    ] as const) {
      const r = roles
        ? await app.dispatch('operators:add', { ...who, name: who.login, roles })
        : await app.dispatch('operators:set-password', who);
      expect(r.ok).toBe(true);
    }
    expect((await app.dispatch('demo:load', { accounts: 30, seed: 7 })).ok).toBe(true);
    const t = await app.dispatch('tokens:create', { name: 'nightly', login: ADMIN.login, expiresInDays: 1 });
    expect(t.ok).toBe(true);
    token = (t as { value: NewApiTokenDto }).value.token;
    logs = [];
    server = await startTeamServer({ app, staticDir, port: 0, log: (line) => logs.push(line) });
  });

  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  afterAll(async () => {
    await server?.close();
    await app?.dispose();
  });

  // The file's name on SQLite; a PostgreSQL server names no file (nor its URL).
  const ledgerHealth =
    dialect === 'sqlite'
      ? { database: 'sqlite', file: 'ledger.sqlite' }
      : { database: 'postgres', file: null };

  describe('paydesk server: API', () => {
    it('answers health without auth and nothing secret', async () => {
      const r = await send(`${server.url}/healthz`);
      expect(r.status).toBe(200);
      const h = json(r);
      expect(h).toMatchObject({ status: 'ok', ledger: ledgerHealth });
      expect(typeof h.version).toBe('string');
      expect((h.ledger as { schemaMigrations: number }).schemaMigrations).toBeGreaterThan(0);
      expect(r.text).not.toContain(dir);
    });

    it('refuses a wrong password with 401 and audits it; a right one opens a session', async () => {
      const bad = await post('/v1/sessions', { login: CLERK.login, password: 'not the password' });
      expect(bad.status).toBe(401);
      expect(json(bad)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
      const audited = await app.all<{ after: string }>(
        sql`SELECT after FROM audit_log WHERE action = 'auth.sign-in-failed' AND entity_id = ${CLERK.login} ORDER BY id`,
      );
      expect(audited.length).toBeGreaterThan(0);
      expect(audited.at(-1)!.after).toContain('server');

      const ok = await post('/v1/sessions', CLERK);
      expect(ok.status).toBe(200);
      const value = json(ok).value as {
        session: string;
        operator: { login: string };
        roles: string[];
        expiresAt: string;
      };
      expect(value.operator.login).toBe(CLERK.login);
      expect(value.roles).toEqual(['clerk']);
      expect(Date.parse(value.expiresAt)).toBeGreaterThan(Date.now());
      const status = await post('/v1/commands/auth:status', {}, value.session);
      expect(json(status)).toMatchObject({
        ok: true,
        value: { operator: { login: CLERK.login }, via: 'password' },
      });

      const out = await send(`${server.url}/v1/sessions`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${value.session}` },
      });
      expect(out.status).toBe(200);
      const after = await post('/v1/commands/auth:status', {}, value.session);
      expect(after.status).toBe(401);
    });

    it('takes an API token as the bearer; refuses no bearer and an unknown token', async () => {
      const r = await post('/v1/commands/auth:status', {}, token);
      expect(json(r)).toMatchObject({ ok: true, value: { operator: { login: ADMIN.login }, via: 'token' } });
      expect((await post('/v1/commands/auth:status', {})).status).toBe(401);
      const unknown = await post('/v1/commands/batches:list', {}, `pdk_${'a'.repeat(40)}`);
      expect(unknown.status).toBe(401);
      expect(json(unknown)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    });

    it('refuses a clerk an admin command with 403 and a bad input with 400; the Result equals local dispatch', async () => {
      const kim = await sessionOf(CLERK);
      const refused = await post(
        '/v1/commands/operators:add',
        { login: 'sneaky', name: 'Sneaky', roles: ['admin'] },
        kim,
      );
      expect(refused.status).toBe(403);
      expect(json(refused)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const invalid = await post('/v1/commands/accounts:search', { nonsense: true }, kim);
      expect(invalid.status).toBe(400);
      expect(json(invalid)).toMatchObject({ ok: false, error: { code: 'validation' } });
      const unknown = await post('/v1/commands/accounts:get', { accountNo: 'NOPE-0' }, kim);
      expect([404, 400]).toContain(unknown.status);

      const input = { query: 'a', mode: 'contains' };
      const remote = await post('/v1/commands/accounts:search', input, token);
      expect(remote.status).toBe(200);
      const local = await app.dispatch('accounts:search', input);
      expect(JSON.parse(remote.text)).toEqual(JSON.parse(JSON.stringify(local)));
    });

    it('needs JSON bodies and the own Host', async () => {
      const plain = await send(`${server.url}/v1/commands/auth:status`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
        body: '{}',
      });
      expect(plain.status).toBe(415);
      const rebound = await send(`${server.url}/v1/commands/auth:status`, {
        method: 'POST',
        headers: {
          host: 'evil.example:8443',
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
        },
        body: '{}',
      });
      expect(rebound.status).toBe(403);
    });

    it('gives a visitor of the page a signed-out HttpOnly SameSite session that signs in on the API path', async () => {
      const page = await send(`${server.url}/`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<script src="./paydesk-shim.js"></script>');
      const cookie = String(page.headers['set-cookie']);
      expect(cookie).toMatch(/^paydesk_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\//);
      const jar = cookie.split(';')[0]!;
      const shim = await send(`${server.url}/paydesk-shim.js`);
      expect(shim.text).toContain('window.api');
      const call = (command: string, body: unknown, extra: Record<string, string> = {}): Promise<Reply> =>
        send(`${server.url}/__api/${command}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: jar, ...extra },
          body: JSON.stringify(body),
        });
      expect(json(await call('auth:status', {}))).toMatchObject({ ok: true, value: { operator: null } });
      expect(json(await call('batches:list', {}))).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated' },
      });
      expect(json(await call('auth:sign-in', CLERK))).toMatchObject({ ok: true });
      expect(json(await call('batches:list', {}))).toMatchObject({ ok: true });
      // Another site's page cannot use the cookie.
      const evil = await call('batches:list', {}, { origin: 'https://evil.example' });
      expect(evil.status).toBe(403);
    });

    it('counts requests, durations, sessions and jobs in /metrics', async () => {
      await post('/v1/commands/auth:status', {}, token);
      const r = await send(`${server.url}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toContain('text/plain');
      expect(r.text).toMatch(/paydesk_commands_total\{command="auth:status",outcome="ok"\} \d+/);
      expect(r.text).toMatch(/paydesk_commands_total\{command="operators:add",outcome="forbidden"\} 1/);
      expect(r.text).toMatch(
        /paydesk_command_duration_seconds_bucket\{command="auth:status",le="\+Inf"\} \d+/,
      );
      expect(r.text).toMatch(/paydesk_sessions_open\{kind="token"\} 1/);
      expect(r.text).toContain('paydesk_event_streams_open 0');
      expect(r.text).toContain('paydesk_jobs_running 0');
    });

    it('streams ledger events to an API session', async () => {
      const kim = await sessionOf(CLERK);
      const firstAccount = await accountNoOf(1);
      const events = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          `${server.url}/v1/events`,
          { headers: { authorization: `Bearer ${kim}` } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => {
              text += c.toString('utf8');
              if (text.includes('event: ledger:changed')) {
                req.destroy();
                resolve(text);
              }
            });
            // Once connected, change the ledger through another caller.
            setTimeout(() => {
              void post('/v1/commands/payments:record', { accountNo: firstAccount, amount: '1' }, kim);
            }, 50);
          },
        );
        req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
        req.end();
      });
      expect(events).toContain('event: ledger:changed');
    });
  });

  describe('paydesk --server: the CLI against the server', () => {
    it('answers a read command exactly as the local ledger does', async () => {
      const local = await cli([
        ...app.ledgerArgs,
        '--token',
        token,
        '--json',
        'account',
        'search',
        'a',
        '--contains',
      ]);
      const remote = await cli([
        '--server',
        server.url,
        '--token',
        token,
        '--json',
        'account',
        'search',
        'a',
        '--contains',
      ]);
      expect(local.code).toBe(0);
      expect(remote.code).toBe(0);
      expect(remote.out).toBe(local.out);
      const who = await cli(['--server', server.url, '--operator', CLERK.login, '--json', 'whoami'], {
        PAYDESK_PASSWORD: CLERK.password,
      });
      expect(who.code).toBe(0);
      expect(JSON.parse(who.out)).toMatchObject({ operator: { login: CLERK.login }, via: 'password' });
      const refused = await cli(
        [
          '--server',
          server.url,
          '--operator',
          CLERK.login,
          '--json',
          'operator',
          'add',
          'sneaky2',
          '--roles',
          'admin',
        ],
        {
          PAYDESK_PASSWORD: CLERK.password,
        },
      );
      expect(refused.code).toBe(5);
      const wrong = await cli(['--server', server.url, '--operator', CLERK.login, '--json', 'whoami'], {
        PAYDESK_PASSWORD: 'wrong wrong wrong',
      });
      expect(wrong.code).toBe(8);
    });

    it('posts a payment once when the same command is sent twice with one idempotency key', async () => {
      const accountNo = await accountNoOf(2);
      const paymentsOf = async (): Promise<number> => {
        const h = await app.dispatch('accounts:payment-history', { accountNo });
        return (h as { value: { total: number } }).value.total;
      };
      const before = await paymentsOf();
      const args = [
        '--server',
        server.url,
        '--json',
        'payment',
        'record',
        accountNo,
        '12',
        '--key',
        'srv-once-1',
      ];
      const first = await cli(args, { PAYDESK_TOKEN: token });
      const second = await cli(args, { PAYDESK_TOKEN: token });
      expect(first.code).toBe(0);
      expect(second.code).toBe(0);
      expect(JSON.parse(first.out)).toMatchObject({ duplicate: false });
      expect(JSON.parse(second.out)).toMatchObject({
        duplicate: true,
        paymentId: JSON.parse(first.out).paymentId,
      });
      expect(await paymentsOf()).toBe(before + 1);
    });

    it('sends a file named by path as an upload, so a file command answers as it does locally', async () => {
      const csv = join(dir, 'lockbox.csv');
      writeFileSync(
        csv,
        'Account,Amount,Date,Check\nA-1001,12.50,2026-01-05,5001\nA-1002,7.00,2026-01-05,5002\n',
      );
      const local = await cli([...app.ledgerArgs, '--token', token, '--json', 'template', 'detect', csv]);
      const remote = await cli([
        '--server',
        server.url,
        '--token',
        token,
        '--json',
        'template',
        'detect',
        csv,
      ]);
      expect(local.code).toBe(0);
      expect(remote.code).toBe(0);
      expect((JSON.parse(remote.out) as unknown[]).length).toBeGreaterThan(0);
      expect(remote.out).toBe(local.out);
      // The server never opened the path: it got the bytes.
      const reads = await app.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM audit_log WHERE action = 'forbidden' AND entity = 'file'`,
      );
      expect(reads!.n).toBe(0);
    });

    it('uploads each receivables file of ar import; an output path stays refused on the server', async () => {
      const accounts = join(dir, 'accounts.csv');
      writeFileSync(
        accounts,
        'account_no,name,status,currency,default_pay_type\nSRV1,Mia Wolf,active,USD,10001\nSRV2,Koch Bakery,active,USD,10001\n',
      );
      const preview = await cli([
        '--server',
        server.url,
        '--token',
        token,
        '--json',
        'ar',
        'import',
        '--accounts',
        accounts,
        '--preview',
      ]);
      expect(preview.code).toBe(0);
      const local = await cli([
        ...app.ledgerArgs,
        '--token',
        token,
        '--json',
        'ar',
        'import',
        '--accounts',
        accounts,
        '--preview',
      ]);
      const timeless = (t: string): unknown => ({ ...(JSON.parse(t) as object), elapsedMs: 0 });
      expect(timeless(preview.out)).toEqual(timeless(local.out));
      const imported = await cli([
        '--server',
        server.url,
        '--token',
        token,
        '--json',
        'ar',
        'import',
        '--accounts',
        accounts,
      ]);
      expect(imported.code).toBe(0);
      const found = await app.dispatch('accounts:show', { accountNo: 'SRV2' });
      expect(found).toMatchObject({ ok: true });
      // A report written to a path would be written on the server's machine: refused there, as from a browser.
      const report = await cli([
        '--server',
        server.url,
        '--token',
        token,
        '--json',
        'report',
        'daily',
        '--csv',
        join(dir, 'daily.csv'),
      ]);
      expect(report.code).toBe(5);
      expect(JSON.parse(report.out)).toMatchObject({ error: { code: 'forbidden' } });
    });

    it('refuses commands that need the ledger file itself, naming them', async () => {
      const init = await cli(['--server', server.url, '--json', 'init'], { PAYDESK_TOKEN: token });
      expect(init.code).toBe(2);
      expect(JSON.parse(init.out).error.message).toContain('paydesk init');
      const enc = await cli([
        '--server',
        server.url,
        '--json',
        'ledger',
        'encrypt',
        '--out',
        join(dir, 'x.sqlite'),
      ]);
      expect(enc.code).toBe(2);
      expect(JSON.parse(enc.out).error.message).toContain('paydesk ledger encrypt');
    });

    it('keeps signed-in sessions across a restart: a page stays signed in (and locked), an API session works on', async () => {
      const page = await send(`${server.url}/`);
      const jar = String(page.headers['set-cookie']).split(';')[0]!;
      const call = (command: string, body: unknown): Promise<Reply> =>
        send(`${server.url}/__api/${command}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: jar },
          body: JSON.stringify(body),
        });
      expect(json(await call('auth:sign-in', CLERK))).toMatchObject({ ok: true });
      const api = (json(await post('/v1/sessions', ADMIN)).value as { session: string }).session;
      const signedOut = (json(await post('/v1/sessions', CLERK)).value as { session: string }).session;
      await send(`${server.url}/v1/sessions`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${signedOut}` },
      });
      // The ledger holds digests only, never a session secret.
      await server.close();
      const rows = await app.all<{ key: string; kind: string }>(
        sql`SELECT key, kind FROM server_sessions ORDER BY kind`,
      );
      expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['api', 'browser']));
      const stored = JSON.stringify(rows);
      for (const secret of [api, signedOut, jar.split('=')[1]!]) expect(stored).not.toContain(secret);

      server = await startTeamServer({ app, staticDir, port: 0, log: (line) => logs.push(line) });
      expect(json(await call('auth:status', {}))).toMatchObject({
        ok: true,
        value: { operator: { login: CLERK.login }, via: 'password', locked: false },
      });
      expect(json(await call('batches:list', {}))).toMatchObject({ ok: true });
      expect(json(await post('/v1/commands/auth:status', {}, api))).toMatchObject({
        ok: true,
        value: { operator: { login: ADMIN.login } },
      });
      expect((await post('/v1/commands/auth:status', {}, signedOut)).status).toBe(401);

      // Locked stays locked; signed out stays signed out.
      expect(json(await call('auth:lock', {}))).toMatchObject({ ok: true });
      await send(`${server.url}/v1/sessions`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${api}` },
      });
      await server.close();
      server = await startTeamServer({ app, staticDir, port: 0, log: (line) => logs.push(line) });
      expect(json(await call('auth:status', {}))).toMatchObject({ ok: true, value: { locked: true } });
      expect(json(await call('batches:list', {}))).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated', reason: 'session_locked' },
      });
      expect((await post('/v1/commands/auth:status', {}, api)).status).toBe(401);
      const kept = async (): Promise<number> =>
        (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM server_sessions`))!.n;
      const before = await kept();
      expect(json(await call('auth:sign-out', {}))).toMatchObject({ ok: true });
      await server.close();
      expect(await kept()).toBe(before - 1);
      server = await startTeamServer({ app, staticDir, port: 0, log: (line) => logs.push(line) });
      // A signed-out session is not kept: the page gets a new one when it loads again.
      expect((await call('auth:status', {})).status).toBe(403);
    });

    it('never sends a token or password over plain http to another machine (the CLI refuses such a --server)', async () => {
      for (const url of ['http://paydesk.example.com:8443', 'http://10.0.0.7:8443/']) {
        const r = await cli(['--server', url, '--json', 'batch', 'list'], { PAYDESK_TOKEN: token });
        expect(r.code, url).toBe(2);
        const error = (
          JSON.parse(r.out) as { error: { code: string; message: string; issues: { path: string }[] } }
        ).error;
        expect(error.code, url).toBe('validation');
        expect(error.message, url).toMatch(/https:\/\//);
        expect(error.issues.map((i) => i.path)).toEqual(['server']);
      }
      const path = await cli(['--server', `${server.url}/v1`, '--json', 'batch', 'list'], {
        PAYDESK_TOKEN: token,
      });
      expect(path.code).toBe(2);
      expect(JSON.parse(path.out).error.message).toMatch(/no path/);
    });

    it('never logs a password, token or session id', () => {
      const all = logs.join('\n');
      for (const secret of [ADMIN.password, CLERK.password, token, 'wrong wrong wrong', 'not the password'])
        expect(all).not.toContain(secret);
      expect(all).not.toMatch(/[\w-]{43}/);
      const line = logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.command === 'auth:status');
      expect(line).toMatchObject({ level: 'info', msg: 'request', method: 'POST', status: 200 });
      expect(typeof line!.ms).toBe('number');
      expect(typeof line!.ts).toBe('string');
      expect(logs.some((l) => (JSON.parse(l) as { operator?: string }).operator === CLERK.login)).toBe(true);
    });
  });

  describe('paydesk server: TLS and refusals', () => {
    it('serves HTTPS with a Secure cookie; the CLI trusts the server only through PAYDESK_SERVER_CA', async () => {
      const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
        keySize: 2048,
        algorithm: 'sha256',
        extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
      });
      const caFile = join(dir, 'server-ca.pem');
      writeFileSync(caFile, pems.cert);
      const tlsServer = await startTeamServer({
        app,
        staticDir,
        port: 0,
        tls: { cert: pems.cert, key: pems.private },
        log: () => undefined,
      });
      try {
        expect(tlsServer.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const page = await send(`${tlsServer.url}/`, { ca: pems.cert });
        expect(String(page.headers['set-cookie'])).toMatch(
          /^__Host-paydesk_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/; Secure/,
        );
        const untrusted = await cli(['--server', tlsServer.url, '--token', token, '--json', 'whoami']);
        expect(untrusted.code).toBe(1);
        expect(JSON.parse(untrusted.out).error.message).toContain('PAYDESK_SERVER_CA');
        const trusted = await cli(['--server', tlsServer.url, '--token', token, '--json', 'whoami'], {
          PAYDESK_SERVER_CA: caFile,
        });
        expect(trusted.code).toBe(0);
        expect(JSON.parse(trusted.out)).toMatchObject({ operator: { login: ADMIN.login }, via: 'token' });
      } finally {
        await tlsServer.close();
      }
    });

    it('lets a running request finish when it stops, and takes no new ones', async () => {
      const stopping = await startTeamServer({ app, staticDir, port: 0, log: () => undefined });
      const body = JSON.stringify({});
      // A request whose body is still arriving when the stop begins.
      const answer = new Promise<Reply>((resolve, reject) => {
        const req = httpRequest(
          `${stopping.url}/v1/commands/auth:status`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'content-length': String(body.length),
              authorization: `Bearer ${token}`,
            },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString('utf8')));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 1));
        setTimeout(() => req.end(body.slice(1)), 300);
      });
      await new Promise((r) => setTimeout(r, 100));
      const closed = stopping.close();
      await expect(send(`${stopping.url}/healthz`)).rejects.toThrow();
      const r = await answer;
      expect(r.status).toBe(200);
      expect(json(r)).toMatchObject({ ok: true, value: { operator: { login: ADMIN.login } } });
      await closed;
    });

    it('runs as `paydesk server` until SIGTERM, then stops cleanly', async () => {
      const { spawn } = await import('node:child_process');
      const child = spawn(
        process.execPath,
        [
          join(__dirname, '../../bin/paydesk.cjs'),
          ...app.ledgerArgs,
          '--json',
          'server',
          '--listen',
          '127.0.0.1:0',
        ],
        {
          env: { ...process.env, ...app.cliEnv, PAYDESK_RENDERER_DIR: staticDir },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          const match = /"listening":"([^"]+)"/.exec(out);
          if (match) resolve(match[1]!);
        });
        void exited.then(() => reject(new Error(`server exited: ${out} ${err}`)));
      });
      const health = await send(`${url}/healthz`);
      expect(json(health)).toMatchObject({ status: 'ok', ledger: ledgerHealth });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).toContain('stopping');
      expect(err).toContain('"path":"/healthz"');
    }, 60_000);

    it('refuses a non-loopback address without TLS (exit 2), before touching the ledger', async () => {
      const ledger = join(dir, 'never.sqlite');
      const r = await cli(['--db', ledger, '--json', 'server', '--listen', '0.0.0.0:8443']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.out).error.message).toContain('without TLS');
      const { existsSync } = await import('node:fs');
      expect(existsSync(ledger)).toBe(false);
      await expect(startTeamServer({ app, staticDir, host: '10.1.2.3', port: 0 })).rejects.toThrow(
        /without TLS/,
      );
    });
  });
});
