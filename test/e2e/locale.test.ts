import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchDto } from '../../src-shared/dto/accounts';
import type { BatchDto } from '../../src-shared/dto/batches';
import { startSession, type E2eSession } from './helpers';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** Opens Language & formats from the account menu and saves the locale picked by its option's test id. */
async function chooseLocale(s: E2eSession, option: string, example?: { date: string; amount: string }) {
  await s.page.getByTestId('account-menu').click();
  await s.page.getByTestId('account-display-settings').click();
  await s.page.getByTestId('display-settings-dialog').waitFor();
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
});
