import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchEntriesPageDto, BatchEntryDto } from '../../src-shared/dto/batches';
import type { SuspenseDetailDto } from '../../src-shared/dto/suspense';
import { postPayment, suspend, usdAccounts } from '../helpers/suspense';
import { startSession, type E2eSession } from './helpers';

/** Calls a command through the services of the same ledger (not through the UI) and unwraps the result. */
async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('Payment Center in the real renderer over the bridge', () => {
  let s: E2eSession;
  let accounts: { accountNo: string; name: string; billNo: string; dueMinor: number }[];
  let amadeus = 0;
  let bunter = 0;
  let wrongPayment = 0;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.analyst' });
    await service(s, 'demo:load', { accounts: 150, seed: 8 });
    accounts = usdAccounts(s.app, 4);
    [amadeus, bunter] = (await suspend(s.app, [
      { amount: '500.00', payerName: 'Wolfgang Amadeus Trading', reference: `remit ${accounts[0]!.billNo}` },
      { amount: '42.00', payerName: 'Mervyn Bunter', reference: 'no idea' },
      { amount: '7.00', payerName: 'Harriet Vane' },
    ])) as [number, number];
    wrongPayment = await postPayment(s.app, accounts[2]!.accountNo, '60.00', { payerName: 'Posted Wrongly' });
    await s.page.goto(`${s.bridge.url}#/suspense`);
    await s.page.getByTestId('suspense-page').waitFor();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  const row = (paymentId: number) =>
    s.page.locator(
      `[data-testid="suspense-grid"] .ag-row[row-id="${paymentId}"] .ag-cell[col-id="paymentId"]`,
    );

  it('finds a payment by partial payer name and shows why candidates are suggested', async () => {
    const page = s.page;
    await page.getByTestId('suspense-total').filter({ hasText: '3 payments' }).waitFor();
    await s.screenshot('suspense-01-queue');
    // Under three characters the field says the trigram index cannot help.
    await page.getByTestId('filter-text').fill('ma');
    await page.getByTestId('filter-text-hint').filter({ hasText: 'Type 3 or more characters' }).waitFor();
    await page.getByTestId('filter-text').fill('madeus tra');
    // The hint follows the text on the next render, so it is waited for, not read at once.
    await page
      .getByTestId('filter-text-hint')
      .filter({ hasText: /^3 or more characters$/ })
      .waitFor();
    await page
      .getByTestId('suspense-total')
      .filter({ hasText: /^1 payment$/ })
      .waitFor();
    await row(amadeus).waitFor();
    expect(await page.locator('[data-testid="suspense-grid"] .ag-cell[col-id="paymentId"]').count()).toBe(1);
    await row(amadeus).click();
    await page.getByTestId('work-panel').waitFor();
    const first = page.getByTestId('candidate').first();
    await first.waitFor();
    expect(await first.textContent()).toContain(accounts[0]!.accountNo);
    expect(await first.getByTestId('candidate-reasons').textContent()).toContain(
      `names bill ${accounts[0]!.billNo}`,
    );
    expect(Number(await first.getByTestId('candidate-score').textContent())).toBeGreaterThanOrEqual(90);
    await s.screenshot('suspense-02-candidates');
  });

  it('distributes it over two accounts, leaving a remainder in suspense', async () => {
    const page = s.page;
    await page.getByTestId('action-distribute').click();
    const dialog = page.getByTestId('distribute-dialog');
    await dialog.waitFor();
    await page.getByTestId('dist-account-0').fill(accounts[0]!.accountNo);
    await page.getByTestId('dist-bill-0').fill(accounts[0]!.billNo);
    await page.getByTestId('dist-amount-0').fill('100.00');
    await page.getByTestId('dist-add').click();
    await page.getByTestId('dist-account-1').fill(accounts[1]!.accountNo);
    await page.getByTestId('dist-amount-1').fill('150.00');
    await page.getByTestId('dist-remainder').filter({ hasText: 'Stays in suspense: 250.00 USD' }).waitFor();
    await page.getByTestId('dist-amount-1').fill('450.00');
    await page.getByTestId('dist-remainder').filter({ hasText: '50.00 USD too much' }).waitFor();
    expect(await page.getByTestId('distribute-dialog-confirm').isDisabled()).toBe(true);
    await page.getByTestId('dist-amount-1').fill('150.00');
    await s.screenshot('suspense-03-distribute');
    await page.getByTestId('distribute-dialog-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('suspense-message').filter({ hasText: 'distribute done' }).waitFor();
    // The work panel moves to the remainder, which is still found by the payer's name.
    await page.getByTestId('work-state').filter({ hasText: 'Partially distributed' }).waitFor();
    expect(await page.getByTestId('work-amount').textContent()).toContain('250.00');
    await page.getByTestId('timeline').filter({ hasText: 'Distributed' }).waitFor();
    await s.screenshot('suspense-04-remainder');
    const detail = await service<SuspenseDetailDto>(s, 'suspense:show', { paymentId: amadeus });
    expect(
      detail.tree.filter((t) => t.kind === 'distributed').map((t) => [t.accountNo, t.amountMinor]),
    ).toEqual([
      [accounts[0]!.accountNo, 10000],
      [accounts[1]!.accountNo, 15000],
    ]);
  });

  it('recycles a wrongly posted payment into suspense and applies it to the right account', async () => {
    const page = s.page;
    await page.getByTestId('recycle-open').click();
    const dialog = page.getByTestId('recycle-dialog');
    await page.getByTestId('recycle-payment').fill(String(wrongPayment));
    await page.getByTestId('recycle-found').filter({ hasText: accounts[2]!.accountNo }).waitFor();
    await s.screenshot('suspense-05-recycle');
    await page.getByTestId('recycle-dialog-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('work-state').filter({ hasText: 'Recycled' }).waitFor();
    await page.getByTestId('action-apply').click();
    await page.getByTestId('apply-dialog').waitFor();
    expect(await page.getByTestId('apply-account').inputValue()).toBe(accounts[2]!.accountNo);
    await page.getByTestId('apply-account').fill(accounts[3]!.accountNo);
    await page.getByTestId('apply-dialog-confirm').click();
    await page.getByTestId('apply-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('work-state').filter({ hasText: 'Distributed' }).waitFor();
    await page.getByTestId('timeline').filter({ hasText: 'Applied' }).waitFor();
    await s.screenshot('suspense-06-applied');
    const detail = await service<SuspenseDetailDto>(s, 'suspense:show', { paymentId: wrongPayment });
    expect(detail.tree.map((t) => [t.kind, t.accountNo])).toEqual([
      ['original', accounts[2]!.accountNo],
      ['recycled', 'SUSPENSE'],
      ['distributed', accounts[3]!.accountNo],
    ]);
  });

  it('corrects a batch entry to be suspended from Payment Center and goes back to validate it', async () => {
    const page = s.page;
    const target = accounts[1]!;
    const batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'RT-1',
    });
    const [entry] = await service<BatchEntryDto[]>(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [{ accountNo: 'TYPO-1', billNo: null, amount: '12.00', reference: `bill ${target.billNo}` }],
    });
    await service(s, 'batches:validate', { batchId: batch.id });
    await page.goto(`${s.bridge.url}#/batches`);
    await page.getByTestId('batch-item-RT-1').click();
    await page
      .locator(`[data-testid="entries-grid"] .ag-row[row-id="${entry!.id}"] .ag-cell[col-id="amount"]`)
      .click();
    await page.getByTestId('entry-to-payment-center').click();
    await page.getByTestId('entry-panel').waitFor();
    const candidate = page.getByTestId('entry-candidate').first();
    await candidate.filter({ hasText: target.accountNo }).waitFor();
    await candidate.getByRole('button', { name: 'Use' }).click();
    expect(await page.getByTestId('entry-account').inputValue()).toBe(target.accountNo);
    await s.screenshot('suspense-09-entry');
    await page.getByTestId('entry-save').click();
    await page.getByTestId('entry-saved').waitFor();
    await page.getByTestId('entry-back').click();
    await page.getByTestId('batch-workspace').waitFor();
    const validated = await service<{ batch: BatchDto }>(s, 'batches:validate', { batchId: batch.id });
    expect(validated.batch.countsByStatus.to_be_suspended ?? 0).toBe(0);
    const rows = await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId: batch.id });
    expect(rows.rows[0]).toMatchObject({ accountNo: target.accountNo, billNo: target.billNo });
  });

  it('removes another payment as unallocatable, assigns owners in bulk, and keeps the ledger clean', async () => {
    const page = s.page;
    await page.evaluate(() => {
      window.location.hash = '#/suspense';
    });
    await page.getByTestId('suspense-page').waitFor();
    await page.getByTestId('filter-clear').click();
    await page.getByTestId('filter-text').fill('bunter');
    await row(bunter).waitFor();
    await row(bunter).click();
    await page.getByTestId('work-amount').filter({ hasText: '42.00' }).waitFor();
    await page.getByTestId('action-remove').click();
    await page.getByTestId('remove-dialog').waitFor();
    await s.screenshot('suspense-07-remove');
    await page.getByTestId('remove-dialog-confirm').click();
    await page.getByTestId('remove-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('work-state').filter({ hasText: 'Removed' }).waitFor();
    expect(await page.getByTestId('action-remove').isDisabled()).toBe(true);
    await page.getByTestId('suspense-total').filter({ hasText: '0 payments' }).waitFor();
    // Keyboard: Alt+N adds a note to the case (notes are allowed after removal; they change nothing posted).
    await page.getByTestId('work-panel').click();
    await page.keyboard.press('Alt+n');
    await page.getByTestId('note-text').fill('Payer unknown after two calls');
    await page.getByTestId('note-dialog-confirm').click();
    await page.getByTestId('timeline').filter({ hasText: 'Payer unknown after two calls' }).waitFor();

    // Bulk: select every payment still in suspense and give them an owner.
    await page.getByTestId('filter-clear').click();
    await page.getByTestId('suspense-total').filter({ hasText: '2 payments' }).waitFor();
    const boxes = page.locator('[data-testid="suspense-grid"] .ag-row .ag-checkbox-input');
    await boxes.first().waitFor();
    for (let i = 0; i < (await boxes.count()); i++) await boxes.nth(i).click();
    await page.getByTestId('bulk-bar').filter({ hasText: '2 selected' }).waitFor();
    await page.getByTestId('bulk-assign').click();
    await page.getByTestId('assign-dialog').waitFor();
    await page.getByTestId('assign-dialog').getByRole('combobox').click();
    await page.getByTestId('assign-dialog-option-102001').click();
    await page.getByTestId('assign-dialog-confirm').click();
    await page.getByTestId('owner-102001').filter({ hasText: 'Alaya Baker: 2' }).waitFor();
    await s.screenshot('suspense-08-assigned');

    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    expect(s.consoleErrors).toEqual([]);
  });

  it('says when a text matches too many payments to count exactly', async () => {
    // Queue rows only (the read model), after the ledger check above: enough for more than 10,000 trigram hits.
    const db = s.app.ctx.ledger.sqlite;
    const ins = db.prepare(
      `INSERT INTO suspense_queue (payment_id, root_id, state, currency, amount_minor, effective_date, entered_on,
         reason_code, payer_name, external_ref, channel_id, pay_type, updated_at)
       VALUES (?, ?, 'suspended', 'USD', 1000, '2026-11-01', '2026-11-01', 2001, ?, ?, 0, 10012, '2026-11-01T00:00:00Z')`,
    );
    db.transaction(() => {
      for (let i = 0; i < 12_500; i++) ins.run(2_000_000 + i, 2_000_000 + i, `Bulk Payer ${i}`, `BULK-${i}`);
    })();
    const page = s.page;
    await page.getByTestId('filter-clear').click();
    await page.getByTestId('filter-text').fill('bulk pay');
    await page
      .getByTestId('suspense-total')
      .filter({ hasText: /^at least 10,000 payments$/ })
      .waitFor();
    await page.getByTestId('suspense-total-bound').waitFor();
    await s.screenshot('suspense-09-bounded-total');
    // Another filter that leaves few enough payments makes the count exact again.
    await page.getByTestId('filter-text').fill('bulk payer 4321');
    await page
      .getByTestId('suspense-total')
      .filter({ hasText: /^1 payment$/ })
      .waitFor();
    expect(await page.getByTestId('suspense-total-bound').count()).toBe(0);
    expect(s.consoleErrors).toEqual([]);
  });
});
