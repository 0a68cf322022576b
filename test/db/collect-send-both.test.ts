import { sql, type SQL } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import type { Dialect, Storage, Tx, TxOptions } from '../../db/storage/port';
import { sqliteQuery, sqliteStorage } from '../../db/storage/sqlite';
import type { PaymentProcessor, ProcessorRequestItem } from '../../src-main/processors/port';
import {
  prepareConfirmation,
  runGuard,
  runGuardVia,
} from '../../src-main/services/confirmations/confirmations';
import {
  runCollect,
  runCollectVia,
  runDeposit,
  runDepositVia,
  runRefund,
  runRefundVia,
  type RunEnv,
  type RunEnvVia,
} from '../../src-main/services/processors/collect';
import {
  postOneOffIn,
  recordRepliesIn,
  reserveTxnsIn,
  type TxnDraft,
} from '../../src-main/services/processors/txns';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import { answer } from '../helpers/alike';
import { seedCardDesk } from '../helpers/card-desk';
import { addOperators, freshPostgres, PG_URL } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: collection, deposit and refund runs on the storage port. SQLite keeps the driver's runs; a ledger on
// PostgreSQL runs them on the port (select in one snapshot, each chunk reserved in a serializable transaction, sent
// with none open, its replies recorded and posted in another). Both must write the same rows: records, payments,
// the chunk's one processor_payment journal, allocations, the decline policy's states, workflow items and fee bills,
// reversals of declined deposits, refunds, the run record, confirmations and audit rows. On PostgreSQL ids are not
// handed out in commit order, so a chunk reserves a subject only while it has as many records as the run's selection
// counted: two runs at once, or a one-off charge while a run waits, charge each bill once.

const NOW = new Date('2026-11-02T09:00:00Z');
const AT = NOW.toISOString();
const YESTERDAY = '2026-11-01T10:00:00.000Z';
const NOS = ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6'];
const WINDOW = { start: '2026-11-01', end: '2026-11-02' };

type Db = { dialect: Dialect; storage: Storage; driver?: Database.Database; lead: number };

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (disposers.length) await disposers.pop()!();
});

/** A card desk of six accounts (one open 30.00 bill each, a card each) on SQLite and, when configured, PostgreSQL. */
async function openBoth(): Promise<Db[]> {
  const { dir, cleanup } = tempDir('paydesk-collect-send-');
  const ledger = openLedger(`${dir}/ledger.sqlite`, 'db/migrations');
  const sqlite = sqliteStorage(ledger.sqlite, { closeDb: true });
  disposers.push(async () => {
    await sqlite.close();
    cleanup();
  });
  const dbs: Db[] = [{ dialect: 'sqlite', storage: sqlite, driver: ledger.sqlite, lead: 0 }];
  if (PG_URL) {
    const pg = await freshPostgres();
    disposers.push(pg.dispose);
    dbs.push({ dialect: 'postgres', storage: pg.storage, lead: 0 });
  }
  for (const db of dbs) {
    db.lead = (await addOperators(db.storage, { lead: ['supervisor'] }, NOW)).lead;
    await db.storage.transaction(async (tx) => {
      await seedCardDesk(tx, NOS, AT);
      await tx.run(
        sql`INSERT INTO payment_methods (account_id, type, token, mask, brand, expiry, is_default, verification, created_at)
            SELECT id, 'card', 'T-' || account_no, '4242', 'VI', '12/29', 1, 'verified', ${AT}
            FROM accounts WHERE is_suspense = 0`,
      );
      await tx.run(
        sql`INSERT INTO settings (key, value) VALUES ('collect.batchSize', '2'), ('collect.concurrency', '1'),
              ('collect.failedPaymentFeeMinor', '500')
            ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      );
    });
  }
  return dbs;
}

/**
 * A processor that approves every request but those of the accounts in `declines` (answered with that code), and
 * records what it was sent. With `hold`, its first batch waits (reserved, not yet sent) until released.
 */
function fakeProcessor(
  declines: Record<string, number> = {},
  hold?: { reached: () => void; gate: Promise<void> },
): { port: PaymentProcessor; sent: ProcessorRequestItem[] } {
  const sent: ProcessorRequestItem[] = [];
  let first = true;
  const port = {
    batch: async (_key: string, items: readonly ProcessorRequestItem[]) => {
      if (first && hold) {
        first = false;
        hold.reached();
        await hold.gate;
      }
      sent.push(...items);
      return items.map((i) => ({
        idemKey: i.idemKey,
        result: declines[i.accountNo] ?? 0,
        authCode: 'A1',
        processorRef: `ref-${i.idemKey}`,
      }));
    },
  } as unknown as PaymentProcessor;
  return { port, sent };
}

function gate() {
  let release!: () => void;
  let reached!: () => void;
  const g = new Promise<void>((r) => (release = r));
  const at = new Promise<void>((r) => (reached = r));
  return { hold: { reached, gate: g }, atGate: at, release };
}

type Kind = 'collect' | 'deposit' | 'refund';
const OPERATION = { collect: 'collect:run', deposit: 'collect:deposit', refund: 'collect:refund' } as const;

/**
 * A run as the job runs it on this database: the driver's on SQLite, the port's elsewhere; with `confirm`, under a
 * confirmation prepared now (the run's guard consumes it); `confirm: false` guards it as the job does, with none.
 */
async function runOn(
  db: Db,
  kind: Kind,
  input: Record<string, unknown>,
  port: PaymentProcessor,
  opts: { confirm?: boolean; signal?: AbortSignal; progress?: RunEnv['progress']; storage?: Storage } = {},
): Promise<CollectRunDto> {
  const base = {
    ledgerFile: '',
    now: NOW,
    operatorId: db.lead,
    progress: opts.progress ?? (() => {}),
    port,
    signal: opts.signal,
  };
  let confirmed = input;
  if (opts.confirm) {
    const c = await prepareConfirmation(db.storage, OPERATION[kind], input, NOW, db.lead);
    confirmed = { ...input, confirmationId: c.id };
  }
  if (db.driver) {
    const env: RunEnv = { ...base, db: db.driver };
    const guard =
      opts.confirm !== undefined
        ? runGuard(db.driver, OPERATION[kind], confirmed, NOW, db.lead, () => {})
        : undefined;
    return kind === 'collect'
      ? runCollect(env, input, guard)
      : kind === 'deposit'
        ? runDeposit(env, input, guard)
        : runRefund(env, input, guard);
  }
  const storage = opts.storage ?? db.storage;
  const env: RunEnvVia = { ...base, storage };
  const guard =
    opts.confirm !== undefined
      ? runGuardVia(storage, OPERATION[kind], confirmed, NOW, db.lead, () => {})
      : undefined;
  return kind === 'collect'
    ? runCollectVia(env, input, guard)
    : kind === 'deposit'
      ? runDepositVia(env, input, guard)
      : runRefundVia(env, input, guard);
}

/** A run's answer without its wall-clock figures. */
function stable(run: CollectRunDto): unknown {
  const { elapsedMs: _e, latencyMs: _l, finishedAt: _f, ...rest } = run;
  return rest;
}

/** Every row a run could write (reply times, wall-clock run totals and a cancel's time left out). */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      txns: await tx.all(
        sql`SELECT id, idem_key, command, run_id, batch_key, account_id, bill_id, amount_minor, result, related_txn_id,
              payment_id, fee_bill_id, auth_code, processor_ref, created_at FROM processor_txns ORDER BY id`,
      ),
      payments: await tx.all(
        sql`SELECT id, kind, account_id, pay_type, status, amount_minor, currency, account_amount_minor, rate_ppm,
              effective_date, external_ref, bill_no, source_key, journal_id, created_at FROM payments ORDER BY id`,
      ),
      journals: await tx.all(
        sql`SELECT id, kind, at, effective_date, idem_key, audit_id, reason_code FROM journals ORDER BY id`,
      ),
      lines: await tx.all(
        sql`SELECT journal_id, gl_account, account_id, amount_minor, currency FROM journal_lines ORDER BY id`,
      ),
      allocations: await tx.all(
        sql`SELECT id, payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm, reverses_allocation_id
            FROM allocations ORDER BY id`,
      ),
      reversals: await tx.all(
        sql`SELECT id, payment_id, reason_code, journal_id, created_at FROM reversals ORDER BY id`,
      ),
      accounts: await tx.all(sql`SELECT id, default_pay_type, balance_minor FROM accounts ORDER BY id`),
      bills: await tx.all(
        sql`SELECT id, bill_no, account_id, total_minor, amount_due_minor, status FROM bills ORDER BY id`,
      ),
      items: await tx.all(
        sql`SELECT id, bill_id, type, amount_minor, open_minor, status FROM bill_items ORDER BY id`,
      ),
      states: await tx.all(
        sql`SELECT account_id, retries_used, suspended_until, last_result FROM collection_states ORDER BY account_id`,
      ),
      workflow: await tx.all(
        sql`SELECT id, account_id, kind, txn_id, message, status FROM workflow_items ORDER BY id`,
      ),
      runs: await tx.all(
        sql`SELECT id, kind, processor_id, window_start, window_end, status, selected, skipped_json, options_json,
              started_at FROM collect_runs ORDER BY id`,
      ),
      confirmations: await tx.all(sql`SELECT id, operation, status, hash FROM confirmations ORDER BY id`),
      audit: await tx.all(
        sql`SELECT id, operator_id, action, entity, entity_id, before, after FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

type Rows = Awaited<ReturnType<typeof tables>>;

/** The same call on every database, answering alike and leaving the same rows (as `seen` shows them). */
async function alike<T>(
  dbs: readonly Db[],
  fn: (db: Db) => Promise<T>,
  seen: (rows: Rows) => unknown = (rows) => rows,
): Promise<T> {
  const answers: unknown[] = [];
  const rows: unknown[] = [];
  for (const db of dbs) {
    answers.push(await fn(db));
    rows.push(seen(await tables(db.storage)));
  }
  for (const [i] of dbs.entries()) {
    expect(answers[i], dbs[i]!.dialect).toEqual(answers[0]);
    expect(rows[i], dbs[i]!.dialect).toEqual(rows[0]);
  }
  return answers[0] as T;
}

const draft = (idemKey: string, accountId: number, d: Partial<TxnDraft> = {}): TxnDraft => ({
  idemKey,
  processorId: 1,
  command: 'condition',
  runId: null,
  batchKey: null,
  accountId,
  billId: null,
  paymentMethodId: null,
  token: 'T-x',
  brand: 'VI',
  merchant: 'Desk',
  amountMinor: 3000,
  currency: 'USD',
  payType: 10003,
  relatedTxnId: null,
  description: null,
  ...d,
});

/** A one-off charge (or authorization) of an account as one-off payments write it: reserved, approved, posted. */
async function chargeOnce(db: Db, accountNo: string, amountMinor: number, command: 'condition' | 'auth') {
  await db.storage.transaction(
    async (tx) => {
      const a = (await tx.get<{ id: number }>(sql`SELECT id FROM accounts WHERE account_no = ${accountNo}`))!;
      const key = `k0-one-${command}-${accountNo}`;
      const [id] = await reserveTxnsIn(
        tx,
        [draft(key, a.id, { command, amountMinor, token: `T-${accountNo}` })],
        YESTERDAY,
        db.lead,
      );
      await recordRepliesIn(
        tx,
        [{ idemKey: key, result: 0, authCode: 'A0', processorRef: `ref-${key}` }],
        YESTERDAY,
      );
      await postOneOffIn(tx, id!, new Date(YESTERDAY), YESTERDAY.slice(0, 10), db.lead);
    },
    { serializable: true },
  );
}

/**
 * The storage with the first two chunk reservations (a transaction whose first statement reserves a record) held
 * after that statement until both got there, so two runs reserve the same bills with neither committed; a retry
 * runs unheld. `retried` counts reservations run again.
 */
function meetingReservations(storage: Storage): { storage: Storage; retried: () => number } {
  let held = 0;
  let arrived = 0;
  let retried = 0;
  let release!: () => void;
  const met = new Promise<void>((resolve) => (release = resolve));
  const reserves = (q: SQL): boolean => /INSERT INTO processor_txns/.test(sqliteQuery(q).sql);
  return {
    storage: {
      dialect: storage.dialect,
      transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TxOptions): Promise<T> {
        let attempt = 0;
        return storage.transaction((tx) => {
          if (attempt++ > 0) retried++;
          let queries = 0;
          let mine = false;
          const gate = async (q: SQL): Promise<void> => {
            queries++;
            if (queries === 1 && attempt === 1 && reserves(q) && held < 2) {
              held++;
              mine = true;
            }
            if (mine && queries === 2) {
              if (++arrived === 2) release();
              await met;
            }
          };
          return fn({
            dialect: tx.dialect,
            all: async <R>(q: SQL) => (await gate(q), tx.all<R>(q)),
            get: async <R>(q: SQL) => (await gate(q), tx.get<R>(q)),
            run: async (q: SQL) => (await gate(q), tx.run(q)),
          });
        }, opts);
      },
      close: () => storage.close(),
    },
    retried: () => retried,
  };
}

/** What each account was sent, by account number. */
const perAccount = (sent: readonly ProcessorRequestItem[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const i of sent) out[i.accountNo] = (out[i.accountNo] ?? 0) + 1;
  return out;
};

describe('collection, deposit and refund runs on both databases', () => {
  it('a confirmed collection run posts approvals in bulk and applies declines alike', async () => {
    const dbs = await openBoth();
    // C-3 soft-declined (retry, suspension, fee), C-4 hard-declined (fallback pay type, fee).
    const run = await alike(dbs, async (db) =>
      stable(
        await runOn(db, 'collect', WINDOW, fakeProcessor({ 'C-3': 7, 'C-4': 5 }).port, { confirm: true }),
      ),
    );
    expect(run).toMatchObject({
      kind: 'collect',
      status: 'done',
      selected: 6,
      sent: 6,
      postedCount: 4,
      posted: [{ currency: 'USD', amountMinor: 12_000 }],
    });
    const rows = (await tables(dbs[0]!.storage)) as {
      journals: { kind: string }[];
      workflow: unknown[];
      confirmations: { status: string }[];
    };
    // One processor_payment journal per chunk with approvals (C-3 and C-4, both declined, share the second chunk).
    expect(rows.journals.filter((j) => j.kind === 'processor_payment')).toHaveLength(2);
    expect(rows.workflow.length).toBeGreaterThan(0);
    expect(rows.confirmations.map((c) => c.status)).toEqual(['confirmed']);
    // A second run finds nothing left to collect but the declined bills, which the policy holds back.
    await alike(dbs, async (db) => stable(await runOn(db, 'collect', WINDOW, fakeProcessor().port)));
  });

  it('a deposit run deposits authorizations and reverses a declined one alike; a refund run pays credit back', async () => {
    const dbs = await openBoth();
    for (const db of dbs) {
      for (const no of ['C-1', 'C-2', 'C-3']) await chargeOnce(db, no, 3000, 'auth');
      // 50.00 charged on a 30.00 bill: 20.00 of credit to refund.
      for (const no of ['C-5', 'C-6']) await chargeOnce(db, no, 5000, 'condition');
    }
    const deposit = await alike(dbs, async (db) =>
      stable(await runOn(db, 'deposit', {}, fakeProcessor({ 'C-2': 5 }).port, { confirm: true })),
    );
    expect(deposit).toMatchObject({ kind: 'deposit', status: 'done', selected: 3, sent: 3 });
    // postRefundTxnIn (services/processors/refunds.ts) allocates a refund's remainder with allocatePaymentIn, which
    // audits it as allocation.apply; the driver's postRefundTxn allocates it with allocateBulk, unaudited. The same
    // allocations, items, bills and balances otherwise: audit ids compared as their sequence without those rows.
    const withoutAllocationAudit = (rows: Rows): unknown => ({
      ...rows,
      journals: rows.journals.map((j) => ({ ...(j as object), audit_id: null })),
      audit: (rows.audit as { id: number; action: string }[])
        .filter((a) => a.action !== 'allocation.apply')
        .map((a) => ({ ...a, id: null })),
    });
    const refund = await alike(
      dbs,
      async (db) => stable(await runOn(db, 'refund', {}, fakeProcessor().port, { confirm: true })),
      withoutAllocationAudit,
    );
    expect(refund).toMatchObject({ kind: 'refund', status: 'done', selected: 2, sent: 2 });
    const reversed = (await tables(dbs[0]!.storage)) as {
      reversals: unknown[];
      accounts: { balance_minor: number }[];
    };
    // The declined deposit's authorization, and each refunded charge (its remainder posted again).
    expect(reversed.reversals).toHaveLength(3);
    // A run without its confirmation is refused alike and writes nothing.
    await alike(
      dbs,
      (db) => answer(runOn(db, 'refund', {}, fakeProcessor().port, { confirm: false })),
      withoutAllocationAudit,
    );
  });

  it('a cancelled run closes at a chunk boundary alike: what was sent is posted, the rest is left', async () => {
    const dbs = await openBoth();
    const failure = await alike(dbs, async (db) => {
      const abort = new AbortController();
      const progress = (_phase: string, done: number): void => {
        if (done >= 2) abort.abort();
      };
      const out = await answer(
        runOn(db, 'collect', WINDOW, fakeProcessor().port, { signal: abort.signal, progress }),
      );
      return out;
    });
    expect(failure).toMatchObject({ error: { code: 'cancelled' } });
    const rows = (await tables(dbs[0]!.storage)) as {
      runs: { status: string; selected: number }[];
      txns: unknown[];
    };
    expect(rows.runs).toMatchObject([{ status: 'cancelled', selected: 6 }]);
    expect(rows.txns).toHaveLength(2);
  });
});

describe('two runs at once charge each bill once, on both databases', () => {
  it('a run that waits skips the bills a second run took meanwhile', async () => {
    const dbs = await openBoth();
    await alike(dbs, async (db) => {
      const g = gate();
      const a = fakeProcessor({}, g.hold);
      const b = fakeProcessor();
      const runA = runOn(db, 'collect', WINDOW, a.port);
      await g.atGate;
      const runB = await runOn(db, 'collect', WINDOW, b.port);
      g.release();
      const doneA = await runA;
      expect(doneA).toMatchObject({ status: 'done', selected: 6, sent: 2, postedCount: 2 });
      expect(doneA.skipped.taken).toBe(4);
      expect(runB).toMatchObject({ status: 'done', selected: 4, sent: 4, postedCount: 4 });
      expect(runB.skipped.openCheckpoint).toBe(2);
      const sent = perAccount([...a.sent, ...b.sent]);
      expect(Object.keys(sent).sort()).toEqual(NOS);
      expect(Object.values(sent).every((n) => n === 1)).toBe(true);
      return [stable(doneA), stable(runB)];
    });
  });

  it('a one-off charge while a run waits makes the run skip that bill', async () => {
    const dbs = await openBoth();
    await alike(dbs, async (db) => {
      const g = gate();
      const a = fakeProcessor({}, g.hold);
      const runA = runOn(db, 'collect', WINDOW, a.port);
      await g.atGate;
      await chargeOnce(db, 'C-5', 3000, 'condition');
      g.release();
      const done = await runA;
      expect(done).toMatchObject({ status: 'done', selected: 6, sent: 5, postedCount: 5 });
      expect(done.skipped.taken).toBe(1);
      expect(a.sent.map((i) => i.accountNo)).not.toContain('C-5');
      return stable(done);
    });
  });

  it.runIf(PG_URL)(
    'PostgreSQL: two runs whose first chunks reserve the same bills at once charge each bill once',
    async () => {
      const dbs = await openBoth();
      const pg = dbs.find((d) => d.dialect === 'postgres')!;
      // Run A's first reservation has reserved C-1 and waits, uncommitted, while run B selects (A's record is not
      // visible yet: B selects all six bills) and its first reservation reserves C-1 too; then both go on.
      // Serializable: one of them fails on commit, is retried, counts the other's record and skips those bills.
      const { storage, retried } = meetingReservations(pg.storage);
      const a = fakeProcessor();
      const b = fakeProcessor();
      const [runA, runB] = await Promise.all([
        runOn(pg, 'collect', WINDOW, a.port, { storage }),
        runOn(pg, 'collect', WINDOW, b.port, { storage }),
      ]);
      expect(retried()).toBeGreaterThan(0);
      expect(runA.selected + runB.selected).toBe(12);
      expect(runA.sent + runB.sent).toBe(6);
      expect((runA.skipped.taken ?? 0) + (runB.skipped.taken ?? 0)).toBe(6);
      const sent = perAccount([...a.sent, ...b.sent]);
      expect(Object.keys(sent).sort()).toEqual(NOS);
      expect(Object.values(sent).every((n) => n === 1)).toBe(true);
      const rows = (await tables(pg.storage)) as { payments: unknown[]; bills: { status: string }[] };
      expect(rows.payments).toHaveLength(6);
      expect(rows.bills.every((b) => b.status === 'closed')).toBe(true);
    },
  );
});
