import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto, BatchEntriesPageDto } from '../../src-shared/dto/batches';
import { dispatchConfirmed } from '../helpers/confirm';
import { suspend, usdAccounts } from '../helpers/suspense';
import { startSession, type E2eSession } from './helpers';

/** Calls a command through the services of the same ledger (not through the UI) and unwraps the result. */
async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('Payment timeline in the real renderer over the bridge', () => {
  let s: E2eSession;
  let account: { accountNo: string; billNo: string };
  let batch: BatchDto;
  let paymentId = 0;
  let suspendedId = 0;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.supervisor' });
    await service(s, 'demo:load', { accounts: 40, seed: 11 });
    account = usdAccounts(s.app, 1, 2)[0]!;
    // A keyed check, validated and submitted (allocated by policy), whose allocation is then undone.
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [{ accountNo: account.accountNo, amount: '12.34', payerName: 'Timeline Tester' }],
    });
    await service(s, 'batches:validate', { batchId: batch.id });
    const submitted = await dispatchConfirmed(s.app, 'batches:submit', { batchId: batch.id });
    if (!submitted.ok) throw new Error(submitted.error.message);
    const page = await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId: batch.id });
    paymentId = page.rows[0]!.postedPaymentId!;
    const reason = s.app.ctx.ledger.sqlite
      .prepare('SELECT id FROM reason_codes WHERE domain_id = 16 AND active = 1 ORDER BY id LIMIT 1')
      .pluck()
      .get() as number;
    await service(s, 'allocation:undo', { paymentId, reasonCode: reason });
    // A payment that stays in suspense, with a note.
    [suspendedId] = (await suspend(s.app, [{ amount: '77.00', payerName: 'Nobody Known' }])) as [number];
    await service(s, 'suspense:note', { paymentId: suspendedId, text: 'waiting for the remittance' });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  const kinds = async (): Promise<string[]> => {
    const dialog = s.page.getByTestId('payment-timeline-dialog');
    await dialog.getByTestId('payment-timeline-events').waitFor();
    return dialog
      .getByTestId('timeline-event')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind') ?? ''));
  };

  it('opens a payment timeline from the account history: every step in order', async () => {
    const page = s.page;
    await page.goto(`${s.bridge.url}#/accounts/${account.accountNo}`);
    await page.locator(`[data-testid="account-detail"][data-account-no="${account.accountNo}"]`).waitFor();
    await page.getByTestId(`history-timeline-${paymentId}`).click();
    const dialog = page.getByTestId('payment-timeline-dialog');
    await dialog.waitFor();
    expect(await kinds()).toEqual([
      'keyed',
      'validated',
      'submitted',
      'posted',
      'allocated',
      'allocation-undone',
    ]);
    expect(await dialog.getByTestId('payment-timeline-status').textContent()).toBe('posted');
    const details = await dialog.getByTestId('timeline-detail').allTextContents();
    expect(details[0]).toBe(`Keyed by e2e.supervisor into batch ${batch.batchNo} as entry 1`);
    expect(details[3]).toBe(`Posted to account ${account.accountNo}`);
    expect(await dialog.getByTestId('timeline-amount').first().textContent()).toBe('12.34 USD');
    await s.screenshot('timeline-account');
    await dialog.getByTestId('payment-timeline-close').click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('opens it from the batch grid for a posted entry', async () => {
    const page = s.page;
    await page.goto(`${s.bridge.url}#/batches`);
    await page.getByTestId('batch-filter').click();
    await page.getByRole('option', { name: 'All batches' }).click();
    await page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await page.locator(`[data-testid="batch-workspace"][data-batch-no="${batch.batchNo}"]`).waitFor();
    const entryId = (await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId: batch.id })).rows[0]!
      .id;
    await page.getByTestId(`entry-timeline-${entryId}`).click();
    expect((await kinds()).slice(0, 4)).toEqual(['keyed', 'validated', 'submitted', 'posted']);
    await s.screenshot('timeline-batch');
    await page.getByTestId('payment-timeline-close').click();
    await page.getByTestId('payment-timeline-dialog').waitFor({ state: 'hidden' });
  });

  it('opens it from the Payment Center for the selected case', async () => {
    const page = s.page;
    await page.goto(`${s.bridge.url}#/suspense`);
    await page.getByTestId('suspense-page').waitFor();
    await page
      .locator(`[data-testid="suspense-grid"] .ag-row[row-id="${suspendedId}"] .ag-cell[col-id="paymentId"]`)
      .click();
    await page.getByTestId('work-panel').waitFor();
    await page.getByTestId('work-timeline').click();
    expect(await kinds()).toEqual(['keyed', 'validated', 'submitted', 'suspended', 'note']);
    const dialog = page.getByTestId('payment-timeline-dialog');
    const details = await dialog.getByTestId('timeline-detail').allTextContents();
    expect(details[4]).toBe('Note: waiting for the remittance');
    expect(await dialog.getByTestId('payment-timeline-status').textContent()).toBe('suspended');
    await s.screenshot('timeline-payment-center');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(s.consoleErrors).toEqual([]);
  });
});
