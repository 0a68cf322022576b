import type Database from 'better-sqlite3';

type PlanRow = { id: number; parent: number; detail: string };

/** A table loop of a plan: a scan or a search of a table, index, view or materialized subquery. */
const isLoop = (detail: string): boolean =>
  /^(SCAN|SEARCH) /.test(detail) && !detail.startsWith('SCAN CONSTANT ROW');

/** A table loop of a plan, and the loop it runs inside when it runs once per row of something else. */
type Loop = { detail: string; perRowOf: string | null };

/** The table loops of a plan, in plan order: each says whether (and inside what) it runs once per row. */
function planLoops(db: Database.Database, sql: string, params: unknown): Loop[] {
  const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (
    Array.isArray(params) ? statement.all(...(params as unknown[])) : statement.all(params)
  ) as PlanRow[];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const correlated = (r: PlanRow): boolean => {
    for (let p = byId.get(r.parent); p; p = byId.get(p.parent))
      if (p.detail.startsWith('CORRELATED ')) return true;
    return false;
  };
  const loops: Loop[] = [];
  const outerOf = new Map<number, string>();
  for (const r of rows) {
    if (!isLoop(r.detail)) continue;
    const outer = outerOf.get(r.parent);
    if (outer !== undefined) loops.push({ detail: r.detail, perRowOf: outer });
    else {
      loops.push({ detail: r.detail, perRowOf: correlated(r) ? 'a correlated subquery' : null });
      outerOf.set(r.parent, r.detail);
    }
  }
  return loops;
}

/**
 * The steps of a query plan that read a whole table (or index) once per row of something else: a SCAN that
 * is an inner loop of a join, or a SCAN inside a correlated subquery. Such a plan is quadratic however small
 * the planner believes the scanned table to be (stale statistics). Each finding is the plan line, with the
 * loop it runs inside.
 */
export function perRowScans(db: Database.Database, sql: string, params: unknown[] = []): string[] {
  return planLoops(db, sql, params)
    .filter((l) => l.perRowOf !== null && l.detail.startsWith('SCAN '))
    .map((l) =>
      l.perRowOf === 'a correlated subquery'
        ? `${l.detail} (in a correlated subquery)`
        : `${l.detail} (inside ${l.perRowOf})`,
    );
}

/**
 * The table loops of a plan that run once per row of something else (inner loops of a join, searches and scans
 * in correlated subqueries), scans and searches alike: a search there must narrow by every equality it is given.
 */
export function perRowLoops(db: Database.Database, sql: string, params: unknown = []): string[] {
  return planLoops(db, sql, params)
    .filter((l) => l.perRowOf !== null)
    .map((l) => l.detail);
}
