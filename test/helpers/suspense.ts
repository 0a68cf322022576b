import { sql, type SQL } from 'drizzle-orm';
import { expect } from 'vitest';
import { settingUpsertQuery } from '../../db/repos/settings';
import { driverAll, driverRun } from '../../db/storage/sqlite';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto } from '../../src-shared/dto/batches';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import { dispatchConfirmed } from './confirm';

/** A test app (a fresh ledger or an e2e session's services). */
export type TestApp = App;

/** The value of a successful command, or a thrown error naming the failure. */
export async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** Asserts that `ledger check` finds nothing. */
export async function expectClean(app: App<LedgerPlace>): Promise<void> {
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
}

/** Sets a business setting directly (the admin editor is another area). */
export function setSetting(app: TestApp, key: string, v: unknown): void {
  driverRun(app.ctx.ledger.sqlite, settingUpsertQuery(key, JSON.stringify(v)));
}

/** setSetting through the port, so it works on a PostgreSQL app too. */
export async function setSettingVia(app: App<LedgerPlace>, key: string, v: unknown): Promise<void> {
  await app.ctx.storage.transaction(async (tx) => {
    await tx.run(settingUpsertQuery(key, JSON.stringify(v)));
  });
}

/** An account `usdAccounts` picks: account number, its oldest open bill, that bill's amount due. */
export type UsdAccount = { accountNo: string; name: string; billNo: string; dueMinor: number };

function usdAccountsQuery(n: number, skip: number): SQL {
  return sql`SELECT x."accountNo", x.name, x."billNo", b.amount_due_minor AS "dueMinor" FROM (
         SELECT a.id, a.account_no AS "accountNo", a.name, min(b.bill_no) AS "billNo"
         FROM accounts a JOIN bills b ON b.account_id = a.id AND b.status = 'open'
         WHERE a.currency = 'USD' AND a.status = 'active' AND (SELECT count(*) FROM bill_units u WHERE u.account_id = a.id) = 1
           AND NOT EXISTS (SELECT 1 FROM bill_units u WHERE u.account_id = a.id AND u.paying = 0)
         GROUP BY a.id, a.account_no, a.name ORDER BY a.id LIMIT ${n} OFFSET ${skip}) x
       JOIN bills b ON b.bill_no = x."billNo" ORDER BY x.id`;
}

/** USD accounts with one bill unit and an open bill, in account order. */
export function usdAccounts(app: TestApp, n: number, skip = 0): UsdAccount[] {
  return driverAll<UsdAccount>(app.ctx.ledger.sqlite, usdAccountsQuery(n, skip));
}

/** usdAccounts through the port (both databases). */
export function usdAccountsVia(app: App<LedgerPlace>, n: number, skip = 0): Promise<UsdAccount[]> {
  return app.ctx.storage.transaction((tx) => tx.all<UsdAccount>(usdAccountsQuery(n, skip)), {
    readOnly: true,
  });
}

/** One payment a batch should send to suspense. */
export type SuspendRow = {
  accountNo?: string;
  billNo?: string;
  amount: string;
  payerName?: string;
  reference?: string;
};

/**
 * Keys a check batch whose entries cannot be matched (unknown account numbers), validates and submits it, and
 * returns the ids of the suspended payments in entry order.
 */
export async function suspend(
  app: App<LedgerPlace>,
  rows: SuspendRow[],
  opts: { payType?: number; currency?: string; lockboxNo?: string } = {},
): Promise<number[]> {
  // Through the port, so it runs on a PostgreSQL app too (which has no driver).
  await app.ctx.storage.transaction(async (tx) => {
    await tx.run(settingUpsertQuery('PaymentSuspense', JSON.stringify(true)));
  });
  const batch = await value<BatchDto>(
    app.dispatch('batches:create', {
      batchType: 'payment',
      payType: opts.payType ?? 10012,
      currency: opts.currency ?? 'USD',
      ...(opts.lockboxNo ? { lockboxNo: opts.lockboxNo } : {}),
    }),
  );
  await value(
    app.dispatch('batches:save-entries', {
      batchId: batch.id,
      entries: rows.map((r, i) => ({
        accountNo: r.accountNo ?? `NOPE-${batch.id}-${i}`,
        amount: r.amount,
        ...(r.billNo ? { billNo: r.billNo } : {}),
        ...(r.payerName ? { payerName: r.payerName } : {}),
        ...(r.reference ? { reference: r.reference } : {}),
      })),
    }),
  );
  await value(app.dispatch('batches:validate', { batchId: batch.id }));
  const submitted = await value<{ suspended: number }>(
    dispatchConfirmed(app, 'batches:submit', { batchId: batch.id }),
  );
  expect(submitted.suspended).toBe(rows.length);
  const ids = await app.ctx.storage.transaction(
    (tx) =>
      tx.all<{ id: number }>(
        sql`SELECT p.id FROM batch_entries e JOIN payments p ON p.source_key = e.entry_key
            WHERE e.batch_id = ${batch.id} ORDER BY e.seq`,
      ),
    { readOnly: true },
  );
  return ids.map((r) => r.id);
}

/** Records a posted payment on an account (unallocated unless asked) and returns its id. */
export async function postPayment(
  app: App<LedgerPlace>,
  accountNo: string,
  amount: string,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const r = await value<{ paymentId: number }>(
    app.dispatch('payments:record', { accountNo, amount, allocate: 'auto', ...extra }),
  );
  return r.paymentId;
}

// Counts and id-weighted sums rather than concatenations: the same on both databases, and any change moves them.
const fingerprintQueries: SQL[] = [
  sql`SELECT count(*) AS n FROM payments`,
  sql`SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM journal_lines`,
  sql`SELECT count(*) AS n FROM allocations`,
  sql`SELECT count(*) AS n FROM reversals`,
  sql`SELECT count(*) AS n FROM suspense_events`,
  sql`SELECT state, count(*) AS n, sum(payment_id) AS p, sum(coalesce(action_owner, 0) * payment_id) AS o
        FROM suspense_queue GROUP BY state ORDER BY state`,
  sql`SELECT sum(coalesce(action_owner, 0) * id) AS o FROM payments`,
  sql`SELECT sum(balance_minor * id) AS b FROM accounts`,
  sql`SELECT sum(open_minor * id) AS o FROM bill_items`,
];

/** A fingerprint of everything posted: row counts of the append-only tables and every account balance. */
export function ledgerFingerprint(app: TestApp): string {
  return JSON.stringify(fingerprintQueries.map((q) => driverAll(app.ctx.ledger.sqlite, q)));
}

/** ledgerFingerprint through the port, in one snapshot (both databases). */
export function ledgerFingerprintVia(app: App<LedgerPlace>): Promise<string> {
  return app.ctx.storage.transaction(
    async (tx) => {
      const rows: unknown[] = [];
      for (const q of fingerprintQueries) rows.push(await tx.all(q));
      return JSON.stringify(rows);
    },
    { readOnly: true },
  );
}
