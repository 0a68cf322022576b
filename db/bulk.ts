import type Database from 'better-sqlite3';

/**
 * Runs a bulk load with the tables' indexes and triggers dropped, then recreates them from their stored
 * definitions (sorting once is far cheaper than millions of B-tree inserts) and rebuilds the account
 * search index. Only for loads into empty tables: uniqueness is checked again when indexes come back.
 * `restoreOnError: false` is for a load inside a transaction the caller rolls back when the load throws.
 */
export function withIndexesDeferred(
  db: Database.Database,
  tables: readonly string[],
  load: () => void,
  opts: { restoreOnError?: boolean } = {},
): void {
  const placeholders = tables.map(() => '?').join(', ');
  const saved = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
       WHERE type IN ('index', 'trigger') AND sql IS NOT NULL AND tbl_name IN (${placeholders})
         AND name NOT LIKE '%no_update' AND name NOT LIKE '%no_delete' AND name NOT LIKE '%frozen'`,
    )
    .all(...tables) as { type: 'index' | 'trigger'; name: string; sql: string }[];
  db.transaction(() => {
    for (const s of saved) db.exec(`DROP ${s.type.toUpperCase()} "${s.name}"`);
  })();
  const restore = (): void =>
    db.transaction(() => {
      for (const s of saved) db.exec(s.sql);
      if (tables.includes('accounts')) db.exec(`INSERT INTO accounts_fts (accounts_fts) VALUES ('rebuild')`);
    })();
  try {
    load();
  } catch (err) {
    // Inside a caller's transaction that rolls back on error, the rollback brings the indexes back for free.
    if (opts.restoreOnError !== false) restore();
    throw err;
  }
  restore();
}
