import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { GlLinesDto, GlSummaryDto, GlSummaryRowDto } from '../../src-shared/dto/reports';
import { glReport } from '../../src-main/services/reports/gl-report';
import { APPS, type TestApp } from '../helpers/apps';
import { suspenseScenario, type SuspenseScenario } from '../helpers/gl-scenario';
import { ledgerFingerprintVia, postPayment, value } from '../helpers/suspense';

// Issue #15: the G/L summary per G/L ID and currency, from the journal, tying out to the journal's own totals.

describe.each(APPS.filter((r) => r.available))('gl summary ($dialect)', ({ open }) => {
  let app: TestApp;
  let now = new Date('2026-11-22T09:00:00Z');
  const setNow = (iso: string): void => {
    now = new Date(iso);
  };
  let sc: SuspenseScenario;

  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => now });
    sc = await suspenseScenario({ ...app, setNow });
  }, 60_000);
  afterAll(async () => {
    await app?.dispose();
  });

  const summary = (input: Record<string, unknown>): Promise<GlSummaryDto> =>
    value<GlSummaryDto>(app.dispatch('reports:gl-summary', input));
  const lines = (input: Record<string, unknown>): Promise<GlLinesDto> =>
    value<GlLinesDto>(app.dispatch('reports:gl-lines', input));

  /** The debit and credit totals per currency of a period, summed here straight from journal_lines by posting day. */
  async function independentTotals(from: string, to: string, currency?: string) {
    const rows = await app.all<{ currency: string; debit: number; credit: number }>(
      sql`SELECT l.currency, sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor ELSE 0 END) AS debit,
         sum(CASE WHEN l.amount_minor < 0 THEN -l.amount_minor ELSE 0 END) AS credit
       FROM journal_lines l, journals j WHERE j.id = l.journal_id AND substr(j.at, 1, 10) BETWEEN ${from} AND ${to}
         ${currency === undefined ? sql`` : sql`AND l.currency = ${currency}`}
       GROUP BY l.currency ORDER BY l.currency`,
    );
    return rows.map((x) => ({
      currency: x.currency,
      debitMinor: x.debit,
      creditMinor: x.credit,
      netMinor: x.debit - x.credit,
    }));
  }

  const pick = (r: GlSummaryRowDto) => [r.glId, r.currency, r.debitMinor, r.creditMinor, r.netMinor];

  describe('gl summary', () => {
    it('shows 112 and 113 with the exact totals of the moves, and ties out to the journal', async () => {
      const before = await ledgerFingerprintVia(app);
      const s = await summary({ from: '2026-12-01', to: '2026-12-31' });
      // Received: 500.00 + 80.00 + 33.33 into suspense and 40.00 to the wrong account (USD), 12.34 (EUR).
      // 113: the 500.00 distributed (suspense debit 500.00, AR credits 200.00 + 300.00) and the 40.00 recycled
      // (AR debit 40.00, suspense credit 40.00). 112: the 80.00 removed (suspense debit, unallocatable credit).
      expect(s.rows.map(pick)).toEqual([
        [100, 'EUR', 1234, 0, 1234],
        [100, 'USD', 65333, 0, 65333],
        [110, 'EUR', 0, 1234, -1234],
        [110, 'USD', 0, 4000, -4000],
        [111, 'USD', 0, 61333, -61333],
        [112, 'USD', 8000, 8000, 0],
        [113, 'USD', 54000, 54000, 0],
      ]);
      expect(s.rows.find((r) => r.glId === 112)).toMatchObject({
        label: 'Unallocatable payments removed from suspense',
        lines: 2,
      });
      expect(s.rows.find((r) => r.glId === 113)).toMatchObject({
        label: 'Recycled payments (suspense)',
        lines: 5,
      });
      expect(s.totals).toEqual([
        { currency: 'EUR', debitMinor: 1234, creditMinor: 1234, netMinor: 0 },
        { currency: 'USD', debitMinor: 127333, creditMinor: 127333, netMinor: 0 },
      ]);
      expect(s.journalTotals).toEqual(s.totals);
      expect(s.totals).toEqual(await independentTotals('2026-12-01', '2026-12-31'));
      expect(s.tiesOut).toBe(true);
      expect(s).toMatchObject({ from: '2026-12-01', to: '2026-12-31', currency: null });
      // Reading changes nothing.
      expect(await ledgerFingerprintVia(app)).toBe(before);
    });

    it('filters one currency, and a period with no postings has no rows', async () => {
      const usd = await summary({ from: '2026-12-01', to: '2026-12-31', currency: 'usd' });
      expect(usd.currency).toBe('USD');
      expect(usd.rows.every((r) => r.currency === 'USD')).toBe(true);
      expect(usd.rows).toHaveLength(5);
      expect(usd.totals).toEqual([{ currency: 'USD', debitMinor: 127333, creditMinor: 127333, netMinor: 0 }]);
      expect(usd.journalTotals).toEqual(usd.totals);
      const eur = await summary({ from: '2026-12-05', to: '2026-12-05', currency: 'EUR' });
      expect(eur.rows.map(pick)).toEqual([
        [100, 'EUR', 1234, 0, 1234],
        [110, 'EUR', 0, 1234, -1234],
      ]);
      const none = await summary({ from: '2026-12-06', to: '2026-12-31' });
      expect(none).toEqual({
        from: '2026-12-06',
        to: '2026-12-31',
        currency: null,
        rows: [],
        totals: [],
        journalTotals: [],
        tiesOut: true,
      });
      expect((await summary({ from: '2026-12-01', to: '2026-12-31', currency: 'JPY' })).rows).toEqual([]);
    });

    it('November holds only the opening balances: AR debits and revenue credits, equal to the journal', async () => {
      const s = await summary({ from: '2026-11-01', to: '2026-11-30' });
      expect([...new Set(s.rows.map((r) => r.glId))]).toEqual([110, 120]);
      const ind = await independentTotals('2026-11-01', '2026-11-30');
      expect(s.totals).toEqual(ind);
      for (const t of ind) {
        expect(s.rows.find((r) => r.glId === 110 && r.currency === t.currency)).toMatchObject({
          debitMinor: t.debitMinor,
          creditMinor: 0,
        });
        expect(s.rows.find((r) => r.glId === 120 && r.currency === t.currency)).toMatchObject({
          debitMinor: 0,
          creditMinor: t.creditMinor,
        });
      }
      expect(s.tiesOut).toBe(true);
    });

    it('drills down to the journal lines of a row, which add up to it, with the payment of each line', async () => {
      const all = await lines({ glId: 113, from: '2026-12-01', to: '2026-12-31', currency: 'USD' });
      expect(all.total).toBe(5);
      expect(all.rows.filter((r) => r.amountMinor > 0).reduce((n, r) => n + r.amountMinor, 0)).toBe(54000);
      expect(all.rows.filter((r) => r.amountMinor < 0).reduce((n, r) => n + r.amountMinor, 0)).toBe(-54000);
      const distributed = (
        await app.all<{ id: number }>(
          sql`SELECT id FROM payments WHERE parent_payment_id = ${sc.suspended[0]} AND kind = 'distributed' ORDER BY id`,
        )
      ).map((r) => r.id);
      const recycled = (await app.get<{ id: number }>(
        sql`SELECT id FROM payments WHERE parent_payment_id = ${sc.recycledPaymentId} AND kind = 'recycled'`,
      ))!.id;
      expect(
        all.rows.map((r) => [r.journalKind, r.glAccount, r.accountNo, r.amountMinor, r.paymentId]),
      ).toEqual([
        ['suspense_distribute', 'SUSPENSE', null, 50000, sc.suspended[0]],
        ['suspense_distribute', 'AR', sc.distributedTo[0], -20000, distributed[0]],
        ['suspense_distribute', 'AR', sc.distributedTo[1], -30000, distributed[1]],
        ['suspense_recycle', 'AR', expect.any(String), 4000, sc.recycledPaymentId],
        ['suspense_recycle', 'SUSPENSE', null, -4000, recycled],
      ]);
      expect(
        all.rows.every((r) => r.glId === 113 && r.currency === 'USD' && r.effectiveDate === '2026-12-05'),
      ).toBe(true);
      expect(all.rows.map((r) => r.reasonCode)).toEqual([4003, 4003, 4003, 4002, 4002]);
      // Paging: two pages give the same lines in the same order.
      const p1 = await lines({ glId: 113, from: '2026-12-01', to: '2026-12-31', limit: 3 });
      const p2 = await lines({ glId: 113, from: '2026-12-01', to: '2026-12-31', limit: 3, offset: 3 });
      expect([...p1.rows, ...p2.rows]).toEqual(all.rows);
      expect(p1.total).toBe(5);
      const removed = await lines({ glId: 112, from: '2026-12-01', to: '2026-12-31' });
      expect(removed.rows.map((r) => [r.glAccount, r.amountMinor, r.paymentId])).toEqual([
        ['SUSPENSE', 8000, sc.removedPaymentId],
        ['UNALLOCATABLE', -8000, sc.removedPaymentId],
      ]);
      expect(await lines({ glId: 113, from: '2026-12-06', to: '2026-12-31' })).toEqual({
        glId: 113,
        currency: null,
        rows: [],
        total: 0,
      });
    });

    it('reports by posting date: a back-dated payment lands in the period it was posted in', async () => {
      const december = await summary({ from: '2026-12-01', to: '2026-12-31' });
      setNow('2027-01-03T08:00:00Z');
      await postPayment(app, sc.distributedTo[0]!, '7.00', { allocate: 'none', effectiveDate: '2026-12-20' });
      expect(await summary({ from: '2026-12-01', to: '2026-12-31' })).toEqual(december);
      const january = await summary({ from: '2027-01-01', to: '2027-01-31' });
      expect(january.rows.map(pick)).toEqual([
        [100, 'USD', 700, 0, 700],
        [110, 'USD', 0, 700, -700],
      ]);
      expect(january.tiesOut).toBe(true);
    });

    it('reports a ledger side the chart does not map under G/L 0, still tying out', async () => {
      const write = (query: ReturnType<typeof sql>): Promise<void> =>
        app.ctx.storage.transaction(async (tx) => {
          await tx.run(query);
        });
      const cash = (await app.get<{ glAccount: string; glId: number; label: string }>(
        sql`SELECT gl_account AS "glAccount", gl_id AS "glId", label FROM gl_chart WHERE gl_account = 'CASH'`,
      ))!;
      await write(sql`DELETE FROM gl_chart WHERE gl_account = 'CASH'`);
      try {
        const s = await summary({ from: '2026-12-01', to: '2026-12-31', currency: 'USD' });
        expect(s.rows[0]).toEqual({
          glId: 0,
          label: 'Unmapped (no G/L ID)',
          currency: 'USD',
          debitMinor: 65333,
          creditMinor: 0,
          netMinor: 65333,
          lines: 2,
        });
        expect(s.tiesOut).toBe(true);
      } finally {
        await write(
          sql`INSERT INTO gl_chart (gl_account, gl_id, label) VALUES (${cash.glAccount}, ${cash.glId}, ${cash.label})`,
        );
      }
    });

    it('refuses bad periods and ids with the field and the reason', async () => {
      const bad = async (command: string, input: unknown): Promise<string[]> => {
        const r: Result<unknown> = await app.dispatch(command, input);
        if (r.ok || r.error.code !== 'validation') throw new Error(`accepted: ${JSON.stringify(input)}`);
        return (r.error.issues ?? []).map((i) => i.path);
      };
      expect(await bad('reports:gl-summary', { from: '2026-12-31', to: '2026-12-01' })).toEqual(['from']);
      expect(await bad('reports:gl-summary', { from: '2026-02-30', to: '2026-12-31' })).toEqual(['from']);
      expect(
        await bad('reports:gl-summary', { from: '2026-12-01', to: '2026-12-31', currency: 'US' }),
      ).toEqual(['currency']);
      expect(await bad('reports:gl-summary', { from: '2026-12-01' })).toEqual(['to']);
      expect(await bad('reports:gl-lines', { glId: -1, from: '2026-12-01', to: '2026-12-31' })).toEqual([
        'glId',
      ]);
      expect(
        await bad('reports:gl-lines', { glId: 113, from: '2026-12-01', to: '2026-12-31', limit: 0 }),
      ).toEqual(['limit']);
    });
  });

  describe('glReport', () => {
    it('is the G/L summary as a report with totals, drill-down and a chart per currency', async () => {
      const storage = app.ctx.storage;
      const r = await glReport(storage, { currency: 'USD' }, '2026-12-15T12:00:00.000Z');
      expect(r).toMatchObject({
        name: 'gl',
        title: 'G/L summary',
        filters: { currency: 'USD', from: '2026-12-01', to: '2026-12-31' },
        generatedAt: '2026-12-15T12:00:00.000Z',
      });
      const t = r.tables[0]!;
      expect(t.id).toBe('gl');
      expect(t.drill).toBe('gl-lines');
      expect(t.columns.map((c) => [c.key, c.kind])).toEqual([
        ['glId', 'code'],
        ['label', 'text'],
        ['currency', 'text'],
        ['debitMinor', 'money'],
        ['creditMinor', 'money'],
        ['netMinor', 'money'],
        ['lines', 'int'],
      ]);
      expect(t.rows.map((x) => [x.glId, x.debitMinor, x.creditMinor])).toEqual([
        [100, 65333, 0],
        [110, 0, 4000],
        [111, 0, 61333],
        [112, 8000, 8000],
        [113, 54000, 54000],
      ]);
      expect(t.totals).toEqual([
        {
          glId: null,
          label: 'Total',
          currency: 'USD',
          debitMinor: 127333,
          creditMinor: 127333,
          netMinor: 0,
          lines: 11,
        },
      ]);
      expect(r.charts).toEqual([
        {
          id: 'gl-debit-credit',
          title: 'Debits and credits per G/L ID (USD)',
          kind: 'bar',
          tableId: 'gl',
          x: 'glId',
          series: [
            { key: 'debitMinor', label: 'Debit' },
            { key: 'creditMinor', label: 'Credit' },
          ],
          currency: 'USD',
        },
      ]);
      // A batch keeps the journals that posted or reversed its payments: the suspense batch went in (61,333 USD),
      // 500.00 of it was distributed (113) and 80.00 removed (112); the recycled 40.00 was never in a batch.
      const batchId = (await app.get<{ b: number }>(
        sql`SELECT batch_id AS b FROM payments WHERE id = ${sc.suspended[0]}`,
      ))!.b;
      const byBatch = await glReport(storage, { currency: 'USD', batchId }, '2026-12-15T12:00:00.000Z');
      expect(byBatch.tables[0]!.rows.map((x) => [x.glId, x.debitMinor, x.creditMinor])).toEqual([
        [100, 61333, 0],
        [111, 0, 61333],
        [112, 8000, 8000],
        [113, 50000, 50000],
      ]);
      expect(byBatch.subtitle).toContain(`batch ${batchId}`);
      expect(byBatch.subtitle).toContain('ties out to the journal');
      expect((await glReport(storage, { operator: 'tester' }, '2026-12-15T12:00:00.000Z')).tables).toEqual(
        (await glReport(storage, {}, '2026-12-15T12:00:00.000Z')).tables,
      );
      expect(
        (await glReport(storage, { operator: 'nobody' }, '2026-12-15T12:00:00.000Z')).tables[0]!.rows,
      ).toEqual([]);
      // Without a currency the chart draws the first one present; a month with nothing has no chart.
      expect((await glReport(storage, {}, '2026-12-15T12:00:00.000Z')).charts[0]?.currency).toBe('EUR');
      const empty = await glReport(
        storage,
        { from: '2026-10-01', to: '2026-10-31' },
        '2026-12-15T12:00:00.000Z',
      );
      expect(empty.tables[0]!.rows).toEqual([]);
      expect(empty.charts).toEqual([]);
      // February of a leap-free year ends on the 28th.
      expect((await glReport(storage, {}, '2027-02-10T00:00:00.000Z')).filters).toEqual({
        from: '2027-02-01',
        to: '2027-02-28',
      });
    });
  });
});
