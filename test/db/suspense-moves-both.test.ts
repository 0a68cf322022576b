import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../db/storage/port';
import type { App } from '../../src-main/app-context';
import { allocatePaymentIn, type AllocateInput } from '../../src-main/ledger/allocation';
import { postJournalIn } from '../../src-main/ledger/journal';
import { recordPayment, type RecordPaymentInput } from '../../src-main/ledger/record-payment';
import { insertSuspendedIn, suspenseMoveIn } from '../../src-main/ledger/suspense-move';
import { changeReason } from '../../src-main/services/suspense/annotate';
import { suspenseDetail } from '../../src-main/services/suspense/detail';
import {
  applySuspended,
  distributeSuspended,
  recyclePayments,
  removeSuspended,
  reverseSuspenseCase,
} from '../../src-main/services/suspense/moves';
import { casePaymentIn } from '../../src-main/services/suspense/case';
import { searchSuspense } from '../../src-main/services/suspense/search';
import { commandInputs } from '../../src-shared/api/inputs';
import { ledgerOnBoth, type LedgerOnBoth } from '../helpers/copy-to-postgres';
import { STORAGES } from '../helpers/storages';
import { failure } from '../helpers/alike';
import { dispatchConfirmed } from '../helpers/confirm';
import type { ReportScenario } from '../helpers/reports-scenario';
import { value } from '../helpers/suspense';
import { buildTimelineScenario } from '../helpers/timeline-scenario';
import type { BatchDto } from '../../src-shared/dto/batches';

// Issue #17: the posting core (journals, balances, ceilings, reversal rows, queue states, suspended payments,
// tally folding) runs through the storage port, and the suspense moves that post no customer account (removal as
// unallocatable, a reason change) run on it. On a worked ledger copied to PostgreSQL both databases must post the
// same rows, refuse the same way, keep the same tally, and never post a move twice when analysts race.

const MAX = Number.MAX_SAFE_INTEGER;
const parse = (input: Record<string, unknown>) => commandInputs['suspense:search'].parse(input);

/** One allocation in a serializable port transaction of its own, as the Payment Center moves allocate. */
const allocatePaymentOn = (s: Storage, input: AllocateInput, now: Date, operatorId: number | null) =>
  s.transaction((tx) => allocatePaymentIn(tx, input, now, operatorId), { serializable: true });

/** The timeline scenario with more payments in suspense: lockbox lines for accounts nobody has, USD and EUR. */
async function scenarioWithQueue(): Promise<ReportScenario> {
  const scenario = await buildTimelineScenario();
  const app = scenario.open('2026-11-23T08:00:00Z');
  try {
    // A USD payment may go to a EUR account: the rate is part of the ledger copied to PostgreSQL.
    app.ctx.ledger.sqlite
      .prepare(
        `INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm) VALUES ('USD', 'EUR', '2026-01-01', 915000)`,
      )
      .run();
    for (const [currency, n] of [
      ['USD', 10],
      ['EUR', 3],
    ] as const) {
      const b = await value<BatchDto>(
        app.dispatch('batches:create', {
          batchType: 'payment',
          payType: 10012,
          currency,
          lockboxNo: `PG-${currency}`,
        }),
      );
      const entries = Array.from({ length: n }, (_, i) => ({
        accountNo: `NOBODY-${currency}-${i}`,
        amount: `${i + 1}1.25`,
      }));
      await value(app.dispatch('batches:save-entries', { batchId: b.id, entries }));
      await value(app.dispatch('batches:validate', { batchId: b.id }));
      await value(dispatchConfirmed(app, 'batches:submit', { batchId: b.id }));
    }
    // Payments recorded without allocating, for the allocation command on both databases.
    const accounts = app.ctx.ledger.sqlite
      .prepare(
        `SELECT a.account_no FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active'
           AND (SELECT count(*) FROM bills b WHERE b.account_id = a.id AND b.status = 'open') >= 1
         ORDER BY a.id DESC LIMIT 3`,
      )
      .pluck()
      .all() as string[];
    for (const accountNo of accounts)
      await value(
        app.dispatch('payments:record', {
          accountNo,
          amount: '1.00',
          effectiveDate: '2026-11-23',
          sourceKey: `pg-alloc-${accountNo}`,
          allocate: 'none',
        }),
      );
  } finally {
    app.close();
  }
  return scenario;
}

/** What the moves write, read back the same way on both databases (rows after the scenario's own). */
async function written(storage: Storage, after: Marks) {
  return storage.transaction(
    async (tx) => ({
      journals: await tx.all(
        sql`SELECT id, kind, at, effective_date AS "effectiveDate", idem_key AS "idemKey", reason_code AS "reasonCode",
              gl_id AS "glId" FROM journals WHERE id > ${after.journal} ORDER BY id`,
      ),
      lines: await tx.all(
        sql`SELECT journal_id AS "journalId", gl_account AS gl, account_id AS "accountId", amount_minor AS amount, currency
            FROM journal_lines WHERE journal_id > ${after.journal} ORDER BY id`,
      ),
      reversals: await tx.all(
        sql`SELECT payment_id AS "paymentId", reason_code AS "reasonCode", journal_id AS "journalId"
            FROM reversals WHERE journal_id > ${after.journal} ORDER BY id`,
      ),
      payments: await tx.all(
        sql`SELECT id, kind, account_id AS "accountId", status, reason_code AS "reasonCode", amount_minor AS amount,
              currency, parent_payment_id AS parent, source_key AS "sourceKey", journal_id AS "journalId",
              action_owner AS owner FROM payments WHERE id > ${after.payment} ORDER BY id`,
      ),
      queue: await tx.all(
        sql`SELECT payment_id AS "paymentId", root_id AS "rootId", state, reason_code AS "reasonCode", amount_minor AS amount,
              entered_on AS "enteredOn", closed_at AS "closedAt", action_owner AS owner FROM suspense_queue ORDER BY payment_id`,
      ),
      tally: await tx.all(
        sql`SELECT state, currency, owner, reason_code AS "reasonCode", entered_on AS "enteredOn", count, amount_minor AS amount
            FROM suspense_tally WHERE count <> 0 OR amount_minor <> 0
            ORDER BY state, currency, coalesce(owner, -1), reason_code, entered_on`,
      ),
      audit: await tx.all(
        sql`SELECT action, entity, entity_id AS "entityId", before, after, reason_code AS "reasonCode"
            FROM audit_log WHERE id > ${after.audit} ORDER BY id`,
      ),
      balances: await tx.all(sql`SELECT id, balance_minor AS balance FROM accounts ORDER BY id`),
      allocations: await tx.all(
        sql`SELECT payment_id AS "paymentId", account_id AS "accountId", bill_id AS "billId", item_id AS "itemId",
              amount_minor AS amount, rate_ppm AS "ratePpm", reverses_allocation_id AS reverses
            FROM allocations WHERE id > ${after.allocation} ORDER BY id`,
      ),
      items: await tx.all(sql`SELECT id, open_minor AS open, status FROM bill_items ORDER BY id`),
      bills: await tx.all(sql`SELECT id, amount_due_minor AS due, status FROM bills ORDER BY id`),
    }),
    { readOnly: true },
  );
}

type Written = Awaited<ReturnType<typeof written>>;

/** The last ids before the moves under test. */
type Marks = { journal: number; payment: number; audit: number; allocation: number };

async function marks(storage: Storage): Promise<Marks> {
  return storage.transaction(
    async (tx) =>
      (await tx.get<Marks>(
        sql`SELECT (SELECT max(id) FROM journals) AS journal, (SELECT max(id) FROM payments) AS payment,
                   (SELECT max(id) FROM audit_log) AS audit, (SELECT max(id) FROM allocations) AS allocation`,
      ))!,
    { readOnly: true },
  );
}

/** Every journal balances per currency, and each idempotency key posted once. */
async function ledgerHolds(storage: Storage): Promise<void> {
  const off = await storage.transaction(
    (tx) =>
      tx.all(sql`SELECT journal_id, currency, sum(amount_minor) AS s FROM journal_lines
                 GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0`),
    { readOnly: true },
  );
  expect(off).toEqual([]);
  const twice = await storage.transaction(
    (tx) =>
      tx.all(
        sql`SELECT idem_key FROM journals WHERE idem_key IS NOT NULL GROUP BY idem_key HAVING count(*) > 1`,
      ),
    { readOnly: true },
  );
  expect(twice).toEqual([]);
  // The running tally agrees with the queue rows it counts.
  const drift = await storage.transaction(
    (tx) =>
      tx.all(sql`SELECT t.state, t.currency, t.n, t.amount, q.n AS qn, q.amount AS qamount FROM
        (SELECT state, currency, sum(count) AS n, sum(amount_minor) AS amount FROM suspense_tally GROUP BY state, currency) t
        LEFT JOIN (SELECT state, currency, count(*) AS n, sum(amount_minor) AS amount FROM suspense_queue GROUP BY state, currency) q
          ON q.state = t.state AND q.currency = t.currency
        WHERE coalesce(q.n, 0) <> t.n OR coalesce(q.amount, 0) <> t.amount`),
    { readOnly: true },
  );
  expect(drift).toEqual([]);
}

describe.runIf(STORAGES[1]!.available)(
  'Suspense moves posted through the port on a worked ledger copied to PostgreSQL',
  () => {
    let both: LedgerOnBoth;
    let app: App;
    let pg: Storage;
    let storages: [string, Storage][];
    const now = new Date('2026-11-30T09:00:00Z');

    beforeAll(async () => {
      both = await ledgerOnBoth(scenarioWithQueue, '2026-11-23T09:00:00Z');
      ({ app, pg } = both);
      storages = [
        ['sqlite', app.ctx.storage],
        ['postgres', pg],
      ];
    }, 120_000);
    afterAll(async () => {
      await both?.dispose();
    });

    /** Runs the same moves on both databases from the same state: their answers and the rows they wrote agree. */
    const alike = async (
      moves: (s: Storage) => Promise<unknown[]>,
    ): Promise<{ answers: unknown[]; rows: Written }> => {
      const before = await marks(app.ctx.storage);
      expect(await marks(pg)).toEqual(before);
      const answers = await moves(app.ctx.storage);
      expect(await moves(pg)).toEqual(answers);
      const rows = await written(app.ctx.storage, before);
      expect(await written(pg, before)).toEqual(rows);
      return { answers, rows };
    };

    /** Each call is refused on both databases with the same error, and neither writes a row. */
    const refusesAlike = async (refusals: ((s: Storage) => Promise<unknown>)[]): Promise<void> => {
      const after = await marks(app.ctx.storage);
      for (const [i, refuse] of refusals.entries()) {
        const mine = await failure(refuse(app.ctx.storage));
        expect(mine, `refusal ${i}`).toHaveProperty('code');
        expect(await failure(refuse(pg)), `refusal ${i}`).toEqual(mine);
      }
      expect(await marks(app.ctx.storage)).toEqual(after);
      expect(await marks(pg)).toEqual(after);
    };

    const active = async (s: Storage): Promise<number[]> =>
      (await searchSuspense(s, parse({ limit: 5000, sortBy: 'paymentId' }), now)).rows.map(
        (r) => r.paymentId,
      );

    it('records payments alike (allocated by policy, into another currency) and refuses alike', async () => {
      const operator = app.ctx.operator.id;
      const pick = (q: string): string | undefined =>
        app.ctx.ledger.sqlite.prepare(q).pluck().get() as string | undefined;
      const usd = pick(`SELECT a.account_no FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active'
        AND a.is_suspense = 0 AND EXISTS (SELECT 1 FROM bill_items i WHERE i.account_id = a.id AND i.status = 'open')
        ORDER BY a.id LIMIT 1`)!;
      const eur =
        pick(`SELECT account_no FROM accounts WHERE currency = 'EUR' AND status = 'active' AND is_suspense = 0
        ORDER BY id LIMIT 1`)!;
      const record = (s: Storage, input: Partial<RecordPaymentInput>) =>
        recordPayment(
          s,
          {
            accountNo: usd,
            amount: '2.50',
            payType: 10011,
            channelId: 0,
            allocate: 'auto',
            effectiveDate: '2026-11-30',
            ...input,
          },
          now,
          operator,
        );
      const { answers, rows } = await alike(async (s) => [
        await record(s, { sourceKey: 'both-rec-1' }),
        await record(s, {
          sourceKey: 'both-rec-2',
          allocate: 'none',
          billNo: 'B-HINT',
          payerName: 'Payer Two',
        }),
        await record(s, { accountNo: eur, currency: 'USD', amount: '10.00', sourceKey: 'both-rec-3' }),
        // The same key again answers the first posting, posting nothing.
        await record(s, { sourceKey: 'both-rec-1', amount: '99.00' }),
      ]);
      expect(answers[0]).toMatchObject({
        duplicate: false,
        allocation: { allocatedMinor: expect.any(Number) },
      });
      expect(answers[answers.length - 1]).toMatchObject({ duplicate: true, allocation: null });
      expect(rows.journals).toHaveLength(3);
      expect(rows.lines.filter((l) => (l as { gl: string }).gl === 'FX')).toHaveLength(2);
      const refusals = [
        (s: Storage) => record(s, { accountNo: 'NO-SUCH-ACCOUNT' }),
        (s: Storage) => record(s, { payType: 10003 }),
        (s: Storage) => record(s, { amount: '1.001' }),
        (s: Storage) => record(s, { amount: '0.00' }),
        (s: Storage) => record(s, { currency: 'EUR' }),
        (s: Storage) => record(s, { amount: String(2n ** 53n) }),
      ];
      await refusesAlike(refusals);
    });

    it('removes and changes reasons alike: the same journals, reversals, payments, queue, tally, audit and balances', async () => {
      const operator = app.ctx.operator.id;
      const ids = await active(app.ctx.storage);
      expect(await active(pg)).toEqual(ids);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      const { rows: here } = await alike(async (s) => {
        const out: unknown[] = [];
        out.push(await changeReason(s, { paymentIds: [ids[0]!], reasonCode: 2007 }, now, operator));
        const replacement = (out[0] as { suspended: { paymentId: number }[] }).suspended[0]!.paymentId;
        // The replacement is the active payment of the case now; a second change replaces it in turn.
        out.push(await changeReason(s, { paymentIds: [replacement], reasonCode: 2002 }, now, operator));
        out.push(await removeSuspended(s, { paymentId: ids[1]!, reasonCode: 4999 }, now, operator));
        // Unchanged reason: nothing posts.
        const newest = (out[1] as { suspended: { paymentId: number }[] }).suspended[0]!.paymentId;
        out.push(await changeReason(s, { paymentIds: [newest], reasonCode: 2002 }, now, operator));
        return out;
      });
      expect(here.journals.length).toBeGreaterThanOrEqual(3);
      for (const id of [ids[0]!, ids[1]!]) {
        const detail = await suspenseDetail(app.ctx.storage, id, now);
        expect(await suspenseDetail(pg, id, now)).toEqual(detail);
      }
      const removed = await suspenseDetail(pg, ids[1]!, now);
      expect(removed.timeline[removed.timeline.length - 1]).toMatchObject({
        action: 'removed',
        reasonCode: 4999,
      });
      for (const [, s] of storages) await ledgerHolds(s);
    });

    it('recycles a posted payment and reverses cases alike, allocations and open items included', async () => {
      const operator = app.ctx.operator.id;
      const allocated = app.ctx.ledger.sqlite
        .prepare(
          `SELECT p.id FROM payments p JOIN accounts a ON a.id = p.account_id
           WHERE a.is_suspense = 0 AND p.pay_type = 10012 AND p.id NOT IN (SELECT payment_id FROM reversals)
             AND p.parent_payment_id IS NULL AND EXISTS (SELECT 1 FROM allocations al WHERE al.payment_id = p.id)
           ORDER BY p.id LIMIT 1`,
        )
        .pluck()
        .get() as number;
      expect(allocated).toBeGreaterThan(0);
      const straight = app.ctx.ledger.sqlite
        .prepare(
          `SELECT payment_id FROM suspense_queue WHERE state = 'suspended' AND root_id = payment_id
           ORDER BY payment_id DESC LIMIT 1`,
        )
        .pluck()
        .get() as number;
      const { rows: here } = await alike(async (s) => {
        const out: unknown[] = [];
        // Back to suspense from the wrong account: its allocations undone, its items and bills reopened.
        out.push(await recyclePayments(s, { paymentIds: [allocated], reasonCode: 4002 }, now, operator));
        // The case of the recycled payment reversed from its original (the money goes back).
        out.push(await reverseSuspenseCase(s, { paymentId: allocated, reasonCode: 4102 }, now, operator));
        // A payment that went straight to suspense reversed as its own case.
        out.push(await reverseSuspenseCase(s, { paymentId: straight, reasonCode: 4102 }, now, operator));
        return out;
      });
      expect(here.allocations.length).toBeGreaterThan(0);
      for (const id of [allocated, straight]) {
        const detail = await suspenseDetail(app.ctx.storage, id, now);
        expect(await suspenseDetail(pg, id, now)).toEqual(detail);
      }
      for (const [, s] of storages) await ledgerHolds(s);
    });

    it('applies and distributes alike: targets by account, bill and both, across currencies, with a remainder', async () => {
      const operator = app.ctx.operator.id;
      const db = app.ctx.ledger.sqlite;
      const withBills = (currency: string): { accountNo: string; billNo: string }[] =>
        db
          .prepare(
            `SELECT a.account_no AS accountNo, min(b.bill_no) AS billNo FROM accounts a JOIN bills b ON b.account_id = a.id
             WHERE a.currency = ? AND a.status = 'active' AND b.status = 'open' GROUP BY a.id ORDER BY a.id LIMIT 3`,
          )
          .all(currency) as { accountNo: string; billNo: string }[];
      const usd = withBills('USD');
      const eur = withBills('EUR');
      expect(usd.length).toBe(3);
      expect(eur.length).toBeGreaterThan(0);
      const [u1, u2] = db
        .prepare(
          `SELECT q.payment_id FROM suspense_queue q JOIN payments p ON p.id = q.payment_id
           WHERE q.state = 'suspended' AND q.root_id = q.payment_id AND p.currency = 'USD'
           ORDER BY p.amount_minor DESC, p.id LIMIT 2`,
        )
        .pluck()
        .all() as number[];
      const { answers, rows: here } = await alike(async (s) => {
        const out: unknown[] = [];
        out.push(
          await distributeSuspended(
            s,
            {
              paymentId: u1!,
              targets: [
                { accountNo: usd[0]!.accountNo, billNo: usd[0]!.billNo, amount: '1.00' },
                { billNo: usd[1]!.billNo, amount: '2.00' },
                { accountNo: eur[0]!.accountNo.toLowerCase(), amount: '3.00' },
              ],
            },
            now,
            operator,
          ),
        );
        out.push(await applySuspended(s, { paymentId: u2!, accountNo: usd[2]!.accountNo }, now, operator));
        return out;
      });
      const distributed = answers[0] as { posted: unknown[]; suspended: unknown[] };
      expect(distributed.posted).toHaveLength(3);
      expect(distributed.suspended).toHaveLength(1);
      expect(here.lines.some((l) => (l as { gl: string }).gl === 'FX')).toBe(true);
      expect(here.allocations.length).toBeGreaterThan(0);
      for (const id of [u1!, u2!]) {
        const detail = await suspenseDetail(app.ctx.storage, id, now);
        expect(await suspenseDetail(pg, id, now)).toEqual(detail);
      }
      const refusals = [
        (s: Storage) =>
          distributeSuspended(
            s,
            { paymentId: u1!, targets: [{ accountNo: usd[0]!.accountNo, amount: '1.00' }] },
            now,
            operator,
          ),
        (s: Storage) => applySuspended(s, { paymentId: u2!, accountNo: usd[0]!.accountNo }, now, operator),
      ];
      for (const [i, refuse] of refusals.entries()) {
        const mine = await failure(refuse(app.ctx.storage));
        expect(mine, `refusal ${i}`).toHaveProperty('code', 'conflict');
        expect(await failure(refuse(pg)), `refusal ${i}`).toEqual(mine);
      }
      for (const [, s] of storages) await ledgerHolds(s);
    });

    it('allocates a recorded payment alike by bill and by policy, refuses alike, and takes turns when raced', async () => {
      const operator = app.ctx.operator.id;
      const recorded = app.ctx.ledger.sqlite
        .prepare(
          `SELECT p.id, p.bill_no AS hint, (SELECT min(b.bill_no) FROM bills b WHERE b.account_id = p.account_id
             AND b.status = 'open') AS billNo FROM payments p WHERE p.source_key LIKE 'pg-alloc-%' ORDER BY p.id`,
        )
        .all() as { id: number; billNo: string }[];
      expect(recorded).toHaveLength(3);
      const [byBill, byPolicy, raced] = recorded as [
        { id: number; billNo: string },
        { id: number; billNo: string },
        { id: number; billNo: string },
      ];
      const { rows: here } = await alike(async (s) => {
        const out: unknown[] = [];
        out.push(
          await allocatePaymentOn(
            s,
            { paymentId: byBill.id, bills: [{ billNo: byBill.billNo, amount: '0.40' }] },
            now,
            operator,
          ),
        );
        out.push(await allocatePaymentOn(s, { paymentId: byPolicy.id, policy: 'fifo' }, now, operator));
        return out;
      });
      expect(here.allocations.length).toBeGreaterThan(0);
      const refusals = [
        (s: Storage) =>
          allocatePaymentOn(
            s,
            { paymentId: byBill.id, bills: [{ billNo: byBill.billNo, amount: '0.61' }] },
            now,
            operator,
          ),
        (s: Storage) => allocatePaymentOn(s, { paymentId: byBill.id, token: '0.0' }, now, operator),
        (s: Storage) => allocatePaymentOn(s, { paymentId: byPolicy.id }, now, operator),
        (s: Storage) =>
          allocatePaymentOn(
            s,
            { paymentId: byBill.id, items: [{ itemNo: 'NO-SUCH-ITEM', amount: '0.10' }] },
            now,
            operator,
          ),
        (s: Storage) =>
          allocatePaymentOn(
            s,
            { paymentId: byBill.id, bills: [{ billNo: byBill.billNo, amount: '0.001' }] },
            now,
            operator,
          ),
      ];
      await refusesAlike(refusals);
      // Four clerks allocate the same payment at once: it is allocated once, never past its amount.
      for (const [, s] of storages) {
        const results = await Promise.allSettled(
          Array.from({ length: 4 }, () => allocatePaymentOn(s, { paymentId: raced.id }, now, operator)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected'))
          expect(r.reason).toMatchObject({ error: { rule: 'nothing-to-allocate' } });
        const held = await s.transaction(
          (tx) =>
            tx.get<{ allocated: number }>(
              sql`SELECT sum(amount_minor) AS allocated FROM allocations WHERE payment_id = ${raced.id}`,
            ),
          { readOnly: true },
        );
        expect(held!.allocated).toBe(100);
        await ledgerHolds(s);
      }
    });

    it('refuses alike and changes nothing when it refuses', async () => {
      const operator = app.ctx.operator.id;
      const ids = await active(app.ctx.storage);
      const removedId = (await searchSuspense(app.ctx.storage, parse({ status: ['removed'], limit: 1 }), now))
        .rows[0]!.paymentId;
      const posted = app.ctx.ledger.sqlite
        .prepare(
          `SELECT p.id FROM payments p JOIN accounts a ON a.id = p.account_id
           WHERE a.is_suspense = 0 AND p.pay_type = 10012 AND p.id NOT IN (SELECT payment_id FROM reversals) LIMIT 1`,
        )
        .pluck()
        .get() as number;
      const one = (query: string): number => app.ctx.ledger.sqlite.prepare(query).pluck().get() as number;
      const recycledOriginal = one(
        `SELECT parent_payment_id FROM payments WHERE kind = 'recycled' ORDER BY id LIMIT 1`,
      );
      const replacement = one(
        `SELECT payment_id FROM suspense_queue WHERE root_id <> payment_id AND state IN ('suspended', 'partial', 'recycled')
         ORDER BY payment_id LIMIT 1`,
      );
      const removedCase = one(`SELECT root_id FROM suspense_queue WHERE state = 'removed' LIMIT 1`);
      for (const id of [recycledOriginal, replacement, removedCase, posted]) expect(id).toBeGreaterThan(0);
      const refusals = [
        (s: Storage) => recyclePayments(s, { paymentIds: [ids[0]!], reasonCode: 4002 }, now, operator),
        (s: Storage) =>
          recyclePayments(s, { paymentIds: [recycledOriginal], reasonCode: 4002 }, now, operator),
        (s: Storage) =>
          recyclePayments(s, { paymentIds: [posted], reasonCode: 4002, amount: '0.01' }, now, operator),
        (s: Storage) =>
          recyclePayments(s, { paymentIds: [posted], reasonCode: 4002, currency: 'JPY' }, now, operator),
        (s: Storage) => recyclePayments(s, { paymentIds: [posted], reasonCode: 4999 }, now, operator),
        (s: Storage) => reverseSuspenseCase(s, { paymentId: posted, reasonCode: 4102 }, now, operator),
        (s: Storage) => reverseSuspenseCase(s, { paymentId: replacement, reasonCode: 4102 }, now, operator),
        (s: Storage) => reverseSuspenseCase(s, { paymentId: removedCase, reasonCode: 4102 }, now, operator),
        (s: Storage) => reverseSuspenseCase(s, { paymentId: ids[0]!, reasonCode: 987_654 }, now, operator),
        // A reason of the wrong G/L (4002 maps to 113, removal needs 112).
        (s: Storage) => removeSuspended(s, { paymentId: ids[0]!, reasonCode: 4002 }, now, operator),
        (s: Storage) => removeSuspended(s, { paymentId: ids[0]!, reasonCode: 987_654 }, now, operator),
        (s: Storage) => removeSuspended(s, { paymentId: removedId, reasonCode: 4999 }, now, operator),
        (s: Storage) => removeSuspended(s, { paymentId: posted, reasonCode: 4999 }, now, operator),
        (s: Storage) => removeSuspended(s, { paymentId: 999_999, reasonCode: 4999 }, now, operator),
        (s: Storage) => changeReason(s, { paymentIds: [removedId], reasonCode: 2001 }, now, operator),
        (s: Storage) => changeReason(s, { paymentIds: [ids[0]!], reasonCode: 4999 }, now, operator),
        // One refused payment refuses the whole list: the first is not changed either.
        (s: Storage) =>
          changeReason(s, { paymentIds: [ids[0]!, removedId], reasonCode: 2001 }, now, operator),
      ];
      const before = await marks(app.ctx.storage);
      for (const [i, refuse] of refusals.entries()) {
        const here = await failure(refuse(app.ctx.storage));
        expect(here, `refusal ${i}`).not.toBe('no refusal');
        expect(here, `refusal ${i}`).toHaveProperty('code');
        expect(await failure(refuse(pg)), `refusal ${i}`).toEqual(here);
      }
      expect(await marks(app.ctx.storage)).toEqual(before);
      expect(await marks(pg)).toEqual(before);
    });

    it('folds the tally of old days alike and keeps every total', async () => {
      const later = new Date('2027-06-30T09:00:00Z');
      const totals = async (s: Storage) => {
        const r = await searchSuspense(s, parse({ limit: 1 }), later);
        return { total: r.total, totalsByCurrency: r.totalsByCurrency, byOwner: r.byOwner, byAge: r.byAge };
      };
      const beforeFold = await totals(app.ctx.storage);
      expect(await totals(pg)).toEqual(beforeFold);
      const ids = await active(app.ctx.storage);
      // A move half a year later folds every day older than the age buckets into one row per group.
      for (const [, s] of storages)
        await changeReason(s, { paymentIds: [ids[0]!], reasonCode: 2004 }, later, app.ctx.operator.id);
      const days = async (s: Storage) =>
        s.transaction(
          (tx) =>
            tx.all<{ enteredOn: string }>(
              sql`SELECT DISTINCT entered_on AS "enteredOn" FROM suspense_tally ORDER BY entered_on`,
            ),
          { readOnly: true },
        );
      const folded = await days(app.ctx.storage);
      expect(folded.map((d) => d.enteredOn)).toContain('0000-01-01');
      expect(folded.every((d) => d.enteredOn === '0000-01-01' || d.enteredOn >= '2027-03-22')).toBe(true);
      expect(await days(pg)).toEqual(folded);
      // The replacement takes the replaced payment's place in the active queue, with its amount and entry day.
      const afterFold = await totals(app.ctx.storage);
      expect(afterFold).toEqual(beforeFold);
      expect(await totals(pg)).toEqual(afterFold);
      for (const [, s] of storages) await ledgerHolds(s);
    });

    it.each([
      ['sqlite', () => app.ctx.storage],
      ['postgres', () => pg],
    ])('posts a raced removal or reason change once (%s)', async (_, storage) => {
      const s = storage();
      const operator = app.ctx.operator.id;
      const ids = await active(s);
      expect(ids.length).toBeGreaterThanOrEqual(2);
      // Eight analysts remove the same payment at once: one removal, seven refusals, one journal.
      const removals = await Promise.allSettled(
        Array.from({ length: 8 }, () =>
          removeSuspended(s, { paymentId: ids[0]!, reasonCode: 4999 }, now, operator),
        ),
      );
      expect(removals.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of removals.filter((x): x is PromiseRejectedResult => x.status === 'rejected'))
        expect(r.reason).toMatchObject({ error: { rule: 'not-in-suspense' } });
      // A removal and reason changes race for another payment: exactly one of them moves it.
      const moves = await Promise.allSettled([
        changeReason(s, { paymentIds: [ids[1]!], reasonCode: 2003 }, now, operator),
        removeSuspended(s, { paymentId: ids[1]!, reasonCode: 4999 }, now, operator),
        changeReason(s, { paymentIds: [ids[1]!], reasonCode: 2004 }, now, operator),
        removeSuspended(s, { paymentId: ids[1]!, reasonCode: 4999 }, now, operator),
      ]);
      expect(moves.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      // Four analysts recycle the same posted payment, four reverse the same case: each posts once.
      const first = async (query: SQL): Promise<number> =>
        (await s.transaction((tx) => tx.get<{ id: number }>(query), { readOnly: true }))!.id;
      const posted = await first(
        sql`SELECT p.id FROM payments p JOIN accounts a ON a.id = p.account_id
            WHERE a.is_suspense = 0 AND p.pay_type = 10012 AND p.parent_payment_id IS NULL
              AND p.id NOT IN (SELECT payment_id FROM reversals) ORDER BY p.id DESC LIMIT 1`,
      );
      const straight = await first(
        sql`SELECT payment_id AS id FROM suspense_queue WHERE state = 'suspended' AND root_id = payment_id
            ORDER BY payment_id DESC LIMIT 1`,
      );
      const recycles = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          recyclePayments(s, { paymentIds: [posted], reasonCode: 4002 }, now, operator),
        ),
      );
      expect(recycles.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const reverses = await Promise.allSettled(
        Array.from({ length: 4 }, () =>
          reverseSuspenseCase(s, { paymentId: straight, reasonCode: 4102 }, now, operator),
        ),
      );
      expect(reverses.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      // Four analysts apply or distribute the same suspended payment: it leaves suspense once.
      const target = await first(
        sql`SELECT id FROM accounts WHERE is_suspense = 0 AND status = 'active' AND currency = 'USD' ORDER BY id LIMIT 1`,
      );
      const accountNo = (await s.transaction((tx) =>
        tx.get<{ no: string }>(sql`SELECT account_no AS no FROM accounts WHERE id = ${target}`),
      ))!.no;
      const usdSuspended = await first(
        sql`SELECT q.payment_id AS id FROM suspense_queue q WHERE q.state = 'suspended' AND q.currency = 'USD'
            AND q.root_id = q.payment_id ORDER BY q.payment_id LIMIT 1`,
      );
      const applies = await Promise.allSettled([
        applySuspended(s, { paymentId: usdSuspended, accountNo }, now, operator),
        distributeSuspended(
          s,
          { paymentId: usdSuspended, targets: [{ accountNo, amount: '1.00' }] },
          now,
          operator,
        ),
        applySuspended(s, { paymentId: usdSuspended, accountNo }, now, operator),
        distributeSuspended(
          s,
          { paymentId: usdSuspended, targets: [{ accountNo, amount: '2.00' }] },
          now,
          operator,
        ),
      ]);
      expect(applies.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const journals = await s.transaction(
        (tx) =>
          tx.all<{ idemKey: string }>(
            sql`SELECT idem_key AS "idemKey" FROM journals
                WHERE idem_key IN (${`suspense:remove:${ids[0]!}`}, ${`suspense:remove:${ids[1]!}`}, ${`suspense:edit:${ids[1]!}`})`,
          ),
        { readOnly: true },
      );
      expect(journals).toHaveLength(2);
      await ledgerHolds(s);
    });

    it.each([
      ['sqlite', () => app.ctx.storage],
      ['postgres', () => pg],
    ])('refuses a posting past the money ceiling and rolls it back (%s)', async (_, storage) => {
      const s = storage();
      const before = await marks(s);
      const account = await s.transaction(
        (tx) =>
          tx.get<{ id: number; currency: string }>(
            sql`SELECT id, currency FROM accounts WHERE is_suspense = 0 ORDER BY id LIMIT 1`,
          ),
        { readOnly: true },
      );
      const at = now.toISOString();
      const audit = (await marks(s)).audit;
      // A credit of 2^53 (two lines, each within the limit) leaves the account's unallocated credit past it:
      // open items - balance >= 0 before, so at least 2^53 after.
      const refusedJournal = failure(
        s.transaction((tx) =>
          postJournalIn(tx, {
            kind: 'test',
            at,
            effectiveDate: at.slice(0, 10),
            idemKey: null,
            auditId: audit,
            lines: [
              { gl: 'AR', accountId: account!.id, amountMinor: -MAX, currency: account!.currency },
              { gl: 'AR', accountId: account!.id, amountMinor: -1, currency: account!.currency },
              { gl: 'CASH', accountId: null, amountMinor: MAX, currency: account!.currency },
              { gl: 'CASH', accountId: null, amountMinor: 1, currency: account!.currency },
            ],
          }),
        ),
      );
      expect(await refusedJournal).toMatchObject({ code: 'conflict', rule: 'amount-ceiling' });
      // Suspense may not hold more than the ceiling in a currency: a suspended payment of 2^53 - 1 on top of
      // what it holds is refused with its whole move.
      const ids = await active(s);
      const refusedMove = failure(
        s.transaction(async (tx) => {
          const p = await casePaymentIn(tx, ids[0]!);
          return suspenseMoveIn(
            tx,
            {
              at,
              operatorId: null,
              audit: { action: 'test.ceiling', entityId: String(p.id) },
              journal: {
                kind: 'test',
                effectiveDate: at.slice(0, 10),
                idemKey: null,
                lines: [
                  { gl: 'CASH', accountId: null, amountMinor: MAX, currency: p.currency },
                  { gl: 'SUSPENSE', accountId: null, amountMinor: -MAX, currency: p.currency },
                ],
              },
            },
            ({ journalId }) =>
              insertSuspendedIn(
                tx,
                {
                  kind: 'suspended',
                  status: 15,
                  reasonCode: 2007,
                  amountMinor: MAX,
                  currency: p.currency,
                  effectiveDate: at.slice(0, 10),
                  payType: p.payType,
                  channelId: p.channelId,
                  externalRef: null,
                  billNo: null,
                  accountHint: null,
                  actionOwner: null,
                  payerName: null,
                  batchId: null,
                  parentPaymentId: p.id,
                  sourceKey: `test:ceiling:${p.id}`,
                  journalId,
                  rootId: p.id,
                  state: 'suspended',
                  enteredOn: at.slice(0, 10),
                },
                at,
                null,
              ),
          );
        }),
      );
      expect(await refusedMove).toMatchObject({ code: 'conflict', rule: 'amount-ceiling' });
      expect(await marks(s)).toEqual(before);
      await ledgerHolds(s);
    });

    // Last in the file: a raced post on PostgreSQL uses up sequence values, so ids after it differ by design.
    it('posts a payment recorded by six clerks at once (a retried request) once on each database', async () => {
      const operator = app.ctx.operator.id;
      const accountNo = app.ctx.ledger.sqlite
        .prepare(
          `SELECT account_no FROM accounts WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 ORDER BY id LIMIT 1`,
        )
        .pluck()
        .get() as string;
      const input: RecordPaymentInput = {
        accountNo,
        amount: '3.00',
        payType: 10011,
        channelId: 0,
        allocate: 'auto',
        effectiveDate: '2026-11-30',
        sourceKey: 'both-rec-raced',
      };
      // Six clerks send the same payment at once (a retried request): it posts once, the others are told so.
      for (const [, s] of storages) {
        const results = await Promise.all(
          Array.from({ length: 6 }, () => recordPayment(s, input, now, operator)),
        );
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect(new Set(results.map((r) => r.paymentId)).size).toBe(1);
        const posted = await s.transaction(
          (tx) => tx.all(sql`SELECT id FROM journals WHERE idem_key = ${'payment:both-rec-raced'}`),
          { readOnly: true },
        );
        expect(posted).toHaveLength(1);
        await ledgerHolds(s);
      }
    });
  },
);
