import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** Escapes text for a literal LIKE pattern with ESCAPE '\'. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * Text compared and sorted in code-point order on both databases: SQLite's default (BINARY), PostgreSQL's
 * "C" collation (its default collation follows the cluster's locale, which would order and range differently).
 */
export function binary(tx: Pick<Tx, 'dialect'>, column: SQL): SQL {
  return tx.dialect === 'postgres' ? sql`${column} COLLATE "C"` : column;
}

/**
 * `column IN (values)` with one parameter whatever the list's length (SQLite: a JSON array; PostgreSQL: an array,
 * passed as one parameter: a bare JS array in a drizzle template would become a row of parameters).
 */
export function inList(tx: Pick<Tx, 'dialect'>, column: SQL, values: readonly (string | number)[]): SQL {
  return tx.dialect === 'postgres'
    ? sql`${column} = ANY(${sql.param([...values])})`
    : sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

/** Case-insensitive LIKE (SQLite's LIKE ignores ASCII case already; PostgreSQL's needs ILIKE). */
export function ilike(tx: Tx): SQL {
  return tx.dialect === 'postgres' ? sql`ILIKE` : sql`LIKE`;
}

/** A 0/1 integer from a condition (PostgreSQL's comparisons are booleans, SQLite's are 0/1 already). */
export function flag(condition: SQL): SQL {
  return sql`(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
}
