import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { setSettingVia } from '../helpers/suspense';

describe.each(APPS.filter((r) => r.available))('batch report (CLI, $dialect)', ({ open }) => {
  let app: TestApp;
  let dir: string;
  let accounts: string[];
  const cli = cliOnApp(() => app);

  async function json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
    const r = await cli('--json', ...args);
    expect(r.code, r.out + r.err).toBe(0);
    return JSON.parse(r.out.trim()) as T;
  }

  beforeAll(async () => {
    // No in-process operator: `init` makes the first admin, as on a new desk.
    app = await open();
    dir = app.dir;
    process.env.PAYDESK_OPERATOR = 'report-tester';
    await json('init');
    await json('demo', '--accounts', '80', '--seed', '3');
    accounts = (
      await app.all<{ no: string }>(
        sql`SELECT account_no AS no FROM accounts
             WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 ORDER BY id LIMIT 3`,
      )
    ).map((r) => r.no);
    await setSettingVia(app, 'PaymentSuspense', true);
  }, 60_000);
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app?.dispose();
  });

  it('prints counts and totals per status, the suspended list and the exceptions, as CSV and PDF', async () => {
    const b = await json<{ id: number }>(
      'batch',
      'create',
      '--currency',
      'USD',
      '--pay-type',
      'check',
      '--control-count',
      '4',
    );
    const id = String(b.id);
    await json('batch', 'add', id, '--account', accounts[0]!, '--amount', '10.00', '--check', 'C1');
    await json('batch', 'add', id, '--account', 'NOBODY', '--amount', '7.50', '--check', 'C2');
    await json('batch', 'add', id, '--account', accounts[1]!, '--amount', '1.234', '--check', 'C3');
    await json('batch', 'add', id, '--account', accounts[2]!, '--amount', '2.00', '--check', 'C4');
    await json('batch', 'validate', id);
    await json('batch', 'exception', id);
    await json('batch', 'validate', id);
    await json('batch', 'header', id, '--clear-control', '--note', 'Lockbox 7, counted twice');
    await json('batch', 'submit', id);

    const csvFile = join(dir, 'r.csv');
    const pdfFile = join(dir, 'r.pdf');
    const report = await json<{
      byStatus: { status: string; count: number; totalMinor: number }[];
      suspended: { total: number; rows: { accountNo: string; reasonCode: number; reasonLabel: string }[] };
      exceptionBatches: { batchNo: string; entries: number }[];
      files: { csv: string; pdf: string };
    }>('batch', 'report', id, '--csv', csvFile, '--pdf', pdfFile);
    expect(report.byStatus).toEqual([
      { status: 'posted', count: 2, totalMinor: 1200 },
      { status: 'posted_suspense', count: 1, totalMinor: 750 },
    ]);
    expect(report.suspended.total).toBe(1);
    expect(report.suspended.rows[0]).toMatchObject({ accountNo: 'NOBODY', reasonCode: 2001 });
    expect(report.exceptionBatches).toHaveLength(1);
    expect(report.exceptionBatches[0]!.entries).toBe(1);
    expect(report.files).toEqual({ csv: csvFile, pdf: pdfFile });

    const csv = Papa.parse<string[]>(readFileSync(csvFile, 'utf8').trim(), { skipEmptyLines: true }).data;
    expect(csv[0]).toEqual([
      'section',
      'key',
      'count',
      'amount',
      'currency',
      'account_no',
      'bill_no',
      'status',
      'reason_code',
      'reason',
      'problem',
    ]);
    expect(csv.find((r) => r[0] === 'status')).toEqual([
      'status',
      'posted',
      '2',
      '12.00',
      'USD',
      '',
      '',
      'posted',
      '',
      '',
      '',
    ]);
    expect(csv.find((r) => r[0] === 'suspended')?.slice(0, 9)).toEqual([
      'suspended',
      '#2',
      '',
      '7.50',
      'USD',
      'NOBODY',
      '',
      'posted_suspense',
      '2001',
    ]);
    expect(csv.filter((r) => r[0] === 'exception_batch')).toHaveLength(1);

    const pdf = readFileSync(pdfFile);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const info = execFileSync('pdfinfo', [pdfFile]).toString();
    expect(info).toMatch(/^Pages:\s+1$/m);
    expect(info).toMatch(/^Title:\s+Batch report /m);
    const text = execFileSync('pdftotext', ['-layout', pdfFile, '-']).toString();
    expect(text).toMatch(/Posted to suspense\s+1\s+7\.50 USD/);
    expect(text).toContain('page 1 of 1');
    mkdirSync('test/.artifacts', { recursive: true });
    execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', pdfFile, 'test/.artifacts/batch-report']);
    expect(statSync('test/.artifacts/batch-report.png').size).toBeGreaterThan(5000);

    // The exception batch's report lists its invalid entry with the column and reason.
    const ex = await json<{ exceptions: { total: number; rows: { problem: string }[] } }>(
      'batch',
      'report',
      String(b.id + 1),
    );
    expect(ex.exceptions.total).toBe(1);
    expect(ex.exceptions.rows[0]!.problem).toMatch(/^amount: /);
  });

  it('imports and submits a refund batch from the CLI and reports it', async () => {
    await json('payment', 'record', accounts[0]!, '25.00', '--no-allocate', '--pay-type', 'check');
    const file = join(dir, 'refunds.csv');
    writeFileSync(file, `Account,Amount\n${accounts[0]!},25.00\n`);
    const imp = await json<{ batch: { id: number; batchType: string } }>(
      'batch',
      'import',
      file,
      '--type',
      'refund',
      '--pay-type',
      'check',
      '--currency',
      'USD',
      '--delimiter',
      ',',
      '--columns',
      'accountNo,amount',
      '--has-header',
      '--date-format',
      'yyyy-MM-dd',
    );
    expect(imp.batch.batchType).toBe('refund');
    const id = String(imp.batch.id);
    await json('batch', 'validate', id);
    const out = await json<{ refunded: number; refundedMinor: number }>('batch', 'submit', id);
    expect(out).toMatchObject({ refunded: 1, refundedMinor: 2500 });
    const again = await json<{ refunded: number; alreadyPosted: number }>('batch', 'submit', id);
    expect(again).toMatchObject({ refunded: 0, alreadyPosted: 1 });
    const check = await json<{ ok: boolean }>('ledger', 'check');
    expect(check.ok).toBe(true);
    const huge = await cli('--json', 'batch', 'report', '999999');
    expect(huge.code).toBe(3);
  });
});
