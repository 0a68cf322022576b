import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import { browserShim } from '../../src-main/bridge/shim';
import { UPLOAD_CHUNK_BYTES } from '../../src-shared/api/uploads';
import { ARTIFACTS_DIR, startSession, type E2eSession } from './helpers';
import { E2E_PASSWORD, signIn } from './sign-in';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** Writes a lockbox CSV of `rows` payments (about 125 bytes a row) and returns its path and size. */
function writeLockbox(path: string, rows: number): number {
  const lines = ['Account,Amount,Date,Check,Payer'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `A${String(1 + (i % 40)).padStart(7, '0')},${(1 + (i % 900)).toFixed(2)},11/20/2026,${200000 + i},"Payer ${i % 89} Lockbox Holdings and Trust Company Ltd. of the Eastern Seaboard Region"`,
    );
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

describe('a 5 MB lockbox file uploaded through the bridge with a progress bar', () => {
  let s: E2eSession;
  let cdp: CDPSession;
  /** Slows the page's uploads down (bytes a second) so the progress bar can be seen; -1 lifts the limit. */
  const throttle = (bytesPerSecond: number) =>
    cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: bytesPerSecond,
    });

  beforeAll(async () => {
    s = await startSession();
    await service(s, 'demo:load', { accounts: 50, seed: 3 });
    await service(s, 'templates:save', {
      name: 'Big lockbox',
      definition: {
        name: 'Big lockbox',
        format: 'delimited',
        delimiter: ',',
        hasColumnHeader: true,
        dateFormat: 'MM/dd/yyyy',
        columns: [
          { field: 'accountNo', index: 0 },
          { field: 'amount', index: 1 },
          { field: 'paymentDate', index: 2 },
          { field: 'checkNo', index: 3 },
          { field: 'payerName', index: 4 },
        ],
      },
    });
    cdp = await s.context.newCDPSession(s.page);
    await cdp.send('Network.enable');
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+1');
    await s.page.getByTestId('batches-page').waitFor();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('shows the upload progress, can cancel it, then imports the uploaded file into a batch', async () => {
    const path = join(s.dir, 'lockbox-big.csv');
    const size = writeLockbox(path, 40_000);
    expect(size).toBeGreaterThan(4 * 1024 * 1024);
    const dialog = s.page.getByTestId('import-dialog');
    const progress = s.page.getByTestId('import-upload');
    const done = async (): Promise<number> => Number(await progress.getAttribute('data-done'));

    // First attempt: cancelled mid-way; nothing of it stays in the main process.
    await s.page.getByTestId('import-file').first().click();
    await dialog.waitFor();
    await throttle(1024 * 1024);
    await s.page.getByTestId('import-file-input').setInputFiles(path);
    await progress.waitFor();
    await expect.poll(done, { timeout: 15_000 }).toBeGreaterThan(0);
    await s.page.getByTestId('import-upload-cancel').click();
    await progress.waitFor({ state: 'hidden' });
    expect(await s.page.getByTestId('import-file-name').textContent()).toBe('No file chosen');
    await expect.poll(() => s.app.uploads.count()).toBe(0);
    expect(await s.page.getByTestId('import-error').count()).toBe(0);

    // Second attempt: the bar moves with the bytes sent, then the preview and the import run on the upload.
    await s.page.getByTestId('import-file-input').setInputFiles(path);
    await progress.waitFor();
    expect(Number(await progress.getAttribute('data-total'))).toBe(size);
    await expect.poll(done, { timeout: 15_000 }).toBeGreaterThan(size / 10);
    expect(await done()).toBeLessThan(size);
    expect(await s.page.getByTestId('import-upload-text').textContent()).toMatch(
      /^Uploading lockbox-big\.csv: \d+\.\d of \d+\.\d MB \(\d+%\)$/,
    );
    await s.screenshot('upload-progress');
    await throttle(-1);
    await s.page.getByTestId('import-preview').waitFor({ timeout: 60_000 });
    expect(await s.page.getByTestId('import-file-name').textContent()).toContain('lockbox-big.csv');
    expect(await s.page.getByTestId('import-preview').getAttribute('data-rows-with-problems')).toBe('0');
    expect(s.app.uploads.count()).toBe(1);
    await s.page.getByTestId('import-confirm').click();
    await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
    await s.page.getByTestId('batch-workspace').waitFor();
    const list = await service<{ rows: BatchDto[] }>(s, 'batches:list', {});
    expect(list.rows[0]).toMatchObject({ sourceFile: 'lockbox-big.csv', templateName: 'Big lockbox' });
    const counts = Object.values(list.rows[0]!.countsByStatus).reduce((a, b) => a + (b ?? 0), 0);
    expect(counts).toBe(40_000);
    // Used by the import, so deleted.
    expect(s.app.uploads.count()).toBe(0);
    await s.screenshot('upload-imported');
    expect(s.consoleErrors).toEqual([]);
  }, 180_000);

  it('sends the file in chunks over the commands where the api has no stream upload (the desktop route)', async () => {
    // The desktop preload exposes no window.api.upload: this page's shim leaves it out the same way.
    const shim = browserShim();
    const desktopShim = shim.replace(
      'upload: (file, fileName, opts) =>',
      'streamUpload: (file, fileName, opts) =>',
    );
    expect(desktopShim).not.toBe(shim);
    const context = await s.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.addInitScript(desktopShim);
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(s.bridge.launchUrl());
      await signIn(page, 'e2e.clerk', E2E_PASSWORD);
      expect(await page.evaluate(() => typeof (window as { api?: { upload?: unknown } }).api?.upload)).toBe(
        'undefined',
      );
      const path = join(s.dir, 'lockbox-desktop.csv');
      const size = writeLockbox(path, 20_000);
      expect(size).toBeGreaterThan(4 * UPLOAD_CHUNK_BYTES);
      await page.keyboard.press('Alt+1');
      await page.getByTestId('batches-page').waitFor();
      await page.getByTestId('import-file').first().click();
      const dialog = page.getByTestId('import-dialog');
      await dialog.waitFor();
      await page.getByTestId('import-file-input').setInputFiles(path);
      await page
        .getByTestId('import-preview')
        .or(page.getByTestId('import-error'))
        .waitFor({ timeout: 60_000 })
        .catch(() => undefined);
      await page.screenshot({
        path: join(ARTIFACTS_DIR, 'upload-desktop-route.png'),
        animations: 'disabled',
      });
      expect(await page.getByTestId('import-error').count()).toBe(0);
      await page.getByTestId('import-preview').waitFor({ timeout: 1000 });
      expect(await page.getByTestId('import-file-name').textContent()).toContain('lockbox-desktop.csv');
      await page.getByTestId('import-confirm').click();
      await dialog.waitFor({ state: 'hidden', timeout: 60_000 });
      const list = await service<{ rows: BatchDto[] }>(s, 'batches:list', {});
      const batch = list.rows.find((b) => b.sourceFile === 'lockbox-desktop.csv');
      expect(Object.values(batch?.countsByStatus ?? {}).reduce((a, b) => a + (b ?? 0), 0)).toBe(20_000);
      expect(s.app.uploads.count()).toBe(0);
      // The import's read of the upload is audited with the user's file name.
      const reads = s.app.ctx.ledger.sqlite
        .prepare(
          `SELECT count(*) AS n FROM audit_log WHERE action = 'file.read' AND after LIKE '%lockbox-desktop.csv%'`,
        )
        .get() as { n: number };
      expect(reads.n).toBeGreaterThanOrEqual(1);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});
