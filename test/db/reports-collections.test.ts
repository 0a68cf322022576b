import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import {
  startSimulator,
  type SimConfig,
  type SimRecord,
  type Simulator,
} from '../../src-main/processors/simulator';
import { AppFailure } from '../../src-main/ledger/errors';
import { importReturns } from '../../src-main/services/returns/import';
import { validateBatch, validateBatchVia } from '../../src-main/services/batches/validate';
import { submitBatch, submitBatchVia } from '../../src-main/services/batches/submit';
import { collectionsReport } from '../../src-main/services/reports/collections';
import type { ReportDto, ReportFiltersDto, ReportTableDto } from '../../src-shared/dto/reports';
import type { ParsedReturns } from '../../src-main/bankfiles/types';
import { APPS, type TestApp } from '../helpers/apps';
import { dispatchConfirmed } from '../helpers/confirm';
import { collectByFileVia, type CollectedDebit } from '../helpers/direct-debit';
import { expectClean, ledgerFingerprintVia, setSettingVia, value } from '../helpers/suspense';
import { tempDir } from '../helpers/temp';

process.env.PAYDESK_SECRET_KEY = 'reports-collections-key';

/**
 * Two card collection runs against the simulator and one SEPA direct-debit file with two returns. Every expected
 * figure comes from the simulator's own records (what it was asked and what it answered) or from the scenario:
 *   2026-11-22 run 1 (lead): account S soft-declined (7), H hard-declined (8), C unreachable (6), the rest approved
 *   2026-11-24 a SEPA file of 3 debits; 2026-11-26 the bank rejects one (AM04, soft) and returns one (MD01, hard)
 *   2026-11-28 run 2 (second operator): S's bills are retried and approved (recovered), C's are collected
 */
describe.each(APPS.filter((r) => r.available))('collections report ($dialect)', ({ open }) => {
  let sim: Simulator;
  let simDir: { dir: string; cleanup: () => void };
  let now: Date;
  let app: TestApp;
  let second: App<LedgerPlace>;
  let run1: SimRecord[];
  let run2: SimRecord[];
  let debits: CollectedDebit[];
  let returnBatchId: number;
  const acct: Record<'S' | 'H' | 'C', { id: number; accountNo: string; token: string }> = {} as never;

  const setSim = (c: SimConfig): void => writeFileSync(join(simDir.dir, 'sim.json'), JSON.stringify(c));
  const report = (f: ReportFiltersDto): Promise<ReportDto> =>
    collectionsReport(app.ctx.storage, f, '2026-11-30T18:00:00Z');
  const table = (r: ReportDto, id: string): ReportTableDto => r.tables.find((t) => t.id === id)!;
  const mine = async (): Promise<SimRecord[]> => {
    const prefix = JSON.parse(
      (await app.get<{ value: string }>(sql`SELECT value FROM settings WHERE key = 'processors.keyPrefix'`))!
        .value,
    ) as string;
    return [...sim.records.values()].filter((r) => r.idemKey.startsWith(`${prefix}-`));
  };
  /** Count and amount of records, by the test's own arithmetic. */
  const tally = (rs: SimRecord[]): { count: number; amountMinor: number } => ({
    count: rs.length,
    amountMinor: rs.reduce((s, r) => s + r.amountMinor, 0),
  });

  beforeAll(async () => {
    simDir = tempDir('paydesk-sim-');
    setSim({});
    sim = await startSimulator({ port: 0, configFile: join(simDir.dir, 'sim.json') });
    now = new Date('2026-11-22T09:00:00Z');
    app = await open({ login: 'lead', clock: () => now });
    await value(app.dispatch('demo:load', { accounts: 60, seed: 4 }));
    await app.ctx.storage.transaction(async (tx) => {
      await tx.run(
        sql`INSERT INTO operators (login, name, roles, active, created_at) SELECT 'second', 'Second', roles, 1, created_at FROM operators WHERE login = 'lead'`,
      );
    });
    second = await app.again({ login: 'second', clock: () => now });
    await value(
      app.dispatch('processors:save', {
        name: 'sim',
        url: `http://127.0.0.1:${sim.port}`,
        merchants: {
          USD: { merchant: 'ispname', mid: '050505' },
          EUR: { merchant: 'ispeu', mid: '050506' },
          GBP: { merchant: 'ispgb', mid: '050507' },
        },
        secret: 'topsecret-99',
      }),
    );
    await setSettingVia(app, 'collect.softRetries', 2);
    await setSettingVia(app, 'collect.suspendDays', 5);
    // Each account's card as a collection run picks it (the default first).
    const cards = await app.all<{ id: number; accountNo: string; token: string }>(
      sql`SELECT a.id, a.account_no AS "accountNo",
         (SELECT m.token FROM payment_methods m WHERE m.account_id = a.id AND m.type = 'card'
           ORDER BY m.is_default DESC, m.id LIMIT 1) AS token
       FROM accounts a
       WHERE a.currency = 'USD' AND a.status = 'active'
         AND EXISTS (SELECT 1 FROM payment_methods m WHERE m.account_id = a.id AND m.type = 'card')
         AND EXISTS (SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.status = 'open' AND b.amount_due_minor >= 200)
       ORDER BY a.id LIMIT 3`,
    );
    expect(cards).toHaveLength(3);
    [acct.S, acct.H, acct.C] = cards as [(typeof cards)[0], (typeof cards)[0], (typeof cards)[0]];
    setSim({
      rules: [
        { token: acct.S.token, result: 7 },
        { token: acct.H.token, result: 8 },
        { token: acct.C.token, result: 6 },
      ],
    });
    await value(dispatchConfirmed(app, 'collect:run', { rebill: true }));
    run1 = await mine();

    now = new Date('2026-11-24T09:00:00Z');
    debits = await collectByFileVia(app.ctx.storage, { scheme: 'sepa', count: 3, messageId: 'RPT-1' }, now);
    now = new Date('2026-11-26T09:00:00Z');
    const parsed: ParsedReturns = {
      format: 'pain.002',
      items: [
        {
          ref: { endToEndId: debits[0]!.endToEndId },
          amountMinor: debits[0]!.amountMinor,
          currency: 'EUR',
          kind: 'reject',
          code: 'AM04',
          path: '/TxInfAndSts[1]',
        },
        {
          ref: { endToEndId: debits[2]!.endToEndId },
          amountMinor: null,
          currency: null,
          kind: 'return',
          code: 'MD01',
          path: '/TxInfAndSts[2]',
        },
      ],
      changes: [],
      accepted: 0,
      problems: [],
      warnings: [],
    };
    const imported = await importReturns(
      app.ctx.storage,
      parsed,
      { format: 'pain.002', sha256: 'rpt', fileName: 'p2.xml' },
      now,
      app.ctx.operator.id,
    );
    returnBatchId = imported.batch!.id;
    // Validation and submit as deployed: the driver's on SQLite (what the desktop runs), the port's on PostgreSQL.
    const driver = app.ctx.ledger.sqlite;
    if (app.dialect === 'sqlite' && driver) {
      validateBatch(driver, returnBatchId, now, app.ctx.operator.id);
      submitBatch(driver, { batchId: returnBatchId }, now, app.ctx.operator.id);
    } else {
      await validateBatchVia(app.ctx.storage, returnBatchId, now, app.ctx.operator.id);
      await submitBatchVia(app.ctx.storage, { batchId: returnBatchId }, now, app.ctx.operator.id);
    }

    now = new Date('2026-11-28T09:00:00Z');
    setSim({ rules: [{ token: acct.H.token, result: 8 }] });
    const seen = new Set(run1.map((r) => r.idemKey));
    await value(dispatchConfirmed(second, 'collect:run', { rebill: true }));
    run2 = (await mine()).filter((r) => !seen.has(r.idemKey));
    await expectClean(app);
  }, 90_000);

  afterAll(async () => {
    await app?.dispose();
    await sim?.close();
    simDir?.cleanup();
  });

  describe('collections report', () => {
    it('sums each run, each result code and each class from what the processor answered, and writes nothing', async () => {
      const before = await ledgerFingerprintVia(app);
      const r = await report({ from: '2026-11-01', to: '2026-11-30' });
      expect(await ledgerFingerprintVia(app)).toBe(before);
      expect(r.name).toBe('collections');
      const all = [...run1, ...run2];
      const currencies = [...new Set(all.map((x) => x.currency))].sort();
      const expectedResults = currencies.flatMap((currency) =>
        [...new Set(all.filter((x) => x.currency === currency).map((x) => x.result))]
          .sort((a, b) => a - b)
          .map((result) => ({
            result,
            currency,
            ...tally(all.filter((x) => x.currency === currency && x.result === result)),
          })),
      );
      expect(
        table(r, 'results').rows.map((x) => ({
          result: x.result,
          currency: x.currency,
          count: x.count,
          amountMinor: x.amountMinor,
        })),
      ).toEqual(expectedResults);
      const named = table(r, 'results').rows.filter((x) => x.currency === 'USD');
      expect(named.find((x) => x.result === 7)).toMatchObject({ name: 'FAIL_DECL_SOFT', class: 'soft' });
      expect(named.find((x) => x.result === 8)).toMatchObject({ name: 'FAIL_DECL_HARD', class: 'hard' });
      expect(named.find((x) => x.result === 6)).toMatchObject({
        name: 'SRVC_UNAVAIL',
        class: 'communication',
      });
      expect(named.find((x) => x.result === 0)).toMatchObject({ name: 'PASS', class: 'approved' });

      const usd = (rs: SimRecord[]) => rs.filter((x) => x.currency === 'USD');
      expect(table(r, 'classes').rows.filter((x) => x.currency === 'USD')).toEqual([
        { class: 'approved', currency: 'USD', ...tally(usd(all).filter((x) => x.result === 0)) },
        { class: 'soft', currency: 'USD', ...tally(usd(all).filter((x) => x.result === 7)) },
        { class: 'hard', currency: 'USD', ...tally(usd(all).filter((x) => x.result === 8)) },
        { class: 'communication', currency: 'USD', ...tally(usd(all).filter((x) => x.result === 6)) },
      ]);

      // Runs: run 1, the SEPA file, run 2 in time order; per currency attempts, collected and declined.
      const runs = table(r, 'runs').rows;
      expect(runs.map((x) => [x.source, x.currency])).toEqual([
        ...[...new Set(run1.map((x) => x.currency))].sort().map((c) => ['card', c]),
        ['direct-debit', 'EUR'],
        ...[...new Set(run2.map((x) => x.currency))].sort().map((c) => ['card', c]),
      ]);
      const card1 = runs.find((x) => x.source === 'card' && x.currency === 'USD')!;
      const r1 = usd(run1);
      expect(card1).toMatchObject({
        attempts: r1.length,
        approved: r1.filter((x) => x.result === 0).length,
        collectedMinor: tally(r1.filter((x) => x.result === 0)).amountMinor,
        soft: r1.filter((x) => x.result === 7).length,
        hard: r1.filter((x) => x.result === 8).length,
        declinedMinor: tally(r1.filter((x) => x.result === 7 || x.result === 8)).amountMinor,
        other: r1.filter((x) => x.result === 6).length,
        status: 'done',
      });
      expect(card1.soft).toBeGreaterThan(0);
      expect(card1.hard).toBeGreaterThan(0);
      const file = runs.find((x) => x.source === 'direct-debit')!;
      expect(file).toMatchObject({
        attempts: 3,
        approved: 1,
        collectedMinor: debits[1]!.amountMinor,
        soft: 1,
        hard: 1,
        declinedMinor: debits[0]!.amountMinor + debits[2]!.amountMinor,
        other: 0,
        status: 'sent',
      });
      expect(r.charts.map((c) => c.id)).toEqual([
        ...[...new Set(all.map((x) => x.currency))].sort().map((c) => `results-${c}`),
        ...[...new Set([...all.map((x) => x.currency), 'EUR'])].sort().map((c) => `runs-${c}`),
      ]);
    });

    it('counts retries scheduled and done, and the amounts a retry recovered', async () => {
      const r = await report({ from: '2026-11-01', to: '2026-11-30' });
      const retries = table(r, 'retries').rows.find((x) => x.currency === 'USD')!;
      const soft1 = run1.filter((x) => x.token === acct.S.token);
      const hard = [...run1, ...run2].filter((x) => x.token === acct.H.token);
      const retried = run2.filter((x) => x.token === acct.S.token);
      expect(soft1.length).toBeGreaterThan(0);
      expect(retried.length).toBe(soft1.length);
      expect(retried.every((x) => x.result === 0)).toBe(true);
      // H fell back to manual pay at its hard decline, so run 2 never tried it again.
      expect(hard).toHaveLength(run1.filter((x) => x.token === acct.H.token).length);
      expect(retries).toEqual({
        currency: 'USD',
        declined: soft1.length + hard.length,
        // One soft-decline workflow item (one retry) per account and run.
        scheduled: 1,
        exhausted: 0,
        done: retried.length,
        recovered: retried.length,
        recoveredMinor: tally(retried).amountMinor,
      });
      const rec = table(r, 'recovered');
      expect(rec.rows.map((x) => [x.accountNo, x.declinedName, x.currency, x.amountMinor])).toEqual(
        retried.map((x) => [acct.S.accountNo, 'FAIL_DECL_SOFT', 'USD', x.amountMinor]),
      );
      expect(rec.rows.every((x) => String(x.declinedAt).startsWith('2026-11-22'))).toBe(true);
      expect(rec.rows.every((x) => String(x.recoveredAt).startsWith('2026-11-28'))).toBe(true);
      expect(rec.totals).toEqual([
        { billNo: 'Total', currency: 'USD', amountMinor: tally(retried).amountMinor },
      ]);
    });

    it('lists bank returns by rejection code with their class', async () => {
      const r = await report({ from: '2026-11-01', to: '2026-11-30' });
      expect(
        table(r, 'returns').rows.map((x) => [
          x.bankCode,
          x.rejectionCode,
          x.kind,
          x.class,
          x.currency,
          x.count,
          x.amountMinor,
        ]),
      ).toEqual([
        ['AM04', 'AM04', 'reject', 'soft', 'EUR', 1, debits[0]!.amountMinor],
        ['MD01', 'MD01', 'return', 'hard', 'EUR', 1, debits[2]!.amountMinor],
      ]);
    });

    it('filters by period, operator, currency, account and batch, and refuses unknown ones', async () => {
      const late = await report({ from: '2026-11-27', to: '2026-11-30' });
      expect(table(late, 'runs').rows.every((x) => String(x.startedAt) >= '2026-11-28')).toBe(true);
      expect(table(late, 'results').rows.reduce((s, x) => s + Number(x.count), 0)).toBe(run2.length);
      expect(table(late, 'returns').rows).toEqual([]);

      const op = await report({ from: '2026-11-01', to: '2026-11-30', operator: 'second' });
      expect(table(op, 'results').rows.reduce((s, x) => s + Number(x.count), 0)).toBe(run2.length);
      expect(table(op, 'runs').rows.every((x) => x.source === 'card')).toBe(true);
      expect(table(op, 'returns').rows).toEqual([]);
      expect(op.subtitle).toContain('operator second');

      const eur = await report({ from: '2026-11-01', to: '2026-11-30', currency: 'EUR' });
      expect(eur.tables.flatMap((t) => t.rows).every((x) => x.currency === 'EUR')).toBe(true);
      expect(table(eur, 'results').rows.reduce((s, x) => s + Number(x.count), 0)).toBe(
        [...run1, ...run2].filter((x) => x.currency === 'EUR').length,
      );

      const s = await report({ from: '2026-11-01', to: '2026-11-30', accountNo: acct.S.accountNo });
      expect(table(s, 'results').rows.map((x) => [x.result, x.count])).toEqual([
        [0, run2.filter((x) => x.token === acct.S.token).length],
        [7, run1.filter((x) => x.token === acct.S.token).length],
      ]);
      expect(table(s, 'runs').rows.map((x) => x.label)).toHaveLength(2);

      const batch = await report({ from: '2026-11-01', to: '2026-11-30', batchId: returnBatchId });
      expect(table(batch, 'runs').rows).toEqual([]);
      expect(table(batch, 'results').rows).toEqual([]);
      expect(table(batch, 'returns').rows).toHaveLength(2);

      let error: unknown = null;
      try {
        await report({ operator: 'ghost', accountNo: 'NOPE-1' });
      } catch (err) {
        if (!(err instanceof AppFailure)) throw err;
        error = err.error;
      }
      expect(error).toMatchObject({
        code: 'validation',
        issues: [
          { path: 'filters.operator', message: 'no operator with login ghost' },
          { path: 'filters.accountNo', message: 'no account with number NOPE-1' },
        ],
      });
    });
  });
});
