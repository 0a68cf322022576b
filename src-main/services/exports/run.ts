import { readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appendAudit } from '../../../db/repos/audit';
import {
  exportsRepo,
  type ExportRunRow,
  type Watermark,
  type WatermarkStep,
} from '../../../db/repos/exports';
import type { Storage, Tx } from '../../../db/storage/port';
import type { ExportFileDto, ExportRunDto } from '../../../src-shared/dto/reports';
import { crashPoint } from '../../ledger/crash-point';
import { conflict } from '../../ledger/errors';
import { nextDay } from '../reports/gl';
import { writeFileAtomic } from '../staged-file';
import { ensureFolder, toCsv, toJsonl } from './files';
import { GL_FIELDS, glRecordsIn, POSTED_FIELDS, postedRecordsIn, type ExportScope } from './records';

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
  storage: Storage;
  ledgerFile: string;
  now: Date;
  operatorId: number | null;
  /** Called after the files are written and before the run is recorded (crash and race tests). */
  afterWrite?: (() => void | Promise<void>) | undefined;
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

/** The names in a folder (none when it does not exist yet). */
function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The upper ends (journal, allocation) of unrecorded watermark files of a kind among a folder's names that start at
 * the current watermark: what a run that crashed after writing them covered (a recorded run's files start below the
 * watermark, or are empty). The narrowest one wins when several crashed.
 */
export function leftoverRange(
  names: readonly string[],
  kind: 'posted' | 'gl',
  wm: Watermark,
): { j: number; a: number } | null {
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
export async function watermarkOf(tx: Tx, kind: 'posted' | 'gl'): Promise<Watermark> {
  const { toJournalId, toAllocationId } = await exportsRepo.watermark(tx, kind);
  return { toJournalId, toAllocationId };
}

/** What a run covers, in ids (watermark mode: the scope itself; range mode: the ids the dates hold). */
type Covered = { journals: { from: number; to: number }; allocations: { from: number; to: number } };

async function coveredIn(tx: Tx, kind: 'posted' | 'gl', scope: ExportScope): Promise<Covered> {
  if (scope.mode === 'watermark') return { journals: scope.journals, allocations: scope.allocations };
  const end = nextDay(scope.to);
  return {
    journals: await exportsRepo.idsBetween(tx, 'journals', scope.from, end),
    allocations:
      kind === 'posted'
        ? await exportsRepo.idsBetween(tx, 'allocations', scope.from, end)
        : { from: 0, to: 0 },
  };
}

/** What one export read: its scope and ids, the watermark run it follows (watermark mode), and the files' text. */
type ExportRead = {
  scope: ExportScope;
  covered: Covered;
  after: number | null;
  records: number;
  csv: string;
  jsonl: string;
};

/** The scope of a run and its records as CSV and JSON Lines, in one open transaction. */
async function readExport(
  tx: Tx,
  kind: 'posted' | 'gl',
  range: { from: string; to: string } | null,
  names: readonly string[],
): Promise<ExportRead> {
  let scope: ExportScope;
  let after: number | null = null;
  if (range) scope = { mode: 'range', ...range };
  else {
    const wm = await exportsRepo.watermark(tx, kind);
    after = wm.runId;
    // Files of a run that crashed before it was recorded: the re-run covers exactly their range again (and
    // writes the same bytes), even when more was posted since; the next run takes the rest.
    const max = leftoverRange(names, kind, wm) ?? {
      j: Number.POSITIVE_INFINITY,
      a: Number.POSITIVE_INFINITY,
    };
    const newest = await exportsRepo.newest(tx);
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
  const text =
    kind === 'posted'
      ? ((r) => ({ records: r.length, csv: toCsv(POSTED_FIELDS, r), jsonl: toJsonl(POSTED_FIELDS, r) }))(
          await postedRecordsIn(tx, scope),
        )
      : ((r) => ({ records: r.length, csv: toCsv(GL_FIELDS, r), jsonl: toJsonl(GL_FIELDS, r) }))(
          await glRecordsIn(tx, scope),
        );
  return { scope, covered: await coveredIn(tx, kind, scope), after, ...text };
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
 * Watermark runs of a kind at once: the first to record takes the step, the others are refused
 * (`export-watermark-moved`, the same refusal on both databases) and, once the watermark moved past where their
 * files start, take back the files no recorded run wrote, so no record lies in two files.
 */
export async function runExport(env: ExportEnv, input: ExportInput): Promise<ExportRunDto> {
  const { storage, kind } = { storage: env.storage, kind: input.kind };
  const range =
    input.period !== undefined
      ? periodDays(input.period)
      : input.from !== undefined && input.to !== undefined
        ? { from: input.from, to: input.to }
        : null;
  const outDir = input.out ?? defaultExportDir(env.ledgerFile);
  const names = range ? [] : namesIn(outDir);
  // One snapshot (a read-only transaction is one on both databases): the scope, the records and the covered ids
  // all see the same ledger.
  const { scope, covered, after, records, csv, jsonl } = await storage.transaction(
    (tx) => readExport(tx, kind, range, names),
    { readOnly: true },
  );

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
  await env.afterWrite?.();
  crashPoint();

  const at = env.now.toISOString();
  // One run per watermark step: a watermark run records only when no run of its kind was recorded since it read
  // the watermark. Serializable, so two that read the same step cannot both record (SQLite takes them one after
  // another; PostgreSQL aborts one and its retry finds the step taken).
  const outcome = await storage.transaction(
    async (
      tx,
    ): Promise<{ run: ExportRunDto } | { lost: WatermarkStep; moved: boolean; recorded: string[] }> => {
      if (scope.mode === 'watermark') {
        const step = await exportsRepo.watermark(tx, kind);
        if (step.runId !== after)
          return {
            lost: step,
            moved:
              step.toJournalId !== scope.journals.from ||
              (kind === 'posted' && step.toAllocationId !== scope.allocations.from),
            recorded: await exportsRepo.recordedWatermarkFiles(tx, kind, scope.journals, scope.allocations),
          };
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
      const runId = await exportsRepo.insertRun(tx, {
        kind,
        mode: scope.mode,
        journals: covered.journals,
        allocations: covered.allocations,
        fromDate: range?.from ?? null,
        toDate: range?.to ?? null,
        records,
        filesJson,
        at,
        operatorId: env.operatorId,
      });
      await appendAudit(tx, {
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
      return { run: runDto((await exportsRepo.run(tx, runId))!) };
    },
    { serializable: true },
  );
  if ('run' in outcome) return outcome.run;
  // Once the watermark moved past where these files start no run records them (a run starts at the watermark):
  // left there, files no recorded run wrote (another range, or the same range in another folder) would hand their
  // records to the billing system a second time. While it has not moved they stay, as a crashed run's do, and the
  // next run into this folder covers exactly their range again.
  if (outcome.moved)
    for (const f of files) if (!outcome.recorded.includes(f.path)) rmSync(f.path, { force: true });
  throw conflict(
    'export-watermark-moved',
    outcome.moved
      ? `another ${kind} export advanced the watermark to journal ${outcome.lost.toJournalId} meanwhile: run the export again`
      : `another ${kind} export was recorded at journal ${outcome.lost.toJournalId} meanwhile: run the export again`,
  );
}

function runDto(r: ExportRunRow): ExportRunDto {
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

/** The recorded export runs, newest first (of one kind, or all). */
export function listExportRuns(
  storage: Storage,
  q: { kind?: 'posted' | 'gl' | undefined; limit: number },
): Promise<ExportRunDto[]> {
  return storage.transaction(async (tx) => (await exportsRepo.runs(tx, q.kind, q.limit)).map(runDto), {
    readOnly: true,
  });
}
