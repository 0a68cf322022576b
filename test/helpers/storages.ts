import { randomBytes } from 'node:crypto';
import { operatorInsertQuery } from '../../db/repos/operators';
import pg from 'pg';
import { openLedger } from '../../db/client';
import { migratePostgres } from '../../db/storage/postgres-migrate';
import { postgresStorage } from '../../db/storage/postgres';
import type { Dialect, Storage } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import { tempDir } from './ledger';

/**
 * The storage matrix (issue #17): a test written once against the port runs on SQLite and on PostgreSQL.
 * PostgreSQL comes from PAYDESK_TEST_PG (`.ci/run` starts a throwaway cluster with scripts/pg-throwaway.sh);
 * without it the PostgreSQL rows are skipped, unless PAYDESK_TEST_PG_REQUIRED is set (CI), where they fail.
 */
export const PG_URL = process.env.PAYDESK_TEST_PG;

/** One database of the matrix. */
export type MatrixRow = {
  dialect: Dialect;
  /** False when this database is not available here (its tests are skipped). */
  available: boolean;
  /** A fresh, migrated, empty database and its storage; dispose drops it. */
  open: () => Promise<{ storage: Storage; dispose: () => Promise<void> }>;
};

/** A new, empty PostgreSQL database (not migrated) and its URL; drop removes it. */
export async function emptyPostgres(
  opts: { icu?: boolean } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!PG_URL) throw new Error('PostgreSQL is required here: set PAYDESK_TEST_PG (scripts/pg-throwaway.sh)');
  const name = `paydesk_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(
    opts.icu
      ? `CREATE DATABASE ${name} TEMPLATE template0 LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`
      : `CREATE DATABASE ${name}`,
  );
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const drop = new pg.Client({ connectionString: PG_URL });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await drop.end();
    },
  };
}

/**
 * A fresh, migrated PostgreSQL database and its storage; dispose drops it. With icu its default collation is ICU
 * en-US (it sorts 'a' before 'B' and '_' before digits), so a text order left to the database's collation shows.
 */
export async function freshPostgres(
  opts: { icu?: boolean } = {},
): Promise<{ storage: Storage; dispose: () => Promise<void> }> {
  const { url, drop } = await emptyPostgres(opts);
  await migratePostgres(url, 'db/migrations-pg');
  const storage = postgresStorage(url, { max: opts.icu ? 5 : 20 });
  return {
    storage,
    dispose: async () => {
      await storage.close();
      await drop();
    },
  };
}

function freshSqlite(): Promise<{ storage: Storage; dispose: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const ledger = openLedger(`${dir}/ledger.sqlite`, 'db/migrations');
  const storage = sqliteStorage(ledger.sqlite, { closeDb: true });
  return Promise.resolve({
    storage,
    dispose: async () => {
      await storage.close();
      cleanup();
    },
  });
}

/** Both databases; PostgreSQL is "available" when configured (and then required to work). */
export const STORAGES: MatrixRow[] = [
  { dialect: 'sqlite', available: true, open: freshSqlite },
  {
    dialect: 'postgres',
    available: PG_URL !== undefined || process.env.PAYDESK_TEST_PG_REQUIRED !== undefined,
    open: () => freshPostgres(),
  },
];

/**
 * Operators for audit rows and per-operator rows to name (both databases keep the foreign keys), written with the
 * repository's own insert; answers their ids by login.
 */
export async function addOperators<L extends string>(
  storage: Storage,
  roles: Record<L, readonly string[]>,
  at = new Date('2026-12-01T09:00:00Z'),
): Promise<Record<L, number>> {
  return storage.transaction(async (tx) => {
    const ids = {} as Record<L, number>;
    for (const login of Object.keys(roles) as L[]) {
      const row = await tx.get<{ id: number }>(
        operatorInsertQuery({
          login,
          name: login,
          roles: roles[login].join(','),
          createdAt: at.toISOString(),
          passwordHash: null,
        }),
      );
      ids[login] = row!.id;
    }
    return ids;
  });
}
