import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto, BatchEntryDto } from '../../src-shared/dto/batches';
import { openDesk, service, startDemoSession, type E2eSession } from './helpers';

// Issue #16 "Dense, calm grids": rows on a laptop screen, every default column at 1600 px, problems readable.

/** Entry rows whose whole height is between the grid's header and its totals row. */
async function visibleEntryRows(page: Page): Promise<number> {
  return page.evaluate(() => {
    const grid = document.querySelector('[data-testid="entries-grid"]');
    const header = grid?.querySelector('.ag-header');
    const totals = grid?.querySelector('.ag-row[row-id="totals"]');
    if (!grid || !header || !totals) return -1;
    const top = header.getBoundingClientRect().bottom;
    const bottom = Math.min(totals.getBoundingClientRect().top, window.innerHeight);
    // A row is drawn once per cell container (pinned left, scrolling, pinned right): count row ids.
    const seen = new Set<string>();
    for (const r of grid.querySelectorAll('.ag-row[row-id]')) {
      const id = r.getAttribute('row-id') ?? '';
      const b = r.getBoundingClientRect();
      if (id !== 'totals' && b.height > 0 && b.top >= top - 1 && b.bottom <= bottom + 1) seen.add(id);
    }
    return seen.size;
  });
}

/** The grid's horizontal overflow, and every identifier or amount cell whose text is cut. */
async function overflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; cut: string[] }> {
  return page.evaluate(() => {
    const grid = document.querySelector('[data-testid="entries-grid"]');
    const center = grid?.querySelector('.ag-body-horizontal-scroll-viewport');
    if (!grid || !(center instanceof HTMLElement))
      return { scrollWidth: -1, clientWidth: 0, cut: ['no grid'] };
    const ids = ['seq', 'accountNo', 'billNo', 'amount', 'paymentDate', 'checkNo', 'paymentRef'];
    const cut: string[] = [];
    for (const cell of grid.querySelectorAll('.ag-row .ag-cell')) {
      // The totals label shares the first column and may be cut; the sum may not.
      if (cell.classList.contains('batch-totals-label')) continue;
      const col = cell.getAttribute('col-id') ?? '';
      if (!ids.includes(col)) continue;
      const value = cell.querySelector('.ag-cell-value') ?? cell;
      if (value instanceof HTMLElement && value.scrollWidth > value.clientWidth + 1)
        cut.push(`${col}: ${value.textContent ?? ''}`);
    }
    return { scrollWidth: center.scrollWidth, clientWidth: center.clientWidth, cut };
  });
}

async function openBatch(s: E2eSession, batchNo: string): Promise<void> {
  await s.page.getByTestId(`batch-item-${batchNo}`).click();
  await s.page.locator(`[data-testid="batch-workspace"][data-batch-no="${batchNo}"]`).waitFor();
  await expect.poll(() => visibleEntryRows(s.page), { timeout: 20_000 }).toBeGreaterThan(0);
  // Fit columns runs once the first block is drawn.
  await s.page.waitForTimeout(300);
}

describe('dense, calm batch grids', () => {
  let s: E2eSession;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    s = await startDemoSession({ accounts: 40, seed: 5 });
    const make = async (batchNo: string, batchType: string, entries: Record<string, string | number>[]) => {
      const b = await service<BatchDto>(s, 'batches:create', {
        batchType,
        payType: 10012,
        currency: 'USD',
        batchNo,
      });
      await service<BatchEntryDto[]>(s, 'batches:save-entries', { batchId: b.id, entries });
      ids[batchNo] = b.id;
    };
    const rows = (n: number, f: (i: number) => Record<string, string | number>) =>
      Array.from({ length: n }, (_, i) => f(i));
    await make(
      'DENSE-PAY',
      'payment',
      rows(40, (i) => ({
        accountNo: `A${String(9000000 + i)}`,
        billNo: `B${String(7700000000 + i)}`,
        amount: `${(i + 1) * 1234}.56`,
        paymentDate: '2026-11-20',
        checkNo: String(100200 + i),
        payerName: `Payer number ${i} with a long company name Ltd`,
        reference: `REF-${i}-2026-11`,
      })),
    );
    await make(
      'DENSE-REF',
      'refund',
      rows(20, (i) => ({
        accountNo: `A${String(9100000 + i)}`,
        billNo: `B${String(8800000000 + i)}`,
        amount: `${(i + 1) * 98765}.43`,
        paymentDate: '2026-11-21',
        checkNo: String(500600 + i),
        payerName: `Refund payee ${i}`,
        reference: `RF-${i}`,
      })),
    );
    await make(
      'DENSE-REV',
      'reversal',
      rows(20, (i) => ({
        paymentRef: 123456 + i,
        paymentDate: '2026-11-22',
        checkNo: String(700800 + i),
        payerName: `Reversal ${i}`,
        reference: `RV-${i}`,
      })),
    );
    await openDesk(s, '');
    await s.page.keyboard.press('Alt+1');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows at least 15 entry rows at 1280x800 with the defaults of a fresh profile', async () => {
    await openBatch(s, 'DENSE-PAY');
    const header = s.page.getByTestId('batch-header');
    const opened = await visibleEntryRows(s.page);
    const collapsed = await header.getAttribute('data-collapsed');
    const density = await s.page.getByTestId('grid-density').getAttribute('data-density');
    console.log(`1280x800 as opened (header collapsed ${collapsed}, ${density}): ${opened} entry rows`);
    await s.screenshot('dense-grid-1280x800-opened');
    expect(collapsed).toBe('true');
    expect(opened).toBeGreaterThanOrEqual(15);
    // The zero-proof bar stays in view with the header folded.
    await expect.poll(() => s.page.getByTestId('zero-proof').isVisible()).toBe(true);

    // The whole header and comfortable rows are one click each, and the choices are remembered.
    await s.page.getByTestId('batch-header-toggle').click();
    await s.page.getByTestId('grid-density').click();
    await s.page.waitForTimeout(200);
    const roomy = await visibleEntryRows(s.page);
    console.log(`1280x800 header open, comfortable rows: ${roomy} entry rows`);
    await s.screenshot('dense-grid-1280x800-roomy');
    expect(roomy).toBeLessThan(opened);
    await s.page.reload();
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await openBatch(s, 'DENSE-PAY');
    expect(await header.getAttribute('data-collapsed')).toBe('false');
    expect(await s.page.getByTestId('grid-density').getAttribute('data-density')).toBe('comfortable');
    await s.page.getByTestId('batch-header-toggle').click();
    await s.page.getByTestId('grid-density').click();
    await s.page.waitForTimeout(200);
    const dense = await visibleEntryRows(s.page);
    console.log(`1280x800 header folded, compact rows: ${dense} entry rows`);
    expect(dense).toBeGreaterThanOrEqual(15);
  });

  it('shows more rows at 1920x1080', async () => {
    await s.page.setViewportSize({ width: 1920, height: 1080 });
    await s.page.waitForTimeout(300);
    const rows = await visibleEntryRows(s.page);
    console.log(`1920x1080: ${rows} entry rows`);
    await s.screenshot('dense-grid-1920x1080');
    expect(rows).toBeGreaterThanOrEqual(25);
  });

  it('fits every default column of each batch type at 1600 px without horizontal scroll', async () => {
    await s.page.setViewportSize({ width: 1600, height: 900 });
    for (const batchNo of ['DENSE-PAY', 'DENSE-REF', 'DENSE-REV']) {
      // With the batch list open beside the grid.
      if (await s.page.getByTestId('batch-list-expand').isVisible())
        await s.page.getByTestId('batch-list-expand').click();
      await openBatch(s, batchNo);
      await s.page.getByTestId('batch-list-collapse').waitFor();
      const open = await overflow(s.page);
      console.log(
        `1600x900 list open ${batchNo}: scrollWidth ${open.scrollWidth}, clientWidth ${open.clientWidth}`,
      );
      await s.screenshot(`dense-grid-1600x900-list-open-${batchNo}`);
      expect(open.cut).toEqual([]);
      expect(open.scrollWidth).toBeLessThanOrEqual(open.clientWidth);
      // And with it folded away (a remembered choice), the grid takes the width.
      await s.page.getByTestId('batch-list-collapse').click();
      await s.page.waitForTimeout(300);
      const o = await overflow(s.page);
      console.log(`1600x900 ${batchNo}: scrollWidth ${o.scrollWidth}, clientWidth ${o.clientWidth}`);
      await s.screenshot(`dense-grid-1600x900-${batchNo}`);
      expect(o.cut).toEqual([]);
      expect(o.scrollWidth).toBeLessThanOrEqual(o.clientWidth);
    }
    expect(s.consoleErrors).toEqual([]);
  });

  it('gives the spare width at 1920 px to the payer before empty verdict columns', async () => {
    await s.page.setViewportSize({ width: 1920, height: 1080 });
    if (await s.page.getByTestId('batch-list-expand').isVisible())
      await s.page.getByTestId('batch-list-expand').click();
    await openBatch(s, 'DENSE-PAY');
    const cells = await s.page.evaluate(() => {
      const grid = document.querySelector('[data-testid="entries-grid"]');
      const width = (id: string) =>
        grid?.querySelector(`.ag-header-cell[col-id="${id}"]`)?.getBoundingClientRect().width ?? -1;
      let payerCut = 0;
      for (const v of grid?.querySelectorAll('.ag-row .ag-cell[col-id="payerName"] .ag-cell-value') ?? [])
        if (v instanceof HTMLElement && v.scrollWidth > v.clientWidth + 1) payerCut++;
      return { payer: width('payerName'), problem: width('problem'), payerCut };
    });
    console.log(`1920x1080 DENSE-PAY: payer ${cells.payer}px, empty problem ${cells.problem}px`);
    await s.screenshot('dense-grid-1920x1080-list-open');
    // Not yet validated: the Problem column is empty and keeps its floor while every payer name is whole.
    expect(cells.payerCut).toBe(0);
    expect(cells.problem).toBeLessThan(cells.payer);
  });

  it('lists every problem in the side panel and puts the cursor on its cell', async () => {
    await s.page.setViewportSize({ width: 1600, height: 900 });
    if (await s.page.getByTestId('batch-list-expand').isVisible())
      await s.page.getByTestId('batch-list-expand').click();
    await openBatch(s, 'DENSE-PAY');
    await s.page.getByTestId('validate').click();
    await s.page.getByTestId('validate-result').waitFor({ timeout: 20_000 });
    // The made-up accounts are not on the ledger: every entry has at least one problem.
    const page = await service<{ rows: BatchEntryDto[] }>(s, 'batches:entries', {
      batchId: ids['DENSE-PAY'],
      startRow: 0,
      endRow: 100,
    });
    const expected = page.rows.reduce((n, r) => n + (r.problems.length || (r.problem !== null ? 1 : 0)), 0);
    expect(expected).toBeGreaterThanOrEqual(40);
    await s.page.getByTestId('problems-toggle').click();
    const panel = s.page.getByTestId('problems-panel');
    await expect.poll(() => panel.getAttribute('data-count')).toBe(String(expected));
    // A problem far down the batch: the grid scrolls to it and focuses its cell.
    const last = page.rows[page.rows.length - 1]!;
    const item = s.page.getByTestId(`problem-item-${last.id}`).first();
    const column = (await item.getAttribute('data-column')) || 'problem';
    await item.scrollIntoViewIfNeeded();
    await item.click();
    await expect
      .poll(() =>
        s.page.evaluate(() => {
          const cell = document.querySelector('[data-testid="entries-grid"] .ag-cell.ag-cell-focus');
          return `${cell?.closest('.ag-row')?.getAttribute('row-id') ?? ''}/${cell?.getAttribute('col-id') ?? ''}`;
        }),
      )
      .toBe(`${last.id}/${column}`);
    await s.screenshot('dense-grid-1600x900-problems');
    expect(s.consoleErrors).toEqual([]);
  });
});
