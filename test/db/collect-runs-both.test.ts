import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txnSetResultQuery } from '../../db/repos/processor-txns';
import type { Dialect, Storage } from '../../db/storage/port';
import { stepsIn } from '../../db/storage/steps';
import type { PaymentProcessor, RfrReply } from '../../src-main/processors/port';
import { selectCollectSteps } from '../../src-main/services/processors/collect';
import { findProcessorIn } from '../../src-main/services/processors/config';
import { resolveRecovery, type ResolveInput } from '../../src-main/services/processors/recovery';
import { reserveTxnsIn, type TxnDraft } from '../../src-main/services/processors/txns';
import { confirmOperation, prepareConfirmation } from '../../src-main/services/confirmations/confirmations';
import type { RecoveryResultDto } from '../../src-shared/dto/processors';
import { alikeOn, answer } from '../helpers/alike';
import { seedCardDesk } from '../helpers/card-desk';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17: a collection run's selection and the decline policy behind the storage port. The selection (window,
// minimum, open checkpoints, suspension, never-retry tokens, card-network caps, merchants) is read in one port
// transaction and answers alike on SQLite and PostgreSQL, so a collection is previewed and confirmed on both with the
// same hash. A run's declined record resolved by Recovery goes through the decline policy on the port: soft → a retry
// and a suspension, hard or exhausted → the fallback pay type, each with its workflow item and failed-payment fee, the
// same rows on both; two analysts resolving the same declines at once apply each once.

const NOW = new Date('2026-12-07T09:00:00Z');
const AT = NOW.toISOString();
const YESTERDAY = '2026-12-06T22:00:00.000Z';
const WINDOW = { start: '2026-11-01', end: '2026-11-02' };

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; lead: number };

const ROWS = STORAGES.filter((r) => r.available);

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
  token: 'T-none',
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
 * Eight card accounts, each with an open 30.00 bill dated 2026-11-01, and what makes a run skip some of them:
 * C-1 and C-8 are collected, C-2 is suspended, C-3 has no card, C-4's card was declined never-retry, C-5's bill has an
 * open checkpoint, C-6's Mastercard is at its 24-hour cap, C-7's bill is under the minimum. Answers the account ids.
 */
async function seedSelection(storage: Storage, lead: number): Promise<Map<string, { a: number; b: number }>> {
  return storage.transaction(async (tx) => {
    const nos = ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6', 'C-7', 'C-8'];
    await seedCardDesk(tx, nos, AT);
    const ids = new Map(
      (
        await tx.all<{ no: string; a: number; b: number }>(
          sql`SELECT a.account_no AS no, a.id AS a, b.id AS b FROM accounts a JOIN bills b ON b.account_id = a.id`,
        )
      ).map((r) => [r.no, { a: r.a, b: r.b }]),
    );
    const brand = (no: string): string => (no === 'C-6' ? 'MC' : 'VI');
    for (const no of nos.filter((n) => n !== 'C-3'))
      await tx.run(
        sql`INSERT INTO payment_methods (account_id, type, token, mask, brand, expiry, is_default, verification, created_at)
            VALUES (${ids.get(no)!.a}, 'card', ${`T-${no}`}, '4242', ${brand(no)}, '12/29', 1, 'verified', ${AT})`,
      );
    await tx.run(
      sql`INSERT INTO collection_states (account_id, retries_used, suspended_until, updated_at)
          VALUES (${ids.get('C-2')!.a}, 1, '2026-12-20', ${AT})`,
    );
    const [declined] = await reserveTxnsIn(
      tx,
      [draft('k0-old-4', ids.get('C-4')!.a, null, { token: 'T-C-4' })],
      YESTERDAY,
      lead,
    );
    await tx.run(txnSetResultQuery(declined!, 5, null));
    await reserveTxnsIn(
      tx,
      [draft('k0-open-5', ids.get('C-5')!.a, ids.get('C-5')!.b, { token: 'T-C-5' })],
      YESTERDAY,
      lead,
    );
    const [attempt] = await reserveTxnsIn(
      tx,
      [draft('k0-mc-6', ids.get('C-6')!.a, null, { token: 'T-C-6', brand: 'MC' })],
      YESTERDAY,
      lead,
    );
    await tx.run(txnSetResultQuery(attempt!, 0, null));
    await tx.run(sql`INSERT INTO settings (key, value) VALUES ('collect.mastercardCap24h', '1')`);
    await tx.run(sql`UPDATE bills SET amount_due_minor = 150 WHERE id = ${ids.get('C-7')!.b}`);
    return ids;
  });
}

/** Every row a selection, a confirmation or a decline could write (settled_at is the reply's wall clock). */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      txns: await tx.all(
        sql`SELECT id, idem_key, command, run_id, account_id, bill_id, amount_minor, result, fee_bill_id, payment_id
            FROM processor_txns ORDER BY id`,
      ),
      states: await tx.all(
        sql`SELECT account_id, retries_used, suspended_until, last_result, updated_at FROM collection_states
            ORDER BY account_id`,
      ),
      workflow: await tx.all(
        sql`SELECT id, account_id, kind, txn_id, message, status, created_at FROM workflow_items ORDER BY id`,
      ),
      units: await tx.all(sql`SELECT id, account_id, pay_type FROM bill_units ORDER BY id`),
      accounts: await tx.all(
        sql`SELECT id, account_no, default_pay_type, balance_minor FROM accounts ORDER BY id`,
      ),
      bills: await tx.all(
        sql`SELECT id, bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor,
              status FROM bills ORDER BY id`,
      ),
      items: await tx.all(
        sql`SELECT id, item_no, bill_id, account_id, type, amount_minor, open_minor, status FROM bill_items ORDER BY id`,
      ),
      journals: await tx.all(
        sql`SELECT id, kind, at, effective_date, idem_key, audit_id FROM journals ORDER BY id`,
      ),
      lines: await tx.all(
        sql`SELECT journal_id, gl_account, account_id, amount_minor, currency FROM journal_lines ORDER BY id`,
      ),
      confirmations: await tx.all(sql`SELECT id, operation, status, hash FROM confirmations ORDER BY id`),
      audit: await tx.all<{ action: string }>(
        sql`SELECT id, at, operator_id, action, entity, entity_id, before, after FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

describe("a collection run's selection on both databases", () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      const { lead } = await addOperators(storage, { lead: ['supervisor'] }, NOW);
      await seedSelection(storage, lead);
      dbs.push({ dialect: row.dialect, storage, dispose, lead });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);

  it('selects alike: what is sent, and what is skipped and why', async () => {
    const picks = await same(({ storage }) =>
      storage.transaction(
        async (tx) => stepsIn(tx, selectCollectSteps(NOW, await findProcessorIn(tx), WINDOW)),
        { readOnly: true },
      ),
    );
    expect(picks.window).toEqual(WINDOW);
    expect(picks.rows.map((r) => [r.accountNo, r.token, r.merchant, r.amountMinor])).toEqual([
      ['C-1', 'T-C-1', 'Desk', 3000],
      ['C-8', 'T-C-8', 'Desk', 3000],
    ]);
    expect(picks.skipped).toEqual({
      suspended: 1,
      noPaymentMethod: 1,
      neverRetry: 1,
      openCheckpoint: 1,
      networkCap: 1,
      belowMinimum: 1,
    });
    // Every outstanding bill with rebill: the window is not applied, the skips are the same.
    const rebill = await same(({ storage }) =>
      storage.transaction(
        async (tx) => stepsIn(tx, selectCollectSteps(NOW, await findProcessorIn(tx), { rebill: true })),
        { readOnly: true },
      ),
    );
    expect(rebill.window).toEqual({ start: null, end: null });
    expect(rebill.rows).toEqual(picks.rows);
  });

  it('prepares and confirms a collection alike (same hash); a second confirm is refused alike', async () => {
    const prepared = await same(async ({ storage, lead }) => {
      const c = await prepareConfirmation(storage, 'collect:run', WINDOW, NOW, lead);
      return { ...c, id: undefined };
    });
    expect(prepared).toMatchObject({
      operation: 'collect:run',
      required: true,
      processor: 'sim',
      count: 2,
      totals: [{ currency: 'USD', amountMinor: 6000 }],
      skipped: {
        suspended: 1,
        networkCap: 1,
        openCheckpoint: 1,
        neverRetry: 1,
        belowMinimum: 1,
        noPaymentMethod: 1,
      },
    });
    const input = { ...WINDOW, confirmationId: 1 };
    const ref = await same(({ storage, lead }) => confirmOperation(storage, 'collect:run', input, NOW, lead));
    expect(ref).toMatchObject({ id: 1, hash: prepared.hash, count: 2 });
    // The refusal is recorded (audited) alike and answered.
    expect(
      await same(({ storage, lead }) => answer(confirmOperation(storage, 'collect:run', input, NOW, lead))),
    ).toMatchObject({ error: { code: 'conflict', rule: 'confirmation-used' } });
    const after = await same(({ storage }) => tables(storage));
    expect(after.audit.map((a) => a.action)).toEqual([
      'confirmation.prepare',
      'confirmation.confirm',
      'confirmation.refuse',
    ]);
  });

  it('refuses a window that ends before it starts alike, writing nothing', async () => {
    expect(
      await refused(({ storage, lead }) =>
        prepareConfirmation(storage, 'collect:run', { start: '2026-11-05', end: '2026-11-01' }, NOW, lead),
      ),
    ).toMatchObject({ code: 'validation' });
  });
});

/** A processor that answers a request for response with the result each key ends in (`-r7` → 7). */
function declining(): PaymentProcessor {
  return {
    requestForResponse: (keys: readonly string[]): Promise<RfrReply[]> =>
      Promise.resolve(
        keys.map((k) => ({
          known: true as const,
          idemKey: k,
          result: Number(/-r(\d+)$/.exec(k)![1]),
          authCode: '',
          processorRef: `ref-${k}`,
        })),
      ),
  } as unknown as PaymentProcessor;
}

/**
 * A run killed after sending (its records still checkpoints) whose answers are declines: C-1 soft (7), C-2 hard
 * never-retry (5) on two bills (one retry and one fallback, each with its fee), C-3 a communication failure (1), C-4
 * the admin's code 51 (soft, here with no retries: exhausted), C-5 an unknown code (99, a processor error). The failed-payment
 * fee is 5.00.
 */
async function seedDeclines(storage: Storage, lead: number): Promise<void> {
  await storage.transaction(async (tx) => {
    await seedCardDesk(tx, ['C-1', 'C-2', 'C-3', 'C-4', 'C-5'], AT);
    await tx.run(sql`INSERT INTO settings (key, value) VALUES ('collect.failedPaymentFeeMinor', '500')`);
    await tx.run(sql`UPDATE rejection_codes SET max_retries = 0 WHERE code = '51'`);
    await tx.run(
      sql`INSERT INTO collect_runs (kind, processor_id, window_start, window_end, options_json, status, selected,
            started_at, operator_id)
          VALUES ('collect', 1, '2026-12-06', '2026-12-07', '{}', 'failed', 6, ${YESTERDAY}, ${lead})`,
    );
    const ids = new Map(
      (
        await tx.all<{ no: string; a: number; b: number; u: number }>(
          sql`SELECT a.account_no AS no, a.id AS a, b.id AS b, b.bill_unit_id AS u FROM accounts a
              JOIN bills b ON b.account_id = a.id`,
        )
      ).map((r) => [r.no, r]),
    );
    const c2 = ids.get('C-2')!;
    await tx.run(
      sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
            amount_due_minor, status)
          VALUES ('B-C-2b', ${c2.u}, ${c2.a}, '2026-11-15', '2026-12-15', 'USD', 1000, 1000, 'open')`,
    );
    const second = (await tx.get<{ id: number }>(sql`SELECT id FROM bills WHERE bill_no = 'B-C-2b'`))!.id;
    const batch = { runId: 1, batchKey: 'k0-R1-Desk-1' };
    const at = (no: string, result: number, bill = ids.get(no)!.b) =>
      draft(`k0-col-1-${bill}-r${result}`, ids.get(no)!.a, bill, { ...batch, token: `T-${no}` });
    await reserveTxnsIn(
      tx,
      [at('C-1', 7), at('C-2', 5), at('C-2', 5, second), at('C-3', 1), at('C-4', 51), at('C-5', 99)],
      YESTERDAY,
      lead,
    );
  });
}

describe("a run's declines resolved through the decline policy on both databases", () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      const { lead } = await addOperators(storage, { lead: ['supervisor'] }, NOW);
      await seedDeclines(storage, lead);
      dbs.push({ dialect: row.dialect, storage, dispose, lead });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same } = alikeOn(dbs, tables);

  it('soft → retry and suspension, hard or exhausted → fallback, each with its item and fee: the same rows', async () => {
    const out = await same(({ storage, lead }) =>
      resolveRecovery(storage, 'unused', { action: 'rfr', command: 'condition' }, NOW, lead, {
        portFor: () => declining(),
      }),
    );
    expect(out).toMatchObject({ examined: 6, settled: 6, posted: 0, stillOpen: 0 });
    const rows = await same(({ storage }) => tables(storage));
    expect(rows.txns.map((t) => (t as { result: number }).result)).toEqual([7, 5, 5, 1, 51, 99]);
    // Every financial decline carries its own fee bill; the communication failure and the processor error none.
    expect(rows.txns.map((t) => (t as { fee_bill_id: number | null }).fee_bill_id !== null)).toEqual([
      true,
      true,
      true,
      false,
      true,
      false,
    ]);
    expect(rows.workflow.map((w) => (w as { kind: string }).kind)).toEqual([
      'soft-decline',
      'hard-decline',
      'retries-exhausted',
      'processor-error',
    ]);
    expect(
      rows.states.map((s) => {
        const r = s as { retries_used: number; suspended_until: string | null; last_result: number };
        return [r.retries_used, r.suspended_until, r.last_result];
      }),
    ).toEqual([
      [1, '2026-12-12', 7],
      [0, null, 5],
      [0, null, 1],
      [0, null, 51],
      [0, null, 99],
    ]);
    // C-2 and C-4 fell back to manual pay (10001); the others stay on card.
    expect(rows.units.map((u) => (u as { pay_type: number }).pay_type)).toEqual([
      10003, 10001, 10003, 10001, 10003,
    ]);
    expect(rows.bills.filter((b) => (b as { bill_no: string }).bill_no.startsWith('FEE-'))).toHaveLength(4);
    expect(rows.journals.map((j) => (j as { kind: string }).kind)).toEqual(
      Array(4).fill('failed_payment_fee'),
    );
    expect(rows.audit.map((a) => a.action)).toEqual([
      'collect.failed-payment-fee',
      'collect.fallback',
      'collect.failed-payment-fee',
      'collect.failed-payment-fee',
      'collect.fallback',
      'collect.failed-payment-fee',
      'recovery.rfr',
    ]);
  });
});

describe('two analysts resolving the same declines at once, on both databases', () => {
  for (const row of ROWS) {
    it(`${row.dialect}: each decline is applied once (one item, one fee, one retry)`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const { lead } = await addOperators(storage, { lead: ['supervisor'] }, NOW);
        await seedDeclines(storage, lead);
        const input: ResolveInput = { action: 'rfr', command: 'condition' };
        // Each outcome transaction is held after its first statement until both have begun.
        const r = racing(storage, 2, { holdAt: 2, writesOnly: true });
        const both = await Promise.all(
          [1, 2].map(() =>
            answer(resolveRecovery(r.storage, 'unused', input, NOW, lead, { portFor: () => declining() })),
          ),
        );
        expect(both.map((a) => (a as { value: RecoveryResultDto }).value.settled).sort()).toEqual([0, 6]);
        const rows = await tables(storage);
        expect(rows.workflow).toHaveLength(4);
        expect(rows.bills.filter((b) => (b as { bill_no: string }).bill_no.startsWith('FEE-'))).toHaveLength(
          4,
        );
        expect(rows.journals).toHaveLength(4);
        expect(rows.states.map((s) => (s as { retries_used: number }).retries_used)).toEqual([1, 0, 0, 0, 0]);
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});

describe("two analysts resolving two declines of one account's run at once, on both databases", () => {
  for (const row of ROWS) {
    it(`${row.dialect}: as one after the other: one fallback and its item, a fee for each`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const { lead } = await addOperators(storage, { lead: ['supervisor'] }, NOW);
        await seedDeclines(storage, lead);
        // C-2's two hard declines (records 2 and 3), one analyst each; each outcome is held after its first
        // statement (its own record answered) until both have got there.
        const r = racing(storage, 2, { holdAt: 2, writesOnly: true });
        const both = await Promise.all(
          [2, 3].map((id) =>
            answer(
              resolveRecovery(r.storage, 'unused', { action: 'rfr', txnIds: [id] }, NOW, lead, {
                portFor: () => declining(),
              }),
            ),
          ),
        );
        expect(both.map((a) => (a as { value: RecoveryResultDto }).value.settled)).toEqual([1, 1]);
        const rows = await tables(storage);
        expect(rows.workflow.map((w) => (w as { kind: string }).kind)).toEqual(['hard-decline']);
        expect(
          rows.audit
            .map((a) => a.action)
            .filter((a) => a.startsWith('collect.'))
            .sort(),
        ).toEqual(['collect.failed-payment-fee', 'collect.failed-payment-fee', 'collect.fallback']);
        expect(rows.journals).toHaveLength(2);
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});
