import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import {
  REPORT_NAMES,
  type ExportRunDto,
  type GlLinesDto,
  type ReportDto,
  type ReportExportDto,
  type ReportFiltersDto,
  type ReportName,
} from '../../src-shared/dto/reports';
import { dispatchConfirmed } from '../helpers/confirm';
import { startSimProcess, type SimProcess } from '../helpers/simulator';
import { setSetting, suspend, usdAccounts } from '../helpers/suspense';
import { ARTIFACTS_DIR, startSession, type E2eSession } from './helpers';

process.env.PAYDESK_SECRET_KEY ??= 'e2e-reports-key';

/** Calls a command through the services of the same ledger (not through the UI) and unwraps the result. */
async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** The screen's starting period: this month to date (local time, like the filter bar). */
function thisMonth(): ReportFiltersDto {
  const now = new Date();
  const mm = String(now.getMonth() + 1).padStart(2, '0');
  const dd = String(now.getDate()).padStart(2, '0');
  return { from: `${now.getFullYear()}-${mm}-01`, to: `${now.getFullYear()}-${mm}-${dd}` };
}

/** Minor units as plain text with two decimals and grouping, the way the en-US screen writes USD. */
function usd(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.trunc(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

describe('Reports in the real renderer over the bridge', () => {
  let s: E2eSession;
  let sim: SimProcess;
  const period = thisMonth();
  const reports = new Map<ReportName, ReportDto>();
  let paidAccount = '';

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.super' });
    sim = await startSimProcess(join(s.dir, 'sim.json'), {});
    await service(s, 'demo:load', { accounts: 120, seed: 15 });
    const app = s.app;
    const accounts = usdAccounts(app, 4);
    paidAccount = accounts[0]!.accountNo;

    // A posted lockbox batch: two payments to real accounts.
    setSetting(app, 'PaymentSuspense', true);
    const batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      lockboxNo: 'LB-7',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [
        { accountNo: accounts[0]!.accountNo, amount: '125.00' },
        { accountNo: accounts[1]!.accountNo, amount: '80.50' },
      ],
    });
    await service(s, 'batches:validate', { batchId: batch.id });
    const posted = await dispatchConfirmed(app, 'batches:submit', { batchId: batch.id });
    expect(posted.ok).toBe(true);

    // Suspense: three unmatched payments; one distributed, one removed as unallocatable (112), and a posted
    // payment recycled back into suspense (113).
    const [a, b] = (await suspend(app, [
      { amount: '300.00', payerName: 'Distributed Ltd' },
      { amount: '7.00', payerName: 'Unknown payer' },
      { amount: '42.00', payerName: 'Still waiting' },
    ])) as [number, number, number];
    await service(s, 'suspense:distribute', {
      paymentId: a,
      targets: [
        { accountNo: accounts[2]!.accountNo, amount: '200.00' },
        { accountNo: accounts[3]!.accountNo, amount: '100.00' },
      ],
    });
    await service(s, 'suspense:remove', { paymentId: b, reasonCode: 4999 });
    const wrong = await service<{ paymentId: number }>(s, 'payments:record', {
      accountNo: accounts[0]!.accountNo,
      amount: '60.00',
      allocate: 'auto',
    });
    await service(s, 'suspense:recycle', { paymentIds: [wrong.paymentId], reasonCode: 4002 });

    // A collection run against the simulator, so the collections report has results by code.
    await service(s, 'processors:save', {
      name: 'sim',
      url: sim.url,
      merchants: { USD: { merchant: 'ispname', mid: '050505' }, EUR: { merchant: 'ispeu', mid: '050506' } },
      batchTimeoutMs: 1500,
    });
    const run = await dispatchConfirmed(app, 'collect:run', { rebill: true });
    expect(run.ok).toBe(true);
    // The run goes on in the job worker: wait for it to finish (expect.poll is for tests, not hooks).
    const until = Date.now() + 60_000;
    let status = '';
    while (Date.now() < until) {
      status = (await service<{ rows: CollectRunDto[] }>(s, 'collect:runs', {})).rows[0]?.status ?? '';
      if (status !== 'running' && status !== '') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe('done');

    // What the services say each report holds for the screen's default period (this month).
    for (const name of REPORT_NAMES)
      reports.set(name, await service<ReportDto>(s, 'reports:run', { name, filters: period }));

    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(`${s.bridge.url}#/reports`);
    await s.page.getByTestId('reports-page').waitFor();
  }, 180_000);

  afterAll(async () => {
    await sim?.stop();
    await s?.close();
  });

  it('renders every report with its charts and the tables behind them', async () => {
    const page = s.page;
    for (const name of REPORT_NAMES) {
      const expected = reports.get(name)!;
      await page.getByTestId(`report-item-${name}`).click();
      const view = page.getByTestId(`report-${name}`);
      await view.waitFor();
      expect(await view.getByTestId('report-title').textContent()).toBe(expected.title);
      for (const t of expected.tables) {
        const table = view.getByTestId(`table-${t.id}`);
        await table.waitFor();
        expect(Number(await table.getAttribute('data-rows'))).toBe(t.rows.length);
      }
      for (const c of expected.charts) {
        const chart = view.getByTestId(`chart-${c.id}`);
        await chart.waitFor();
        const rows = expected.tables.find((t) => t.id === c.tableId)?.rows.length ?? 0;
        if (rows > 0) await chart.locator('svg').first().waitFor();
      }
      await s.screenshot(`reports-${name}`);
    }
    // The scenario touched every report: none of them is empty for this month.
    for (const name of REPORT_NAMES)
      expect(
        reports.get(name)!.tables.some((t) => t.rows.length > 0),
        name,
      ).toBe(true);
  });

  it('shows the G/L IDs of the suspense moves and drills down to their journal lines', async () => {
    const page = s.page;
    const gl = reports.get('gl')!;
    const table = gl.tables.find((t) => t.drill === 'gl-lines')!;
    expect(table).toBeDefined();
    const glIds = table.rows.map((r) => r.glId);
    expect(glIds).toContain(112);
    expect(glIds).toContain(113);

    await page.getByTestId('report-item-gl').click();
    await page.getByTestId('report-gl').waitFor();
    const index = table.rows.findIndex((r) => r.glId === 112 && r.currency === 'USD');
    const row = table.rows[index]!;
    const rowEl = page.getByTestId(`row-${table.id}-${index}`);
    // The screen shows the row's debit and credit exactly as the service summed them.
    const cells = await rowEl.locator('td').allTextContents();
    expect(cells).toContain(usd(row.debitMinor as number));
    expect(cells).toContain(usd(row.creditMinor as number));
    await rowEl.click();
    const dialog = page.getByTestId('gl-lines-dialog');
    await dialog.waitFor();
    const lines = await service<GlLinesDto>(s, 'reports:gl-lines', {
      glId: 112,
      currency: 'USD',
      from: period.from,
      to: period.to,
      offset: 0,
      limit: 100,
    });
    await expect.poll(() => dialog.getByTestId('gl-line').count()).toBe(Math.min(lines.total, 100));
    expect(await dialog.getByTestId('gl-lines-range').textContent()).toContain(`of ${lines.total}`);
    if (lines.total <= 100) {
      expect(await dialog.getByTestId('gl-lines-debit').textContent()).toBe(usd(row.debitMinor as number));
      expect(await dialog.getByTestId('gl-lines-credit').textContent()).toBe(usd(row.creditMinor as number));
      expect(await dialog.getByTestId('gl-lines-range').textContent()).toContain('ties to the summary row');
    }
    await s.screenshot('reports-gl-lines');
    await dialog.getByTestId('gl-lines-close').click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('saves one CSV per table and the PDF, as the service writes them', async () => {
    const page = s.page;
    await page.getByTestId('report-item-suspense-aging').click();
    await page.getByTestId('report-suspense-aging').waitFor();
    const expected = await service<ReportExportDto>(s, 'reports:export', {
      name: 'suspense-aging',
      filters: period,
      csv: true,
    });
    const tableIds = Object.keys(expected.csv ?? {});
    expect(tableIds.length).toBeGreaterThan(0);

    const downloads: Download[] = [];
    const onDownload = (d: Download) => downloads.push(d);
    page.on('download', onDownload);
    await page.getByTestId('report-export-csv').click();
    await expect.poll(() => downloads.length, { timeout: 15_000 }).toBe(tableIds.length);
    page.off('download', onDownload);
    for (const d of downloads) {
      const name = d.suggestedFilename();
      const id = tableIds.find((t) => name === `paydesk-suspense-aging-${period.from}_${period.to}-${t}.csv`);
      expect(id, name).toBeDefined();
      expect(readFileSync(await d.path(), 'utf8')).toBe(expected.csv![id!]);
    }
    await page
      .getByTestId('report-message')
      .filter({ hasText: `Saved ${tableIds.length} CSV` })
      .waitFor();

    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('report-export-pdf').click(),
    ]);
    expect(pdf.suggestedFilename()).toBe(`paydesk-suspense-aging-${period.from}_${period.to}.pdf`);
    const bytes = readFileSync(await pdf.path());
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    // The PDF is rendered to an image to be looked at.
    const pdfFile = join(ARTIFACTS_DIR, 'reports-suspense-aging.pdf');
    await pdf.saveAs(pdfFile);
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '60',
      '-f',
      '1',
      '-l',
      '1',
      pdfFile,
      join(ARTIFACTS_DIR, 'reports-pdf'),
    ]);
  });

  it('filters: an empty period says so, a reversed period names the field, wide screens fit', async () => {
    const page = s.page;
    await page.getByTestId('report-item-history').click();
    await page.getByTestId('report-history').waitFor();
    await page.getByTestId('filter-from').fill('2001-01-01');
    await page.getByTestId('filter-to').fill('2001-01-31');
    await page.getByTestId('report-empty').filter({ hasText: 'No payments in this period' }).waitFor();
    await s.screenshot('reports-history-empty');
    await page.getByTestId('filter-from').fill('2001-02-15');
    await page.getByTestId('report-error').filter({ hasText: 'from' }).waitFor();
    expect(await page.getByTestId('report-error').textContent()).toContain('after');
    await page.getByTestId('preset-this-month').click();
    await page.getByTestId('report-error').waitFor({ state: 'detached' });
    await page.getByTestId('report-item-gl').click();
    await page.getByTestId('report-gl').waitFor();
    await page.setViewportSize({ width: 1920, height: 1080 });
    await s.screenshot('reports-gl-1920');
    // Printing puts only the report on paper: no navigation, filters or buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('report-filters').isVisible()).toBe(false);
    expect(await page.getByTestId('report-item-gl').isVisible()).toBe(false);
    expect(await page.getByTestId('report-export-pdf').isVisible()).toBe(false);
    expect(await page.getByTestId('report-title').isVisible()).toBe(true);
    await s.screenshot('reports-gl-print');
    await page.emulateMedia({ media: null });
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("opens a payment's timeline from an account's payment history", async () => {
    const page = s.page;
    await page.getByTestId('report-item-history').click();
    await page.getByTestId('report-history').waitFor();
    await page.getByTestId('filter-account').fill(paidAccount);
    const expected = await service<ReportDto>(s, 'reports:run', {
      name: 'history',
      filters: { ...period, accountNo: paidAccount },
    });
    const table = expected.tables.find((t) => t.drill === 'payment-timeline')!;
    expect(table.rows.length).toBeGreaterThan(0);
    await page.getByTestId(`table-${table.id}`).waitFor();
    await page.getByTestId(`row-${table.id}-0`).click();
    const dialog = page.getByTestId('payment-timeline-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('timeline-event').first().waitFor();
    expect(await dialog.textContent()).toContain(String(table.rows[0]!.paymentId));
    await s.screenshot('reports-history-timeline');
    await dialog.getByTestId('payment-timeline-close').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('filter-account').fill('');
  });

  it('lists the integration exports for supervisors', async () => {
    const page = s.page;
    const run = await service<ExportRunDto>(s, 'exports:run', {
      kind: 'posted',
      out: join(s.dir, 'exports'),
    });
    await page.getByTestId('report-item-exports').click();
    await page.getByTestId('exports-panel').waitFor();
    await page.getByTestId('exports-refresh').click();
    const row = page.getByTestId('export-run').first();
    await row.waitFor();
    const text = await row.textContent();
    expect(text).toContain('Posted');
    expect(text).toContain(run.records.toLocaleString('en-US'));
    expect(text).toContain('e2e.super');
    await s.screenshot('reports-exports');
  });

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([]);
  });
});
