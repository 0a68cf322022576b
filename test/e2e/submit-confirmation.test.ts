import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

describe('batch submit over the confirmation limit in the desktop UI', () => {
  let s: E2eSession;
  let batch: BatchDto;

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 60, seed: 5 });
    const db = s.app.ctx.ledger.sqlite;
    db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(
      'confirm.submitAboveAmount',
      JSON.stringify('100.00'),
    );
    const accounts = (
      db
        .prepare(
          `SELECT a.account_no AS a FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
           AND EXISTS (SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.status = 'open') ORDER BY a.id LIMIT 3`,
        )
        .all() as { a: string }[]
    ).map((r) => r.a);
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: accounts.map((a, i) => ({ accountNo: a, amount: '45.00', checkNo: String(700 + i) })),
    });
    await service(s, 'batches:validate', { batchId: batch.id });
    await openDesk(s, '', { width: 1440, height: 900 });
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  }, 90_000);

  afterAll(async () => {
    await s?.close();
  });

  it('shows count and total, posts nothing until the explicit confirm, then submits', async () => {
    const { page } = s;
    await page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await page.getByTestId('batch-workspace').waitFor();
    await page.getByTestId('submit-batch').click();
    const dialog = page.getByTestId('submit-dialog');
    await dialog.waitFor();
    await page.getByTestId('submit-confirm').click();
    await dialog.getByTestId('submit-confirmation').waitFor();
    await expect(dialog.getByTestId('confirmation-description').textContent()).resolves.toContain(
      `Submit payment batch ${batch.batchNo}: 3 entries`,
    );
    const usd = await dialog.getByTestId('confirmation-total-USD').textContent();
    expect(usd).toContain('3');
    expect(usd).toContain('135.00');
    await expect(dialog.getByTestId('submit-confirm-amount').textContent()).resolves.toContain('135.00');
    // Enter on the focused element would cancel, never submit.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await s.screenshot('submit-confirmation');
    expect(await service<BatchDto>(s, 'batches:get', { batchId: batch.id })).toMatchObject({
      status: 'validated',
    });
    await dialog.getByTestId('submit-confirm-amount').click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('submit-result').waitFor();
    expect(await service<BatchDto>(s, 'batches:get', { batchId: batch.id })).toMatchObject({
      status: 'submitted',
    });
    const row = s.app.ctx.ledger.sqlite
      .prepare(`SELECT status, outcome FROM confirmations WHERE operation = 'batches:submit'`)
      .get() as { status: string; outcome: string };
    expect(row).toEqual({ status: 'confirmed', outcome: `batch ${batch.id}` });
    expect(s.consoleErrors).toEqual([]);
  }, 60_000);
});
