import { savedSearches, type SavedSearchRow } from '../../../db/repos/saved-searches';
import { UniqueViolation, type Storage } from '../../../db/storage/port';
import type { SuspenseSavedSearchDto } from '../../../src-shared/dto/suspense';
import { conflict, notFound } from '../../ledger/errors';
import type { SuspenseFilters } from './search';

// Saved Payment Center searches: the first service behind the storage seam (issue #17), so it runs on the
// desktop's SQLite file and on a shared PostgreSQL database alike.

function toDto(r: SavedSearchRow): SuspenseSavedSearchDto {
  return {
    id: r.id,
    name: r.name,
    filters: JSON.parse(r.filters) as Record<string, unknown>,
    updatedAt: r.updatedAt,
  };
}

/** The saved searches of an operator, by name. */
export async function listSavedSearches(
  storage: Storage,
  operatorId: number,
): Promise<SuspenseSavedSearchDto[]> {
  return (await storage.transaction((tx) => savedSearches.list(tx, operatorId))).map(toDto);
}

/** Saves (or replaces by name) a search of the operator. */
export async function saveSearch(
  storage: Storage,
  input: { name: string; filters: SuspenseFilters },
  now: Date,
  operatorId: number,
): Promise<SuspenseSavedSearchDto> {
  const at = now.toISOString();
  const row = await storage.transaction((tx) =>
    savedSearches.upsert(tx, operatorId, input.name, JSON.stringify(input.filters), at),
  );
  return toDto(row);
}

/** Deletes one of the operator's saved searches. */
export async function deleteSearch(
  storage: Storage,
  id: number,
  operatorId: number,
): Promise<{ deleted: number }> {
  const deleted = await storage.transaction((tx) => savedSearches.remove(tx, operatorId, id));
  if (deleted === 0) throw notFound('saved search', String(id));
  return { deleted };
}

/** Renames one of the operator's saved searches; a name the operator already uses for another is a conflict. */
export async function renameSearch(
  storage: Storage,
  input: { id: number; name: string },
  now: Date,
  operatorId: number,
): Promise<SuspenseSavedSearchDto> {
  try {
    const row = await storage.transaction((tx) =>
      savedSearches.rename(tx, operatorId, input.id, input.name, now.toISOString()),
    );
    if (!row) throw notFound('saved search', String(input.id));
    return toDto(row);
  } catch (err) {
    if (err instanceof UniqueViolation)
      throw conflict('search-name-taken', `you already have a saved search named "${input.name}"`);
    throw err;
  }
}
