/**
 * Upload benchmark: writes a lockbox CSV of about 100 MB, streams it through the loopback bridge (POST /__upload,
 * as the browser does), previews and imports it by upload id (jobs in a worker thread, as in browser mode), and
 * prints upload, preview and import times and this process's peak RSS (the bridge, its worker and the client
 * that sends the file run here; the file is written and sent as streams, never held whole).
 * With --browser the same file is chosen in the import dialog of the built renderer in Chromium instead (the
 * upload's progress bar, the preview and the import as a clerk sees them; needs `npm run build` and chromium).
 * Run: nice -n 5 npx tsx bench/upload.ts [--mb 100] [--accounts 1000] [--browser]
 */
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src-main/app-context';
import { startBridge, type Bridge } from '../src-main/bridge/server';
import { workerJobRunner } from '../src-main/jobs/worker-runner';
import { demoAccountNo } from '../src-main/services/demo';
import type { Result } from '../src-shared/api/result';
import type { BankFilePreviewDto, BatchImportDto } from '../src-shared/dto/batches';
import type { UploadDto } from '../src-shared/dto/uploads';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const MB = arg('--mb', 100);
const ACCOUNTS = arg('--accounts', 1000);
const PASSWORD = 'Bench-Upload-2026';
const BROWSER = process.argv.includes('--browser');

/** Peak resident memory of this process so far. */
const peakRss = (): string => `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function must<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** Writes the lockbox file in blocks of lines until it reaches `bytes`; returns its row count. */
async function writeLockbox(path: string, bytes: number): Promise<number> {
  const out = createWriteStream(path);
  let size = 0;
  let rows = 0;
  const write = (text: string): Promise<void> =>
    new Promise((resolve) => {
      size += Buffer.byteLength(text);
      if (out.write(text)) resolve();
      else out.once('drain', () => resolve());
    });
  await write('Account Number,Payment Amount,Date,Check Number,Payer\n');
  while (size < bytes) {
    let block = '';
    for (let i = 0; i < 10_000; i++, rows++) {
      const account = demoAccountNo(1 + ((rows * 7919) % ACCOUNTS));
      block += `${account},${(1 + (rows % 30_000) / 100).toFixed(2)},11/20/2026,${1_000_000 + rows},"Payer ${rows % 997} Lockbox Holdings and Trust Company of America, Inc."\n`;
    }
    await write(block);
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return rows;
}

/** A raw request to the bridge with the session cookie and the page's Origin. */
function send(
  bridge: Bridge,
  cookie: string,
  path: string,
  contentType: string,
  body: string | NodeJS.ReadableStream,
): Promise<{ status: number; text: string; setCookie?: string }> {
  const base = new URL(bridge.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: base.hostname,
        port: base.port,
        path,
        method: contentType === '' ? 'GET' : 'POST',
        headers: { cookie, origin: bridge.url, ...(contentType ? { 'content-type': contentType } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            setCookie: res.headers['set-cookie']?.[0]?.split(';')[0],
          }),
        );
      },
    );
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else body.pipe(req);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-upload-'));
  const app = openApp({
    file: join(dir, 'ledger.sqlite'),
    login: 'bench',
    migrationsFolder: 'db/migrations',
    jobs: (c) => workerJobRunner(c.ledger.file),
  });
  let staticDir = 'out/renderer';
  if (!BROWSER) {
    staticDir = join(dir, 'static');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Paydesk</title>');
  }
  const bridge = await startBridge({ app, staticDir });
  try {
    console.log(`Paydesk upload benchmark — a ${MB} MB lockbox CSV through the loopback bridge`);
    must(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: 1 }));
    must(
      await app.dispatch('operators:add', {
        login: 'clerk',
        name: 'Clerk',
        roles: ['clerk'],
        password: PASSWORD,
      }),
    );
    const file = join(dir, 'lockbox.csv');
    let t = performance.now();
    const rows = await writeLockbox(file, MB * 1024 * 1024);
    const size = statSync(file).size;
    console.log(
      `setup: ${ACCOUNTS}-account demo ledger; wrote ${(size / 1024 / 1024).toFixed(1)} MB, ${rows.toLocaleString('en-US')} rows in ${seconds(performance.now() - t)}; peak RSS ${peakRss()}`,
    );

    if (BROWSER) {
      await inBrowser(bridge, file, size, app);
      return;
    }
    // A browser session: the launch URL gives the cookie, then the clerk signs in.
    const launch = new URL(bridge.launchUrl());
    const cookie = (await send(bridge, '', launch.pathname + launch.search, '', '')).setCookie ?? '';
    const signIn = await send(
      bridge,
      cookie,
      '/__api/auth%3Asign-in',
      'application/json',
      JSON.stringify({ login: 'clerk', password: PASSWORD }),
    );
    must(JSON.parse(signIn.text) as Result<unknown>);

    t = performance.now();
    const up = await send(
      bridge,
      cookie,
      '/__upload?name=lockbox.csv',
      'application/octet-stream',
      createReadStream(file),
    );
    const uploadMs = performance.now() - t;
    const upload = must<UploadDto>(JSON.parse(up.text) as Result<unknown>);
    console.log(
      `upload (POST /__upload, streamed to disk, SHA-256 on the way): ${seconds(uploadMs)}, ${(size / 1024 / 1024 / (uploadMs / 1000)).toFixed(0)} MB/s; ${upload.bytes} bytes; peak RSS so far ${peakRss()}`,
    );

    const template = TEMPLATE;
    const call = async <T>(command: string, input: unknown): Promise<T> => {
      const r = await send(
        bridge,
        cookie,
        `/__api/${encodeURIComponent(command)}`,
        'application/json',
        JSON.stringify(input),
      );
      return must<T>(JSON.parse(r.text) as Result<unknown>);
    };
    t = performance.now();
    const preview = await call<BankFilePreviewDto>('batches:preview-file', {
      uploadId: upload.uploadId,
      template,
      currency: 'USD',
      previewRows: 20,
    });
    console.log(
      `preview (the dialog's, a full parse in the bridge process): ${seconds(performance.now() - t)}, ${preview.rowsWithProblems} rows with problems; peak RSS so far ${peakRss()}`,
    );
    t = performance.now();
    const imported = await call<BatchImportDto>('batches:import-file', {
      uploadId: upload.uploadId,
      template,
      payType: 10012,
      currency: 'USD',
    });
    const importMs = performance.now() - t;
    console.log(
      `import by upload id (worker thread): ${imported.rows.toLocaleString('en-US')} rows in ${seconds(importMs)}; peak RSS ${peakRss()}`,
    );
    console.log(`uploads left after the import: ${app.uploads.count()}`);
  } finally {
    await bridge.close();
    app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bench file's template (delimited, five columns). */
const TEMPLATE = {
  name: 'bench',
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
};

/** The clerk's way: choose the file in the import dialog in Chromium, watch the upload bar, preview, import. */
async function inBrowser(
  bridge: Bridge,
  file: string,
  size: number,
  app: ReturnType<typeof openApp>,
): Promise<void> {
  const { chromium } = await import('playwright-core');
  const { browserShim } = await import('../src-main/bridge/shim');
  must(await app.dispatch('templates:save', { name: 'bench', definition: TEMPLATE }));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Times the page's uploads from inside (send to loadend) and keeps what its progress events said.
    await page.addInitScript(() => {
      const w = window as unknown as { __uploads: { start: number; end: number; progress: number[] }[] };
      w.__uploads = [];
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called with the request as `this` below
      const send = XMLHttpRequest.prototype.send;
      XMLHttpRequest.prototype.send = function (
        this: XMLHttpRequest,
        body?: Document | XMLHttpRequestBodyInit | null,
      ) {
        const rec = { start: Date.now(), end: 0, progress: [] as number[] };
        w.__uploads.push(rec);
        this.upload.addEventListener('progress', (e) => rec.progress.push(e.loaded));
        this.addEventListener('loadend', () => (rec.end = Date.now()));
        send.call(this, body);
      };
    });
    await page.addInitScript(browserShim());
    await page.goto(bridge.launchUrl());
    await page.getByTestId('sign-in-login').fill('clerk');
    await page.getByTestId('sign-in-password').fill(PASSWORD);
    await page.getByTestId('sign-in-password').press('Enter');
    await page.getByTestId('nav-frame').waitFor();
    await page.keyboard.press('Alt+1');
    await page.getByTestId('batches-page').waitFor();
    await page.getByTestId('import-file').first().click();
    await page.getByTestId('import-dialog').waitFor();
    const bar = page.getByTestId('import-upload');
    const chosenAt = Date.now();
    await page.getByTestId('import-file-input').setInputFiles(file);
    // One look at the bar while the bytes go (a 100 MB file takes about a second on loopback).
    if (await bar.isVisible().catch(() => false))
      await page.screenshot({ path: 'test/.artifacts/bench-upload-progress.png' }).catch(() => undefined);
    await page.getByTestId('import-preview').waitFor({ timeout: 15 * 60_000 });
    const previewAt = Date.now();
    const [rec] = await page.evaluate(
      () =>
        (window as unknown as { __uploads: { start: number; end: number; progress: number[] }[] }).__uploads,
    );
    if (!rec) throw new Error('the page sent no upload');
    const uploadMs = rec.end - rec.start;
    const shown = rec.progress.filter((_, i, all) => i % Math.max(1, Math.floor(all.length / 6)) === 0);
    console.log(
      `browser upload (XMLHttpRequest to POST /__upload): ${seconds(uploadMs)} for ${(size / 1024 / 1024).toFixed(1)} MB (${seconds(rec.start - chosenAt)} from choosing the file to the first byte); ${rec.progress.length} progress events, MB sent: ${shown.map((b) => (b / 1024 / 1024).toFixed(0)).join(', ')}; peak RSS so far ${peakRss()}`,
    );
    console.log(`browser preview: ${seconds(previewAt - rec.end)}; peak RSS so far ${peakRss()}`);
    const t = performance.now();
    await page.getByTestId('import-confirm').click();
    await page.getByTestId('import-dialog').waitFor({ state: 'hidden', timeout: 30 * 60_000 });
    await page.getByTestId('batch-workspace').waitFor();
    const importMs = performance.now() - t;
    await page.screenshot({ path: 'test/.artifacts/bench-upload-imported.png' });
    const list = must<{ rows: { sourceFile: string | null; countsByStatus: Record<string, number> }[] }>(
      await app.dispatch('batches:list', {}),
    );
    const entries = Object.values(list.rows[0]?.countsByStatus ?? {}).reduce((a, b) => a + b, 0);
    console.log(
      `browser import: ${entries.toLocaleString('en-US')} entries of ${list.rows[0]?.sourceFile ?? '?'} in ${seconds(importMs)}; peak RSS ${peakRss()}; uploads left ${app.uploads.count()}`,
    );
  } finally {
    await browser.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
