import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import {
  allocateAccountCredit,
  applyAllocation,
  billPayments,
  paymentAllocations,
  undoAllocation,
  viewAllocation,
  type AllocateInput,
} from '../../src-main/ledger/allocation';
import { recordPayment } from '../../src-main/ledger/record-payment';
import type { AllocationViewDto } from '../../src-shared/dto/allocation';
import { alikeOn, answer, type Answer } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { freshApp } from '../helpers/ledger';
import { racing } from '../helpers/racing';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: the allocation commands (the dialog's view and its token, apply, undo, account credit, where a payment
// went and what paid a bill) run through the storage port. A demo ledger built on SQLite and copied to PostgreSQL
// answers alike, writes the same allocation rows, open amounts, statuses and audit rows, and refuses alike writing
// nothing. Clerks racing on one payment or account end as if one had gone after the other: nothing allocated
// twice, every item's open amount plus what is allocated to it unchanged.

const NOW = new Date('2026-11-23T09:00:00Z');
const UNDO_REASON = 4001;

type Db = { dialect: Dialect; storage: Storage };

/** What these commands can write, every row read the same way on both databases. */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      allocations: await tx.all(
        sql`SELECT id, payment_id AS "paymentId", account_id AS "accountId", bill_id AS "billId", item_id AS "itemId",
              amount_minor AS amount, rate_ppm AS "ratePpm", reverses_allocation_id AS reverses, created_at AS "createdAt",
              operator_id AS "operatorId" FROM allocations ORDER BY id`,
      ),
      items: await tx.all(sql`SELECT id, open_minor AS open, status FROM bill_items ORDER BY id`),
      bills: await tx.all(sql`SELECT id, amount_due_minor AS due, status FROM bills ORDER BY id`),
      payments: await tx.all(
        sql`SELECT id, account_id AS "accountId", kind, amount_minor AS amount, source_key AS "sourceKey"
            FROM payments ORDER BY id`,
      ),
      journals: await tx.get(sql`SELECT count(*) AS n, max(id) AS last FROM journals`),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after,
              reason_code AS "reasonCode" FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/**
 * An account's money as a race must leave it: per item and per bill, what is open plus what is allocated to it
 * (never changed by allocating or undoing), and what each payment has allocated.
 */
async function figures(storage: Storage, accountNo: string) {
  return storage.transaction(
    async (tx) => ({
      items: await tx.all<{ id: number; open: number; status: string; held: number }>(
        sql`SELECT i.id, i.open_minor AS open, i.status,
              i.open_minor + coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.item_id = i.id), 0) AS held
            FROM bill_items i JOIN accounts a ON a.id = i.account_id WHERE a.account_no = ${accountNo} ORDER BY i.id`,
      ),
      bills: await tx.all<{ id: number; due: number; status: string; held: number }>(
        sql`SELECT b.id, b.amount_due_minor AS due, b.status,
              b.amount_due_minor + coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.bill_id = b.id), 0) AS held
            FROM bills b JOIN accounts a ON a.id = b.account_id WHERE a.account_no = ${accountNo} ORDER BY b.id`,
      ),
      payments: await tx.all<{ id: number; amount: number; allocated: number; rows: number }>(
        sql`SELECT p.id, p.account_amount_minor AS amount,
              coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.payment_id = p.id), 0) AS allocated,
              (SELECT count(*) FROM allocations al WHERE al.payment_id = p.id) AS rows
            FROM payments p JOIN accounts a ON a.id = p.account_id WHERE a.account_no = ${accountNo} ORDER BY p.id`,
      ),
    }),
    { readOnly: true },
  );
}

type Figures = Awaited<ReturnType<typeof figures>>;

/** Open plus allocated is conserved per item and per bill; no payment allocates more than it holds or less than 0. */
function exact(before: Figures, after: Figures): void {
  expect(after.items.map((i) => [i.id, i.held])).toEqual(before.items.map((i) => [i.id, i.held]));
  expect(after.bills.map((b) => [b.id, b.held])).toEqual(before.bills.map((b) => [b.id, b.held]));
  for (const i of after.items) {
    expect(i.open).toBeGreaterThanOrEqual(0);
    expect(i.status).toBe(i.open === 0 ? 'closed' : 'open');
  }
  for (const p of after.payments) {
    expect(p.allocated).toBeGreaterThanOrEqual(0);
    expect(p.allocated).toBeLessThanOrEqual(p.amount);
  }
}

/** What a raced call ended as: applied (with the amount it moved), or the rule it was refused by. */
const outcome = (a: Answer): string | number =>
  'error' in a
    ? ((a.error as { rule?: string }).rule ?? a.error.code)
    : (a.value as { allocatedMinor: number }).allocatedMinor;

describe('allocation commands on both databases', () => {
  const dbs: Db[] = [];
  let app: ReturnType<typeof freshApp>;
  let disposePg: (() => Promise<void>) | undefined;
  let clerk: number;
  /** USD accounts with at least two open bills of paying bill units, each test its own. */
  let accounts: string[];

  beforeAll(async () => {
    app = freshApp(new Date('2026-11-22T09:00:00Z'));
    await value(app.dispatch('demo:load', { accounts: 60, seed: 17 }));
    clerk = app.ctx.operator.id;
    accounts = app.ctx.ledger.sqlite
      .prepare(
        `SELECT a.account_no FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
           AND (SELECT count(*) FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
                WHERE b.account_id = a.id AND b.status = 'open' AND u.paying = 1 AND b.amount_due_minor >= 2000) >= 2
           AND NOT EXISTS (SELECT 1 FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
                WHERE b.account_id = a.id AND b.status = 'open' AND u.paying = 0)
         ORDER BY a.id LIMIT 8`,
      )
      .pluck()
      .all() as string[];
    expect(accounts).toHaveLength(8);
    dbs.push({ dialect: 'sqlite', storage: app.ctx.storage });
    if (STORAGES[1]!.available) {
      const pg = await freshPostgres();
      disposePg = pg.dispose;
      await copyToPostgres(app.ctx.ledger.sqlite, pg.storage);
      dbs.push({ dialect: 'postgres', storage: pg.storage });
    }
  }, 180_000);
  afterAll(async () => {
    await disposePg?.();
    app?.dispose();
  });

  const { same, refused } = alikeOn(dbs, written);

  /** A payment recorded on the account without allocating it (the same source key on each database). */
  const record = (storage: Storage, accountNo: string, amount: string, key: string) =>
    recordPayment(
      storage,
      { accountNo, amount, payType: 10012, channelId: 0, allocate: 'none', sourceKey: key },
      NOW,
      clerk,
    ).then((r) => r.paymentId);

  const apply = (storage: Storage, input: AllocateInput) => applyAllocation(storage, input, NOW, clerk);
  const undo = (storage: Storage, paymentId: number) =>
    undoAllocation(storage, { paymentId, reasonCode: UNDO_REASON }, NOW, clerk);
  const credit = (storage: Storage, accountNo: string) =>
    allocateAccountCredit(storage, { accountNo, policy: 'fifo' }, NOW, clerk);

  it('views, applies by lines and by policy, shows history, undoes and allocates credit alike', async () => {
    const accountNo = accounts[0]!;
    const answers = await same(async ({ storage }) => {
      const out: Record<string, unknown> = {};
      const view = await viewAllocation(storage, { accountNo: ` ${accountNo.toLowerCase()} ` });
      const [b1, b2] = view.bills;
      const paymentId = await record(
        storage,
        accountNo,
        ((b1!.amountDueMinor + 250) / 100).toFixed(2),
        'ab-1',
      );
      out.view = view;
      out.ofPayment = await viewAllocation(storage, { paymentId });
      out.manual = await apply(storage, {
        paymentId,
        bills: [{ billNo: b1!.billNo, amount: '1.00' }],
        items: [{ itemNo: b2!.items[0]!.itemNo, amount: '0.50' }],
        token: (out.ofPayment as AllocationViewDto).token,
      });
      out.fifo = await apply(storage, { paymentId, policy: 'fifo' });
      out.went = await paymentAllocations(storage, paymentId);
      out.paid = await billPayments(storage, ` ${b1!.billNo} `);
      out.undone = await undo(storage, paymentId);
      out.wentAfterUndo = await paymentAllocations(storage, paymentId);
      out.credit = await credit(storage, accountNo);
      out.after = await viewAllocation(storage, { accountNo });
      return out;
    });
    const view = answers.view as AllocationViewDto;
    expect(view.bills.length).toBeGreaterThanOrEqual(2);
    expect(answers.manual).toMatchObject({ allocatedMinor: 150, outcome: 'manual' });
    expect(answers.fifo).toMatchObject({ matchedBy: 'fifo', unallocatedMinor: 0 });
    expect(answers.undone).toMatchObject({
      outcome: 'undone',
      allocatedMinor: -(view.bills[0]!.amountDueMinor + 250),
    });
    expect((answers.wentAfterUndo as { reversal: boolean }[]).some((r) => r.reversal)).toBe(true);
    expect((answers.credit as { allocatedMinor: number }).allocatedMinor).toBeGreaterThanOrEqual(
      view.bills[0]!.amountDueMinor + 250,
    );
    expect((answers.after as AllocationViewDto).token).not.toBe(view.token);
    const rows = await same(({ storage }) => written(storage));
    const actions = rows.audit.map((a) => (a as { action: string }).action);
    const posted = actions.lastIndexOf('payment.post');
    // The credit run audits one apply per payment it allocated.
    expect(actions.slice(posted, posted + 5)).toEqual([
      'payment.post',
      'allocation.apply',
      'allocation.apply',
      'allocation.undo',
      'allocation.apply',
    ]);
    expect(new Set(actions.slice(posted + 4))).toEqual(new Set(['allocation.apply']));
  });

  it('refuses alike, writing nothing', async () => {
    const [accountNo, otherNo] = [accounts[1]!, accounts[2]!];
    const { paymentId, view, other } = await same(async ({ storage }) => ({
      paymentId: await record(storage, accountNo, '30.00', 'ab-2'),
      view: await viewAllocation(storage, { accountNo }),
      other: await viewAllocation(storage, { accountNo: otherNo }),
    }));
    const item = view.bills[0]!.items[0]!;
    const refusals: [string, (s: Storage) => Promise<unknown>][] = [
      ['unknown account', (s) => viewAllocation(s, { accountNo: 'NOPE-1' })],
      ['unknown payment', (s) => viewAllocation(s, { paymentId: 99_999_999 })],
      ['stale token', (s) => apply(s, { paymentId, policy: 'fifo', token: '1.1' })],
      [
        'over the item',
        (s) =>
          apply(s, {
            paymentId,
            items: [{ itemNo: item.itemNo, amount: ((item.openMinor + 1) / 100).toFixed(2) }],
          }),
      ],
      [
        'over the payment',
        (s) => apply(s, { paymentId, bills: [{ billNo: view.bills[0]!.billNo, amount: '30.01' }] }),
      ],
      ['unknown bill', (s) => apply(s, { paymentId, bills: [{ billNo: 'NO-SUCH-BILL', amount: '1.00' }] })],
      [
        'another account',
        (s) => apply(s, { paymentId, items: [{ itemNo: other.bills[0]!.items[0]!.itemNo, amount: '1.00' }] }),
      ],
      ['not positive', (s) => apply(s, { paymentId, items: [{ itemNo: item.itemNo, amount: '0.00' }] })],
      ['unknown payment to apply', (s) => apply(s, { paymentId: 99_999_999, policy: 'fifo' })],
      ['nothing to undo', (s) => undo(s, paymentId)],
      ['unknown reason', (s) => undoAllocation(s, { paymentId, reasonCode: 999_999 }, NOW, clerk)],
      ['history of no payment', (s) => paymentAllocations(s, 99_999_999)],
      ['payments of no bill', (s) => billPayments(s, 'NO-SUCH-BILL')],
      ['credit of no account', (s) => credit(s, 'NOPE-1')],
    ];
    const errors: Record<string, unknown> = {};
    for (const [what, call] of refusals) errors[what] = await refused(({ storage }) => call(storage));
    expect(errors).toMatchObject({
      'unknown account': { code: 'not_found', entity: 'account' },
      'unknown payment': { code: 'not_found', entity: 'payment' },
      'stale token': { code: 'conflict', rule: 'stale' },
      'over the item': { code: 'conflict', rule: 'over-allocation' },
      'over the payment': { code: 'conflict', rule: 'over-allocation' },
      'unknown bill': { code: 'not_found', entity: 'bill' },
      'another account': { code: 'conflict', rule: 'other-account' },
      'not positive': { code: 'validation' },
      'unknown payment to apply': { code: 'not_found', entity: 'payment' },
      'nothing to undo': { code: 'conflict', rule: 'nothing-to-undo' },
      'unknown reason': { code: 'validation' },
      'history of no payment': { code: 'not_found' },
      'payments of no bill': { code: 'not_found', entity: 'bill' },
      'credit of no account': { code: 'not_found', entity: 'account' },
    });
    // Fully allocated, the same payment is refused as having nothing left.
    await same(({ storage }) => apply(storage, { paymentId, policy: 'fifo' }));
    expect(await refused(({ storage }) => apply(storage, { paymentId, policy: 'fifo' }))).toMatchObject({
      rule: 'nothing-to-allocate',
    });
  });

  // The races below run after the alike suite: on PostgreSQL a retried transaction has used up identity values, so
  // they compare outcomes and figures, not ids.

  type Raced = { outcomes: (string | number)[]; moved: number[] };

  /**
   * Runs a race on each database and checks each ends exact; answers what `judge` makes of each end (alike on
   * both: where either order may win, the judge names the serial order it matches, not who won).
   */
  const race = <T, J>(
    parties: number,
    setup: (s: Storage) => Promise<T>,
    calls: (s: Storage, t: T) => Promise<unknown>[],
    accountNo: string,
    judge: (r: Raced) => J,
  ) =>
    same(async ({ dialect, storage }) => {
      const t = await setup(storage);
      const before = await figures(storage, accountNo);
      // Each is held after its first query (the payment or the reason code read) until all have got there: on
      // PostgreSQL every one has its snapshot before any commits, so without serializable isolation each would
      // write from the state it read.
      const r = racing(storage, parties, { holdAt: 2 });
      const outcomes = (await Promise.all(calls(r.storage, t).map((p) => answer(p)))).map(outcome);
      const after = await figures(storage, accountNo);
      exact(before, after);
      // On PostgreSQL the losers were aborted and retried; on SQLite the transactions ran one after another.
      if (dialect === 'postgres') expect(r.attempts()).toBeGreaterThan(parties);
      else expect(r.attempts()).toBe(parties);
      return judge({
        outcomes: [...outcomes].sort(),
        moved: after.payments.map((p, i) => p.allocated - (before.payments[i]?.allocated ?? 0)),
      });
    });

  const asIs = (r: Raced): Raced => r;

  it('two clerks applying the same payment at once: one applies, the other finds it allocated', async () => {
    const accountNo = accounts[3]!;
    const tokened = await race(
      2,
      async (s) => {
        const paymentId = await record(s, accountNo, '12.34', 'ab-race-1');
        return { paymentId, token: (await viewAllocation(s, { paymentId })).token };
      },
      (s, { paymentId, token }) => [
        apply(s, { paymentId, policy: 'fifo', token }),
        apply(s, { paymentId, policy: 'fifo', token }),
      ],
      accountNo,
      asIs,
    );
    expect(tokened.outcomes).toEqual([1234, 'stale']);
    expect(tokened.moved.at(-1)).toBe(1234);

    const untokened = await race(
      2,
      (s) => record(s, accountNo, '7.00', 'ab-race-2'),
      (s, paymentId) => [apply(s, { paymentId, policy: 'fifo' }), apply(s, { paymentId, policy: 'fifo' })],
      accountNo,
      asIs,
    );
    expect(untokened.outcomes).toEqual([700, 'nothing-to-allocate']);
    expect(untokened.moved.at(-1)).toBe(700);
  }, 60_000);

  it('two payments applied on one account with the token of one dialog: the second is refused as stale', async () => {
    const accountNo = accounts[4]!;
    const r = await race(
      2,
      async (s) => {
        const first = await record(s, accountNo, '5.00', 'ab-race-3a');
        const second = await record(s, accountNo, '6.00', 'ab-race-3b');
        return { first, second, token: (await viewAllocation(s, { accountNo })).token };
      },
      (s, { first, second, token }) => [
        apply(s, { paymentId: first, policy: 'fifo', token }),
        apply(s, { paymentId: second, policy: 'fifo', token }),
      ],
      accountNo,
      // Either may win on PostgreSQL: the winner allocated all of its payment, the other nothing.
      ({ outcomes, moved }) => ({
        outcomes: outcomes.map((o) => (typeof o === 'number' ? 'applied' : o)),
        moved: moved.slice(-2).every((m, i) => m === 0 || m === [500, 600][i]),
        once: moved.slice(-2).reduce((a, m) => a + m, 0) === outcomes.find((o) => o !== 'stale'),
      }),
    );
    expect(r).toEqual({ outcomes: ['applied', 'stale'], moved: true, once: true });
  }, 60_000);

  it('apply and undo of one payment at once end as one after the other', async () => {
    const accountNo = accounts[5]!;
    const r = await race(
      2,
      async (s) => {
        const paymentId = await record(s, accountNo, '20.00', 'ab-race-4');
        const view = await viewAllocation(s, { accountNo });
        await apply(s, { paymentId, items: [{ itemNo: view.bills[1]!.items[0]!.itemNo, amount: '4.00' }] });
        return paymentId;
      },
      (s, paymentId) => [apply(s, { paymentId, policy: 'fifo' }), undo(s, paymentId)],
      accountNo,
      ({ outcomes, moved }) => {
        const end = JSON.stringify({ outcomes, moved: moved.at(-1) });
        // Apply then undo: 16.00 applied, then all 20.00 undone. Undo then apply: 4.00 undone, then 20.00 applied.
        if (end === JSON.stringify({ outcomes: [-2000, 1600].sort(), moved: -400 })) return 'serial';
        if (end === JSON.stringify({ outcomes: [-400, 2000].sort(), moved: 1600 })) return 'serial';
        return end;
      },
    );
    expect(r).toBe('serial');
  }, 60_000);

  it('two undos of one payment at once: one unwinds, the other finds nothing to undo', async () => {
    const accountNo = accounts[6]!;
    const r = await race(
      2,
      async (s) => {
        const paymentId = await record(s, accountNo, '9.99', 'ab-race-5');
        await apply(s, { paymentId, policy: 'fifo' });
        return paymentId;
      },
      (s, paymentId) => [undo(s, paymentId), undo(s, paymentId)],
      accountNo,
      asIs,
    );
    expect(r.outcomes).toEqual([-999, 'nothing-to-undo']);
    expect(r.moved.at(-1)).toBe(-999);
  }, 60_000);

  it('account credit twice at once: the credit is allocated once', async () => {
    const accountNo = accounts[7]!;
    const r = await race(
      2,
      async (s) => {
        await record(s, accountNo, '3.00', 'ab-race-6a');
        await record(s, accountNo, '4.00', 'ab-race-6b');
        return (await viewAllocation(s, { accountNo })).unallocatedMinor;
      },
      (s) => [credit(s, accountNo), credit(s, accountNo)],
      accountNo,
      asIs,
    );
    expect(r.outcomes[0]).toBe(0);
    expect(r.outcomes[1]).toBeGreaterThanOrEqual(700);
    expect(r.moved.reduce((s, m) => s + m, 0)).toBe(r.outcomes[1]);
  }, 60_000);
});
