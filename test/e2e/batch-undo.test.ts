import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto } from '../../src-shared/dto/batches';
import { dispatchConfirmed } from '../helpers/confirm';
import { addOperatorClient } from '../helpers/operators';
import { usdAccounts } from '../helpers/suspense';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

describe('undo a submitted batch from the batch workspace', () => {
  let s: E2eSession;
  let batch: BatchDto;

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 40, seed: 8 });
    const accounts = usdAccounts(s.app, 3);
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: ['25.00', '10.10', '3.45'].map((amount, i) => ({ accountNo: accounts[i]!.accountNo, amount })),
    });
    await service(s, 'batches:validate', { batchId: batch.id });
    const posted = await dispatchConfirmed(s.app, 'batches:submit', { batchId: batch.id });
    if (!posted.ok) throw new Error(posted.error.message);
    // Reversal batches need a second supervisor: the undo ends pending approval.
    await service(s, 'policies:save', {
      operation: 'batches:reversal',
      above: '0',
      requirement: 'four_eyes',
      role: 'supervisor',
    });
    await openDesk(s, '#/batches');
  }, 180_000);

  afterAll(async () => {
    await s?.close();
  });

  it('previews what the undo reverses, builds the reversal batch and leaves it waiting for approval', async () => {
    await s.page.getByTestId('batch-filter').click();
    await s.page.getByRole('option', { name: 'All batches' }).click();
    await s.page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await s.page.locator(`[data-testid="batch-workspace"][data-batch-no="${batch.batchNo}"]`).waitFor();
    await s.page.getByTestId('undo-batch').click();
    const dialog = s.page.getByTestId('undo-dialog');
    await dialog.waitFor();
    await s.page.getByTestId('undo-count').waitFor();
    expect(await s.page.getByTestId('undo-count').textContent()).toBe('3 payments');
    expect(await s.page.getByTestId('undo-reversal-no').textContent()).toBe(`${batch.batchNo}-U1`);
    expect(await s.page.getByTestId('undo-total-USD').textContent()).toContain('38.55');
    expect(await s.page.getByTestId('undo-entry-1').getAttribute('data-action')).toBe('reverse');
    // No reason, no undo.
    expect(await s.page.getByTestId('undo-confirm').isDisabled()).toBe(true);
    await s.page.getByTestId('undo-reason').fill('Lockbox file loaded on the wrong day');
    await s.screenshot('batch-undo-preview');
    await s.page.setViewportSize({ width: 1920, height: 1080 });
    await s.screenshot('batch-undo-preview-1920');
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.getByTestId('undo-confirm').click();
    await s.page.getByTestId('undo-pending').waitFor();
    expect(await s.page.getByTestId('undo-pending').textContent()).toContain('Sent for approval');
    await s.screenshot('batch-undo-pending');
    const reversal = s.app.ctx.ledger.sqlite
      .prepare('SELECT id, status FROM batches WHERE batch_no = ?')
      .get(`${batch.batchNo}-U1`) as { id: number; status: string };
    expect(reversal.status).toBe('validated');
    expect(s.app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM reversals').get()).toEqual({ n: 0 });

    // A second supervisor approves; the reversal batch posts.
    const sue = await addOperatorClient(s.app, 'sue', ['supervisor']);
    const approvalId = (
      s.app.ctx.ledger.sqlite.prepare(`SELECT id FROM approvals WHERE status = 'pending'`).get() as {
        id: number;
      }
    ).id;
    const done = await s.app.dispatch('approvals:confirm', { approvalId }, sue);
    expect(done.ok).toBe(true);
    await s.page.getByTestId('undo-open-reversal').click();
    await dialog.waitFor({ state: 'hidden' });
    await s.page.locator(`[data-testid="batch-workspace"][data-batch-no="${batch.batchNo}-U1"]`).waitFor();
    await s.screenshot('batch-undo-reversal');
    expect(s.app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM reversals').get()).toEqual({ n: 3 });
    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    expect(s.consoleErrors).toEqual([]);
  }, 180_000);
});
