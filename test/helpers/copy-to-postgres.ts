import type Database from 'better-sqlite3';
import { is, sql } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import * as pgSchema from '../../db/schema-pg';
import type { Storage } from '../../db/storage/port';
import type { App } from '../../src-main/app-context';
import type { ReportScenario } from './reports-scenario';
import { freshPostgres } from './storages';

/** Rows per INSERT (PostgreSQL takes at most 65,535 parameters in one statement). */
const CHUNK = 500;

/**
 * Copies every table of a SQLite ledger into a fresh, migrated PostgreSQL one, row for row and id for id, so a
 * scenario built by the services that still run on SQLite only can be read back on both databases. The copy
 * runs with triggers and foreign-key checks off (session_replication_role = replica: the rows are copies, the
 * rules already held where they were written), skips generated columns and moves identity sequences past the
 * copied ids.
 */
export async function copyToPostgres(db: Database.Database, pg: Storage): Promise<{ rows: number }> {
  const tables = Object.values(pgSchema as Record<string, unknown>)
    .filter((v): v is PgTable => is(v, PgTable))
    .map((t) => getTableConfig(t));
  let rows = 0;
  await pg.transaction(async (tx) => {
    await tx.run(sql`SET LOCAL session_replication_role = replica`);
    for (const t of tables) {
      const columns = t.columns.filter((c) => c.generated === undefined).map((c) => c.name);
      await tx.run(sql.raw(`DELETE FROM "${t.name}"`));
      const read = db
        .prepare(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${t.name}"`)
        .safeIntegers(true)
        .raw();
      const all = read.all() as unknown[][];
      for (let i = 0; i < all.length; i += CHUNK) {
        const values = all.slice(i, i + CHUNK).map(
          (r) =>
            sql`(${sql.join(
              r.map((v) => sql`${typeof v === 'bigint' ? v.toString() : v}`),
              sql`, `,
            )})`,
        );
        await tx.run(
          sql`INSERT INTO ${sql.identifier(t.name)} (${sql.join(
            columns.map((c) => sql.identifier(c)),
            sql`, `,
          )}) OVERRIDING SYSTEM VALUE VALUES ${sql.join(values, sql`, `)}`,
        );
      }
      rows += all.length;
      const numbered = t.columns.filter(
        (c) => c.generatedIdentity !== undefined || c.columnType === 'PgBigSerial53',
      );
      for (const c of numbered)
        await tx.run(
          sql.raw(
            `SELECT setval(pg_get_serial_sequence('"${t.name}"', '${c.name}'), coalesce((SELECT max("${c.name}") FROM "${t.name}"), 0) + 1, false)`,
          ),
        );
    }
  });
  return { rows };
}

/**
 * Rows whose foreign key points at no row (the copy ran with the checks off): "table.columns -> parent: count" for
 * each key that has any, so a ledger that would break PostgreSQL's constraints says where.
 */
export async function foreignKeyOrphans(pg: Storage): Promise<string[]> {
  const found: string[] = [];
  for (const t of Object.values(pgSchema as Record<string, unknown>)
    .filter((v): v is PgTable => is(v, PgTable))
    .map((v) => getTableConfig(v)))
    for (const fk of t.foreignKeys) {
      const r = fk.reference();
      const parent = getTableConfig(r.foreignTable).name;
      const cols = r.columns.map((c) => c.name);
      const on = cols.map((c, i) => `p."${r.foreignColumns[i]!.name}" = c."${c}"`).join(' AND ');
      const set = cols.map((c) => `c."${c}" IS NOT NULL`).join(' AND ');
      const row = await pg.transaction(
        (tx) =>
          tx.get<{ n: number }>(
            sql.raw(
              `SELECT count(*) AS n FROM "${t.name}" c WHERE ${set} AND NOT EXISTS (SELECT 1 FROM "${parent}" p WHERE ${on})`,
            ),
          ),
        { readOnly: true },
      );
      if (row && row.n > 0) found.push(`${t.name}.${cols.join(',')} -> ${parent}: ${row.n}`);
    }
  return found;
}

/** A worked ledger built by the services on SQLite, opened at a time, and its copy on a fresh PostgreSQL database. */
export type LedgerOnBoth = { scenario: ReportScenario; app: App; pg: Storage; dispose: () => Promise<void> };

/** Builds the scenario, opens it at `at` and copies it to PostgreSQL; dispose closes and drops everything. */
export async function ledgerOnBoth(build: () => Promise<ReportScenario>, at: string): Promise<LedgerOnBoth> {
  const scenario = await build();
  const app = scenario.open(at);
  const pg = await freshPostgres();
  await copyToPostgres(app.ctx.ledger.sqlite, pg.storage);
  return {
    scenario,
    app,
    pg: pg.storage,
    dispose: async () => {
      await pg.dispose();
      app.close();
      scenario.cleanup();
    },
  };
}
