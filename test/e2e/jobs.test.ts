import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

// Issue #17: the ledger's record of jobs, in the desk (status bar › Jobs): what ran, on what, for whom and how
// it ended, kept after the job and after a restart; it follows new jobs without a reload.

describe('the jobs record in the desk', () => {
  let s: E2eSession;
  let batch: BatchDto;

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 20, seed: 5 });
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'JOBS-1',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [{ accountNo: 'A1', amount: '10.00', checkNo: '111' }],
    });
    await service(s, 'batches:validate', { batchId: batch.id });
    await openDesk(s, '#/batches');
  });

  afterAll(async () => {
    await s?.close();
  });

  it('lists the jobs with how they ended and shows a new one as it finishes', async () => {
    await s.page.getByTestId('status-jobs').click();
    const dialog = s.page.getByTestId('jobs-dialog');
    const rows = dialog.getByTestId('jobs-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    await expect
      .poll(() => rows.nth(0).innerText())
      .toMatch(/validation\s+batch \d+\s+e2e\.clerk\s+Finished/i);
    expect(await rows.nth(1).innerText()).toMatch(/Demo load\s+20 accounts/);

    // A job that fails while the list is open: it appears at the top, with its reason, without a reload.
    await s.page.evaluate(async () => {
      const { api } = window as unknown as { api: { invoke: (c: string, i: unknown) => Promise<unknown> } };
      await api.invoke('batches:validate', { batchId: 999_999 });
    });
    await dialog.locator('[data-testid="jobs-row"][data-status="failed"]').waitFor();
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(0).innerText()).toMatch(/batch 999999[\s\S]*Failed[\s\S]*999999/);
    await s.screenshot('jobs-dialog');

    await dialog.getByTestId('jobs-all').click();
    await expect.poll(() => rows.count()).toBe(3);
    await dialog.getByTestId('jobs-close').click();
    await dialog.waitFor({ state: 'detached' });
    expect(s.consoleErrors).toEqual([]);
  });
});
