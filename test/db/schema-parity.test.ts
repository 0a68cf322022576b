import { is, SQL, type Column } from 'drizzle-orm';
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pgSchema from '../../db/schema-pg';
import * as sqliteSchema from '../../db/schema';

/**
 * The ledger has one schema in two dialects (issue #17): db/schema for SQLite and db/schema-pg for PostgreSQL.
 * A table, column, key, index or foreign key added to one and not the other fails here, before either
 * dialect's migration is generated.
 */

type Config = ReturnType<typeof sqliteTableConfig> | ReturnType<typeof pgTableConfig>;

/** An index's WHERE (or an expression column) as text, with columns by name, whatever the dialect. */
function sqlText(chunk: unknown): string {
  if (is(chunk, SQL)) return chunk.queryChunks.map(sqlText).join('');
  const c = chunk as { value?: unknown; name?: unknown };
  if (Array.isArray(c.value)) return c.value.join('');
  if (typeof c.name === 'string') return c.name;
  return String(chunk);
}

function columnName(c: unknown): string {
  return is(c, SQL) ? `(${sqlText(c)})` : (c as Column).name;
}

/** What both dialects must agree on about a table, in a form that compares and prints well. */
function shape(t: Config): unknown {
  return {
    columns: t.columns.map((c) => ({
      name: c.name,
      notNull: c.notNull,
      primary: c.primary,
      unique: c.isUnique ? (c.uniqueName ?? true) : false,
      // SQLite's boolean mode stores 0/1, as the PostgreSQL twin's bigint does.
      default: is(c.default, SQL) ? 'sql' : typeof c.default === 'boolean' ? Number(c.default) : c.default,
      generated: c.generated !== undefined,
      enum: c.enumValues ?? null,
    })),
    primaryKeys: t.primaryKeys.map((k) => k.columns.map((c) => c.name)),
    uniqueConstraints: t.uniqueConstraints
      .map((u) => ({ name: u.name, columns: u.columns.map((c) => c.name) }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    indexes: t.indexes
      .map((i) => ({
        name: i.config.name,
        unique: i.config.unique,
        columns: i.config.columns.map(columnName),
        where: i.config.where ? sqlText(i.config.where).replace(/\s+/g, ' ').trim() : null,
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    foreignKeys: t.foreignKeys
      .map((f) => {
        const r = f.reference();
        return {
          columns: r.columns.map((c) => c.name),
          table: (is(r.foreignTable, PgTable)
            ? pgTableConfig(r.foreignTable)
            : sqliteTableConfig(r.foreignTable)
          ).name,
          foreignColumns: r.foreignColumns.map((c) => c.name),
          onDelete: f.onDelete ?? 'no action',
          onUpdate: f.onUpdate ?? 'no action',
        };
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    checks: t.checks.map((c) => c.name).sort(),
  };
}

const sqliteTables = new Map(
  Object.values(sqliteSchema as Record<string, unknown>)
    .filter((v): v is SQLiteTable => is(v, SQLiteTable))
    .map((t) => [sqliteTableConfig(t).name, sqliteTableConfig(t)] as const),
);
const pgTables = new Map(
  Object.values(pgSchema as Record<string, unknown>)
    .filter((v): v is PgTable => is(v, PgTable))
    .map((t) => [pgTableConfig(t).name, pgTableConfig(t)] as const),
);

describe('the ledger schema in both dialects', () => {
  it('has the same tables', () => {
    expect(sqliteTables.size).toBeGreaterThan(50);
    expect([...pgTables.keys()].sort()).toEqual([...sqliteTables.keys()].sort());
  });

  it.each([...sqliteTables.keys()].sort())(
    '%s: same columns, keys, indexes and foreign keys on PostgreSQL',
    (name) => {
      const pg = pgTables.get(name);
      expect(pg, `db/schema-pg has no table ${name}`).toBeDefined();
      expect(shape(pg!)).toEqual(shape(sqliteTables.get(name)!));
    },
  );

  it('keeps every integer 64-bit on PostgreSQL and money never a float', () => {
    const offenders: string[] = [];
    for (const t of pgTables.values())
      for (const c of t.columns) {
        const type = c.getSQLType();
        if (/^(real|double precision|numeric|decimal|integer|smallint|serial|boolean)/i.test(type))
          offenders.push(`${t.name}.${c.name} ${type}`);
        if (/_minor$/.test(c.name) && type !== 'bigint') offenders.push(`${t.name}.${c.name} ${type}`);
      }
    expect(offenders).toEqual([]);
  });
});
