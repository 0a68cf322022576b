import type Database from 'better-sqlite3';
import { conflict } from '../ledger/errors';
import type { Storage } from '../../db/storage/port';
import type { EventName, EventPayloads } from '../../src-shared/api/contract';
import type { OperatorDto } from '../../src-shared/dto/app';
import type { JobRunner } from './job-port';
import type { DesktopPort } from './team-connection';
import type { UploadStore } from './uploads';

/** Minimal structured logger; never given card data or secrets. */
export type Logger = {
  info: (msg: string, data?: Record<string, unknown>) => void;
  error: (msg: string, data?: Record<string, unknown>) => void;
};

/** Pushes events to whichever front door is listening (IPC, bridge SSE, CLI progress). */
export type EventSink = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/**
 * Where the ledger lives. `file` is the ledger file, or for a team server on PostgreSQL the server's home path
 * (its secret key file, uploads and default output folders sit beside it as beside a ledger file); `sqlite` is
 * the better-sqlite3 connection the storage runs on, absent when the ledger is PostgreSQL.
 */
export type LedgerPlace = {
  file: string;
  sqlite?: Database.Database | undefined;
  /** The passphrase of an encrypted SQLite ledger, kept in memory only so job workers can open the same file. */
  key?: string;
  /** How screens name a ledger that is not a file ("PostgreSQL host:port/database"; never a password). */
  name?: string;
};

/**
 * The SQLite connection for code that still writes through the driver; on PostgreSQL that code is refused with
 * what it is (`not-on-postgres`), before it changes anything.
 */
export function sqliteDriver(ledger: LedgerPlace, what: string): Database.Database {
  if (ledger.sqlite) return ledger.sqlite;
  throw conflict(
    'not-on-postgres',
    `${what} does not run on a PostgreSQL ledger yet: it still writes through the SQLite driver`,
  );
}

/** Everything a service needs, passed explicitly. */
export type ServiceContext = {
  ledger: LedgerPlace;
  /** The ledger behind the storage seam (db/storage): the services that have moved to repositories use it. */
  storage: Storage;
  /** The desktop app's own settings, only in Electron's main process (see team-connection.ts). */
  desktop?: DesktopPort;
  clock: () => Date;
  operator: OperatorDto;
  log: Logger;
  emit: EventSink;
  jobs: JobRunner;
  version: string;
  /** Files this process received for its clients (bridge stream, desktop chunks), named by upload id. */
  uploads: UploadStore;
};

/** A logger that writes JSON lines to stderr (silent when PAYDESK_QUIET is set). */
export const stderrLogger: Logger = {
  info: (msg, data) => {
    if (!process.env.PAYDESK_QUIET)
      process.stderr.write(JSON.stringify({ level: 'info', msg, ...data }) + '\n');
  },
  error: (msg, data) => {
    process.stderr.write(JSON.stringify({ level: 'error', msg, ...data }) + '\n');
  },
};

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info: () => {}, error: () => {} };
