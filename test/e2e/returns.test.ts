import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto, BatchEntriesPageDto } from '../../src-shared/dto/batches';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { collectByFile, type CollectedDebit } from '../helpers/direct-debit';
import { startSession, type E2eSession } from './helpers';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('returns in the Payment Tool and bounced payments on the account', () => {
  let s: E2eSession;
  let debits: CollectedDebit[];

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 40, seed: 3 });
    debits = collectByFile(
      s.app.ctx.ledger.sqlite,
      { scheme: 'sepa', count: 3, messageId: 'E2E-1' },
      new Date(),
    );
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('a rejection file is recognised by its content, previewed line by line, and becomes a return batch', async () => {
    const path = join(s.dir, 'rejections.csv');
    const amount = (d: CollectedDebit): string => (d.amountMinor / 100).toFixed(2);
    writeFileSync(
      path,
      'reference,account_no,amount,currency,rejection_code,date,text\r\n' +
        `${debits[0]!.endToEndId},${debits[0]!.accountNo},${amount(debits[0]!)},EUR,AM04,2026-11-21,Insufficient funds\r\n` +
        `${debits[1]!.endToEndId},${debits[1]!.accountNo},${amount(debits[1]!)},EUR,MD01,2026-11-21,No mandate\r\n` +
        `UNKNOWN-9,,5.00,EUR,AC04,2026-11-21,Account closed\r\n`,
    );
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
    await s.page.getByTestId('import-file').first().click();
    await s.page.getByTestId('import-dialog').waitFor();
    await s.page.getByTestId('import-file-input').setInputFiles(path);
    const dialog = s.page.getByTestId('returns-dialog');
    await dialog.waitFor();
    expect(await s.page.getByTestId('returns-matched').textContent()).toBe('2 to reverse');
    expect(await s.page.getByTestId('returns-unmatched').textContent()).toBe('1 not matched');
    expect(await s.page.getByTestId('returns-line-1').getAttribute('data-matched')).toBe('true');
    expect(await s.page.getByTestId('returns-line-3').textContent()).toContain(
      'no debit or payment has reference UNKNOWN-9',
    );
    expect(await s.page.getByTestId('returns-line-2').textContent()).toContain('hard');
    await s.screenshot('returns-preview');
    // The preview wrote nothing.
    expect((await service<{ rows: BatchDto[] }>(s, 'batches:list', {})).rows).toHaveLength(0);
    await s.page.getByTestId('returns-create').click();
    await dialog.waitFor({ state: 'hidden' });
    await s.page.getByTestId('batch-workspace').waitFor();
    const list = await service<{ rows: BatchDto[] }>(s, 'batches:list', {});
    expect(list.rows[0]).toMatchObject({
      batchType: 'reversal',
      payType: PAY_TYPE.sepa,
      sourceFile: 'rejections.csv',
      controlCount: 2,
    });
    // The screenshot shows the entries the file made, once the grid has them.
    const entries = await service<BatchEntriesPageDto>(s, 'batches:entries', { batchId: list.rows[0]!.id });
    expect(entries.rows).toHaveLength(2);
    await s.page.locator(`[data-testid="entries-grid"] .ag-row[row-id="${entries.rows[0]!.id}"]`).waitFor();
    await s.screenshot('returns-batch');
    expect(s.consoleErrors).toEqual([]);
  }, 120_000);

  it('records a bounced payment from the account payment history with the reason picker', async () => {
    const d = debits[2]!;
    await s.page.getByTestId('nav-accounts').click();
    const search = s.page.getByTestId('account-search');
    await search.waitFor();
    await search.fill(d.accountNo);
    await s.page.getByTestId(`account-row-${d.accountNo}`).click();
    await s.page.locator(`[data-testid="account-detail"][data-account-no="${d.accountNo}"]`).waitFor();
    const bounce = s.page.getByTestId(`history-bounce-${d.paymentId}`);
    await bounce.scrollIntoViewIfNeeded();
    await bounce.click();
    await s.page.getByTestId('bounce-dialog').waitFor();
    await s.page.getByTestId('bounce-code').click();
    await s.page.getByTestId('bounce-code-R10').click();
    expect(await s.page.getByTestId('bounce-handling').textContent()).toMatch(/^Hard: no retry/);
    await s.page.getByTestId('bounce-text').fill('Customer says not authorised');
    await s.screenshot('returns-bounce-dialog');
    await s.page.getByTestId('bounce-record').click();
    await s.page.getByTestId('bounce-recorded').waitFor();
    const list = await service<{ rows: BatchDto[] }>(s, 'batches:list', {});
    expect(list.rows.find((b) => b.controlCount === 1 && b.sourceFile === null)).toMatchObject({
      batchType: 'reversal',
      payType: PAY_TYPE.sepa,
    });
    const bank = s.app.ctx.ledger.sqlite
      .prepare(`SELECT kind, bank_code AS code, bank_text AS text FROM bank_returns WHERE payment_id = ?`)
      .get(d.paymentId);
    expect(bank).toEqual({ kind: 'bounced', code: 'R10', text: 'Customer says not authorised' });
    await s.screenshot('returns-bounce-recorded');
    expect(s.consoleErrors).toEqual([]);
  }, 120_000);
});
