import { sql, type SQL } from 'drizzle-orm';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import { inlineJobRunner, type ProgressTap } from '../../src-main/jobs/runner';
import { createActiveJobs } from '../../src-main/jobs/active-jobs';
import { activeJobsOf } from '../../src-main/ipc/handlers';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import type { AppError, Result } from '../../src-shared/api/result';
import type { JobFinishedDto, JobProgressDto, LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchImportDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import type { CollectRunDto, PendingPaymentDto } from '../../src-shared/dto/processors';
import type { DdRunDto } from '../../src-shared/dto/directdebit';
import { APPS, type AppRow, type TestApp } from '../helpers/apps';
import { dispatchConfirmed } from '../helpers/confirm';
import { setSettingVia as setSetting } from '../helpers/suspense';
import { tempDir } from '../helpers/temp';
import { ENTRIES_PER_CHUNK } from '../../src-main/services/batches/stage-rows';

process.env.PAYDESK_SECRET_KEY = 'cancel-test-key';

const NOW = new Date('2026-11-22T09:00:00Z');
let now = NOW;

/** Decides, at every progress call of a job, whether to cancel it there. */
type CancelWhen = (phase: string, done: number, total: number) => boolean;

type CancelApp = TestApp & {
  cancelWhen: (when: CancelWhen | undefined) => void;
  events: { progress: JobProgressDto[]; finished: JobFinishedDto[] };
};

/**
 * A ledger whose jobs run inline with a tap on every progress call: when `cancelWhen` says so, the tap cancels
 * the job with what the jobs:cancel command runs (the active jobs' cancel, as the operator). An inline job holds
 * the caller's thread, and the command's gate reads the operator through the storage port (it awaits), so the
 * command itself could only run once the job is over: the desktop's jobs run in the worker, where the Cancel
 * button's jobs:cancel goes through dispatch (job-cancel-worker.test.ts). On PostgreSQL the same inline runner
 * replaces the durable queue, so the cancel lands at the same progress call on both databases.
 */
async function cancellableApp(open: AppRow['open'], login = 'lead'): Promise<CancelApp> {
  let when: CancelWhen | undefined;
  const opened: { app?: App<LedgerPlace> } = {};
  const tap: ProgressTap = (jobId, phase, done, total) => {
    if (!when?.(phase, done, total)) return;
    when = undefined;
    const { ctx } = opened.app!;
    activeJobsOf(ctx).cancel(jobId, ctx.operator, ctx.clock());
  };
  const app = await open({
    login,
    clock: () => now,
    jobs: (c) => inlineJobRunner(c.ledger, tap, c.storage),
  });
  opened.app = app;
  const events = { progress: [] as JobProgressDto[], finished: [] as JobFinishedDto[] };
  app.subscribe((event, payload) => {
    if (event === 'job:progress') events.progress.push(payload as JobProgressDto);
    if (event === 'job:finished') events.finished.push(payload as JobFinishedDto);
  });
  return { ...app, cancelWhen: (w) => (when = w), events };
}

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function cancelledError(p: Promise<Result<unknown>>): Promise<AppError> {
  const r = await p;
  expect(r.ok, r.ok ? 'the job finished instead of being cancelled' : r.error.message).toBe(false);
  if (r.ok) throw new Error('not cancelled');
  expect(r.error.code, r.error.message).toBe('cancelled');
  return r.error;
}

const TABLES = [
  'accounts',
  'bills',
  'bill_items',
  'batches',
  'batch_entries',
  'imported_files',
  'payments',
  'allocations',
  'journals',
  'journal_lines',
  'collect_runs',
  'processor_txns',
];

/** Row counts of every table a job writes, plus the batches' statuses (what "the ledger" means here). */
async function snapshot(app: TestApp): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const t of TABLES) out[t] = await count(app, t);
  out.batchStatuses = await app.all(
    sql`SELECT id, status, validated_at, submitted_at FROM batches ORDER BY id`,
  );
  out.entryStatuses = await app.all(
    sql`SELECT status, count(*) AS n FROM batch_entries GROUP BY status ORDER BY status`,
  );
  out.balances = await app.get(sql`SELECT sum(balance_minor) AS s FROM accounts`);
  return out;
}

async function count(app: TestApp, table: string): Promise<number> {
  return (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.identifier(table)}`))!.n;
}

async function expectClean(app: App<LedgerPlace>): Promise<void> {
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
}

/** The audit rows of cancels (written once the job has stopped). */
async function cancelAudits(app: TestApp): Promise<{ operatorId: number; after: Record<string, unknown> }[]> {
  return (
    await app.all<{ operatorId: number; after: string }>(
      sql`SELECT operator_id AS "operatorId", after FROM audit_log WHERE action = 'job.cancel' ORDER BY id`,
    )
  ).map((r) => ({ operatorId: r.operatorId, after: JSON.parse(r.after) as Record<string, unknown> }));
}

async function usdAccounts(app: TestApp, n: number): Promise<string[]> {
  return (
    await app.all<{ no: string }>(
      sql`SELECT account_no AS "no" FROM accounts WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0
           ORDER BY id LIMIT ${n}`,
    )
  ).map((r) => r.no);
}

async function keyedBatch(app: TestApp, entries: number): Promise<number> {
  const accounts = await usdAccounts(app, 40);
  const batch = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
  );
  await value(
    app.dispatch('batches:save-entries', {
      batchId: batch.id,
      entries: Array.from({ length: entries }, (_, i) => ({
        accountNo: accounts[i % accounts.length]!,
        amount: `${1 + (i % 17)}.${String(i % 100).padStart(2, '0')}`,
      })),
    }),
  );
  return batch.id;
}

describe.each(APPS.filter((r) => r.available))('job cancel ($dialect)', ({ open, dialect }) => {
  describe('cancel a long job mid-way: the ledger is left as if it never started', () => {
    let app: CancelApp;
    afterEach(async () => {
      await app?.dispose();
    });

    it('demo loader: cancelled after its first chunk of accounts, nothing stays; a new load works', async () => {
      app = await cancellableApp(open);
      const before = await snapshot(app);
      app.cancelWhen((phase, done) => phase === 'accounts' && done > 0);
      const error = await cancelledError(app.dispatch('demo:load', { accounts: 6000, seed: 3 }));
      expect(error).toMatchObject({ kind: 'demo' });
      expect(await snapshot(app)).toEqual(before);
      expect(await app.get(sql`SELECT count(*) AS n FROM audit_log WHERE action = 'demo.load'`)).toEqual({
        n: 0,
      });
      // Only the driver's loader on SQLite drops the indexes; they came back with the rollback.
      if (dialect === 'sqlite') {
        const indexes = await app.get<{ n: number }>(
          sql`SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'accounts'`,
        );
        expect(indexes!.n).toBeGreaterThan(1);
      }
      expect(await cancelAudits(app)).toMatchObject([{ after: { kind: 'demo', outcome: 'cancelled' } }]);
      expect(app.events.finished.at(-1)).toMatchObject({ kind: 'demo', ok: false, cancelled: true });
      await value(app.dispatch('demo:load', { accounts: 50, seed: 3 }));
      await expectClean(app);
    }, 60_000);

    it('import: cancelled at a staging chunk, no batch, no entries, the file may be imported again', async () => {
      app = await cancellableApp(open);
      await value(app.dispatch('demo:load', { accounts: 60, seed: 2 }));
      const accounts = await usdAccounts(app, 30);
      const rows = 12_500;
      const lines = ['Account Number,Payment Amount,Check Number'];
      for (let i = 0; i < rows; i++)
        lines.push(`${accounts[i % accounts.length]},${(i % 50) + 1}.25,${1000 + i}`);
      const file = join(app.dir, 'big.csv');
      writeFileSync(file, lines.join('\n') + '\n');
      const input = {
        file,
        template: {
          name: 'cancel-test',
          format: 'delimited',
          delimiter: ',',
          headerLines: 0,
          footerLines: 0,
          hasColumnHeader: true,
          dateFormat: 'MM/dd/yyyy',
          columns: [
            { field: 'accountNo', index: 0 },
            { field: 'amount', index: 1 },
            { field: 'checkNo', index: 2 },
          ],
        },
        payType: 10012,
        currency: 'USD',
      };
      const before = await snapshot(app);
      let cancelledAt = -1;
      app.cancelWhen((phase, done) => {
        if (phase !== 'staging' || done === 0) return false;
        cancelledAt = done;
        return true;
      });
      await cancelledError(app.dispatch('batches:import-file', input));
      // The first staging chunk reports, and the cancel lands there: nothing of it stays.
      expect(cancelledAt).toBe(ENTRIES_PER_CHUNK);
      expect(await snapshot(app)).toEqual(before);
      expect(await cancelAudits(app)).toMatchObject([
        { after: { kind: 'batch-import', outcome: 'cancelled' } },
      ]);
      const imported = await value<BatchImportDto>(app.dispatch('batches:import-file', input));
      expect(imported.rows).toBe(rows);
      await expectClean(app);
    }, 60_000);

    it('validate: cancelled after a chunk of verdicts was written, the batch stays open with its entries as they were', async () => {
      app = await cancellableApp(open);
      await value(app.dispatch('demo:load', { accounts: 60, seed: 5 }));
      const batchId = await keyedBatch(app, 40);
      const before = await snapshot(app);
      // Validate reports once per chunk of accounts, after the chunk's verdicts are written.
      app.cancelWhen((phase, done) => phase === 'checking' && done > 0);
      await cancelledError(app.dispatch('batches:validate', { batchId }));
      expect(await snapshot(app)).toEqual(before);
      expect(await app.get(sql`SELECT status FROM batches WHERE id = ${batchId}`)).toEqual({
        status: 'open',
      });
      await value(app.dispatch('batches:validate', { batchId }));
      await expectClean(app);
    });

    it('submit (all or nothing): cancelled at the posting chunk, nothing posted; a resubmit posts once', async () => {
      app = await cancellableApp(open);
      await value(app.dispatch('demo:load', { accounts: 60, seed: 6 }));
      await setSetting(app, 'ALLOWACCOUNTDUP', true);
      await setSetting(app, 'NoManualAllocation', true);
      const batchId = await keyedBatch(app, 50);
      await value(app.dispatch('batches:validate', { batchId }));
      const before = await snapshot(app);
      app.cancelWhen((phase) => phase === 'posting');
      await cancelledError(app.dispatch('batches:submit', { batchId }));
      expect(await snapshot(app)).toEqual(before);
      await expectClean(app);
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId }));
      expect(out.batch.status).toBe('submitted');
      expect(out.posted).toBe(50);
      await expectClean(app);
    });

    it('submit (lock per account): stops between two entries; a resubmit posts exactly the rest', async () => {
      app = await cancellableApp(open);
      await value(app.dispatch('demo:load', { accounts: 60, seed: 7 }));
      await setSetting(app, 'ALLOWACCOUNTDUP', true);
      await setSetting(app, 'NoManualAllocation', true);
      await setSetting(app, 'payment.batchLock', 'account');
      const entries = 30;
      const batchId = await keyedBatch(app, entries);
      await value(app.dispatch('batches:validate', { batchId }));
      const payments = async (): Promise<number> =>
        (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM payments WHERE batch_id = ${batchId}`))!
          .n;
      app.cancelWhen((phase, done) => phase === 'posting' && done === 12);
      const error = await cancelledError(app.dispatch('batches:submit', { batchId }));
      expect(error.message).toMatch(/submit again/);
      expect(error).toMatchObject({ kind: 'batch-submit' });
      // Twelve entries committed one by one before the cancel; the batch waits for the rest.
      expect(await payments()).toBe(12);
      expect(await app.get(sql`SELECT status FROM batches WHERE id = ${batchId}`)).toEqual({
        status: 'validated',
      });
      await expectClean(app);
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId }));
      expect(out).toMatchObject({ mode: 'account', failed: [] });
      expect(out.batch.status).toBe('submitted');
      // Nothing posted twice: one payment per entry, each entry key once.
      expect(await payments()).toBe(entries);
      expect(
        await app.get(
          sql`SELECT count(DISTINCT source_key) AS n FROM payments
             WHERE source_key IN (SELECT entry_key FROM batch_entries WHERE batch_id = ${batchId})`,
        ),
      ).toEqual({ n: entries });
      await expectClean(app);
    });
  });

  describe('cancel a collection run: it stops at a chunk boundary, every sent request recorded', () => {
    let sim: Simulator;
    let simDir: { dir: string; cleanup: () => void };
    let app: CancelApp;
    beforeAll(async () => {
      simDir = tempDir('paydesk-sim-');
      writeFileSync(join(simDir.dir, 'sim.json'), '{}');
      sim = await startSimulator({ port: 0, configFile: join(simDir.dir, 'sim.json') });
    });
    afterAll(async () => {
      await sim.close();
      simDir.cleanup();
    });
    afterEach(async () => {
      await app?.dispose();
    });

    async function withProcessor(): Promise<void> {
      app = await cancellableApp(open);
      await value(app.dispatch('demo:load', { accounts: 200, seed: 4 }));
      await value(
        app.dispatch('processors:save', {
          name: 'sim',
          url: `http://127.0.0.1:${sim.port}`,
          merchants: {
            USD: { merchant: 'ispname', mid: '050505' },
            EUR: { merchant: 'ispeu', mid: '050506' },
            GBP: { merchant: 'ispgb', mid: '050507' },
          },
          secret: 'topsecret-99',
        }),
      );
    }

    /** The simulator's records of this ledger's requests. */
    async function mine() {
      const { value: v } = (await app.get<{ value: string }>(
        sql`SELECT value FROM settings WHERE key = 'processors.keyPrefix'`,
      ))!;
      const prefix = JSON.parse(v) as string;
      return [...sim.records.values()].filter((r) => r.idemKey.startsWith(`${prefix}-`));
    }
    const n = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;

    it('collect: cancelled after the first processor batch; the rest is not sent and the next run collects it once', async () => {
      await withProcessor();
      app.cancelWhen((phase, done) => phase === 'collect' && done > 0);
      const error = await cancelledError(
        dispatchConfirmed(app, 'collect:run', { rebill: true, batchSize: 5, concurrency: 1 }),
      );
      expect(error.message).toMatch(/cancelled after 5 of \d+/);
      const run = await app.all<{ id: number; status: string }>(sql`SELECT id, status FROM collect_runs`);
      expect(run).toMatchObject([{ status: 'cancelled' }]);
      // Exactly the first batch left: recorded with its final results (no open checkpoint), and posted.
      const txns = await app.all<{ result: number }>(sql`SELECT result FROM processor_txns`);
      expect(txns).toHaveLength(5);
      expect(txns.every((t) => t.result !== 999 && t.result < 1000)).toBe(true);
      expect(await mine()).toHaveLength(5);
      const posted = await n(sql`SELECT count(*) AS n FROM processor_txns WHERE result = 0`);
      expect(await n(sql`SELECT count(*) AS n FROM payments`)).toBe(posted);
      expect(
        await app.all(
          sql`SELECT action FROM audit_log WHERE action IN ('collect.cancel', 'job.cancel') ORDER BY id`,
        ),
      ).toEqual([{ action: 'collect.cancel' }, { action: 'job.cancel' }]);
      await expectClean(app);
      const next = await value<CollectRunDto>(dispatchConfirmed(app, 'collect:run', { rebill: true }));
      expect(next.status).toBe('done');
      // No bill was sent twice: one request per bill over both runs.
      const bills = await app.all<{ b: number }>(
        sql`SELECT bill_id AS b FROM processor_txns WHERE bill_id IS NOT NULL`,
      );
      expect(new Set(bills.map((b) => b.b)).size).toBe(bills.length);
      expect(await mine()).toHaveLength(bills.length);
      await expectClean(app);
    });

    it('refund: cancelled after the first refund; the rest is refunded once by the next run', async () => {
      await withProcessor();
      const cards = await app.all<{ accountNo: string; methodId: number; due: number }>(
        sql`SELECT a.account_no AS "accountNo", min(m.id) AS "methodId", sum(b.amount_due_minor) AS due FROM accounts a
           JOIN payment_methods m ON m.account_id = a.id AND m.type = 'card'
           JOIN bills b ON b.account_id = a.id AND b.status = 'open'
           WHERE a.currency = 'USD' AND a.status = 'active' GROUP BY a.id, a.account_no ORDER BY a.id LIMIT 3`,
      );
      expect(cards).toHaveLength(3);
      // Each account pays 50.00 more than it owes: credit a refund run pays back to the card.
      for (const c of cards) {
        const p = await value<PendingPaymentDto>(
          app.dispatch('pay:prepare', {
            accountNo: c.accountNo,
            amount: ((c.due + 5000) / 100).toFixed(2),
            methodId: c.methodId,
          }),
        );
        await value(app.dispatch('pay:confirm', { pendingId: p.id }));
      }
      await setSetting(app, 'collect.batchSize', 1);
      await setSetting(app, 'collect.concurrency', 1);
      app.cancelWhen((phase, done) => phase === 'refund' && done > 0);
      const error = await cancelledError(dispatchConfirmed(app, 'collect:refund', {}));
      expect(error.message).toMatch(/refund run \d+ cancelled after 1 of 3/);
      const refunds = (): Promise<number> =>
        n(sql`SELECT count(*) AS n FROM processor_txns WHERE command = 'refund'`);
      expect(await refunds()).toBe(1);
      expect(await app.all(sql`SELECT status FROM collect_runs WHERE kind = 'refund'`)).toEqual([
        { status: 'cancelled' },
      ]);
      await expectClean(app);
      const next = await value<CollectRunDto>(dispatchConfirmed(app, 'collect:refund', {}));
      expect(next.selected).toBe(2);
      expect(await refunds()).toBe(3);
      expect((await mine()).filter((r) => r.command === 'refund')).toHaveLength(3);
      await expectClean(app);
    });

    it('deposit: cancelled before anything is sent writes no run at all', async () => {
      await withProcessor();
      const acct = (await app.get<{ accountNo: string; methodId: number }>(
        sql`SELECT a.account_no AS "accountNo", m.id AS "methodId" FROM accounts a
           JOIN payment_methods m ON m.account_id = a.id AND m.type = 'card'
           WHERE a.currency = 'USD' AND a.status = 'active' ORDER BY a.id, m.id LIMIT 1`,
      ))!;
      const p = await value<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '20.00', methodId: acct.methodId }),
      );
      await value(app.dispatch('pay:confirm', { pendingId: p.id, authorizeOnly: true }));
      // Deposits pick up authorizations up to yesterday.
      now = new Date(NOW.getTime() + 86_400_000);
      const before = await snapshot(app);
      const sent = (await mine()).length;
      // Cancelled at the job's start (the progress bar's Cancel pressed at once).
      const runner = app.ctx.jobs;
      app.ctx.jobs = {
        run: (kind, input, opts) => {
          if (opts.jobId !== undefined) void app.dispatch('jobs:cancel', { jobId: opts.jobId });
          return runner.run(kind, input, opts);
        },
      };
      await cancelledError(dispatchConfirmed(app, 'collect:deposit', {}));
      app.ctx.jobs = runner;
      expect(await snapshot(app)).toEqual(before);
      expect(await mine()).toHaveLength(sent);
      const dep = await value<CollectRunDto>(dispatchConfirmed(app, 'collect:deposit', {}));
      expect(dep.totals).toMatchObject([{ result: 0, count: 1 }]);
      now = NOW;
      await expectClean(app);
    });
  });

  describe('direct-debit run as a job', () => {
    it('cancelled while posting: nothing posted, no file registered or written; the same run then posts once', async () => {
      const app = await cancellableApp(open);
      try {
        await value(app.dispatch('demo:load', { accounts: 1500, seed: 5 }));
        const counts = async (): Promise<Record<string, number>> => {
          const out: Record<string, number> = {};
          for (const t of [
            'payments',
            'journals',
            'allocations',
            'bank_files_out',
            'bank_file_items',
            'mandate_events',
          ])
            out[t] = await count(app, t);
          return out;
        };
        const before = await counts();
        const out = join(app.dir, 'bankfiles');
        const input = { scheme: 'sepa', collectionDate: '2026-12-20', out };
        app.cancelWhen((phase) => phase === 'post');
        const error = await cancelledError(dispatchConfirmed(app, 'dd:run', input));
        expect(error.message).toMatch(/direct-debit run cancelled/);
        expect(await counts()).toEqual(before);
        expect(existsSync(out)).toBe(false);
        const run = await value<DdRunDto>(dispatchConfirmed(app, 'dd:run', input));
        expect(run.files).toHaveLength(1);
        expect(run.payments).toBeGreaterThan(0);
        expect((await counts()).bank_file_items).toBe(run.payments);
        await expectClean(app);
      } finally {
        await app.dispose();
      }
    }, 60_000);
  });
});

describe('who may cancel a job', () => {
  it('the operator who started it, anyone who may run its command, and admins; nobody else', () => {
    const jobs = createActiveJobs();
    const at = new Date();
    const job = jobs.start('batch-submit', 1);
    const viewer = { id: 2, login: 'v', name: 'V', roles: [] as string[] };
    expect(() => jobs.cancel(job.jobId, viewer, at)).toThrow(/may cancel/);
    expect(job.controller.signal.aborted).toBe(false);
    const clerk = { id: 3, login: 'c', name: 'C', roles: ['clerk'] };
    expect(jobs.cancel(job.jobId, clerk, at)).toEqual({
      jobId: job.jobId,
      kind: 'batch-submit',
      cancelling: true,
    });
    expect(job.controller.signal.aborted).toBe(true);
    expect(job.cancelledBy?.operatorId).toBe(3);

    const demo = jobs.start('demo', 1);
    expect(() => jobs.cancel(demo.jobId, clerk, at)).toThrow(/may cancel/);
    jobs.cancel(demo.jobId, { id: 1, login: 's', name: 'S', roles: [] }, at);
    const admin = jobs.start('demo', 1);
    jobs.cancel(admin.jobId, { id: 9, login: 'a', name: 'A', roles: ['admin'] }, at);
    jobs.finish(admin.jobId);
    expect(() => jobs.cancel(admin.jobId, clerk, at)).toThrow(/not found/);
  });
});
