import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SuspenseSavedSearchDto } from '../../src-shared/dto/suspense';
import { suspend } from '../helpers/suspense';
import { startSession, type E2eSession } from './helpers';

describe('saved searches of the Payment Center', () => {
  let s: E2eSession;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.analyst' });
    const r = await s.app.dispatch('demo:load', { accounts: 20, seed: 6 });
    expect(r.ok).toBe(true);
    await suspend(s.app, [{ amount: '9.99', payerName: 'Saved Search Payer' }]);
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(`${s.bridge.url}#/suspense`);
    await s.page.getByTestId('suspense-page').waitFor();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  const saved = async (): Promise<string[]> => {
    const r = await s.app.dispatch('suspense:saved-searches', {});
    if (!r.ok) throw new Error(r.error.message);
    return (r.value as SuspenseSavedSearchDto[]).map((x) => x.name);
  };

  it('saves, renames in place (Enter keeps, Escape drops) and deletes a search', async () => {
    const { page } = s;
    await page.getByTestId('filter-text').fill('saved search');
    await page.getByTestId('save-search-name').fill('Payers');
    await page.getByTestId('save-search').click();
    await page.getByTestId('saved-search-Payers').waitFor();

    await page.getByTestId('rename-search-Payers').click();
    const name = page.getByTestId('rename-search-name');
    expect(await name.evaluate((el) => el === document.activeElement)).toBe(true);
    await name.fill('Dropped');
    await name.press('Escape');
    await page.getByTestId('saved-search-Payers').waitFor();
    expect(await saved()).toEqual(['Payers']);

    await page.getByTestId('rename-search-Payers').click();
    await name.fill('Payers to call');
    await s.screenshot('saved-searches-01-rename-1280');
    await name.press('Enter');
    await page.getByTestId('saved-search-Payers to call').waitFor();
    expect(await saved()).toEqual(['Payers to call']);

    await page.getByTestId('delete-search-Payers to call').click();
    await page.getByTestId('saved-search-Payers to call').waitFor({ state: 'detached' });
    expect(await saved()).toEqual([]);
    expect(s.consoleErrors).toEqual([]);
  });
});
