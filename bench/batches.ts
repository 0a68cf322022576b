/**
 * Batch benchmark on a demo ledger: import of a 1,000,000-entry lockbox CSV (against a floor measured in the
 * same run: papaparse streaming parse + one prepared INSERT per row into a bare table), validate, submit with
 * allocation, the grid's page command, and peak RSS. Run: npx tsx bench/batches.ts [--accounts N] [--entries N]
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { openApp } from '../src-main/app-context';
import { mulberry32 } from '../src-main/domain/prng';
import { demoAccountNo } from '../src-main/services/demo';
import type { Result } from '../src-shared/api/result';
import type { BatchImportDto, BatchSubmitDto } from '../src-shared/dto/batches';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ACCOUNTS = arg('--accounts', 200_000);
const ENTRIES = arg('--entries', 1_000_000);

function must<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** Peak resident memory of this process so far (the jobs run inline here, so this is the worker's figure). */
const peakRss = (): string => `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`;

async function floor(file: string, dir: string): Promise<number> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(dir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE staged (account_no TEXT, amount TEXT, date TEXT, check_no TEXT, payer TEXT)');
  const ins = db.prepare('INSERT INTO staged VALUES (?, ?, ?, ?, ?)');
  const started = performance.now();
  let buffer: string[][] = [];
  const flush = db.transaction((rows: string[][]) => {
    for (const r of rows) ins.run(r[0], r[1], r[2], r[3], r[4]);
  });
  await new Promise<void>((resolve, reject) => {
    Papa.parse(createReadStream(file), {
      skipEmptyLines: true,
      step: (row: Papa.ParseStepResult<string[]>) => {
        buffer.push(row.data);
        if (buffer.length >= 50_000) {
          flush(buffer);
          buffer = [];
        }
      },
      complete: () => resolve(),
      error: reject,
    });
  });
  flush(buffer);
  const ms = performance.now() - started;
  db.close();
  return ms;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-batches-'));
  const app = openApp({
    file: join(dir, 'ledger.sqlite'),
    login: 'bench',
    migrationsFolder: 'db/migrations',
  });
  try {
    console.log(
      `Paydesk batch benchmark — ${ACCOUNTS.toLocaleString('en-US')}-account demo ledger, ${ENTRIES.toLocaleString('en-US')}-entry lockbox CSV`,
    );
    let t = performance.now();
    must(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: 1 }));
    console.log(`setup: demo ledger in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const db = app.ctx.ledger.sqlite;
    db.prepare(
      `INSERT INTO settings (key, value) VALUES ('ALLOWACCOUNTDUP', 'true'), ('NoManualAllocation', 'true'), ('PaymentSuspense', 'true')`,
    ).run();
    const usd = (
      db
        .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active'`)
        .all() as { no: string }[]
    ).map((r) => r.no);
    const rand = mulberry32(5);
    const lines = ['Account Number,Payment Amount,Date,Check Number,Payer'];
    let total = 0;
    for (let i = 0; i < ENTRIES; i++) {
      const account = i % 200 === 0 ? demoAccountNo(ACCOUNTS + 1 + i) : usd[Math.floor(rand() * usd.length)]!;
      const cents = 100 + Math.floor(rand() * 30_000);
      total += cents;
      lines.push(`${account},${(cents / 100).toFixed(2)},11/20/2026,${100000 + i},"Payer ${i % 997}, Inc."`);
    }
    const file = join(dir, 'lockbox.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    console.log(
      `setup: wrote ${file} (${ENTRIES.toLocaleString('en-US')} rows, total ${(total / 100).toFixed(2)})`,
    );

    // The demo ledger is built in this process too: its peak is the baseline the job figures below sit on.
    console.log(`setup: peak RSS after building the ledger and the file ${peakRss()}`);
    const floorMs = await floor(file, dir);
    console.log(
      `floor (papaparse stream + prepared INSERT into a bare table): ${(floorMs / 1000).toFixed(2)} s`,
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
    t = performance.now();
    const imported = must<BatchImportDto>(
      await app.dispatch('batches:import-file', { file, template, payType: 10012, currency: 'USD' }),
    );
    const importMs = performance.now() - t;
    console.log(
      `import (parse + stage) ${imported.rows.toLocaleString('en-US')} rows: ${(importMs / 1000).toFixed(2)} s, ratio ${(importMs / floorMs).toFixed(2)}x the floor (target ≤ 2x, < 4 s); peak RSS so far ${peakRss()}`,
    );
    const batchId = imported.batch.id;

    const pages: number[] = [];
    for (let i = 0; i < 200; i++) {
      const start = Math.floor(rand() * (ENTRIES - 200));
      const s = performance.now();
      must(
        await app.dispatch('batches:entries', {
          batchId,
          startRow: start,
          endRow: start + 200,
          totals: false,
        }),
      );
      pages.push(performance.now() - s);
    }
    pages.sort((a, b) => a - b);
    const s0 = performance.now();
    must(await app.dispatch('batches:entries', { batchId, startRow: 0, endRow: 200 }));
    console.log(`grid first block with totals: ${(performance.now() - s0).toFixed(1)} ms`);
    console.log(
      `grid page command (200 rows at random offsets): p50 ${pages[100]!.toFixed(1)} ms, p95 ${pages[190]!.toFixed(1)} ms (target p95 < 20 ms)`,
    );

    t = performance.now();
    must(await app.dispatch('batches:validate', { batchId }));
    console.log(
      `validate: ${((performance.now() - t) / 1000).toFixed(2)} s (target < 6 s); peak RSS so far ${peakRss()}`,
    );

    t = performance.now();
    const submitted = must<BatchSubmitDto>(await app.dispatch('batches:submit', { batchId }));
    console.log(
      `submit: ${((performance.now() - t) / 1000).toFixed(2)} s for ${submitted.posted.toLocaleString('en-US')} payments + ${submitted.suspended.toLocaleString('en-US')} suspended (target < 15 s); peak RSS so far ${peakRss()} (target < 600 MB)`,
    );
  } finally {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
