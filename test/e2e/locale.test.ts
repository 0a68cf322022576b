import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchDto } from '../../src-shared/dto/accounts';
import type { BatchDto } from '../../src-shared/dto/batches';
import type { SuspenseDetailDto } from '../../src-shared/dto/suspense';
import { postPayment, suspend, usdAccounts } from '../helpers/suspense';
import type { Page } from 'playwright-core';
import { startSession, type E2eSession } from './helpers';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/**
 * Records where the page's pointer events land (the last 12, with the nearest test id), once per document.
 * Playwright checks only the first event of a click against its target, so when a click it reported does
 * nothing, this is the evidence of where the release and the click went.
 */
async function tracePointer(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __pointerTrace?: string[] };
    if (w.__pointerTrace) return;
    const trace: string[] = [];
    w.__pointerTrace = trace;
    for (const type of ['pointerdown', 'pointerup', 'click']) {
      document.addEventListener(
        type,
        (e) => {
          const target = e.target as Element;
          const named = target.closest('[data-testid]')?.getAttribute('data-testid') ?? target.tagName;
          const { clientX, clientY } = e as MouseEvent;
          trace.push(`${Math.round(performance.now())}ms ${type} (${clientX},${clientY}) ${named}`);
          if (trace.length > 12) trace.shift();
        },
        true,
      );
    }
  });
}

/** Opens Language & formats from the account menu and saves the locale picked by its option's test id. */
async function chooseLocale(s: E2eSession, option: string, example?: { date: string; amount: string }) {
  await tracePointer(s.page);
  await s.page.getByTestId('account-menu').click();
  await s.page.getByTestId('account-display-settings').click();
  try {
    await s.page.getByTestId('display-settings-dialog').waitFor({ timeout: 10_000 });
  } catch (err) {
    const menuOpen = await s.page.getByTestId('account-menu').getAttribute('aria-expanded');
    const trace = await s.page.evaluate(
      () => (window as unknown as { __pointerTrace?: string[] }).__pointerTrace,
    );
    // Close the menu so its backdrop does not take the next tests' clicks: they fail (or pass) on their own.
    await s.page.keyboard.press('Escape');
    throw new Error(
      `Language & formats did not open (menu expanded: ${menuOpen}); pointer events:\n${(trace ?? []).join('\n')}`,
      { cause: err },
    );
  }
  await s.page.getByTestId('display-locale').click();
  await s.page.getByTestId(`display-locale-${option}`).click();
  if (example) {
    await expect.poll(() => s.page.getByTestId('display-example-date').textContent()).toBe(example.date);
    expect(await s.page.getByTestId('display-example-amount').textContent()).toBe(example.amount);
  }
  await s.page.getByTestId('display-settings-save').click();
  await s.page.getByTestId('display-settings-dialog').waitFor({ state: 'detached' });
}

describe('Language & formats (issue #16): amounts and dates follow the chosen locale without a reload', () => {
  let s: E2eSession;
  let batch: BatchDto;
  let posted: { accountNo: string; paymentId: number };
  let suspended: SuspenseDetailDto;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.locale' });
    await service(s, 'demo:load', { accounts: 20, seed: 5 });
    const found = await service<AccountSearchDto>(s, 'accounts:search', { query: '', limit: 50 });
    const usd = found.rows.find((r) => r.currency === 'USD' && r.status === 'active');
    if (!usd) throw new Error('no active USD account in the demo ledger');
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10011,
      currency: 'USD',
    });
    await service(s, 'batches:save-entries', {
      batchId: batch.id,
      entries: [{ accountNo: usd.accountNo, amount: '1234.56', checkNo: '4711' }],
    });
    await service(s, 'admin:save-rate', {
      fromCurrency: 'EUR',
      toCurrency: 'USD',
      validFrom: '2026-03-15',
      rate: '1.0842',
    });
    const [account] = usdAccounts(s.app, 1);
    if (!account) throw new Error('no USD account with an open bill in the demo ledger');
    posted = {
      accountNo: account.accountNo,
      paymentId: await postPayment(s.app, account.accountNo, '12.00', { effectiveDate: '2026-03-09' }),
    };
    const [held] = await suspend(s.app, [{ amount: '7.00', payerName: 'Harriet Vane' }]);
    suspended = await service<SuspenseDetailDto>(s, 'suspense:show', { paymentId: held! });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('shows the batch total and a rate date in de-DE after choosing it, and in en-US again after that', async () => {
    const { page } = s;
    const item = page.getByTestId(`batch-item-${batch.batchNo}`);
    await page.getByTestId('nav-batches').click();
    await item.waitFor();
    await expect.poll(() => item.textContent()).toContain('1,234.56');

    await chooseLocale(s, 'de-DE', { date: '31.12.2026', amount: '1.234.567,89' });
    // The screen stays where it was and writes the same figures the German way, without a reload.
    await expect.poll(() => item.textContent()).toContain('1.234,56');
    expect(await item.textContent()).not.toContain('1,234.56');
    expect(await page.evaluate(() => window.localStorage.getItem('paydesk.locale'))).toBe('de-DE');

    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-reference').click();
    const rates = page.getByTestId('rates');
    await expect.poll(() => rates.textContent()).toContain('15.03.2026');
    await s.screenshot('locale-de-admin-rates');

    await chooseLocale(s, 'en-US', { date: '12/31/2026', amount: '1,234,567.89' });
    // The app is drawn anew in the locale: the area stays, a page's own tab starts over.
    await page.getByTestId('admin-page').waitFor();
    await page.getByTestId('admin-tab-reference').click();
    await expect.poll(() => rates.textContent()).toContain('03/15/2026');
    await page.getByTestId('nav-batches').click();
    await expect.poll(() => item.textContent()).toContain('1,234.56');

    // The system default forgets the choice: dates go back to ISO.
    await chooseLocale(s, 'system');
    expect(await page.evaluate(() => window.localStorage.getItem('paydesk.locale'))).toBeNull();
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-reference').click();
    await expect.poll(() => page.getByTestId('rates').textContent()).toContain('2026-03-15');
    expect(s.consoleErrors).toEqual([]);
  }, 120_000);

  it('shows the dialog with its live example', async () => {
    await s.page.getByTestId('account-menu').click();
    await s.page.getByTestId('account-display-settings').click();
    await s.page.getByTestId('display-locale').click();
    await s.page.getByTestId('display-locale-fr-FR').click();
    await expect.poll(() => s.page.getByTestId('display-example-date').textContent()).toBe('31/12/2026');
    // fr-FR groups with a narrow no-break space.
    expect(await s.page.getByTestId('display-example-amount').textContent()).toMatch(/^1\s234\s567,89$/u);
    await s.page.mouse.move(5, 5);
    await s.screenshot('locale-dialog');
    await s.page.getByTestId('display-settings-cancel').click();
    expect(await s.page.evaluate(() => window.localStorage.getItem('paydesk.locale'))).toBeNull();
  });

  it('writes the batch date, a payment history date and suspense dates in de-DE, and ISO again without a choice', async () => {
    const { page } = s;
    const german = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
    const received = suspended.payment!.effectiveDate;
    const entered = suspended.payment!.enteredOn;
    const eventAt = suspended.timeline[0]!.at;
    const historyDate = page.locator(
      `[data-testid="payment-history-grid"] .ag-row[row-id="${posted.paymentId}"] .ag-cell[col-id="effectiveDate"]`,
    );

    /** Reads the three screens; `date` writes an ISO date as the screen should show it. */
    const expectDates = async (date: (iso: string) => string, stamp: string) => {
      await page.getByTestId('nav-batches').click();
      await page.getByTestId(`batch-item-${batch.batchNo}`).click();
      await expect.poll(() => page.getByTestId('batch-date').textContent()).toBe(date(batch.batchDate));

      await page.goto(`${s.bridge.url}#/accounts/${encodeURIComponent(posted.accountNo)}`);
      await page.getByTestId('payment-history').scrollIntoViewIfNeeded();
      await expect.poll(() => historyDate.textContent()).toBe(date('2026-03-09'));

      await page.goto(`${s.bridge.url}#/suspense`);
      await page
        .locator(
          `[data-testid="suspense-grid"] .ag-row[row-id="${suspended.subject.paymentId}"] .ag-cell[col-id="paymentId"]`,
        )
        .click();
      const work = page.getByTestId('work-panel');
      await expect.poll(() => work.textContent()).toContain(`Received${date(received)}`);
      expect(await work.textContent()).toContain(`(since ${date(entered)})`);
      await expect.poll(() => page.getByTestId('timeline').textContent()).toContain(stamp);
    };

    await expectDates((iso) => iso, eventAt.replace('T', ' ').slice(0, 16));
    expect(received).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    await chooseLocale(s, 'de-DE');
    await expectDates(german, `${german(eventAt.slice(0, 10))}, ${eventAt.slice(11, 16)}`);
    await page.mouse.move(5, 5);
    await s.screenshot('locale-de-suspense');
    await page.goto(`${s.bridge.url}#/accounts/${encodeURIComponent(posted.accountNo)}`);
    await page.getByTestId('payment-history').scrollIntoViewIfNeeded();
    await expect.poll(() => historyDate.textContent()).toBe('09.03.2026');
    await s.screenshot('locale-de-account');

    await chooseLocale(s, 'system');
    await expectDates((iso) => iso, eventAt.replace('T', ' ').slice(0, 16));
    expect(s.consoleErrors).toEqual([]);
  }, 120_000);
});
