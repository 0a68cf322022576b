import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDetailDto, AccountSearchDto, BillItemDto } from '../../src-shared/dto/accounts';
import type { AppInfoDto } from '../../src-shared/dto/app';
import { formatMinor } from '../../src-shared/money';
import { startSession, type E2eSession } from './helpers';
import type { Page } from 'playwright-core';

const SHELL_BUDGET_MS = 1500;
/**
 * What the test harness adds before the page's own navigation starts (Playwright's round trip to Chromium): seen
 * from 130 to 550 ms on the CI machine. The budget is the page's own figure; the outer one gets this on top.
 */
const HARNESS_MS = 1000;

/** Calls a command through the services of the same ledger (not through the UI) and unwraps the result. */
async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** The display text the UI must show for an amount, computed independently of the renderer code. */
function expectedMoney(info: AppInfoDto, amountMinor: number, currency: string, withCode = false): string {
  const exponent = info.currencies.find((c) => c.code === currency)?.exponent ?? 2;
  const text = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(formatMinor(amountMinor, exponent) as `${number}`);
  return withCode ? `${text} ${currency}` : text;
}

/** Waits until the result list shows the answer to exactly this query (the search is debounced and async). */
async function searchSettled(page: Page, query: string, mode: 'prefix' | 'contains'): Promise<void> {
  await page.waitForFunction(
    ([q, m]) => {
      const list = document.querySelector('[data-testid="account-results"]');
      return (
        list?.getAttribute('data-query') === q &&
        list.getAttribute('data-mode') === m &&
        list.getAttribute('data-pending') === 'false'
      );
    },
    [query, mode] as const,
  );
}

describe('Accounts in the real renderer over the bridge', () => {
  let s: E2eSession;
  let shellMs = 0;

  beforeAll(async () => {
    s = await startSession();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('renders the shell quickly and offers the first-run dialog on a fresh ledger', async () => {
    const started = performance.now();
    await s.page.goto(s.bridge.url, { waitUntil: 'commit' });
    await s.page.getByTestId('nav-frame').waitFor({ state: 'visible' });
    shellMs = performance.now() - started;
    // The app marks the moment the frame mounted, relative to the page's navigation start.
    const markMs = await s.page.evaluate(
      () => performance.getEntriesByName('paydesk:shell-visible')[0]?.startTime ?? Number.NaN,
    );
    console.log(
      `shell: nav frame visible ${shellMs.toFixed(0)} ms after page.goto started (in-page mark ${markMs.toFixed(0)} ms after navigation start); budget ${SHELL_BUDGET_MS} ms in the page, ${SHELL_BUDGET_MS + HARNESS_MS} ms from page.goto`,
    );
    expect(markMs).toBeLessThan(SHELL_BUDGET_MS);
    expect(shellMs).toBeLessThan(SHELL_BUDGET_MS + HARNESS_MS);

    for (const area of ['batches', 'suspense', 'accounts', 'collections', 'reports', 'admin']) {
      await s.page.getByTestId(`nav-${area}`).waitFor({ state: 'visible' });
    }
    const dialog = s.page.getByTestId('welcome-dialog');
    await dialog.getByText('Welcome to Paydesk').waitFor({ state: 'visible' });
    expect(await dialog.getByTestId('demo-size-1000').getAttribute('aria-pressed')).toBe('true');
    expect(await dialog.getByTestId('demo-seed').inputValue()).toBe('1');

    const status = s.page.getByTestId('status-bar');
    await status.getByTestId('status-accounts').getByText('0 accounts').waitFor();
    expect(await status.getByTestId('status-ledger').textContent()).toBe(s.app.ctx.ledger.file);
    expect(await status.getByTestId('status-operator').textContent()).toContain('e2e.clerk');
    await s.screenshot('shell-first-run');
  });

  it('loads 1,000 demo accounts through the dialog, with progress events reaching the page', async () => {
    // Listen through the shim exactly as the app does, so the SSE path is checked end to end.
    await s.page.evaluate(() => {
      const w = window as unknown as { __progress: unknown[] };
      w.__progress = [];
      window.api?.on('job:progress', (p) => w.__progress.push(p));
    });
    await s.page.getByTestId('load-demo').click();
    // The status bar shows the running job (count and rate) and keeps it briefly after the job ends.
    await s.page.getByTestId('status-job').getByText(/\/s$/).waitFor({ state: 'visible', timeout: 15_000 });
    await s.page.getByTestId('welcome-dialog').waitFor({ state: 'hidden', timeout: 30_000 });
    await s.page.getByTestId('status-accounts').getByText('1,000 accounts').waitFor();

    const progress = (await s.page.evaluate(
      () => (window as unknown as { __progress: unknown[] }).__progress,
    )) as { kind: string; done: number; total: number }[];
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.kind === 'demo')).toBe(true);
    expect(progress.some((p) => p.done === p.total && p.total === 1000)).toBe(true);

    const info = await service<AppInfoDto>(s, 'app:info', {});
    expect(info).toMatchObject({ accountCount: 1000, isEmpty: false });
  });

  it('finds an account by prefix (keyboard) and by a name fragment, and shows the same figures as the services', async () => {
    const info = await service<AppInfoDto>(s, 'app:info', {});
    // Pick an account with several open bills, preferring one with an overdue bill, from the services.
    const all = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 300,
    });
    let target: AccountDetailDto | undefined;
    for (const row of all.rows) {
      const d = await service<AccountDetailDto>(s, 'accounts:show', { accountNo: row.accountNo });
      if (d.openBills.length >= 2 && d.name.length >= 8) {
        target ??= d;
        if (d.openBills.some((b) => b.overdue)) {
          target = d;
          break;
        }
      }
    }
    expect(target, 'demo data has an account with open bills').toBeDefined();
    const account = target!;

    // Prefix: type the number minus its last digit; walk down to it with ArrowDown (the first one lands on the
    // first match) and open with Enter.
    const prefix = account.accountNo.slice(0, -1);
    const expectedRows = (
      await service<AccountSearchDto>(s, 'accounts:search', { query: prefix, mode: 'prefix', limit: 50 })
    ).rows;
    const position = expectedRows.findIndex((r) => r.accountNo === account.accountNo);
    expect(position).toBeGreaterThanOrEqual(0);

    const search = s.page.getByTestId('account-search');
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    await search.fill(prefix);
    await searchSettled(s.page, prefix, 'prefix');
    const shown = await s.page
      .locator('[data-testid^="account-row-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(shown).toEqual(expectedRows.map((r) => `account-row-${r.accountNo}`));
    for (let i = 0; i <= position; i++) await search.press('ArrowDown');
    await search.press('Enter');
    await s.page.locator(`[data-testid="account-detail"][data-account-no="${account.accountNo}"]`).waitFor();
    expect(await s.page.getByTestId('account-name').textContent()).toBe(account.name);

    // Contains: a fragment from inside the name finds it too.
    await s.page.getByTestId('search-mode-contains').click();
    const fragment = account.name.slice(2, 7);
    await search.fill(fragment);
    await searchSettled(s.page, fragment, 'contains');
    const row = s.page.getByTestId(`account-row-${account.accountNo}`);
    await row.waitFor({ state: 'visible' });
    const containsRows = (
      await service<AccountSearchDto>(s, 'accounts:search', { query: fragment, mode: 'contains', limit: 50 })
    ).rows;
    const balanceInList = await row.textContent();
    expect(containsRows.some((r) => r.accountNo === account.accountNo)).toBe(true);
    expect(balanceInList).toContain(expectedMoney(info, account.balanceMinor, account.currency));
    await row.click();

    // Header figures match accounts:show, formatted with the currency's exponent.
    const balance = s.page.getByTestId('account-balance');
    expect(await balance.textContent()).toBe(
      expectedMoney(info, account.balanceMinor, account.currency, true),
    );
    expect(Number(await balance.getAttribute('data-minor'))).toBe(account.balanceMinor);
    expect(await s.page.getByTestId('account-unallocated').textContent()).toBe(
      expectedMoney(info, account.unallocatedMinor, account.currency, true),
    );
    expect(await s.page.getByTestId('payment-standing').textContent()).toBe(
      { good: 'Good standing', overdue: 'Overdue', credit: 'In credit', settled: 'Settled' }[
        account.paymentStatus.standing
      ],
    );

    // Open bills: the same rows, in the same order, with the same dates and amounts.
    const billRows = s.page.locator('[data-testid^="open-bill-"]');
    expect(await billRows.count()).toBe(account.openBills.length);
    const billIds = await billRows.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(billIds).toEqual(account.openBills.map((b) => `open-bill-${b.billNo}`));
    for (const bill of account.openBills) {
      const r = s.page.getByTestId(`open-bill-${bill.billNo}`);
      const cells = (await r.locator('td').allTextContents()).map((t) => t.trim());
      expect(cells.slice(1)).toEqual([
        bill.billNo,
        bill.billUnitNo,
        bill.billDate,
        bill.dueDate,
        expectedMoney(info, bill.totalMinor, bill.currency),
        expectedMoney(info, bill.amountDueMinor, bill.currency),
        bill.overdue ? 'Overdue' : 'Due',
      ]);
    }

    // Expanding a bill shows its items from accounts:bill-items.
    const first = account.openBills[0]!;
    const items = await service<BillItemDto[]>(s, 'accounts:bill-items', { billNo: first.billNo });
    await s.page.getByTestId(`open-bill-${first.billNo}`).click();
    const itemsTable = s.page.getByTestId(`bill-items-${first.billNo}`);
    await itemsTable.waitFor({ state: 'visible' });
    expect(await itemsTable.locator('[data-testid^="bill-item-"]').count()).toBe(items.length);
    for (const item of items) {
      const cells = await itemsTable.getByTestId(`bill-item-${item.itemNo}`).locator('td').allTextContents();
      expect(cells[2]).toBe(expectedMoney(info, item.amountMinor, first.currency));
      expect(cells[3]).toBe(expectedMoney(info, item.openMinor, first.currency));
    }

    // Bill units and payment history render (the demo book has no payments yet: an honest empty grid).
    expect(await s.page.locator('[data-testid^="bill-unit-"]').count()).toBe(account.billUnits.length);
    await s.page.getByTestId('payment-history-grid').waitFor({ state: 'visible' });
    await s.page.getByTestId('history-totals').getByText('0 payments in range').waitFor();
    await s.page.getByText('No payments in this date range.').waitFor();
    expect(await s.page.getByTestId('history-page-size').inputValue()).toBe('50');
    await s.page.getByTestId('history-from').fill('2026-12-31');
    await s.page.getByTestId('history-to').fill('2026-01-01');
    await s.page.getByText('From must not be after To').waitFor();
    await s.page.getByTestId('history-to').fill('');
    await s.page.getByTestId('history-from').fill('');
    await s.page.getByTestId('payment-history').scrollIntoViewIfNeeded();
    await s.screenshot('accounts-payment-history');

    await s.page.getByTestId('account-search').focus();
    await s.page.getByTestId('account-header').scrollIntoViewIfNeeded();
    await s.screenshot('accounts-open');
  });

  it('switches to the dark theme, remembers it, and shows honest empty states for unbuilt areas', async () => {
    await s.page.getByTestId('theme-toggle').click();
    await s.page.mouse.move(700, 500);
    await s.page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(15, 19, 24)');
    expect(await s.page.evaluate(() => localStorage.getItem('paydesk.theme'))).toBe('dark');
    await s.screenshot('accounts-dark');
    await s.page.getByTestId('payment-history').scrollIntoViewIfNeeded();
    await s.screenshot('payment-history-dark');

    await s.page.reload();
    await s.page.getByTestId('account-detail').waitFor();
    expect(await s.page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(15, 19, 24)',
    );

    await s.page.keyboard.press('Alt+5');
    const reports = s.page.getByTestId('reports-page');
    await reports.waitFor({ state: 'visible' });
    await reports.getByTestId('report-item-gl').waitFor({ state: 'visible' });
    await s.screenshot('reports-dark');
  });

  it('logged no console errors', () => {
    expect(s.consoleErrors).toEqual([]);
    expect(shellMs).toBeGreaterThan(0);
  });
});
