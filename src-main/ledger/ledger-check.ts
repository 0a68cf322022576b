import type Database from 'better-sqlite3';
import {
  APPEND_ONLY_TRIGGERS,
  LEDGER_CHECK_TEARDOWN,
  LEDGER_RULES,
  ledgerCheckSetup,
  ledgerCountsQuery,
  ledgerRuleQuery,
  portFigures,
  SQLITE_DRIVER_FIGURES,
  triggerNamesQuery,
  type LedgerRule,
} from '../../db/repos/ledger-check';
import type { Storage } from '../../db/storage/port';
import { driverGet, sqliteQuery } from '../../db/storage/sqlite';
import type { LedgerCheckDto, LedgerViolationDto } from '../../src-shared/dto/app';

/**
 * Each rule's query as SQLite's driver path runs it, in the order the check runs them (for plan tests and
 * benchmarks); the statements that build the shared figures run first (`LEDGER_CHECK_SETUP`), the queries read them.
 */
export const LEDGER_CHECK_QUERIES: readonly { rule: string; sql: string }[] = LEDGER_RULES.map((r) => ({
  rule: r.rule,
  sql: sqliteQuery(r.query(SQLITE_DRIVER_FIGURES)).sql,
}));

/** The statements that build the figures the rules share on SQLite (temporary tables), in order. */
export const LEDGER_CHECK_SETUP: readonly string[] = ledgerCheckSetup().map((q) => sqliteQuery(q).sql);

const TEARDOWN: readonly string[] = LEDGER_CHECK_TEARDOWN.map((q) => sqliteQuery(q).sql);

/** Builds the shared figures on this connection (replacing any left over). */
export function prepareLedgerCheck(db: Database.Database): void {
  for (const sql of TEARDOWN) db.exec(sql);
  for (const sql of LEDGER_CHECK_SETUP) db.exec(sql);
}

/** Drops the shared figures. */
export function finishLedgerCheck(db: Database.Database): void {
  for (const sql of TEARDOWN) db.exec(sql);
}

/** Hooks of a running check: each violation as it is found, and each rule as it finishes with its time. */
export type LedgerCheckOptions = {
  onViolation?: (violation: LedgerViolationDto) => void;
  onRule?: (rule: string, ms: number) => void;
};

/** What every path of the check shares: the violations kept, each reported as found, up to the limit. */
function collector(
  maxViolations: number,
  options: LedgerCheckOptions,
): {
  violations: LedgerViolationDto[];
  room: () => number;
  found: (rule: LedgerRule, row: Record<string, unknown>) => void;
  missingTriggers: (present: ReadonlySet<string>) => void;
} {
  const violations: LedgerViolationDto[] = [];
  const report = (v: LedgerViolationDto): void => {
    violations.push(v);
    options.onViolation?.(v);
  };
  const room = (): number => maxViolations - violations.length;
  return {
    violations,
    room,
    found: (rule, row) =>
      report({ rule: rule.rule, entity: rule.entity, id: String(row.id), message: rule.describe(row) }),
    missingTriggers: (present) => {
      for (const name of APPEND_ONLY_TRIGGERS) {
        if (!present.has(name) && room() > 0) {
          report({
            rule: 'append-only-guard',
            entity: 'schema',
            id: name,
            message: `append-only trigger ${name} is missing`,
          });
        }
      }
    },
  };
}

/**
 * Verifies every ledger invariant and lists each violation (up to maxViolations), reporting each one as it is
 * found. The ledger check on SQLite, through the driver: the shared figures are temporary tables (the port's
 * read-only transaction refuses to create them, and building each inline costs a second pass over payments), rows
 * are read one at a time (memory stays bounded by the violations kept), and every figure is read as a BigInt
 * from SQLite's exact integer sums (never total()).
 */
export function checkLedger(
  db: Database.Database,
  maxViolations: number,
  options: LedgerCheckOptions = {},
): LedgerCheckDto {
  const started = performance.now();
  // One read transaction: every rule sees the same snapshot (a job committing meanwhile cannot make two rules
  // disagree), and the shared figures are built from that snapshot too.
  const own = !db.inTransaction;
  if (own) db.exec('BEGIN');
  try {
    return runChecks(db, maxViolations, options, started);
  } finally {
    finishLedgerCheck(db);
    if (own && db.inTransaction) db.exec('COMMIT');
  }
}

function runChecks(
  db: Database.Database,
  maxViolations: number,
  options: LedgerCheckOptions,
  started: number,
): LedgerCheckDto {
  const setup = performance.now();
  prepareLedgerCheck(db);
  options.onRule?.('(shared figures)', performance.now() - setup);
  const out = collector(maxViolations, options);
  for (const rule of LEDGER_RULES) {
    if (out.room() <= 0) break;
    const t = performance.now();
    const q = sqliteQuery(ledgerRuleQuery(rule, SQLITE_DRIVER_FIGURES, out.room()));
    // Integers come back as BigInt: a figure past 2^53 is reported exactly, never rounded into a
    // message that contradicts the rule it breaks.
    const rows = db
      .prepare(q.sql)
      .safeIntegers(true)
      .iterate(...q.params) as IterableIterator<Record<string, unknown>>;
    for (const row of rows) out.found(rule, row);
    options.onRule?.(rule.rule, performance.now() - t);
  }
  if (out.room() > 0) {
    const t = performance.now();
    const names = db.prepare(sqliteQuery(triggerNamesQuery('sqlite')).sql).all() as { name: string }[];
    out.missingTriggers(new Set(names.map((r) => r.name)));
    options.onRule?.('append-only-guard', performance.now() - t);
  }
  return {
    ok: out.violations.length === 0,
    violations: out.violations,
    counts: driverGet<LedgerCheckDto['counts']>(db, ledgerCountsQuery())!,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/**
 * The ledger check through the storage port (a team server's PostgreSQL, or SQLite without a driver connection):
 * the same rules and messages, in one READ ONLY snapshot (PostgreSQL: REPEATABLE READ READ ONLY). The shared
 * figures are derived tables in the rules that read them (a READ ONLY transaction creates no tables; see
 * Figures), and every figure is read as text, so a sum past 2^53 - 1 is stated exactly. A rule's rows, at most the
 * violations still wanted, are read at once, then reported in order.
 */
export function checkLedgerOn(
  storage: Storage,
  maxViolations: number,
  options: LedgerCheckOptions = {},
): Promise<LedgerCheckDto> {
  const started = performance.now();
  const figures = portFigures(storage.dialect);
  return storage.transaction(
    async (tx) => {
      const out = collector(maxViolations, options);
      for (const rule of LEDGER_RULES) {
        if (out.room() <= 0) break;
        const t = performance.now();
        const rows = await tx.all<Record<string, unknown>>(ledgerRuleQuery(rule, figures, out.room()));
        for (const row of rows) out.found(rule, row);
        options.onRule?.(rule.rule, performance.now() - t);
      }
      if (out.room() > 0) {
        const t = performance.now();
        const names = await tx.all<{ name: string }>(triggerNamesQuery(tx.dialect));
        out.missingTriggers(new Set(names.map((r) => r.name)));
        options.onRule?.('append-only-guard', performance.now() - t);
      }
      const counts = (await tx.get<LedgerCheckDto['counts']>(ledgerCountsQuery()))!;
      return {
        ok: out.violations.length === 0,
        violations: out.violations,
        counts,
        elapsedMs: Math.round(performance.now() - started),
      };
    },
    { readOnly: true },
  );
}

/**
 * The `ledger:check` command: on SQLite with the app's connection, the driver path (checkLedger: the same rule
 * SQL, and the speed of its temporary tables); otherwise through the port (checkLedgerOn).
 */
export async function ledgerCheck(
  storage: Storage,
  sqlite: Database.Database | undefined,
  maxViolations: number,
  options: LedgerCheckOptions = {},
): Promise<LedgerCheckDto> {
  // An async function runs the driver path at once, synchronously, as the command always did.
  if (storage.dialect === 'sqlite' && sqlite) return checkLedger(sqlite, maxViolations, options);
  return checkLedgerOn(storage, maxViolations, options);
}
