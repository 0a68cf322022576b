import Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type * as schema from './schema';

/** The drizzle handle with Paydesk's schema. */
export type Orm = BetterSQLite3Database<typeof schema>;

/**
 * drizzle with Paydesk's schema over a ledger's connection. The services use prepared SQL and nothing at start-up
 * needs drizzle, so it and the schema load only here (a separate chunk in the bundle) and for a pending migration.
 */
export async function openOrm(sqlite: Database.Database): Promise<Orm> {
  const [{ drizzle }, tables] = await Promise.all([import('drizzle-orm/better-sqlite3'), import('./schema')]);
  return drizzle(sqlite, { schema: tables });
}

/** Runs drizzle's migrator; loaded only when a migration is pending (the SQL files need no schema objects). */
function runMigrations(sqlite: Database.Database, migrationsFolder: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- a synchronous lazy load: opening a ledger stays synchronous */
  const { drizzle } = require('drizzle-orm/better-sqlite3') as typeof import('drizzle-orm/better-sqlite3');
  const { migrate } =
    require('drizzle-orm/better-sqlite3/migrator') as typeof import('drizzle-orm/better-sqlite3/migrator');
  /* eslint-enable @typescript-eslint/no-require-imports */
  migrate(drizzle(sqlite), { migrationsFolder });
}

/**
 * True when drizzle's migrator would apply something: as drizzle decides it (sqlite migrator), a migration runs
 * when the ledger has none recorded or its newest recorded one is older than the migration's folder time.
 */
function migrationsPending(sqlite: Database.Database, journal: JournalEntry[]): boolean {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return true;
  const last = sqlite
    .prepare('SELECT created_at AS createdAt FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1')
    .get() as { createdAt: number | string } | undefined;
  if (!last) return true;
  const newest = Math.max(...journal.map((e) => Number(e.when)));
  return Number(last.createdAt) < newest;
}

/** The Ledger of an open connection. */
function ledgerOf(file: string, sqlite: Database.Database, key: string | undefined): Ledger {
  return { file, sqlite, close: () => sqlite.close(), ...(key !== undefined ? { key } : {}) };
}

/** An open ledger: the raw better-sqlite3 handle (prepared SQL everywhere; openOrm gives drizzle over it). */
export type Ledger = {
  file: string;
  sqlite: Database.Database;
  close: () => void;
  /** The passphrase of an encrypted ledger, kept in memory only so job workers can open the same file. */
  key?: string;
};

/** How to open a ledger: `key` opens (or creates) a SQLCipher-encrypted file; without it the file is plain SQLite. */
export type LedgerOpenOptions = { key?: string };

/** The environment variable the CLI, jobs and the desktop app read the ledger passphrase from. */
export const LEDGER_KEY_ENV = 'PAYDESK_LEDGER_KEY';

/** Why a ledger file could not be opened. Nothing was written to the file in any of these cases. */
export class LedgerOpenError extends Error {
  constructor(
    readonly reason: 'not_sqlite' | 'corrupt' | 'newer_version' | 'unreadable' | 'encrypted' | 'wrong_key',
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

/** A SQLCipher file starts with a random salt and is whole pages (at least one 512-byte page or more). */
function looksEncrypted(size: number, head: Buffer): boolean {
  return size >= 512 && size % 512 === 0 && head.toString('latin1') !== SQLITE_MAGIC;
}

/** Whether a file is an encrypted ledger (no plain SQLite header, whole pages); for front doors and tests. */
export function isEncryptedLedgerFile(file: string): boolean {
  if (!existsSync(file)) return false;
  const size = statSync(file).size;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, 0);
    return looksEncrypted(size, buf);
  } finally {
    closeSync(fd);
  }
}

function assertSqliteHeader(file: string, key: string | undefined): void {
  const size = statSync(file).size;
  if (size === 0) return;
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const read = readSync(fd, buf, 0, 16, 0);
    const plain = read === 16 && buf.toString('latin1') === SQLITE_MAGIC;
    if (plain && key !== undefined) {
      throw new LedgerOpenError(
        'encrypted',
        `${file} is not encrypted but ${LEDGER_KEY_ENV} is set: unset it to open this ledger, or make an encrypted copy with \`paydesk ledger encrypt --out FILE\`; it was left untouched`,
      );
    }
    if (plain) return;
    if (looksEncrypted(size, buf)) {
      if (key === undefined) {
        throw new LedgerOpenError(
          'encrypted',
          `${file}: the ledger is encrypted: set ${LEDGER_KEY_ENV} to its passphrase (if this is not a Paydesk ledger, check the path); it was left untouched`,
        );
      }
      return;
    }
    throw new LedgerOpenError('not_sqlite', `${file} is not a SQLite ledger file; it was left untouched`);
  } finally {
    closeSync(fd);
  }
}

/** Quotes a string as a SQL literal (pragma arguments cannot be bound parameters). */
function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Keys a connection with SQLCipher 4 settings (SQLite3MultipleCiphers' `sqlcipher` scheme, legacy 4): it must run
 * before anything reads or writes the file. The passphrase goes through SQLCipher's KDF; it is never stored.
 */
export function applyCipher(sqlite: Database.Database, key: string): void {
  if (key.length === 0) throw new LedgerOpenError('wrong_key', `${LEDGER_KEY_ENV} is empty`);
  sqlite.pragma(`cipher = 'sqlcipher'`);
  sqlite.pragma('legacy = 4');
  sqlite.pragma(`key = ${sqlString(key)}`);
}

/** Opens a connection, keyed when a key is given, and proves the key by reading the schema. */
function openKeyed(file: string, key: string | undefined, options?: Database.Options): Database.Database {
  const sqlite = new Database(file, options);
  try {
    if (key !== undefined) {
      applyCipher(sqlite, key);
      try {
        sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
      } catch (err) {
        throw new LedgerOpenError(
          'wrong_key',
          `${file}: the ledger is encrypted: set ${LEDGER_KEY_ENV} (the passphrase given does not open it: ${(err as Error).message}); it was left untouched`,
        );
      }
    }
    return sqlite;
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** Refuses (read-only, before any write) a file whose applied migrations this version does not know. */
function assertKnownMigrations(file: string, journal: JournalEntry[], key: string | undefined): void {
  let probe: Database.Database | undefined;
  try {
    probe = openKeyed(file, key, { readonly: true, fileMustExist: true });
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

/**
 * Makes `db.transaction(fn)()` begin IMMEDIATE on this connection (`.deferred` stays available). Jobs write from
 * worker threads on their own connections while the main thread answers other operators: a deferred transaction
 * that read first cannot upgrade its stale snapshot once another connection committed, and SQLite answers
 * "database is locked" at once, without waiting. IMMEDIATE takes the write lock up front and waits (busy_timeout).
 */
function beginImmediateByDefault(sqlite: Database.Database): void {
  const plain = sqlite.transaction.bind(sqlite);
  sqlite.transaction = ((fn: (...args: never[]) => unknown) =>
    // The variants are closures that need no `this`, and each carries its siblings (.deferred, .immediate, ...).
    // eslint-disable-next-line @typescript-eslint/unbound-method
    plain(fn).immediate) as typeof sqlite.transaction;
}

/** Applies the connection pragmas every Paydesk connection uses. */
export function applyPragmas(sqlite: Database.Database, memory: boolean): void {
  beginImmediateByDefault(sqlite);
  if (!memory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
}

/**
 * Opens (creating if needed) a ledger file, refusing foreign, corrupt or newer files without writing to
 * them, then applies the pragmas and runs pending migrations. With `opts.key` the file is SQLCipher-encrypted
 * (a new file is created encrypted); the cipher is keyed before the WAL pragmas and migrations touch it.
 */
export function openLedger(file: string, migrationsFolder: string, opts: LedgerOpenOptions = {}): Ledger {
  const memory = file === ':memory:';
  const key = memory ? undefined : opts.key;
  const journal = readJournal(migrationsFolder);
  if (!memory && existsSync(file)) {
    assertReadableFile(file);
    assertSqliteHeader(file, key);
    if (statSync(file).size > 0) assertKnownMigrations(file, journal, key);
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
    if (key !== undefined) applyCipher(sqlite, key);
    applyPragmas(sqlite, memory);
    // Checking is two small queries; drizzle and the schema load only when there is something to apply.
    if (migrationsPending(sqlite, journal)) runMigrations(sqlite, migrationsFolder);
    return ledgerOf(file, sqlite, key);
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

/** Opens an existing, already migrated ledger for a worker thread (no migration, same pragmas and key). */
export function attachLedger(file: string, opts: LedgerOpenOptions = {}): Ledger {
  if (existsSync(file)) assertSqliteHeader(file, opts.key);
  const sqlite = openKeyed(file, opts.key, { fileMustExist: true });
  try {
    applyPragmas(sqlite, false);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return ledgerOf(file, sqlite, opts.key);
}

/**
 * Writes a converted copy of a ledger to `out` (a new file, 0600), leaving `file` untouched: `encrypt` keys the
 * copy with `toKey`; `decrypt` writes a plain copy of a ledger opened with `fromKey`. VACUUM INTO copies the
 * ledger (WAL included) with the source's encryption; the copy is then re-keyed in place.
 */
export function convertLedgerCopy(
  file: string,
  out: string,
  mode: { fromKey?: string; toKey?: string },
): void {
  if (existsSync(out)) {
    throw new LedgerOpenError('unreadable', `${out} already exists; give the path of a new file`);
  }
  assertReadableFile(file);
  if (mode.toKey !== undefined && isEncryptedLedgerFile(file)) {
    throw new LedgerOpenError('encrypted', `${file} is already encrypted; it was left untouched`);
  }
  assertSqliteHeader(file, mode.fromKey);
  const source = openKeyed(file, mode.fromKey, { readonly: true, fileMustExist: true });
  let created = false;
  try {
    closeSync(openSync(out, 'wx', 0o600));
    created = true;
    source.prepare('VACUUM INTO ?').run(out);
    const copy = openKeyed(out, mode.fromKey);
    try {
      // Re-keying needs a rollback journal; a ledger opened later switches back to WAL.
      copy.pragma('journal_mode = DELETE');
      if (mode.toKey !== undefined) {
        copy.pragma(`cipher = 'sqlcipher'`);
        copy.pragma('legacy = 4');
        copy.pragma(`rekey = ${sqlString(mode.toKey)}`);
      } else if (mode.fromKey !== undefined) {
        copy.pragma(`rekey = ''`);
      }
    } finally {
      copy.close();
    }
  } catch (err) {
    // No half-converted copy is left behind.
    if (created) for (const f of [out, `${out}-journal`]) rmSync(f, { force: true });
    if (err instanceof LedgerOpenError) throw err;
    throw new LedgerOpenError('unreadable', `${out} could not be written: ${(err as Error).message}`);
  } finally {
    source.close();
  }
}
