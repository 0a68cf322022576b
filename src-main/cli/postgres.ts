import { join } from 'node:path';
import { openPostgresApp, type App } from '../app-context';
import { AppFailure, invalidFields } from '../ledger/errors';
import { userDataDir } from '../paths';
import type { LedgerPlace, Logger } from '../services/context';
import type { GlobalOptions } from './kit';
import type { AppError } from '../../src-shared/api/result';

/** The environment variable that names a PostgreSQL ledger, as --pg does. */
export const PG_ENV = 'PAYDESK_PG';

/**
 * The PostgreSQL ledger the options name (`--pg URL` or PAYDESK_PG), or undefined for a SQLite file. A URL that is
 * not postgres:// or postgresql://, or one given with --db, is refused before anything connects.
 */
export function pgUrlOf(opts: Pick<GlobalOptions, 'pg' | 'db'>): string | undefined {
  const url = opts.pg ?? process.env[PG_ENV];
  if (url === undefined || url === '') return undefined;
  if (opts.db !== undefined)
    throw pgRefused('give either --db FILE (SQLite) or --pg URL (PostgreSQL), not both');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw pgRefused('--pg is not a URL: use postgres://user:password@host:port/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    throw pgRefused(`--pg must be a postgres:// URL, not ${parsed.protocol}//`);
  return url;
}

/**
 * Where a process on a PostgreSQL ledger keeps what is not in the database: the secret key (`postgres.key`,
 * unless PAYDESK_SECRET_KEY gives one; every server and CLI of one database needs the same) and uploads, in the
 * user data directory.
 */
export function postgresHome(): string {
  return join(userDataDir(), 'postgres');
}

/** The URL with its password masked, for messages. */
export function maskedPgUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the --pg URL';
  }
}

/**
 * Opens the services on the PostgreSQL ledger at `url` (migrating it first). A database that cannot be reached or
 * refuses the sign-in is a validation error on `pg` naming the server (never its password).
 */
export async function openPostgresLedger(url: string, log: Logger): Promise<App<LedgerPlace>> {
  try {
    return await openPostgresApp({ url, home: postgresHome(), log });
  } catch (err) {
    if (err instanceof AppFailure) throw err;
    const code = (err as { code?: unknown }).code;
    const why = err instanceof Error ? err.message.replaceAll(url, maskedPgUrl(url)) : String(err);
    throw pgRefused(
      `cannot open the PostgreSQL ledger at ${maskedPgUrl(url)}: ${why}${typeof code === 'string' ? ` (${code})` : ''}`,
    );
  }
}

function pgRefused(message: string): AppFailure {
  return invalidFields(message, [{ path: 'pg', message }]);
}

/** `init --encrypt` on PostgreSQL: the file encryption is SQLite's; PostgreSQL encrypts with its own means. */
export function pgEncryptRefusal(): AppError {
  const message =
    'init --encrypt encrypts a SQLite ledger file; a PostgreSQL ledger is encrypted by the database server (disk or tablespace encryption)';
  return { code: 'validation', message, issues: [{ path: 'encrypt', message }] };
}
