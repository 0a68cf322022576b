import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, isoDate } from '../../src-main/domain/dates';
import type { DdFileDto } from '../../src-shared/dto/directdebit';
import { seedDirectDebit } from '../helpers/mandates';
import { startSession, type E2eSession } from './helpers';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('Collections › Direct debit in the desktop UI', () => {
  let s: E2eSession;
  const date = addDays(isoDate(new Date()), 20);

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 200, seed: 4 });
    seedDirectDebit(s.app.ctx.ledger.sqlite);
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+4');
    await s.page.getByTestId('collections-page').waitFor();
  }, 90_000);

  afterAll(async () => {
    await s?.close();
  });

  it('previews a SEPA run, runs it through the confirmation, lists the file and its items, marks it sent', async () => {
    const { page } = s;
    const db = s.app.ctx.ledger.sqlite;
    await page.getByTestId('tab-dd').click();
    await page.getByTestId('dd-panel').waitFor();
    await page.getByTestId('dd-date').fill(date);
    await page.getByTestId('dd-preview').click();
    const result = page.getByTestId('dd-preview-result');
    await result.waitFor();
    await expect(result.textContent()).resolves.toContain('Dry run: 1 file');
    expect((db.prepare('SELECT count(*) AS n FROM bank_files_out').get() as { n: number }).n).toBe(0);

    await page.getByTestId('dd-run').click();
    const dialog = page.getByTestId('dd-confirm-dialog');
    await dialog.getByTestId('confirmation-summary').waitFor();
    await expect(dialog.getByTestId('confirmation-description').textContent()).resolves.toMatch(
      /SEPA debits: \d+ in 1 file/,
    );
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'dd-confirm-cancel',
    );
    await dialog.getByTestId('dd-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('dd-notice').textContent()).toContain('1 file written');
    const files = (await service<{ rows: DdFileDto[] }>(s, 'dd:files', {})).rows;
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f.status).toBe('ready');
    await page.getByTestId('dd-file-detail').waitFor();
    await expect
      .poll(() => page.getByTestId('dd-items').locator('tbody tr').count())
      .toBe(Math.min(f.count, 200));
    await expect(page.getByTestId(`dd-file-${f.id}`).textContent()).resolves.toContain(f.sha256.slice(0, 12));
    await s.screenshot('collections-direct-debit');

    await page.getByTestId(`dd-sent-${f.id}`).click();
    await expect.poll(() => page.getByTestId('dd-notice').textContent()).toContain('marked sent');
    await expect.poll(() => page.getByTestId(`dd-file-${f.id}`).textContent()).toContain('sent');
    expect((await service<{ rows: DdFileDto[] }>(s, 'dd:files', {})).rows[0]!.status).toBe('sent');
    expect(s.consoleErrors).toEqual([]);
  }, 60_000);
});
