import { sql } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** A saved Payment Center search as stored (filters as the JSON text the operator saved). */
export type SavedSearchRow = { id: number; name: string; filters: string; updatedAt: string };

const COLUMNS = sql`id, name, filters, updated_at AS "updatedAt"`;

/** The repository of saved Payment Center searches (one operator's named filter sets). */
export const savedSearches = {
  /** The operator's searches by name. */
  list(tx: Tx, operatorId: number): Promise<SavedSearchRow[]> {
    return tx.all(
      sql`SELECT ${COLUMNS} FROM suspense_saved_searches WHERE operator_id = ${operatorId} ORDER BY name, id`,
    );
  },

  /** Inserts a search, or replaces the filters of the operator's search of that name; the row as stored. */
  async upsert(
    tx: Tx,
    operatorId: number,
    name: string,
    filters: string,
    at: string,
  ): Promise<SavedSearchRow> {
    const row = await tx.get<SavedSearchRow>(
      sql`INSERT INTO suspense_saved_searches (operator_id, name, filters, created_at, updated_at)
          VALUES (${operatorId}, ${name}, ${filters}, ${at}, ${at})
          ON CONFLICT (operator_id, name) DO UPDATE SET filters = excluded.filters, updated_at = excluded.updated_at
          RETURNING ${COLUMNS}`,
    );
    if (!row) throw new Error('INSERT ... RETURNING gave no row');
    return row;
  },

  /**
   * Renames one of the operator's searches; undefined when it has none with that id. A name the operator
   * already uses is refused by the unique index (UniqueViolation), not by a read first: two analysts' sessions
   * of one operator may rename at once on a shared server.
   */
  rename(
    tx: Tx,
    operatorId: number,
    id: number,
    name: string,
    at: string,
  ): Promise<SavedSearchRow | undefined> {
    return tx.get<SavedSearchRow>(
      sql`UPDATE suspense_saved_searches SET name = ${name}, updated_at = ${at}
          WHERE id = ${id} AND operator_id = ${operatorId} RETURNING ${COLUMNS}`,
    );
  },

  /** Deletes one of the operator's searches; the number of rows deleted (0 or 1). */
  async remove(tx: Tx, operatorId: number, id: number): Promise<number> {
    return (
      await tx.run(sql`DELETE FROM suspense_saved_searches WHERE id = ${id} AND operator_id = ${operatorId}`)
    ).changes;
  },
};
