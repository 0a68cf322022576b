import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import { usdAccounts } from '../helpers/suspense';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

describe('reopen a hand-over file from the batch list', () => {
  let s: E2eSession;
  let batch: BatchDto;

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 30, seed: 9 });
    const accounts = usdAccounts(s.app, 2);
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      note: 'half keyed, finish at the other desk',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [
        { accountNo: accounts[0]!.accountNo, amount: '12.34', checkNo: '1001' },
        { accountNo: accounts[1]!.accountNo, amount: '56.78', checkNo: '1002' },
      ],
    });
    await openDesk(s, '#/batches');
  }, 180_000);

  afterAll(async () => {
    await s?.close();
  });

  it('exports a batch, shows what the file holds, refuses it while the batch is open, then opens it', async () => {
    await s.page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await s.page.locator(`[data-testid="batch-workspace"][data-batch-no="${batch.batchNo}"]`).waitFor();
    const [download] = await Promise.all([
      s.page.waitForEvent('download'),
      s.page.getByTestId('export-batch').click(),
    ]);
    const path = join(s.dir, download.suggestedFilename());
    await download.saveAs(path);

    await s.page.getByTestId('open-handover').click();
    await s.page.getByTestId('handover-dialog').waitFor();
    await s.page.getByTestId('handover-input').setInputFiles(path);
    await s.page.getByTestId('handover-summary').waitFor();
    expect(await s.page.getByTestId('handover-summary').textContent()).toContain(batch.batchNo);
    expect(await s.page.getByTestId('handover-entries').textContent()).toBe('2');
    await s.screenshot('handover-reopen-summary');
    // The batch it came from is still open here: the same file never makes a second open batch.
    await s.page.getByTestId('handover-open').click();
    await s.page.getByTestId('handover-error').waitFor();
    expect(await s.page.getByTestId('handover-error').textContent()).toContain('discard it');

    await service(s, 'batches:discard', { batchId: batch.id });
    await s.page.getByTestId('handover-open').click();
    await s.page.getByTestId('handover-dialog').waitFor({ state: 'hidden' });
    const reopened = (await service<{ rows: BatchDto[] }>(s, 'batches:list', {})).rows.find(
      (b) => b.id !== batch.id,
    );
    expect(reopened).toMatchObject({
      status: 'open',
      payType: 10012,
      note: 'half keyed, finish at the other desk',
    });
    await s.page.locator(`[data-testid="batch-workspace"][data-batch-no="${reopened!.batchNo}"]`).waitFor();
    expect(reopened!.zeroProof.enteredCount).toBe(2);
    await s.screenshot('handover-reopen-batch');
    expect(s.consoleErrors).toEqual([]);
  }, 180_000);
});
