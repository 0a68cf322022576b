import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AllocationViewDto } from '../../src-shared/dto/allocation';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  BatchFileDto,
  BatchSubmitDto,
} from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { expectClean, setSettingVia, usdAccountsVia, value } from '../helpers/suspense';

let app: TestApp;

const clean = (): Promise<void> => expectClean(app);
const setSetting = (key: string, v: unknown): Promise<void> => setSettingVia(app, key, v);
/** USD accounts with one bill unit and an open bill: account number, its oldest open bill, that bill's amount due. */
const usdAccounts = (n: number): ReturnType<typeof usdAccountsVia> => usdAccountsVia(app, n);

const dollars = (minor: number): string => (minor / 100).toFixed(2);

async function newBatch(extra: Record<string, unknown> = {}): Promise<BatchDto> {
  return value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD', ...extra }),
  );
}

async function entries(batchId: number): Promise<BatchEntryDto[]> {
  return (
    await value<BatchEntriesPageDto>(app.dispatch('batches:entries', { batchId, startRow: 0, endRow: 1000 }))
  ).rows;
}

describe.each(APPS.filter((r) => r.available))('payment batches ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 200, seed: 31 }));
  });
  afterEach(() => app.dispose());

  it('keys, validates, suspends by hand, splits an exception batch and submits; a resubmit posts nothing twice', async () => {
    await setSetting('PaymentSuspense', true);
    const [a1, a2, a3] = await usdAccounts(3);
    const batch = await newBatch({ lockboxNo: 'LB-7', controlCount: 6 });
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [
          { accountNo: a1!.accountNo, billNo: a1!.billNo, amount: dollars(a1!.dueMinor), checkNo: '1001' },
          { accountNo: 'NO-SUCH', amount: '12.00', payerName: 'Mia Wolf', checkNo: '1002' },
          { billNo: a2!.billNo, amount: '5.00', checkNo: '1003' },
          { accountNo: a3!.accountNo, amount: '1.234', checkNo: '1004' },
          { accountNo: a3!.accountNo, amount: '7.00', checkNo: '1005' },
          { amount: '3.00', checkNo: '1006' },
        ],
      }),
    );
    let rows = await entries(batch.id);
    expect(rows[3]).toMatchObject({ status: 'invalid', problemColumn: 'amount' });
    const validated = await value<{ batch: BatchDto }>(
      app.dispatch('batches:validate', { batchId: batch.id }),
    );
    rows = await entries(batch.id);
    expect(rows.map((r) => r.status)).toEqual([
      'valid',
      'to_be_suspended',
      'valid',
      'invalid',
      'valid',
      'invalid',
    ]);
    expect(rows[1]).toMatchObject({ reasonCode: 2001 });
    expect(validated.batch.zeroProof).toMatchObject({ expectedCount: 6, enteredCount: 6, balanced: true });

    // The clerk suspends a valid entry by hand, then returns it; then suspends it for good.
    await value(
      app.dispatch('batches:suspend-entry', { batchId: batch.id, entryId: rows[4]!.id, reasonCode: 100101 }),
    );
    const submitOpen = await app.dispatch('batches:submit', { batchId: batch.id });
    expect(submitOpen).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'not-validated' } });
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    const blocked = await app.dispatch('batches:submit', { batchId: batch.id });
    expect(blocked).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'blocking-entries' } });

    const ex = await value<{ exception: BatchDto; moved: number }>(
      app.dispatch('batches:exception', { batchId: batch.id }),
    );
    expect(ex.moved).toBe(2);
    expect(ex.exception.parentBatchId).toBe(batch.id);
    expect((await entries(ex.exception.id)).map((r) => r.checkNo)).toEqual(['1004', '1006']);
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    const submitted = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
    expect(submitted).toMatchObject({ posted: 2, suspended: 2 });
    expect(submitted.batch.status).toBe('submitted');
    const again = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
    expect(again).toMatchObject({ posted: 0, suspended: 0, alreadyPosted: 4 });
    expect(await app.get(sql`SELECT count(*) AS n FROM payments WHERE batch_id = ${batch.id}`)).toEqual({
      n: 4,
    });
    const suspended = await app.all(
      sql`SELECT reason_code AS r, account_hint AS hint FROM payments WHERE kind = 'suspended' ORDER BY id`,
    );
    expect(suspended).toEqual([
      { r: 2001, hint: 'NO-SUCH' },
      { r: 100101, hint: a3!.accountNo },
    ]);
    const view = await value<AllocationViewDto>(
      app.dispatch('allocation:view', { accountNo: a1!.accountNo }),
    );
    expect(view.bills.find((b) => b.billNo === a1!.billNo)).toBeUndefined();
    await clean();
    const edit = await app.dispatch('batches:save-entries', {
      batchId: batch.id,
      entries: [{ amount: '1.00' }],
    });
    expect(edit).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });

  it('pages entries in order at any depth, both directions, sorted and filtered, after deletes and moves', async () => {
    await setSetting('PaymentSuspense', true);
    const batch = await newBatch();
    const keyed = Array.from({ length: 30 }, (_, i) => ({
      accountNo: i % 7 === 0 ? undefined : `X${i}`,
      amount: String(30 - i),
      checkNo: String(i),
    }));
    await value(app.dispatch('batches:save-entries', { batchId: batch.id, entries: keyed }));
    let rows = await entries(batch.id);
    await value(
      app.dispatch('batches:delete-entries', { batchId: batch.id, ids: [rows[3]!.id, rows[10]!.id] }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    await value(app.dispatch('batches:exception', { batchId: batch.id }));
    rows = await entries(batch.id);
    expect(rows).toHaveLength(23);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    const page = async (q: Record<string, unknown>): Promise<BatchEntriesPageDto> =>
      value<BatchEntriesPageDto>(app.dispatch('batches:entries', { batchId: batch.id, ...q }));
    const asc = await page({ startRow: 5, endRow: 10 });
    expect(asc.rows.map((r) => r.checkNo)).toEqual(rows.slice(5, 10).map((r) => r.checkNo));
    expect(asc.total).toBe(rows.length);
    const desc = await page({ startRow: 2, endRow: 6, sortDir: 'desc' });
    expect(desc.rows.map((r) => r.checkNo)).toEqual(
      [...rows]
        .reverse()
        .slice(2, 6)
        .map((r) => r.checkNo),
    );
    const byAmount = await page({
      startRow: 0,
      endRow: 3,
      sortBy: 'amountMinor',
      sortDir: 'asc',
      totals: false,
    });
    expect(byAmount.rows.map((r) => r.amountMinor)).toEqual(
      [...rows]
        .map((r) => r.amountMinor!)
        .sort((a, b) => a - b)
        .slice(0, 3),
    );
    expect(byAmount.total).toBe(-1);
    const invalid = await page({ status: ['invalid'] });
    expect(invalid.total).toBe(0);
  });

  it('refuses to submit while the zero-proof figures differ', async () => {
    const [a1] = await usdAccounts(1);
    const batch = await newBatch({ controlCount: 2, controlTotal: '10.00' });
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [{ accountNo: a1!.accountNo, amount: '4.00' }],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    const r = await app.dispatch('batches:submit', { batchId: batch.id });
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'zero-proof' } });
  });

  it('V4: the same account twice is an error unless ALLOWACCOUNTDUP; V5: several entries for one bill need allocation', async () => {
    const [a1] = await usdAccounts(1);
    const batch = await newBatch();
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [
          { accountNo: a1!.accountNo, billNo: a1!.billNo, amount: '1.00' },
          { accountNo: a1!.accountNo, billNo: a1!.billNo, amount: '2.00' },
        ],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    expect((await entries(batch.id)).map((r) => r.status)).toEqual(['allocation_required', 'invalid']);
    await setSetting('ALLOWACCOUNTDUP', true);
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    expect((await entries(batch.id)).map((r) => r.status)).toEqual([
      'allocation_required',
      'allocation_required',
    ]);
    await setSetting('NoManualAllocation', true);
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    expect((await entries(batch.id)).map((r) => r.status)).toEqual(['valid', 'valid']);
    await value(app.dispatch('batches:submit', { batchId: batch.id }));
    await clean();
  });

  it('allocates a batch entry by hand before submit (resolving V5), at the batch level only (V2)', async () => {
    await setSetting('ALLOWACCOUNTDUP', true);
    const [a1] = await usdAccounts(1);
    const batch = await newBatch();
    const half = Math.floor(a1!.dueMinor / 2);
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [
          { accountNo: a1!.accountNo, billNo: a1!.billNo, amount: dollars(half) },
          { accountNo: a1!.accountNo, billNo: a1!.billNo, amount: dollars(a1!.dueMinor - half) },
        ],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    let rows = await entries(batch.id);
    expect(rows.map((r) => r.status)).toEqual(['allocation_required', 'allocation_required']);
    const view = await value<{ amountMinor: number; view: AllocationViewDto }>(
      app.dispatch('batches:entry-allocation', { batchId: batch.id, entryId: rows[0]!.id }),
    );
    expect(view.amountMinor).toBe(half);
    const itemNo = view.view.bills[0]!.items[0]!.itemNo;
    expect(
      await app.dispatch('batches:allocate-entry', {
        batchId: batch.id,
        entryId: rows[0]!.id,
        items: [{ itemNo, amount: '0.01' }],
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'conflict', rule: 'allocation-level' },
    });
    expect(
      await app.dispatch('batches:allocate-entry', {
        batchId: batch.id,
        entryId: rows[0]!.id,
        bills: [{ billNo: a1!.billNo, amount: dollars(half + 1) }],
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'conflict', rule: 'over-allocation' },
    });
    await value(
      app.dispatch('batches:allocate-entry', {
        batchId: batch.id,
        entryId: rows[0]!.id,
        bills: [{ billNo: a1!.billNo, amount: dollars(half) }],
      }),
    );
    await value(
      app.dispatch('batches:allocate-entry', {
        batchId: batch.id,
        entryId: rows[1]!.id,
        bills: [{ billNo: a1!.billNo, amount: dollars(a1!.dueMinor - half) }],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    rows = await entries(batch.id);
    expect(rows.map((r) => [r.status, r.allocationState])).toEqual([
      ['valid', 'manual'],
      ['valid', 'manual'],
    ]);
    await value(app.dispatch('batches:submit', { batchId: batch.id }));
    const after = await value<AllocationViewDto>(
      app.dispatch('allocation:view', { accountNo: a1!.accountNo }),
    );
    expect(after.bills.find((b) => b.billNo === a1!.billNo)).toBeUndefined();
    await clean();
  });

  it('refuses card refund batches (V10) and cash reversal batches (V9)', async () => {
    expect(
      await app.dispatch('batches:create', { batchType: 'refund', payType: 10003, currency: 'USD' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    expect(
      await app.dispatch('batches:create', { batchType: 'reversal', payType: 10011, currency: 'USD' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
  });

  it('reversal batch reopens what the payment closed; a payment is reversed only once', async () => {
    const [a1] = await usdAccounts(1);
    const pay = await newBatch();
    await value(
      app.dispatch('batches:save-entries', {
        batchId: pay.id,
        entries: [{ accountNo: a1!.accountNo, billNo: a1!.billNo, amount: dollars(a1!.dueMinor) }],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: pay.id }));
    await value(app.dispatch('batches:submit', { batchId: pay.id }));
    const paymentId = (await entries(pay.id))[0]!.postedPaymentId!;
    const rev = await value<BatchDto>(
      app.dispatch('batches:create', { batchType: 'reversal', payType: 10012, currency: 'USD' }),
    );
    await value(
      app.dispatch('batches:save-entries', {
        batchId: rev.id,
        entries: [{ paymentRef: paymentId }, { paymentRef: paymentId }, { paymentRef: 999999 }],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: rev.id }));
    expect((await entries(rev.id)).map((r) => r.status)).toEqual(['valid', 'invalid', 'invalid']);
    await value(app.dispatch('batches:exception', { batchId: rev.id }));
    await value(app.dispatch('batches:validate', { batchId: rev.id }));
    const done = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: rev.id }));
    expect(done.reversed).toBe(1);
    const view = await value<AllocationViewDto>(
      app.dispatch('allocation:view', { accountNo: a1!.accountNo }),
    );
    expect(view.bills.find((b) => b.billNo === a1!.billNo)?.amountDueMinor).toBe(a1!.dueMinor);
    await clean();
  });

  it('exports a batch to a file and imports it back to continue elsewhere', async () => {
    const [a1] = await usdAccounts(1);
    const batch = await newBatch({ lockboxNo: 'LB-9', controlTotal: '9.99', note: 'Tuesday mail' });
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [
          { accountNo: a1!.accountNo, amount: '9.99', payerName: 'Koch, Uwe', custom: { memo: 'x' } },
          { amount: 'abc' },
        ],
      }),
    );
    const doc = await value<BatchFileDto>(app.dispatch('batches:export', { batchId: batch.id }));
    const file = join(app.dir, 'handover.json');
    writeFileSync(file, JSON.stringify(doc));
    // Handed over: the batch goes on from the file, so the copy it came from is discarded (while that copy is
    // open, loading the file would make a second open batch of the same entries, and is refused).
    await value(app.dispatch('batches:discard', { batchId: batch.id }));
    const back = await value<BatchDto>(app.dispatch('batches:import-batch-file', { file }));
    expect(back).toMatchObject({
      lockboxNo: 'LB-9',
      controlTotalMinor: 999,
      note: 'Tuesday mail',
      status: 'open',
    });
    const rows = await entries(back.id);
    expect(rows.map((r) => [r.accountNo, r.amountText, r.payerName, r.custom, r.status])).toEqual([
      [a1!.accountNo, '9.99', 'Koch, Uwe', { memo: 'x' }, 'new'],
      [null, 'abc', null, {}, 'invalid'],
    ]);
    writeFileSync(file, JSON.stringify({ ...doc, version: 2 }));
    expect(await app.dispatch('batches:import-batch-file', { file })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
  });
});
