import { sql, type SQL } from 'drizzle-orm';

/** The stored JSON of a setting. */
export function settingQuery(key: string): SQL {
  return sql`SELECT value FROM settings WHERE key = ${key}`;
}

/** A setting written (its JSON text), added or replaced. */
export function settingUpsertQuery(key: string, json: string): SQL {
  return sql`INSERT INTO settings (key, value) VALUES (${key}, ${json})
             ON CONFLICT (key) DO UPDATE SET value = excluded.value`;
}
