import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchDto } from '../../src-shared/dto/accounts';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchEntriesPageDto, BatchEntryDto } from '../../src-shared/dto/batches';
import { formatMinor } from '../../src-shared/money';
import { addOperatorClient } from '../helpers/operators';
import { usdAccounts } from '../helpers/suspense';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

const STANDARDS = resolve(process.cwd(), '../shared/standards');

const csv = (...rows: string[]): string => rows.join('\n') + '\n';

/** Calls a command through the services of the same ledger (setup and assertions only) and unwraps it. */

async function batches(s: E2eSession): Promise<BatchDto[]> {
  return (await service<{ rows: BatchDto[] }>(s, 'batches:list', {})).rows;
}

async function entriesOf(s: E2eSession, batchId: number): Promise<BatchEntryDto[]> {
  return (await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId, startRow: 0, endRow: 5000 }))
    .rows;
}

/** Waits until the service holds entries matching the predicate (saves are asynchronous). */
async function waitEntries(
  s: E2eSession,
  batchId: number,
  ok: (rows: BatchEntryDto[]) => boolean,
): Promise<BatchEntryDto[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const rows = await entriesOf(s, batchId);
    if (ok(rows)) return rows;
    if (Date.now() > deadline)
      throw new Error(
        `entries never matched: ${JSON.stringify(rows.map((r) => [r.accountNo, r.billNo, r.amountText, r.checkNo]))}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the grid's cell editor is open in this column. */
async function waitEditing(page: Page, colId: string): Promise<void> {
  await page.waitForFunction(
    (col) => {
      const a = document.activeElement;
      return !!a && a.tagName === 'INPUT' && a.closest('.ag-cell')?.getAttribute('col-id') === col;
    },
    colId,
    { timeout: 10_000 },
  );
}

/** Keys one entry: each value then Tab to the next editable cell; the last value ends with `end`. */
async function keyEntry(page: Page, values: readonly string[], end: string): Promise<void> {
  for (const [i, v] of values.entries()) {
    if (v) await page.keyboard.type(v, { delay: 5 });
    await page.keyboard.press(i === values.length - 1 ? end : 'Tab');
  }
}

function workspaceOf(page: Page, batchNo: string) {
  return page.locator(`[data-testid="batch-workspace"][data-batch-no="${batchNo}"]`);
}

describe('a whole clerk day without the CLI', () => {
  let s: E2eSession;
  const file = (name: string, text: string): string => {
    const path = join(s.dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 40, seed: 21 });
    // Reversal batches need a second supervisor: the undo at the end of the day waits for approval.
    await service(s, 'policies:save', {
      operation: 'batches:reversal',
      above: '0',
      requirement: 'four_eyes',
      role: 'supervisor',
    });
    await openDesk(s, '#/accounts');
  }, 180_000);

  afterAll(async () => {
    await s?.close();
  });

  it('imports receivables and bank files, keys, submits, reports, hands over and undoes a batch', async () => {
    const page = s.page;

    // 1. Receivables from the billing system: Accounts → Import receivables…
    const arAccounts = file(
      'accounts.csv',
      csv(
        'account_no,name,status,currency,default_pay_type',
        'DAY-1,Mia Wolf,active,USD,10001',
        'DAY-2,Koch Bakery,active,USD,10003',
      ),
    );
    const arUnits = file(
      'bill_units.csv',
      csv(
        'bill_unit_no,account_no,name,accounting_type,pay_type,payment_term,paying,parent_bill_unit_no,is_default,bill_cycle_day,next_bill_date',
        'DU1,DAY-1,Main,open_item,10001,N30,1,,1,5,2026-12-05',
        'DU2,DAY-2,Main,open_item,10003,N30,1,,1,5,2026-12-05',
      ),
    );
    const arBills = file(
      'bills.csv',
      csv(
        'bill_no,bill_unit_no,bill_date,due_date,currency,total',
        'DB1,DU1,2026-10-05,2026-11-04,USD,150.00',
      ),
    );
    const arItems = file(
      'items.csv',
      csv(
        'item_no,bill_no,type,amount,open_amount,gl_id',
        'DI1,DB1,recurring,100.00,100.00,101',
        'DI2,DB1,usage,50.00,50.00,102',
      ),
    );
    await page.getByTestId('import-receivables').click();
    const arDialog = page.getByTestId('ar-import-dialog');
    await arDialog.waitFor();
    await page.getByTestId('ar-input-accounts').setInputFiles(arAccounts);
    await page.getByTestId('ar-input-billUnits').setInputFiles(arUnits);
    await page.getByTestId('ar-input-bills').setInputFiles(arBills);
    await page.getByTestId('ar-input-items').setInputFiles(arItems);
    await page.getByText('items.csv', { exact: true }).waitFor();
    await page.getByTestId('ar-preview').click();
    await page.getByTestId('ar-preview-ok').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('ar-count-accounts').textContent()).toContain('accounts.csv22');
    await page.getByTestId('ar-import').click();
    await page.getByTestId('ar-done').waitFor({ timeout: 30_000 });
    await s.screenshot('clerk-day-01-ar-import');
    expect(
      s.app.ctx.ledger.sqlite
        .prepare(`SELECT count(*) AS n FROM accounts WHERE account_no LIKE 'DAY-%'`)
        .get(),
    ).toEqual({ n: 2 });
    await page.keyboard.press('Escape');
    await arDialog.waitFor({ state: 'hidden' });

    // 2. The bank's BAI2 file with the stock template.
    await page.keyboard.press('Alt+1');
    await page.getByTestId('batches-page').waitFor();
    await page.getByTestId('import-file').first().click();
    const importDialog = page.getByTestId('import-dialog');
    await importDialog.waitFor();
    await page.getByTestId('import-file-input').setInputFiles(join(STANDARDS, 'bai2/valid/sample2.txt'));
    const detected = page.getByTestId('import-detected');
    await detected.waitFor({ timeout: 30_000 });
    expect(await detected.getAttribute('data-template')).toBe('Stock BAI2');
    if (await page.getByTestId('import-detected-use').isVisible())
      await page.getByTestId('import-detected-use').click();
    expect(await page.getByTestId('import-template').textContent()).toContain('Stock BAI2');
    await page.getByTestId('import-preview').waitFor({ timeout: 30_000 });
    await page.getByTestId('import-confirm').click();
    await importDialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await page.getByTestId('batch-workspace').waitFor();
    const bai2 = (await batches(s)).find((b) => b.templateName === 'Stock BAI2');
    expect(bai2).toMatchObject({ templateName: 'Stock BAI2', sourceFile: 'sample2.txt', status: 'open' });
    await workspaceOf(page, bai2!.batchNo).waitFor();
    await s.screenshot('clerk-day-02-bai2-import');

    // 3. A bank nobody has a template for: build a fixed-width layout in the import dialog and import with it.
    const found = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 20,
    });
    const [f1, f2] = found.rows
      .filter((r) => !r.accountNo.startsWith('DAY-') && r.accountNo.length <= 8)
      .map((r) => r.accountNo.padEnd(8).slice(0, 8));
    const fixedFile = file(
      'newbank-1120.txt',
      [
        'H20261120NEW BANK',
        `D${f1}000000199520261119001251`,
        `D${f2}000000400020261119001252`,
        `D${f1}000000010020261120001253`,
        'T00030000006095',
      ].join('\n') + '\n',
    );
    await page.getByTestId('import-file').first().click();
    await importDialog.waitFor();
    await page.getByTestId('import-file-input').setInputFiles(fixedFile);
    await page.getByTestId('import-source-build').click();
    const builder = page.getByTestId('template-builder');
    await builder.waitFor();
    expect(await page.getByTestId('builder-layout-fixed').getAttribute('aria-pressed')).toBe('true');
    const at = (line: number, pos: number) =>
      page.locator(`[data-testid="builder-preview"] [data-line="${line}"] [data-pos="${pos}"]`);
    await at(2, 1).click();
    await at(2, 9).click();
    await page.getByTestId('builder-ruler-19').click();
    await page.getByTestId('builder-ruler-27').click();
    await page.getByTestId('builder-record-prefix').fill('D');
    await page.getByTestId('builder-map-1').selectOption('accountNo');
    await page.getByTestId('builder-map-2').selectOption('amount');
    await page.getByTestId('builder-map-3').selectOption('paymentDate');
    await page.getByTestId('builder-map-4').selectOption('checkNo');
    await page.getByTestId('builder-date-style').selectOption('yyyyMMdd');
    await page.getByTestId('builder-implied-decimals').fill('2');
    await page.getByTestId('builder-info-date-prefix').fill('H');
    await page.getByTestId('builder-info-date-start').fill('2');
    await page.getByTestId('builder-info-date-length').fill('8');
    await page.getByTestId('builder-info-count-prefix').fill('T');
    await page.getByTestId('builder-info-count-start').fill('2');
    await page.getByTestId('builder-info-count-length').fill('4');
    await page.getByTestId('builder-info-total-prefix').fill('T');
    await page.getByTestId('builder-info-total-start').fill('6');
    await page.getByTestId('builder-info-total-length').fill('10');
    const builderRows = page.getByTestId('builder-rows');
    await builderRows.waitFor();
    await expect.poll(() => builderRows.getAttribute('data-rows-with-problems')).toBe('0');
    await expect.poll(() => page.getByTestId('builder-figures').textContent()).toContain('count 3');
    expect(await page.getByTestId('builder-row-2').textContent()).toContain('19.95');
    await page.getByTestId('builder-name').fill('Day Bank fixed');
    await page.getByTestId('builder-save').click();
    await builder.waitFor({ state: 'hidden' });
    expect(await page.getByTestId('import-template').textContent()).toContain('Day Bank fixed');
    await page.getByTestId('import-preview').waitFor({ timeout: 30_000 });
    await page.getByTestId('import-confirm').click();
    await importDialog.waitFor({ state: 'hidden', timeout: 30_000 });
    const fixed = (await batches(s)).find((b) => b.templateName === 'Day Bank fixed');
    expect(fixed).toMatchObject({
      controlCount: 3,
      controlTotalMinor: 6095,
      batchDate: '2026-11-20',
      status: 'open',
    });
    await workspaceOf(page, fixed!.batchNo).waitFor();
    await s.screenshot('clerk-day-03-fixed-width-import');

    // 4. Key a check batch by hand from the deposit slip, validate and submit it.
    const [a1, a2] = usdAccounts(s.app, 2, 6);
    expect(a2, 'the demo book has two more USD accounts with open bills').toBeDefined();
    const controlMinor = a1!.dueMinor + a2!.dueMinor;
    await page.getByTestId('new-batch').click();
    const newDialog = page.getByTestId('new-batch-dialog');
    await newDialog.waitFor();
    expect(await page.getByTestId('new-batch-pay-type').textContent()).toContain('Check');
    await page.getByTestId('new-batch-control-count').fill('2');
    await page.getByTestId('new-batch-control-total').fill(formatMinor(controlMinor, 2));
    await page.getByTestId('new-batch-note').fill('Morning mail');
    await page.getByTestId('new-batch-create').click();
    await newDialog.waitFor({ state: 'hidden' });
    const workspace = page.getByTestId('batch-workspace');
    await page
      .locator(`[data-testid="batch-workspace"][data-status="open"]:not([data-batch-id="${fixed!.id}"])`)
      .waitFor();
    await waitEditing(page, 'accountNo');
    const keyedId = Number(await workspace.getAttribute('data-batch-id'));
    const keyed = await service<BatchDto>(s, 'batches:get', { batchId: keyedId });
    expect(keyed).toMatchObject({ payType: 10012, controlCount: 2, note: 'Morning mail' });
    // Account, bill, amount, date, check, payer, reference: Tab between cells, Enter adds the next entry.
    await keyEntry(
      page,
      [a1!.accountNo, a1!.billNo, formatMinor(a1!.dueMinor, 2), '', '3001', 'Ada Byron', ''],
      'Enter',
    );
    await waitEditing(page, 'accountNo');
    await keyEntry(page, [a2!.accountNo, a2!.billNo, formatMinor(a2!.dueMinor, 2), '', '3002'], 'Tab');
    await waitEditing(page, 'payerName');
    const keyedRows = await waitEntries(s, keyedId, (r) => r.length === 2 && r[1]?.checkNo === '3002');
    expect(keyedRows.map((r) => [r.accountNo, r.billNo, r.amountMinor, r.checkNo])).toEqual([
      [a1!.accountNo, a1!.billNo, a1!.dueMinor, '3001'],
      [a2!.accountNo, a2!.billNo, a2!.dueMinor, '3002'],
    ]);
    await page.locator('[data-testid="zero-proof"][data-balanced="true"]').waitFor({ timeout: 10_000 });
    await page.getByTestId('validate').click();
    await page.getByTestId('validate-result').waitFor({ timeout: 20_000 });
    await page.locator('[data-testid="batch-workspace"][data-status="validated"]').waitFor();
    expect((await entriesOf(s, keyedId)).map((r) => r.status)).toEqual(['valid', 'valid']);
    expect(await page.getByTestId('status-chip-valid').getAttribute('data-count')).toBe('2');
    await page.getByTestId('submit-batch').click();
    const submitDialog = page.getByTestId('submit-dialog');
    await submitDialog.waitFor();
    expect(await page.getByTestId('submit-row-valid').textContent()).toContain('Posted to the account');
    await page.getByTestId('submit-confirm').click();
    // Over the confirmation limit the dialog asks once more with the count and total.
    const confirmAmount = page.getByTestId('submit-confirm-amount');
    await expect
      .poll(async () => !(await submitDialog.isVisible()) || (await confirmAmount.isVisible()), {
        timeout: 30_000,
      })
      .toBe(true);
    if (await confirmAmount.isVisible()) await confirmAmount.click();
    await submitDialog.waitFor({ state: 'hidden', timeout: 30_000 });
    await page.getByTestId('submit-result').waitFor();
    expect(await page.getByTestId('submit-posted').textContent()).toBe('2 posted');
    await page.locator('[data-testid="batch-workspace"][data-status="submitted"]').waitFor();
    expect(await service<BatchDto>(s, 'batches:get', { batchId: keyedId })).toMatchObject({
      status: 'submitted',
    });
    expect(
      s.app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?').get(keyedId),
    ).toEqual({ n: 2 });
    await page.mouse.move(10, 10);
    await s.screenshot('clerk-day-04-keyed-submitted');

    // 5. The batch report.
    await page.getByTestId('batch-report').click();
    const report = page.getByTestId('report-dialog');
    await report.waitFor();
    await page.getByTestId('report-posted-accounts').waitFor();
    const usd = (minor: number) =>
      new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
        formatMinor(minor, 2) as `${number}`,
      );
    expect(await page.getByTestId('report-posted-accounts').textContent()).toBe(
      `Posted to accounts2${usd(controlMinor)}`,
    );
    expect(await page.getByTestId('report-posted-suspense').textContent()).toBe(
      `Posted to suspense0${usd(0)}`,
    );
    await s.screenshot('clerk-day-05-batch-report');
    await page.keyboard.press('Escape');
    await report.waitFor({ state: 'hidden' });

    // 6. Hand the fixed-width batch over: export it, discard it here, reopen it from the file.
    await page.getByTestId(`batch-item-${fixed!.batchNo}`).click();
    await workspaceOf(page, fixed!.batchNo).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-batch').click(),
    ]);
    const handover = join(s.dir, download.suggestedFilename());
    await download.saveAs(handover);
    await page.getByTestId('discard-batch').click();
    const discardDialog = page.getByTestId('discard-dialog');
    await discardDialog.waitFor();
    await page.getByTestId('discard-confirm').click();
    await discardDialog.waitFor({ state: 'hidden' });
    await expect
      .poll(async () => (await service<BatchDto>(s, 'batches:get', { batchId: fixed!.id })).status)
      .toBe('discarded');
    await page.getByTestId('open-handover').first().click();
    const handoverDialog = page.getByTestId('handover-dialog');
    await handoverDialog.waitFor();
    await page.getByTestId('handover-input').setInputFiles(handover);
    await page.getByTestId('handover-summary').waitFor();
    expect(await page.getByTestId('handover-summary').textContent()).toContain(fixed!.batchNo);
    expect(await page.getByTestId('handover-entries').textContent()).toBe('3');
    await page.getByTestId('handover-open').click();
    await handoverDialog.waitFor({ state: 'hidden', timeout: 30_000 });
    const reopenedEl = page.locator(
      `[data-testid="batch-workspace"]:not([data-batch-id="${fixed!.id}"]):not([data-batch-id="${keyedId}"]):not([data-batch-id="${bai2!.id}"])`,
    );
    await reopenedEl.waitFor();
    const reopened = await service<BatchDto>(s, 'batches:get', {
      batchId: Number(await reopenedEl.getAttribute('data-batch-id')),
    });
    expect(reopened).toMatchObject({ status: 'open' });
    expect(reopened.zeroProof.enteredCount).toBe(3);
    // The reopened batch has the amounts the bank file said (60.95 in all), not its raw implied-decimal text.
    expect(reopened.zeroProof.enteredTotalMinor).toBe(6095);
    expect(reopened.id).not.toBe(bai2!.id);
    await s.screenshot('clerk-day-06-handover-reopened');

    // 7. The keyed batch went to the wrong accounts: undo it; a second supervisor approves the reversal.
    await page.getByTestId('batch-filter').click();
    await page.getByRole('option', { name: 'All batches' }).click();
    await page.getByTestId(`batch-item-${keyed.batchNo}`).click();
    await workspaceOf(page, keyed.batchNo).waitFor();
    await page.getByTestId('undo-batch').click();
    const undoDialog = page.getByTestId('undo-dialog');
    await undoDialog.waitFor();
    await page.getByTestId('undo-count').waitFor();
    expect(await page.getByTestId('undo-count').textContent()).toBe('2 payments');
    expect(await page.getByTestId('undo-reversal-no').textContent()).toBe(`${keyed.batchNo}-U1`);
    expect(await page.getByTestId('undo-confirm').isDisabled()).toBe(true);
    await page.getByTestId('undo-reason').fill('Checks keyed against the wrong accounts');
    await page.getByTestId('undo-confirm').click();
    await page.getByTestId('undo-pending').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('undo-pending').textContent()).toContain('Sent for approval');
    expect(s.app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM reversals').get()).toEqual({ n: 0 });
    const sue = await addOperatorClient(s.app, 'sue', ['supervisor']);
    const approvalId = (
      s.app.ctx.ledger.sqlite.prepare(`SELECT id FROM approvals WHERE status = 'pending'`).get() as {
        id: number;
      }
    ).id;
    const approved = await s.app.dispatch('approvals:confirm', { approvalId }, sue);
    expect(approved.ok).toBe(true);
    await page.getByTestId('undo-open-reversal').click();
    await undoDialog.waitFor({ state: 'hidden' });
    await workspaceOf(page, `${keyed.batchNo}-U1`).waitFor();
    expect(s.app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM reversals').get()).toEqual({ n: 2 });
    await page.mouse.move(10, 10);
    await s.screenshot('clerk-day-07-undo-approved');

    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    expect(s.consoleErrors).toEqual([]);
  }, 300_000);
});
