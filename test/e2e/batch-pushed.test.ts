import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto, BatchEntryDto } from '../../src-shared/dto/batches';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

// Issue #17: a batch kept offline and sent with `batch push` is submitted on the team server and closed here.
// The desk shows where it went and offers nothing that would change it, only Discard (it posts nothing here).

describe('a batch pushed to a team server, in the desk', () => {
  let s: E2eSession;
  let entries: BatchEntryDto[];

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 20, seed: 5 });
    const batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'PUSHED-1',
    });
    entries = await service<BatchEntryDto[]>(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [{ accountNo: 'A1', amount: '10.00', checkNo: '111' }],
    });
    await service(s, 'batches:mark-pushed', {
      batchId: batch.id,
      serverUrl: 'https://paydesk.example.com:8443',
      serverBatchId: 77,
      serverBatchNo: 'PUSHED-1',
    });
    await openDesk(s, '#/batches');
  });

  afterAll(async () => {
    await s?.close();
  });

  it('says where it went, keeps its entries read-only and offers only Discard', async () => {
    const item = s.page.getByTestId('batch-item-PUSHED-1');
    await item.getByText('Pushed', { exact: true }).waitFor();
    await item.click();
    await s.page.locator('[data-testid="batch-workspace"][data-batch-no="PUSHED-1"]').waitFor();
    expect(await s.page.getByTestId('batch-pushed').textContent()).toBe('Pushed to paydesk.example.com:8443');
    expect(await s.page.getByTestId('submit-batch').isDisabled()).toBe(true);
    expect(await s.page.getByTestId('discard-batch').isDisabled()).toBe(false);
    // A cell does not open for typing.
    await s.page
      .locator(`[data-testid="entries-grid"] .ag-row[row-id="${entries[0]!.id}"] .ag-cell[col-id="checkNo"]`)
      .dblclick();
    expect(
      await s.page.locator('[data-testid="entries-grid"] .ag-cell[col-id="checkNo"] input').count(),
    ).toBe(0);
    await s.screenshot('batch-pushed');
    expect(s.consoleErrors).toEqual([]);
  }, 60_000);
});
