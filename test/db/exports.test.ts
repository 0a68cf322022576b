import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { ExportRunDto } from '../../src-shared/dto/reports';
import { appendAudit } from '../../db/repos/audit';
import { reversePaymentIn } from '../../src-main/ledger/reversals';
import { newClient, withClient, type Door } from '../../src-main/services/identity/client';
import { runExport, watermarkOf } from '../../src-main/services/exports/run';
import { APPS, type TestApp } from '../helpers/apps';
import { suspenseScenario } from '../helpers/gl-scenario';
import { ledgerFingerprintVia, postPayment, usdAccountsVia, value } from '../helpers/suspense';

// Issue #15, integration out: the posted and G/L exports with their watermark, idempotent files and re-exports;
// on a SQLite file and on PostgreSQL (issue #17).

describe.each(APPS.filter((r) => r.available))('exports ($dialect)', ({ open }) => {
  let app: TestApp;
  let now = new Date('2026-11-22T09:00:00Z');
  const setNow = (iso: string): void => {
    now = new Date(iso);
  };
  let events: string[] = [];

  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => now });
    await suspenseScenario({ ...app, setNow });
    app.subscribe((event) => {
      events.push(event);
    });
  }, 60_000);
  afterAll(async () => {
    await app?.dispose();
  });

  const run = (input: Record<string, unknown>): Promise<ExportRunDto> =>
    value<ExportRunDto>(app.dispatch('exports:run', input));
  const text = (path: string): string => readFileSync(path, 'utf8');
  const jsonl = (run: ExportRunDto): Record<string, unknown>[] =>
    text(run.files.find((f) => f.format === 'jsonl')!.path)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const csvRows = (run: ExportRunDto): Record<string, string>[] =>
    Papa.parse<Record<string, string>>(text(run.files.find((f) => f.format === 'csv')!.path), {
      header: true,
      skipEmptyLines: true,
    }).data;
  const ids = async (query: SQL): Promise<number[]> =>
    (await app.all<{ id: number }>(query)).map((r) => r.id);
  const one = async <T>(query: SQL): Promise<T> => (await app.get<T>(query))!;
  const runsCount = async (): Promise<number> =>
    (await one<{ n: number }>(sql`SELECT count(*) AS "n" FROM export_runs`)).n;
  const watermark = (kind: 'posted' | 'gl') =>
    app.ctx.storage.transaction((tx) => watermarkOf(tx, kind), { readOnly: true });

  /** CSV cells are text: the JSON Lines record written as CSV would write it. */
  const asCsv = (r: Record<string, unknown>): Record<string, string> =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, v === null ? '' : String(v as string | number)]),
    );

  function expectFilesMatch(r: ExportRunDto): void {
    for (const f of r.files) {
      const bytes = readFileSync(f.path);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      expect(bytes.length).toBe(f.bytes);
      expect(statSync(f.path).mode & 0o777).toBe(0o600);
    }
    // The CSV and the JSON Lines hold the same records.
    expect(csvRows(r)).toEqual(jsonl(r).map(asCsv));
  }

  describe('export posted', () => {
    let first: ExportRunDto;
    let out: string;

    it('first run holds everything posted: every journal, payment, reversal and allocation', async () => {
      out = join(app.dir, 'out');
      const before = await ledgerFingerprintVia(app);
      events = [];
      first = await run({ kind: 'posted', out });
      const maxJ = (await one<{ m: number }>(sql`SELECT max(id) AS "m" FROM journals`)).m;
      const maxA = (await one<{ m: number }>(sql`SELECT max(id) AS "m" FROM allocations`)).m;
      expect(first).toMatchObject({
        kind: 'posted',
        mode: 'watermark',
        journals: { from: 0, to: maxJ },
        allocations: { from: 0, to: maxA },
        fromDate: null,
        toDate: null,
        operator: 'tester',
      });
      const recs = jsonl(first);
      expect(recs.map((r) => r.seq)).toEqual(recs.map((_, i) => i + 1));
      expect(new Set(recs.map((r) => r.journalId).filter((j) => j !== null))).toEqual(
        new Set(await ids(sql`SELECT id FROM journals`)),
      );
      expect(recs.filter((r) => r.allocationId !== null).map((r) => r.allocationId)).toEqual(
        await ids(sql`SELECT id FROM allocations ORDER BY id`),
      );
      // The opening balances: one record per currency (a journal no payment points at); then the scenario.
      const openingCurrencies = (
        await one<{ n: number }>(
          sql`SELECT count(DISTINCT currency) AS "n" FROM journal_lines WHERE journal_id = 1`,
        )
      ).n;
      expect(recs.filter((r) => r.recordType === 'ar_opening')).toHaveLength(openingCurrencies);
      expect(
        recs
          .filter((r) => r.journalId !== null && r.journalId !== 1)
          .map((r) => [r.recordType, r.amountMinor, r.currency, r.glId]),
      ).toEqual([
        ['suspense_in', 50000, 'USD', null],
        ['suspense_in', 8000, 'USD', null],
        ['suspense_in', 3333, 'USD', null],
        ['suspense_distribute', 20000, 'USD', 113],
        ['suspense_distribute', 30000, 'USD', 113],
        ['suspense_out', -50000, 'USD', 113],
        ['payment', 4000, 'USD', null],
        ['suspense_recycle', 4000, 'USD', 113],
        ['recycle_out', -4000, 'USD', 113],
        ['suspense_unallocatable', -8000, 'USD', 112],
        ['payment', 1234, 'EUR', null],
      ]);
      expect(recs.find((r) => r.recordType === 'payment' && r.currency === 'EUR')).toMatchObject({
        amount: '12.34',
        operator: 'tester',
        postedAt: '2026-12-05T10:00:00.000Z',
        effectiveDate: '2026-12-05',
      });
      const allocated = (await one<{ s: number }>(sql`SELECT sum(amount_minor) AS "s" FROM allocations`)).s;
      expect(
        recs.filter((r) => r.recordType === 'allocation').reduce((n, r) => n + (r.amountMinor as number), 0),
      ).toBe(allocated);
      expect(first.records).toBe(recs.length);
      expect(first.files.map((f) => [f.format, f.path])).toEqual([
        [
          'csv',
          join(
            out,
            `posted_j000000-${String(maxJ).padStart(6, '0')}_a000000-${String(maxA).padStart(6, '0')}.csv`,
          ),
        ],
        [
          'jsonl',
          join(
            out,
            `posted_j000000-${String(maxJ).padStart(6, '0')}_a000000-${String(maxA).padStart(6, '0')}.jsonl`,
          ),
        ],
      ]);
      expectFilesMatch(first);
      // It moved no money, announced no ledger change, and audited itself.
      expect(await ledgerFingerprintVia(app)).toBe(before);
      expect(events).not.toContain('ledger:changed');
      const audit = await one<{ entityId: string; after: string }>(
        sql`SELECT entity_id AS "entityId", after FROM audit_log WHERE action = 'export.run' ORDER BY id DESC LIMIT 1`,
      );
      expect(audit.entityId).toBe(String(first.id));
      expect(JSON.parse(audit.after)).toMatchObject({
        kind: 'posted',
        mode: 'watermark',
        records: first.records,
      });
    });

    it('a second run without new postings is empty, and still writes its files and records the run', async () => {
      const second = await run({ kind: 'posted', out });
      expect(second).toMatchObject({
        records: 0,
        mode: 'watermark',
        journals: { from: first.journals.to, to: first.journals.to },
        allocations: { from: first.allocations.to, to: first.allocations.to },
      });
      expect(second.id).toBe(first.id + 1);
      const [csv, jl] = second.files;
      expect(text(csv!.path)).toBe(
        'seq,recordType,journalId,journalKind,allocationId,postedAt,effectiveDate,paymentId,accountNo,billNo,itemNo,amountMinor,amount,currency,glId,reasonCode,batchNo,externalRef,operator\n',
      );
      expect(text(jl!.path)).toBe('');
      expect(jl!.sha256).toBe(createHash('sha256').update('').digest('hex'));
    });

    it('after new postings the next run holds exactly those, in posting order', async () => {
      const [x, y] = await usdAccountsVia(app, 2, 10);
      const wmJ = (await one<{ m: number }>(sql`SELECT max(id) AS "m" FROM journals`)).m;
      const wmA = (await one<{ m: number }>(sql`SELECT max(id) AS "m" FROM allocations`)).m;
      setNow('2026-12-10T10:00:00Z');
      const p1 = await postPayment(app, x!.accountNo, '25.00');
      setNow('2026-12-10T10:01:00Z');
      await value(app.dispatch('allocation:undo', { paymentId: p1, reasonCode: 4001 }));
      setNow('2026-12-10T10:02:00Z');
      const p2 = await postPayment(app, y!.accountNo, '15.00');
      setNow('2026-12-10T10:03:00Z');
      await app.ctx.storage.transaction(async (tx) => {
        const at = '2026-12-10T10:03:00.000Z';
        const auditId = await appendAudit(tx, {
          at,
          operatorId: app.ctx.operator.id,
          action: 'payment.reverse',
          entity: 'payment',
          entityId: String(p2),
        });
        await reversePaymentIn(
          tx,
          { paymentId: p2, reasonCode: 4001, idemKey: `test-reverse-${p2}` },
          at,
          '2026-12-10',
          app.ctx.operator.id,
          auditId,
        );
      });
      const third = await run({ kind: 'posted', out });
      const allocs = (
        await app.all<{ id: number; p: number; a: number }>(
          sql`SELECT id, payment_id AS "p", amount_minor AS "a" FROM allocations WHERE id > ${wmA} ORDER BY id`,
        )
      ).map((r) => [r.a < 0 ? 'allocation_undo' : 'allocation', r.p, r.a, r.id]);
      const p1Allocs = allocs.filter((a) => a[1] === p1);
      const p2Allocs = allocs.filter((a) => a[1] === p2);
      // P1 allocated then undone; P2 allocated then unwound by its reversal.
      expect(p1Allocs.filter((a) => a[0] === 'allocation').reduce((n, a) => n + (a[2] as number), 0)).toBe(
        2500,
      );
      expect(p1Allocs.reduce((n, a) => n + (a[2] as number), 0)).toBe(0);
      expect(p2Allocs.reduce((n, a) => n + (a[2] as number), 0)).toBe(0);
      const [jP1, jP2, jRev] = await ids(sql`SELECT id FROM journals WHERE id > ${wmJ} ORDER BY id`);
      const got = jsonl(third).map((r) =>
        r.journalId !== null
          ? [r.recordType, r.paymentId, r.amountMinor, r.journalId]
          : [r.recordType, r.paymentId, r.amountMinor, r.allocationId],
      );
      expect(got).toEqual([
        ['payment', p1, 2500, jP1],
        ...p1Allocs.filter((a) => a[0] === 'allocation'),
        ...p1Allocs.filter((a) => a[0] === 'allocation_undo'),
        ['payment', p2, 1500, jP2],
        ...p2Allocs.filter((a) => a[0] === 'allocation'),
        ['reversal', p2, -1500, jRev],
        ...p2Allocs.filter((a) => a[0] === 'allocation_undo'),
      ]);
      expect(third).toMatchObject({
        records: got.length,
        journals: { from: wmJ, to: jRev },
        allocations: { from: wmA, to: allocs.at(-1)![3] },
      });
      expect(jsonl(third).find((r) => r.recordType === 'reversal')).toMatchObject({
        accountNo: y!.accountNo,
        reasonCode: 4001,
        amount: '-15.00',
      });
      expectFilesMatch(third);
    });

    it('a range re-export writes the same bytes each time and leaves the watermark alone', async () => {
      const wm = await watermark('posted');
      const runs = await runsCount();
      const a = await run({ kind: 'posted', out, from: '2026-12-01', to: '2026-12-31' });
      const b = await run({ kind: 'posted', out, from: '2026-12-01', to: '2026-12-31' });
      const c = await run({ kind: 'posted', out, period: '2026-12' });
      expect(a).toMatchObject({ mode: 'range', fromDate: '2026-12-01', toDate: '2026-12-31' });
      expect(a.files.map((f) => f.path)).toEqual([
        join(out, 'posted_2026-12-01_2026-12-31.csv'),
        join(out, 'posted_2026-12-01_2026-12-31.jsonl'),
      ]);
      expect(b.files).toEqual(a.files);
      expect(c.files).toEqual(a.files);
      expect(c).toMatchObject({
        mode: 'range',
        fromDate: '2026-12-01',
        toDate: '2026-12-31',
        records: a.records,
      });
      expectFilesMatch(a);
      // December holds everything but the November opening balances.
      const recs = jsonl(a);
      expect(recs.some((r) => r.recordType === 'ar_opening')).toBe(false);
      expect(new Set(recs.map((r) => r.journalId).filter((j) => j !== null))).toEqual(
        new Set(await ids(sql`SELECT id FROM journals WHERE id > 1`)),
      );
      expect(a.journals).toEqual({
        from: 1,
        to: (await one<{ m: number }>(sql`SELECT max(id) AS "m" FROM journals`)).m,
      });
      expect(await runsCount()).toBe(runs + 3);
      expect(await watermark('posted')).toEqual(wm);
      expect((await run({ kind: 'posted', out })).records).toBe(0);
      // A month with nothing posted: empty files, named by its days.
      const feb = await run({ kind: 'posted', out, period: '2027-02' });
      expect(feb).toMatchObject({ records: 0, fromDate: '2027-02-01', toDate: '2027-02-28' });
      expect(feb.files[0]!.path).toBe(join(out, 'posted_2027-02-01_2027-02-28.csv'));
    });

    it('a crash after the files are written and before the run is recorded re-runs to the same range and bytes, even after more postings', async () => {
      const [x] = await usdAccountsVia(app, 1, 14);
      setNow('2026-12-11T09:00:00Z');
      await postPayment(app, x!.accountNo, '9.99', { allocate: 'none' });
      const wm = await watermark('posted');
      const runs = await runsCount();
      const env = {
        storage: app.ctx.storage,
        ledgerFile: app.ctx.ledger.file,
        now: new Date('2026-12-11T09:30:00Z'),
        operatorId: null,
      };
      await expect(
        runExport(
          {
            ...env,
            afterWrite: () => {
              throw new Error('simulated crash');
            },
          },
          { kind: 'posted', out },
        ),
      ).rejects.toThrow('simulated crash');
      expect(await runsCount()).toBe(runs);
      expect(await watermark('posted')).toEqual(wm);
      const stem = `posted_j${String(wm.toJournalId).padStart(6, '0')}-${String(wm.toJournalId + 1).padStart(6, '0')}_a${String(wm.toAllocationId).padStart(6, '0')}-${String(wm.toAllocationId).padStart(6, '0')}`;
      const crashed = readFileSync(join(out, `${stem}.csv`));
      // No temporary file is left behind.
      expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      // More is posted before the re-run: the re-run still covers exactly what the crashed run wrote.
      setNow('2026-12-11T09:10:00Z');
      await postPayment(app, x!.accountNo, '1.11', { allocate: 'none' });
      const again = await runExport(env, { kind: 'posted', out });
      expect(again).toMatchObject({
        records: 1,
        journals: { from: wm.toJournalId, to: wm.toJournalId + 1 },
        allocations: { from: wm.toAllocationId, to: wm.toAllocationId },
        operator: null,
      });
      expect(again.files[0]!.path).toBe(join(out, `${stem}.csv`));
      expect(again.files[0]!.sha256).toBe(createHash('sha256').update(crashed).digest('hex'));
      expect(await watermark('posted')).toEqual({
        toJournalId: wm.toJournalId + 1,
        toAllocationId: wm.toAllocationId,
      });
      // The next run takes the rest: the payment posted after the crash.
      const next = await runExport(env, { kind: 'posted', out });
      expect(next).toMatchObject({
        records: 1,
        journals: { from: wm.toJournalId + 1, to: wm.toJournalId + 2 },
      });
      expect(jsonl(next).map((r) => [r.recordType, r.amountMinor])).toEqual([['payment', 111]]);
    });

    it('of two runs at once only the first to record advances the watermark; the other is a conflict', async () => {
      const [x] = await usdAccountsVia(app, 1, 15);
      setNow('2026-12-12T09:00:00Z');
      await postPayment(app, x!.accountNo, '2.22', { allocate: 'none' });
      const env = {
        storage: app.ctx.storage,
        ledgerFile: app.ctx.ledger.file,
        now: new Date('2026-12-12T09:30:00Z'),
        operatorId: null,
      };
      let inner: ExportRunDto | undefined;
      const runs = await runsCount();
      await expect(
        runExport(
          {
            ...env,
            afterWrite: async () => {
              inner = await runExport(env, { kind: 'posted', out });
            },
          },
          { kind: 'posted', out },
        ),
      ).rejects.toThrow(/another posted export advanced the watermark/);
      expect(inner).toMatchObject({ records: 1 });
      expect(await runsCount()).toBe(runs + 1);
    });
  });

  describe('export gl', () => {
    it('holds every journal line under its G/L ID, balanced per currency, with its own watermark', async () => {
      const out = join(app.dir, 'gl');
      const r = await run({ kind: 'gl', out });
      const lines = (await one<{ n: number }>(sql`SELECT count(*) AS "n" FROM journal_lines`)).n;
      expect(r).toMatchObject({
        kind: 'gl',
        mode: 'watermark',
        records: lines,
        allocations: { from: 0, to: 0 },
      });
      expect(r.files[1]!.path).toBe(join(out, `gl_j000000-${String(r.journals.to).padStart(6, '0')}.jsonl`));
      const recs = jsonl(r);
      expect(recs.map((x) => x.lineId)).toEqual(
        await ids(sql`SELECT id FROM journal_lines ORDER BY journal_id, id`),
      );
      const byCurrency = new Map<string, number>();
      for (const x of recs)
        byCurrency.set(
          x.currency as string,
          (byCurrency.get(x.currency as string) ?? 0) + (x.debitMinor as number) - (x.creditMinor as number),
        );
      expect([...byCurrency.values()].every((v) => v === 0)).toBe(true);
      expect(
        recs
          .filter((x) => x.journalKind === 'suspense_distribute')
          .map((x) => [x.glId, x.glAccount, x.side, x.debit, x.credit]),
      ).toEqual([
        [113, 'SUSPENSE', 'debit', '500.00', '0.00'],
        [113, 'AR', 'credit', '0.00', '200.00'],
        [113, 'AR', 'credit', '0.00', '300.00'],
      ]);
      expect(
        recs.filter((x) => x.glId === 112).map((x) => [x.glAccount, x.debitMinor, x.creditMinor]),
      ).toEqual([
        ['SUSPENSE', 8000, 0],
        ['UNALLOCATABLE', 0, 8000],
      ]);
      expectFilesMatch(r);
      // The G/L watermark is its own: a posted run does not move it.
      expect((await run({ kind: 'gl', out })).records).toBe(0);
      const dec = await run({ kind: 'gl', out, period: '2026-12' });
      expect(dec.files[0]!.path).toBe(join(out, 'gl_2026-12-01_2026-12-31.csv'));
      expect(dec.records).toBe(
        (
          await one<{ n: number }>(
            sql`SELECT count(*) AS "n" FROM journal_lines l JOIN journals j ON j.id = l.journal_id WHERE j.at LIKE '2026-12-%'`,
          )
        ).n,
      );
    });

    it('lists the runs newest first, of one kind or all', async () => {
      const all = await value<ExportRunDto[]>(app.dispatch('exports:list', {}));
      expect(all.map((r) => r.id)).toEqual(await ids(sql`SELECT id FROM export_runs ORDER BY id DESC`));
      const gl = await value<ExportRunDto[]>(app.dispatch('exports:list', { kind: 'gl', limit: 2 }));
      expect(gl.map((r) => [r.kind, r.mode])).toEqual([
        ['gl', 'range'],
        ['gl', 'watermark'],
      ]);
      expect(all.find((r) => r.id === gl[0]!.id)).toEqual(gl[0]);
    });
  });

  describe('export paths', () => {
    function via(door: Door, input: unknown): Promise<Result<unknown>> {
      const client = newClient(door, { operator: app.ctx.operator, via: 'password' });
      return withClient(client, () => app.dispatch('exports:run', input));
    }

    it('a folder named from the desktop window or the bridge is refused and audited; no file, no run', async () => {
      const target = join(app.dir, 'elsewhere');
      for (const door of ['ipc', 'bridge'] as const) {
        const runs = await runsCount();
        const r = await via(door, { kind: 'posted', out: target });
        expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        expect(await runsCount()).toBe(runs);
        const audit = await one<{ entityId: string; after: string }>(
          sql`SELECT entity_id AS "entityId", after FROM audit_log WHERE action = 'forbidden' ORDER BY id DESC LIMIT 1`,
        );
        expect(audit.entityId).toBe('exports:run');
        expect(JSON.parse(audit.after)).toEqual({ door, fields: ['out'] });
      }
      expect(existsSync(target)).toBe(false);
      // Without a folder the app's export goes to exports/ next to the ledger; the command line may name one.
      const inApp = await via('ipc', { kind: 'gl' });
      expect(inApp).toMatchObject({ ok: true });
      expect(
        (inApp as { value: ExportRunDto }).value.files[0]!.path.startsWith(join(app.dir, 'exports') + '/'),
      ).toBe(true);
      expect(await via('cli', { kind: 'gl', out: target })).toMatchObject({ ok: true });
      expect(existsSync(target)).toBe(true);
    });

    it('refuses bad input with the field and the reason, and changes nothing', async () => {
      const runs = await runsCount();
      const bad = async (input: unknown): Promise<string> => {
        const r = await app.dispatch('exports:run', input);
        if (r.ok || r.error.code !== 'validation') throw new Error(`accepted: ${JSON.stringify(input)}`);
        return r.error.message;
      };
      expect(await bad({ kind: 'posted', period: '2026-13' })).toContain('period');
      expect(await bad({ kind: 'posted', from: '2026-12-01' })).toContain('a range needs both from and to');
      expect(
        await bad({ kind: 'posted', period: '2026-12', from: '2026-12-01', to: '2026-12-02' }),
      ).toContain('not both');
      expect(await bad({ kind: 'ledger' })).toContain('kind');
      // A folder that cannot be made (a file is in the way) names the field.
      const inTheWay = join(app.dir, 'in-the-way');
      writeFileSync(inTheWay, '');
      const r = await app.dispatch('exports:run', { kind: 'posted', out: join(inTheWay, 'sub') });
      expect(r).toMatchObject({ ok: false, error: { code: 'validation', issues: [{ path: 'out' }] } });
      expect(await runsCount()).toBe(runs);
    });
  });
});
