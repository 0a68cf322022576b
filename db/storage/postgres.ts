import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { exactInteger, UniqueViolation, type Storage, type Tx, type TxOptions } from './port';

const dialect = new PgDialect();

/** PostgreSQL type oids whose text the adapter parses itself. */
const INT8 = 20;
const NUMERIC = 1700;

/**
 * bigint (minor units, ids, counts) as exact numbers: pg hands int8 over as a string by default, and a
 * string must never reach a DTO, nor a float stand in for money. Values beyond 2^53 - 1 are refused.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown => {
    if (oid === INT8 || oid === NUMERIC) return (text: string) => exactInteger(text);
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Serialization failures and deadlocks, and in a serializable transaction a unique violation that escaped it: the
 * transaction may succeed when run again from the start. PostgreSQL reports a key a concurrent transaction
 * inserted as 23505, not 40001, unless this one read that key first (two analysts removing one payment read the
 * payment, not its journal's idempotency key), so its manual advises retrying 23505 as well. A key that was
 * there before refuses again on every attempt and is thrown after the last.
 */
const RETRYABLE = new Set(['40001', '40P01', '23505']);
/**
 * A locking transaction (read committed) is never aborted for a conflict, only picked as a deadlock's victim; a
 * unique violation there is a real refusal (its locks already keep concurrent writers of the same key apart).
 */
const LOCK_RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 8;

function mapError(err: unknown): unknown {
  const e = err as { code?: unknown; constraint?: unknown };
  if (e.code === '23505')
    return new UniqueViolation(typeof e.constraint === 'string' ? e.constraint : undefined, err);
  return err;
}

function txOf(client: pg.PoolClient): Tx {
  const query = async (q: SQL): Promise<pg.QueryResult> => {
    const { sql, params } = dialect.sqlToQuery(q);
    try {
      return await client.query(sql, params);
    } catch (err) {
      throw mapError(err);
    }
  };
  return {
    dialect: 'postgres',
    all: async <T>(q: SQL) => (await query(q)).rows as T[],
    get: async <T>(q: SQL) => (await query(q)).rows[0] as T | undefined,
    run: async (q: SQL) => ({ changes: (await query(q)).rowCount ?? 0 }),
  };
}

/** Options of the PostgreSQL adapter. */
export type PostgresOptions = { max?: number; applicationName?: string };

/**
 * A read-only transaction reads one snapshot (REPEATABLE READ: a page and its totals, a case and its tree agree;
 * READ COMMITTED would let each query see another commit); it writes nothing, so it is never aborted for a conflict.
 */
function beginStatement(txOpts: TxOptions): string {
  if (txOpts.locking && !txOpts.serializable) return 'BEGIN ISOLATION LEVEL READ COMMITTED';
  const isolation = txOpts.serializable
    ? ' ISOLATION LEVEL SERIALIZABLE'
    : txOpts.readOnly
      ? ' ISOLATION LEVEL REPEATABLE READ'
      : '';
  return `BEGIN${isolation}${txOpts.readOnly ? ' READ ONLY' : ''}`;
}

/** The PostgreSQL adapter over a connection pool (postgres://user@host:port/db). */
export function postgresStorage(url: string, opts: PostgresOptions = {}): Storage {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'paydesk',
    types,
  });
  // An idle client's connection dropped by the server must not crash the process; the next checkout reconnects.
  pool.on('error', () => undefined);
  // Nor a busy one's (the database restarted, failed over, or the connection was terminated): its query rejects
  // with that error, which the transaction rolls back on and its caller hears; the client's own 'error' event,
  // unheard, would end the whole server.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return {
    dialect: 'postgres',
    async transaction<T>(fn: (t: Tx) => Promise<T>, txOpts: TxOptions = {}): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query(beginStatement(txOpts));
          const out = await fn(txOf(client));
          await client.query('COMMIT');
          return out;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          const code =
            ((err as { cause?: unknown }).cause as { code?: unknown } | undefined)?.code ??
            (err as { code?: unknown }).code;
          const retryable =
            typeof code === 'string' &&
            (txOpts.serializable ? RETRYABLE.has(code) : txOpts.locking === true && LOCK_RETRYABLE.has(code));
          if (retryable && attempt < MAX_ATTEMPTS) {
            await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
            continue;
          }
          throw err;
        } finally {
          client.release(broken);
        }
      }
    },
    close: () => pool.end(),
  };
}
