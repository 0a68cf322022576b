/**
 * Fuzz (issue #11): (a) N generated bank files (default 100,000; mutations of the samples in shared/standards and
 * synthetic delimited, fixed-width, BAI2 and lockbox files) through the bank-file parser and the staging path
 * (preview + import into a scratch ledger), plus mutated hand-over batch files, receivables CSV files, reasons
 * files and configuration files through their importers; (b) N random inputs (default 100,000) to every command
 * through the dispatch with the real handlers on a scratch ledger, schema-shaped and garbage. Prints crashes
 * (exceptions escaping an importer or the dispatch, parser bugs caught by the parser's safety net), internal
 * errors, partial stages (a refused file or command that left rows behind) and the first distinct failures.
 *
 * Run: npx tsx bench/fuzz.ts [--files N] [--inputs N] [--seed S] [--case files:K | inputs:K] (replays case K of a
 * seed from the scratch ledger's last reset, to reproduce a finding)
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import iconv from 'iconv-lite';
import { z } from 'zod';
import { openApp, type App } from '../src-main/app-context';
import { mulberry32 } from '../src-main/domain/prng';
import { encodeEbcdic037 } from '../src-main/importers/bank-file/ebcdic-037';
import { parseBankFile } from '../src-main/importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../src-main/importers/bank-file/template';
import type { ParseResult } from '../src-main/importers/bank-file/types';
import { controlsSayEmpty } from '../test/helpers/bank-file-oracle';
import type { Logger } from '../src-main/services/context';
import { COMMANDS } from '../src-shared/api/contract';
import { commandInputs } from '../src-shared/api/inputs';
import type { Result } from '../src-shared/api/result';
import type { LedgerCheckDto } from '../src-shared/dto/app';

const MIGRATIONS = resolve('db/migrations');
const STANDARDS = resolve('..', '..', 'shared', 'standards');
const STANDARDS_DIR = [STANDARDS, '/work/shared/standards'].find((d) => {
  try {
    return statSync(d).isDirectory();
  } catch {
    return false;
  }
});

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const FILES = Number(option('--files') ?? 100_000);
const INPUTS = Number(option('--inputs') ?? 100_000);
const SEED = Number(option('--seed') ?? 1);
const ONLY = option('--case');
/** A fresh scratch ledger every this many cases (keeps it small and undoes what earlier cases changed). */
const RESET_EVERY = 2_000;
/** A command that has not answered after this long counts as a hang. */
const HANG_MS = 20_000;

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const chance = (r: Rand, p: number): boolean => r() < p;

/** Failures of one kind, with the first few distinct examples (command or importer, message, case). */
class Tally {
  count = 0;
  /** Distinct failures (digits folded) → where, the first case that showed it, and its message. */
  readonly examples = new Map<string, { where: string; at: string; message: string }>();
  add(where: string, message: string, at: string): void {
    this.count++;
    const key = `${where}: ${message.replace(/\d+/g, 'N').slice(0, 160)}`;
    if (!this.examples.has(key) && this.examples.size < 12)
      this.examples.set(key, { where, at, message: message.slice(0, 400) });
  }
  print(label: string): void {
    console.log(`  ${label.padEnd(30)} ${String(this.count).padStart(8)}`);
    for (const e of this.examples.values()) console.log(`      - ${e.where} [${e.at}]: ${e.message}`);
  }
}

// ---- The scratch ledger -------------------------------------------------------------------------------------

type Scratch = {
  app: App;
  file: string;
  internals: { command: string; error: string }[];
  accounts: string[];
  bills: string[];
  batchIds: number[];
  paymentIds: number[];
};

const TRACKED_TABLES = [
  'batches',
  'batch_entries',
  'imported_files',
  'import_templates',
  'accounts',
  'bill_units',
  'bills',
  'bill_items',
  'journals',
  'journal_lines',
  'payments',
  'allocations',
  'reason_codes',
  'settings',
  'currencies',
  'exchange_rates',
  'custom_fields',
  'payment_channels',
  'operators',
];

/** Row counts of the tables an import or a command could leave rows in (the audit log aside). */
function fingerprint(app: App, tables: string[]): string {
  const db = app.ctx.ledger.sqlite;
  return tables
    .map(
      (t) =>
        db.prepare(`SELECT count(*) AS n, coalesce(max(rowid), 0) AS m FROM ${t}`).get() as {
          n: number;
          m: number;
        },
    )
    .map((r) => `${r.n}/${r.m}`)
    .join(',');
}

let baseLedger = '';

async function makeBase(dir: string): Promise<void> {
  baseLedger = join(dir, 'base.sqlite');
  const app = openApp({ file: baseLedger, login: 'fuzz', migrationsFolder: MIGRATIONS });
  try {
    const r = await app.dispatch('demo:load', { accounts: 40, seed: SEED });
    if (!r.ok) throw new Error(r.error.message);
    app.ctx.ledger.sqlite
      .prepare(
        `INSERT OR REPLACE INTO settings (key, value) VALUES ('PaymentSuspense', 'true'), ('ALLOWACCOUNTDUP', 'true'),
         ('NoManualAllocation', 'true')`,
      )
      .run();
    // A batch with entries and a posted payment give the random inputs real ids to hit.
    const b = await app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' });
    if (!b.ok) throw new Error(b.error.message);
    const acct = app.ctx.ledger.sqlite
      .prepare(`SELECT account_no AS a FROM accounts WHERE currency = 'USD' AND is_suspense = 0 LIMIT 1`)
      .get() as { a: string };
    await app.dispatch('batches:save-entries', {
      batchId: (b.value as { id: number }).id,
      entries: [
        { accountNo: acct.a, amount: '12.34' },
        { accountNo: 'NOPE-1', amount: '5.00' },
      ],
    });
    await app.dispatch('payments:record', { accountNo: acct.a, amount: '7.00' });
    // Checkpoint so a plain file copy carries everything.
    app.ctx.ledger.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    app.close();
  }
}

function openScratch(dir: string, n: number, old?: Scratch): Scratch {
  old?.app.close();
  if (old) for (const f of [old.file, `${old.file}-wal`, `${old.file}-shm`]) rmSync(f, { force: true });
  const file = join(dir, `scratch-${n}.sqlite`);
  writeFileSync(file, readFileSync(baseLedger));
  const internals: Scratch['internals'] = [];
  const log: Logger = {
    info: () => {},
    // The dispatch logs the cause of an internal error (the caller only sees a correlation id).
    error: (message, fields) => {
      if (message === 'command failed')
        internals.push({ command: String(fields?.command), error: String(fields?.error) });
    },
  };
  const app = openApp({ file, login: 'fuzz', migrationsFolder: MIGRATIONS, log });
  const db = app.ctx.ledger.sqlite;
  const col = <T>(sql: string): T[] =>
    (db.prepare(sql).all() as Record<string, T>[]).map((r) => Object.values(r)[0] as T);
  return {
    app,
    file,
    internals,
    accounts: col<string>('SELECT account_no FROM accounts LIMIT 20'),
    bills: col<string>('SELECT bill_no FROM bills LIMIT 20'),
    batchIds: col<number>('SELECT id FROM batches'),
    paymentIds: col<number>('SELECT id FROM payments'),
  };
}

/** Dispatches with a time limit; a thrown error escaping the dispatch is returned as `crash`. */
async function call(
  s: Scratch,
  command: string,
  input: unknown,
): Promise<{ r?: Result<unknown>; crash?: string; hang?: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      s.app.dispatch(command, input),
      new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), HANG_MS))),
    ]);
    if (r === 'hang') return { hang: true };
    return { r };
  } catch (err) {
    return { crash: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** The logged cause of the last `internal` error (the dispatch hides it from the caller, the log keeps it). */
function lastInternal(s: Scratch, fallback: string): string {
  return s.internals.at(-1)?.error ?? fallback;
}

// ---- (a) bank files -----------------------------------------------------------------------------------------

const csvColumns = [
  { field: 'accountNo', index: 0 },
  { field: 'amount', index: 1 },
  { field: 'paymentDate', index: 2 },
  { field: 'payerName', index: 3 },
  { field: 'checkNo', index: 4 },
];

const TEMPLATES: Record<string, BankFileTemplateInput> = {
  csv: { name: 'csv', format: 'delimited', delimiter: ',', dateFormat: 'MM/dd/yyyy', columns: csvColumns },
  csvFramed: {
    name: 'csv framed',
    format: 'delimited',
    delimiter: ';',
    dateFormat: 'dd.MM.yyyy',
    decimalSeparator: ',',
    thousandsSeparator: '.',
    headerLines: 1,
    footerLines: 1,
    hasColumnHeader: true,
    columns: csvColumns,
    header: { lockboxNo: { line: 1, index: 1 } },
    footer: { count: { line: 1, index: 1 }, total: { line: 1, index: 2 } },
  },
  tsv16: {
    name: 'tsv utf-16',
    format: 'delimited',
    delimiter: '\t',
    dateFormat: 'yyyy-MM-dd',
    encoding: 'utf-16le',
    columns: csvColumns,
  },
  pipe1252: {
    name: 'pipe 1252',
    format: 'delimited',
    delimiter: '|',
    dateFormat: 'yyyyMMdd',
    encoding: 'windows-1252',
    columns: csvColumns,
  },
  fixed: {
    name: 'fixed',
    format: 'fixed',
    dateFormat: 'MMddyy',
    impliedDecimals: 2,
    headerLines: 1,
    footerLines: 1,
    recordFilter: { start: 1, length: 1, equals: ['6'] },
    columns: [
      { field: 'amount', start: 2, length: 12 },
      { field: 'accountNo', start: 14, length: 12 },
      { field: 'paymentDate', start: 26, length: 6 },
    ],
    footer: { count: { line: 1, start: 2, length: 6 }, total: { line: 1, start: 8, length: 14 } },
  },
  fixedEbcdic: {
    name: 'fixed ebcdic',
    format: 'fixed',
    dateFormat: 'yyMMdd',
    encoding: 'ebcdic',
    columns: [
      { field: 'amount', start: 1, length: 10 },
      { field: 'billNo', start: 11, length: 8 },
    ],
  },
  ach: {
    name: 'ach entries',
    format: 'fixed',
    dateFormat: 'yyMMdd',
    impliedDecimals: 2,
    recordFilter: { start: 1, length: 1, equals: ['6'] },
    columns: [
      { field: 'amount', start: 30, length: 10 },
      { field: 'accountNo', start: 40, length: 15 },
      { field: 'payerName', start: 55, length: 22 },
    ],
  },
  bai2: { name: 'bai2', format: 'bai2' },
  bai2auto: { name: 'bai2 auto', format: 'bai2', encoding: 'auto' },
};
const TEMPLATE_NAMES = Object.keys(TEMPLATES);

function samplesUnder(sub: string): { name: string; bytes: Uint8Array }[] {
  if (!STANDARDS_DIR) return [];
  const root = join(STANDARDS_DIR, sub);
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.endsWith('.md'))
      .map((e) => ({ name: `${sub}/${e.name}`, bytes: readFileSync(join(e.parentPath, e.name)) }));
  } catch {
    return [];
  }
}

const HUGE = [
  '99999999999999999999.99',
  '9007199254740993',
  '1e308',
  '123456789012345678901234567890',
  '-0.00',
];
const ODD_AMOUNTS = [
  '',
  '(5.00)',
  '1,234.56',
  '.5',
  '5.',
  '12.345',
  '-12.00',
  ' 7.00 ',
  '0',
  'abc',
  '１２.００',
  '٣.٠٠',
];
const BAD_DATES = ['02/30/2024', '13/45/2024', '00/00/0000', '', '2024-01-01', '12/31/99999', '99/99/99'];
const NAMES = [
  'Smith, John',
  'O"Brien',
  'Zoë €',
  'multi\nline',
  '',
  'x'.repeat(300),
  '=cmd|calc',
  '\u202eevil',
];

function amountText(r: Rand): string {
  if (chance(r, 0.08)) return pick(r, HUGE);
  if (chance(r, 0.1)) return pick(r, ODD_AMOUNTS);
  return (int(r, 1, 5_000_000) / 100).toFixed(2);
}

function dateText(r: Rand, fmt: 'us' | 'de' | 'iso' | 'compact' | 'yymmdd'): string {
  if (chance(r, 0.08)) return pick(r, BAD_DATES);
  const y = int(r, 1999, 2027);
  const m = String(int(r, 1, 12)).padStart(2, '0');
  const d = String(int(r, 1, 28)).padStart(2, '0');
  switch (fmt) {
    case 'us':
      return `${m}/${d}/${y}`;
    case 'de':
      return `${d}.${m}.${y}`;
    case 'iso':
      return `${y}-${m}-${d}`;
    case 'compact':
      return `${y}${m}${d}`;
    default:
      return `${String(y).slice(2)}${m}${d}`;
  }
}

function quote(v: string, delimiter: string): string {
  return v.includes(delimiter) || v.includes('"') || v.includes('\n') ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A delimited file for one of the delimited templates, with header/footer figures right or wrong. */
function synthDelimited(r: Rand, s: Scratch, kind: 'csv' | 'csvFramed' | 'tsv16' | 'pipe1252'): string {
  const delimiter = kind === 'csvFramed' ? ';' : kind === 'tsv16' ? '\t' : kind === 'pipe1252' ? '|' : ',';
  const fmt = kind === 'csvFramed' ? 'de' : kind === 'tsv16' ? 'iso' : kind === 'pipe1252' ? 'compact' : 'us';
  const rows = int(r, 0, chance(r, 0.05) ? 400 : 30);
  const lines: string[] = [];
  let total = 0;
  for (let i = 0; i < rows; i++) {
    let amount = amountText(r);
    if (kind === 'csvFramed') amount = amount.replace('.', ',');
    total += Math.round(Number(amount.replace(',', '.')) * 100) || 0;
    const account = chance(r, 0.7) && s.accounts.length ? pick(r, s.accounts) : `ACC-${int(r, 0, 99999)}`;
    const fields = [
      account,
      amount,
      dateText(r, fmt),
      pick(r, NAMES.concat(['Payer', 'ACME Ltd'])),
      String(int(r, 1, 99999)),
    ];
    if (chance(r, 0.05)) fields.pop();
    if (chance(r, 0.05)) fields.push('extra');
    lines.push(fields.map((f) => quote(f, delimiter)).join(delimiter));
  }
  if (kind === 'csvFramed') {
    const count = chance(r, 0.8) ? rows : int(r, 0, 500);
    const sum = chance(r, 0.8) ? total : int(r, 0, 1e9);
    lines.unshift(`HDR;LB${int(r, 1, 999)}`, 'account;amount;date;payer;check');
    lines.push(`TRL;${count};${(sum / 100).toFixed(2).replace('.', ',')}`);
  }
  return lines.join(pick(r, ['\n', '\r\n', '\r\n', '\r']));
}

/** A fixed-width file: header, '6' records, a footer with count and total (right or wrong). */
function synthFixed(r: Rand, s: Scratch): string {
  const rows = int(r, 0, 40);
  const lines = [`1HEADER${' '.repeat(20)}`];
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const cents = chance(r, 0.05) ? Number.MAX_SAFE_INTEGER : int(r, 1, 9_999_999);
    total += cents;
    const account = (chance(r, 0.7) && s.accounts.length ? pick(r, s.accounts) : `X${i}`)
      .padEnd(12)
      .slice(0, 12);
    let amount = String(cents).padStart(12, '0').slice(-12);
    if (chance(r, 0.05)) amount = pick(r, ['            ', '00000000001A', '-00000000100']);
    lines.push(`6${amount}${account}${dateText(r, 'yymmdd').padEnd(6).slice(0, 6)}`);
  }
  const count = chance(r, 0.85) ? rows : int(r, 0, 999999);
  const sum = chance(r, 0.85) ? total : int(r, 0, 1e12);
  lines.push(`9${String(count).padStart(6, '0').slice(-6)}${String(sum).padStart(14, '0').slice(-14)}`);
  return lines.join(chance(r, 0.5) ? '\n' : '\r\n');
}

/** A BAI2 file (or a lockbox-style one) with group/account controls right, or wrong on purpose. */
function synthBai2(r: Rand): string {
  const lines: string[] = ['01,SENDER,RECEIVER,240101,1200,1,80,1,2/'];
  const groups = int(r, 1, 3);
  let fileTotal = 0;
  let records = 1;
  for (let g = 0; g < groups; g++) {
    lines.push(`02,RECEIVER,BANK,1,240101,1200,USD,2/`);
    records++;
    const accounts = int(r, 1, 3);
    let groupTotal = 0;
    const groupStart = records;
    for (let a = 0; a < accounts; a++) {
      const details = int(r, 0, 12);
      let accountTotal = 0;
      const start = lines.length;
      lines.push(`03,${int(r, 10000, 99999)},USD,010,0,,/`);
      for (let d = 0; d < details; d++) {
        const amount = chance(r, 0.05)
          ? pick(r, ['99999999999999999999', '-5', '1.5', ''])
          : String(int(r, 1, 9_999_999));
        accountTotal += Number(amount) || 0;
        lines.push(
          `16,${pick(r, ['115', '195', '399', '175'])},${amount},Z,${int(r, 1, 999999)},${pick(r, ['', 'REF1', 'A1'])},${pick(r, ['check 1', 'Wire', 'x'])}/`,
        );
        if (chance(r, 0.1)) lines.push(`88,continued text ${d}/`);
      }
      const acctRecords = lines.length - start + 1;
      const wrong = chance(r, 0.1);
      lines.push(`49,${wrong ? accountTotal + 1 : accountTotal},${acctRecords}/`);
      groupTotal += accountTotal;
    }
    records = lines.length + 1;
    lines.push(
      `98,${chance(r, 0.1) ? groupTotal - 7 : groupTotal},${accounts},${lines.length - groupStart + 2}/`,
    );
    fileTotal += groupTotal;
  }
  lines.push(`99,${chance(r, 0.1) ? fileTotal * 2 : fileTotal},${groups},${lines.length + 1}/`);
  return lines.join(pick(r, ['\n', '\r\n']));
}

function encodeAs(r: Rand, text: string): Uint8Array {
  switch (int(r, 0, 9)) {
    case 0:
      return Uint8Array.from([0xff, 0xfe, ...iconv.encode(text, 'utf-16le')]);
    case 1:
      return iconv.encode(text, 'utf-16be');
    case 2:
      return iconv.encode(text, 'win1252');
    case 3:
      return encodeEbcdic037(text);
    case 4:
      return Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from(text, 'utf8')]);
    default:
      return Buffer.from(text, 'utf8');
  }
}

/** One random damage to a file's bytes. */
function mutate(r: Rand, bytes: Uint8Array): { bytes: Uint8Array; how: string } {
  const b = Buffer.from(bytes);
  const n = b.length;
  switch (int(r, 0, 11)) {
    case 0:
      return { bytes: b.subarray(0, int(r, 0, n)), how: 'truncated' };
    case 1: {
      for (let k = int(r, 1, 8); k > 0 && n > 0; k--) b[int(r, 0, n - 1)] = int(r, 0, 255);
      return { bytes: b, how: 'random bytes' };
    }
    case 2: {
      const at = int(r, 0, n);
      return { bytes: Buffer.concat([b.subarray(0, at), Buffer.from([0]), b.subarray(at)]), how: 'NUL' };
    }
    case 3: {
      const at = int(r, 0, n);
      const c = pick(r, [1, 7, 8, 11, 12, 27, 127, 0x85]);
      return {
        bytes: Buffer.concat([b.subarray(0, at), Buffer.from([c]), b.subarray(at)]),
        how: `control ${c}`,
      };
    }
    case 4: {
      const text = b
        .toString('latin1')
        .replace(/\r?\n/g, () => pick(r, ['\n', '\r\n', '\r', '\n\r', '\r\r\n']));
      return { bytes: Buffer.from(text, 'latin1'), how: 'line breaks mixed' };
    }
    case 5: {
      const text = b.toString('latin1').replace(/\d{3,}/, () => pick(r, HUGE));
      return { bytes: Buffer.from(text, 'latin1'), how: 'huge number' };
    }
    case 6: {
      const lines = b.toString('latin1').split('\n');
      const i = int(r, 0, lines.length - 1);
      if (chance(r, 0.5)) lines.splice(i, 1);
      else lines.splice(i, 0, lines[i] ?? '');
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), how: 'line dropped or doubled' };
    }
    case 7: {
      const text = b.toString('latin1').replace(/\b\d{6}\b|\d{2}\/\d{2}\/\d{4}/, () => pick(r, BAD_DATES));
      return { bytes: Buffer.from(text, 'latin1'), how: 'bad date' };
    }
    case 8:
      return {
        bytes: Buffer.concat([b, Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28])]),
        how: 'invalid utf-8',
      };
    case 9: {
      const at = int(r, 0, n);
      return {
        bytes: Buffer.concat([b.subarray(0, at), Buffer.alloc(int(r, 1000, 70_000), 0x41), b.subarray(at)]),
        how: 'long line',
      };
    }
    case 10:
      return {
        bytes: Buffer.from(iconv.encode(b.toString('utf8'), pick(r, ['utf-16le', 'utf-16be', 'win1252']))),
        how: 're-encoded',
      };
    default:
      return { bytes: b, how: 'unchanged' };
  }
}

/** What a parse result must look like (no NaN amounts, no bad dates, every problem explained). */
function shapeViolations(result: ParseResult): string[] {
  const bad: string[] = [];
  if (!Array.isArray(result.rows) || !Array.isArray(result.fileErrors))
    return ['rows or fileErrors not arrays'];
  for (const p of result.fileErrors) {
    if (!Number.isInteger(p.line) || p.line < 0) bad.push(`file problem line ${p.line}`);
    if (typeof p.reason !== 'string' || p.reason === '') bad.push('file problem without a reason');
  }
  for (const row of result.rows) {
    const a = row.values.amountMinor;
    if (a !== undefined && !Number.isSafeInteger(a)) bad.push(`amount ${a}`);
    const d = row.values.paymentDate;
    if (d !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(d)) bad.push(`date ${d}`);
  }
  if (result.rows.length === 0 && result.fileErrors.length === 0 && !controlsSayEmpty(result))
    bad.push('no rows and no file problem');
  return bad.slice(0, 3);
}

type FileCase = { importer: string; template?: BankFileTemplateInput; bytes: Uint8Array; how: string };

function genBankFile(r: Rand, s: Scratch, samples: { name: string; bytes: Uint8Array }[]): FileCase {
  let bytes: Uint8Array;
  let how: string;
  let templateName: string;
  const family = int(r, 0, 9);
  if (family <= 2 && samples.length) {
    const sample = pick(r, samples);
    bytes = sample.bytes;
    how = sample.name;
    templateName = sample.name.startsWith('ach') ? 'ach' : pick(r, ['bai2', 'bai2', 'bai2auto']);
  } else if (family <= 5) {
    const kind = pick(r, ['csv', 'csvFramed', 'tsv16', 'pipe1252'] as const);
    const text = synthDelimited(r, s, kind);
    bytes =
      kind === 'tsv16'
        ? Uint8Array.from([0xff, 0xfe, ...iconv.encode(text, 'utf-16le')])
        : kind === 'pipe1252'
          ? iconv.encode(text, 'win1252')
          : Buffer.from(text, 'utf8');
    how = `synthetic ${kind}`;
    templateName = kind;
  } else if (family <= 7) {
    bytes = Buffer.from(synthBai2(r), 'utf8');
    how = 'synthetic bai2';
    templateName = pick(r, ['bai2', 'bai2auto']);
  } else {
    const ebcdic = chance(r, 0.2);
    const text = synthFixed(r, s);
    bytes = ebcdic ? encodeEbcdic037(text) : Buffer.from(text, 'latin1');
    how = `synthetic fixed${ebcdic ? ' ebcdic' : ''}`;
    templateName = ebcdic ? 'fixedEbcdic' : 'fixed';
  }
  if (chance(r, 0.1)) {
    bytes = encodeAs(r, Buffer.from(bytes).toString('utf8'));
    how += ', re-encoded';
  }
  for (let k = chance(r, 0.75) ? int(r, 1, 3) : 0; k > 0; k--) {
    const m = mutate(r, bytes);
    bytes = m.bytes;
    how += `, ${m.how}`;
  }
  // Mostly the template the file was made for, sometimes any other.
  const template = TEMPLATES[
    chance(r, 0.8) ? templateName : pick(r, TEMPLATE_NAMES)
  ] as BankFileTemplateInput;
  return { importer: `bank-file ${template.format}`, template, bytes, how };
}

function batchDoc(r: Rand, s: Scratch): unknown {
  return {
    format: 'paydesk-batch',
    version: 1,
    batch: {
      batchNo: `HB-${int(r, 1, 1e6)}`,
      batchType: pick(r, ['payment', 'refund', 'reversal']),
      payType: pick(r, [10012, 10011, 10003, 0, -1, 99999999]),
      currency: pick(r, ['USD', 'EUR', 'JPY', 'XXX', 'usd']),
      channelId: pick(r, [0, 1, 2, 999]),
      allocationLevel: pick(r, ['bill', 'item']),
      lockboxNo: chance(r, 0.5) ? null : 'LB1',
      batchDate: pick(r, ['2026-11-20', '2026-02-30', '1999-12-31']),
      controlCount: chance(r, 0.5) ? null : int(r, 0, 50),
      controlTotal: chance(r, 0.5) ? null : amountText(r),
      note: chance(r, 0.5) ? null : pick(r, NAMES),
      header: [],
      footer: [],
    },
    entries: Array.from({ length: int(r, 0, 20) }, () => ({
      accountNo: chance(r, 0.8) ? pick(r, s.accounts) : null,
      billNo: chance(r, 0.3) ? pick(r, s.bills) : null,
      amount: amountText(r),
      paymentDate: chance(r, 0.5) ? null : dateText(r, 'iso'),
      checkNo: null,
      payerName: chance(r, 0.5) ? null : pick(r, NAMES),
      reference: null,
      channelId: null,
      paymentRef: chance(r, 0.9) ? null : int(r, 1, 100),
      custom: {},
      suspendReason: null,
    })),
  };
}

/** Random damage to a JSON document: a field set to something hostile, removed, or a byte-level mutation. */
function mutateJson(r: Rand, doc: unknown): Uint8Array {
  const hostile = [
    null,
    -1,
    1e308,
    2 ** 53 + 1,
    '',
    '\u0000',
    'x'.repeat(5000),
    [],
    {},
    true,
    '9'.repeat(40),
  ];
  const walk = (v: unknown, depth: number): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (chance(r, 0.04)) continue;
        out[k] = chance(r, 0.06) ? pick(r, hostile) : walk(x, depth + 1);
      }
      if (chance(r, 0.02)) out.extra = 1;
      return out;
    }
    return v;
  };
  const text = JSON.stringify(walk(doc, 0));
  const bytes = Buffer.from(text, 'utf8');
  return chance(r, 0.3) ? mutate(r, bytes).bytes : bytes;
}

const AR_HEADERS = {
  accountsFile: 'account_no,name,status,currency,default_pay_type',
  billsFile: 'bill_no,bill_unit_no,account_no,bill_date,due_date,currency,total,amount_due',
  itemsFile: 'item_no,bill_no,type,amount,open_amount,gl_id',
};

function genArFile(r: Rand, s: Scratch): { key: keyof typeof AR_HEADERS; bytes: Uint8Array } {
  const key = pick(r, Object.keys(AR_HEADERS) as (keyof typeof AR_HEADERS)[]);
  const rows: string[] = [AR_HEADERS[key]];
  for (let i = int(r, 0, 15); i > 0; i--) {
    if (key === 'accountsFile')
      rows.push(
        `${chance(r, 0.5) ? pick(r, s.accounts) : `FZ${int(r, 1, 1e6)}`},${quote(pick(r, NAMES.concat(['Fuzz Co'])), ',')},${pick(r, ['active', 'inactive', 'closed', 'x'])},${pick(r, ['USD', 'EUR', 'XXX'])},${pick(r, ['10003', '10012', 'x'])}`,
      );
    else if (key === 'billsFile')
      rows.push(
        `B${int(r, 1, 1e6)},${pick(r, ['BU1', 'x'])},${pick(r, s.accounts)},${dateText(r, 'iso')},${dateText(r, 'iso')},USD,${amountText(r)},${amountText(r)}`,
      );
    else
      rows.push(
        `I${int(r, 1, 1e6)},${pick(r, s.bills)},${pick(r, ['recurring', 'usage', 'x'])},${amountText(r)},${amountText(r)},${pick(r, ['101', '0', 'x'])}`,
      );
  }
  let bytes: Uint8Array = Buffer.from(rows.join(pick(r, ['\n', '\r\n'])), 'utf8');
  if (chance(r, 0.5)) bytes = mutate(r, bytes).bytes;
  return { key, bytes };
}

type Figures = {
  crashes: Tally;
  internals: Tally;
  partial: Tally;
  malformed: Tally;
  hangs: Tally;
  accepted: number;
  refused: number;
  /** Staged batches that went on to a successful submit. */
  submitted: number;
};
const figures = (): Figures => ({
  crashes: new Tally(),
  internals: new Tally(),
  partial: new Tally(),
  malformed: new Tally(),
  hangs: new Tally(),
  accepted: 0,
  refused: 0,
  submitted: 0,
});

/** Classifies a dispatch outcome: crash, hang, internal; returns the result when there is one. */
function outcome(
  f: Figures,
  s: Scratch,
  where: string,
  at: string,
  o: Awaited<ReturnType<typeof call>>,
): Result<unknown> | null {
  if (o.crash) {
    f.crashes.add(where, o.crash, at);
    return null;
  }
  if (o.hang || !o.r) {
    f.hangs.add(where, `no answer within ${HANG_MS} ms`, at);
    return null;
  }
  if (!o.r.ok && o.r.error.code === 'internal')
    f.internals.add(where, lastInternal(s, o.r.error.message), at);
  return o.r;
}

async function fileCase(
  f: Figures,
  s: Scratch,
  k: number,
  dir: string,
  samples: { name: string; bytes: Uint8Array }[],
): Promise<void> {
  const r = mulberry32((SEED * 2_654_435_761 + k * 40_503) >>> 0);
  const at = `files:${k}`;
  const roll = r();
  if (roll < 0.85) {
    const c = genBankFile(r, s, samples);
    const template = c.template as BankFileTemplateInput;
    let parsed: ParseResult | null = null;
    try {
      parsed = parseBankFile(c.bytes, template, { exponent: 2 });
    } catch (err) {
      f.crashes.add(c.importer, `parseBankFile threw: ${String(err)}`, `${at} (${c.how})`);
    }
    if (parsed) {
      const caught = parsed.fileErrors.find((e) => /could not be parsed/.test(e.reason));
      if (caught)
        f.crashes.add(
          c.importer,
          `parser bug caught by the safety net: ${caught.reason}`,
          `${at} (${c.how})`,
        );
      const bad = shapeViolations(parsed);
      if (bad.length) f.malformed.add(c.importer, bad.join('; '), `${at} (${c.how})`);
    }
    const content = Buffer.from(c.bytes).toString('base64');
    const source = { content, fileName: `fuzz-${k}.txt`, template };
    const prev = outcome(
      f,
      s,
      `${c.importer} preview`,
      at,
      await call(s, 'batches:preview-file', { ...source, currency: 'USD' }),
    );
    const before = fingerprint(s.app, ['batches', 'batch_entries', 'imported_files']);
    const imp = outcome(
      f,
      s,
      `${c.importer} import`,
      at,
      await call(s, 'batches:import-file', {
        ...source,
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
        force: true,
      }),
    );
    if (!imp) return;
    if (!imp.ok) {
      f.refused++;
      const after = fingerprint(s.app, ['batches', 'batch_entries', 'imported_files']);
      if (after !== before)
        f.partial.add(
          c.importer,
          `refused (${imp.error.code}: ${imp.error.message}) but rows were left`,
          `${at} (${c.how})`,
        );
      if (parsed && parsed.fileErrors.length === 0 && imp.error.code === 'validation')
        f.malformed.add(
          c.importer,
          `the parser found no file problem but the import refused: ${imp.error.message}`,
          `${at} (${c.how})`,
        );
    } else {
      f.accepted++;
      const v = imp.value as { batch: { id: number }; rows: number };
      const staged = (
        s.app.ctx.ledger.sqlite
          .prepare('SELECT count(*) AS n FROM batch_entries WHERE batch_id = ?')
          .get(v.batch.id) as { n: number }
      ).n;
      if (parsed && staged !== parsed.rows.length)
        f.partial.add(
          c.importer,
          `staged ${staged} entries of ${parsed.rows.length} rows`,
          `${at} (${c.how})`,
        );
      if (parsed && parsed.fileErrors.length > 0)
        f.malformed.add(
          c.importer,
          `imported although the parser reports: ${parsed.fileErrors[0]?.reason}`,
          `${at} (${c.how})`,
        );
      // One staged batch in three goes on to validation and submit: fuzzed rows on the money path.
      if (chance(r, 1 / 3)) await postStaged(f, s, v.batch.id, c.importer, `${at} (${c.how})`);
    }
    if (prev && prev.ok && parsed) {
      const p = prev.value as { fileErrors: unknown[] };
      if (p.fileErrors.length > 0 !== parsed.fileErrors.length > 0)
        f.malformed.add(c.importer, 'the preview and the parser disagree about file problems', at);
    }
    return;
  }
  // The other importers: hand-over batch files, receivables CSV, reasons files, configuration files.
  const path = join(dir, `case-${k % 4}.dat`);
  let importer: string;
  let command: string;
  let input: Record<string, unknown>;
  if (roll < 0.9) {
    importer = 'hand-over batch file';
    writeFileSync(path, mutateJson(r, batchDoc(r, s)));
    command = 'batches:import-batch-file';
    input = { file: path };
  } else if (roll < 0.95) {
    const ar = genArFile(r, s);
    importer = `receivables ${ar.key}`;
    writeFileSync(path, ar.bytes);
    command = 'ar:import';
    input = { [ar.key]: path };
  } else if (roll < 0.975) {
    importer = 'reasons file';
    const exported = await s.app.dispatch('codes:export', {});
    const doc = exported.ok ? exported.value : {};
    const asText = chance(r, 0.3) && exported.ok ? JSON.stringify(doc) : null;
    writeFileSync(path, asText !== null ? mutate(r, Buffer.from(asText)).bytes : mutateJson(r, doc));
    command = 'codes:import';
    input = { file: path };
  } else {
    importer = 'configuration file';
    const exported = await s.app.dispatch('admin:export-config', {});
    writeFileSync(path, mutateJson(r, exported.ok ? exported.value : {}));
    command = 'admin:import-config';
    input = { file: path };
  }
  const before = fingerprint(s.app, TRACKED_TABLES);
  const res = outcome(f, s, importer, at, await call(s, command, input));
  if (!res) return;
  if (res.ok) f.accepted++;
  else {
    f.refused++;
    if (fingerprint(s.app, TRACKED_TABLES) !== before)
      f.partial.add(
        importer,
        `refused (${res.error.code}: ${res.error.message.slice(0, 120)}) but rows changed`,
        at,
      );
  }
}

const MONEY_TABLES = ['payments', 'journals', 'journal_lines', 'allocations', 'suspense_queue'];

/**
 * Validates and submits a staged batch (setting entries that cannot post aside first, as a clerk would with an
 * exception batch): internal errors count, and a refused submit must leave no payment or journal behind.
 */
async function postStaged(
  f: Figures,
  s: Scratch,
  batchId: number,
  importer: string,
  at: string,
): Promise<void> {
  const v = outcome(f, s, `${importer} validate`, at, await call(s, 'batches:validate', { batchId }));
  if (!v?.ok) return;
  const ex = outcome(f, s, `${importer} exception`, at, await call(s, 'batches:exception', { batchId }));
  if (ex && !ex.ok && ex.error.code !== 'conflict' && ex.error.code !== 'validation') return;
  const before = fingerprint(s.app, MONEY_TABLES);
  const sub = outcome(f, s, `${importer} submit`, at, await call(s, 'batches:submit', { batchId }));
  if (sub?.ok) f.submitted++;
  if (sub && !sub.ok && sub.error.code !== 'internal' && fingerprint(s.app, MONEY_TABLES) !== before)
    f.partial.add(
      importer,
      `submit refused (${sub.error.code}: ${sub.error.message.slice(0, 120)}) but money rows were left`,
      at,
    );
}

// ---- (b) random inputs to every command ---------------------------------------------------------------------

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  additionalProperties?: JsonSchema | boolean;
};

const schemas = new Map<string, JsonSchema>();
function schemaOf(command: string): JsonSchema {
  let s = schemas.get(command);
  if (!s) {
    const zs = (commandInputs as Record<string, z.ZodType>)[command] as z.ZodType;
    s = z.toJSONSchema(zs, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    schemas.set(command, s);
  }
  return s;
}

const CONTROL = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\b',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\r\n',
  '\t',
];
const STRINGS = [
  '',
  ' ',
  'a',
  "'; DROP TABLE accounts; --",
  '%',
  '_',
  '\\',
  '../../etc/passwd',
  'x'.repeat(70_000),
  'é€😀',
  '\ud800',
  'NaN',
  '-0',
  '1e309',
  '9007199254740993',
  '99999999999999999999.99',
  '0.000000001',
  '2026-02-30',
  '2026-11-22',
  '__proto__',
  'constructor',
  'http://127.0.0.1:1',
];
const NUMBERS = [
  0,
  -0,
  1,
  -1,
  2,
  7,
  100,
  2 ** 31,
  2 ** 31 - 1,
  Number.MAX_SAFE_INTEGER,
  2 ** 53 + 2,
  1e308,
  -1e308,
  0.5,
  NaN,
  Infinity,
  -Infinity,
];

function garbage(r: Rand, depth = 0): unknown {
  switch (int(r, 0, depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return pick(r, NUMBERS);
    case 2:
      return pick(r, STRINGS) + (chance(r, 0.3) ? pick(r, CONTROL) : '');
    case 3:
      return chance(r, 0.5);
    case 4:
      return undefined;
    case 5:
      return int(r, -5, 5);
    case 6:
      return Array.from({ length: int(r, 0, 4) }, () => garbage(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = int(r, 0, 4); i > 0; i--)
        o[pick(r, ['id', 'batchId', 'accountNo', 'amount', '__proto__', 'x', 'file'])] = garbage(
          r,
          depth + 1,
        );
      return o;
    }
  }
}

function stringFor(r: Rand, s: Scratch, name: string, sch: JsonSchema): string {
  const lname = name.toLowerCase();
  if (chance(r, 0.15)) return pick(r, STRINGS) + (chance(r, 0.5) ? pick(r, CONTROL) : '');
  if (lname.includes('account') && s.accounts.length) return pick(r, s.accounts);
  if (lname.includes('bill') && s.bills.length) return pick(r, s.bills);
  if (lname.includes('amount') || lname.includes('total')) return pick(r, [amountText(r), ...HUGE]);
  if (lname.includes('date') || sch.format === 'date')
    return pick(r, ['2026-11-22', '2026-11-20', dateText(r, 'iso')]);
  if (lname.includes('currency')) return pick(r, ['USD', 'EUR', 'JPY', 'XXX']);
  if (lname.includes('file')) return pick(r, ['/nonexistent/x.csv', '/dev/null', '.', 'x.csv']);
  if (sch.format === 'base64' || lname === 'content')
    return Buffer.from(pick(r, ['A1,1.00,01/02/2024,x\n', '', '\u0000'])).toString('base64');
  const min = sch.minLength ?? 0;
  const max = Math.min(sch.maxLength ?? 20, 40);
  const len = int(r, min, Math.max(min, max));
  let out = '';
  for (let i = 0; i < len; i++)
    out += String.fromCharCode(chance(r, 0.9) ? int(r, 48, 122) : int(r, 0, 0x2fff));
  return out;
}

function numberFor(r: Rand, s: Scratch, name: string, sch: JsonSchema, integer: boolean): number {
  const lname = name.toLowerCase();
  if (chance(r, 0.15)) return pick(r, NUMBERS);
  if (lname.includes('batch') && s.batchIds.length) return pick(r, s.batchIds);
  if (lname.includes('payment') && s.paymentIds.length) return pick(r, s.paymentIds);
  if (lname === 'accounts') return int(r, 1, 30); // demo size: keep a generated demo load small
  const lo = sch.minimum ?? -5;
  const hi = Math.min(sch.maximum ?? 1000, lo + 1000);
  if (chance(r, 0.1)) return pick(r, [lo, hi, lo - 1, hi + 1]);
  const v = lo + r() * (hi - lo);
  return integer ? Math.round(v) : v;
}

/** A value shaped by the command's JSON schema, sometimes bent (a wrong type, a missing or extra field). */
function shaped(r: Rand, s: Scratch, sch: JsonSchema, name: string, depth: number): unknown {
  if (chance(r, 0.03)) return garbage(r);
  if (sch.const !== undefined) return sch.const;
  if (sch.enum) return pick(r, sch.enum);
  const alts = sch.anyOf ?? sch.oneOf;
  if (alts?.length) return shaped(r, s, pick(r, alts), name, depth);
  if (sch.allOf?.length) return shaped(r, s, sch.allOf[0] as JsonSchema, name, depth);
  const type = Array.isArray(sch.type) ? pick(r, sch.type) : sch.type;
  switch (type) {
    case 'string':
      return stringFor(r, s, name, sch);
    case 'integer':
      return numberFor(r, s, name, sch, true);
    case 'number':
      return numberFor(r, s, name, sch, false);
    case 'boolean':
      return chance(r, 0.5);
    case 'null':
      return null;
    case 'array': {
      if (depth > 4) return [];
      const n = chance(r, 0.03) ? 200 : int(r, 0, 4);
      return Array.from({ length: Math.min(n, sch.maxItems ?? n) }, () =>
        shaped(r, s, sch.items ?? {}, name, depth + 1),
      );
    }
    case 'object': {
      const o: Record<string, unknown> = {};
      const props = sch.properties ?? {};
      for (const [k, v] of Object.entries(props)) {
        const required = sch.required?.includes(k) ?? false;
        if (!required && chance(r, 0.5)) continue;
        if (required && chance(r, 0.02)) continue;
        o[k] = shaped(r, s, v, k, depth + 1);
      }
      if (Object.keys(props).length === 0 && sch.additionalProperties && depth < 4)
        for (let i = int(r, 0, 3); i > 0; i--)
          o[stringFor(r, s, 'key', {})] = shaped(
            r,
            s,
            sch.additionalProperties === true ? {} : sch.additionalProperties,
            'value',
            depth + 1,
          );
      if (chance(r, 0.02)) o[pick(r, ['extra', '__proto__', 'constructor'])] = garbage(r);
      return o;
    }
    default:
      return garbage(r, depth);
  }
}

function jsonSafe(v: unknown): string | null {
  try {
    JSON.stringify(v);
    return null;
  } catch (err) {
    return String(err);
  }
}

async function inputCase(f: Figures, s: Scratch, k: number, counts: Map<string, number>): Promise<void> {
  const r = mulberry32((SEED * 97_531 + k * 1_000_003) >>> 0);
  const command = pick(r, COMMANDS as readonly string[]);
  counts.set(command, (counts.get(command) ?? 0) + 1);
  const input = chance(r, 0.7) ? shaped(r, s, schemaOf(command), '', 0) : garbage(r);
  const mutating =
    !/:(list|get|show|search|view|entries|info|check|history|settings|channels|pay-types|terms|currencies|rates|report|export|summary|daily|pending|runs|run-txns|workflow|allocations|payments|bill-items|payment-history|domains|mandate-codes|rejection-codes|custom-fields|column-sets|grid|candidates|saved-searches|entry-allocation|preview-file)$/.test(
      command,
    );
  const before = mutating ? fingerprint(s.app, TRACKED_TABLES) : '';
  const res = outcome(f, s, command, `inputs:${k}`, await call(s, command, input));
  if (!res) return;
  if (res.ok) {
    f.accepted++;
    const bad = jsonSafe(res.value);
    if (bad) f.malformed.add(command, `result is not JSON-safe: ${bad}`, `inputs:${k}`);
  } else {
    f.refused++;
    if (mutating && res.error.code !== 'internal' && fingerprint(s.app, TRACKED_TABLES) !== before)
      f.partial.add(
        command,
        `refused (${res.error.code}: ${res.error.message.slice(0, 120)}) but rows changed`,
        `inputs:${k}`,
      );
  }
}

async function ledgerCheck(s: Scratch, f: Figures, at: string): Promise<number> {
  const r = await s.app.dispatch('ledger:check', { maxViolations: 5 });
  if (!r.ok) {
    f.internals.add('ledger:check', r.error.message, at);
    return 1;
  }
  const v = (r.value as LedgerCheckDto).violations;
  for (const x of v) f.partial.add('ledger check', `${x.rule}: ${x.message}`, at);
  return v.length ? 1 : 0;
}

function report(label: string, f: Figures, n: number, ms: number, extra: string): void {
  console.log(
    `\n${label}: ${n} cases in ${(ms / 1000).toFixed(1)} s (${((n / ms) * 1000).toFixed(0)} a second); ${f.accepted} accepted, ${f.refused} refused${f.submitted ? `, ${f.submitted} staged batches submitted` : ''}${extra}`,
  );
  f.crashes.print('crashes');
  f.internals.print('internal errors');
  f.partial.print('partial stages / rows left');
  f.hangs.print('hangs');
  f.malformed.print('malformed results');
}

/**
 * The cases a reproduction of case K runs: from the scratch ledger's last reset up to K, because earlier cases
 * since the reset shaped the ledger that case K met.
 */
function replay(k: number): number[] {
  const from = k - (k % RESET_EVERY);
  return Array.from({ length: k - from + 1 }, (_, i) => from + i);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-fuzz-'));
  const work = join(dir, 'cwd');
  mkdirSync(work);
  const [onlyKind, onlyCase] = ONLY ? (ONLY.split(':') as [string, string]) : [null, null];
  try {
    await makeBase(dir);
    // Relative paths a random input names (and anything a handler might write) land in a scratch folder.
    process.chdir(work);
    const samples = [...samplesUnder('bai2'), ...samplesUnder('lockbox'), ...samplesUnder('ach')];
    console.log(
      `fuzz: seed ${SEED}; ${samples.length} sample files from ${STANDARDS_DIR ?? '(none found)'}; scratch ledger of 40 demo accounts, fresh every ${RESET_EVERY} cases`,
    );

    const files = figures();
    let s = openScratch(dir, 0);
    let checkFailures = 0;
    const fileCases =
      onlyKind === 'files'
        ? replay(Number(onlyCase))
        : onlyKind
          ? []
          : Array.from({ length: FILES }, (_, i) => i);
    let t = performance.now();
    for (const [i, k] of fileCases.entries()) {
      if (i > 0 && i % RESET_EVERY === 0) {
        checkFailures += await ledgerCheck(s, files, `files:${k}`);
        s = openScratch(dir, i, s);
        process.stderr.write(`  files ${i}/${fileCases.length}\n`);
      }
      await fileCase(files, s, k, work, samples);
    }
    if (fileCases.length) {
      checkFailures += await ledgerCheck(s, files, 'files:end');
      report(
        '(a) bank files and other importers',
        files,
        fileCases.length,
        performance.now() - t,
        `; ledger-check failures ${checkFailures}`,
      );
    }

    const inputs = figures();
    s = openScratch(dir, 1_000_000, s);
    checkFailures = 0;
    const counts = new Map<string, number>();
    const inputCases =
      onlyKind === 'inputs'
        ? replay(Number(onlyCase))
        : onlyKind
          ? []
          : Array.from({ length: INPUTS }, (_, i) => i);
    t = performance.now();
    for (const [i, k] of inputCases.entries()) {
      if (i > 0 && i % RESET_EVERY === 0) {
        checkFailures += await ledgerCheck(s, inputs, `inputs:${k}`);
        s = openScratch(dir, 1_000_000 + i, s);
        process.stderr.write(`  inputs ${i}/${inputCases.length}\n`);
      }
      await inputCase(inputs, s, k, counts);
    }
    if (inputCases.length) {
      checkFailures += await ledgerCheck(s, inputs, 'inputs:end');
      report(
        '(b) random inputs through the dispatch',
        inputs,
        inputCases.length,
        performance.now() - t,
        `; ${counts.size} of ${COMMANDS.length} commands hit; ledger-check failures ${checkFailures}`,
      );
    }
    s.app.close();
    const bad =
      files.crashes.count +
      files.internals.count +
      files.partial.count +
      inputs.crashes.count +
      inputs.internals.count +
      inputs.partial.count;
    console.log(
      `\ntotal: crashes ${files.crashes.count + inputs.crashes.count}, internal errors ${files.internals.count + inputs.internals.count}, partial stages ${files.partial.count + inputs.partial.count} (goal 0)`,
    );
    process.exitCode = bad > 0 ? 1 : 0;
  } finally {
    process.chdir(resolve(dir, '..'));
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
