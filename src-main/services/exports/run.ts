import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import type { ExportFileDto, ExportRunDto } from '../../../src-shared/dto/reports';
import { writeAudit } from '../../ledger/audit';
import { crashPoint } from '../../ledger/crash-point';
import { conflict } from '../../ledger/errors';
import { nextDay } from '../reports/gl';
import { ensureFolder, toCsv, toJsonl, writeFileAtomic } from './files';
import { GL_FIELDS, glRecords, POSTED_FIELDS, postedRecords, type ExportScope } from './records';

/** What an export is asked for: the kind, the folder, and a range on purpose (else since the watermark). */
export type ExportInput = {
  kind: 'posted' | 'gl';
  out?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  period?: string | undefined;
};

/** What an export needs from outside. */
export type ExportEnv = {
  db: Database.Database;
  ledgerFile: string;
  now: Date;
  operatorId: number | null;
  /** Called after the files are written and before the run is recorded (crash tests). */
  afterWrite?: (() => void) | undefined;
};

/** The default folder of exports: `exports/` next to the ledger file. */
export function defaultExportDir(ledgerFile: string): string {
  return join(dirname(ledgerFile), 'exports');
}

/** The first and last day of a YYYY-MM month. */
export function periodDays(period: string): { from: string; to: string } {
  const year = Number(period.slice(0, 4));
  const month = Number(period.slice(5, 7));
  // Day 0 of the next month is the last day of this one.
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return { from: `${period}-01`, to: `${period}-${String(last).padStart(2, '0')}` };
}

const pad = (n: number): string => String(n).padStart(6, '0');

/** The file name stem of an export: from its kind and its range only, so a re-run of a range has the same name. */
export function exportStem(kind: 'posted' | 'gl', scope: ExportScope): string {
  if (scope.mode === 'range') return `${kind}_${scope.from}_${scope.to}`;
  const j = `j${pad(scope.journals.from)}-${pad(scope.journals.to)}`;
  return kind === 'posted'
    ? `${kind}_${j}_a${pad(scope.allocations.from)}-${pad(scope.allocations.to)}`
    : `${kind}_${j}`;
}

type Watermark = { toJournalId: number; toAllocationId: number };

/**
 * The upper ends (journal, allocation) of unrecorded watermark files of a kind in a folder that start at the current
 * watermark: what a run that crashed after writing them covered (a recorded run's files start below the watermark,
 * or are empty). The narrowest one wins when several crashed.
 */
export function leftoverRange(
  dir: string,
  kind: 'posted' | 'gl',
  wm: Watermark,
): { j: number; a: number } | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const re =
    kind === 'posted'
      ? /^posted_j(\d{6,})-(\d{6,})_a(\d{6,})-(\d{6,})\.(?:csv|jsonl)$/
      : /^gl_j(\d{6,})-(\d{6,})\.(?:csv|jsonl)$/;
  let best: { j: number; a: number } | null = null;
  for (const name of names) {
    const m = re.exec(name);
    if (!m) continue;
    const [fromJ, toJ, fromA, toA] = [m[1], m[2], m[3] ?? '0', m[4] ?? '0'].map(Number) as [
      number,
      number,
      number,
      number,
    ];
    if (fromJ !== wm.toJournalId || toJ < fromJ) continue;
    if (kind === 'posted' && (fromA !== wm.toAllocationId || toA < fromA)) continue;
    // An empty range is what a recorded run without news leaves at the watermark: nothing to repeat.
    if (toJ === fromJ && toA === fromA) continue;
    if (!best || toJ < best.j || (toJ === best.j && toA < best.a))
      best = { j: toJ, a: kind === 'posted' ? toA : 0 };
  }
  return best;
}

/** The watermark of a kind: where its last watermark-mode run ended (0, 0 before the first). */
export function watermarkOf(db: Database.Database, kind: 'posted' | 'gl'): Watermark {
  const row = db
    .prepare(
      `SELECT to_journal_id AS toJournalId, to_allocation_id AS toAllocationId FROM export_runs
       WHERE kind = ? AND mode = 'watermark' ORDER BY id DESC LIMIT 1`,
    )
    .get(kind) as Watermark | undefined;
  return row ?? { toJournalId: 0, toAllocationId: 0 };
}

/** What a run covers, in ids (watermark mode: the scope itself; range mode: the ids the dates hold). */
type Covered = { journals: { from: number; to: number }; allocations: { from: number; to: number } };

function coveredOf(db: Database.Database, kind: 'posted' | 'gl', scope: ExportScope): Covered {
  if (scope.mode === 'watermark') return { journals: scope.journals, allocations: scope.allocations };
  const end = nextDay(scope.to);
  const ids = (table: 'journals' | 'allocations', col: string): { from: number; to: number } => {
    const r = db
      .prepare(
        `SELECT coalesce(min(id) - 1, 0) AS "from", coalesce(max(id), 0) AS "to" FROM ${table} WHERE ${col} >= ? AND ${col} < ?`,
      )
      .get(scope.from, end) as { from: number; to: number };
    return r;
  };
  return {
    journals: ids('journals', 'at'),
    allocations: kind === 'posted' ? ids('allocations', 'created_at') : { from: 0, to: 0 },
  };
}

/**
 * Exports what was posted, as CSV and JSON Lines, for the billing system (`posted`: payments, reversals, suspense
 * moves, fees, refunds, returns, allocations and their undo) or the general ledger (`gl`: journal lines by G/L ID).
 * Without a range it covers everything since the kind's watermark (journals and allocations with ids above where
 * the last watermark run ended, up to the newest) and advances it; with a range (posting dates, or a month) it is a
 * re-export on purpose that leaves the watermark alone. The files are named from the kind and the range and hold no
 * run time, so a re-run of a range writes the same bytes. Files are written (atomically) first and the run is
 * recorded after, in one transaction with its audit row: a crash in between leaves the watermark where it was and
 * the re-run writes the same files again. Reads the ledger only.
 */
export function runExport(env: ExportEnv, input: ExportInput): ExportRunDto {
  const { db, kind } = { db: env.db, kind: input.kind };
  const range =
    input.period !== undefined
      ? periodDays(input.period)
      : input.from !== undefined && input.to !== undefined
        ? { from: input.from, to: input.to }
        : null;
  const outDir = input.out ?? defaultExportDir(env.ledgerFile);
  // One read transaction: the scope, the records and the covered ids all see the same ledger.
  const read = db.transaction(() => {
    let scope: ExportScope;
    if (range) scope = { mode: 'range', ...range };
    else {
      const wm = watermarkOf(db, kind);
      // Files of a run that crashed before it was recorded: the re-run covers exactly their range again (and
      // writes the same bytes), even when more was posted since; the next run takes the rest.
      const max = leftoverRange(outDir, kind, wm) ?? {
        j: Number.POSITIVE_INFINITY,
        a: Number.POSITIVE_INFINITY,
      };
      const newest = db
        .prepare(
          `SELECT (SELECT coalesce(max(id), 0) FROM journals) AS j, (SELECT coalesce(max(id), 0) FROM allocations) AS a`,
        )
        .get() as { j: number; a: number };
      max.j = Math.min(max.j, newest.j);
      max.a = Math.min(max.a, newest.a);
      scope = {
        mode: 'watermark',
        journals: { from: wm.toJournalId, to: Math.max(wm.toJournalId, max.j) },
        allocations:
          kind === 'posted'
            ? { from: wm.toAllocationId, to: Math.max(wm.toAllocationId, max.a) }
            : { from: 0, to: 0 },
      };
    }
    const csvJsonl =
      kind === 'posted'
        ? ((r) => ({ records: r.length, csv: toCsv(POSTED_FIELDS, r), jsonl: toJsonl(POSTED_FIELDS, r) }))(
            postedRecords(db, scope),
          )
        : ((r) => ({ records: r.length, csv: toCsv(GL_FIELDS, r), jsonl: toJsonl(GL_FIELDS, r) }))(
            glRecords(db, scope),
          );
    return { scope, covered: coveredOf(db, kind, scope), ...csvJsonl };
  });
  const { scope, covered, records, csv, jsonl } = read();

  ensureFolder(outDir);
  const stem = exportStem(kind, scope);
  const files: ExportFileDto[] = (
    [
      ['csv', csv],
      ['jsonl', jsonl],
    ] as const
  ).map(([format, text]) => {
    const path = join(outDir, `${stem}.${format}`);
    return { format, path, ...writeFileAtomic(path, text) };
  });
  env.afterWrite?.();
  crashPoint();

  const at = env.now.toISOString();
  const id = db
    .transaction(() => {
      if (scope.mode === 'watermark') {
        // Two exports at once: only the first to record its run may advance the watermark.
        const wm = watermarkOf(db, kind);
        if (
          wm.toJournalId !== scope.journals.from ||
          (kind === 'posted' && wm.toAllocationId !== scope.allocations.from)
        )
          throw conflict(
            'export-watermark-moved',
            `another ${kind} export advanced the watermark to journal ${wm.toJournalId} meanwhile: run the export again`,
          );
      }
      const filesJson = JSON.stringify(
        files.map((f) => ({
          format: f.format,
          name: `${stem}.${f.format}`,
          path: f.path,
          sha256: f.sha256,
          bytes: f.bytes,
        })),
      );
      const runId = Number(
        db
          .prepare(
            `INSERT INTO export_runs (kind, mode, from_journal_id, to_journal_id, from_allocation_id, to_allocation_id,
               from_date, to_date, records, files_json, at, operator_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            kind,
            scope.mode,
            covered.journals.from,
            covered.journals.to,
            covered.allocations.from,
            covered.allocations.to,
            range?.from ?? null,
            range?.to ?? null,
            records,
            filesJson,
            at,
            env.operatorId,
          ).lastInsertRowid,
      );
      writeAudit(db, {
        at,
        operatorId: env.operatorId,
        action: 'export.run',
        entity: 'export_run',
        entityId: String(runId),
        after: {
          kind,
          mode: scope.mode,
          records,
          journals: covered.journals,
          allocations: covered.allocations,
          fromDate: range?.from ?? null,
          toDate: range?.to ?? null,
          files: files.map((f) => ({ format: f.format, path: f.path, sha256: f.sha256, bytes: f.bytes })),
        },
      });
      return runId;
    })
    .immediate();
  return loadRun(db, id);
}

type RunRow = {
  id: number;
  kind: 'posted' | 'gl';
  mode: 'watermark' | 'range';
  fromJournalId: number;
  toJournalId: number;
  fromAllocationId: number;
  toAllocationId: number;
  fromDate: string | null;
  toDate: string | null;
  records: number;
  filesJson: string;
  at: string;
  operator: string | null;
};

const RUN_SELECT = `SELECT r.id, r.kind, r.mode, r.from_journal_id AS fromJournalId, r.to_journal_id AS toJournalId,
  r.from_allocation_id AS fromAllocationId, r.to_allocation_id AS toAllocationId, r.from_date AS fromDate,
  r.to_date AS toDate, r.records, r.files_json AS filesJson, r.at, o.login AS operator
  FROM export_runs r LEFT JOIN operators o ON o.id = r.operator_id`;

function runDto(r: RunRow): ExportRunDto {
  const files = JSON.parse(r.filesJson) as (ExportFileDto & { name: string })[];
  return {
    id: r.id,
    kind: r.kind,
    mode: r.mode,
    records: r.records,
    files: files.map((f) => ({ format: f.format, path: f.path, sha256: f.sha256, bytes: f.bytes })),
    journals: { from: r.fromJournalId, to: r.toJournalId },
    allocations: { from: r.fromAllocationId, to: r.toAllocationId },
    fromDate: r.fromDate,
    toDate: r.toDate,
    at: r.at,
    operator: r.operator,
  };
}

/** One recorded export run. */
export function loadRun(db: Database.Database, id: number): ExportRunDto {
  return runDto(db.prepare(`${RUN_SELECT} WHERE r.id = ?`).get(id) as RunRow);
}

/** The recorded export runs, newest first (of one kind, or all). */
export function listExportRuns(
  db: Database.Database,
  q: { kind?: 'posted' | 'gl' | undefined; limit: number },
): ExportRunDto[] {
  const rows = (
    q.kind === undefined
      ? db.prepare(`${RUN_SELECT} ORDER BY r.id DESC LIMIT ?`).all(q.limit)
      : db.prepare(`${RUN_SELECT} WHERE r.kind = ? ORDER BY r.id DESC LIMIT ?`).all(q.kind, q.limit)
  ) as RunRow[];
  return rows.map(runDto);
}
