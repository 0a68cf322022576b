/**
 * Upload benchmark: writes a lockbox CSV of about 100 MB, streams it through the loopback bridge (POST /__upload,
 * as the browser does), previews and imports it by upload id (jobs in a worker thread, as in browser mode), and
 * prints upload, preview and import times and this process's peak RSS (the bridge, its worker and the client
 * that sends the file run here; the file is written and sent as streams, never held whole).
 * Run: nice -n 5 npx tsx bench/upload.ts [--mb 100] [--accounts 1000]
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
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Paydesk</title>');
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

    const template = {
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

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
