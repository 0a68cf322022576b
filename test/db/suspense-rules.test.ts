import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountDetailDto } from '../../src-shared/dto/accounts';
import type { BatchDto, BatchEntriesPageDto } from '../../src-shared/dto/batches';
import type { SuspenseMoveDto } from '../../src-shared/dto/suspense';
import { postPaymentIn } from '../../src-main/ledger/payments';
import { APPS, type TestApp } from '../helpers/apps';
import {
  expectClean,
  ledgerFingerprintVia,
  postPayment,
  suspend,
  usdAccountsVia,
  value,
} from '../helpers/suspense';

let app: TestApp;

/** Runs a forbidden move: it must fail with a conflict naming the rule and leave the ledger as it was. */
async function refused(rule: string, command: string, input: Record<string, unknown>): Promise<string> {
  const before = await ledgerFingerprintVia(app);
  const r = await app.dispatch(command, input);
  expect(r.ok, `${command} should be refused by ${rule}`).toBe(false);
  if (r.ok) return '';
  expect(r.error).toMatchObject({ code: 'conflict', rule });
  expect(r.error.message.length).toBeGreaterThan(20);
  expect(await ledgerFingerprintVia(app)).toBe(before);
  await expectClean(app);
  return r.error.message;
}

const move = (command: string, input: Record<string, unknown>): Promise<SuspenseMoveDto> =>
  value<SuspenseMoveDto>(app.dispatch(command, input));

describe.each(APPS.filter((r) => r.available))('suspense rules G1–G15 ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 120, seed: 9 }));
  });
  afterEach(() => app.dispose());

  it('G1: only external payments are handled in Payment Center', async () => {
    const [a] = await usdAccountsVia(app, 1);
    // A card payment arrives from a processor run, not from `payments:record`, so post it at the service.
    const card = (
      await app.ctx.storage.transaction(
        (tx) =>
          postPaymentIn(
            tx,
            {
              accountNo: a!.accountNo,
              amountMinor: 1000,
              currency: 'USD',
              effectiveDate: '2026-11-22',
              payType: 10003,
              channelId: 0,
              externalRef: null,
              billNo: null,
              payerName: null,
              sourceKey: 'test:card:1',
            },
            '2026-11-22T09:00:00.000Z',
            null,
          ),
        { serializable: true },
      )
    ).paymentId;
    expect(await refused('G1', 'suspense:recycle', { paymentIds: [card], reasonCode: 4002 })).toContain(
      'external',
    );
  });

  it('G2: a recycled payment keeps its original currency', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const p = await postPayment(app, a!.accountNo, '10.00');
    await refused('G2', 'suspense:recycle', { paymentIds: [p], reasonCode: 4002, currency: 'EUR' });
    const ok = await move('suspense:recycle', { paymentIds: [p], reasonCode: 4002, currency: 'USD' });
    expect(ok.suspended[0]).toMatchObject({ currency: 'USD', amountMinor: 1000 });
  });

  it('G3: recycling repeats, but each recycled payment has exactly one original', async () => {
    const [a, b] = await usdAccountsVia(app, 2);
    const p = await postPayment(app, a!.accountNo, '10.00');
    const first = await move('suspense:recycle', { paymentIds: [p], reasonCode: 4002 });
    await refused('G3', 'suspense:recycle', { paymentIds: [p], reasonCode: 4002 });
    const applied = await move('suspense:apply', {
      paymentId: first.suspended[0]!.paymentId,
      accountNo: b!.accountNo,
    });
    await move('suspense:recycle', { paymentIds: [applied.posted[0]!.paymentId], reasonCode: 4002 });
    await expectClean(app);
  });

  it('G4: no property changes after removal, direct reversal or recycling', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const [s1, s2] = await suspend(app, [{ amount: '5.00' }, { amount: '6.00' }]);
    await move('suspense:remove', { paymentId: s1, reasonCode: 4999 });
    await refused('G4', 'suspense:assign', { paymentIds: [s1], owner: 3001 });
    await move('suspense:reverse', { paymentId: s2, reasonCode: 4101 });
    await refused('G4', 'suspense:change-reason', { paymentIds: [s2], reasonCode: 100101 });
    const p = await postPayment(app, a!.accountNo, '10.00');
    await move('suspense:recycle', { paymentIds: [p], reasonCode: 4002 });
    await refused('G4', 'suspense:assign', { paymentIds: [p], owner: 3001 });
  });

  it('G5: no direct reversal once part of the suspended payment was removed as unallocatable', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    const d = await move('suspense:distribute', {
      paymentId: s,
      targets: [{ accountNo: a!.accountNo, amount: '20.00' }],
    });
    await move('suspense:remove', { paymentId: d.suspended[0]!.paymentId, reasonCode: 4999 });
    await refused('G5', 'suspense:reverse', { paymentId: s, reasonCode: 4101 });
  });

  it('G6: failed payments cannot be distributed', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    // The check bounced after it was suspended: the payment is now a failed one (status 30).
    await app.ctx.storage.transaction(async (tx) => {
      await tx.run(sql`UPDATE payments SET status = 30 WHERE id = ${s!}`);
    });
    await refused('G6', 'suspense:distribute', {
      paymentId: s,
      targets: [{ accountNo: a!.accountNo, amount: '20.00' }],
    });
    await refused('G6', 'suspense:apply', { paymentId: s, accountNo: a!.accountNo });
    await move('suspense:remove', { paymentId: s, reasonCode: 4999 });
    await expectClean(app);
  });

  it('G7: a direct reversal must target the original payment; posted payments are reversed first', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    const d = await move('suspense:distribute', {
      paymentId: s,
      targets: [{ accountNo: a!.accountNo, amount: '20.00' }],
    });
    const message = await refused('G7', 'suspense:reverse', {
      paymentId: d.posted[0]!.paymentId,
      reasonCode: 4101,
    });
    expect(message).toContain(`original payment ${s}`);
    await refused('G7', 'suspense:reverse', { paymentId: d.suspended[0]!.paymentId, reasonCode: 4101 });
    const r = await move('suspense:reverse', { paymentId: s, reasonCode: 4101 });
    expect(r.reversed).toEqual([d.posted[0]!.paymentId, d.suspended[0]!.paymentId]);
    await expectClean(app);
  });

  it('G8: one operation returns distributed payments of only one suspended payment', async () => {
    const [a, b] = await usdAccountsVia(app, 2);
    const [s1, s2] = await suspend(app, [{ amount: '50.00' }, { amount: '60.00' }]);
    const d1 = await move('suspense:distribute', {
      paymentId: s1,
      targets: [
        { accountNo: a!.accountNo, amount: '20.00' },
        { accountNo: b!.accountNo, amount: '30.00' },
      ],
    });
    const d2 = await move('suspense:apply', { paymentId: s2, accountNo: b!.accountNo });
    await refused('G8', 'suspense:recycle', {
      paymentIds: [d1.posted[0]!.paymentId, d2.posted[0]!.paymentId],
      reasonCode: 4002,
    });
    const both = await move('suspense:recycle', {
      paymentIds: d1.posted.map((p) => p.paymentId),
      reasonCode: 4002,
    });
    expect(both.suspended.map((x) => x.amountMinor)).toEqual([2000, 3000]);
    await expectClean(app);
  });

  it('G9: properties are frozen after full distribution, editable again once returned to suspense', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    const applied = await move('suspense:apply', { paymentId: s, accountNo: a!.accountNo });
    await refused('G9', 'suspense:assign', { paymentIds: [s], owner: 3001 });
    await refused('G9', 'suspense:change-reason', { paymentIds: [s], reasonCode: 100101 });
    const back = await move('suspense:recycle', {
      paymentIds: [applied.posted[0]!.paymentId],
      reasonCode: 4002,
    });
    await move('suspense:assign', { paymentIds: [back.suspended[0]!.paymentId], owner: 3001 });
    // A reason change is a new event (G9): the edited payment is replaced and frozen.
    const edited = await move('suspense:change-reason', {
      paymentIds: [back.suspended[0]!.paymentId],
      reasonCode: 100101,
    });
    await refused('G9', 'suspense:assign', { paymentIds: [back.suspended[0]!.paymentId], owner: 3002 });
    await move('suspense:assign', { paymentIds: [edited.suspended[0]!.paymentId], owner: 3002 });
    await expectClean(app);
  });

  it('G10: suspended payments cannot be refunded', async () => {
    await suspend(app, [{ amount: '50.00' }]);
    const before = await ledgerFingerprintVia(app);
    const batch = await value<BatchDto>(
      app.dispatch('batches:create', { batchType: 'refund', payType: 10012, currency: 'USD' }),
    );
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [{ accountNo: 'SUSPENSE', amount: '50.00', checkNo: 'R1' }],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    const rows = await value<BatchEntriesPageDto>(app.dispatch('batches:entries', { batchId: batch.id }));
    expect(rows.rows[0]).toMatchObject({ status: 'invalid', problemColumn: 'accountNo' });
    const submit = await app.dispatch('batches:submit', { batchId: batch.id });
    expect(submit).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await ledgerFingerprintVia(app)).toBe(before);
  });

  it('G11: recycling a payment whose credit was refunded raises the due amount by the refunded amount', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const p = await value<{ paymentId: number }>(
      app.dispatch('payments:record', { accountNo: a!.accountNo, amount: '50.00', allocate: 'none' }),
    );
    const batch = await value<BatchDto>(
      app.dispatch('batches:create', { batchType: 'refund', payType: 10012, currency: 'USD' }),
    );
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [{ accountNo: a!.accountNo, amount: '40.00', checkNo: 'R1' }],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    await value(app.dispatch('batches:submit', { batchId: batch.id }));
    const before = await value<AccountDetailDto>(app.dispatch('accounts:show', { accountNo: a!.accountNo }));
    await move('suspense:recycle', { paymentIds: [p.paymentId], reasonCode: 4002 });
    const after = await value<AccountDetailDto>(app.dispatch('accounts:show', { accountNo: a!.accountNo }));
    expect(after.openItemsMinor - before.openItemsMinor).toBe(4000);
    expect(after.balanceMinor - before.balanceMinor).toBe(5000);
    await expectClean(app);
  });

  it('G12: a distribution list is all or nothing', async () => {
    const [a, b] = await usdAccountsVia(app, 2);
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    const closed = await app.get<{ n: string }>(
      sql`SELECT account_no AS n FROM accounts WHERE status = 'closed' ORDER BY id LIMIT 1`,
    );
    const message = await refused('G12', 'suspense:distribute', {
      paymentId: s,
      targets: [
        { accountNo: a!.accountNo, amount: '10.00' },
        { accountNo: 'NO-SUCH-ACCOUNT', amount: '10.00' },
        { accountNo: b!.accountNo, billNo: a!.billNo, amount: '5.00' },
        ...(closed ? [{ accountNo: closed.n, amount: '1.00' }] : []),
      ],
    });
    expect(message).toContain('entry 2 (NO-SUCH-ACCOUNT): account NO-SUCH-ACCOUNT not found');
    expect(message).toContain('entry 3');
    await refused('G12', 'suspense:distribute', {
      paymentId: s,
      targets: [
        { accountNo: a!.accountNo, amount: '30.00' },
        { accountNo: b!.accountNo, amount: '30.00' },
      ],
    });
  });

  it('G13: no direct account-to-account recycling', async () => {
    const [a, b] = await usdAccountsVia(app, 2);
    const p = await postPayment(app, a!.accountNo, '10.00');
    expect(await refused('G13', 'suspense:apply', { paymentId: p, accountNo: b!.accountNo })).toContain(
      'recycle it into suspense first',
    );
    await refused('G13', 'suspense:distribute', {
      paymentId: p,
      targets: [{ accountNo: b!.accountNo, amount: '10.00' }],
    });
  });

  it('G14: recycling moves the whole amount', async () => {
    const [a, b] = await usdAccountsVia(app, 2);
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    const d = await move('suspense:distribute', {
      paymentId: s,
      targets: [
        { accountNo: a!.accountNo, amount: '20.00' },
        { accountNo: b!.accountNo, amount: '30.00' },
      ],
    });
    await refused('G14', 'suspense:recycle', {
      paymentIds: [d.posted[0]!.paymentId],
      reasonCode: 4002,
      amount: '10.00',
    });
    const whole = await move('suspense:recycle', {
      paymentIds: [d.posted[0]!.paymentId],
      reasonCode: 4002,
      amount: '20.00',
    });
    expect(whole.suspended[0]!.amountMinor).toBe(2000);
  });

  it('G15: once a distributed payment was removed as unallocatable, the original cannot be reversed', async () => {
    const [a] = await usdAccountsVia(app, 1);
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    const applied = await move('suspense:apply', { paymentId: s, accountNo: a!.accountNo });
    const back = await move('suspense:recycle', {
      paymentIds: [applied.posted[0]!.paymentId],
      reasonCode: 4002,
    });
    await move('suspense:remove', { paymentId: back.suspended[0]!.paymentId, reasonCode: 4999 });
    await refused('G15', 'suspense:reverse', { paymentId: s, reasonCode: 4101 });
  });

  it('removal is irreversible and needs a reason with G/L 112; recycling one with G/L 113', async () => {
    const [s] = await suspend(app, [{ amount: '50.00' }]);
    const wrongGl = await app.dispatch('suspense:remove', { paymentId: s, reasonCode: 4002 });
    expect(wrongGl).toMatchObject({ ok: false, error: { code: 'validation' } });
    await move('suspense:remove', { paymentId: s, reasonCode: 4999 });
    await refused('not-in-suspense', 'suspense:remove', { paymentId: s, reasonCode: 4999 });
    await refused('not-in-suspense', 'suspense:apply', {
      paymentId: s,
      accountNo: (await usdAccountsVia(app, 1))[0]!.accountNo,
    });
  });
});
