import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { GridColumnsDto, PaymentTermDefaultDto } from '../../src-shared/dto/admin';
import type { BatchDto, BatchEntriesPageDto } from '../../src-shared/dto/batches';
import { startSession, type E2eSession } from './helpers';

async function service<T>(app: App, command: string, input: unknown): Promise<T> {
  const r = await app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** Polls the service until the check holds (the grid saves each cell a moment after it is left). */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

const grid = '[data-testid="entries-grid"]';
const cell = (page: Page, entryId: number, col: string) =>
  page.locator(`${grid} .ag-row[row-id="${entryId}"] .ag-cell[col-id="${col}"]`);

describe('Admin, second pass: custom-field search, code-list editor, reference forms', () => {
  let s: E2eSession;
  let batch: BatchDto;
  let ids: number[] = [];

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.admin2' });
    await service(s.app, 'demo:load', { accounts: 10, seed: 3 });
    await service(s.app, 'admin:save-custom-field', {
      key: 'region',
      label: 'Region',
      type: 'code',
      codes: [
        { code: 'N', label: 'North' },
        { code: 'NE', label: 'North east' },
        { code: 'S', label: 'South' },
        { code: 'W', label: 'West' },
      ],
      maxLength: 4,
    });
    await service(s.app, 'admin:save-custom-field', {
      key: 'slip',
      label: 'Slip',
      type: 'text',
      codes: [],
      maxLength: 20,
    });
    const base = await service<GridColumnsDto>(s.app, 'columns:grid', { batchType: 'payment', payType: 0 });
    const extra = (key: string, caption: string) => ({
      field: `custom:${key}`,
      caption,
      purpose: 'entry',
      width: 110,
      visible: true,
      required: false,
      format: key === 'region' ? 'code-label' : '',
    });
    await service(s.app, 'admin:save-columns', {
      batchType: 'payment',
      payType: 0,
      columns: [...base.columns, extra('region', 'Region'), extra('slip', 'Slip')],
    });
    batch = await service<BatchDto>(s.app, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
    });
    const saved = await service<{ id: number }[]>(s.app, 'batches:save-entries', {
      batchId: batch.id,
      entries: [
        { accountNo: 'A0000001', amount: '10.00', custom: { region: 'N', slip: 'Box 7' } },
        { accountNo: 'A0000002', amount: '20.00', custom: { region: 'NE', slip: 'box 8' } },
        { accountNo: 'A0000003', amount: '30.00', custom: { region: 'S' } },
        { accountNo: 'A0000004', amount: '40.00' },
        { accountNo: 'A0000005', amount: '50.00', custom: { region: 'N', slip: 'BOX 9' } },
      ],
    });
    ids = saved.map((e) => e.id);
  });

  afterAll(async () => {
    await s?.close();
  });

  it('finds entries by a custom field in the batch workspace', async () => {
    const page = s.page;
    await page.goto(s.bridge.url);
    await page.getByTestId('nav-batches').click();
    await page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await page.locator(`${grid}[data-total="5"]`).waitFor();
    await page.getByTestId('custom-filter').waitFor();

    // A code-list field offers its codes and matches the whole code: N is not NE.
    await page.getByTestId('custom-filter').getByRole('combobox').nth(1).click();
    await page.getByRole('option', { name: 'N North', exact: true }).click();
    await page.locator(`${grid}[data-total="2"]`).waitFor();
    expect(await page.locator(`${grid}`).getAttribute('data-total-minor')).toBe('6000');
    await cell(page, ids[0]!, 'custom:region').waitFor();
    expect(await cell(page, ids[1]!, 'custom:region').count()).toBe(0);
    await page.mouse.move(5, 5);
    await s.screenshot('admin-extra-filter-code');

    // A text field matches a part of the value, ignoring case; "=" asks for the whole value.
    await page.getByTestId('custom-filter').getByRole('combobox').first().click();
    await page.getByRole('option', { name: 'Slip', exact: true }).click();
    await page.locator(`${grid}[data-total="5"]`).waitFor();
    await page.getByTestId('custom-filter-value').fill('box');
    await page.locator(`${grid}[data-total="3"]`).waitFor();
    await page.getByTestId('custom-filter-value').fill('BOX 8');
    await page.locator(`${grid}[data-total="1"]`).waitFor();
    await page.getByTestId('custom-filter-exact').click();
    await page.locator(`${grid}[data-total="0"]`).waitFor();
    await page.getByTestId('custom-filter-value').fill('box 8');
    await page.locator(`${grid}[data-total="1"]`).waitFor();
    await page.mouse.move(5, 5);
    await s.screenshot('admin-extra-filter-text');
    await page.getByTestId('custom-filter-exact').click();
    await page.getByLabel('Clear the field filter').click();
    await page.locator(`${grid}[data-total="5"]`).waitFor();
    expect(s.consoleErrors).toEqual([]);
  });

  it('a code-list cell edits with a list of the configured codes, by keyboard', async () => {
    const page = s.page;
    const entries = () => service<BatchEntriesPageDto>(s.app, 'batches:entries', { batchId: batch.id });
    // Enter opens the editor with every code, the current one marked; ArrowDown walks to the next.
    await cell(page, ids[3]!, 'accountNo').click();
    await page.keyboard.press('Escape');
    const region = cell(page, ids[3]!, 'custom:region');
    await region.click();
    await page.keyboard.press('Enter');
    const list = page.getByRole('listbox', { name: 'Region codes' });
    await list.waitFor();
    expect(await list.getByRole('option').allTextContents()).toEqual([
      'N North',
      'NE North east',
      'S South',
      'W West',
    ]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await list.getByRole('option', { selected: true }).textContent()).toBe('NE North east');
    await page.mouse.move(5, 5);
    await s.screenshot('admin-extra-code-editor');
    await page.keyboard.press('Enter');
    await list.waitFor({ state: 'hidden' });
    let rows = await until(entries, (p) => p.rows[3]?.custom.region === 'NE');
    expect(rows.rows[3]?.custom.region).toBe('NE');

    // Typing narrows the list (code or a word of the label) and Tab keeps the marked code.
    await region.click();
    await page.keyboard.type('we');
    expect(await list.getByRole('option').allTextContents()).toEqual(['W West']);
    await page.keyboard.press('Tab');
    rows = await until(entries, (p) => p.rows[3]?.custom.region === 'W');
    expect(rows.rows[3]?.custom.region).toBe('W');
    await page.keyboard.press('Escape');

    // A click picks a code too; text that is no code is kept and marks the entry invalid.
    await cell(page, ids[2]!, 'custom:region').dblclick();
    await list.getByRole('option', { name: 'N North', exact: true }).click();
    rows = await until(entries, (p) => p.rows[2]?.custom.region === 'N');
    expect(rows.rows[2]?.custom.region).toBe('N');
    await cell(page, ids[2]!, 'custom:region').click();
    await page.keyboard.type('zz');
    expect(await list.textContent()).toContain('No code matches');
    await page.keyboard.press('Enter');
    rows = await until(entries, (p) => p.rows[2]?.status === 'invalid');
    expect(rows.rows[2]).toMatchObject({ status: 'invalid', problemColumn: 'custom:region' });
    await page.keyboard.press('Escape');
    await page.mouse.move(5, 5);
    await s.screenshot('admin-extra-grid-edited');
    // Scroll the grid back to its first columns, where the totals row shows the count and the sum.
    const box = await cell(page, ids[0]!, 'status').boundingBox();
    await page.mouse.move((box?.x ?? 900) - 300, (box?.y ?? 550) + 40);
    await page.mouse.wheel(-3000, 0);
    await page.waitForFunction(() => {
      const c = document.querySelector('[data-testid="entries-grid"] .ag-header-cell[col-id="accountNo"]');
      return !!c && c.getBoundingClientRect().x > 0;
    });
    await page.mouse.move(5, 5);
    await page.waitForTimeout(200);
    await s.screenshot('admin-extra-grid-totals');
    // The totals row keeps the count and the sum apart.
    const totals = page.locator(`${grid} .ag-row[row-id="totals"]`);
    expect(await totals.locator('.ag-cell[col-id="accountNo"]').textContent()).toBe('Total of 5 entries');
    expect(s.consoleErrors).toEqual([]);
  });

  it('an admin adds a currency, payment terms and defaults, and mandate revision codes', async () => {
    const page = s.page;
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-reference').click();
    await page.getByTestId('reference-panel').waitFor();

    await page.getByTestId('currency-code').fill('chf');
    await page.getByTestId('currency-exponent').fill('2');
    await page.getByTestId('currency-name').fill('Swiss franc');
    await page.getByTestId('currency-save').click();
    await page.getByTestId('currency-row-CHF').waitFor();
    // A bad exponent is refused with the field named, nothing is added.
    await page.getByTestId('currency-code').fill('XTS');
    await page.getByTestId('currency-exponent').fill('9');
    await page.getByTestId('currency-name').fill('Test');
    await page.getByTestId('currency-save').click();
    expect(await page.getByTestId('reference-problems').textContent()).toContain('exponent');
    expect(await page.getByTestId('currency-row-XTS').count()).toBe(0);

    // A term, then a default that uses it: the term cannot be deleted until the default is gone.
    await page.getByTestId('term-add').click();
    await page.getByTestId('term-code').fill('n45');
    await page.getByTestId('term-description').fill('Net 45 days');
    await page.getByTestId('term-days').fill('45');
    await page.getByTestId('term-save').click();
    await page.getByTestId('term-row-N45').waitFor();
    await page.getByTestId('term-default-code').fill('D45');
    await page.getByTestId('term-defaults').getByRole('combobox').first().click();
    await page.getByRole('option', { name: /^10012 / }).click();
    await page.getByTestId('term-defaults').getByRole('combobox').nth(1).click();
    await page.getByRole('option', { name: 'N45 Net 45 days' }).click();
    await page.getByLabel('security level supervisor').check();
    await page.getByTestId('term-default-save').click();
    await page.getByTestId('term-default-row-D45').waitFor();
    const defaults = (
      await service<{ defaults: PaymentTermDefaultDto[] }>(s.app, 'admin:terms', {})
    ).defaults.find((d) => d.code === 'D45');
    expect(defaults).toEqual({
      code: 'D45',
      payType: 10012,
      termCode: 'N45',
      securityLevels: ['clerk', 'supervisor'],
    });
    expect(await page.getByTestId('term-delete-N45').isDisabled()).toBe(true);

    // Mandate revision code: add, change, and delete through the dialog.
    await page.getByTestId('mandate-add').click();
    await page.getByTestId('mandate-dialog').waitFor();
    await page.getByTestId('mandate-code').fill('R77');
    await page.getByTestId('mandate-name').fill('Account moved to another bank');
    await page.getByTestId('mandate-eventCode').fill('MANDATE_AMEND');
    await s.screenshot('admin-extra-mandate-dialog');
    await page.getByTestId('mandate-save').click();
    await page.getByTestId('mandate-dialog').waitFor({ state: 'hidden' });
    await page.getByTestId('mandate-row-R77').waitFor();
    await page.getByTestId('mandate-list').scrollIntoViewIfNeeded();
    await page.mouse.move(5, 5);
    await s.screenshot('admin-extra-reference');

    await page.getByTestId('mandate-row-R77').click();
    await page.getByTestId('mandate-dialog').getByRole('combobox').click();
    await page.getByRole('option', { name: 'Cancel the mandate' }).click();
    await page.getByTestId('mandate-save').click();
    await page.getByTestId('mandate-dialog').waitFor({ state: 'hidden' });
    const codes = await service<{ code: string; action: string }[]>(s.app, 'admin:mandate-codes', {});
    expect(codes.find((c) => c.code === 'R77')?.action).toBe('cancel');
    await page.getByTestId('mandate-row-R77').click();
    await page.getByTestId('mandate-delete').click();
    await page.getByTestId('mandate-row-R77').waitFor({ state: 'detached' });

    await page.getByTestId('term-default-delete-D45').click();
    await page.getByTestId('term-default-row-D45').waitFor({ state: 'detached' });
    await page.getByTestId('term-delete-N45').click();
    await page.getByTestId('term-row-N45').waitFor({ state: 'detached' });
    const history = await service<{ rows: { action: string }[] }>(s.app, 'admin:history', { limit: 20 });
    expect(history.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'currency.save',
        'payment_term.save',
        'payment_term_default.save',
        'payment_term_default.delete',
        'payment_term.delete',
      ]),
    );
    expect(s.consoleErrors).toEqual([]);
  });
});
