import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { recordPayment } from '../../src-main/ledger/record-payment';
import {
  listExportRuns,
  runExport,
  watermarkOf,
  type ExportInput,
} from '../../src-main/services/exports/run';
import type { ExportRunDto } from '../../src-shared/dto/reports';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { alikeOn, answer, failure, type Answer } from '../helpers/alike';
import { clockedApp, suspenseScenario, type ClockedApp } from '../helpers/gl-scenario';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { usdAccounts } from '../helpers/suspense';

// Issue #17: the exports to billing (posted) and G/L run through the storage port. The same worked ledger (built by
// the services on SQLite, copied row for row to PostgreSQL, then posted to through the port on each) exports the
// same bytes on both databases (the same names, sha256 and sizes), records the same run and audit rows, refuses
// alike writing nothing, keeps its crash point (files written, no run: the re-run writes the same files), and of
// several watermark exports of one kind at once exactly one records its run: no range twice, no record in two files.

const NOW = new Date('2026-12-06T09:00:00Z');

type Db = { dialect: Dialect; name: string; storage: Storage; dir: string; dispose: () => Promise<void> };

let app: ClockedApp;
let dbs: Db[] = [];
let tester: number;
let accounts: string[];

beforeAll(async () => {
  app = clockedApp('2026-11-22T09:00:00Z');
  await suspenseScenario(app);
  tester = app.ctx.operator.id;
  accounts = usdAccounts(app, 4, 20).map((a) => a.accountNo);
  dbs = [
    {
      dialect: 'sqlite',
      name: 'sqlite',
      storage: app.ctx.storage,
      dir: join(app.dir, 'sqlite'),
      dispose: async () => {},
    },
  ];
  if (STORAGES[1]!.available)
    for (const icu of [false, true]) {
      const pg = await freshPostgres({ icu });
      await copyToPostgres(app.ctx.ledger.sqlite, pg.storage);
      dbs.push({
        dialect: 'postgres',
        name: icu ? 'postgres-icu' : 'postgres',
        storage: pg.storage,
        dir: join(app.dir, icu ? 'postgres-icu' : 'postgres'),
        dispose: pg.dispose,
      });
    }
  for (const db of dbs) mkdirSync(db.dir);
}, 60_000);
afterAll(async () => {
  for (const db of dbs) await db.dispose();
  app?.dispose();
});

const env = (db: Db, now = NOW) => ({ storage: db.storage, ledgerFile: app.file, now, operatorId: tester });
const exportOn = (db: Db, input: ExportInput, sub = 'out'): Promise<ExportRunDto> =>
  runExport(env(db), { ...input, out: input.out ?? join(db.dir, sub) });

/** A run as every database should answer it: its files by name, not by the folder each database wrote to. */
const named = (r: ExportRunDto) => ({ ...r, files: r.files.map((f) => ({ ...f, path: basename(f.path) })) });

/** The bytes of a run's files. */
const bytesOf = (r: ExportRunDto): Buffer[] => r.files.map((f) => readFileSync(f.path));

/** The records of a run's JSON Lines file. */
const recordsOf = (r: ExportRunDto): Record<string, unknown>[] =>
  readFileSync(r.files.find((f) => f.format === 'jsonl')!.path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** A path in stored JSON as its file name: each database writes to its own folder. */
const unfolder = (json: string | null): unknown =>
  json === null
    ? null
    : (JSON.parse(json, (k, v: unknown) => (k === 'path' ? basename(v as string) : v)) as unknown);

/** Every row an export writes: its runs and their audit rows, comparable across databases. */
async function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      runs: (
        await tx.all<Record<string, unknown> & { files_json: string }>(
          sql`SELECT id, kind, mode, from_journal_id, to_journal_id, from_allocation_id, to_allocation_id, from_date,
                to_date, records, files_json, at, operator_id FROM export_runs ORDER BY id`,
        )
      ).map((r) => ({ ...r, files_json: unfolder(r.files_json) })),
      audit: (
        await tx.all<Record<string, unknown> & { after: string | null }>(
          sql`SELECT id, at, operator_id, action, entity, entity_id, before, after, reason_code FROM audit_log
              WHERE action = 'export.run' ORDER BY id`,
        )
      ).map((r) => ({ ...r, after: unfolder(r.after) })),
    }),
    { readOnly: true },
  );
}

const watermark = (db: Db, kind: 'posted' | 'gl') =>
  db.storage.transaction((tx) => watermarkOf(tx, kind), { readOnly: true });

/** Posts the same payment on every database through the port (the same ids follow on each). */
async function postOnAll(accountNo: string, amount: string, key: string, now: Date): Promise<number> {
  const ids = [];
  for (const db of dbs)
    ids.push(
      (
        await recordPayment(
          db.storage,
          { accountNo, amount, payType: 10012, channelId: 0, allocate: 'auto', sourceKey: key },
          now,
          tester,
        )
      ).paymentId,
    );
  expect(new Set(ids).size).toBe(1);
  return ids[0]!;
}

/**
 * The same export on every database: the same run (files by name), the same bytes, and the same rows written;
 * answers the SQLite run.
 */
async function sameExport(input: ExportInput, sub = 'out'): Promise<ExportRunDto> {
  const runs: ExportRunDto[] = [];
  for (const db of dbs) runs.push(await exportOn(db, input, sub));
  const [first, ...rest] = runs;
  for (const [i, r] of rest.entries()) {
    expect(named(r), dbs[i + 1]!.name).toEqual(named(first!));
    expect(bytesOf(r), dbs[i + 1]!.name).toEqual(bytesOf(first!));
  }
  for (const f of first!.files)
    expect(createHash('sha256').update(readFileSync(f.path)).digest('hex')).toBe(f.sha256);
  const rows = await Promise.all(dbs.map((db) => written(db.storage)));
  for (const [i, r] of rows.entries()) expect(r, dbs[i]!.name).toEqual(rows[0]);
  return first!;
}

const ids = (storage: Storage, table: 'journals' | 'allocations') =>
  storage.transaction(
    async (tx) =>
      (await tx.all<{ id: number }>(sql`SELECT id FROM ${sql.raw(table)} ORDER BY id`)).map((r) => r.id),
    { readOnly: true },
  );

describe('exports on both databases', () => {
  it('the first watermark exports write the same bytes, run and audit rows on both', async () => {
    const posted = await sameExport({ kind: 'posted' });
    const journals = await ids(app.ctx.storage, 'journals');
    const allocations = await ids(app.ctx.storage, 'allocations');
    expect(posted).toMatchObject({
      mode: 'watermark',
      journals: { from: 0, to: journals.at(-1) },
      allocations: { from: 0, to: allocations.at(-1) },
      operator: 'tester',
    });
    const recs = recordsOf(posted);
    expect(new Set(recs.map((r) => r.journalId).filter((j) => j !== null))).toEqual(new Set(journals));
    expect(recs.filter((r) => r.allocationId !== null).map((r) => r.allocationId)).toEqual(allocations);
    // The scenario's suspense moves and G/L IDs, read the same on both.
    expect(recs.filter((r) => r.glId === 112).map((r) => [r.recordType, r.amount])).toEqual([
      ['suspense_unallocatable', '-80.00'],
    ]);
    expect(recs.some((r) => r.recordType === 'ar_opening')).toBe(true);

    const gl = await sameExport({ kind: 'gl' });
    const lines = recordsOf(gl);
    expect(gl.records).toBe(lines.length);
    expect(lines.filter((l) => l.journalKind === 'suspense_distribute').map((l) => [l.glId, l.side])).toEqual(
      [
        [113, 'debit'],
        [113, 'credit'],
        [113, 'credit'],
      ],
    );
  });

  it('new postings through the port: the next run holds exactly them; a period re-export is the same on both', async () => {
    const before = await watermark(dbs[0]!, 'posted');
    const p1 = await postOnAll(accounts[0]!, '25.00', 'both-exp-1', new Date('2026-12-06T10:00:00Z'));
    const p2 = await postOnAll(accounts[1]!, '7.50', 'both-exp-2', new Date('2026-12-06T10:05:00Z'));
    const next = await sameExport({ kind: 'posted' });
    expect(next.journals.from).toBe(before.toJournalId);
    const recs = recordsOf(next);
    expect(
      recs.filter((r) => r.journalId !== null).map((r) => [r.recordType, r.paymentId, r.amount]),
    ).toEqual([
      ['payment', p1, '25.00'],
      ['payment', p2, '7.50'],
    ]);
    expect(recs.filter((r) => r.recordType === 'allocation').map((r) => r.paymentId)).toContain(p1);
    expect((await sameExport({ kind: 'gl' })).records).toBeGreaterThan(0);

    // A month on purpose: the same bytes on each database, twice, and the watermark stays.
    const wm = await Promise.all(dbs.map((db) => watermark(db, 'posted')));
    const december = await sameExport({ kind: 'posted', period: '2026-12' });
    expect(december).toMatchObject({ mode: 'range', fromDate: '2026-12-01', toDate: '2026-12-31' });
    expect(december.files.map((f) => basename(f.path))).toEqual([
      'posted_2026-12-01_2026-12-31.csv',
      'posted_2026-12-01_2026-12-31.jsonl',
    ]);
    const again = await sameExport({ kind: 'posted', from: '2026-12-01', to: '2026-12-31' });
    expect(again.files).toEqual(december.files);
    expect(recordsOf(december).some((r) => r.recordType === 'ar_opening')).toBe(false);
    const glNov = await sameExport({ kind: 'gl', from: '2026-11-01', to: '2026-11-30' });
    expect(recordsOf(glNov).every((r) => (r.postedAt as string).startsWith('2026-11'))).toBe(true);
    expect(await Promise.all(dbs.map((db) => watermark(db, 'posted')))).toEqual(wm);

    const lists = await Promise.all(
      dbs.map(async (db) => (await listExportRuns(db.storage, { limit: 50 })).map(named)),
    );
    for (const l of lists) expect(l).toEqual(lists[0]);
    expect(lists[0]!.map((r) => r.id)).toEqual([...lists[0]!.map((r) => r.id)].sort((a, b) => b - a));
    const glOnly = await listExportRuns(dbs.at(-1)!.storage, { kind: 'gl', limit: 2 });
    expect(glOnly.map((r) => [r.kind, r.mode])).toEqual([
      ['gl', 'range'],
      ['gl', 'watermark'],
    ]);
  });

  it('a folder that cannot be made is refused alike and nothing is written', async () => {
    const blocker = join(app.dir, 'a-file');
    writeFileSync(blocker, 'in the way');
    const { refused } = alikeOn(dbs, written);
    const error = await refused((db) => runExport(env(db), { kind: 'posted', out: join(blocker, 'sub') }));
    expect(error).toMatchObject({ code: 'validation', issues: [{ path: 'out' }] });
  });

  it('a crash after the files are written records nothing; the re-run writes the same range and bytes on both', async () => {
    await postOnAll(accounts[2]!, '9.99', 'both-exp-crash-1', new Date('2026-12-06T11:00:00Z'));
    const crashed: Buffer[][] = [];
    for (const db of dbs) {
      const before = await written(db.storage);
      const wm = await watermark(db, 'posted');
      const out = join(db.dir, 'crash');
      expect(
        await failure(
          runExport(
            {
              ...env(db),
              afterWrite: () => {
                throw new Error('simulated crash');
              },
            },
            { kind: 'posted', out },
          ),
        ),
      ).toMatchObject({ message: 'simulated crash' });
      expect(await written(db.storage)).toEqual(before);
      expect(await watermark(db, 'posted')).toEqual(wm);
      crashed.push(
        readdirSync(out)
          .sort()
          .map((n) => readFileSync(join(out, n))),
      );
    }
    for (const c of crashed) expect(c).toEqual(crashed[0]);
    // More is posted before the re-run: it still covers exactly what the crashed run wrote; the next the rest.
    await postOnAll(accounts[3]!, '1.11', 'both-exp-crash-2', new Date('2026-12-06T11:05:00Z'));
    const again = await sameExport({ kind: 'posted' }, 'crash');
    expect(again.journals.to - again.journals.from).toBe(1);
    expect(bytesOf(again)).toEqual(crashed[0]!.slice(0, 2));
    const rest = await sameExport({ kind: 'posted' }, 'crash');
    expect(rest.journals.from).toBe(again.journals.to);
    expect(
      recordsOf(rest)
        .filter((r) => r.journalId !== null)
        .map((r) => r.amount),
    ).toEqual(['1.11']);
  });
});

describe('exports at once', () => {
  const N = 6;

  /** Posts a payment on one database through the port. */
  const post = (db: Db, i: number, key: string, at: Date) =>
    recordPayment(
      db.storage,
      {
        accountNo: accounts[i]!,
        amount: '3.00',
        payType: 10012,
        channelId: 0,
        allocate: 'auto',
        sourceKey: key,
      },
      at,
      tester,
    );

  it.each(['posted', 'gl'] as const)(
    'of %s exports started at once (two folders, two ranges) one records its run; no record is in two files',
    async (kind) => {
      for (const [d, db] of dbs.entries()) {
        const at = (i: number) => new Date(Date.UTC(2026, 11, 7, 9, d, i));
        const folders = [join(db.dir, `race-${kind}-a`), join(db.dir, `race-${kind}-b`)];
        // News before the race, so the exports have a step to take.
        await post(db, 3, `race-${kind}-news`, at(0));
        const wm = await watermark(db, kind);
        const runsBefore = (await written(db.storage)).runs.length;
        // Every export reads and writes its files before any records its run: they all race for one step.
        let arrived = 0;
        const waiting: (() => void)[] = [];
        const arrivedAll = (n: number) =>
          new Promise<void>((resolve) => (arrived >= n ? resolve() : waiting.push(resolve)));
        let release!: () => void;
        const allWritten = new Promise<void>((r) => (release = r));
        const afterWrite = async (): Promise<void> => {
          arrived++;
          for (const w of waiting.splice(0)) w();
          await allWritten;
        };
        const wave = (folder: string, from: number) =>
          Array.from({ length: N / 2 }, (_, i) =>
            answer(runExport({ ...env(db, at(from + i)), afterWrite }, { kind, out: folder })),
          );
        // Half into one folder; one more payment; half into another folder (where the first half's files are not
        // there to pin the range), so the racers cover two different ranges from the same watermark.
        const first = wave(folders[0]!, 1);
        while (arrived < N / 2) await arrivedAll(N / 2);
        await post(db, 0, `race-${kind}-between`, at(4));
        const second = wave(folders[1]!, 5);
        while (arrived < N) await arrivedAll(N);
        release();
        const outcomes: Answer[] = await Promise.all([...first, ...second]);

        const won = outcomes.filter((o): o is { value: ExportRunDto } => 'value' in o).map((o) => o.value);
        expect(won, db.name).toHaveLength(1);
        expect(outcomes.filter((o) => 'error' in o).map((o) => 'error' in o && o.error)).toEqual(
          Array(N - 1).fill(expect.objectContaining({ code: 'conflict', rule: 'export-watermark-moved' })),
        );
        const winner = won[0]!;
        expect(winner.journals.from).toBe(wm.toJournalId);
        const after = await written(db.storage);
        expect(after.runs.length, db.name).toBe(runsBefore + 1);
        expect(after.audit.length).toBe(after.runs.length);
        // Only the winner's files are left in either folder: the other folder's losers, of the other range, took
        // theirs back.
        const left = folders.flatMap((f) => readdirSync(f).map((n) => join(f, n)));
        expect(left.sort(), db.name).toEqual(winner.files.map((f) => f.path).sort());
        // The next run takes exactly the rest: every journal (and allocation) in one file only.
        const rest = await runExport(env(db, at(N + 2)), { kind, out: folders[1]! });
        expect(rest.journals.from).toBe(winner.journals.to);
        const journalsOf = (r: ExportRunDto) =>
          new Set(recordsOf(r).flatMap((x) => (x.journalId === null ? [] : [x.journalId as number])));
        const [mine, theirs] = [journalsOf(winner), journalsOf(rest)];
        expect(
          [...mine].filter((j) => theirs.has(j)),
          db.name,
        ).toEqual([]);
        const newJournals = (await ids(db.storage, 'journals')).filter((j) => j > wm.toJournalId);
        expect(
          [...mine, ...theirs].sort((a, b) => a - b),
          db.name,
        ).toEqual(newJournals);
        const seen = [...recordsOf(winner), ...recordsOf(rest)];
        if (kind === 'posted') {
          const allocs = seen.flatMap((r) => (r.allocationId === null ? [] : [r.allocationId as number]));
          const newAllocs = (await ids(db.storage, 'allocations')).filter((a) => a > wm.toAllocationId);
          expect(
            allocs.sort((a, b) => a - b),
            db.name,
          ).toEqual(newAllocs);
        } else {
          const lines = seen.map((r) => r.lineId as number);
          expect(new Set(lines).size, db.name).toBe(lines.length);
        }
      }
    },
    30_000,
  );
});
