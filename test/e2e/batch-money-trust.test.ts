import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDetailDto, AccountSearchDto } from '../../src-shared/dto/accounts';
import type { BatchDto, BatchEntriesPageDto, BatchEntryDto } from '../../src-shared/dto/batches';
import { startSession, type E2eSession } from './helpers';

// Issue #11 findings 2 and 12 in the grid: the problem sits on the account cell, and every problem is shown.

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

function cell(page: Page, entryId: number, colId: string) {
  return page.locator(
    `[data-testid="entries-grid"] .ag-row[row-id="${entryId}"] .ag-cell[col-id="${colId}"]`,
  );
}

describe('entry problems in the real renderer', () => {
  let s: E2eSession;

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 40, seed: 5 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('marks a ghost account on its cell and shows every problem of an entry', async () => {
    const all = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 40,
    });
    let bill: { billNo: string; accountNo: string } | undefined;
    for (const row of all.rows) {
      if (row.status !== 'active' || row.currency !== 'USD') continue;
      const d = await service<AccountDetailDto>(s, 'accounts:show', { accountNo: row.accountNo });
      const open = d.openBills[0];
      if (!d.isSuspense && open) {
        bill = { billNo: open.billNo, accountNo: d.accountNo };
        break;
      }
    }
    expect(bill, 'a USD account with an open bill').toBeDefined();
    const batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'TRUST-1',
    });
    const saved = await service<BatchEntryDto[]>(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [
        { accountNo: 'A9999999', billNo: bill!.billNo, amount: '10.00' },
        { accountNo: bill!.accountNo, amount: '1.005', paymentDate: '2026-02-30' },
      ],
    });
    const [ghost, twice] = saved.map((e) => e.id) as [number, number];

    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batch-item-TRUST-1').click();
    await s.page.locator('[data-testid="batch-workspace"][data-batch-no="TRUST-1"]').waitFor();
    await s.page.getByTestId('validate').click();
    await s.page.getByTestId('validate-result').waitFor({ timeout: 20_000 });
    const rows = (
      await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId: batch.id, startRow: 0, endRow: 10 })
    ).rows;
    expect(rows.map((r) => [r.status, r.problemColumn])).toEqual([
      ['invalid', 'accountNo'],
      ['invalid', 'amount'],
    ]);

    await expect
      .poll(() => cell(s.page, ghost, 'accountNo').getAttribute('class'))
      .toMatch(/batch-cell-invalid/);
    expect(await cell(s.page, ghost, 'billNo').getAttribute('class')).not.toMatch(/batch-cell-invalid/);
    expect(await cell(s.page, ghost, 'problem').textContent()).toContain('A9999999');
    // Both bad cells of the second entry are marked, and the problem column says there is more than one.
    expect(await cell(s.page, twice, 'amount').getAttribute('class')).toMatch(/batch-cell-invalid/);
    expect(await cell(s.page, twice, 'paymentDate').getAttribute('class')).toMatch(/batch-cell-invalid/);
    expect(await cell(s.page, twice, 'problem').textContent()).toMatch(/\(\+1 more\)/);
    expect(await cell(s.page, twice, 'currency').textContent()).toBe('USD');
    await s.screenshot('batch-money-trust-problems');
    expect(s.consoleErrors).toEqual([]);
  });
});
