import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import { AppFailure } from '../../src-main/ledger/errors';
import { suspenseAgingReport } from '../../src-main/services/reports/suspense-aging';
import type { ReportDto, ReportFiltersDto, ReportTableDto } from '../../src-shared/dto/reports';
import { APPS, type TestApp } from '../helpers/apps';
import {
  expectClean,
  ledgerFingerprintVia,
  postPayment,
  suspend,
  usdAccountsVia,
  value,
} from '../helpers/suspense';

/**
 * A suspense history on controlled dates, with every expected figure worked out by hand from the scenario
 * (amounts in cents):
 *   2026-08-20  A 100.00 USD suspended                                  (open: >90 days on 11-30)
 *   2026-10-10  B1 200.00, B2 50.00 USD suspended                       (B1 open: 31-60; owner assigned)
 *   2026-11-05  C1 300.00, C2 40.00, C3 25.00 USD suspended
 *   2026-11-12  C2 applied to an account (G/L 113)
 *   2026-11-15  C1 distributed 120.00 + 80.00; remainder R 100.00 stays (entered 11-05 kept: 8-30)
 *   2026-11-20  B2 removed as unallocatable (G/L 112), by the second operator
 *   2026-11-22  P 60.00 USD posted and recycled into suspense (G/L 113; 8 days old on 11-30: 8-30)
 *   2026-11-25  D 10.00 EUR suspended by the second operator (0-7)
 *   2026-11-26  C3 reversed
 */
describe.each(APPS.filter((r) => r.available))('suspense aging ($dialect)', ({ open }) => {
  let now: Date;
  let app: TestApp;
  let second: App<LedgerPlace>;
  const ids: Record<string, number> = {};
  const first = (xs: number[]): number => xs[0]!;
  let recycledFrom: string;
  let batchReason: number;
  let owner: number;

  const at = (iso: string): void => {
    now = new Date(`${iso}T09:00:00Z`);
  };
  const run = (f: ReportFiltersDto, when = '2026-11-30T18:00:00Z'): Promise<ReportDto> =>
    suspenseAgingReport(app.ctx.storage, f, when);
  const table = (r: ReportDto, id: string): ReportTableDto => r.tables.find((t) => t.id === id)!;
  /** The rows of a table with only the given keys, for exact comparisons. */
  const pick = (t: ReportTableDto, keys: string[]) =>
    t.rows.map((row) => Object.fromEntries(keys.map((k) => [k, row[k]])));
  const nonZero = (t: ReportTableDto) => t.rows.filter((row) => row.count !== 0);

  beforeAll(async () => {
    at('2026-08-20');
    app = await open({ login: 'lead', clock: () => now });
    await value(app.dispatch('demo:load', { accounts: 40, seed: 5 }));
    expect(await app.get(sql`SELECT count(*) AS n FROM suspense_queue`)).toEqual({ n: 0 });
    await app.ctx.storage.transaction(async (tx) => {
      await tx.run(
        sql`INSERT INTO operators (login, name, roles, active, created_at) SELECT 'second', 'Second', roles, 1, created_at FROM operators WHERE login = 'lead'`,
      );
    });
    second = await app.again({ login: 'second', clock: () => now });
    const [t1, t2, t3, t4] = await usdAccountsVia(app, 4);

    ids.A = first(await suspend(app, [{ amount: '100.00', payerName: 'Alpha' }]));
    at('2026-10-10');
    [ids.B1, ids.B2] = (await suspend(app, [
      { amount: '200.00', payerName: 'Bravo One' },
      { amount: '50.00', payerName: 'Bravo Two' },
    ])) as [number, number];
    owner = (await app.get<{ id: number }>(
      sql`SELECT min(id) AS id FROM reason_codes WHERE domain_id = 15 AND active = 1`,
    ))!.id;
    await value(app.dispatch('suspense:assign', { paymentIds: [ids.B1], owner }));
    at('2026-11-05');
    [ids.C1, ids.C2, ids.C3] = (await suspend(app, [
      { amount: '300.00', payerName: 'Charlie One' },
      { amount: '40.00', payerName: 'Charlie Two' },
      { amount: '25.00', payerName: 'Charlie Three' },
    ])) as [number, number, number];
    at('2026-11-12');
    await value(app.dispatch('suspense:apply', { paymentId: ids.C2, accountNo: t1!.accountNo }));
    at('2026-11-15');
    const dist = await value<{ suspended: { paymentId: number }[] }>(
      app.dispatch('suspense:distribute', {
        paymentId: ids.C1,
        targets: [
          { accountNo: t2!.accountNo, amount: '120.00' },
          { accountNo: t3!.accountNo, amount: '80.00' },
        ],
      }),
    );
    ids.R = dist.suspended[0]!.paymentId;
    at('2026-11-20');
    await value(second.dispatch('suspense:remove', { paymentId: ids.B2, reasonCode: 4999 }));
    at('2026-11-22');
    recycledFrom = t4!.accountNo;
    const posted = await postPayment(app, recycledFrom, '60.00', { payerName: 'Papa' });
    const rec = await value<{ suspended: { paymentId: number }[] }>(
      app.dispatch('suspense:recycle', { paymentIds: [posted], reasonCode: 4002 }),
    );
    ids.P = rec.suspended[0]!.paymentId;
    at('2026-11-25');
    ids.D = first(await suspend(second, [{ amount: '10.00', payerName: 'Delta' }], { currency: 'EUR' }));
    at('2026-11-26');
    await value(app.dispatch('suspense:reverse', { paymentId: ids.C3, reasonCode: 4101 }));
    batchReason = (await app.get<{ r: number }>(
      sql`SELECT reason_code AS r FROM payments WHERE id = ${ids.A}`,
    ))!.r;
    await expectClean(app);
  }, 60_000);

  afterAll(async () => {
    await app?.dispose();
  });

  describe('suspense aging report', () => {
    it('ages what is open at the end of the period by bucket, reason and owner, and writes nothing', async () => {
      const before = await ledgerFingerprintVia(app);
      const r = await run({ from: '2026-11-01', to: '2026-11-30' });
      expect(await ledgerFingerprintVia(app)).toBe(before);
      expect(r.name).toBe('suspense-aging');
      expect(pick(table(r, 'aging'), ['bucket', 'currency', 'count', 'amountMinor'])).toEqual([
        { bucket: '0-7', currency: 'EUR', count: 1, amountMinor: 1000 },
        { bucket: '8-30', currency: 'EUR', count: 0, amountMinor: 0 },
        { bucket: '31-60', currency: 'EUR', count: 0, amountMinor: 0 },
        { bucket: '61-90', currency: 'EUR', count: 0, amountMinor: 0 },
        { bucket: '>90', currency: 'EUR', count: 0, amountMinor: 0 },
        { bucket: '0-7', currency: 'USD', count: 0, amountMinor: 0 },
        // R (entered 11-05, kept from C1) and P (entered 11-22: 8 days, just past the 0-7 bucket).
        { bucket: '8-30', currency: 'USD', count: 2, amountMinor: 16000 },
        { bucket: '31-60', currency: 'USD', count: 1, amountMinor: 20000 },
        { bucket: '61-90', currency: 'USD', count: 0, amountMinor: 0 },
        { bucket: '>90', currency: 'USD', count: 1, amountMinor: 10000 },
      ]);
      expect(table(r, 'aging').totals).toEqual([
        { bucket: 'Total', currency: 'EUR', count: 1, amountMinor: 1000 },
        { bucket: 'Total', currency: 'USD', count: 4, amountMinor: 46000 },
      ]);
      const usdReasons = pick(table(r, 'by-reason'), [
        'reasonCode',
        'currency',
        'count',
        'amountMinor',
      ]).filter((x) => x.currency === 'USD');
      // A and B1 keep the batch's reason; R is a distribution remainder (2009); P was recycled (2008).
      expect(usdReasons).toEqual([
        { reasonCode: batchReason, currency: 'USD', count: 2, amountMinor: 30000 },
        { reasonCode: 2009, currency: 'USD', count: 1, amountMinor: 10000 },
        { reasonCode: 2008, currency: 'USD', count: 1, amountMinor: 6000 },
      ]);
      const labels = await app.all<{ id: number; label: string }>(
        sql`SELECT id, label FROM reason_codes WHERE domain_id = 14 AND id IN (${batchReason}, 2008, 2009)`,
      );
      for (const row of table(r, 'by-reason').rows)
        if (row.currency === 'USD')
          expect(row.reason).toBe(labels.find((l) => l.id === row.reasonCode)!.label);
      const ownerLabel = (await app.get<{ label: string }>(
        sql`SELECT label FROM reason_codes WHERE domain_id = 15 AND id = ${owner}`,
      ))!.label;
      expect(pick(table(r, 'by-owner'), ['owner', 'ownerLabel', 'currency', 'count', 'amountMinor'])).toEqual(
        [
          { owner: null, ownerLabel: 'Unassigned', currency: 'EUR', count: 1, amountMinor: 1000 },
          { owner: null, ownerLabel: 'Unassigned', currency: 'USD', count: 3, amountMinor: 26000 },
          { owner, ownerLabel, currency: 'USD', count: 1, amountMinor: 20000 },
        ],
      );
      expect(r.charts.map((c) => [c.id, c.kind, c.tableId, c.currency])).toEqual([
        ['aging-EUR', 'bar', 'aging', 'EUR'],
        ['aging-USD', 'bar', 'aging', 'USD'],
        ['trend-EUR', 'line', 'trend', 'EUR'],
        ['trend-USD', 'line', 'trend', 'USD'],
      ]);
    });

    it('rebuilds the balance at the end of each day from history, and the moves of the period tie it out', async () => {
      const r = await run({ from: '2026-11-01', to: '2026-11-30' });
      const usd = table(r, 'trend').rows.filter((x) => x.currency === 'USD');
      expect(usd).toHaveLength(30);
      const expected: Record<string, [number, number]> = {
        '2026-11-01': [3, 35000],
        '2026-11-04': [3, 35000],
        '2026-11-05': [6, 71500],
        '2026-11-11': [6, 71500],
        '2026-11-12': [5, 67500],
        '2026-11-15': [5, 47500],
        '2026-11-19': [5, 47500],
        '2026-11-20': [4, 42500],
        '2026-11-22': [5, 48500],
        '2026-11-26': [4, 46000],
        '2026-11-30': [4, 46000],
      };
      for (const [date, [count, amountMinor]] of Object.entries(expected))
        expect(
          usd.find((x) => x.date === date),
          date,
        ).toMatchObject({ count, amountMinor });
      const eur = table(r, 'trend').rows.filter((x) => x.currency === 'EUR');
      expect(eur.find((x) => x.date === '2026-11-24')).toMatchObject({ count: 0, amountMinor: 0 });
      expect(eur.find((x) => x.date === '2026-11-25')).toMatchObject({ count: 1, amountMinor: 1000 });

      const moves = pick(table(r, 'moves'), [
        'direction',
        'kind',
        'glId',
        'currency',
        'count',
        'amountMinor',
      ]);
      const batchGl = moves.find((m) => m.kind === 'suspended' && m.currency === 'USD')?.glId ?? null;
      expect(moves).toEqual([
        { direction: 'in', kind: 'suspended', glId: batchGl, currency: 'EUR', count: 1, amountMinor: 1000 },
        { direction: 'in', kind: 'suspended', glId: batchGl, currency: 'USD', count: 3, amountMinor: 36500 },
        { direction: 'in', kind: 'recycled', glId: 113, currency: 'USD', count: 1, amountMinor: 6000 },
        { direction: 'in', kind: 'remainder', glId: 113, currency: 'USD', count: 1, amountMinor: 10000 },
        { direction: 'out', kind: 'applied', glId: 113, currency: 'USD', count: 1, amountMinor: 4000 },
        { direction: 'out', kind: 'distributed', glId: 113, currency: 'USD', count: 1, amountMinor: 30000 },
        { direction: 'out', kind: 'removed', glId: 112, currency: 'USD', count: 1, amountMinor: 5000 },
        { direction: 'out', kind: 'reversed', glId: null, currency: 'USD', count: 1, amountMinor: 2500 },
      ]);
      // Opening 35000 + in 52500 - out 41500 = the closing 46000 of the trend and of the aging.
      expect(table(r, 'moves').totals).toEqual([
        { label: 'Total into suspense', direction: 'in', currency: 'EUR', count: 1, amountMinor: 1000 },
        { label: 'Total into suspense', direction: 'in', currency: 'USD', count: 5, amountMinor: 52500 },
        { label: 'Total out of suspense', direction: 'out', currency: 'USD', count: 4, amountMinor: 41500 },
      ]);
      // The closing balance equals what the suspense account's journal lines say it holds.
      const journal = await app.all(
        sql`SELECT l.currency, -sum(l.amount_minor) AS held FROM journal_lines l JOIN journals j ON j.id = l.journal_id
         WHERE l.gl_account = 'SUSPENSE' GROUP BY l.currency ORDER BY l.currency`,
      );
      expect(journal).toEqual([
        { currency: 'EUR', held: 1000 },
        { currency: 'USD', held: 46000 },
      ]);
    });

    it('an earlier period ages as of its own end and trends day by day from its opening balance', async () => {
      const r = await run({ from: '2026-11-13', to: '2026-11-21' });
      // On 11-21: A (93 days), B1 (42 days), R and C3 (entered 11-05: 16 days); B2 was removed on 11-20.
      expect(nonZero(table(r, 'aging')).map((x) => [x.bucket, x.currency, x.count, x.amountMinor])).toEqual([
        ['8-30', 'USD', 2, 12500],
        ['31-60', 'USD', 1, 20000],
        ['>90', 'USD', 1, 10000],
      ]);
      expect(table(r, 'trend').rows.map((x) => [x.date, x.count, x.amountMinor])).toEqual([
        ['2026-11-13', 5, 67500],
        ['2026-11-14', 5, 67500],
        ['2026-11-15', 5, 47500],
        ['2026-11-16', 5, 47500],
        ['2026-11-17', 5, 47500],
        ['2026-11-18', 5, 47500],
        ['2026-11-19', 5, 47500],
        ['2026-11-20', 4, 42500],
        ['2026-11-21', 4, 42500],
      ]);
      expect(pick(table(r, 'moves'), ['direction', 'kind', 'count', 'amountMinor'])).toEqual([
        { direction: 'in', kind: 'remainder', count: 1, amountMinor: 10000 },
        { direction: 'out', kind: 'distributed', count: 1, amountMinor: 30000 },
        { direction: 'out', kind: 'removed', count: 1, amountMinor: 5000 },
      ]);
      expect(r.subtitle).toContain('2026-11-13 to 2026-11-21');
    });

    it('a long period trends week by week (Sundays and the last day)', async () => {
      const r = await run({ from: '2026-08-01', to: '2026-11-30' });
      const usd = table(r, 'trend').rows.filter((x) => x.currency === 'USD');
      expect(usd[0]).toMatchObject({ date: '2026-08-02', count: 0, amountMinor: 0 });
      expect(usd.find((x) => x.date === '2026-08-23')).toMatchObject({ count: 1, amountMinor: 10000 });
      expect(usd.find((x) => x.date === '2026-10-11')).toMatchObject({ count: 3, amountMinor: 35000 });
      expect(usd.at(-1)).toMatchObject({ date: '2026-11-30', count: 4, amountMinor: 46000 });
      expect(
        usd.every(
          (x) => new Date(`${String(x.date)}T00:00:00Z`).getUTCDay() === 0 || x.date === '2026-11-30',
        ),
      ).toBe(true);
      expect(table(r, 'trend').title).toContain('week');
    });

    it('filters by currency, operator, account and default period, and refuses unknown ones', async () => {
      const eur = await run({ from: '2026-11-01', to: '2026-11-30', currency: 'eur' });
      expect(eur.tables.flatMap((t) => t.rows).every((x) => x.currency === 'EUR')).toBe(true);
      expect(nonZero(table(eur, 'aging')).map((x) => [x.bucket, x.count, x.amountMinor])).toEqual([
        ['0-7', 1, 1000],
      ]);
      expect(eur.subtitle).toContain('currency EUR');

      // The second operator suspended D and removed B2: aging and trend follow who put money in, moves who moved it.
      const op = await run({ from: '2026-11-01', to: '2026-11-30', operator: 'second' });
      expect(nonZero(table(op, 'aging')).map((x) => [x.currency, x.count, x.amountMinor])).toEqual([
        ['EUR', 1, 1000],
      ]);
      expect(pick(table(op, 'moves'), ['direction', 'kind', 'currency', 'count', 'amountMinor'])).toEqual([
        { direction: 'in', kind: 'suspended', currency: 'EUR', count: 1, amountMinor: 1000 },
        { direction: 'out', kind: 'removed', currency: 'USD', count: 1, amountMinor: 5000 },
      ]);
      expect(op.subtitle).toContain('operator second');

      const acct = await run({ from: '2026-11-01', to: '2026-11-30', accountNo: recycledFrom.toLowerCase() });
      expect(nonZero(table(acct, 'aging')).map((x) => [x.bucket, x.count, x.amountMinor])).toEqual([
        ['8-30', 1, 6000],
      ]);
      expect(pick(table(acct, 'moves'), ['kind', 'count', 'amountMinor'])).toEqual([
        { kind: 'recycled', count: 1, amountMinor: 6000 },
      ]);

      // The batch of C1-C3: the remainder of C1 keeps its batch.
      const cBatch = (await app.get<{ b: number }>(
        sql`SELECT batch_id AS b FROM payments WHERE id = ${ids.C1}`,
      ))!.b;
      const batch = await run({ from: '2026-11-01', to: '2026-11-30', batchId: cBatch });
      expect(nonZero(table(batch, 'aging')).map((x) => [x.bucket, x.count, x.amountMinor])).toEqual([
        ['8-30', 1, 10000],
      ]);
      expect(pick(table(batch, 'moves'), ['kind', 'count', 'amountMinor'])).toEqual([
        { kind: 'suspended', count: 3, amountMinor: 36500 },
        { kind: 'remainder', count: 1, amountMinor: 10000 },
        { kind: 'applied', count: 1, amountMinor: 4000 },
        { kind: 'distributed', count: 1, amountMinor: 30000 },
        { kind: 'reversed', count: 1, amountMinor: 2500 },
      ]);
      expect(batch.subtitle).toContain(`batch ${cBatch}`);
      // Nothing was suspended through another channel.
      const channel = await run({ from: '2026-11-01', to: '2026-11-30', channelId: 9 });
      expect(channel.tables.flatMap((t) => t.rows)).toEqual([]);

      // Without a period: the month of `now`, aged as of today.
      const dflt = await run({}, '2026-11-21T10:00:00Z');
      expect(dflt.filters).toMatchObject({ from: '2026-11-01', to: '2026-11-21' });
      expect(table(dflt, 'trend').rows.filter((x) => x.currency === 'USD')).toHaveLength(21);

      const refused = async (f: ReportFiltersDto): Promise<unknown> => {
        try {
          await run(f);
        } catch (err) {
          if (err instanceof AppFailure) return err.error;
          throw err;
        }
        return null;
      };
      expect(await refused({ operator: 'nobody' })).toMatchObject({
        code: 'validation',
        issues: [{ path: 'filters.operator', message: 'no operator with login nobody' }],
      });
      expect(await refused({ accountNo: 'NO-SUCH', currency: 'XYZ' })).toMatchObject({
        code: 'validation',
        issues: [
          { path: 'filters.currency', message: 'XYZ is not a currency of this ledger' },
          { path: 'filters.accountNo', message: 'no account with number NO-SUCH' },
        ],
      });
      expect(await refused({ from: '2026-11-30', to: '2026-11-01' })).toMatchObject({
        issues: [{ path: 'filters.from', message: '2026-11-30 is after 2026-11-01' }],
      });
      expect(await refused({ from: '2026-02-30' })).toMatchObject({ issues: [{ path: 'filters.from' }] });
    });
  });
});
