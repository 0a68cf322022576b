import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importBankFile } from '../../src-main/services/batches/import-file';
import { ENTRIES_PER_CHUNK } from '../../src-main/services/batches/stage-rows';
import { AppFailure } from '../../src-main/ledger/errors';
import { paymentFingerprint } from '../../src-main/domain/fingerprint';
import { freshApp } from '../helpers/ledger';

// The import stages rows chunk by chunk inside its transaction as the file is parsed: the rows are never all
// held in memory, and anything that goes wrong after chunks were written (a footer that contradicts the rows, a
// cancelled job) leaves no trace.
type TestApp = ReturnType<typeof freshApp>;
let app: TestApp;
const NOW = new Date('2026-11-22T09:00:00Z');

const template = {
  name: 'streamed lockbox CSV',
  format: 'delimited',
  delimiter: ',',
  headerLines: 1,
  footerLines: 1,
  hasColumnHeader: true,
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
    { field: 'checkNo', index: 3 },
    { field: 'payerName', index: 4 },
  ],
  header: { lockboxNo: { line: 1, index: 1 }, date: { line: 1, index: 2 } },
  footer: { count: { line: 1, index: 1 }, total: { line: 1, index: 2 } },
};

/** A lockbox CSV of `rows` payments of 1.00 to 3.00; the footer states `footerTotal` (the right one by default). */
function lockboxFile(rows: number, footerTotal?: string): { file: string; totalMinor: number } {
  const lines = ['LOCKBOX,0042,11/20/2026', 'Account Number,Payment Amount,Date,Check Number,Payer'];
  let totalMinor = 0;
  for (let i = 0; i < rows; i++) {
    const minor = 100 + (i % 201);
    totalMinor += minor;
    lines.push(
      `A${String(2 + (i % 40)).padStart(7, '0')},${(minor / 100).toFixed(2)},11/19/2026,${1000 + i},"Payer ${i}, Inc."`,
    );
  }
  lines.push(`TOTAL,${rows},${footerTotal ?? (totalMinor / 100).toFixed(2)}`);
  const file = join(app.dir, `lockbox-${rows}-${footerTotal ?? 'ok'}.csv`);
  writeFileSync(file, lines.join('\r\n') + '\r\n');
  return { file, totalMinor };
}

const input = (file: string) =>
  ({
    file,
    template,
    batchType: 'payment',
    payType: 10012,
    currency: 'USD',
    channelId: 0,
    allocationLevel: 'bill',
    force: false,
  }) as const;

const count = (sql: string): number => (app.ctx.ledger.sqlite.prepare(sql).get() as { n: number }).n;

beforeEach(async () => {
  app = freshApp(NOW);
  const r = await app.dispatch('demo:load', { accounts: 50, seed: 2 });
  if (!r.ok) throw new Error(r.error.message);
});
afterEach(() => app.dispose());

describe('streaming bank file import', () => {
  it('writes each chunk as it is parsed: at every progress call the rows so far are already staged', () => {
    const rows = ENTRIES_PER_CHUNK * 3 + 17;
    const { file, totalMinor } = lockboxFile(rows);
    const seen: { done: number; staged: number }[] = [];
    const out = importBankFile(app.ctx.ledger.sqlite, input(file), NOW, null, (phase, done) => {
      if (phase !== 'staging' || done === 0) return;
      seen.push({ done, staged: count('SELECT count(*) AS n FROM batch_entries') });
    });
    expect(out.rows).toBe(rows);
    // One call per chunk, each after its INSERT: nothing waits for the end of the file.
    expect(seen.slice(0, 4).map((s) => s.done)).toEqual([
      ENTRIES_PER_CHUNK,
      ENTRIES_PER_CHUNK * 2,
      ENTRIES_PER_CHUNK * 3,
      rows,
    ]);
    for (const s of seen) expect(s.staged).toBe(s.done);
    expect(out.batch).toMatchObject({ lockboxNo: '0042', controlCount: rows });
    const db = app.ctx.ledger.sqlite;
    const sum = db
      .prepare(
        'SELECT count(*) AS n, sum(amount_minor) AS s, min(seq) AS lo, max(seq) AS hi FROM batch_entries WHERE batch_id = ?',
      )
      .get(out.batch.id);
    expect(sum).toEqual({ n: rows, s: totalMinor, lo: 1, hi: rows });
    // Fingerprints computed at insert equal what the set-based refresh computes (lockbox from the header).
    const e = db
      .prepare(
        `SELECT account_no AS accountNo, check_no AS checkNo, amount_minor AS amountMinor, payment_date AS paymentDate,
                currency, fingerprint FROM batch_entries WHERE batch_id = ? AND seq = 2`,
      )
      .get(out.batch.id) as {
      accountNo: string;
      checkNo: string;
      amountMinor: number;
      paymentDate: string;
      currency: string;
      fingerprint: string;
    };
    expect(e.fingerprint).toBe(
      paymentFingerprint({ ...e, billNo: null, reference: null, lockboxNo: '0042' }),
    );
  });

  it('a footer that contradicts the rows, found after chunks were written, stages nothing', () => {
    const { file } = lockboxFile(ENTRIES_PER_CHUNK * 2 + 5, '1.00');
    let written = 0;
    let thrown: unknown;
    try {
      importBankFile(app.ctx.ledger.sqlite, input(file), NOW, null, (_phase, done) => {
        written = Math.max(written, count('SELECT count(*) AS n FROM batch_entries'));
        void done;
      });
    } catch (err) {
      thrown = err;
    }
    expect(written).toBeGreaterThanOrEqual(ENTRIES_PER_CHUNK * 2);
    expect(thrown).toBeInstanceOf(AppFailure);
    expect((thrown as AppFailure).error).toMatchObject({ code: 'validation' });
    expect((thrown as AppFailure).message).toMatch(/footer total is 1\.00/);
    expect(count('SELECT count(*) AS n FROM batch_entries')).toBe(0);
    expect(count('SELECT count(*) AS n FROM batches')).toBe(0);
    expect(count("SELECT count(*) AS n FROM imported_files WHERE kind = 'bank'")).toBe(0);
    expect(count("SELECT count(*) AS n FROM audit_log WHERE action = 'batch.import'")).toBe(0);
  });

  it('an exception from progress (a cancelled job) is passed on as it is and rolls every chunk back', () => {
    const { file } = lockboxFile(ENTRIES_PER_CHUNK * 3);
    const cancelled = new Error('cancelled by the clerk');
    let calls = 0;
    expect(() =>
      importBankFile(app.ctx.ledger.sqlite, input(file), NOW, null, (_phase, done) => {
        if (done >= ENTRIES_PER_CHUNK * 2 && ++calls === 1) throw cancelled;
      }),
    ).toThrow(cancelled);
    expect(count('SELECT count(*) AS n FROM batch_entries')).toBe(0);
    expect(count('SELECT count(*) AS n FROM batches')).toBe(0);
    // The same file imports afterwards: the cancelled run recorded nothing.
    const out = importBankFile(app.ctx.ledger.sqlite, input(file), NOW, null);
    expect(out.rows).toBe(ENTRIES_PER_CHUNK * 3);
  });

  const currencyTemplate = {
    name: 'currency column',
    dateFormat: 'yyyy-MM-dd',
    format: 'delimited',
    delimiter: ',',
    hasColumnHeader: true,
    columns: [
      { field: 'accountNo', index: 0 },
      { field: 'amount', index: 1 },
      { field: 'currency', index: 2 },
    ],
  };
  /** Rows of a file whose currency column states `code` on every other row and nothing on the rest. */
  const currencyFile = (code: string, amount: string, rows: number): string => {
    const lines = ['accountNo,amount,currency'];
    for (let i = 0; i < rows; i++) lines.push(`A0000002,${amount},${i % 2 === 0 ? code : ''}`);
    const file = join(app.dir, `${code}.csv`);
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  };
  const entries = (batchId: number) =>
    app.ctx.ledger.sqlite
      .prepare(
        `SELECT amount_minor AS amountMinor, currency, status, fingerprint, account_no AS accountNo
         FROM batch_entries WHERE batch_id = ? ORDER BY seq`,
      )
      .all(batchId) as {
      amountMinor: number | null;
      currency: string;
      status: string;
      fingerprint: string | null;
      accountNo: string;
    }[];
  const fingerprintOf = (e: { accountNo: string; amountMinor: number | null; currency: string }) =>
    paymentFingerprint({
      accountNo: e.accountNo,
      billNo: null,
      checkNo: null,
      reference: null,
      amountMinor: e.amountMinor,
      currency: e.currency,
      paymentDate: null,
      lockboxNo: null,
    });

  it('a file that states one currency with other minor units (JPY) is read again in them after chunks were staged', () => {
    const rows = ENTRIES_PER_CHUNK + 10;
    const file = currencyFile('JPY', '1500', rows);
    const { currency: _c, ...noCurrency } = input(file);
    const out = importBankFile(
      app.ctx.ledger.sqlite,
      { ...noCurrency, template: currencyTemplate },
      NOW,
      null,
    );
    expect(out.batch.currency).toBe('JPY');
    expect(out.rows).toBe(rows);
    const list = entries(out.batch.id);
    expect(list).toHaveLength(rows);
    // Read as yen: 1500 is 1500 minor units (in USD it would have been 150000 cents).
    expect(new Set(list.map((e) => e.amountMinor))).toEqual(new Set([1500]));
    expect(new Set(list.map((e) => e.currency))).toEqual(new Set(['JPY']));
    for (const e of [list[0]!, list[1]!, list[rows - 1]!]) expect(e.fingerprint).toBe(fingerprintOf(e));
    expect(count('SELECT count(*) AS n FROM batch_entries')).toBe(rows);
  });

  it('a file that states one currency with the same minor units (CAD) fills it in on the rows that state none', () => {
    const rows = ENTRIES_PER_CHUNK + 10;
    const file = currencyFile('CAD', '12.50', rows);
    const { currency: _c, ...noCurrency } = input(file);
    const out = importBankFile(
      app.ctx.ledger.sqlite,
      { ...noCurrency, template: currencyTemplate },
      NOW,
      null,
    );
    expect(out.batch.currency).toBe('CAD');
    const list = entries(out.batch.id);
    expect(new Set(list.map((e) => e.currency))).toEqual(new Set(['CAD']));
    expect(new Set(list.map((e) => e.amountMinor))).toEqual(new Set([1250]));
    // The rows staged as USD before the file's currency was known were fingerprinted again as CAD.
    for (const e of [list[0]!, list[1]!, list[rows - 1]!]) expect(e.fingerprint).toBe(fingerprintOf(e));
  });
});
