import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDetailDto, AccountSearchDto } from '../../src-shared/dto/accounts';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchEntriesPageDto, BatchEntryDto } from '../../src-shared/dto/batches';
import { formatMinor } from '../../src-shared/money';
import { startSession, type E2eSession } from './helpers';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

async function entriesOf(s: E2eSession, batchId: number): Promise<BatchEntryDto[]> {
  return (await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId, startRow: 0, endRow: 1000 }))
    .rows;
}

function cell(page: Page, entryId: number, colId: string) {
  return page.locator(
    `[data-testid="entries-grid"] .ag-row[row-id="${entryId}"] .ag-cell[col-id="${colId}"]`,
  );
}

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
      throw new Error(`entries never matched: ${JSON.stringify(rows.map((r) => r.status))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function setSetting(s: E2eSession, key: string, v: unknown): void {
  s.app.ctx.ledger.sqlite
    .prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)')
    .run(key, JSON.stringify(v));
}

describe('Batch tools in the real renderer: import with a template, allocate an entry, header, override, report', () => {
  let s: E2eSession;
  let account: { accountNo: string; billNo: string; dueMinor: number };
  let batch: BatchDto;
  let ids: number[] = [];

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 150, seed: 23 });
    const all = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 150,
    });
    for (const row of all.rows) {
      if (row.status !== 'active' || row.currency !== 'USD') continue;
      const d = await service<AccountDetailDto>(s, 'accounts:show', { accountNo: row.accountNo });
      const bill = d.openBills.find((b) => b.amountDueMinor > 2000);
      if (d.isSuspense || d.billUnits.length !== 1 || !d.billUnits[0]?.paying || !bill) continue;
      account = { accountNo: d.accountNo, billNo: bill.billNo, dueMinor: bill.amountDueMinor };
      break;
    }
    expect(account, 'a USD account with an open bill').toBeDefined();
    // Two payments for one bill need allocation (V5); the account may appear twice in the batch (V4 off).
    setSetting(s, 'ALLOWACCOUNTDUP', true);
    await service(s, 'templates:save', {
      name: 'First Bank lockbox',
      bank: 'First Bank',
      definition: {
        name: 'First Bank lockbox',
        format: 'delimited',
        delimiter: ',',
        hasColumnHeader: true,
        dateFormat: 'MM/dd/yyyy',
        columns: [
          { field: 'accountNo', index: 0 },
          { field: 'billNo', index: 1 },
          { field: 'amount', index: 2 },
          { field: 'paymentDate', index: 3 },
          { field: 'checkNo', index: 4 },
        ],
      },
    });
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('imports a bank file with a saved template after a preview that shows every problem', async () => {
    const file = join(s.dir, 'lockbox-1122.csv');
    writeFileSync(
      file,
      [
        'Account,Bill,Amount,Date,Check',
        `${account.accountNo},${account.billNo},10.00,11/20/2026,5101`,
        `${account.accountNo},${account.billNo},5.00,11/20/2026,5102`,
        `${account.accountNo},,12.3x,11/21/2026,5103`,
      ].join('\r\n') + '\r\n',
    );
    await s.page.getByTestId('import-file').first().click();
    const dialog = s.page.getByTestId('import-dialog');
    await dialog.waitFor();
    expect(await s.page.getByTestId('import-template').textContent()).toContain('First Bank lockbox');
    await s.page.getByTestId('import-file-input').setInputFiles(file);
    await s.page.getByTestId('import-preview').waitFor();
    expect(await s.page.getByTestId('import-file-name').textContent()).toContain('lockbox-1122.csv');
    expect(await s.page.getByTestId('import-preview').getAttribute('data-rows-with-problems')).toBe('1');
    expect(await s.page.getByTestId('import-preview-row-2').getAttribute('data-problems')).toBe('0');
    expect(await s.page.getByTestId('import-preview-row-4').getAttribute('data-problems')).toBe('1');
    expect(await s.page.getByTestId('import-preview-row-4').textContent()).toContain('amount');
    // Nothing is staged by a preview.
    expect((await service<{ total: number }>(s, 'batches:list', {})).total).toBe(0);
    await s.screenshot('batch-tools-import-preview');

    await s.page.getByTestId('import-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    await s.page.getByTestId('batch-workspace').waitFor();
    const list = await service<{ rows: BatchDto[] }>(s, 'batches:list', {});
    batch = list.rows[0]!;
    expect(batch).toMatchObject({ sourceFile: 'lockbox-1122.csv', templateName: 'First Bank lockbox' });
    expect(await s.page.getByTestId('batch-no').textContent()).toBe(batch.batchNo);
    const rows = await entriesOf(s, batch.id);
    ids = rows.map((r) => r.id);
    expect(rows.map((r) => r.status)).toEqual(['new', 'new', 'invalid']);

    // The same file again: the preview warns and the import needs an explicit "import again".
    await s.page.getByTestId('import-file').first().click();
    await s.page.getByTestId('import-file-input').setInputFiles(file);
    await s.page.getByTestId('import-already').waitFor();
    expect(await s.page.getByTestId('import-confirm').isDisabled()).toBe(true);
    await s.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('allocates an "allocation required" entry from the grid with the keyboard before submit', async () => {
    await s.page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await s.page.getByTestId('batch-workspace').waitFor();
    await cell(s.page, ids[0]!, 'seq').click();
    await s.page.keyboard.press('F7');
    await s.page.getByTestId('validate-result').waitFor();
    await waitEntries(
      s,
      batch.id,
      (r) => r[0]?.status === 'allocation_required' && r[1]?.status === 'allocation_required',
    );
    await cell(s.page, ids[0]!, 'seq').click();
    const status = s.page.getByTestId('allocation-status');
    await status.waitFor();
    expect(await status.getAttribute('data-kind')).toBe('required');

    await s.page.keyboard.press('F6');
    const dialog = s.page.getByTestId('allocate-dialog');
    await dialog.waitFor();
    const chip = s.page.getByTestId('allocation-state');
    await chip.filter({ hasText: 'Payment allocation required' }).waitFor();
    expect(await chip.getAttribute('data-entry-status')).toBe('allocation_required');
    expect(await s.page.getByTestId('allocation-remainder').getAttribute('data-minor')).toBe('1000');
    // Focus starts in the first Apply field; the bill-level batch shows no item rows to open.
    const apply = s.page.getByTestId(`apply-bill-${account.billNo}`);
    await apply.waitFor();
    expect(await s.page.getByTestId(`allocate-expand-${account.billNo}`).count()).toBe(0);
    await apply.focus();
    await s.page.keyboard.type('10.00');
    await s.page.getByTestId('allocation-remainder').filter({ hasText: '0.00' }).waitFor();
    await chip.filter({ hasText: 'Fully allocated by hand' }).waitFor();
    await s.screenshot('batch-tools-allocate-entry');
    await s.page.keyboard.press('Control+Enter');
    await dialog.waitFor({ state: 'hidden' });
    // Saving validates again: the entry with manual lines is valid; its twin still needs allocation.
    let rows = await waitEntries(s, batch.id, (r) => r[0]?.status === 'valid');
    expect(rows[1]!.status).toBe('allocation_required');
    expect(rows[0]!.allocationState).toBe('manual');

    await cell(s.page, ids[1]!, 'seq').click();
    await s.page.getByTestId('allocate-entry').click();
    await dialog.waitFor();
    await s.page.getByTestId(`apply-bill-${account.billNo}`).fill('5.00');
    await s.page.getByTestId('allocate-save').click();
    await dialog.waitFor({ state: 'hidden' });
    rows = await waitEntries(s, batch.id, (r) => r[1]?.status === 'valid');

    // Reopening shows the stored manual lines.
    await cell(s.page, ids[0]!, 'seq').click();
    await s.page.keyboard.press('F6');
    await dialog.waitFor();
    await s.page.getByTestId(`apply-bill-${account.billNo}`).waitFor();
    expect(await s.page.getByTestId(`apply-bill-${account.billNo}`).inputValue()).toBe('10.00');
    await s.page.getByTestId('allocate-cancel').click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('edits the header, submits differing figures as a supervisor override, and saves the report as PDF', async () => {
    // The invalid row goes to an exception batch first.
    await s.page.getByTestId('exception-batch').click();
    await s.page.getByTestId('exception-result').waitFor();

    await s.page.getByTestId('edit-header').click();
    const header = s.page.getByTestId('header-dialog');
    await header.waitFor();
    await s.page.getByTestId('header-note').fill('Envelope 7: one check missing');
    await s.page.getByTestId('header-control-count').fill('4');
    await s.page.getByTestId('header-control-total').fill('15.00');
    await s.screenshot('batch-tools-header');
    await s.page.getByTestId('header-save').click();
    await header.waitFor({ state: 'hidden' });
    await s.page.getByTestId('batch-note').filter({ hasText: 'Envelope 7' }).waitFor();
    await s.page.locator('[data-testid="zero-proof"][data-balanced="false"]').waitFor();

    setSetting(s, 'zeroProof.override', true);
    await s.page.keyboard.press('F7');
    await s.page.getByTestId('validate-result').waitFor();
    await s.page.getByTestId('submit-batch').click();
    const submit = s.page.getByTestId('submit-dialog');
    await submit.waitFor();
    await s.page.getByTestId('submit-override').waitFor();
    await s.page.getByTestId('submit-override-reason').click();
    await s.page.getByTestId('submit-override-reason-4302').click();
    await s.page.getByTestId('submit-override-note').fill('third check follows tomorrow');
    await s.screenshot('batch-tools-submit-override');
    await s.page.getByTestId('submit-confirm').click();
    await submit.waitFor({ state: 'hidden' });
    await s.page.getByTestId('submit-result').waitFor();
    const audit = s.app.ctx.ledger.sqlite
      .prepare(`SELECT reason_code AS r FROM audit_log WHERE action = 'batch.submit' AND entity_id = ?`)
      .get(String(batch.id)) as { r: number };
    expect(audit.r).toBe(4302);
    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    const bill = await service<AccountDetailDto>(s, 'accounts:show', { accountNo: account.accountNo });
    const after = bill.openBills.find((b) => b.billNo === account.billNo);
    expect(after?.amountDueMinor ?? 0).toBe(account.dueMinor - 1500);

    await s.page.getByTestId('batch-report').click();
    const report = s.page.getByTestId('report-dialog');
    await report.waitFor();
    await s.page.getByTestId('report-status-posted').waitFor();
    expect(await s.page.getByTestId('report-status-posted').textContent()).toContain(formatMinor(1500, 2));
    expect(await s.page.getByTestId('report-exception-batches').textContent()).toContain(
      `${batch.batchNo}-X1`,
    );
    await s.screenshot('batch-tools-report');
    const [download] = await Promise.all([
      s.page.waitForEvent('download'),
      s.page.getByTestId('report-save-pdf').click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${batch.batchNo}-report.pdf`);
    const saved = join(s.dir, 'report.pdf');
    await download.saveAs(saved);
    expect(readFileSync(saved).subarray(0, 5).toString()).toBe('%PDF-');
    await s.page.keyboard.press('Escape');
    await report.waitFor({ state: 'hidden' });
    expect(s.consoleErrors).toEqual([]);
  });

  it('imports a refund file with an ad-hoc mapping saved as a template, and refunds the account credit', async () => {
    await service(s, 'payments:record', {
      accountNo: account.accountNo,
      amount: '30.00',
      payType: 10012,
      allocate: 'none',
    });
    const file = join(s.dir, 'refunds-1122.txt');
    writeFileSync(file, `${account.accountNo};12,50\n`);
    await s.page.getByTestId('import-file').first().click();
    const dialog = s.page.getByTestId('import-dialog');
    await dialog.waitFor();
    await s.page.getByTestId('import-file-input').setInputFiles(file);
    await s.page.getByTestId('import-source-adhoc').click();
    await s.page.getByTestId('import-delimiter').click();
    await s.page.getByTestId('import-delimiter-1').click();
    await s.page.getByTestId('import-columns').fill('accountNo,amount');
    await s.page.getByTestId('import-has-header').uncheck();
    await s.page.getByTestId('import-decimal-comma').check();
    await s.page.getByTestId('import-save-as').fill('Refund file');
    await s.page.getByTestId('import-type-refund').click();
    await s.page
      .getByTestId('import-preview-row-1')
      .filter({ hasText: '12.50' })
      .waitFor({ timeout: 10_000 });
    expect(await s.page.getByTestId('import-preview-row-1').getAttribute('data-problems')).toBe('0');
    await s.screenshot('batch-tools-import-adhoc-refund');
    await s.page.getByTestId('import-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    await s.page.locator('[data-testid="batch-workspace"][data-status="open"]').waitFor();
    const list = await service<{ rows: BatchDto[] }>(s, 'batches:list', {});
    const refund = list.rows[0]!;
    expect(refund).toMatchObject({ batchType: 'refund', templateName: 'Refund file' });
    expect((await service<{ name: string }[]>(s, 'templates:list', {})).map((t) => t.name)).toContain(
      'Refund file',
    );
    await s.page.keyboard.press('F7');
    await s.page.getByTestId('validate-result').waitFor();
    await s.page.keyboard.press('F4');
    await s.page.getByTestId('submit-dialog').waitFor();
    expect(await s.page.getByTestId('submit-summary').textContent()).toContain('Refunded from the account');
    await s.page.getByTestId('submit-confirm').click();
    await s.page.getByTestId('submit-refunded').waitFor();
    expect(await s.page.getByTestId('submit-refunded').textContent()).toBe('1 refunded');
    await s.screenshot('batch-tools-refund-submitted');
    const after = await service<AccountDetailDto>(s, 'accounts:show', { accountNo: account.accountNo });
    expect(after.unallocatedMinor).toBe(3000 - 1250);
    const check = await service<LedgerCheckDto>(s, 'ledger:check', {});
    expect(check.violations).toEqual([]);
    expect(s.consoleErrors).toEqual([]);
  });
});
