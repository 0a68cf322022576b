import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { newClient, withClient } from '../../src-main/services/identity/client';
import { reportCsv } from '../../src-main/services/reports/csv';
import { reportPdf } from '../../src-main/services/reports/pdf';
import { reportExponents } from '../../src-main/services/reports/registry';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import type { Result } from '../../src-shared/api/result';
import type { ReportDto, ReportExportDto, ReportTableDto } from '../../src-shared/dto/reports';
import { APPS, type TestApp } from '../helpers/apps';
import { buildReportScenarioOn, type ReportFacts } from '../helpers/reports-scenario';
import { value } from '../helpers/suspense';

/** The default period: the month to date of the clock (2026-11-22). */
const NOV = { from: '2026-11-01', to: '2026-11-22' };
const table = (r: ReportDto, id: string): ReportTableDto => {
  const t = r.tables.find((x) => x.id === id);
  if (!t) throw new Error(`no table ${id}`);
  return t;
};

describe.each(APPS.filter((r) => r.available))('reports engine ($dialect)', ({ open }) => {
  let ledger: TestApp;
  let s: ReportFacts & { dir: string };
  let app: App<LedgerPlace>;
  const batchNos = new Map<number, string>();
  beforeAll(async () => {
    ledger = await open();
    s = { ...(await buildReportScenarioOn(ledger)), dir: ledger.dir };
    app = await ledger.again({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    for (const r of await ledger.all<{ id: number; n: string }>(sql`SELECT id, batch_no AS n FROM batches`))
      batchNos.set(r.id, r.n);
  }, 120_000);
  afterAll(async () => {
    await ledger?.dispose();
  });
  const run = (name: string, filters: Record<string, unknown> = {}): Promise<ReportDto> =>
    value<ReportDto>(app.dispatch('reports:run', { name, filters }));
  const batchNo = (id: number): string => batchNos.get(id)!;

  describe('deposit report', () => {
    it('reconciles each deposit: control, entered, posted, suspense, exceptions, reversed later, difference', async () => {
      const r = await run('deposit');
      expect(r.filters).toEqual(NOV);
      const rows = table(r, 'batches').rows;
      // Known inputs (see the scenario): B1 5 entries 30+20+15+12+10 = 87.00 against a slip of 5 / 87.00; 30, 20 and
      // 10 posted, 15 to suspense, 12 split off; the 20.00 reversed later. B3 keyed 2 of 3, 25.00 of 50.00.
      expect(rows).toEqual([
        {
          batchId: s.b1,
          batchNo: batchNo(s.b1),
          lockbox: 'LB1',
          day: '2026-11-20',
          status: 'submitted',
          currency: 'USD',
          controlCount: 5,
          controlMinor: 8700,
          enteredCount: 5,
          enteredMinor: 8700,
          postedCount: 3,
          postedMinor: 6000,
          suspenseCount: 1,
          suspenseMinor: 1500,
          exceptionsCount: 1,
          exceptionsMinor: 1200,
          reversedCount: 1,
          reversedMinor: 2000,
          diffCount: 0,
          diffMinor: 0,
        },
        expect.objectContaining({
          batchId: s.b3,
          status: 'open',
          controlCount: 3,
          controlMinor: 5000,
          enteredCount: 2,
          enteredMinor: 2500,
          postedCount: 0,
          diffCount: 1,
          diffMinor: 2500,
        }),
        expect.objectContaining({
          batchId: s.b2,
          lockbox: 'LB2',
          day: '2026-11-21',
          currency: 'EUR',
          controlCount: null,
          diffMinor: null,
          enteredCount: 2,
          enteredMinor: 4700,
          postedMinor: 4000,
          suspenseMinor: 700,
        }),
      ]);
      expect(table(r, 'batches').totals).toEqual([
        expect.objectContaining({
          lockbox: 'Total',
          currency: 'USD',
          controlMinor: 13700,
          enteredMinor: 11200,
          diffMinor: 2500,
          reversedMinor: 2000,
        }),
        expect.objectContaining({
          lockbox: 'Total',
          currency: 'EUR',
          controlMinor: null,
          enteredMinor: 4700,
          postedMinor: 4000,
        }),
      ]);
      expect(table(r, 'days').rows).toEqual([
        {
          day: '2026-11-21',
          currency: 'EUR',
          batches: 1,
          enteredMinor: 4700,
          postedMinor: 4000,
          suspenseMinor: 700,
          exceptionsMinor: 0,
        },
        {
          day: '2026-11-20',
          currency: 'USD',
          batches: 2,
          enteredMinor: 11200,
          postedMinor: 6000,
          suspenseMinor: 1500,
          exceptionsMinor: 1200,
        },
      ]);
      expect(r.charts.map((c) => [c.tableId, c.currency, c.series.map((x) => x.key)])).toEqual([
        ['days', 'EUR', ['postedMinor', 'suspenseMinor', 'exceptionsMinor']],
        ['days', 'USD', ['postedMinor', 'suspenseMinor', 'exceptionsMinor']],
      ]);
      // Independently of the report: the ledger's own posted sums of B1's payments.
      const posted = await ledger.all(
        sql`SELECT kind, sum(amount_minor) AS s FROM payments WHERE batch_id = ${s.b1} GROUP BY kind ORDER BY kind`,
      );
      expect(posted).toEqual([
        { kind: 'original', s: 6000 },
        { kind: 'suspended', s: 1500 },
      ]);
    });

    it('applies each filter and says so in the subtitle; unknown names are validation errors', async () => {
      const ids = async (f: Record<string, unknown>): Promise<number[]> =>
        table(await run('deposit', f), 'batches').rows.map((x) => x.batchId as number);
      expect(await ids({ currency: 'EUR' })).toEqual([s.b2]);
      expect(await ids({ channelId: 2 })).toEqual([s.b2]);
      expect(await ids({ payType: 10012 })).toEqual([s.b1, s.b3]);
      expect(await ids({ batchId: s.b3 })).toEqual([s.b3]);
      expect(await ids({ operator: 'clerk2' })).toEqual([s.b2]);
      expect(await ids({ operator: 'tester' })).toEqual([s.b1, s.b3]);
      expect(await ids({ from: '2026-11-21', to: '2026-11-21' })).toEqual([s.b2]);
      expect(await ids({ from: '2026-10-01', to: '2026-10-31' })).toEqual([]);
      const sub = (
        await run('deposit', { currency: 'USD', operator: 'tester', accountNo: s.usd[0]!.accountNo })
      ).subtitle;
      expect(sub).toContain('batch date 2026-11-01 to 2026-11-22');
      expect(sub).toContain('USD; operator tester');
      expect(sub).toContain(`not applicable here: account ${s.usd[0]!.accountNo}`);

      const bad = await app.dispatch('reports:run', { name: 'deposit', filters: { operator: 'nobody' } });
      expect(bad.ok).toBe(false);
      if (!bad.ok) {
        expect(bad.error.code).toBe('validation');
        expect(bad.error.message).toBe('unknown operator nobody');
        expect(bad.error.code === 'validation' && bad.error.issues).toEqual([
          { path: 'filters.operator', message: 'no operator with login nobody' },
        ]);
      }
      const acct = await app.dispatch('reports:run', { name: 'history', filters: { accountNo: 'ZZZ' } });
      expect(!acct.ok && acct.error.code === 'validation' && acct.error.issues).toEqual([
        { path: 'filters.accountNo', message: 'no account with number ZZZ' },
      ]);
      const aging = await app.dispatch('reports:run', {
        name: 'suspense-aging',
        filters: { operator: 'nobody' },
      });
      expect(!aging.ok && aging.error.code).toBe('validation');
    });
  });

  describe('payment history report', () => {
    it('counts, sums and averages per currency, pay type and channel, with on time versus late', async () => {
      const r = await run('history');
      // USD: A1 30.00 (late: its bill was due before 11-20), 5.00 (on its due date: on time), 6.00 (a day late);
      // A2 20.00 (reversed, so its allocation undone: unallocated); A3 10.00 (late). EUR: E1 40.00 (late).
      expect(table(r, 'summary').rows).toEqual([
        {
          currency: 'EUR',
          accounts: 1,
          count: 1,
          amountMinor: 4000,
          averageMinor: 4000,
          onTimeCount: 0,
          lateCount: 1,
          unallocatedCount: 0,
          onTimeBp: 0,
          reversedCount: 0,
          reversedMinor: 0,
          failedCount: 0,
          failedMinor: 0,
        },
        {
          currency: 'USD',
          accounts: 3,
          count: 5,
          amountMinor: 7100,
          averageMinor: 1420,
          onTimeCount: 1,
          lateCount: 3,
          unallocatedCount: 1,
          onTimeBp: 2500,
          reversedCount: 1,
          reversedMinor: 2000,
          failedCount: 0,
          failedMinor: 0,
        },
      ]);
      // The same count and sum straight from the ledger: payments on customer accounts posted in November.
      expect(
        await ledger.all(
          sql`SELECT p.currency, count(*) AS n, sum(p.amount_minor) AS s FROM payments p JOIN accounts a ON a.id = p.account_id
           WHERE a.is_suspense = 0 AND p.created_at LIKE '2026-11-%' GROUP BY p.currency ORDER BY p.currency`,
        ),
      ).toEqual([
        { currency: 'EUR', n: 1, s: 4000 },
        { currency: 'USD', n: 5, s: 7100 },
      ]);
      expect(table(r, 'by-pay-type').rows).toEqual([
        { payType: 'Cash', currency: 'EUR', count: 1, amountMinor: 4000, averageMinor: 4000 },
        { payType: 'Check', currency: 'USD', count: 3, amountMinor: 6000, averageMinor: 2000 },
        { payType: 'Wire transfer', currency: 'USD', count: 2, amountMinor: 1100, averageMinor: 550 },
      ]);
      expect(table(r, 'by-channel').rows.map((x) => [x.channel, x.currency, x.count, x.amountMinor])).toEqual(
        [
          ['2 Interactive Voice Response (IVR)', 'EUR', 1, 4000],
          ['0 Unspecified Payment Channel', 'USD', 3, 6000],
          ['3 Automated Clearing House (ACH)', 'USD', 2, 1100],
        ],
      );
      expect(table(r, 'timeliness').rows.filter((x) => x.currency === 'USD')).toEqual([
        { timeliness: 'on-time', currency: 'USD', count: 1, amountMinor: 500 },
        { timeliness: 'late', currency: 'USD', count: 3, amountMinor: 4600 },
        { timeliness: 'unallocated', currency: 'USD', count: 1, amountMinor: 2000 },
      ]);
      expect(r.charts.map((c) => `${c.id}:${c.tableId}:${c.currency}`)).toEqual([
        'amount-by-pay-type-EUR:by-pay-type:EUR',
        'amount-by-pay-type-USD:by-pay-type:USD',
        'on-time-vs-late-EUR:timeliness:EUR',
        'on-time-vs-late-USD:timeliness:USD',
      ]);
    });

    it('tells one account its own history, payment by payment', async () => {
      const a1 = s.usd[0]!.accountNo;
      const r = await run('history', { accountNo: a1 });
      expect(r.title).toBe(`Payment history of ${a1}`);
      expect(table(r, 'summary').rows).toEqual([
        expect.objectContaining({
          currency: 'USD',
          accounts: 1,
          count: 3,
          amountMinor: 4100,
          averageMinor: 1367,
          onTimeCount: 1,
          lateCount: 2,
          onTimeBp: 3333,
        }),
      ]);
      const p = table(r, 'payments');
      expect(p.drill).toBe('payment-timeline');
      expect(p.rows.map((x) => [x.amountMinor, x.timeliness, x.payType, x.status])).toEqual([
        [500, 'on-time', 'Wire transfer', 'posted'],
        [600, 'late', 'Wire transfer', 'posted'],
        [3000, 'late', 'Check', 'posted'],
      ]);
      expect(p.rows.slice(0, 2).map((x) => x.paymentId)).toEqual([s.onTimeId, s.lateId]);
      expect(p.totals).toEqual([{ effectiveDate: 'Total', currency: 'USD', amountMinor: 4100 }]);
      const a2 = await run('history', { accountNo: s.usd[1]!.accountNo });
      expect(table(a2, 'payments').rows.map((x) => [x.paymentId, x.status, x.timeliness])).toEqual([
        [s.reversedPaymentId, 'reversed', 'unallocated'],
      ]);
    });

    it('narrows by pay type, channel, batch, operator and currency', async () => {
      const sum = async (f: Record<string, unknown>): Promise<unknown[]> =>
        table(await run('history', f), 'summary').rows.map((x) => [x.currency, x.count, x.amountMinor]);
      expect(await sum({ payType: 10013 })).toEqual([['USD', 2, 1100]]);
      expect(await sum({ channelId: 3 })).toEqual([['USD', 2, 1100]]);
      expect(await sum({ batchId: s.b1 })).toEqual([['USD', 3, 6000]]);
      expect(await sum({ operator: 'clerk2' })).toEqual([['EUR', 1, 4000]]);
      expect(await sum({ currency: 'EUR' })).toEqual([['EUR', 1, 4000]]);
      expect(await sum({ from: '2026-11-21', to: '2026-11-21', currency: 'USD' })).toEqual([
        ['USD', 2, 1100],
      ]);
    });
  });

  describe('daily operations report', () => {
    it('reports yesterday: batches, suspense in and out, checkpoints, approvals, runs and 14 days of volume', async () => {
      const r = await run('daily');
      expect(r.title).toBe('Daily operations 2026-11-21');
      expect(table(r, 'batches').rows).toEqual([
        {
          batchType: 'payment',
          status: 'submitted',
          currency: 'EUR',
          batches: 1,
          entries: 2,
          totalMinor: 4700,
          postedCount: 2,
          postedMinor: 4700,
        },
      ]);
      // Into suspense: the EUR 7.00 of B2; out: the USD 15.00 removed as unallocatable.
      expect(table(r, 'suspense').rows).toEqual([
        { currency: 'EUR', inCount: 1, inMinor: 700, outCount: 0, outMinor: 0, netMinor: 700 },
        { currency: 'USD', inCount: 0, inMinor: 0, outCount: 1, outMinor: 1500, netMinor: -1500 },
      ]);
      expect(table(r, 'checkpoints').rows).toEqual([
        {
          command: 'PIN_CHARGE_CMD_AUTH_ONLY',
          state: 'open',
          currency: 'USD',
          count: 1,
          amountMinor: 800,
          oldest: '2026-11-21T03:00:00.000Z',
        },
        {
          command: 'PIN_CHARGE_CMD_DEPOSIT',
          state: 'charged, not posted',
          currency: 'USD',
          count: 1,
          amountMinor: 300,
          oldest: '2026-11-21T04:00:00.000Z',
        },
      ]);
      // The approval prepared at 15:00 expired at 19:00 (four hours): pending no more by this morning.
      expect(table(r, 'approvals').rows).toEqual([]);
      // The matrix app closes the evening app with the ledger.
      const evening = await ledger.again({ login: 'tester', clock: () => new Date('2026-11-21T16:00:00Z') });
      const live = await value<ReportDto>(
        evening.dispatch('reports:run', { name: 'daily', filters: { to: '2026-11-21' } }),
      );
      expect(table(live, 'approvals').rows).toEqual([
        {
          id: 1,
          operation: 'policies:save',
          description: expect.any(String) as string,
          requirement: 'four_eyes',
          preparedBy: 'tester',
          createdAt: '2026-11-21T15:00:00.000Z',
          expiresAt: '2026-11-21T19:00:00.000Z',
        },
      ]);
      expect(table(r, 'collections').rows).toEqual([
        {
          runId: 1,
          kind: 'collect',
          processor: 'sim',
          status: 'done',
          selected: 2,
          startedAt: '2026-11-21T02:00:00.000Z',
          finishedAt: '2026-11-21T02:05:00.000Z',
          currency: 'USD',
          txns: 2,
          passCount: 1,
          postedMinor: 0,
          declinedCount: 1,
        },
      ]);
      const volume = table(r, 'volume');
      expect(volume.rows).toHaveLength(28);
      expect(volume.rows.filter((x) => x.count !== 0)).toEqual([
        { day: '2026-11-21', currency: 'EUR', count: 2, amountMinor: 4700 },
        { day: '2026-11-20', currency: 'USD', count: 4, amountMinor: 7500 },
        { day: '2026-11-21', currency: 'USD', count: 2, amountMinor: 1100 },
      ]);
      expect(volume.rows[0]).toEqual({ day: '2026-11-08', currency: 'EUR', count: 0, amountMinor: 0 });
      expect(r.charts).toEqual([
        expect.objectContaining({ kind: 'line', tableId: 'volume', x: 'day', currency: 'EUR' }),
        expect.objectContaining({ kind: 'line', tableId: 'volume', x: 'day', currency: 'USD' }),
      ]);
    });

    it('reports a given day, filtered', async () => {
      const r = await run('daily', { to: '2026-11-20', currency: 'USD' });
      expect(
        table(r, 'batches').rows.map((x) => [
          x.batchType,
          x.status,
          x.batches,
          x.entries,
          x.totalMinor,
          x.postedMinor,
        ]),
      ).toEqual([
        ['payment', 'open', 2, 3, 3700, 0],
        ['payment', 'submitted', 1, 4, 7500, 7500],
        ['reversal', 'submitted', 1, 1, 2000, 2000],
      ]);
      expect(table(r, 'suspense').rows).toEqual([
        { currency: 'USD', inCount: 1, inMinor: 1500, outCount: 0, outMinor: 0, netMinor: 1500 },
      ]);
      expect(new Set(table(r, 'volume').rows.map((x) => x.currency))).toEqual(new Set(['USD']));
      // Unresolved now, whatever the day; approvals narrow by who prepared them.
      expect(table(r, 'checkpoints').rows).toHaveLength(2);
      expect(table(r, 'collections').rows).toEqual([]);
      const eur = await run('daily', { currency: 'EUR', operator: 'clerk2' });
      expect(table(eur, 'checkpoints').rows).toEqual([]);
      expect(table(eur, 'approvals').rows).toEqual([]);
      expect(r.subtitle).toContain('USD');
    });
  });

  describe('CSV and PDF', () => {
    it('writes each table as CSV: exact decimals per currency exponent, totals rows labelled', async () => {
      const r = await run('deposit');
      const csv = reportCsv(r, await reportExponents(app.ctx.storage, r));
      expect(Object.keys(csv)).toEqual(['batches', 'days']);
      const rows = Papa.parse<string[]>(csv.batches!.trim(), { skipEmptyLines: true }).data;
      expect(rows[0]!.slice(0, 7)).toEqual([
        'Lockbox',
        'Day',
        'Batch',
        'Status',
        'Cur',
        'Control #',
        'Control',
      ]);
      expect(rows[1]).toEqual([
        'LB1',
        '2026-11-20',
        batchNo(s.b1),
        'submitted',
        'USD',
        '5',
        '87.00',
        '5',
        '87.00',
        '3',
        '60.00',
        '1',
        '15.00',
        '1',
        '12.00',
        '1',
        '20.00',
        '0',
        '0.00',
      ]);
      expect(rows.at(-2)!.slice(0, 9)).toEqual(['Total', '', '', '', 'USD', '8', '137.00', '7', '112.00']);
      expect(rows.at(-1)!.slice(0, 9)).toEqual(['Total', '', '', '', 'EUR', '', '', '2', '47.00']);

      const made: ReportDto = {
        ...r,
        tables: [
          {
            id: 't',
            title: 't',
            columns: [
              { key: 'k', label: 'K', kind: 'text' },
              { key: 'currency', label: 'Cur', kind: 'text' },
              { key: 'm', label: 'M', kind: 'money' },
              { key: 'p', label: 'P', kind: 'percent' },
            ],
            rows: [
              { k: '=cmd', currency: 'JPY', m: 1234, p: 3333 },
              { k: 'b', currency: 'KWD', m: -1234, p: null },
              { k: 'c', currency: 'USD', m: 9007199254740991, p: 10000 },
            ],
          },
        ],
      };
      expect(reportCsv(made).t).toBe(
        `K,Cur,M,P\r\n'=cmd,JPY,1234,33.33\r\nb,KWD,-1.234,\r\nc,USD,90071992547409.91,100.00\r\n`,
      );
    });

    it('renders each report as a PDF with its charts; page 1 as PNG for a look', async () => {
      const dir = join(process.cwd(), 'test/.artifacts');
      mkdirSync(dir, { recursive: true });
      for (const [name, filters] of [
        ['deposit', {}],
        ['history', {}],
        ['daily', {}],
      ] as const) {
        const r = await run(name, filters);
        const pdf = await reportPdf(r, await reportExponents(app.ctx.storage, r));
        expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
        const file = join(dir, `report-${name}.pdf`);
        writeFileSync(file, pdf);
        const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
        expect(text).toContain(r.title);
        expect(text).toMatch(/page 1 of \d+/);
        for (const t of r.tables) expect(text).toContain(t.title.slice(0, 30));
        execFileSync('pdftoppm', [
          '-png',
          '-r',
          '60',
          '-f',
          '1',
          '-l',
          '1',
          '-singlefile',
          file,
          join(dir, `report-${name}`),
        ]);
        const png = join(dir, `report-${name}.png`);
        expect(existsSync(png)).toBe(true);
        // A blank page at 60 dpi compresses to a few hundred bytes; text, tables and a chart make it several KB.
        expect(statSync(png).size).toBeGreaterThan(8000);
      }
      const depositText = execFileSync('pdftotext', [
        '-layout',
        join(dir, 'report-deposit.pdf'),
        '-',
      ]).toString();
      expect(depositText).toMatch(/LB1\s+2026-11-20\s+\S+\s+submitted\s+USD\s+5\s+87\.00/);
      expect(depositText).toContain('Posted to suspense');
    });

    it('reports:export returns the CSV texts and the PDF bytes when no path is given', async () => {
      const r = (await app.dispatch('reports:export', {
        name: 'history',
        filters: {},
        csv: true,
        pdf: true,
      })) as Result<ReportExportDto>;
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.value.files).toEqual([]);
      expect(Object.keys(r.value.csv ?? {})).toEqual([
        'summary',
        'by-pay-type',
        'by-channel',
        'timeliness',
        'accounts',
      ]);
      expect(
        Buffer.from(r.value.pdfBase64 ?? '', 'base64')
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
      const before = await ledger.get(sql`SELECT count(*) AS n FROM audit_log`);
      const f = join(s.dir, 'h.csv');
      const w = (await app.dispatch('reports:export', {
        name: 'history',
        filters: {},
        csvFile: f,
      })) as Result<ReportExportDto>;
      expect(w.ok && w.value.files.map((x) => x.path)).toEqual([
        f,
        join(s.dir, 'h-by-pay-type.csv'),
        join(s.dir, 'h-by-channel.csv'),
        join(s.dir, 'h-timeliness.csv'),
        join(s.dir, 'h-accounts.csv'),
      ]);
      expect(readFileSync(join(s.dir, 'h-timeliness.csv'), 'utf8')).toContain('late,USD,3,46.00');
      expect(statSync(f).mode & 0o777).toBe(0o600);
      // Reading only: nothing was written to the ledger.
      expect(await ledger.get(sql`SELECT count(*) AS n FROM audit_log`)).toEqual(before);
    });

    it('names no path from the desktop window (forbidden, nothing written), and hands it the bytes instead', async () => {
      const client = newClient('ipc', { operator: app.ctx.operator, via: 'password' });
      const pdfFile = join(s.dir, 'from-window.pdf');
      const refused = await withClient(client, () =>
        app.dispatch('reports:export', { name: 'deposit', filters: {}, pdfFile }),
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      expect(existsSync(pdfFile)).toBe(false);
      const bytes = (await withClient(client, () =>
        app.dispatch('reports:export', { name: 'deposit', filters: {}, csv: true }),
      )) as Result<ReportExportDto>;
      expect(bytes.ok && Object.keys(bytes.value.csv ?? {})).toEqual(['batches', 'days']);
      expect(bytes.ok && bytes.value.pdfBase64).toBeUndefined();
    });

    it('draws pie, line and stacked bar charts from any table, across pages, with totals repeated per currency', async () => {
      const rows = Array.from({ length: 70 }, (_, i) => ({
        day: `2026-10-${String((i % 28) + 1).padStart(2, '0')}`,
        currency: i % 2 ? 'JPY' : 'KWD',
        a: 1000 * i,
        b: -50 * i,
      }));
      const made: ReportDto = {
        name: 'daily',
        title: 'Chart kit check',
        subtitle: 'made-up figures, \u65e5\u672c non-Latin text',
        filters: {},
        generatedAt: '2026-11-22T09:00:00.000Z',
        tables: [
          {
            id: 'm',
            title: 'Made-up',
            columns: [
              { key: 'day', label: 'Day', kind: 'date' },
              { key: 'currency', label: 'Cur', kind: 'text' },
              { key: 'a', label: 'A', kind: 'money' },
              { key: 'b', label: 'B', kind: 'money' },
            ],
            rows,
            totals: [
              { day: 'Total', currency: 'KWD', a: 1190000, b: -59500 },
              { day: 'Total', currency: 'JPY', a: 1225000, b: -61250 },
            ],
          },
        ],
        charts: [
          {
            id: 'p',
            title: 'Pie',
            kind: 'pie',
            tableId: 'm',
            x: 'day',
            series: [{ key: 'a', label: 'A' }],
            currency: 'JPY',
          },
          {
            id: 'l',
            title: 'Line',
            kind: 'line',
            tableId: 'm',
            x: 'day',
            series: [
              { key: 'a', label: 'A' },
              { key: 'b', label: 'B' },
            ],
            currency: 'KWD',
          },
          {
            id: 's',
            title: 'Stacked',
            kind: 'bar',
            stacked: true,
            tableId: 'm',
            x: 'day',
            series: [
              { key: 'a', label: 'A' },
              { key: 'b', label: 'B' },
            ],
            currency: 'JPY',
          },
        ],
      };
      const file = join(process.cwd(), 'test/.artifacts/report-chart-kit.pdf');
      writeFileSync(file, await reportPdf(made, { KWD: 3, JPY: 0 }));
      const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
      expect(text).toContain('Chart kit check');
      expect(text).toMatch(/page 2 of 2/);
      // Exact amounts per exponent: KWD 3 decimals, JPY none; the non-Latin text prints as question marks.
      expect(text).toMatch(/Total\s+KWD\s+1,190\.000\s+-59\.500/);
      expect(text).toMatch(/Total\s+JPY\s+1,225,000\s+-61,250/);
      expect(text).toContain('?? non-Latin');
      // The header row repeats on the second page.
      expect(text.split('\f')[1]).toMatch(/Day\s+Cur\s+A\s+B/);
      execFileSync('pdftoppm', [
        '-png',
        '-r',
        '60',
        '-f',
        '1',
        '-l',
        '1',
        '-singlefile',
        file,
        file.replace(/\.pdf$/, ''),
      ]);
    });
  });
});
