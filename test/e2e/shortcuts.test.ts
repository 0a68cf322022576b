import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, type E2eSession } from './helpers';

describe('shortcut sheet and the shortcuts of Collections and Admin', () => {
  let s: E2eSession;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.admin' });
    // A ledger with accounts: on an empty one the first-run dialog would hold the focus.
    const r = await s.app.dispatch('demo:load', { accounts: 20, seed: 4 });
    expect(r.ok).toBe(true);
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  const sheet = () => s.page.getByTestId('shortcut-sheet');
  const sheetKeys = (screen: string) =>
    s.page.getByTestId(`shortcut-screen-${screen}`).locator('kbd').allTextContents();
  const hash = () => s.page.evaluate(() => window.location.hash);
  const blur = () => s.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

  it('opens with F1 anywhere and with ? outside a text field, listing the screen’s shortcuts', async () => {
    const { page } = s;
    // Accounts starts with the cursor in the search box: there ? is a character.
    const search = page.getByTestId('account-search');
    await search.press('?');
    expect(await search.inputValue()).toBe('?');
    expect(await sheet().count()).toBe(0);
    await search.fill('');

    await page.keyboard.press('F1');
    await sheet().waitFor();
    expect(await sheetKeys('Everywhere')).toEqual(
      expect.arrayContaining(['Alt+1', 'Alt+6', 'Ctrl+Shift+L', 'F1']),
    );
    expect(await sheetKeys('Accounts')).toEqual(expect.arrayContaining(['↓ / ↑', 'Enter']));
    await s.screenshot('shortcuts-01-accounts-sheet');
    await page.keyboard.press('Escape');
    await sheet().waitFor({ state: 'detached' });

    await page.getByTestId('nav-batches').click();
    await page.getByTestId('batches-page').waitFor();
    await blur();
    await page.keyboard.press('?');
    await sheet().waitFor();
    expect(await sheetKeys('Batches')).toEqual(expect.arrayContaining(['Alt+N', 'Alt+I']));
    expect(await sheetKeys('Everywhere')).toContain('Alt+2');
    await page.keyboard.press('Escape');
    await sheet().waitFor({ state: 'detached' });
  });

  it('puts the cursor in the first field of a dialog that opens', async () => {
    const { page } = s;
    await page.keyboard.press('Alt+n');
    await page.getByTestId('new-batch-dialog').waitFor();
    await expect
      .poll(() =>
        page.evaluate(() => {
          const el = document.activeElement;
          const dialog = document.querySelector('[data-testid="new-batch-dialog"]');
          return (
            !!el &&
            !!dialog?.contains(el) &&
            (el.tagName === 'INPUT' || el.getAttribute('role') === 'combobox')
          );
        }),
      )
      .toBe(true);
    await page.keyboard.press('Escape');
    await page.getByTestId('new-batch-dialog').waitFor({ state: 'detached' });
  });

  it('switches Collections tabs and refreshes with the keyboard', async () => {
    const { page } = s;
    await page.keyboard.press('Alt+4');
    await page.getByTestId('collections-page').waitFor();
    await page.keyboard.press('F1');
    await sheet().waitFor();
    expect(await sheetKeys('Collections')).toEqual(
      expect.arrayContaining(['Alt+T', 'Alt+Shift+T', 'F5', 'Alt+N', 'Alt+D', 'Alt+F']),
    );
    await s.screenshot('shortcuts-02-collections-sheet');
    await page.keyboard.press('F1');
    await sheet().waitFor({ state: 'detached' });

    await page.keyboard.press('Alt+t');
    await expect.poll(hash).toBe('#/collections/dd');
    expect(await page.getByTestId('tab-dd').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Alt+Shift+T');
    await expect.poll(hash).toBe('#/collections/runs');
    const refreshed = page.getByTestId('collections-page').locator('[data-refresh]');
    expect(await refreshed.getAttribute('data-refresh')).toBe('0');
    await page.keyboard.press('F5');
    await expect.poll(() => refreshed.getAttribute('data-refresh')).toBe('1');
    // F5 refreshed the tab, not the page: still signed in, same place.
    await page.getByTestId('collections-page').waitFor();
    expect(await hash()).toBe('#/collections/runs');
  });

  it('switches Admin tabs with the keyboard; a system reason code cannot be retired', async () => {
    const { page } = s;
    await page.keyboard.press('Alt+6');
    await page.getByTestId('admin-page').waitFor();
    await page.keyboard.press('F1');
    await sheet().waitFor();
    expect(await sheetKeys('Admin')).toEqual(expect.arrayContaining(['Alt+T', 'Alt+Shift+T', 'F5']));
    await page.keyboard.press('Escape');
    await sheet().waitFor({ state: 'detached' });

    await page.keyboard.press('Alt+t');
    await expect.poll(() => page.getByTestId('admin-tab-codes').getAttribute('aria-selected')).toBe('true');
    await page.getByTestId('codes-panel').waitFor();
    await page.getByTestId('code-row-2001').waitFor();
    expect(await page.getByTestId('code-retire-2001').isDisabled()).toBe(true);
    await page.getByTestId('code-retire-2001').locator('..').hover();
    await page.getByRole('tooltip').filter({ hasText: 'Paydesk assigns this code itself' }).waitFor();
    await s.screenshot('shortcuts-03-admin-codes');
    await page.keyboard.press('Alt+Shift+T');
    await expect.poll(() => page.getByTestId('admin-tab-columns').getAttribute('aria-selected')).toBe('true');
    expect(s.consoleErrors).toEqual([]);
  });
});
