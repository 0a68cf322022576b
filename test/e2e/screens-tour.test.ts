import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import { ARTIFACTS_DIR, startSession, type E2eSession } from './helpers';

// Issue #16: every screen at 1280x800 and 1920x1080, looked at; the batch screen's visible entry rows counted.

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** Entry rows drawn whole between the grid header and the totals row (one per row id). */
function visibleEntryRows(page: Page): Promise<number> {
  return page.evaluate(() => {
    const grid = document.querySelector('[data-testid="entries-grid"]');
    const header = grid?.querySelector('.ag-header');
    const totals = grid?.querySelector('.ag-row[row-id="totals"]');
    if (!grid || !header || !totals) return -1;
    const top = header.getBoundingClientRect().bottom;
    const bottom = Math.min(totals.getBoundingClientRect().top, window.innerHeight);
    const seen = new Set<string>();
    for (const r of grid.querySelectorAll('.ag-row[row-id]')) {
      const id = r.getAttribute('row-id') ?? '';
      const b = r.getBoundingClientRect();
      if (id !== 'totals' && b.height > 0 && b.top >= top - 1 && b.bottom <= bottom + 1) seen.add(id);
    }
    return seen.size;
  });
}

/** How far the page itself scrolls sideways (a grid scrolling inside its own box does not count). */
function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

type Shot = { name: string; size: string; file: string; entryRows?: number; sideways: number };

describe('a tour of every screen', () => {
  let s: E2eSession;
  let batchId = 0;
  let accountNo = '';
  const shots: Shot[] = [];

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 40, seed: 7 });
    const batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
      batchNo: 'TOUR-1',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: Array.from({ length: 30 }, (_, i) => ({
        accountNo: `A${String(9300000 + i)}`,
        amount: `${(i + 1) * 111}.25`,
        paymentDate: '2026-12-01',
        checkNo: String(4000 + i),
        payerName: `Payer ${i}`,
      })),
    });
    batchId = batch.id;
    const found = await service<{ rows: { accountNo: string }[] }>(s, 'accounts:search', {
      query: 'A',
      limit: 1,
    });
    accountNo = found.rows[0]?.accountNo ?? '';
    expect(accountNo).not.toBe('');
  });
  afterAll(async () => {
    if (shots.length) writeFileSync(join(ARTIFACTS_DIR, 'screens.json'), JSON.stringify(shots, null, 2));
    await s?.close();
  });

  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ] as const) {
    it(`shows every area and tab at ${width}x${height}`, async () => {
      const page = s.page;
      await page.setViewportSize({ width, height });
      const size = `${width}x${height}`;
      const shoot = async (name: string, extra: Partial<Shot> = {}) => {
        await page.waitForTimeout(500);
        const file = await s.screenshot(`tour-${size}-${name}`);
        shots.push({ name, size, file, sideways: await pageOverflow(page), ...extra });
      };
      const go = async (hash: string, testId: string) => {
        await page.evaluate((h) => (window.location.hash = h), hash);
        await page.getByTestId(testId).first().waitFor({ timeout: 20_000 });
      };

      await go(`#/batches/${batchId}`, 'batch-workspace');
      await expect.poll(() => visibleEntryRows(page), { timeout: 20_000 }).toBeGreaterThan(0);
      const rows = await visibleEntryRows(page);
      await shoot('batch', { entryRows: rows });
      if (width === 1280) expect(rows).toBeGreaterThanOrEqual(15);

      await go(`#/accounts/${accountNo}`, 'nav-frame');
      await page.getByText(accountNo).first().waitFor();
      await shoot('account');
      await go('#/suspense', 'nav-frame');
      await shoot('suspense');
      for (const tab of [
        'runs',
        'dd',
        'recovery',
        'follow-ups',
        'daily',
        'payments',
        'mandates',
        'mandate-file',
      ]) {
        await go(`#/collections/${tab}`, 'collections-page');
        await shoot(`collections-${tab}`);
      }
      await go('#/reports', 'nav-frame');
      await shoot('reports');
      await go('#/approvals', 'nav-frame');
      await shoot('approvals');
      await go('#/admin', 'nav-frame');
      await page.locator('[data-testid^="admin-tab-"]').first().waitFor({ timeout: 20_000 });
      const adminTabs = await page
        .locator('[data-testid^="admin-tab-"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''));
      expect(adminTabs.length).toBeGreaterThan(3);
      for (const tab of adminTabs) {
        await page.getByTestId(tab).click();
        await shoot(tab);
      }
      // The page never scrolls sideways on the big screen; on the laptop only grids scroll inside themselves.
      if (width === 1920) expect(shots.filter((x) => x.size === size && x.sideways > 0)).toEqual([]);
      expect(s.consoleErrors).toEqual([]);
    }, 240_000);
  }
});
