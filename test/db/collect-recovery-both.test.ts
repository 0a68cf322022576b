import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage, Tx, TxOptions } from '../../db/storage/port';
import type { PaymentProcessor, ProcessorRequestItem, RfrReply } from '../../src-main/processors/port';
import { listRuns, workflowItems } from '../../src-main/services/processors/collect';
import {
  dailySummary,
  recoveryShow,
  recoverySummary,
  resolveRecovery,
  runTxns,
  type ResolveInput,
} from '../../src-main/services/processors/recovery';
import { recordRepliesIn, reserveTxnsIn, type TxnDraft } from '../../src-main/services/processors/txns';
import type { ProcessorTxnPageDto, RecoveryResultDto } from '../../src-shared/dto/processors';
import { alikeOn, answer } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { seedCardDesk } from '../helpers/card-desk';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17: collection runs' reads and Recovery run through the storage port. The run list, a run's records, the
// follow-ups, the Recovery summary and the daily report read one snapshot each and answer alike on SQLite and
// PostgreSQL; a resolve asks the processor with no transaction open and writes its outcome (replies, postings,
// audit) in one serializable transaction, the same rows on both. Two analysts resolving the same records at once
// resolve and post them once.

const NOW = new Date('2026-12-07T09:00:00Z');
const YESTERDAY = '2026-12-06T22:00:00.000Z';
const OLD = '2026-11-20T08:00:00.000Z';
const TOKEN = 'T4000000000000002';

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; supervisor: number };

const ROWS = STORAGES.filter((r) => r.available);

/** The storage with a count of the transactions open on it (the processor must be asked with none open). */
function counted(storage: Storage): { storage: Storage; open: () => number } {
  let open = 0;
  return {
    open: () => open,
    storage: {
      dialect: storage.dialect,
      transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TxOptions): Promise<T> {
        return storage.transaction(async (tx) => {
          open++;
          try {
            return await fn(tx);
          } finally {
            open--;
          }
        }, opts);
      },
      close: () => storage.close(),
    },
  };
}

/**
 * A processor holding replies by key suffix: `ok` approved, `no` declined (result 5), anything else unknown to a
 * request for response and approved when sent again. Notes each call with the transactions then open.
 */
function fakeProcessor(open: () => number): { port: PaymentProcessor; asked: [string, string[], number][] } {
  const asked: [string, string[], number][] = [];
  const result = (key: string): number => (key.endsWith('no') ? 5 : 0);
  const reply = (item: ProcessorRequestItem) => ({
    idemKey: item.idemKey,
    result: result(item.idemKey),
    authCode: 'A9',
    processorRef: `ref-${item.idemKey}`,
  });
  const later = <T>(v: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(v), 5));
  const port = {
    requestForResponse: (keys: readonly string[]): Promise<RfrReply[]> => {
      asked.push(['rfr', [...keys], open()]);
      return later(
        keys.map((k) =>
          k.endsWith('ok') || k.endsWith('no')
            ? {
                known: true as const,
                idemKey: k,
                result: result(k),
                authCode: 'A1',
                processorRef: `ref-${k}`,
              }
            : { known: false as const, idemKey: k },
        ),
      );
    },
    batch: (key: string, items: readonly ProcessorRequestItem[]) => {
      asked.push([`batch ${key}`, items.map((i) => i.idemKey), open()]);
      return later(items.map(reply));
    },
    sale: (item: ProcessorRequestItem) => {
      asked.push(['sale', [item.idemKey], open()]);
      return later(reply(item));
    },
  } as unknown as PaymentProcessor;
  return { port, asked };
}

const draft = (
  idemKey: string,
  accountId: number,
  billId: number | null,
  d: Partial<TxnDraft> = {},
): TxnDraft => ({
  idemKey,
  processorId: 1,
  command: 'condition',
  runId: null,
  batchKey: null,
  accountId,
  billId,
  paymentMethodId: null,
  token: TOKEN,
  brand: 'VI',
  merchant: 'Desk',
  amountMinor: 3000,
  currency: 'USD',
  payType: 10003,
  relatedTxnId: null,
  description: null,
  ...d,
});

/**
 * A supervisor, a processor, five USD accounts each with a 30.00 bill, a collection run killed mid-way (two
 * checkpoints of one batch, one approved and one unanswered), a one-off sale the processor declined, an answered
 * sale never posted, an old verify checkpoint and a young deposit checkpoint, and a follow-up.
 */
async function seed(storage: Storage): Promise<number> {
  const { supervisor } = await addOperators(storage, { supervisor: ['supervisor'] }, NOW);
  await storage.transaction(async (tx) => {
    const at = NOW.toISOString();
    await seedCardDesk(tx, ['C-100', 'C-200', 'C-300', 'C-400', 'C-500'], at);
    await tx.run(
      sql`INSERT INTO collect_runs (kind, processor_id, window_start, window_end, options_json, status, selected,
            skipped_json, totals_json, started_at, finished_at, operator_id)
          VALUES ('collect', 1, '2026-12-05', '2026-12-06', '{}', 'failed', 2, '{"belowMinimum":1}',
            '{"sent":2,"elapsedMs":40,"latencyMs":null}', ${YESTERDAY}, ${YESTERDAY}, ${supervisor})`,
    );
    // Account and bill ids by number (the ledger starts with its suspense account).
    const ids = new Map(
      (
        await tx.all<{ no: string; a: number; b: number }>(
          sql`SELECT a.account_no AS no, a.id AS a, b.id AS b FROM accounts a JOIN bills b ON b.account_id = a.id`,
        )
      ).map((r) => [Number(r.no.slice(2, 3)), r]),
    );
    const acc = (n: number): number => ids.get(n)!.a;
    const bill = (n: number): number => ids.get(n)!.b;
    const batch = { runId: 1, batchKey: 'k0-R1-Desk-1' };
    await reserveTxnsIn(
      tx,
      [draft('k0-col-1-1-ok', acc(1), bill(1), batch), draft('k0-col-1-2-lost', acc(2), bill(2), batch)],
      YESTERDAY,
      supervisor,
    );
    await reserveTxnsIn(tx, [draft('k0-pay-3-no', acc(3), null)], YESTERDAY, supervisor);
    await reserveTxnsIn(tx, [draft('k0-pay-4-unposted', acc(4), bill(4))], YESTERDAY, supervisor);
    await recordRepliesIn(
      tx,
      [{ idemKey: 'k0-pay-4-unposted', result: 0, authCode: 'A4', processorRef: 'ref-4' }],
      YESTERDAY,
    );
    await reserveTxnsIn(
      tx,
      [draft('k0-ver-5', acc(5), null, { command: 'verify', amountMinor: 0 })],
      OLD,
      supervisor,
    );
    await reserveTxnsIn(
      tx,
      [draft('k0-dep-5', acc(5), bill(5), { command: 'deposit' })],
      YESTERDAY,
      supervisor,
    );
    await tx.run(
      sql`INSERT INTO workflow_items (account_id, kind, txn_id, message, status, created_at)
          VALUES (${acc(2)}, 'soft-decline', 2, 'soft decline (result 7)', 'open', ${YESTERDAY}),
                 (${acc(3)}, 'hard-decline', NULL, 'hard decline', 'done', ${YESTERDAY})`,
    );
  });
  return supervisor;
}

/** Every row a resolve could write (settled_at is the wall clock of the reply, so left out). */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      txns: await tx.all(
        sql`SELECT id, idem_key, command, run_id, account_id, bill_id, amount_minor, result, auth_code, processor_ref,
              payment_id, description, created_at FROM processor_txns ORDER BY id`,
      ),
      payments: await tx.all(
        sql`SELECT id, kind, account_id, amount_minor, currency, effective_date, external_ref, bill_no, source_key,
              journal_id, created_at, operator_id FROM payments ORDER BY id`,
      ),
      lines: await tx.all(
        sql`SELECT journal_id, gl_account, account_id, amount_minor, currency FROM journal_lines ORDER BY id`,
      ),
      allocations: await tx.all(
        sql`SELECT id, payment_id, bill_id, item_id, amount_minor FROM allocations ORDER BY id`,
      ),
      money: await tx.all(
        sql`SELECT a.account_no, a.balance_minor, b.amount_due_minor, b.status FROM accounts a
            JOIN bills b ON b.account_id = a.id ORDER BY a.id`,
      ),
      audit: await tx.all<{ action: string }>(
        sql`SELECT id, at, operator_id, action, entity, entity_id, after FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** A page of records without settledAt (the wall clock of the reply). */
const page = async (p: Promise<ProcessorTxnPageDto>) => {
  const { rows, total } = await p;
  return { rows: rows.map(({ settledAt: _s, ...r }) => r), total };
};

const reads = async (storage: Storage) => ({
  runs: await listRuns(storage, 10),
  runTxns: await page(runTxns(storage, { runId: 1, limit: 10, offset: 0 }, NOW)),
  approvedOfRun: await page(runTxns(storage, { runId: 1, result: 0, limit: 10, offset: 0 }, NOW)),
  open: await workflowItems(storage, { status: 'open', limit: 10 }),
  all: await workflowItems(storage, { status: 'all', limit: 10 }),
  summary: await recoverySummary(storage),
  daily: await dailySummary(storage, '2026-12-06', NOW),
  unresolved: await page(recoveryShow(storage, { state: 'unresolved', limit: 20, offset: 0 }, NOW)),
});

describe('collection run reads and Recovery on both databases', () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      dbs.push({ dialect: row.dialect, storage, dispose, supervisor: await seed(storage) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);

  it('reads runs, their records, follow-ups, the summary and the daily report alike', async () => {
    const r = await same(({ storage }) => reads(storage));
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0]).toMatchObject({
      runId: 1,
      kind: 'collect',
      processor: 'sim',
      status: 'failed',
      sent: 2,
      unresolved: 2,
      postedCount: 0,
      skipped: { belowMinimum: 1, openCheckpoint: 0 },
      totals: [{ result: 999, count: 2, amounts: [{ currency: 'USD', amountMinor: 6000 }] }],
    });
    expect(r.runTxns.total).toBe(2);
    expect(r.runTxns.rows.map((t) => [t.idemKey, t.result, t.ageDays])).toEqual([
      ['k0-col-1-1-ok', 999, 0],
      ['k0-col-1-2-lost', 999, 0],
    ]);
    expect(r.approvedOfRun).toEqual({ rows: [], total: 0 });
    expect(r.open.map((w) => [w.accountNo, w.kind, w.txnId])).toEqual([['C-200', 'soft-decline', 2]]);
    expect(r.all.map((w) => w.kind)).toEqual(['hard-decline', 'soft-decline']);
    expect(r.summary.totalOpen).toBe(5);
    expect(r.summary.totalUnposted).toBe(1);
    expect(r.summary.open.find((o) => o.command === 'condition')).toEqual({
      command: 'condition',
      label: 'PIN_CHARGE_CMD_CONDITION',
      count: 3,
      amounts: [{ currency: 'USD', amountMinor: 9000 }],
      oldest: YESTERDAY,
    });
    expect(r.summary.open.find((o) => o.command === 'verify')).toMatchObject({ count: 1, oldest: OLD });
    expect(r.daily.byCommand.map((b) => [b.command, b.result, b.count])).toEqual([
      ['condition', 999, 3],
      ['condition', 1000, 1],
      ['deposit', 999, 1],
    ]);
    expect(r.unresolved.total).toBe(6);
  });

  it('refuses a run that does not exist alike', async () => {
    expect(
      await refused(({ storage }) => runTxns(storage, { runId: 99, limit: 10, offset: 0 }, NOW)),
    ).toMatchObject({ code: 'not_found' });
  });

  it('resolves alike: asks with no transaction open, posts what was charged, deletes only old checkpoints', async () => {
    const steps = await same(async ({ storage: base, supervisor }) => {
      const { storage, open } = counted(base);
      const { port, asked } = fakeProcessor(open);
      const resolve = (input: ResolveInput) =>
        resolveRecovery(storage, 'unused', input, NOW, supervisor, { portFor: () => port });
      const rfr = await resolve({ action: 'rfr', command: 'condition' });
      const resubmit = await resolve({ action: 'resubmit', command: 'condition' });
      const recover = await resolve({ action: 'recover-payment' });
      const del = await resolve({ action: 'delete' });
      return { rfr, resubmit, recover, del, asked, after: await reads(storage) };
    });
    expect(steps.rfr).toEqual({
      action: 'rfr',
      examined: 3,
      settled: 2,
      posted: 1,
      resubmitted: 0,
      deleted: 0,
      stillOpen: 1,
      refused: [],
    });
    expect(steps.resubmit).toMatchObject({
      examined: 1,
      settled: 1,
      posted: 1,
      resubmitted: 1,
      stillOpen: 0,
    });
    expect(steps.recover).toMatchObject({ examined: 1, settled: 1, posted: 1, stillOpen: 0 });
    expect(steps.del).toMatchObject({ examined: 2, deleted: 1, stillOpen: 1 });
    expect(steps.del.refused.map((r) => r.txnId)).toEqual([6]);
    expect(steps.asked).toEqual([
      ['rfr', ['k0-col-1-1-ok', 'k0-col-1-2-lost', 'k0-pay-3-no'], 0],
      ['batch k0-R1-Desk-1', ['k0-col-1-2-lost'], 0],
    ]);
    expect(steps.after.runs[0]).toMatchObject({ unresolved: 0, postedCount: 2 });
    expect(steps.after.summary).toMatchObject({ totalOpen: 1, totalUnposted: 0 });

    const written = await same(({ storage }) => tables(storage));
    expect(written.txns.map((t) => (t as { result: number }).result)).toEqual([0, 0, 5, 0, 1, 999]);
    expect(written.payments.map((p) => (p as { source_key: string }).source_key)).toEqual([
      'proc:k0-col-1-1-ok',
      'proc:k0-col-1-2-lost',
      'proc:k0-pay-4-unposted',
    ]);
    expect(
      written.money.slice(0, 4).map((m) => (m as { amount_due_minor: number }).amount_due_minor),
    ).toEqual([0, 0, 3000, 0]);
    expect(written.audit.map((a) => a.action)).toEqual([
      'payment.post',
      'allocation.apply',
      'recovery.rfr',
      'payment.post',
      'allocation.apply',
      'recovery.resubmit',
      'payment.post',
      'allocation.apply',
      'recovery.recover-payment',
      'recovery.delete',
    ]);
  });
});

describe('two analysts resolving the same records at once, on both databases', () => {
  for (const row of ROWS) {
    it(`${row.dialect}: rfr twice → answered and posted once; recover-payment twice → posted once`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const supervisor = await seed(storage);
        const { port, asked } = fakeProcessor(() => 0);
        const both = (input: ResolveInput) => {
          // Each outcome transaction is held before its first statement until both have begun.
          const r = racing(storage, 2, { holdAt: 1, writesOnly: true });
          return Promise.all(
            [1, 2].map(() =>
              answer(resolveRecovery(r.storage, 'unused', input, NOW, supervisor, { portFor: () => port })),
            ),
          );
        };
        const counts = () =>
          storage.transaction(
            async (tx) => ({
              payments: (await tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM payments`))!.n,
              allocated: (await tx.get<{ s: number }>(
                sql`SELECT coalesce(sum(amount_minor), 0) AS s FROM allocations`,
              ))!.s,
              unresolved: (await tx.get<{ n: number }>(
                sql`SELECT count(*) AS n FROM processor_txns WHERE result = 999 OR result >= 1000`,
              ))!.n,
              balances: await tx.all(
                sql`SELECT balance_minor AS b FROM accounts WHERE account_no LIKE 'C-%' ORDER BY id`,
              ),
            }),
            { readOnly: true },
          );

        const rfr = (await both({ action: 'rfr', txnIds: [1, 3] })).map(
          (a) => (a as { value: RecoveryResultDto }).value,
        );
        expect(asked.filter((a) => a[0] === 'rfr')).toHaveLength(2);
        expect(rfr.map((a) => [a.examined, a.settled, a.posted]).sort()).toEqual([
          [2, 0, 0],
          [2, 2, 1],
        ]);
        expect(await counts()).toMatchObject({ payments: 1, allocated: 3000, unresolved: 4 });

        const recover = (await both({ action: 'recover-payment' })).map(
          (a) => (a as { value: RecoveryResultDto }).value,
        );
        expect(recover.map((a) => [a.examined, a.settled, a.posted]).sort()).toEqual([
          [0, 0, 0],
          [1, 1, 1],
        ]);
        expect(await counts()).toEqual({
          payments: 2,
          allocated: 6000,
          unresolved: 3,
          balances: [{ b: 0 }, { b: 3000 }, { b: 3000 }, { b: 0 }, { b: 3000 }],
        });
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});
