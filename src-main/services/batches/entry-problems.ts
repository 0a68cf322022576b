import type Database from 'better-sqlite3';
import { entryCurrenciesQuery, rowProblemEntriesQuery } from '../../../db/repos/validation';
import { driverAll } from '../../../db/storage/sqlite';
import { DRIVER } from '../../../db/storage/steps';
import type { EntryProblemDto } from '../../../src-shared/dto/batches';
import { verdictProblems, type EntryProblem, type EntryVerdict } from '../../domain/batch-rules';

/** What is stored of an entry's problems: the JSON list, and the first problem as older rows keep it. */
export type StoredProblems = {
  problemsJson: string | null;
  status: string;
  problem: string | null;
  problemColumn: string | null;
};

/** The stored problem list of an entry (empty when none); rows written before the list existed give their one problem. */
export function storedProblems(r: StoredProblems): EntryProblem[] {
  if (r.problemsJson) return JSON.parse(r.problemsJson) as EntryProblem[];
  return r.problem !== null && r.status !== 'valid' && r.status !== 'allocation_suggested'
    ? [{ column: r.problemColumn, reason: r.problem }]
    : [];
}

/**
 * Problems of an entry's own values (as keyed or imported), which validation starts from. Rows written before
 * the list existed kept only their first problem, and only an amount or date problem came from the values.
 */
export function rowProblemsOf(r: StoredProblems): EntryProblem[] {
  if (r.problemsJson) return (JSON.parse(r.problemsJson) as EntryProblem[]).filter((p) => p.row === true);
  return r.status === 'invalid' && r.problemColumn && ['amount', 'paymentDate'].includes(r.problemColumn)
    ? [{ column: r.problemColumn, reason: r.problem ?? 'invalid', row: true }]
    : [];
}

/** The JSON stored for a problem list (null for none). */
export function problemsJson(problems: readonly EntryProblem[]): string | null {
  return problems.length ? JSON.stringify(problems) : null;
}

/** Row problems as stored: each marked as a problem of the value itself. */
export function rowProblemsJson(problems: readonly { column: string; reason: string }[]): string | null {
  return problemsJson(problems.map((p) => ({ column: p.column, reason: p.reason, row: true })));
}

/** The problem list as the DTO shows it (without the internal row marker). */
export function problemsDto(r: StoredProblems): EntryProblemDto[] {
  return storedProblems(r).map(({ row: _row, ...p }) => p);
}

/** The JSON of every problem of a verdict, as writeVerdicts stores it. */
export function verdictProblemsJson(v: EntryVerdict): string | null {
  return problemsJson(verdictProblems(v));
}

/**
 * Keeps the problems of an entry's own values (as keyed or imported) in every verdict, whatever rules found the
 * verdict: refund and reversal rules stop at the first problem, and a bad date must not vanish behind a bad
 * amount when the batch is validated. An entry with such a problem is invalid.
 */
export function keepRowProblems(
  db: Database.Database,
  batchId: number,
  verdicts: EntryVerdict[],
): EntryVerdict[] {
  return rowProblemsRule(db, batchId)(verdicts);
}

/**
 * The row-problem rule of keepRowProblems, read once for a batch (only entries with such problems are read) and
 * applied to any part of its verdicts, so validation can work account chunk by account chunk.
 */
export function rowProblemsRule(
  db: Database.Database,
  batchId: number,
): (verdicts: EntryVerdict[]) => EntryVerdict[] {
  const rows = driverAll<{ id: number; problemsJson: string }>(db, rowProblemEntriesQuery(DRIVER, batchId));
  return rowProblemsRuleOf(rows);
}

/** The row-problem rule over given entries' stored problem lists (those with a problem of their own values). */
export function rowProblemsRuleOf(
  rows: readonly { id: number; problemsJson: string }[],
): (verdicts: EntryVerdict[]) => EntryVerdict[] {
  if (rows.length === 0) return (verdicts) => verdicts;
  const byId = new Map(
    rows.map((r) => [r.id, (JSON.parse(r.problemsJson) as EntryProblem[]).filter((p) => p.row === true)]),
  );
  return (verdicts) =>
    verdicts.map((v) => {
      const row = byId.get(v.id);
      if (!row?.length) return v;
      const found = verdictProblems(v);
      const missing = row.filter((p) => !found.some((f) => f.column === p.column && f.reason === p.reason));
      if (missing.length === 0 && v.status === 'invalid') return v;
      // The values' own problems come first, as the clerk reads the row; then what the rules found.
      const same = (a: EntryProblem, b: EntryProblem) => a.column === b.column && a.reason === b.reason;
      const rules = found.filter((f) => !row.some((r) => same(r, f))).map(({ code: _c, ...p }) => p);
      const list = [...row, ...rules];
      const head = list[0] as EntryProblem;
      return {
        ...v,
        status: 'invalid',
        reasonCode: null,
        problem: head.reason,
        problemColumn: head.column,
        problems: list,
        accountAmountMinor: null,
        lines: [],
      };
    });
}

/**
 * The currency rule for every batch type: an entry posts in its batch's currency, so an entry whose own currency
 * (as the bank file stated it) is not set up in the ledger, or is not the batch currency, is invalid with a
 * problem on its currency column, whatever else was found. Only entries whose currency differs are read.
 */
export function applyEntryCurrencyRule(
  db: Database.Database,
  batch: { id: number; currency: string },
  verdicts: EntryVerdict[],
): EntryVerdict[] {
  return entryCurrencyRule(db, batch)(verdicts);
}

/** The currency rule of applyEntryCurrencyRule, read once for a batch and applied to any part of its verdicts. */
export function entryCurrencyRule(
  db: Database.Database,
  batch: { id: number; currency: string },
): (verdicts: EntryVerdict[]) => EntryVerdict[] {
  return entryCurrencyRuleOf(
    batch,
    driverAll<{ id: number; currency: string; known: number }>(db, entryCurrenciesQuery(batch)),
  );
}

/** The currency rule over the entries whose currency differs (entryCurrenciesQuery), for any part of the verdicts. */
export function entryCurrencyRuleOf(
  batch: { id: number; currency: string },
  odd: readonly { id: number; currency: string; known: number }[],
): (verdicts: EntryVerdict[]) => EntryVerdict[] {
  if (odd.length === 0) return (verdicts) => verdicts;
  const byId = new Map(odd.map((o) => [o.id, o]));
  return (verdicts) =>
    verdicts.map((v) => {
      const o = byId.get(v.id);
      if (!o || v.status === 'posted') return v;
      const problems = verdictProblems(v);
      if (problems.some((p) => p.column === 'currency')) return v;
      const currency: EntryProblem = {
        column: 'currency',
        reason:
          o.known === 1
            ? `${o.currency} entry in a ${batch.currency} batch`
            : `currency ${o.currency} is not set up in this ledger`,
      };
      // The entry's own value problems come first, then the currency, then what the rules found.
      const row = problems.filter((p) => p.row === true);
      const list = [
        ...row,
        currency,
        ...problems.filter((p) => p.row !== true).map(({ code: _c, ...p }) => p),
      ];
      const head = list[0] as EntryProblem;
      return {
        ...v,
        status: 'invalid',
        reasonCode: null,
        problem: head.reason,
        problemColumn: head.column,
        problems: list,
        accountAmountMinor: null,
        lines: [],
      };
    });
}
