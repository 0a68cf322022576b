import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/**
 * How many migrations the ledger has applied (drizzle's journal table: `__drizzle_migrations` in the SQLite file,
 * `drizzle.__drizzle_migrations` on PostgreSQL): the schema's version as far as a health check cares.
 */
export function appliedMigrationsQuery(on: Pick<Tx, 'dialect'>): SQL {
  return on.dialect === 'postgres'
    ? sql`SELECT count(*) AS n FROM drizzle.__drizzle_migrations`
    : sql`SELECT count(*) AS n FROM __drizzle_migrations`;
}
