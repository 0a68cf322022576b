import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { startBridge, type Bridge } from '../../src-main/bridge/server';
import { browserShim } from '../../src-main/bridge/shim';
import type { Result } from '../../src-shared/api/result';
import type { GridColumnsDto } from '../../src-shared/dto/admin';
import type { BatchDto, BatchEntriesPageDto, BatchFileDto } from '../../src-shared/dto/batches';
import { ARTIFACTS_DIR, RENDERER_DIR, startSession, type E2eSession } from './helpers';
import { E2E_PASSWORD, givePassword, signIn } from './sign-in';

async function service<T>(app: App, command: string, input: unknown): Promise<T> {
  const r = await app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** Drags a row of the column editor by its handle onto another row (real pointer moves, as a person would). */
async function dragRow(page: Page, handle: Locator, onto: Locator): Promise<void> {
  const from = await handle.boundingBox();
  const to = await onto.boundingBox();
  if (!from || !to) throw new Error('rows not on screen');
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2 - 8, { steps: 4 });
  await page.mouse.move(from.x + from.width / 2, to.y + to.height / 4, { steps: 12 });
  await page.mouse.up();
}

/** The column ids of the entries grid's header, left to right. */
async function headerOrder(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="entries-grid"] .ag-header-cell[col-id]')]
      .map((el) => ({ id: el.getAttribute('col-id') ?? '', x: el.getBoundingClientRect().x }))
      .filter((c) => c.x > 0)
      .sort((a, b) => a.x - b.x)
      .map((c) => c.id),
  );
}

describe('Admin: column configuration, reason codes and roles in the real renderer', () => {
  let s: E2eSession;
  let clerkApp: App;
  let clerkBridge: Bridge;
  let clerkContext: BrowserContext;
  let clerk: Page;
  const clerkErrors: string[] = [];

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.admin' });
    await service(s.app, 'demo:load', { accounts: 30, seed: 5 });
    // A second desk on the same ledger: the clerk's own session, as on another workstation.
    clerkApp = openApp({ file: join(s.dir, 'ledger.sqlite'), login: 'e2e.clerk' });
    clerkBridge = await startBridge({ app: clerkApp, staticDir: RENDERER_DIR });
    clerkContext = await s.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    clerk = await clerkContext.newPage();
    await clerk.addInitScript(browserShim());
    await clerk.addInitScript('window.__name = f => f');
    // The clerk's browser session: a one-time launch URL sets its cookie.
    await clerk.goto(clerkBridge.launchUrl());
    clerk.on('console', (m) => {
      if (m.type() === 'error') clerkErrors.push(m.text());
    });
    clerk.on('pageerror', (e) => clerkErrors.push(e.message));
    // The clerk signs in at their own desk with the password an admin gave them.
    await givePassword(s.app, 'e2e.clerk');
    await signIn(clerk, 'e2e.clerk', E2E_PASSWORD, { url: clerkBridge.url });
  });

  afterAll(async () => {
    await clerkContext?.close();
    await clerkBridge?.close();
    clerkApp?.close();
    await s?.close();
  });

  it('an admin reorders and renames columns and adds a custom column, with a live preview', async () => {
    const page = s.page;
    await page.goto(s.bridge.url);
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-page').waitFor();
    await page.getByTestId('column-editor').waitFor();
    await page.getByTestId('col-row-accountNo').waitFor();

    await page.getByTestId('col-caption-accountNo').fill('Customer no');
    await dragRow(page, page.getByTestId('col-drag-amount'), page.getByTestId('col-row-accountNo'));
    const order = await page
      .locator('[data-testid^="col-row-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(order.slice(0, 2)).toEqual(['col-row-amount', 'col-row-accountNo']);

    await page.getByTestId('columns-new-field').click();
    await page.getByTestId('custom-field-dialog').waitFor();
    await page.getByTestId('custom-field-key').fill('region');
    await page.getByTestId('custom-field-label').fill('Region');
    await page.getByTestId('custom-field-dialog').getByRole('combobox').click();
    await page.getByRole('option', { name: 'code list' }).click();
    await page.getByLabel('Codes').fill('N=North, S=South, W=West');
    await page.getByTestId('custom-field-save').click();
    await page.getByTestId('custom-field-dialog').waitFor({ state: 'hidden' });
    await page.getByTestId('col-row-custom-region').waitFor();

    // The preview shows the clerk's grid as it will be: the new order, the new caption, the new column.
    const preview = page.getByTestId('columns-preview');
    await preview.locator('.ag-header-cell[col-id="custom:region"]').waitFor();
    expect(await preview.locator('.ag-header-cell[col-id="accountNo"]').textContent()).toContain(
      'Customer no',
    );
    await page.mouse.move(5, 5);
    await s.screenshot('admin-columns-editor');

    await page.getByTestId('columns-save').click();
    await page.getByTestId('columns-saved').waitFor();
    const grid = await service<GridColumnsDto>(clerkApp, 'columns:grid', {
      batchType: 'payment',
      payType: 10012,
    });
    expect(grid.columns.map((c) => c.field).slice(0, 2)).toEqual(['amount', 'accountNo']);
    expect(grid.columns.find((c) => c.field === 'accountNo')?.caption).toBe('Customer no');
    expect(grid.columns.at(-1)).toMatchObject({
      field: 'custom:region',
      caption: 'Region',
      purpose: 'entry',
    });
  });

  it('an admin adds a reason code to the suspense domain', async () => {
    const page = s.page;
    await page.getByTestId('admin-tab-codes').click();
    await page.getByTestId('codes-panel').waitFor();
    await page.getByTestId('code-row-2001').waitFor();
    await page.getByTestId('code-id').fill('5000');
    await page.getByTestId('code-label').fill('Too low');
    await page.getByTestId('code-add').click();
    // Reserved ranges are refused with the reason, nothing is added.
    expect(await page.getByTestId('codes-problems').textContent()).toMatch(/reserved/);
    await page.getByTestId('code-id').fill('100777');
    await page.getByTestId('code-label').fill('Customer disputes the payment');
    await page.getByTestId('code-add').click();
    await page.getByTestId('code-row-100777').waitFor();
    await s.screenshot('admin-reason-codes');
  });

  it('a clerk sees the configured grid, keys the custom column and finds it in the batch export', async () => {
    await clerk.goto(clerkBridge.url);
    await clerk.getByTestId('nav-frame').waitFor();
    // The clerk's role cannot change configuration: the Admin area is not offered.
    expect(await clerk.getByTestId('nav-admin').count()).toBe(0);

    const batch = await service<BatchDto>(clerkApp, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
    });
    await clerk.getByTestId('nav-batches').click();
    await clerk.getByTestId(`batch-item-${batch.batchNo}`).click();
    await clerk.locator('[data-testid="entries-grid"] .ag-header-cell[col-id="custom:region"]').waitFor();
    const order = await headerOrder(clerk);
    const data = order.filter((c) => !['ag-Grid-SelectionColumn', 'seq', 'status'].includes(c));
    expect(data.slice(0, 10)).toEqual([
      'amount',
      'accountNo',
      'billNo',
      'paymentDate',
      'checkNo',
      'payerName',
      'reference',
      'custom:region',
      'currency',
      'problem',
    ]);
    expect(
      await clerk.locator('[data-testid="entries-grid"] .ag-header-cell[col-id="accountNo"]').textContent(),
    ).toContain('Customer no');

    await clerk.getByTestId('new-entry').click();
    // The cursor opens in the first configured column (amount), and Tab walks the configured order.
    await clerk.waitForFunction(
      () => document.activeElement?.closest('.ag-cell')?.getAttribute('col-id') === 'amount',
    );
    const values = ['25.00', 'A0000003', '', '', '', '', '', 'N'];
    for (const [i, v] of values.entries()) {
      if (v) await clerk.keyboard.type(v, { delay: 5 });
      await clerk.keyboard.press(i === values.length - 1 ? 'Shift+Tab' : 'Tab');
    }
    await clerk.keyboard.press('Escape');
    const deadline = Date.now() + 10_000;
    let rows: BatchEntriesPageDto['rows'] = [];
    while (Date.now() < deadline) {
      rows = (
        await service<BatchEntriesPageDto>(clerkApp, 'batches:entries', { batchId: batch.id, endRow: 10 })
      ).rows;
      if (rows[0]?.custom.region === 'N' && rows[0].accountNo === 'A0000003') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows[0]).toMatchObject({ amountText: '25.00', accountNo: 'A0000003', custom: { region: 'N' } });
    const entryId = rows[0]!.id;
    await clerk
      .locator(`[data-testid="entries-grid"] .ag-row[row-id="${entryId}"] .ag-cell[col-id="custom:region"]`)
      .filter({ hasText: /^N$/ })
      .waitFor();
    const [download] = await Promise.all([
      clerk.waitForEvent('download'),
      clerk.getByTestId('export-batch').click(),
    ]);
    const file = JSON.parse(readFileSync(await download.path(), 'utf8')) as BatchFileDto;
    expect(file.entries[0]).toMatchObject({
      accountNo: 'A0000003',
      amount: '25.00',
      custom: { region: 'N' },
    });

    // The admin's new reason code is offered when the clerk suspends the entry.
    await clerk
      .locator(`[data-testid="entries-grid"] .ag-row[row-id="${entryId}"] .ag-cell[col-id="seq"]`)
      .click();
    await clerk.mouse.move(5, 5);
    await clerk.screenshot({ path: join(ARTIFACTS_DIR, 'admin-clerk-grid.png'), animations: 'disabled' });
    await clerk.keyboard.press('F8');
    await clerk.getByTestId('suspend-dialog').waitFor();
    await clerk.getByTestId('suspend-reason-chip-100777').click();
    expect(await clerk.getByTestId('suspend-reason').inputValue()).toBe('100777');
    await clerk.screenshot({ path: join(ARTIFACTS_DIR, 'admin-clerk-suspend.png'), animations: 'disabled' });
    await clerk.getByTestId('suspend-confirm').click();
    await clerk.getByTestId('suspend-dialog').waitFor({ state: 'hidden' });
    const after = await service<BatchEntriesPageDto>(clerkApp, 'batches:entries', { batchId: batch.id });
    expect(after.rows[0]).toMatchObject({
      reasonCode: 100777,
      manualSuspend: true,
      status: 'to_be_suspended',
    });
  });

  it('a clerk is refused a configuration change (forbidden, audited)', async () => {
    const result = await clerk.evaluate(() => {
      const api = (
        window as unknown as { api: { invoke: (c: string, i: unknown) => Promise<Result<unknown>> } }
      ).api;
      return api.invoke('admin:set-setting', { key: 'ALLOWACCOUNTDUP', value: true });
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden', role: 'admin' } });
    await clerk.goto(`${clerkBridge.url}#/admin`);
    await clerk.getByTestId('admin-not-allowed').waitFor();
    const history = await service<{ rows: { operatorLogin: string; entityId: string }[] }>(
      s.app,
      'admin:history',
      { action: 'forbidden' },
    );
    expect(history.rows[0]).toMatchObject({ operatorLogin: 'e2e.clerk', entityId: 'admin:set-setting' });

    // The admin sees the refusal and the changes in the change history.
    await s.page.getByTestId('admin-tab-history').click();
    await s.page.getByTestId('history-table').getByText('admin:set-setting').first().waitFor();
    await s.screenshot('admin-history');
  });

  it('shows channels, pay types, settings and operators, and refuses a broken configuration file whole', async () => {
    const page = s.page;
    await page.getByTestId('admin-tab-reference').click();
    await page.getByTestId('pay-types').getByText('Inter-bank payment order').waitFor();
    await s.screenshot('admin-reference');
    // A soft decline needs a retry reason code: the dialog shows what the service refused, then saves.
    await page.getByTestId('rejection-add').click();
    await page.getByTestId('rejection-code').fill('65');
    await page.getByTestId('rejection-description').fill('Activity limit exceeded');
    await page.getByTestId('rejection-reasonCode').fill('7');
    await page.getByTestId('rejection-save').click();
    expect(await page.getByTestId('rejection-problems').textContent()).toMatch(/retry reason code/);
    await page.getByTestId('rejection-retryReasonCode').fill('12');
    await s.screenshot('admin-rejection-dialog');
    await page.getByTestId('rejection-save').click();
    await page.getByTestId('rejection-dialog').waitFor({ state: 'hidden' });
    await page.getByTestId('rejection-row-65').waitFor();
    await page.getByTestId('admin-tab-settings').click();
    await page.getByTestId('setting-ALLOWACCOUNTDUP').waitFor();
    await page.getByTestId('setting-suspense.thresholdPercent').fill('150');
    await page.getByTestId('setting-suspense.thresholdPercent').press('Enter');
    expect(await page.getByTestId('settings-problems').textContent()).toMatch(/from 0 to 100/);
    await s.screenshot('admin-settings');
    await page.getByTestId('admin-tab-operators').click();
    await page.getByTestId('operator-e2e.clerk').waitFor();
    await s.screenshot('admin-operators');

    await page.getByTestId('admin-tab-config').click();
    const bad = {
      format: 'paydesk-config',
      version: 1,
      settings: { NoSuchSetting: true },
      channels: [
        { id: 9, description: 'Kiosk', active: true },
        { id: 9, description: 'Kiosk again', active: true },
      ],
      reasonCodes: [{ domainId: 14, id: 2500, label: 'Reserved', help: '', glId: null, active: true }],
    };
    await page.getByTestId('config-import-file').setInputFiles({
      name: 'bad-config.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(bad)),
    });
    const problems = page.getByTestId('config-problems');
    await problems.waitFor();
    const text = (await problems.textContent()) ?? '';
    expect(text).toMatch(/settings\.NoSuchSetting/);
    expect(text).toMatch(/channels\.1\.id/);
    expect(text).toMatch(/reasonCodes\.0\.id/);
    await s.screenshot('admin-config-problems');
    const channels = await service<{ id: number }[]>(s.app, 'admin:channels', {});
    expect(channels.map((c) => c.id)).not.toContain(9);

    expect(s.consoleErrors).toEqual([]);
    expect(clerkErrors).toEqual([]);
  });
});
