import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchDto } from '../../src-shared/dto/accounts';
import type { BatchDto } from '../../src-shared/dto/batches';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

describe('a submit refused because the ledger moved on (finding 8)', () => {
  let s: E2eSession;
  beforeAll(async () => {
    s = await startDemoSession({ accounts: 40, seed: 4 });
    await openDesk(s, '', { width: 1440, height: 900 });
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows the refusal, and the grid shows the entry that changed and why once the dialog closes', async () => {
    const db = s.app.ctx.ledger.sqlite;
    db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('PaymentSuspense', 'true')").run();
    const found = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 40,
    });
    const [a1, a2] = found.rows.filter((r) => r.status === 'active' && r.currency === 'USD');
    const batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [
        { accountNo: a1!.accountNo, amount: '10.00' },
        { accountNo: a2!.accountNo, amount: '2.00' },
      ],
    });
    await service(s, 'batches:validate', { batchId: batch.id });
    await s.page.reload();
    await s.page.getByTestId('batches-page').waitFor();
    await s.page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await s.page.locator('[data-testid="batch-workspace"][data-status="validated"]').waitFor();
    // The ledger moves on after validation: the first account is closed.
    db.prepare(`UPDATE accounts SET status = 'closed' WHERE account_no = ?`).run(a1!.accountNo);
    await s.page.getByTestId('submit-batch').click();
    await s.page.getByTestId('submit-dialog').waitFor();
    await s.page.getByTestId('submit-confirm').click();
    await s.page.getByTestId('submit-error').filter({ hasText: 'changed since validation' }).waitFor();
    await s.page.getByRole('button', { name: 'Cancel' }).click();
    await s.page.getByTestId('submit-dialog').waitFor({ state: 'hidden' });
    await s.page.locator('[data-testid="batch-workspace"][data-status="open"]').waitFor();
    const rows = db
      .prepare('SELECT id, status FROM batch_entries WHERE batch_id = ? ORDER BY seq')
      .all(batch.id) as { id: number; status: string }[];
    expect(rows.map((r) => r.status)).toEqual(['to_be_suspended', 'valid']);
    await s.page
      .getByTestId(`entry-status-${rows[0]!.id}`)
      .filter({ hasText: /^To be suspended$/ })
      .waitFor();
    expect(await s.page.getByTestId('status-chip-to_be_suspended').getAttribute('data-count')).toBe('1');
    expect(
      (db.prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?').get(batch.id) as { n: number }).n,
    ).toBe(0);
    await s.page.mouse.move(10, 10);
    await s.screenshot('batch-submit-refused');
  });

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([]);
  });
});
