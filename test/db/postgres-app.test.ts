import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresApp, type App } from '../../src-main/app-context';
import { startTeamServer, type TeamServer } from '../../src-main/bridge/team-server';
import { runCli } from '../../src-main/cli/main';
import type { LedgerPlace } from '../../src-main/services/context';
import type { BatchDto, BatchValidationDto } from '../../src-shared/dto/batches';
import { emptyPostgres, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: a team's ledger on PostgreSQL. `paydesk --pg URL init` makes the first admin, `paydesk --pg URL
// server` serves it; the services, the gate and the jobs (queued in the database) run on it as on a file.

const pgAvailable = STORAGES.find((s) => s.dialect === 'postgres')!.available;
const ADMIN = { login: 'chief', password: 'marble kettle sunrise' };
const saved = { ...process.env };

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  for (const k of ['PAYDESK_PASSWORD', 'PAYDESK_TOKEN', 'PAYDESK_OPERATOR', 'PAYDESK_SERVER', 'PAYDESK_PG'])
    delete process.env[k];
  Object.assign(process.env, env);
  let out = '';
  const code = await runCli(['node', 'paydesk', ...args], {
    out: (t) => (out += t),
    err: () => undefined,
    isTty: false,
  });
  return { code, out };
}

function send(
  url: string,
  opts: { method?: string; body?: unknown; bearer?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}` } : {}),
        },
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

describe.skipIf(!pgAvailable)('a ledger on PostgreSQL: CLI, services and team server', () => {
  let url: string;
  let drop: () => Promise<void>;
  let dir: string;
  let cleanup: () => void;

  beforeAll(async () => {
    ({ url, drop } = await emptyPostgres());
    ({ dir, cleanup } = tempDir('paydesk-pg-app-'));
    process.env.PAYDESK_USER_DATA = join(dir, 'data');
  });
  afterAll(async () => {
    process.env = { ...saved };
    await drop();
    cleanup();
  });

  it('init with --pg migrates the database and creates the first admin once', async () => {
    const first = await cli(['--pg', url, '--json', 'init'], {
      PAYDESK_OPERATOR: ADMIN.login,
      PAYDESK_PASSWORD: ADMIN.password,
    });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({
      database: 'postgres',
      ledgerFile: null,
      created: true,
      operator: { login: 'chief', roles: ['clerk', 'analyst', 'supervisor', 'admin'] },
    });
    const again = await cli(['--pg', url, '--json', 'init'], {
      PAYDESK_OPERATOR: ADMIN.login,
      PAYDESK_PASSWORD: ADMIN.password,
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ database: 'postgres', created: false });
    // Any command runs on it, signed in as on a file.
    const created = await cli(
      ['--pg', url, '--json', 'batch', 'create', '--type', 'payment', '--currency', 'USD'],
      {
        PAYDESK_OPERATOR: ADMIN.login,
        PAYDESK_PASSWORD: ADMIN.password,
      },
    );
    expect(created.out).not.toContain('"error"');
    expect(JSON.parse(created.out)).toMatchObject({ batchType: 'payment', status: 'open' });
    const wrong = await cli(['--pg', url, '--json', 'batch', 'list'], {
      PAYDESK_OPERATOR: ADMIN.login,
      PAYDESK_PASSWORD: 'not the password',
    });
    expect(wrong.code).not.toBe(0);
    expect(JSON.parse(wrong.out)).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('refuses --pg with --db, a URL of another kind and an unreachable server, naming no password', async () => {
    const both = await cli(['--pg', url, '--db', join(dir, 'x.sqlite'), '--json', 'batch', 'list']);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.out)).toMatchObject({
      error: { code: 'validation', issues: [{ path: 'pg' }], message: expect.stringMatching(/not both/) },
    });
    const mysql = await cli(['--pg', 'mysql://u@localhost/x', '--json', 'batch', 'list']);
    expect(JSON.parse(mysql.out)).toMatchObject({
      error: { code: 'validation', message: expect.stringMatching(/postgres:\/\/ URL/) },
    });
    const down = await cli([
      '--pg',
      'postgres://clerk:s3cret-pw@127.0.0.1:1/ledger',
      '--json',
      'batch',
      'list',
    ]);
    expect(down.code).toBe(2);
    const error = (JSON.parse(down.out) as { error: { message: string; issues: { path: string }[] } }).error;
    expect(error.issues[0]!.path).toBe('pg');
    expect(error.message).toMatch(
      /cannot open the PostgreSQL ledger at postgres:\/\/clerk:\*\*\*@127\.0\.0\.1:1/,
    );
    expect(down.out).not.toContain('s3cret-pw');
    const encrypt = await cli(['--pg', url, '--json', 'init', '--encrypt']);
    expect(JSON.parse(encrypt.out)).toMatchObject({ error: { issues: [{ path: 'encrypt' }] } });
  });

  describe('two team servers on one PostgreSQL ledger', () => {
    let a: App<LedgerPlace>;
    let b: App<LedgerPlace>;
    let serverA: TeamServer;
    let serverB: TeamServer;

    beforeAll(async () => {
      const staticDir = join(dir, 'static');
      mkdirSync(staticDir, { recursive: true });
      writeFileSync(join(staticDir, 'index.html'), '<!doctype html><head><title>Paydesk</title></head>');
      a = await openPostgresApp({ url, home: join(dir, 'a', 'server'), login: ADMIN.login });
      b = await openPostgresApp({ url, home: join(dir, 'b', 'server') });
      serverA = await startTeamServer({ app: a, staticDir, host: '127.0.0.1', port: 0 });
      serverB = await startTeamServer({ app: b, staticDir, host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await serverA.close();
      await serverB.close();
      a.close();
      b.close();
    });

    it('answers its health check with the database and the migrations applied', async () => {
      const journal = JSON.parse(readFileSync('db/migrations-pg/meta/_journal.json', 'utf8')) as {
        entries: unknown[];
      };
      const health = await send(`${serverA.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        status: 'ok',
        ledger: { database: 'postgres', file: null, schemaMigrations: journal.entries.length },
      });
      // Screens name the database, not the server's home folder, and never the password.
      const info = await a.dispatch('app:info', {});
      const where = new URL(url);
      expect(info).toMatchObject({
        ok: true,
        value: { database: 'postgres', ledgerFile: `PostgreSQL ${where.host}${where.pathname}` },
      });
    });

    it("a batch made on one server is the other's: validated there through the job queue, submitted once", async () => {
      const session = async (server: TeamServer): Promise<string> => {
        const r = await send(`${server.url}/v1/sessions`, { method: 'POST', body: ADMIN });
        expect(r.status).toBe(200);
        return (r.body.value as { session: string }).session;
      };
      const [sa, sb] = [await session(serverA), await session(serverB)];
      const command = async <T>(
        server: TeamServer,
        bearer: string,
        name: string,
        input: unknown,
      ): Promise<T> => {
        const r = await send(`${server.url}/v1/commands/${name}`, { method: 'POST', body: input, bearer });
        if (r.body.ok !== true) throw new Error(`${name}: ${JSON.stringify(r.body)}`);
        return r.body.value as T;
      };
      await command(serverA, sa, 'demo:load', { accounts: 20, seed: 3 });
      const usd = await a.ctx.storage.transaction(
        (tx) =>
          tx.get<{ accountNo: string }>(
            sql`SELECT account_no AS "accountNo" FROM accounts WHERE currency = 'USD' AND account_no <> 'SUSPENSE' ORDER BY id LIMIT 1`,
          ),
        { readOnly: true },
      );
      const batch = await command<BatchDto>(serverA, sa, 'batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
      });
      await command(serverA, sa, 'batches:save-entries', {
        batchId: batch.id,
        entries: [{ accountNo: usd!.accountNo, amount: '12.50', paymentDate: '2026-12-01' }],
      });
      const listed = await command<{ rows: BatchDto[] }>(serverB, sb, 'batches:list', {});
      expect(listed.rows.map((r) => r.id)).toContain(batch.id);
      const validated = await command<BatchValidationDto>(serverB, sb, 'batches:validate', {
        batchId: batch.id,
      });
      expect(validated.batch.status).toBe('validated');
      // Submitted from both servers at once: posted once.
      const submits = await Promise.all([
        send(`${serverA.url}/v1/commands/batches:submit`, {
          method: 'POST',
          body: { batchId: batch.id },
          bearer: sa,
        }),
        send(`${serverB.url}/v1/commands/batches:submit`, {
          method: 'POST',
          body: { batchId: batch.id },
          bearer: sb,
        }),
      ]);
      for (const s of submits) if (s.body.ok !== true) throw new Error(JSON.stringify(s.body));
      const payments = await a.ctx.storage.transaction(
        (tx) =>
          tx.all<{ amountMinor: number; currency: string }>(
            sql`SELECT amount_minor AS "amountMinor", currency FROM payments WHERE batch_id = ${batch.id}`,
          ),
        { readOnly: true },
      );
      expect(payments).toEqual([{ amountMinor: 1250, currency: 'USD' }]);
      const check = await command<{ ok: boolean }>(serverA, sa, 'ledger:check', {});
      expect(check.ok).toBe(true);
      // Every job went through the queue and left it.
      const queue = await a.ctx.storage.transaction(
        (tx) => tx.all<{ state: string }>(sql`SELECT state FROM job_queue WHERE state <> 'done'`),
        { readOnly: true },
      );
      expect(queue).toEqual([]);
    });
  });
});
