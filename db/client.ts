import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import * as schema from './schema';

/** The drizzle handle with Paydesk's schema. */
export type Orm = BetterSQLite3Database<typeof schema>;

/** An open ledger: the raw better-sqlite3 handle (for prepared bulk statements) and drizzle over it. */
export type Ledger = { file: string; sqlite: Database.Database; orm: Orm; close: () => void };

/** Why a ledger file could not be opened. Nothing was written to the file in any of these cases. */
export class LedgerOpenError extends Error {
  constructor(
    readonly reason: 'not_sqlite' | 'corrupt' | 'newer_version' | 'unreadable',
    message: string,
  ) {
    super(message);
    this.name = 'LedgerOpenError';
  }
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

type JournalEntry = { idx: number; when: number; tag: string };

function readJournal(migrationsFolder: string): JournalEntry[] {
  const text = readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8');
  return (JSON.parse(text) as { entries: JournalEntry[] }).entries;
}

/** Refuses a path that is not a readable regular file, saying why in words rather than as an errno code. */
function assertReadableFile(file: string): void {
  if (statSync(file).isDirectory()) {
    throw new LedgerOpenError(
      'unreadable',
      `${file} is a directory, not a ledger file; give the path of a file`,
    );
  }
  try {
    accessSync(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'unknown reason');
    throw new LedgerOpenError('unreadable', `${file} cannot be read (${why}); it was left untouched`);
  }
}

function assertSqliteHeader(file: string): void {
  const size = statSync(file).size;
  if (size === 0) return;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const read = readSync(fd, buf, 0, 16, 0);
    if (read < 16 || buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new LedgerOpenError('not_sqlite', `${file} is not a SQLite ledger file; it was left untouched`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Refuses (read-only, before any write) a file whose applied migrations this version does not know. */
function assertKnownMigrations(file: string, journal: JournalEntry[]): void {
  let probe: Database.Database | undefined;
  try {
    probe = new Database(file, { readonly: true, fileMustExist: true });
    probe.prepare('SELECT count(*) FROM sqlite_master').get();
    const table = probe
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
      .get();
    if (!table) return;
    const rows = probe.prepare('SELECT created_at AS createdAt FROM __drizzle_migrations').all() as {
      createdAt: number;
    }[];
    const known = new Set(journal.map((e) => Number(e.when)));
    const unknown = rows.filter((r) => !known.has(Number(r.createdAt)));
    if (unknown.length > 0) {
      throw new LedgerOpenError(
        'newer_version',
        `${file} was written by a newer Paydesk (${unknown.length} unknown migration(s)); upgrade Paydesk to open it. The file was not modified.`,
      );
    }
  } catch (err) {
    if (err instanceof LedgerOpenError) throw err;
    throw new LedgerOpenError(
      'corrupt',
      `${file} could not be read as a SQLite ledger (${(err as Error).message}); it was left untouched`,
    );
  } finally {
    probe?.close();
  }
}

/** Applies the connection pragmas every Paydesk connection uses. */
export function applyPragmas(sqlite: Database.Database, memory: boolean): void {
  if (!memory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
}

/**
 * Opens (creating if needed) a ledger file, refusing foreign, corrupt or newer files without writing to
 * them, then applies the pragmas and runs pending migrations.
 */
export function openLedger(file: string, migrationsFolder: string): Ledger {
  const memory = file === ':memory:';
  const journal = readJournal(migrationsFolder);
  if (!memory && existsSync(file)) {
    assertReadableFile(file);
    assertSqliteHeader(file);
    if (statSync(file).size > 0) assertKnownMigrations(file, journal);
  }
  let sqlite: Database.Database;
  try {
    // The ledger holds customer and payment data: a new file is created for its owner only (0600). SQLite gives
    // the WAL and shared-memory files the same mode as the database file.
    if (!memory && !existsSync(file)) closeSync(openSync(file, 'wx', 0o600));
    sqlite = new Database(file);
  } catch (err) {
    throw new LedgerOpenError('unreadable', `${file} could not be opened: ${(err as Error).message}`);
  }
  try {
    applyPragmas(sqlite, memory);
    const orm = drizzle(sqlite, { schema });
    migrate(orm, { migrationsFolder });
    return { file, sqlite, orm, close: () => sqlite.close() };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** Opens an existing, already migrated ledger for a worker thread (no migration, same pragmas). */
export function attachLedger(file: string): Ledger {
  const sqlite = new Database(file, { fileMustExist: true });
  applyPragmas(sqlite, false);
  const orm = drizzle(sqlite, { schema });
  return { file, sqlite, orm, close: () => sqlite.close() };
}
