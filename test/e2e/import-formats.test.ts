import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountSearchDto } from '../../src-shared/dto/accounts';
import type { BatchDto, ImportTemplateDto } from '../../src-shared/dto/batches';
import { startSession, type E2eSession } from './helpers';

const STANDARDS = resolve(process.cwd(), '../shared/standards');

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

async function batches(s: E2eSession): Promise<BatchDto[]> {
  return (await service<{ rows: BatchDto[] }>(s, 'batches:list', {})).rows;
}

describe('Bank formats out of the box, in the real renderer', () => {
  let s: E2eSession;

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 40, seed: 16 });
    await s.page.setViewportSize({ width: 1280, height: 800 });
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('proposes Stock BAI2 for a BAI2 file and imports it with the stock template', async () => {
    await s.page.getByTestId('import-file').first().click();
    const dialog = s.page.getByTestId('import-dialog');
    await dialog.waitFor();
    await s.page.getByTestId('import-file-input').setInputFiles(join(STANDARDS, 'bai2/valid/sample2.txt'));
    const detected = s.page.getByTestId('import-detected');
    await detected.waitFor();
    expect(await detected.getAttribute('data-template')).toBe('Stock BAI2');
    expect(await detected.textContent()).toMatch(/Looks like Stock BAI2 — 9\d%/);
    if (await s.page.getByTestId('import-detected-use').isVisible())
      await s.page.getByTestId('import-detected-use').click();
    expect(await s.page.getByTestId('import-template').textContent()).toContain('Stock BAI2');
    await s.page.getByTestId('import-preview').waitFor();
    await s.screenshot('import-formats-bai2-detected');
    await s.page.getByTestId('import-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    await s.page.getByTestId('batch-workspace').waitFor();
    const [b] = await batches(s);
    expect(b).toMatchObject({ templateName: 'Stock BAI2', sourceFile: 'sample2.txt' });
  });

  it('builds a new fixed-width layout by clicking boundaries on the preview, saves it and imports with it', async () => {
    const accounts = await service<AccountSearchDto>(s, 'accounts:search', {
      query: '',
      mode: 'prefix',
      limit: 5,
    });
    const [a1, a2] = accounts.rows.map((r) => r.accountNo.padEnd(8).slice(0, 8));
    // A layout no template knows: H + date; D + account(8) + amount(10, cents) + date(8) + check(6); T + count + total.
    const file = join(s.dir, 'newbank-1120.txt');
    writeFileSync(
      file,
      [
        'H20261120NEW BANK',
        `D${a1}000000199520261119001251`,
        `D${a2}000000400020261119001252`,
        `D${a1}000000010020261120001253`,
        'T00030000006095',
      ].join('\n') + '\n',
    );
    await s.page.getByTestId('import-file').first().click();
    const dialog = s.page.getByTestId('import-dialog');
    await dialog.waitFor();
    await s.page.getByTestId('import-file-input').setInputFiles(file);
    await s.page.getByTestId('import-source-build').click();
    const builder = s.page.getByTestId('template-builder');
    await builder.waitFor();
    // No delimiter splits these lines: the builder starts in fixed width.
    expect(await s.page.getByTestId('builder-layout-fixed').getAttribute('aria-pressed')).toBe('true');

    // Boundaries: a click on a character of the preview (data line 2) or on the ruler; a second click removes one.
    const at = (line: number, pos: number) =>
      s.page.locator(`[data-testid="builder-preview"] [data-line="${line}"] [data-pos="${pos}"]`);
    await at(2, 1).click();
    await at(2, 9).click();
    await at(2, 12).click();
    await at(2, 12).click(); // a boundary set by mistake, removed again
    await s.page.getByTestId('builder-ruler-19').click();
    await s.page.getByTestId('builder-ruler-27').click();
    await s.page.getByTestId('builder-record-prefix').fill('D');
    await s.page.getByTestId('builder-map-1').selectOption('accountNo');
    await s.page.getByTestId('builder-map-2').selectOption('amount');
    await s.page.getByTestId('builder-map-3').selectOption('paymentDate');
    await s.page.getByTestId('builder-map-4').selectOption('checkNo');
    await s.page.getByTestId('builder-date-style').selectOption('yyyyMMdd');
    await s.page.getByTestId('builder-implied-decimals').fill('2');
    // Header and footer figures by record type.
    await s.page.getByTestId('builder-info-date-prefix').fill('H');
    await s.page.getByTestId('builder-info-date-start').fill('2');
    await s.page.getByTestId('builder-info-date-length').fill('8');
    await s.page.getByTestId('builder-info-count-prefix').fill('T');
    await s.page.getByTestId('builder-info-count-start').fill('2');
    await s.page.getByTestId('builder-info-count-length').fill('4');
    await s.page.getByTestId('builder-info-total-prefix').fill('T');
    await s.page.getByTestId('builder-info-total-start').fill('6');
    await s.page.getByTestId('builder-info-total-length').fill('10');

    const rows = s.page.getByTestId('builder-rows');
    await rows.waitFor();
    await expect.poll(() => rows.getAttribute('data-rows-with-problems')).toBe('0');
    await expect.poll(() => s.page.getByTestId('builder-figures').textContent()).toContain('count 3');
    expect(await s.page.getByTestId('builder-row-2').textContent()).toContain('19.95');
    expect(await s.page.getByTestId('builder-file-errors').count()).toBe(0);
    await s.screenshot('import-formats-builder-1280');
    await s.page.setViewportSize({ width: 1920, height: 1080 });
    await s.screenshot('import-formats-builder-1920');
    await s.page.setViewportSize({ width: 1280, height: 800 });

    await s.page.getByTestId('builder-name').fill('New Bank fixed');
    await s.page.getByTestId('builder-save').click();
    await builder.waitFor({ state: 'hidden' });
    expect(await s.page.getByTestId('import-template').textContent()).toContain('New Bank fixed');
    const saved = (await service<ImportTemplateDto[]>(s, 'templates:list', {})).find(
      (t) => t.name === 'New Bank fixed',
    );
    expect(saved).toMatchObject({
      stock: false,
      definition: { format: 'fixed', headerLines: 1, footerLines: 1 },
    });

    await s.page.getByTestId('import-preview').waitFor();
    await s.screenshot('import-formats-new-layout-preview');
    await s.page.getByTestId('import-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    await s.page.getByTestId('batch-workspace').waitFor();
    const b = (await batches(s)).find((x) => x.templateName === 'New Bank fixed');
    expect(b).toMatchObject({ controlCount: 3, controlTotalMinor: 6095, batchDate: '2026-11-20' });
    await s.screenshot('import-formats-new-layout-batch');
  });
});
