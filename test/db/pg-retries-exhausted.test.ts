import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../db/storage/port';
import { toAppError } from '../../src-main/ipc/dispatch';
import { LEDGER_BUSY } from '../../src-main/ledger/errors';
import { silentLogger } from '../../src-main/services/context';
import { freshPostgres, STORAGES } from '../helpers/storages';

// Found by the soak on PostgreSQL: a long serializable transaction (a big batch's validation or submit) that
// other writers kept aborting ran out of retries and the clerk was answered `internal` ("Something went wrong").
// Nothing was changed, so the answer is the one SQLite gives a writer that could not get in: ledger-busy, try again.

const pgAvailable = STORAGES.find((s) => s.dialect === 'postgres')!.available;

describe.skipIf(!pgAvailable)('a PostgreSQL transaction that keeps losing to other writers', () => {
  let storage: Storage;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ storage, dispose } = await freshPostgres());
  });
  afterAll(() => dispose());

  for (const [what, errcode] of [
    ['a serialization failure', 'serialization_failure'],
    ['a deadlock', 'deadlock_detected'],
  ] as const) {
    it(`answers ledger-busy, not internal, once the retries of ${what} are spent`, async () => {
      let attempts = 0;
      const failure = await storage
        .transaction(
          async (tx) => {
            attempts++;
            await tx.run(
              sql.raw(`DO $$ BEGIN RAISE EXCEPTION 'lost again' USING ERRCODE = '${errcode}'; END $$`),
            );
          },
          { serializable: true },
        )
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(attempts).toBe(8);
      expect(toAppError(failure, silentLogger, 'batches:submit')).toEqual(LEDGER_BUSY);
    });
  }

  it('survives its connection being terminated in a transaction: the call fails, the process goes on', async () => {
    const failure = await storage
      .transaction((tx) => tx.run(sql`SELECT pg_terminate_backend(pg_backend_pid())`))
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 50));
    expect(await storage.transaction((tx) => tx.get(sql`SELECT 1 AS one`))).toEqual({ one: 1 });
  });

  it('leaves other database errors internal', async () => {
    const failure = await storage
      .transaction((tx) => tx.run(sql`SELECT 1 / 0`), { serializable: true })
      .then(
        () => null,
        (err: unknown) => err,
      );
    expect(toAppError(failure, silentLogger, 'batches:submit')).toMatchObject({ code: 'internal' });
  });
});
