import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { runCli } from '../../src-main/cli/main';
import { pushBatch, type Dispatch } from '../../src-main/cli/commands/push';
import { openRemoteLedger } from '../../src-main/cli/remote';
import { startTeamServer, type TeamServer } from '../../src-main/bridge/team-server';
import type { Result } from '../../src-shared/api/result';
import type { NewApiTokenDto } from '../../src-shared/dto/auth';
import type { BatchDto, BatchEntryDto } from '../../src-shared/dto/batches';
import type { LedgerPlace } from '../../src-main/services/context';
import { APPS, type TestApp } from '../helpers/apps';

/**
 * Issue #17: a batch kept offline in the local ledger (a SQLite file) is submitted on the team server exactly once,
 * the server's ledger being a SQLite file or PostgreSQL.
 */

const ADMIN = { login: 'chief', password: 'marble kettle sunrise' };
const saved = { ...process.env };

let dir: string;
let serverApp: TestApp;
let localApp: App;
let localFile: string;
let server: TeamServer;
let token: string;

async function ok<T>(app: App<LedgerPlace>, command: string, input: unknown): Promise<T> {
  const r = (await app.dispatch(command, input)) as Result<T>;
  if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
  return r.value;
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  for (const k of [
    'PAYDESK_PASSWORD',
    'PAYDESK_TOKEN',
    'PAYDESK_OPERATOR',
    'PAYDESK_SERVER',
    'PAYDESK_SERVER_TOKEN',
  ])
    delete process.env[k];
  process.env.PAYDESK_PASSWORD = ADMIN.password;
  let out = '';
  let err = '';
  const code = await runCli(['node', 'paydesk', '--db', localFile, '--operator', ADMIN.login, ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

const push = (batchId: number, ...more: string[]): Promise<{ code: number; out: string; err: string }> =>
  cli(['--json', 'batch', 'push', String(batchId), '--to', server.url, '--to-token', token, ...more]);

/** Accounts of one currency (both ledgers hold the same demo accounts). */
async function accountsIn(currency: string, n: number): Promise<string[]> {
  const rows = await serverApp.all<{ no: string }>(
    sql`SELECT account_no AS "no" FROM accounts WHERE is_suspense = 0 AND status = 'active' AND currency = ${currency} ORDER BY id LIMIT ${n}`,
  );
  expect(rows.length).toBe(n);
  return rows.map((r) => r.no);
}

/** A validated local batch of three entries in `currency`; its total in minor units. */
async function localBatch(currency = 'USD', amounts = ['12.34', '5.00', '100.10']): Promise<BatchDto> {
  const batch = await ok<BatchDto>(localApp, 'batches:create', {
    batchType: 'payment',
    payType: 10012,
    currency,
  });
  const accounts = await accountsIn(currency, amounts.length);
  await ok<BatchEntryDto[]>(localApp, 'batches:save-entries', {
    batchId: batch.id,
    entries: amounts.map((amount, i) => ({ accountNo: accounts[i], amount, paymentDate: '2026-12-01' })),
  });
  const v = await ok<{ batch: BatchDto }>(localApp, 'batches:validate', { batchId: batch.id });
  expect(v.batch.status).toBe('validated');
  return v.batch;
}

/** The server's batches recreated from this local batch (its audited loads), and the payments posted for them. */
async function onServer(localId: number): Promise<{
  batches: { id: number; status: string; currency: string }[];
  payments: { amount: number; currency: string }[];
}> {
  const ledgerId = localLedgerId();
  const loads = await serverApp.all<{ entityId: string; after: string }>(
    sql`SELECT entity_id AS "entityId", after FROM audit_log WHERE action = 'batch.load' ORDER BY id`,
  );
  const ids = loads
    .filter((l) => {
      const from = (JSON.parse(l.after) as { pushedFrom?: { batchId: number; ledgerId: string } }).pushedFrom;
      return from?.batchId === localId && from.ledgerId === ledgerId;
    })
    .map((l) => Number(l.entityId))
    .sort((x, y) => x - y);
  const batches: { id: number; status: string; currency: string }[] = [];
  const payments: { amount: number; currency: string }[] = [];
  for (const id of ids) {
    const b = await serverApp.get<{ id: number; status: string; currency: string }>(
      sql`SELECT id, status, currency FROM batches WHERE id = ${id}`,
    );
    if (!b) continue;
    batches.push(b);
    payments.push(
      ...(await serverApp.all<{ amount: number; currency: string }>(
        sql`SELECT amount_minor AS amount, currency FROM payments WHERE batch_id = ${id} ORDER BY id`,
      )),
    );
  }
  return { batches, payments };
}

function localLedgerId(): string {
  return (
    localApp.ctx.ledger.sqlite.prepare('SELECT ledger_id AS id FROM ledger_identity').get() as { id: string }
  ).id;
}

function pushedMark(batchId: number): { server_url: string; server_batch_id: number } | undefined {
  return localApp.ctx.ledger.sqlite.prepare('SELECT * FROM batch_pushes WHERE batch_id = ?').get(batchId) as
    { server_url: string; server_batch_id: number } | undefined;
}

/** The real server path, with the answer to `after` lost (the server did the work; the client hears an error). */
function remoteLosing(after: string): Dispatch {
  const remote = openRemoteLedger(
    server.url,
    { out: () => undefined, err: () => undefined, isTty: false },
    {
      token,
      defaultLogin: 'nobody',
    },
  );
  return async (command, input) => {
    const r = await remote.dispatch(command, input);
    if (command === after)
      return {
        ok: false,
        error: { code: 'internal', message: 'connection reset (test)', correlationId: 'x' },
      };
    return r;
  };
}

const localDispatch: Dispatch = (c, i) => localApp.dispatch(c, i);
const yes = (): Promise<boolean> => Promise.resolve(true);

describe.each(APPS.filter((r) => r.available))('to a team server on $dialect', ({ open }) => {
  beforeAll(async () => {
    serverApp = await open({ login: ADMIN.login });
    dir = serverApp.dir;
    const staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Paydesk</title>');
    localFile = join(dir, 'local.sqlite');
    localApp = openApp({ file: localFile, login: ADMIN.login });
    for (const app of [serverApp, localApp]) {
      await ok(app, 'operators:set-password', ADMIN);
      await ok(app, 'demo:load', { accounts: 40, seed: 7 });
    }
    token = (
      await ok<NewApiTokenDto>(serverApp, 'tokens:create', {
        name: 'push',
        login: ADMIN.login,
        expiresInDays: 1,
      })
    ).token;
    server = await startTeamServer({ app: serverApp, staticDir, port: 0, log: () => undefined });
  });

  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  afterAll(async () => {
    await server?.close();
    localApp?.close();
    await serverApp?.dispose();
  });

  describe('batch push', () => {
    it('submits the batch on the server once; a second push posts nothing; the local batch is closed', async () => {
      const b = await localBatch();
      const first = await push(b.id);
      expect(first.err).toBe('');
      expect(first.code).toBe(0);
      const v = JSON.parse(first.out) as {
        outcome: string;
        serverBatch: BatchDto;
        submit: { posted: number };
        mark: { marked: boolean };
      };
      expect(v.outcome).toBe('submitted');
      expect(v.serverBatch).toMatchObject({ status: 'submitted', currency: 'USD' });
      expect(v.submit.posted).toBe(3);
      expect(v.mark.marked).toBe(true);
      const s = await onServer(b.id);
      expect(s.batches).toEqual([{ id: v.serverBatch.id, status: 'submitted', currency: 'USD' }]);
      expect(s.payments.map((p) => p.amount).sort((x, y) => x - y)).toEqual([500, 1234, 10010]);
      expect(s.payments.every((p) => p.currency === 'USD')).toBe(true);
      expect(pushedMark(b.id)).toMatchObject({ server_url: server.url, server_batch_id: v.serverBatch.id });
      const audit = localApp.ctx.ledger.sqlite
        .prepare(`SELECT after FROM audit_log WHERE action = 'batch.pushed' AND entity_id = ?`)
        .all(String(b.id)) as { after: string }[];
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]!.after)).toMatchObject({
        serverUrl: server.url,
        serverBatchId: v.serverBatch.id,
      });

      const again = await push(b.id);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.out)).toMatchObject({
        outcome: 'already_submitted',
        serverBatch: { id: v.serverBatch.id },
        mark: { marked: false },
      });
      expect((await onServer(b.id)).batches).toHaveLength(1);
      expect((await onServer(b.id)).payments).toHaveLength(3);

      // Pushed: it posts on the server, never here.
      const local = await cli(['--json', 'batch', 'submit', String(b.id), '--yes']);
      expect(local.code).toBe(4);
      expect(JSON.parse(local.out)).toMatchObject({ error: { code: 'conflict', rule: 'batch-pushed' } });
      expect(JSON.parse(local.out).error.message).toContain(server.url);
      const edit = await localApp.dispatch('batches:save-entries', {
        batchId: b.id,
        entries: [{ accountNo: (await accountsIn('USD', 1))[0], amount: '1.00' }],
      });
      expect(edit).toMatchObject({ ok: false, error: { rule: 'batch-pushed' } });
      const posted = localApp.ctx.ledger.sqlite
        .prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?')
        .get(b.id);
      expect(posted).toEqual({ n: 0 });

      // The local copy can be put away (discarded): it posts nothing, and a later push refuses it.
      const put = await localApp.dispatch('batches:discard', { batchId: b.id });
      expect(put).toMatchObject({ ok: true, value: { status: 'discarded' } });
      expect(localApp.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM payments').get()).toEqual({
        n: 0,
      });
      const afterDiscard = await push(b.id);
      expect(afterDiscard.code).not.toBe(0);
      expect((await onServer(b.id)).payments).toHaveLength(3);
    });

    it('a push whose import answer was lost, then retried, makes one batch and posts once', async () => {
      const b = await localBatch('USD', ['7.00', '8.00', '9.00']);
      const lost = await pushBatch({
        local: localDispatch,
        remote: remoteLosing('batches:import-batch-file'),
        serverUrl: server.url,
        batchId: b.id,
        confirm: yes,
      });
      expect(lost.ok).toBe(false);
      expect((await onServer(b.id)).batches).toEqual([expect.objectContaining({ status: 'open' })]);
      expect(pushedMark(b.id)).toBeUndefined();

      // The answer of the validate lost too: the retry continues with the validated batch.
      const lost2 = await pushBatch({
        local: localDispatch,
        remote: remoteLosing('batches:validate'),
        serverUrl: server.url,
        batchId: b.id,
        confirm: yes,
      });
      expect(lost2.ok).toBe(false);
      expect((await onServer(b.id)).batches).toEqual([expect.objectContaining({ status: 'validated' })]);

      const retry = await push(b.id);
      expect(retry.code).toBe(0);
      expect(JSON.parse(retry.out)).toMatchObject({ outcome: 'submitted' });
      const s = await onServer(b.id);
      expect(s.batches).toEqual([expect.objectContaining({ status: 'submitted' })]);
      expect(s.payments.map((p) => p.amount).sort((x, y) => x - y)).toEqual([700, 800, 900]);
    });

    it('a submit sent but its answer lost, then retried, posts nothing twice and only marks locally', async () => {
      const b = await localBatch('USD', ['3.00', '4.00', '5.00']);
      const lost = await pushBatch({
        local: localDispatch,
        remote: remoteLosing('batches:submit'),
        serverUrl: server.url,
        batchId: b.id,
        confirm: yes,
      });
      expect(lost).toMatchObject({ ok: false, error: { code: 'internal' } });
      expect((await onServer(b.id)).batches).toEqual([expect.objectContaining({ status: 'submitted' })]);
      expect((await onServer(b.id)).payments).toHaveLength(3);
      expect(pushedMark(b.id)).toBeUndefined();

      const retry = await push(b.id);
      expect(retry.code).toBe(0);
      expect(JSON.parse(retry.out)).toMatchObject({ outcome: 'already_submitted', mark: { marked: true } });
      expect((await onServer(b.id)).batches).toHaveLength(1);
      expect((await onServer(b.id)).payments).toHaveLength(3);
      expect(pushedMark(b.id)).toBeDefined();
    });

    it('a local mark that failed after the server submitted is written by the next push', async () => {
      const b = await localBatch('USD', ['1.50', '2.50', '3.50']);
      const failingMark: Dispatch = async (c, i) =>
        c === 'batches:mark-pushed'
          ? { ok: false, error: { code: 'internal', message: 'disk full (test)', correlationId: 'y' } }
          : localApp.dispatch(c, i);
      const remote = openRemoteLedger(
        server.url,
        { out: () => undefined, err: () => undefined, isTty: false },
        {
          token,
          defaultLogin: 'nobody',
        },
      );
      const r = await pushBatch({
        local: failingMark,
        remote: remote.dispatch,
        serverUrl: server.url,
        batchId: b.id,
        confirm: yes,
      });
      expect(r.ok).toBe(false);
      expect((await onServer(b.id)).payments).toHaveLength(3);
      expect(pushedMark(b.id)).toBeUndefined();
      const retry = await push(b.id);
      expect(JSON.parse(retry.out)).toMatchObject({ outcome: 'already_submitted', mark: { marked: true } });
      expect((await onServer(b.id)).payments).toHaveLength(3);
    });

    it('recognises the same batch in a file with other line endings, or exported again later', async () => {
      const b = await localBatch('USD', ['21.00', '22.00', '23.00']);
      const first = JSON.parse((await push(b.id)).out) as { serverBatch: BatchDto };
      const file = join(dir, 'again.json');
      expect((await cli(['batch', 'export', String(b.id), file])).code).toBe(0);
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\n/g, '\r\n'));
      const remote = openRemoteLedger(
        server.url,
        { out: () => undefined, err: () => undefined, isTty: false },
        {
          token,
          defaultLogin: 'nobody',
        },
      );
      const crlf = (await remote.dispatch('batches:import-batch-file', {
        file,
        push: true,
      })) as Result<BatchDto>;
      expect(crlf).toMatchObject({ ok: true, value: { id: first.serverBatch.id, status: 'submitted' } });
      expect((await onServer(b.id)).batches).toHaveLength(1);
      expect((await onServer(b.id)).payments).toHaveLength(3);
    });

    it('keeps the batch currency (EUR) and its totals on the server', async () => {
      const b = await localBatch('EUR', ['10.00', '0.99']);
      const r = await push(b.id);
      expect(r.code).toBe(0);
      const v = JSON.parse(r.out) as { serverBatch: BatchDto };
      expect(v.serverBatch).toMatchObject({ currency: 'EUR', status: 'submitted' });
      const s = await onServer(b.id);
      expect(s.batches).toEqual([{ id: v.serverBatch.id, status: 'submitted', currency: 'EUR' }]);
      expect(s.payments).toEqual(
        expect.arrayContaining([
          { amount: 1000, currency: 'EUR' },
          { amount: 99, currency: 'EUR' },
        ]),
      );
      expect(s.payments).toHaveLength(2);
    });

    it('over confirm.submitAboveAmount: asks first (nothing posted without --yes), then submits once', async () => {
      const b = await localBatch('USD', ['6000.00', '6000.00']);
      const refused = await push(b.id);
      expect(refused.code).toBe(4);
      expect(JSON.parse(refused.out)).toMatchObject({ error: { code: 'conflict', rule: 'not-confirmed' } });
      expect((await onServer(b.id)).batches).toEqual([expect.objectContaining({ status: 'validated' })]);
      expect((await onServer(b.id)).payments).toHaveLength(0);
      expect(pushedMark(b.id)).toBeUndefined();

      const confirmed = await push(b.id, '--yes');
      expect(confirmed.code).toBe(0);
      expect(JSON.parse(confirmed.out)).toMatchObject({ outcome: 'submitted', submit: { posted: 2 } });
      expect((await onServer(b.id)).batches).toHaveLength(1);
      expect((await onServer(b.id)).payments.map((p) => p.amount)).toEqual([600000, 600000]);
    });

    it('refuses to submit stale content: a batch changed here after a partial push conflicts, posting nothing', async () => {
      const b = await localBatch('USD', ['4.00', '4.50']);
      const lost = await pushBatch({
        local: localDispatch,
        remote: remoteLosing('batches:import-batch-file'),
        serverUrl: server.url,
        batchId: b.id,
        confirm: yes,
      });
      expect(lost.ok).toBe(false);
      await ok(localApp, 'batches:save-entries', {
        batchId: b.id,
        entries: [{ accountNo: (await accountsIn('USD', 3))[2], amount: '9.99', paymentDate: '2026-12-01' }],
      });
      const revalidated = await ok<{ batch: BatchDto }>(localApp, 'batches:validate', { batchId: b.id });
      expect(revalidated.batch.status).toBe('validated');
      expect(Object.values(revalidated.batch.countsByStatus).reduce((x, y) => x + y, 0)).toBe(3);
      const changed = await push(b.id);
      expect(changed.code).toBe(4);
      expect(JSON.parse(changed.out)).toMatchObject({ error: { code: 'conflict', rule: 'pushed-changed' } });
      expect((await onServer(b.id)).batches).toEqual([expect.objectContaining({ status: 'open' })]);
      expect((await onServer(b.id)).payments).toHaveLength(0);

      // Discarded on the server, the changed batch is pushed as the one live batch of that origin.
      const [stale] = (await onServer(b.id)).batches;
      await ok(serverApp, 'batches:discard', { batchId: stale!.id });
      const again = await push(b.id);
      expect(again.out).toContain('"outcome":"submitted"');
      expect(again.code).toBe(0);
      const live = (await onServer(b.id)).batches.filter((x) => x.status !== 'discarded');
      expect(live).toEqual([expect.objectContaining({ status: 'submitted' })]);
      expect((await onServer(b.id)).payments.map((p) => p.amount).sort((x, y) => x - y)).toEqual([
        400, 450, 999,
      ]);
    });

    it('signs in to the server as --to-operator; the local PAYDESK_TOKEN is never sent there', async () => {
      const b = await localBatch('USD', ['31.00']);
      const localToken = (
        await ok<NewApiTokenDto>(localApp, 'tokens:create', {
          name: 'desk',
          login: ADMIN.login,
          expiresInDays: 1,
        })
      ).token;
      process.env.PAYDESK_TOKEN = localToken;
      process.env.PAYDESK_PASSWORD = ADMIN.password;
      let out = '';
      const code = await runCli(
        [
          'node',
          'paydesk',
          '--db',
          localFile,
          '--json',
          'batch',
          'push',
          String(b.id),
          '--to',
          server.url,
          '--to-operator',
          ADMIN.login,
        ],
        { out: (t) => (out += t), err: () => undefined, isTty: false },
      );
      expect(out).toContain('"outcome":"submitted"');
      expect(code).toBe(0);
      const viaToken = await serverApp.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM audit_log WHERE action LIKE 'auth.%' AND after LIKE ${`%${localToken.slice(0, 12)}%`}`,
      );
      expect(viaToken!.n).toBe(0);
      expect((await onServer(b.id)).payments).toHaveLength(1);
    });

    it('refuses a locally submitted batch and a push to the ledger it came from', async () => {
      const b = await localBatch('USD', ['2.00']);
      expect((await cli(['batch', 'submit', String(b.id), '--yes'])).code).toBe(0);
      const r = await push(b.id);
      expect(r.code).toBe(4);
      expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'conflict', rule: 'batch-submitted' } });
      expect((await onServer(b.id)).batches).toHaveLength(0);

      const refund = await ok<BatchDto>(localApp, 'batches:create', {
        batchType: 'refund',
        payType: 10012,
        currency: 'USD',
      });
      const r2 = await push(refund.id);
      expect(r2.code).toBe(4);
      expect(JSON.parse(r2.out)).toMatchObject({
        error: { code: 'conflict', rule: 'push-payment-batches-only' },
      });
      expect((await onServer(refund.id)).batches).toHaveLength(0);

      const c = await localBatch('USD', ['2.00']);
      const file = join(dir, 'self.json');
      expect((await cli(['batch', 'export', String(c.id), file])).code).toBe(0);
      const self = await localApp.dispatch('batches:import-batch-file', {
        file,
        push: true,
      });
      expect(self).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'push-to-self' } });
    });
  });
});
