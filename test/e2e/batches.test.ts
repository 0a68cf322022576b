import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDetailDto, AccountSearchDto } from '../../src-shared/dto/accounts';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  BatchFileDto,
  EntryStatusDto,
} from '../../src-shared/dto/batches';
import { formatMinor } from '../../src-shared/money';
import { startSession, type E2eSession } from './helpers';

/** Calls a command through the services of the same ledger (not through the UI) and unwraps the result. */
async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** The display text the UI must show for a USD amount, computed independently of the renderer code. */
function usd(amountMinor: number): string {
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
    formatMinor(amountMinor, 2) as `${number}`,
  );
}

/** Every entry of a batch in entry order, from the service. */
async function entriesOf(s: E2eSession, batchId: number): Promise<BatchEntryDto[]> {
  return (await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId, startRow: 0, endRow: 5000 }))
    .rows;
}

/** A grid cell of an entry. */
function cell(page: Page, entryId: number, colId: string) {
  return page.locator(
    `[data-testid="entries-grid"] .ag-row[row-id="${entryId}"] .ag-cell[col-id="${colId}"]`,
  );
}

/** The texts of one column in display order (by row index), over the rows the grid has rendered. */
async function columnTexts(page: Page, colId: string): Promise<string[]> {
  return page.evaluate((col) => {
    const rows = [...document.querySelectorAll('[data-testid="entries-grid"] .ag-row')].filter(
      (r) => r.getAttribute('row-id') !== 'totals',
    );
    return rows
      .map((r) => ({
        i: Number(r.getAttribute('row-index')),
        t: r.querySelector(`.ag-cell[col-id="${col}"]`)?.textContent?.trim() ?? '',
      }))
      .sort((a, b) => a.i - b.i)
      .map((r) => r.t);
  }, colId);
}

/** Waits until the grid's cell editor is open in this column (the cursor is where the clerk types next). */
async function waitEditing(page: Page, colId: string): Promise<void> {
  try {
    await page.waitForFunction(
      (col) => {
        const a = document.activeElement;
        return !!a && a.tagName === 'INPUT' && a.closest('.ag-cell')?.getAttribute('col-id') === col;
      },
      colId,
      { timeout: 5_000 },
    );
  } catch (err) {
    const where = await page.evaluate(() => {
      const a = document.activeElement;
      const c = a?.closest('.ag-cell');
      return `${a?.tagName ?? 'nothing'} in ${c?.getAttribute('col-id') ?? '-'} of row ${c?.closest('.ag-row')?.getAttribute('row-index') ?? '-'}`;
    });
    throw new Error(`no editor in ${colId}; focus is on ${where}`, { cause: err });
  }
}

/** Waits until the service holds entries matching the predicate (saves are asynchronous). */
async function waitEntries(
  s: E2eSession,
  batchId: number,
  ok: (rows: BatchEntryDto[]) => boolean,
): Promise<BatchEntryDto[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const rows = await entriesOf(s, batchId);
    if (ok(rows)) return rows;
    if (Date.now() > deadline)
      throw new Error(
        `entries never matched: ${JSON.stringify(rows.map((r) => [r.accountNo, r.amountText, r.checkNo, r.payerName]))}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the zero-proof bar reports balanced (or not). */
async function waitBalanced(page: Page, balanced: boolean): Promise<void> {
  await page.locator(`[data-testid="zero-proof"][data-balanced="${balanced}"]`).waitFor({ timeout: 10_000 });
}

/** Waits until the status pill of an entry shows this text. */
async function waitStatus(page: Page, entryId: number, text: string): Promise<void> {
  await page
    .getByTestId(`entry-status-${entryId}`)
    .filter({ hasText: new RegExp(`^${text}$`) })
    .waitFor({
      timeout: 10_000,
    });
}

/** Keys one entry: each value then Tab to the next editable cell; the last value ends with `end`. */
async function keyEntry(page: Page, values: readonly string[], end: string): Promise<void> {
  for (const [i, v] of values.entries()) {
    if (v) await page.keyboard.type(v, { delay: 5 });
    await page.keyboard.press(i === values.length - 1 ? end : 'Tab');
  }
}

type Picked = { accountNo: string; billNo: string; dueMinor: number };

describe('Batches (Payment Tool) in the real renderer over the bridge', () => {
  let s: E2eSession;
  const accounts: Picked[] = [];
  let batch: BatchDto;
  let sortBatch: BatchDto;
  let ids: number[] = [];

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 200, seed: 11 });
    // USD accounts with one bill unit and an open bill, found through the same services the app uses.
    const all = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 200,
    });
    for (const row of all.rows) {
      if (row.status !== 'active' || row.currency !== 'USD') continue;
      const d = await service<AccountDetailDto>(s, 'accounts:show', { accountNo: row.accountNo });
      const bill = d.openBills.find((b) => b.amountDueMinor > 2000);
      if (d.isSuspense || d.billUnits.length !== 1 || !d.billUnits[0]?.paying || !bill) continue;
      accounts.push({ accountNo: d.accountNo, billNo: bill.billNo, dueMinor: bill.amountDueMinor });
      if (accounts.length === 3) break;
    }
    expect(accounts.length, 'the demo book has three USD accounts with open bills').toBe(3);
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('creates a payment batch in the dialog and keys four entries with the keyboard only', async () => {
    const [a1, a2, a3] = accounts as [Picked, Picked, Picked];
    // The deposit slip: four payments; the total the clerk will reach once the mistyped amount is fixed.
    const controlMinor = a1.dueMinor + 1200 + 1234 + 500;
    await s.page.getByTestId('no-batch-selected').waitFor();
    await s.page.getByTestId('new-batch').click();
    const dialog = s.page.getByTestId('new-batch-dialog');
    await dialog.waitFor();
    expect(await s.page.getByTestId('new-batch-pay-type').textContent()).toContain('Check');
    expect(await s.page.getByTestId('new-batch-currency').textContent()).toContain('USD');
    expect(await s.page.getByTestId('new-batch-level-help').textContent()).toContain(
      'Fixed when the batch is created',
    );
    // Reversal batches take other pay types than payment batches; refund batches never take card (V10).
    await s.page.getByTestId('new-batch-type-reversal').click();
    await s.page.getByTestId('new-batch-pay-type').click();
    await s.page.getByTestId('new-batch-pay-type-10003').waitFor();
    expect(await s.page.getByTestId('new-batch-pay-type-10011').count()).toBe(0);
    await s.page.keyboard.press('Escape');
    await s.page.getByTestId('new-batch-type-refund').click();
    await s.page.getByTestId('new-batch-pay-type').click();
    await s.page.getByTestId('new-batch-pay-type-10011').waitFor();
    expect(await s.page.getByTestId('new-batch-pay-type-10003').count()).toBe(0);
    await s.page.keyboard.press('Escape');
    await s.page.getByTestId('new-batch-type-payment').click();
    await s.page.getByTestId('new-batch-lockbox').fill('LB-0042');
    await s.page.getByTestId('new-batch-control-count').fill('4');
    await s.page.getByTestId('new-batch-control-total').fill('12.345');
    await s.page.getByTestId('new-batch-create').click();
    await dialog.getByText('has 3 decimals').waitFor();
    await s.page.getByTestId('new-batch-control-total').fill(formatMinor(controlMinor, 2));
    await s.page.getByTestId('new-batch-note').fill('Tuesday mail, envelope 3');
    await s.screenshot('batches-new-dialog');
    await s.page.getByTestId('new-batch-create').click();
    await dialog.waitFor({ state: 'hidden' });

    const workspace = s.page.getByTestId('batch-workspace');
    await workspace.waitFor();
    const batchId = Number(await workspace.getAttribute('data-batch-id'));
    batch = await service<BatchDto>(s, 'batches:get', { batchId });
    expect(batch).toMatchObject({
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      allocationLevel: 'bill',
      lockboxNo: 'LB-0042',
      controlCount: 4,
      controlTotalMinor: controlMinor,
      note: 'Tuesday mail, envelope 3',
    });
    await s.page.getByTestId(`batch-item-${batch.batchNo}`).waitFor();
    expect(await s.page.getByTestId('batch-control-total').textContent()).toBe(usd(controlMinor));

    // The new batch opens with its first entry and the cursor in Account no: key four entries, hands on keys.
    await waitEditing(s.page, 'accountNo');
    // More room for the grid while keying: the batch list folds away (and the choice is remembered).
    await s.page.getByTestId('batch-list-collapse').click();
    await s.page.getByTestId('batch-list-expand').waitFor();
    expect(await s.page.evaluate(() => localStorage.getItem('paydesk.batches.list-collapsed'))).toBe('true');
    // Ctrl+Enter from outside the grid goes back to the new entry (the untouched one is reused, not doubled).
    await s.page.keyboard.press('Control+Enter');
    await waitEditing(s.page, 'accountNo');
    // Account, bill, amount, date, check, payer, reference: Tab between cells, Enter at the end adds an entry.
    await keyEntry(
      s.page,
      [a1.accountNo, a1.billNo, formatMinor(a1.dueMinor, 2), '', '1001', 'Ada Byron', ''],
      'Enter',
    );
    await waitEditing(s.page, 'accountNo');
    await keyEntry(s.page, ['NO-SUCH-ACCT', '', '12.00', '', '1002', 'Mia Wolf', 'env 3'], 'Enter');
    // No pause: what is typed while the new entry is being added is held and lands in its first cell.
    await s.page.keyboard.type(a2.accountNo, { delay: 5 });
    await waitEditing(s.page, 'accountNo');
    await s.page.waitForFunction(
      (no) => (document.activeElement as HTMLInputElement | null)?.value === no,
      a2.accountNo,
    );
    await s.page.keyboard.press('Tab');
    await keyEntry(s.page, ['', '12.345', '', '1003', 'Bo Chen', ''], 'Enter');
    await waitEditing(s.page, 'accountNo');
    // The last one: Ctrl+D copies the payer from the entry above; Ctrl+Z takes it back; Ctrl+D again.
    await keyEntry(s.page, [a3.accountNo, '', '5', '', '1004'], 'Tab');
    await waitEditing(s.page, 'payerName');
    await s.page.keyboard.press('Control+d');
    let rows = await waitEntries(s, batchId, (r) => r.length === 4 && r[3]?.payerName === 'Bo Chen');
    await s.page.keyboard.press('Control+z');
    rows = await waitEntries(s, batchId, (r) => r[3]?.payerName === null);
    await s.page.keyboard.press('Control+d');
    rows = await waitEntries(s, batchId, (r) => r[3]?.payerName === 'Bo Chen' && r[3]?.checkNo === '1004');
    ids = rows.map((r) => r.id);

    expect(rows.map((r) => [r.accountNo, r.billNo, r.amountText, r.checkNo, r.payerName])).toEqual([
      [a1.accountNo, a1.billNo, formatMinor(a1.dueMinor, 2), '1001', 'Ada Byron'],
      ['NO-SUCH-ACCT', null, '12.00', '1002', 'Mia Wolf'],
      [a2.accountNo, null, '12.345', '1003', 'Bo Chen'],
      [a3.accountNo, null, '5', '1004', 'Bo Chen'],
    ]);
    expect(rows[2]).toMatchObject({ status: 'invalid', problemColumn: 'amount', amountMinor: null });

    // The mistyped amount is marked in its cell, with the reason in the Problem column and as a tooltip.
    const bad = cell(s.page, ids[2]!, 'amount');
    await s.page
      .locator(
        `[data-testid="entries-grid"] .ag-row[row-id="${ids[2]}"] .ag-cell[col-id="amount"].batch-cell-invalid`,
      )
      .waitFor();
    expect(await cell(s.page, ids[2]!, 'problem').textContent()).toContain('3 decimals');
    expect(await cell(s.page, ids[0]!, 'amount').textContent()).toBe(usd(a1.dueMinor));
    expect(await cell(s.page, ids[3]!, 'amount').textContent()).toBe('5.00');
    await waitStatus(s.page, ids[2]!, 'Invalid');
    // Four entries keyed, but 12.34 short: the bar is red and says why; submit is not possible.
    await waitBalanced(s.page, false);
    expect(await s.page.getByTestId('zero-proof-problem').textContent()).toContain('12.34 USD short');
    expect(await s.page.getByTestId('submit-batch').isDisabled()).toBe(true);
    // Totals row: count and amount of everything shown (the bad amount counts as nothing).
    const totals = s.page.locator('[data-testid="entries-grid"] .ag-row[row-id="totals"]');
    await totals.locator('.ag-cell[col-id="accountNo"]').filter({ hasText: '4 entries' }).waitFor();
    expect(await totals.locator('.ag-cell[col-id="amount"]').textContent()).toBe(usd(controlMinor - 1234));
    await bad.hover();
    await s.page.locator('.ag-tooltip').filter({ hasText: '3 decimals' }).waitFor();
    await s.screenshot('batch-grid-keyed');

    // Fix it in place: open the cell editor, replace the text, Enter.
    await bad.dblclick();
    await waitEditing(s.page, 'amount');
    await s.page.keyboard.press('Control+a');
    await s.page.keyboard.type('12.34');
    await s.page.keyboard.press('Enter');
    await waitEntries(s, batchId, (r) => r[2]?.amountMinor === 1234 && r[2].status === 'new');
    await waitStatus(s.page, ids[2]!, 'New');
    expect(await bad.textContent()).toBe('12.34');
    expect(await bad.getAttribute('class')).not.toContain('batch-cell-invalid');
    await waitBalanced(s.page, true);
    expect(await s.page.getByTestId('zero-proof-entered-total').getAttribute('data-minor')).toBe(
      String(controlMinor),
    );
    await totals
      .locator('.ag-cell[col-id="amount"]')
      .filter({ hasText: usd(controlMinor) })
      .waitFor();
    // Balanced, but not validated yet: submit explains what is missing.
    expect(await s.page.getByTestId('submit-blocked-reason').textContent()).toContain(
      'Validate the batch first',
    );
  });

  it('validates, suspends by hand, moves an invalid entry to an exception batch and submits', async () => {
    // Payment suspense on: an unknown account goes to suspense instead of blocking the batch.
    s.app.ctx.ledger.sqlite
      .prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('PaymentSuspense', 'true')")
      .run();
    await s.page.getByTestId('validate').click();
    await s.page.getByTestId('validate-result').waitFor({ timeout: 20_000 });
    let rows = await entriesOf(s, batch.id);
    expect(rows.map((r) => r.status)).toEqual(['valid', 'to_be_suspended', 'valid', 'valid']);
    expect(rows[1]).toMatchObject({ reasonCode: 2001 });
    await waitStatus(s.page, ids[1]!, 'To be suspended');
    expect(await cell(s.page, ids[1]!, 'reasonCode').textContent()).toBe('2001');
    expect(await cell(s.page, ids[1]!, 'problem').textContent()).toContain('NO-SUCH-ACCT not found');
    await waitStatus(s.page, ids[0]!, 'Valid');
    expect(await s.page.getByTestId('status-chip-valid').getAttribute('data-count')).toBe('3');
    expect(await s.page.getByTestId('status-chip-to_be_suspended').getAttribute('data-count')).toBe('1');
    expect(await s.page.getByTestId('batch-status').textContent()).toBe('Validated');
    expect(await s.page.getByTestId('submit-batch').isDisabled()).toBe(false);
    await s.page.mouse.move(10, 10);
    await s.screenshot('batch-validated');

    // Suspend the third entry by hand (F8 on the focused entry), with a reason code of the clerk's choice.
    await cell(s.page, ids[2]!, 'seq').click();
    await s.page.keyboard.press('F8');
    const suspend = s.page.getByTestId('suspend-dialog');
    await suspend.waitFor();
    expect(await s.page.getByTestId('suspend-reason').inputValue()).toBe('2007');
    await s.page.getByTestId('suspend-reason').fill('2006');
    await s.page.getByTestId('suspend-confirm').click();
    await suspend.waitFor({ state: 'hidden' });
    await waitStatus(s.page, ids[2]!, 'To be suspended \\(by hand\\)');
    expect(await cell(s.page, ids[2]!, 'reasonCode').textContent()).toBe('2006');
    // Release puts it back to be validated; suspend again with the default reason.
    expect(await s.page.getByTestId('release-entry').isDisabled()).toBe(false);
    await s.page.getByTestId('release-entry').click();
    await waitStatus(s.page, ids[2]!, 'New');
    await cell(s.page, ids[2]!, 'seq').click();
    await s.page.getByTestId('suspend-entry').click();
    await s.page.getByTestId('suspend-confirm').click();
    await waitStatus(s.page, ids[2]!, 'To be suspended \\(by hand\\)');
    expect(await cell(s.page, ids[2]!, 'reasonCode').textContent()).toBe('2007');

    // Clear the fourth entry's account: it can no longer post and the batch must be validated again.
    await cell(s.page, ids[3]!, 'accountNo').dblclick();
    await waitEditing(s.page, 'accountNo');
    await s.page.keyboard.press('Control+a');
    await s.page.keyboard.press('Backspace');
    await s.page.keyboard.press('Enter');
    await waitEntries(s, batch.id, (r) => r[3]?.accountNo === null);
    await s.page.getByTestId('validate').click();
    await waitStatus(s.page, ids[3]!, 'Invalid');
    expect(await cell(s.page, ids[3]!, 'problem').textContent()).toContain(
      'account number or a bill number is required',
    );
    await s.page.getByTestId('submit-blocked-reason').filter({ hasText: '1 entry is invalid' }).waitFor();
    expect(await s.page.getByTestId('submit-batch').isDisabled()).toBe(true);

    // Exception batch: the invalid entry moves to a new linked batch; the link opens it.
    await s.page.getByTestId('exception-batch').click();
    const moved = s.page.getByTestId('exception-result');
    await moved.waitFor();
    expect(await moved.textContent()).toContain('Moved 1 entry');
    const exceptionNo = (await s.page.getByTestId('exception-link').textContent())!.trim();
    expect(exceptionNo).toBe(`${batch.batchNo}-X1`);
    rows = await entriesOf(s, batch.id);
    expect(rows.map((r) => r.id)).toEqual(ids.slice(0, 3));
    // The slip described all four: the batch keeps it and proves with the entry that moved (finding 7).
    await waitBalanced(s.page, true);
    expect(await s.page.getByTestId('zero-proof-entered-count').textContent()).toBe('3');
    expect(await s.page.getByTestId('zero-proof-moved-count').textContent()).toBe('+ 1 moved');
    expect(await s.page.getByTestId('zero-proof-moved-total').textContent()).toBe(`+ ${usd(500)} USD moved`);
    expect(await s.page.getByTestId('zero-proof-exception-batches').textContent()).toBe(
      `Moved to ${exceptionNo}: 1 entry, ${usd(500)} USD`,
    );
    await s.page.mouse.move(10, 10);
    await s.screenshot('batch-exception-split');

    await s.page.getByTestId('validate').click();
    await s.page.getByTestId('validate-result').waitFor();
    await s.page.locator('[data-testid="batch-workspace"][data-status="validated"]').waitFor();
    await s.page.getByTestId('submit-batch').click();
    const confirm = s.page.getByTestId('submit-dialog');
    await confirm.waitFor();
    expect(await s.page.getByTestId('submit-row-valid').textContent()).toContain('Posted to the account');
    expect(await s.page.getByTestId('submit-row-to_be_suspended').textContent()).toContain('2');
    await s.page.getByTestId('submit-confirm').click();
    await confirm.waitFor({ state: 'hidden', timeout: 20_000 });
    const result = s.page.getByTestId('submit-result');
    await result.waitFor();
    expect(await s.page.getByTestId('submit-posted').textContent()).toBe('1 posted');
    expect(await s.page.getByTestId('submit-suspended').textContent()).toBe('2 suspended');
    await s.page.locator('[data-testid="batch-workspace"][data-status="submitted"]').waitFor();
    await waitStatus(s.page, ids[0]!, 'Posted');
    // Entries that went to suspense say so (finding 6): chip, status cell, filter.
    await waitStatus(s.page, ids[1]!, 'Posted to suspense');
    await waitStatus(s.page, ids[2]!, 'Posted to suspense \\(by hand\\)');
    expect(await s.page.getByTestId('status-chip-posted').getAttribute('data-count')).toBe('1');
    expect(await s.page.getByTestId('status-chip-posted_suspense').getAttribute('data-count')).toBe('2');
    await s.page.getByTestId('status-chip-posted_suspense').click();
    await s.page.locator('[data-testid="entries-grid"][data-total="2"]').waitFor();
    await s.page.getByTestId('status-chip-all').click();
    await s.page.locator('[data-testid="entries-grid"][data-total="3"]').waitFor();
    // The report splits posted to accounts from posted to suspense.
    await s.page.getByTestId('batch-report').click();
    await s.page.getByTestId('report-posted-suspense').waitFor();
    expect(await s.page.getByTestId('report-posted-accounts').textContent()).toBe(
      `Posted to accounts1${usd(accounts[0]!.dueMinor)}`,
    );
    expect(await s.page.getByTestId('report-posted-suspense').textContent()).toBe(
      `Posted to suspense2${usd(1200 + 1234)}`,
    );
    await s.screenshot('batch-submitted-report');
    await s.page.keyboard.press('Escape');
    await s.page.getByTestId('report-dialog').waitFor({ state: 'hidden' });
    expect(await s.page.getByTestId('validate').isDisabled()).toBe(true);
    expect(await s.page.getByTestId('new-entry').isDisabled()).toBe(true);
    await s.page.mouse.move(10, 10);
    await s.screenshot('batch-submitted');

    // The ledger agrees: three payments from this batch (one posted, two suspended), invariants hold.
    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    const db = s.app.ctx.ledger.sqlite;
    expect(
      (db.prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?').get(batch.id) as { n: number }).n,
    ).toBe(3);
    expect(
      db
        .prepare(
          "SELECT reason_code AS r, account_hint AS hint FROM payments WHERE batch_id = ? AND kind = 'suspended' ORDER BY id",
        )
        .all(batch.id),
    ).toEqual([
      { r: 2001, hint: 'NO-SUCH-ACCT' },
      { r: 2007, hint: accounts[1]!.accountNo },
    ]);
    rows = await entriesOf(s, batch.id);
    expect(rows.every((r) => r.status.startsWith('posted') && r.postedPaymentId !== null)).toBe(true);
    expect(rows.filter((r) => r.status === 'posted_suspense')).toHaveLength(2);

    // The exception batch holds the moved entry and links back.
    await s.page.getByTestId('submit-result').waitFor();
    await s.page.getByTestId('batch-list-expand').click();
    await s.page.getByTestId(`batch-item-${exceptionNo}`).click();
    await s.page.locator(`[data-testid="batch-workspace"][data-batch-no="${exceptionNo}"]`).waitFor();
    await s.page.getByTestId('parent-batch-link').waitFor();
    await s.page.locator('[data-testid="entries-grid"][data-total="1"]').waitFor();
    expect(await columnTexts(s.page, 'checkNo')).toEqual(['1004']);
    // It carries what the slip leaves for it, and shows how the parent's slip adds up.
    await waitBalanced(s.page, true);
    expect(await s.page.getByTestId('zero-proof-parent').getAttribute('data-balanced')).toBe('true');
    expect(await s.page.getByTestId('zero-proof-parent').textContent()).toContain(
      `Split off ${batch.batchNo}`,
    );
    await s.page.mouse.move(10, 10);
    await s.screenshot('batch-exception-child');
  });

  it('sorts by amount on the service side and filters by status with the chips', async () => {
    const created = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10011,
      currency: 'USD',
    });
    sortBatch = created;
    const amounts = ['40.00', '7.50', 'abc', '123.45', '0.99', '19.99', '1,000.00', '3', '12.3.4', '88.10'];
    await service(s, 'batches:save-entries', {
      batchId: created.id,
      entries: amounts.map((amount, i) => ({
        accountNo: accounts[i % 3]!.accountNo,
        amount,
        checkNo: String(2000 + i),
      })),
    });
    await s.page.reload();
    await s.page.getByTestId('batches-page').waitFor();
    await s.page.getByTestId(`batch-item-${created.batchNo}`).click();
    await s.page
      .locator(`[data-testid="entries-grid"][data-batch-id="${created.id}"][data-total="10"]`)
      .waitFor();
    await s.page
      .locator('[data-testid="entries-grid"] .ag-row[row-index="9"]:not([row-id="totals"])')
      .waitFor();

    const byService = async (dir: 'asc' | 'desc') =>
      (
        await service<BatchEntriesPageDto>(s, 'batches:entries', {
          batchId: created.id,
          startRow: 0,
          endRow: 100,
          sortBy: 'amountMinor',
          sortDir: dir,
        })
      ).rows.map((r) => r.checkNo);
    const header = s.page.locator('[data-testid="entries-grid"] .ag-header-cell[col-id="amount"]');
    await header.click();
    await s.page.waitForFunction(
      () =>
        document
          .querySelector('[data-testid="entries-grid"] .ag-header-cell[col-id="amount"]')
          ?.getAttribute('aria-sort') === 'ascending',
    );
    const asc = await byService('asc');
    await expect.poll(() => columnTexts(s.page, 'checkNo')).toEqual(asc);
    const ascAmounts = await columnTexts(s.page, 'amount');
    // Unparsable amounts sort first (no minor units), then ascending by value, whatever the typed format.
    expect(ascAmounts.slice(2)).toEqual([
      '0.99',
      '3.00',
      '7.50',
      '19.99',
      '40.00',
      '88.10',
      '123.45',
      '1,000.00',
    ]);
    await header.click();
    const desc = await byService('desc');
    await expect.poll(() => columnTexts(s.page, 'checkNo')).toEqual(desc);
    expect(desc[0]).toBe('2006');

    // Status chips filter on the service side; the totals row follows the filter.
    const invalid = s.page.getByTestId('status-chip-invalid');
    expect(await invalid.getAttribute('data-count')).toBe('2');
    await invalid.click();
    expect(await invalid.getAttribute('aria-pressed')).toBe('true');
    await s.page.locator('[data-testid="entries-grid"][data-total="2"]').waitFor();
    await expect.poll(() => columnTexts(s.page, 'amount')).toEqual(expect.arrayContaining(['abc', '12.3.4']));
    expect((await columnTexts(s.page, 'amount')).length).toBe(2);
    const totals = s.page.locator('[data-testid="entries-grid"] .ag-row[row-id="totals"]');
    await totals.locator('.ag-cell[col-id="accountNo"]').filter({ hasText: '2 entries' }).waitFor();
    // Both statuses at once, then back to all.
    await s.page.getByTestId('status-chip-new').click();
    await s.page.locator('[data-testid="entries-grid"][data-total="10"]').waitFor();
    await invalid.click();
    await s.page.locator('[data-testid="entries-grid"][data-total="8"]').waitFor();
    const filtered = await service<BatchEntriesPageDto>(s, 'batches:entries', {
      batchId: created.id,
      startRow: 0,
      endRow: 0,
      status: ['new'] satisfies EntryStatusDto[],
    });
    expect(Number(await s.page.getByTestId('entries-grid').getAttribute('data-total-minor'))).toBe(
      filtered.totalAmountMinor,
    );
    await s.page.getByTestId('status-chip-all').click();
    await s.page.locator('[data-testid="entries-grid"][data-total="10"]').waitFor();

    // Delete with the keyboard (Space selects, Delete asks, Enter confirms): the two unparsable entries go.
    await invalid.click();
    await s.page.locator('[data-testid="entries-grid"][data-total="2"]').waitFor();
    const first = s.page.locator(
      '[data-testid="entries-grid"] .ag-row[row-index="0"]:not([row-id="totals"]) .ag-cell[col-id="checkNo"]',
    );
    await first.click();
    await s.page.keyboard.press('Space');
    await s.page.keyboard.press('ArrowDown');
    await s.page.keyboard.press('Space');
    await s.page.keyboard.press('Delete');
    await s.page.getByTestId('delete-entries-dialog').getByText('Delete 2 entries?').waitFor();
    await s.page.keyboard.press('Enter');
    await s.page.locator('[data-testid="entries-grid"][data-total="0"]').waitFor();
    expect((await entriesOf(s, created.id)).map((r) => r.amountText)).toEqual(
      amounts.filter((a) => a !== 'abc' && a !== '12.3.4'),
    );
  });

  it('remembers the column layout per user and batch type, and exports the hand-over file', async () => {
    await s.page.getByTestId('grid-columns').click();
    await s.page.getByTestId('column-toggle-checkNo').click();
    await s.page.keyboard.press('Escape');
    await s.page
      .locator('[data-testid="entries-grid"] .ag-header-cell[col-id="checkNo"]')
      .waitFor({ state: 'detached' });
    // The clerk's layout is kept in the ledger per operator, batch type and pay type (columns:save-layout).
    await expect
      .poll(
        async () =>
          (
            await service<{ layout: { hidden: string[] } | null }>(s, 'columns:grid', {
              batchType: 'payment',
              payType: 10011,
            })
          ).layout?.hidden ?? [],
      )
      .toContain('checkNo');
    await s.page.reload();
    await s.page.getByTestId(`batch-item-${sortBatch.batchNo}`).click();
    await s.page.getByTestId('batch-workspace').waitFor();
    await s.page.locator('[data-testid="entries-grid"] .ag-header-cell[col-id="amount"]').waitFor();
    expect(
      await s.page.locator('[data-testid="entries-grid"] .ag-header-cell[col-id="checkNo"]').count(),
    ).toBe(0);
    await s.page.getByTestId('grid-columns').click();
    await s.page.getByTestId('columns-reset').click();
    await s.page.locator('[data-testid="entries-grid"] .ag-header-cell[col-id="checkNo"]').waitFor();

    const workspace = s.page.getByTestId('batch-workspace');
    const batchNo = await workspace.getAttribute('data-batch-no');
    const [download] = await Promise.all([
      s.page.waitForEvent('download'),
      s.page.getByTestId('export-batch').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${batchNo}.pmt.json`);
    const doc = JSON.parse(readFileSync(await download.path(), 'utf8')) as BatchFileDto;
    expect(doc).toMatchObject({ format: 'paydesk-batch', version: 1, batch: { batchNo, payType: 10011 } });
    expect(doc.entries.map((e) => e.amount)).toEqual([
      '40.00',
      '7.50',
      '123.45',
      '0.99',
      '19.99',
      '1,000.00',
      '3',
      '88.10',
    ]);

    // Discard: nothing posts, the batch stays on record and can no longer change.
    await s.page.getByTestId('discard-batch').click();
    await s.page.getByTestId('discard-confirm').click();
    await s.page.locator('[data-testid="batch-workspace"][data-status="discarded"]').waitFor();
    expect(await s.page.getByTestId('validate').isDisabled()).toBe(true);
    expect(await s.page.getByTestId('new-entry').isDisabled()).toBe(true);
    expect((await service<BatchDto>(s, 'batches:get', { batchId: sortBatch.id })).status).toBe('discarded');
  });

  it('keys a reversal batch by payment ID and reverses the payment on submit', async () => {
    const paymentId = (await entriesOf(s, batch.id))[0]!.postedPaymentId!;
    await s.page.getByTestId('new-batch').click();
    await s.page.getByTestId('new-batch-type-reversal').click();
    expect(await s.page.getByTestId('new-batch-pay-type').textContent()).toContain('Check');
    await s.page.getByTestId('new-batch-create').click();
    await s.page
      .locator('[data-testid="batch-workspace"] [data-testid="batch-header"]')
      .getByText('Reversal batch')
      .waitFor();
    // Reversal entries carry the payment ID instead of account, bill and amount.
    await waitEditing(s.page, 'paymentRef');
    const headers = await s.page
      .locator('[data-testid="entries-grid"] .ag-header-cell[col-id]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('col-id')));
    expect(headers).toContain('paymentRef');
    expect(headers).not.toContain('accountNo');
    expect(headers).not.toContain('amount');
    // A payment ID is a number: anything else is refused where it was typed.
    await s.page.keyboard.type('P-17');
    await s.page.keyboard.press('Tab');
    await s.page.getByTestId('grid-message').getByText('is not a payment ID').waitFor();
    await s.page.keyboard.press('Shift+Tab');
    await waitEditing(s.page, 'paymentRef');
    await s.page.keyboard.type(String(paymentId));
    await s.page.keyboard.press('Tab');
    await s.page.keyboard.press('Escape');
    const workspace = s.page.getByTestId('batch-workspace');
    const reversalId = Number(await workspace.getAttribute('data-batch-id'));
    await waitEntries(s, reversalId, (r) => r.length === 1 && r[0]?.paymentRef === paymentId);
    await s.page.getByTestId('validate').click();
    await s.page.getByTestId('validate-result').waitFor();
    const [entry] = await entriesOf(s, reversalId);
    await waitStatus(s.page, entry!.id, 'Valid');
    await s.page.getByTestId('submit-batch').click();
    await s.page.getByTestId('submit-confirm').click();
    await s.page
      .getByTestId('submit-reversed')
      .filter({ hasText: '1 reversed' })
      .waitFor({ timeout: 20_000 });
    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    const reversals = s.app.ctx.ledger.sqlite
      .prepare('SELECT count(*) AS n FROM reversals WHERE payment_id = ?')
      .get(paymentId) as { n: number };
    expect(reversals.n).toBe(1);
  });

  it('reads well in the dark theme', async () => {
    // Submitted batches leave the default list ("open and validated"); the filter shows them.
    expect(await s.page.getByTestId(`batch-item-${batch.batchNo}`).count()).toBe(0);
    await s.page.getByTestId('batch-filter').click();
    await s.page.getByRole('option', { name: 'All batches' }).click();
    await s.page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await s.page.locator(`[data-testid="batch-workspace"][data-batch-no="${batch.batchNo}"]`).waitFor();
    await s.page.getByTestId('theme-toggle').click();
    await s.page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(15, 19, 24)');
    await s.page.mouse.move(10, 10);
    await s.screenshot('batch-submitted-dark');
  });

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([]);
  });
});
