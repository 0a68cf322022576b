import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto, BatchEntriesPageDto, BatchEntryDto } from '../../src-shared/dto/batches';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

// The batch, the batch list and the parent batch are read through the query cache, which every ledger change
// refreshes: a change made elsewhere while the clerk is typing in a cell must not close the editor or drop what
// was typed.

describe('the batch workspace reads through the query cache', () => {
  let s: E2eSession;
  let batch: BatchDto;
  let entries: BatchEntryDto[];

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 20, seed: 3 });
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'CACHE-1',
    });
    entries = await service<BatchEntryDto[]>(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [
        { accountNo: 'A1', amount: '10.00', checkNo: '111' },
        { accountNo: 'A2', amount: '20.00', checkNo: '222' },
      ],
    });
    await openDesk(s, '#/batches');
  });

  afterAll(async () => {
    await s?.close();
  });

  it('keeps the cell being typed when a ledger change refreshes the batch and the list', async () => {
    await s.page.getByTestId('batch-item-CACHE-1').click();
    await s.page.locator('[data-testid="batch-workspace"][data-batch-no="CACHE-1"]').waitFor();
    const first = entries[0]!;
    await s.page
      .locator(`[data-testid="entries-grid"] .ag-row[row-id="${first.id}"] .ag-cell[col-id="checkNo"]`)
      .dblclick();
    const editor = s.page.locator('[data-testid="entries-grid"] .ag-cell[col-id="checkNo"] input');
    await editor.waitFor();
    await s.page.keyboard.press('Control+a');
    await s.page.keyboard.type('4242');

    // Another desk opens a batch and the ledger says it changed: the cache refetches what is on screen.
    await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'CACHE-2',
    });
    s.app.ctx.emit('ledger:changed', { what: 'batches' });
    await s.page.getByTestId('batch-item-CACHE-2').waitFor();

    // The editor is still open with the clerk's text, and Enter saves it.
    expect(await editor.inputValue()).toBe('4242');
    expect(await s.page.evaluate(() => document.activeElement?.tagName)).toBe('INPUT');
    await s.page.keyboard.press('Enter');
    await expect
      .poll(async () => {
        const page = await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId: batch.id });
        return page.rows.map((r) => r.checkNo);
      })
      .toEqual(['4242', '222']);
    expect(s.consoleErrors).toEqual([]);
  });
});
