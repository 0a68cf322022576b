import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { settingUpsertQuery } from '../../db/repos/settings';
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
export async function expectClean(app: TestApp): Promise<void> {
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
}

/** Sets a business setting directly (the admin editor is another area). */
export function setSetting(app: TestApp, key: string, v: unknown): void {
  app.ctx.ledger.sqlite
    .prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)')
    .run(key, JSON.stringify(v));
}

/** USD accounts with one bill unit and an open bill: account number, its oldest open bill, that bill's amount due. */
export function usdAccounts(
  app: TestApp,
  n: number,
  skip = 0,
): { accountNo: string; name: string; billNo: string; dueMinor: number }[] {
  return app.ctx.ledger.sqlite
    .prepare(
      `SELECT x.accountNo, x.name, x.billNo, b.amount_due_minor AS dueMinor FROM (
         SELECT a.account_no AS accountNo, a.name, min(b.bill_no) AS billNo
         FROM accounts a JOIN bills b ON b.account_id = a.id AND b.status = 'open'
         WHERE a.currency = 'USD' AND a.status = 'active' AND (SELECT count(*) FROM bill_units u WHERE u.account_id = a.id) = 1
           AND NOT EXISTS (SELECT 1 FROM bill_units u WHERE u.account_id = a.id AND u.paying = 0)
         GROUP BY a.id ORDER BY a.id LIMIT ? OFFSET ?) x JOIN bills b ON b.bill_no = x.billNo`,
    )
    .all(n, skip) as { accountNo: string; name: string; billNo: string; dueMinor: number }[];
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
  app: TestApp,
  accountNo: string,
  amount: string,
  extra: Record<string, unknown> = {},
): Promise<number> {
  const r = await value<{ paymentId: number }>(
    app.dispatch('payments:record', { accountNo, amount, allocate: 'auto', ...extra }),
  );
  return r.paymentId;
}

/** A fingerprint of everything posted: row counts of the append-only tables and every account balance. */
export function ledgerFingerprint(app: TestApp): string {
  const db = app.ctx.ledger.sqlite;
  const one = (sql: string): unknown => db.prepare(sql).get();
  return JSON.stringify([
    one('SELECT count(*) AS n FROM payments'),
    one('SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM journal_lines'),
    one('SELECT count(*) AS n FROM allocations'),
    one('SELECT count(*) AS n FROM reversals'),
    one('SELECT count(*) AS n FROM suspense_events'),
    one('SELECT group_concat(state) AS s, group_concat(coalesce(action_owner, 0)) AS o FROM suspense_queue'),
    one('SELECT group_concat(action_owner) AS o FROM payments'),
    one('SELECT sum(balance_minor * id) AS b FROM accounts'),
    one('SELECT sum(open_minor * id) AS o FROM bill_items'),
  ]);
}
