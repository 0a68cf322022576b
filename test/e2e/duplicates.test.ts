import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchDto } from '../../src-shared/dto/accounts';
import type { BatchDto, BatchEntriesPageDto, BatchEntryDto } from '../../src-shared/dto/batches';
import { dispatchConfirmed } from '../helpers/confirm';
import { service, startDemoSession, type E2eSession } from './helpers';

// Issue #11 finding 5 in the grid: a suspected duplicate shows what it matches, and only a supervisor's release
// (with a reason) lets it post.

function cell(page: Page, entryId: number, colId: string) {
  return page.locator(
    `[data-testid="entries-grid"] .ag-row[row-id="${entryId}"] .ag-cell[col-id="${colId}"]`,
  );
}

async function entries(s: E2eSession, batchId: number): Promise<BatchEntryDto[]> {
  return (await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId, startRow: 0, endRow: 10 }))
    .rows;
}

describe('suspected duplicates in the real renderer', () => {
  let s: E2eSession;

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 40, seed: 7 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows the payment a keyed check matches, and posts it once a supervisor releases it', async () => {
    const all = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 40,
    });
    const account = all.rows.find((r) => r.status === 'active' && r.currency === 'USD')!;
    const check = {
      accountNo: account.accountNo,
      amount: '25.00',
      checkNo: '7001',
      paymentDate: '2026-12-01',
    };
    // The check is posted once from a first batch.
    const first = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'DUP-1',
    });
    await service(s, 'batches:save-entries', { batchId: first.id, entries: [check] });
    await service(s, 'batches:validate', { batchId: first.id });
    const posted = await dispatchConfirmed(s.app, 'batches:submit', { batchId: first.id });
    expect(posted).toMatchObject({ ok: true, value: { posted: 1 } });
    const [original] = await entries(s, first.id);

    // The same check keyed again in another batch.
    const second = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'DUP-2',
    });
    const [again] = await service<BatchEntryDto[]>(s, 'batches:save-entries', {
      batchId: second.id,
      entries: [{ ...check, checkNo: ' 007001 ' }],
    });

    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batch-item-DUP-2').click();
    await s.page.locator('[data-testid="batch-workspace"][data-batch-no="DUP-2"]').waitFor();
    await s.page.getByTestId('validate').click();
    await s.page.getByTestId('validate-result').waitFor({ timeout: 20_000 });
    const [suspected] = await entries(s, second.id);
    expect(suspected).toMatchObject({
      status: 'duplicate_suspected',
      duplicateOf: { batchNo: 'DUP-1', paymentId: original!.postedPaymentId },
    });
    await s.page
      .getByTestId(`entry-status-${again!.id}`)
      .filter({ hasText: /^Suspected duplicate$/ })
      .waitFor({ timeout: 10_000 });
    await cell(s.page, again!.id, 'payerName').click();
    const status = s.page.getByTestId('duplicate-status');
    await status.waitFor();
    expect(await status.textContent()).toContain(`payment ${original!.postedPaymentId}`);
    await s.screenshot('batch-duplicate-suspected');

    // Submit posts nothing while it is suspected.
    const refused = await dispatchConfirmed(s.app, 'batches:submit', { batchId: second.id });
    expect(refused).toMatchObject({ ok: true, value: { posted: 0, duplicates: 1 } });

    await s.page.getByTestId('release-duplicate').click();
    await s.page.getByTestId('release-duplicate-dialog').waitFor();
    await s.screenshot('batch-duplicate-release');
    await s.page.getByTestId('release-duplicate-note').fill('two checks, confirmed by phone');
    await s.page.getByTestId('release-duplicate-confirm').click();
    await s.page.getByTestId('release-duplicate-dialog').waitFor({ state: 'detached' });
    await expect.poll(async () => (await entries(s, second.id))[0]?.duplicateRelease?.reasonCode).toBe(4401);

    await service(s, 'batches:validate', { batchId: second.id });
    const done = await dispatchConfirmed(s.app, 'batches:submit', { batchId: second.id });
    expect(done).toMatchObject({ ok: true, value: { posted: 1, duplicates: 0 } });
    const check2 = await service<{ violations: unknown[] }>(s, 'ledger:check', {});
    expect(check2.violations).toEqual([]);
    expect(s.consoleErrors).toEqual([]);
  });
});
