import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportDto, ReportExportDto } from '../../src-shared/dto/reports';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { buildReportScenarioOn, type ReportFacts } from '../helpers/reports-scenario';

const NOV = ['--from', '2026-11-01', '--to', '2026-11-30'];

describe.each(APPS.filter((r) => r.available))('paydesk report ($dialect)', ({ open }) => {
  let app: TestApp;
  let s: ReportFacts & { dir: string };
  const cli = cliOnApp(() => app);
  let operatorBefore: string | undefined;

  beforeAll(async () => {
    operatorBefore = process.env.PAYDESK_OPERATOR;
    process.env.PAYDESK_OPERATOR = 'tester';
    app = await open();
    s = { ...(await buildReportScenarioOn(app)), dir: app.dir };
  }, 120_000);
  afterAll(async () => {
    if (operatorBefore === undefined) delete process.env.PAYDESK_OPERATOR;
    else process.env.PAYDESK_OPERATOR = operatorBefore;
    await app?.dispose();
  });

  it('--json prints the ReportDto with the filters applied', async () => {
    const r = jsonOf<ReportDto>(
      await cli('--json', 'report', 'deposit', ...NOV, '--currency', 'usd', '--pay-type', 'check'),
    );
    expect(r.name).toBe('deposit');
    expect(r.filters).toEqual({ from: '2026-11-01', to: '2026-11-30', currency: 'USD', payType: 10012 });
    expect(r.tables[0]!.rows.map((x) => [x.batchId, x.enteredMinor, x.diffMinor])).toEqual([
      [s.b1, 8700, 0],
      [s.b3, 2500, 2500],
    ]);
    const h = jsonOf<ReportDto>(
      await cli('--json', 'report', 'history', ...NOV, '--account', s.usd[0]!.accountNo),
    );
    expect(h.tables.find((t) => t.id === 'summary')!.rows).toEqual([
      expect.objectContaining({ currency: 'USD', count: 3, amountMinor: 4100, onTimeCount: 1, lateCount: 2 }),
    ]);
    const d = jsonOf<ReportDto>(
      await cli('--json', 'report', 'daily', '--to', '2026-11-21', '--by', 'clerk2'),
    );
    expect(
      d.tables.find((t) => t.id === 'batches')!.rows.map((x) => [x.currency, x.batches, x.totalMinor]),
    ).toEqual([['EUR', 1, 4700]]);
  });

  it('--csv and --pdf write the files and print the ReportExportDto', async () => {
    const csv = join(s.dir, 'deposit.csv');
    const pdf = join(s.dir, 'deposit.pdf');
    const x = jsonOf<ReportExportDto>(
      await cli('--json', 'report', 'deposit', ...NOV, '--csv', csv, '--pdf', pdf),
    );
    expect(x.report.name).toBe('deposit');
    expect(x.files.map((f) => [f.format, f.path])).toEqual([
      ['csv', csv],
      ['csv', join(s.dir, 'deposit-days.csv')],
      ['pdf', pdf],
    ]);
    for (const f of x.files) expect(readFileSync(f.path).byteLength).toBe(f.bytes);
    const rows = Papa.parse<string[]>(readFileSync(join(s.dir, 'deposit-days.csv'), 'utf8').trim()).data;
    expect(rows).toEqual([
      ['Day', 'Cur', 'Batches', 'Entered', 'Posted to accounts', 'Posted to suspense', 'Exceptions'],
      ['2026-11-21', 'EUR', '1', '47.00', '40.00', '7.00', '0.00'],
      ['2026-11-20', 'USD', '2', '112.00', '60.00', '15.00', '12.00'],
      ['Total', 'EUR', '1', '47.00', '40.00', '7.00', '0.00'],
      ['Total', 'USD', '2', '112.00', '60.00', '15.00', '12.00'],
    ]);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('prints each table readably without --json', async () => {
    const r = await cli('report', 'history', ...NOV, '--pay-type', '10013');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Payment history');
    expect(r.out).toContain('pay type Wire transfer');
    expect(r.out).toMatch(/Wire transfer\s+USD\s+2\s+11\.00\s+5\.50/);
    expect(r.out).toMatch(/Total\s+USD\s+2\s+11\.00/);
  });

  it('refuses bad input with a clear error and writes nothing', async () => {
    const op = await cli('--json', 'report', 'deposit', '--by', 'ghost', '--csv', join(s.dir, 'ghost.csv'));
    expect(op.code).toBe(2);
    expect(op.out).toContain('unknown operator ghost');
    expect(existsSync(join(s.dir, 'ghost.csv'))).toBe(false);
    const day = await cli('--json', 'report', 'deposit', '--from', '2026-11-31');
    expect(day.code).toBe(2);
    const range = await cli('--json', 'report', 'deposit', '--from', '2026-11-20', '--to', '2026-11-01');
    expect(range.code).toBe(2);
    expect(range.out).toContain('from is after to');
    const pt = await cli('--json', 'report', 'deposit', '--pay-type', 'gold');
    expect(pt.code).toBe(2);
    const name = await cli('--json', 'report', 'nonsense');
    expect(name.code).toBe(2);
    for (const n of ['gl', 'suspense-aging', 'collections']) {
      const r = await cli('--json', 'report', n);
      expect(r.code, r.out).toBe(0);
      expect((JSON.parse(r.out) as { name: string }).name).toBe(n);
    }
  });
});
