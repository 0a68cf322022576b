import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, type E2eSession } from './helpers';

const csv = (...rows: string[]): string => rows.join('\n') + '\n';

describe('receivables import in the app', () => {
  let s: E2eSession;
  const file = (name: string, text: string): string => {
    const path = join(s.dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    s = await startSession();
    // A ledger with some receivables already (an empty one greets with the first-run dialog instead).
    const r = await s.app.dispatch('demo:load', { accounts: 20, seed: 2 });
    if (!r.ok) throw new Error(r.error.message);
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(`${s.bridge.url}#/accounts`);
    await s.page.getByTestId('nav-frame').waitFor();
  }, 180_000);

  afterAll(async () => {
    await s?.close();
  });

  it('previews the four files, lists every problem, then imports all or nothing', async () => {
    const accounts = file(
      'accounts.csv',
      csv(
        'account_no,name,status,currency,default_pay_type',
        'E2E-1,Mia Wolf,active,USD,10001',
        'E2E-2,Koch Bakery,active,USD,10003',
      ),
    );
    const units = file(
      'bill_units.csv',
      csv(
        'bill_unit_no,account_no,name,accounting_type,pay_type,payment_term,paying,parent_bill_unit_no,is_default,bill_cycle_day,next_bill_date',
        'EU1,E2E-1,Main,open_item,10001,N30,1,,1,5,2026-12-05',
        'EU2,E2E-2,Main,open_item,10003,N30,1,,1,5,2026-12-05',
      ),
    );
    const bills = file(
      'bills.csv',
      csv(
        'bill_no,bill_unit_no,bill_date,due_date,currency,total',
        'EB1,EU1,2026-10-05,2026-11-04,USD,150.00',
      ),
    );
    const badItems = file(
      'items.csv',
      csv(
        'item_no,bill_no,type,amount,open_amount,gl_id',
        'EI1,EB1,recurring,100.001,100.00,101',
        'EI2,EB9,usage,50.00,50.00,102',
      ),
    );
    await s.page.getByTestId('import-receivables').click();
    await s.page.getByTestId('ar-import-dialog').waitFor();
    await s.page.getByTestId('ar-input-accounts').setInputFiles(accounts);
    await s.page.getByTestId('ar-input-billUnits').setInputFiles(units);
    await s.page.getByTestId('ar-input-bills').setInputFiles(bills);
    await s.page.getByTestId('ar-input-items').setInputFiles(badItems);
    await s.page.getByText('items.csv', { exact: true }).waitFor();
    await s.page.getByTestId('ar-preview').click();
    await s.page.getByTestId('ar-problems').waitFor();
    const problems = await s.page.getByTestId('ar-problem-rows').textContent();
    expect(problems).toContain('amount');
    expect(problems).toContain('EB9');
    expect(await s.page.getByTestId('ar-import').isDisabled()).toBe(true);
    await s.screenshot('ar-import-problems');

    const items = file(
      'items-fixed.csv',
      csv(
        'item_no,bill_no,type,amount,open_amount,gl_id',
        'EI1,EB1,recurring,100.00,100.00,101',
        'EI2,EB1,usage,50.00,50.00,102',
      ),
    );
    await s.page.getByTestId('ar-input-items').setInputFiles(items);
    await s.page.getByText('items-fixed.csv', { exact: true }).waitFor();
    await s.page.getByTestId('ar-preview').click();
    await s.page.getByTestId('ar-preview-ok').waitFor();
    expect(await s.page.getByTestId('ar-count-accounts').textContent()).toContain('accounts.csv22');
    const before = s.app.ctx.ledger.sqlite
      .prepare(`SELECT count(*) AS n FROM accounts WHERE account_no LIKE 'E2E-%'`)
      .get();
    expect(before).toEqual({ n: 0 });
    await s.screenshot('ar-import-preview');
    await s.page.getByTestId('ar-import').click();
    await s.page.getByTestId('ar-done').waitFor();
    await s.screenshot('ar-import-done');
    const after = s.app.ctx.ledger.sqlite
      .prepare(`SELECT count(*) AS n FROM accounts WHERE account_no LIKE 'E2E-%'`)
      .get();
    expect(after).toEqual({ n: 2 });
    expect(s.consoleErrors).toEqual([]);
  }, 180_000);
});
