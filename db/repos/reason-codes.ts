import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** One reason code as stored (active a 0/1 flag). */
export type ReasonCodeRecord = {
  domainId: number;
  id: number;
  label: string;
  help: string;
  glId: number | null;
  active: number;
};

/** One code of a domain. */
export function reasonCodeQuery(domainId: number, id: number): SQL {
  return sql`SELECT domain_id AS "domainId", id, label, help, gl_id AS "glId", active FROM reason_codes
             WHERE domain_id = ${domainId} AND id = ${id}`;
}

/** The name of a reason-code domain. */
export function domainNameQuery(domainId: number): SQL {
  return sql`SELECT name FROM reason_domains WHERE id = ${domainId}`;
}

/** A code of a domain with the domain's name (either may be missing). */
export async function reasonCodeIn(
  tx: Tx,
  domainId: number,
  id: number,
): Promise<{ code: ReasonCodeRecord | undefined; domainName: string | undefined }> {
  const code = await tx.get<ReasonCodeRecord>(reasonCodeQuery(domainId, id));
  const domain = await tx.get<{ name: string }>(domainNameQuery(domainId));
  return { code, domainName: domain?.name };
}

/** A reason-code domain with its G/L rule. */
export type ReasonDomainRecord = { id: number; name: string; glRule: 'required' | 'forbidden' | 'optional' };

/** Every domain with its G/L rule. */
export function domainsQuery(): SQL {
  return sql`SELECT id, name, gl_rule AS "glRule" FROM reason_domains ORDER BY id`;
}

/** Every domain with its G/L rule and how many codes it holds. */
export function domainsWithCountsQuery(): SQL {
  return sql`SELECT d.id, d.name, d.gl_rule AS "glRule",
                    (SELECT count(*) FROM reason_codes c WHERE c.domain_id = d.id) AS codes
             FROM reason_domains d ORDER BY d.id`;
}

/** The codes of one domain or all, active ones unless retired ones are asked for, by domain and id. */
export function reasonCodesQuery(opts: { domainId?: number; includeRetired: boolean }): SQL {
  const where = [
    ...(opts.domainId === undefined ? [] : [sql`domain_id = ${opts.domainId}`]),
    ...(opts.includeRetired ? [] : [sql`active = 1`]),
  ];
  return sql`SELECT domain_id AS "domainId", id, label, help, gl_id AS "glId", active FROM reason_codes
             ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``} ORDER BY domain_id, id`;
}

/** Whether a domain exists. */
export function domainExistsQuery(domainId: number): SQL {
  return sql`SELECT 1 AS "exists" FROM reason_domains WHERE id = ${domainId}`;
}

/** A new code, active. */
export function reasonCodeInsertQuery(c: {
  domainId: number;
  id: number;
  label: string;
  help: string;
  glId: number | null;
}): SQL {
  return sql`INSERT INTO reason_codes (domain_id, id, label, help, gl_id, active)
             VALUES (${c.domainId}, ${c.id}, ${c.label}, ${c.help}, ${c.glId}, 1)`;
}

/** A code added or replaced whole (label, help, G/L ID, active). */
export function reasonCodeUpsertQuery(c: ReasonCodeRecord): SQL {
  return sql`INSERT INTO reason_codes (domain_id, id, label, help, gl_id, active)
             VALUES (${c.domainId}, ${c.id}, ${c.label}, ${c.help}, ${c.glId}, ${c.active})
             ON CONFLICT (domain_id, id) DO UPDATE SET label = excluded.label, help = excluded.help,
               gl_id = excluded.gl_id, active = excluded.active`;
}

/** A code's label, help and G/L ID changed. */
export function reasonCodeUpdateQuery(c: {
  domainId: number;
  id: number;
  label: string;
  help: string;
  glId: number | null;
}): SQL {
  return sql`UPDATE reason_codes SET label = ${c.label}, help = ${c.help}, gl_id = ${c.glId}
             WHERE domain_id = ${c.domainId} AND id = ${c.id}`;
}

/** A code retired (0) or brought back (1). */
export function reasonCodeActiveQuery(domainId: number, id: number, active: boolean): SQL {
  return sql`UPDATE reason_codes SET active = ${active ? 1 : 0} WHERE domain_id = ${domainId} AND id = ${id}`;
}

/** A code deleted. */
export function reasonCodeDeleteQuery(domainId: number, id: number): SQL {
  return sql`DELETE FROM reason_codes WHERE domain_id = ${domainId} AND id = ${id}`;
}

/**
 * Every column that holds a reason code (named reason_code or ending in _reason_code), found from the catalogue so
 * codes used by newer tables count too; ordered by table and column so both databases name the same table first.
 */
export async function reasonColumnsIn(tx: Tx): Promise<{ table: string; column: string }[]> {
  const rows =
    tx.dialect === 'postgres'
      ? await tx.all<{ table: string; column: string }>(
          sql`SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
              WHERE table_schema = current_schema() AND column_name LIKE '%reason_code'
                AND table_name NOT IN ('reason_codes', '__drizzle_migrations')`,
        )
      : await tx.all<{ table: string; column: string }>(
          sql`SELECT m.name AS "table", p.name AS "column" FROM sqlite_master m, pragma_table_info(m.name) p
              WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
                AND m.name NOT IN ('reason_codes', '__drizzle_migrations') AND p.name LIKE '%reason_code'`,
        );
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return rows
    .filter((r) => /(^|_)reason_code$/.test(r.column))
    .sort((a, b) => byName(a.table, b.table) || byName(a.column, b.column));
}

/** Whether a column of a table holds a code id. */
export function codeUsedQuery(table: string, column: string, id: number): SQL {
  return sql`SELECT 1 AS hit FROM ${sql.identifier(table)} WHERE ${sql.identifier(column)} = ${id} LIMIT 1`;
}
