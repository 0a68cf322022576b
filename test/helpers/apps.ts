import { hashSync } from '@node-rs/argon2';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { operatorInsertQuery } from '../../db/repos/operators';
import type { Dialect, Storage, Tx } from '../../db/storage/port';
import { openApp, openPostgresApp, type App } from '../../src-main/app-context';
import { runCli } from '../../src-main/cli/main';
import type { JobRunner } from '../../src-main/jobs/runner';
import type { LedgerPlace } from '../../src-main/services/context';
import type { CliRun } from './cli';
import { TEST_PASSWORD } from './passwords';
import { emptyPostgres, STORAGES } from './storages';
import { tempDir } from './temp';

/**
 * The app matrix (issue #17): an integration suite that opens a whole app (dispatch, team server, CLI) runs on a
 * SQLite file and on PostgreSQL. PostgreSQL is available as in STORAGES (PAYDESK_TEST_PG).
 */

/** How to open one app of the matrix. */
export type AppOpenOptions = {
  /** The in-process caller (see AppOptions.login). */
  login?: string;
  clock?: () => Date;
  /** The job runner instead of the database's own (e.g. an inline runner with a progress tap), on either one. */
  jobs?: (ctx: { ledger: LedgerPlace; storage?: Storage }) => JobRunner;
};

/** An app on a fresh ledger of one database, with what a suite needs to reach the same ledger another way. */
export type TestApp = App<LedgerPlace> & {
  dialect: Dialect;
  /** A temporary folder removed by dispose. */
  dir: string;
  /** The global CLI options that name this ledger: `--db FILE` or `--pg URL`. */
  ledgerArgs: string[];
  /**
   * The environment a CLI process on this ledger needs besides: on PostgreSQL its home (secret key, uploads)
   * in the test folder rather than the user's data directory.
   */
  cliEnv: Record<string, string>;
  /** Another app on the same ledger, as a second process would open it (closed by dispose). */
  again: (opts?: AppOpenOptions) => Promise<App<LedgerPlace>>;
  /** Rows of a read, in one snapshot through the port (both databases). */
  all: <T>(query: SQL) => Promise<T[]>;
  get: <T>(query: SQL) => Promise<T | undefined>;
  /** Gives the operator the test password (created with these roles if missing), so the CLI can sign in. */
  giveTestPassword: (login: string, roles?: string) => Promise<void>;
  dispose: () => Promise<void>;
};

/** One database of the app matrix. */
export type AppRow = {
  dialect: Dialect;
  /** False when this database is not available here (its suites are skipped). */
  available: boolean;
  open: (opts?: AppOpenOptions) => Promise<TestApp>;
};

let testHash: string | undefined;

function withTestApp(
  app: App<LedgerPlace>,
  dialect: Dialect,
  dir: string,
  ledgerArgs: string[],
  cliEnv: Record<string, string>,
  again: (opts: AppOpenOptions, n: number) => Promise<App<LedgerPlace>>,
  drop: () => Promise<void>,
  cleanup: () => void,
): TestApp {
  const others: App<LedgerPlace>[] = [];
  const read = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    app.ctx.storage.transaction(fn, { readOnly: true });
  return {
    ...app,
    dialect,
    dir,
    ledgerArgs,
    cliEnv,
    again: async (opts = {}) => {
      const other = await again(opts, others.length + 1);
      others.push(other);
      return other;
    },
    all: <T>(query: SQL) => read((tx) => tx.all<T>(query)),
    get: <T>(query: SQL) => read((tx) => tx.get<T>(query)),
    giveTestPassword: async (login, roles = 'clerk') => {
      testHash ??= hashSync(TEST_PASSWORD);
      const hash = testHash;
      const at = new Date().toISOString();
      await app.ctx.storage.transaction(async (tx) => {
        const set = await tx.run(
          sql`UPDATE operators SET password_hash = ${hash}, password_changed_at = ${at} WHERE login = ${login}`,
        );
        if (set.changes === 0)
          await tx.run(operatorInsertQuery({ login, name: login, roles, createdAt: at, passwordHash: hash }));
      });
    },
    dispose: async () => {
      for (const other of others) other.close();
      app.close();
      await drop();
      cleanup();
    },
  };
}

function sqliteApp(opts: AppOpenOptions = {}): Promise<TestApp> {
  const { dir, cleanup } = tempDir('paydesk-app-');
  const file = join(dir, 'ledger.sqlite');
  const open = (o: AppOpenOptions): App<LedgerPlace> =>
    openApp({ file, ...o, migrationsFolder: 'db/migrations' });
  const app = open(opts);
  return Promise.resolve(
    withTestApp(
      app,
      'sqlite',
      dir,
      ['--db', file],
      {},
      (o) => Promise.resolve(open(o)),
      () => Promise.resolve(),
      cleanup,
    ),
  );
}

async function postgresApp(opts: AppOpenOptions = {}): Promise<TestApp> {
  const { dir, cleanup } = tempDir('paydesk-app-');
  const { url, drop } = await emptyPostgres();
  const open = (o: AppOpenOptions, home: string): Promise<App<LedgerPlace>> =>
    openPostgresApp({ url, home, ...o, migrationsFolder: 'db/migrations-pg' });
  let app: App<LedgerPlace>;
  try {
    app = await open(opts, join(dir, 'server'));
  } catch (err) {
    await drop();
    cleanup();
    throw err;
  }
  return withTestApp(
    app,
    'postgres',
    dir,
    ['--pg', url],
    { PAYDESK_USER_DATA: join(dir, 'cli') },
    (o, n) => open(o, join(dir, `server-${n}`)),
    drop,
    cleanup,
  );
}

/** Both databases; PostgreSQL is available when configured (and then required to work). */
export const APPS: AppRow[] = STORAGES.map((row) => ({
  dialect: row.dialect,
  available: row.available,
  open: row.dialect === 'sqlite' ? sqliteApp : postgresApp,
}));

/**
 * The CLI run in-process on this app's ledger (as `cliOn` does for a file): `cli('--json', 'jobs', 'list')`.
 * The app is read at each call, so a suite may open it in `beforeAll`.
 */
export function cliOnApp(app: () => TestApp): (...args: string[]) => Promise<CliRun> {
  return async (...args) => {
    const { ledgerArgs, cliEnv } = app();
    const saved = Object.fromEntries(Object.keys(cliEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, cliEnv);
    let out = '';
    let err = '';
    try {
      const code = await runCli(['node', 'paydesk', ...ledgerArgs, ...args], {
        out: (t) => (out += t),
        err: (t) => (err += t),
        isTty: false,
      });
      return { code, out, err };
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  };
}
