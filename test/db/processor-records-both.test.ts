import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage, Tx, TxOptions } from '../../db/storage/port';
import {
  ProcessorTransportError,
  type PaymentProcessor,
  type ProcessorReply,
  type ProcessorRequestItem,
} from '../../src-main/processors/port';
import { addMethod, validateMethod } from '../../src-main/services/processors/methods';
import {
  cancelPayment,
  confirmPayment,
  listPending,
  preparePayment,
} from '../../src-main/services/processors/one-off';
import { recoveryShow } from '../../src-main/services/processors/recovery';
import { refundTransaction } from '../../src-main/services/processors/refunds';
import type { OperatorDto } from '../../src-shared/dto/app';
import type { PendingPaymentDto, RefundResultDto } from '../../src-shared/dto/processors';
import { alikeOn, answer, failure } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { seedCardDesk } from '../helpers/card-desk';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17: processor records, validations, one-off payments and online refunds run through the storage port. The
// same calls on SQLite and PostgreSQL answer alike and write the same records, payments, journals, allocations,
// reversals and audit rows; refusals are alike and write nothing; the processor is asked with no transaction open.
// Races end as one after the other would: a payment confirmed twice at once is charged and posted once, two refunds
// of a charge's last 10.00 at once refund it once, and a cancel and a confirm at once leave one of them done.

const NOW = new Date('2026-12-07T09:00:00Z');
const CARD_TOKEN = 'T4000000000000002';

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; clerk: OperatorDto };

const ROWS = STORAGES.filter((r) => r.available);

/**
 * The storage with a count of the transactions open on it: the fake processor checks that none is open when it is
 * asked (a processor call inside a serializable transaction would be repeated by a retry).
 */
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

/** A processor approving everything (or answering as told), noting each request and the transactions then open. */
function fakeProcessor(
  open: () => number,
  answer: (item: ProcessorRequestItem) => Partial<ProcessorReply> = () => ({}),
): { port: PaymentProcessor; asked: { kind: string; item: ProcessorRequestItem; open: number }[] } {
  const asked: { kind: string; item: ProcessorRequestItem; open: number }[] = [];
  const reply =
    (kind: string) =>
    (item: ProcessorRequestItem): Promise<ProcessorReply> => {
      asked.push({ kind, item, open: open() });
      // Answered after a turn, as a network call would be: a racing transaction may run meanwhile.
      return new Promise((resolve) =>
        setTimeout(
          () =>
            resolve({
              idemKey: item.idemKey,
              result: 0,
              authCode: 'A1',
              processorRef: `ref-${item.idemKey}`,
              ...answer(item),
            }),
          5,
        ),
      );
    };
  const port = {
    validate: reply('validate'),
    authorize: reply('authorize'),
    sale: reply('sale'),
    refund: reply('refund'),
  } as unknown as PaymentProcessor;
  return { port, asked };
}

/** An operator, a processor, a fixed key prefix, and a USD account with a 30.00 bill and a card. */
async function seed(storage: Storage): Promise<OperatorDto> {
  const { clerk } = await addOperators(storage, { clerk: ['clerk', 'supervisor'] }, NOW);
  await storage.transaction(async (tx) => {
    const at = NOW.toISOString();
    await seedCardDesk(tx, ['C-100', 'C-200', 'R-300', 'R-400', 'R-500'], at);
  });
  for (const no of ['C-100', 'C-200', 'R-300', 'R-400', 'R-500'])
    await addMethod(
      storage,
      { accountNo: no, type: 'card', token: CARD_TOKEN, brand: 'VI', expiry: '12/29', isDefault: true },
      NOW,
      clerk,
    );
  return { id: clerk, login: 'clerk', name: 'clerk', roles: ['clerk', 'supervisor'] };
}

const methodOf = async (storage: Storage, accountNo: string): Promise<number> =>
  (await storage.transaction(
    (tx) =>
      tx.get<{ id: number }>(
        sql`SELECT m.id FROM payment_methods m JOIN accounts a ON a.id = m.account_id WHERE a.account_no = ${accountNo}`,
      ),
    { readOnly: true },
  ))!.id;

/**
 * Every row these commands write (settled_at is the wall clock of the reply, so left out), and the money figures
 * they move.
 */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      txns: await tx.all(
        sql`SELECT id, idem_key, processor_id, command, run_id, account_id, bill_id, payment_method_id, token, brand,
              merchant, amount_minor, currency, pay_type, result, avs_code, cvv_code, auth_code, processor_ref,
              related_txn_id, payment_id, description, created_at, operator_id
            FROM processor_txns ORDER BY id`,
      ),
      pending: await tx.all(sql`SELECT * FROM pending_payments ORDER BY id`),
      payments: await tx.all(
        sql`SELECT id, kind, account_id, pay_type, channel_id, status, amount_minor, currency, account_amount_minor,
              rate_ppm, effective_date, external_ref, bill_no, source_key, journal_id, created_at, operator_id
            FROM payments ORDER BY id`,
      ),
      journals: await tx.all(
        sql`SELECT id, kind, at, effective_date, idem_key, audit_id, reason_code FROM journals ORDER BY id`,
      ),
      lines: await tx.all(
        sql`SELECT journal_id, gl_account, account_id, amount_minor, currency FROM journal_lines ORDER BY id`,
      ),
      allocations: await tx.all(
        sql`SELECT id, payment_id, account_id, bill_id, item_id, amount_minor, reverses_allocation_id FROM allocations ORDER BY id`,
      ),
      reversals: await tx.all(
        sql`SELECT payment_id, reason_code, journal_id, operator_id FROM reversals ORDER BY id`,
      ),
      money: await tx.all(
        sql`SELECT a.account_no, a.balance_minor, b.amount_due_minor, b.status, i.open_minor, i.status AS item_status
            FROM accounts a LEFT JOIN bills b ON b.account_id = a.id LEFT JOIN bill_items i ON i.bill_id = b.id
            ORDER BY a.id`,
      ),
      methods: await tx.all(
        sql`SELECT id, verification, avs_code, cvv_code, verified_at FROM payment_methods ORDER BY id`,
      ),
      audit: await tx.all<{ action: string }>(
        sql`SELECT id, at, operator_id, action, entity, entity_id, before, after, reason_code FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

describe('processor records, one-off payments and refunds on both databases', () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      dbs.push({ dialect: row.dialect, storage, dispose, clerk: await seed(storage) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);

  it('prepares, confirms, refunds in part and in full, cancels and lists alike, asking with no transaction open', async () => {
    const answers = await same(async ({ storage: base, clerk }) => {
      const { storage, open } = counted(base);
      const { port, asked } = fakeProcessor(open);
      const methodId = await methodOf(storage, 'C-100');
      const p = await preparePayment(
        storage,
        { accountNo: 'c-100', amount: '50.00', methodId },
        NOW,
        clerk.id,
      );
      const confirmed = await confirmPayment(storage, 'unused', { pendingId: p.id }, NOW, clerk, port);
      const part = await refundTransaction(
        storage,
        'unused',
        { txnId: confirmed.txnId!, amount: '10.00', reasonCode: 4201 },
        NOW,
        clerk.id,
        port,
      );
      const rest = await refundTransaction(
        storage,
        'unused',
        { txnId: confirmed.txnId!, reasonCode: 4202 },
        NOW,
        clerk.id,
        port,
      );
      const c = await preparePayment(
        storage,
        { accountNo: 'C-100', amount: '5.00', card: { token: 'T5555000000004444', brand: 'MC' } },
        NOW,
        clerk.id,
      );
      const cancelled = await cancelPayment(
        storage,
        { pendingId: c.id, reason: 'changed mind' },
        NOW,
        clerk.id,
      );
      const kept = await preparePayment(
        storage,
        { accountNo: 'C-200', amount: '7.00', methodId: await methodOf(storage, 'C-200') },
        NOW,
        clerk.id,
      );
      const listed = await listPending(storage, { all: false, limit: 50 }, NOW);
      const all = await listPending(storage, { all: true, limit: 50 }, NOW);
      const recovery = await recoveryShow(storage, { state: 'unresolved', limit: 50, offset: 0 }, NOW);
      return {
        p,
        confirmed,
        part,
        rest,
        cancelled,
        kept,
        listed,
        all,
        recovery,
        asked: asked.map((a) => [a.kind, a.item.idemKey, a.item.amountMinor, a.open]),
      };
    });
    expect(answers.p).toMatchObject({
      status: 'pending',
      amountMinor: 5000,
      mask: '****0002',
      urgency: 'normal',
    });
    expect(answers.confirmed).toMatchObject({
      status: 'confirmed',
      result: 0,
      authCode: 'A1',
      decidedBy: 'clerk',
    });
    expect(answers.part).toMatchObject({
      amountMinor: 1000,
      result: 0,
      reversedPaymentId: answers.confirmed.paymentId,
    });
    expect(answers.rest).toMatchObject({ amountMinor: 4000, result: 0, remainderPaymentId: null });
    expect(answers.cancelled).toMatchObject({
      status: 'cancelled',
      cancelReason: 'changed mind',
      mask: '****4444',
    });
    expect(answers.listed.rows.map((r) => r.id)).toEqual([answers.kept.id]);
    expect(answers.all.rows.map((r) => r.status)).toEqual(['pending', 'cancelled', 'confirmed']);
    expect(answers.recovery).toEqual({ rows: [], total: 0 });
    expect(answers.asked).toEqual([
      ['sale', `k0-pay-${answers.p.id}-1`, 5000, 0],
      ['refund', `k0-rfd-${answers.confirmed.txnId}-1`, 1000, 0],
      ['refund', `k0-rfd-${answers.confirmed.txnId}-2`, 4000, 0],
    ]);

    const written = await same(({ storage }) => tables(storage));
    expect(written.audit.map((a) => a.action)).toEqual([
      'payment-method.add',
      'payment-method.add',
      'payment-method.add',
      'payment-method.add',
      'payment-method.add',
      'pay.prepare',
      'pay.confirm',
      'payment.post',
      'allocation.apply',
      'processor.refund',
      'payment.post',
      'allocation.apply',
      'processor.refund',
      'pay.prepare',
      'pay.cancel',
      'pay.prepare',
    ]);
    // The charge paid the 30.00 bill and left 20.00 of credit; refunded in full, the bill is open again.
    expect(written.money.find((m) => (m as { account_no: string }).account_no === 'C-100')).toEqual({
      account_no: 'C-100',
      balance_minor: 3000,
      amount_due_minor: 3000,
      status: 'open',
      open_minor: 3000,
      item_status: 'open',
    });
    expect(written.reversals).toHaveLength(2);
  });

  it('validates a card alike: the record reserved, answered and closed, AVS and CVV kept, never the CVV', async () => {
    const answers = await same(async ({ storage: base, clerk }) => {
      const { storage, open } = counted(base);
      const { port, asked } = fakeProcessor(open, () => ({ avs: 'Y', cvv: 'M' }));
      const methodId = await methodOf(storage, 'C-200');
      const first = await validateMethod(storage, 'unused', { methodId, cvv: '737' }, NOW, clerk.id, port);
      const second = await validateMethod(storage, 'unused', { methodId }, NOW, clerk.id, port);
      return { first, second, asked: asked.map((a) => [a.kind, a.item.idemKey, a.item.cvv ?? null, a.open]) };
    });
    expect(answers.first).toMatchObject({ verification: 'verified', avsCode: 'Y', cvvCode: 'M' });
    expect(answers.asked).toEqual([
      ['validate', `k0-ver-${answers.first.id}-1`, '737', 0],
      ['validate', `k0-ver-${answers.first.id}-2`, null, 0],
    ]);
    const written = await same(({ storage }) => tables(storage));
    expect(JSON.stringify(written)).not.toContain('737');
    expect(written.txns.filter((t) => (t as { command: string }).command === 'verify')).toHaveLength(2);
  });

  it('refuses alike, writing nothing; a request never sent returns the payment to pending', async () => {
    const { port } = fakeProcessor(() => 0);
    const pending = await same(({ storage }) => listPending(storage, { all: true, limit: 50 }, NOW));
    const cancelled = pending.rows.find((r) => r.status === 'cancelled')!;
    const confirmed = pending.rows.find((r) => r.status === 'confirmed')!;
    const kept = pending.rows.find((r) => r.status === 'pending')!;
    expect(
      await refused(({ storage, clerk }) =>
        confirmPayment(storage, 'unused', { pendingId: cancelled.id }, NOW, clerk, port),
      ),
    ).toEqual({
      code: 'conflict',
      rule: 'not-pending',
      message: `payment ${cancelled.id} is cancelled; only a pending payment can be confirmed (V18)`,
    });
    expect(
      await refused(({ storage, clerk }) =>
        cancelPayment(storage, { pendingId: confirmed.id, reason: 'x' }, NOW, clerk.id),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'not-pending' });
    expect(
      await refused(({ storage, clerk }) =>
        confirmPayment(storage, 'unused', { pendingId: kept.id, processor: 'other' }, NOW, clerk, port),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'wrong-processor' });
    expect(
      await refused(({ storage, clerk }) =>
        preparePayment(
          storage,
          { accountNo: 'NOPE', amount: '1.00', card: { token: CARD_TOKEN } },
          NOW,
          clerk.id,
        ),
      ),
    ).toMatchObject({ code: 'not_found', entity: 'account' });
    expect(
      await refused(({ storage, clerk }) =>
        preparePayment(
          storage,
          { accountNo: 'C-100', amount: '1.001', card: { token: CARD_TOKEN } },
          NOW,
          clerk.id,
        ),
      ),
    ).toMatchObject({ code: 'validation' });
    expect(
      await refused(({ storage, clerk }) =>
        preparePayment(
          storage,
          { accountNo: 'C-100', amount: '1.00', card: { token: '4111111111111111' } },
          NOW,
          clerk.id,
        ),
      ),
    ).toMatchObject({ code: 'validation', message: 'the card token is not a processor token' });
    // Everything of the charge is refunded already; a charge that is not one; a reason of another domain.
    expect(
      await refused(({ storage, clerk }) =>
        refundTransaction(
          storage,
          'unused',
          { txnId: confirmed.txnId!, reasonCode: 4201 },
          NOW,
          clerk.id,
          port,
        ),
      ),
    ).toMatchObject({ code: 'validation', message: 'nothing is left to refund' });
    const refundTxn = await same(({ storage }) =>
      storage.transaction(
        async (tx) =>
          (await tx.get<{ id: number }>(
            sql`SELECT min(id) AS id FROM processor_txns WHERE command = 'refund'`,
          ))!.id,
      ),
    );
    expect(
      await refused(({ storage, clerk }) =>
        refundTransaction(storage, 'unused', { txnId: refundTxn, reasonCode: 4201 }, NOW, clerk.id, port),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'not-refundable' });
    expect(
      await refused(({ storage, clerk }) =>
        refundTransaction(
          storage,
          'unused',
          { txnId: confirmed.txnId!, reasonCode: 4101 },
          NOW,
          clerk.id,
          port,
        ),
      ),
    ).toMatchObject({ code: 'validation' });

    // Connection refused: the record closes as not answered (1) and the payment is pending again, alike.
    const notSent = await same(async ({ storage, clerk }) => {
      const refusing = {
        sale: () =>
          Promise.reject(new ProcessorTransportError({ kind: 'not_sent', message: 'connection refused' })),
      } as unknown as PaymentProcessor;
      const err = await failure(
        confirmPayment(storage, 'unused', { pendingId: kept.id }, NOW, clerk, refusing),
      );
      const after = await listPending(storage, { all: false, limit: 50 }, NOW);
      const record = await storage.transaction((tx) =>
        tx.get(sql`SELECT idem_key, result FROM processor_txns ORDER BY id DESC LIMIT 1`),
      );
      return { err, after: after.rows.map((r) => [r.id, r.status, r.decidedBy]), record };
    });
    expect(notSent).toEqual({
      err: {
        code: 'processor_unavailable',
        message: 'the processor is not reachable (connection refused); nothing was charged',
      },
      after: [[kept.id, 'pending', null]],
      record: { idem_key: `k0-pay-${kept.id}-1`, result: 1 },
    });
    // Expired: refused, and the expiry itself is kept (audited), alike.
    const late = new Date(NOW.getTime() + 16 * 60_000);
    const expired = await same(async ({ storage, clerk }) => ({
      err: await failure(confirmPayment(storage, 'unused', { pendingId: kept.id }, late, clerk, port)),
      all: (await listPending(storage, { all: true, limit: 50 }, late)).rows.map((r) => [r.id, r.status]),
    }));
    expect(expired.err).toMatchObject({ code: 'conflict', rule: 'pending-expired' });
    expect(expired.all[0]).toEqual([kept.id, 'expired']);
    await same(({ storage }) => tables(storage));
  });
});

describe('clerks racing on one payment, on both databases', () => {
  for (const row of ROWS) {
    it(`${row.dialect}: confirmed twice at once → charged and posted once; two refunds of the last 10.00 → one; cancel vs confirm → one`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        // Racing calls overlap, so the open transactions counted here may be the other party's: not checked.
        const plain = storage;
        const { port, asked } = fakeProcessor(() => 0);
        const methodId = await methodOf(storage, 'R-300');

        // Each confirm is held after reading the payment until both have read it "pending".
        const p = await preparePayment(
          plain,
          { accountNo: 'R-300', amount: '40.00', methodId },
          NOW,
          clerk.id,
        );
        const twice = racing(plain, 2, { holdAt: 2, writesOnly: true });
        const confirms = await Promise.all(
          [1, 2].map(() =>
            answer(confirmPayment(twice.storage, 'unused', { pendingId: p.id }, NOW, clerk, port)),
          ),
        );
        const won = confirms.filter((c) => 'value' in c);
        expect(won).toHaveLength(1);
        expect((won[0] as { value: PendingPaymentDto }).value).toMatchObject({
          status: 'confirmed',
          result: 0,
        });
        expect(confirms.find((c) => 'error' in c)).toEqual({
          error: {
            code: 'conflict',
            rule: 'not-pending',
            message: `payment ${p.id} is unresolved; only a pending payment can be confirmed (V18)`,
          },
        });
        expect(asked.filter((a) => a.kind === 'sale')).toHaveLength(1);
        const txnId = (won[0] as { value: PendingPaymentDto }).value.txnId!;
        const counts = () =>
          storage.transaction(
            async (tx) => ({
              sales: (await tx.get<{ n: number }>(
                sql`SELECT count(*) AS n FROM processor_txns WHERE command = 'condition'`,
              ))!.n,
              refunds: (await tx.get<{ n: number }>(
                sql`SELECT count(*) AS n FROM processor_txns WHERE command = 'refund'`,
              ))!.n,
              payments: (await tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM payments`))!.n,
              reversals: (await tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM reversals`))!.n,
              balance: (await tx.get<{ b: number }>(
                sql`SELECT balance_minor AS b FROM accounts WHERE account_no = 'R-300'`,
              ))!.b,
            }),
            { readOnly: true },
          );
        expect(await counts()).toEqual({ sales: 1, refunds: 0, payments: 1, reversals: 0, balance: -1000 });

        // 30.00 refunded first; then two supervisors refund the last 10.00 at once, each held after its reason check.
        await refundTransaction(
          plain,
          'unused',
          { txnId, amount: '30.00', reasonCode: 4201 },
          NOW,
          clerk.id,
          port,
        );
        const both = racing(plain, 2, { holdAt: 4, writesOnly: true });
        const refunds = await Promise.all(
          [1, 2].map(() =>
            answer(
              refundTransaction(
                both.storage,
                'unused',
                { txnId, amount: '10.00', reasonCode: 4201 },
                NOW,
                clerk.id,
                port,
              ),
            ),
          ),
        );
        expect(refunds.filter((r) => 'value' in r)).toHaveLength(1);
        expect((refunds.find((r) => 'value' in r) as { value: RefundResultDto }).value).toMatchObject({
          amountMinor: 1000,
          result: 0,
        });
        expect(refunds.find((r) => 'error' in r)).toMatchObject({
          error: { code: 'validation', message: 'nothing is left to refund' },
        });
        expect(asked.filter((a) => a.kind === 'refund').map((a) => a.item.amountMinor)).toEqual([3000, 1000]);
        expect(await counts()).toEqual({ sales: 1, refunds: 2, payments: 2, reversals: 2, balance: 3000 });

        // A cancel and a confirm at once: one of them, never both.
        const q = await preparePayment(
          plain,
          { accountNo: 'R-400', amount: '12.00', methodId: await methodOf(storage, 'R-400') },
          NOW,
          clerk.id,
        );
        const pair = racing(plain, 2, { holdAt: 2, writesOnly: true });
        const [confirmed, cancelled] = await Promise.all([
          answer(confirmPayment(pair.storage, 'unused', { pendingId: q.id }, NOW, clerk, port)),
          answer(cancelPayment(pair.storage, { pendingId: q.id, reason: 'customer called' }, NOW, clerk.id)),
        ]);
        expect([confirmed, cancelled].filter((a) => 'value' in a)).toHaveLength(1);
        expect([confirmed, cancelled].find((a) => 'error' in a)).toMatchObject({
          error: { code: 'conflict', rule: 'not-pending' },
        });
        const final = (await listPending(plain, { all: true, limit: 10 }, NOW)).rows.find(
          (r) => r.id === q.id,
        )!;
        const sales = asked.filter((a) => a.kind === 'sale').length;
        if ('value' in confirmed) expect([final.status, sales]).toEqual(['confirmed', 2]);
        else expect([final.status, sales]).toEqual(['cancelled', 1]);
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});
