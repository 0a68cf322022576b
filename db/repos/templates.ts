import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary } from './dialect';

/**
 * Bank-file import templates (issue #17): the stored templates' SQL written once for both databases. The template
 * commands run it through the port (services/batches/templates.ts); a batch import, still on the driver, reads a
 * template and the detection candidates with the same queries (driverGet/driverAll).
 */

/** A stored template as read: its definition still JSON text, `stock` 0/1. */
export type TemplateRecord = {
  id: number;
  name: string;
  bank: string | null;
  definition: string;
  stock: number;
  updatedAt: string;
};

/** Every stored template, by name (code-point order on both: the list's order must not follow a locale). */
export function templatesQuery(on: Pick<Tx, 'dialect'>): SQL {
  return sql`SELECT id, name, bank, definition, stock, updated_at AS "updatedAt" FROM import_templates
    ORDER BY ${binary(on, sql`name`)}`;
}

/** Every stored template as a detection candidate, in the order they were added (detection breaks ties by it). */
export function templateCandidatesQuery(): SQL {
  return sql`SELECT id, name, stock, definition FROM import_templates ORDER BY id`;
}

/** The stored template with this name, or none. */
export function templateByNameQuery(name: string): SQL {
  return sql`SELECT id, name, bank, definition, stock, updated_at AS "updatedAt" FROM import_templates
    WHERE name = ${name}`;
}

/** Creates a named template or replaces its bank and definition (never a stock one: the caller checks first). */
export function templateUpsertQuery(t: {
  name: string;
  bank: string | null;
  definition: string;
  at: string;
}): SQL {
  return sql`INSERT INTO import_templates (name, bank, definition, created_at, updated_at)
    VALUES (${t.name}, ${t.bank}, ${t.definition}, ${t.at}, ${t.at})
    ON CONFLICT (name) DO UPDATE SET bank = excluded.bank, definition = excluded.definition,
      updated_at = excluded.updated_at
    RETURNING id`;
}

/** The names of the stored templates. */
export function templateNamesQuery(): SQL {
  return sql`SELECT name FROM import_templates`;
}

/** Adds a stock template unless its name is taken; answers its id when added. */
export function stockTemplateInsertQuery(t: {
  name: string;
  bank: string | null;
  definition: string;
  at: string;
}): SQL {
  return sql`INSERT INTO import_templates (name, bank, definition, stock, created_at, updated_at)
    VALUES (${t.name}, ${t.bank}, ${t.definition}, 1, ${t.at}, ${t.at}) ON CONFLICT (name) DO NOTHING RETURNING id`;
}
