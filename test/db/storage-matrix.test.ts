import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savedSearches } from '../../db/repos/saved-searches';
import { serverSessions, type ServerSessionRow } from '../../db/repos/server-sessions';
import { InexactInteger, UniqueViolation, type Storage } from '../../db/storage/port';
import {
  deleteSearch,
  listSavedSearches,
  renameSearch,
  saveSearch,
} from '../../src-main/services/suspense/saved-searches';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17, the storage seam: one suite, both databases. The PostgreSQL row needs PAYDESK_TEST_PG (.ci/run
// starts a throwaway cluster); locally without it that row is skipped, in CI it is required.

const NOW = new Date('2026-12-04T09:00:00Z');

/** Operators the saved searches and sessions belong to. */
async function operators(storage: Storage, n: number): Promise<number[]> {
  const logins = Object.fromEntries(Array.from({ length: n }, (_, i) => [`op${i}`, ['analyst']]));
  return Object.values(await addOperators(storage, logins, NOW));
}

describe.each(STORAGES)('storage port on $dialect', (row) => {
  let storage: Storage;
  let dispose: () => Promise<void>;
  let ana: number;
  let ben: number;

  beforeAll(async () => {
    if (!row.available) return;
    ({ storage, dispose } = await row.open());
    [ana, ben] = (await operators(storage, 2)) as [number, number];
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  it.runIf(row.available)(
    'commits what a transaction did and rolls back everything of one that threw',
    async () => {
      await saveSearch(storage, { name: 'Kept', filters: { owner: 1 } }, NOW, ana);
      await expect(
        storage.transaction(async (tx) => {
          await savedSearches.upsert(tx, ana, 'Lost', '{}', NOW.toISOString());
          await savedSearches.upsert(tx, ana, 'Lost too', '{}', NOW.toISOString());
          throw new Error('crash in the middle');
        }),
      ).rejects.toThrow('crash in the middle');
      expect((await listSavedSearches(storage, ana)).map((s) => s.name)).toEqual(['Kept']);
    },
  );

  it.runIf(row.available)('saves, replaces by name, renames and deletes per operator', async () => {
    const first = await saveSearch(storage, { name: 'Old cases', filters: { ageBucket: ['90+'] } }, NOW, ben);
    const again = await saveSearch(
      storage,
      { name: 'Old cases', filters: { ageBucket: ['61-90'] } },
      NOW,
      ben,
    );
    expect(again.id).toBe(first.id);
    expect(again.filters).toEqual({ ageBucket: ['61-90'] });
    expect(typeof again.id).toBe('number');

    const other = await saveSearch(storage, { name: 'Big', filters: { minAmount: '1000.00' } }, NOW, ben);
    const taken = await renameSearch(storage, { id: other.id, name: 'Old cases' }, NOW, ben).catch(
      (e: unknown) => e,
    );
    expect(taken).toMatchObject({ error: { code: 'conflict', rule: 'search-name-taken' } });
    expect((await renameSearch(storage, { id: other.id, name: 'Large' }, NOW, ben)).name).toBe('Large');
    // Another operator's search is not found, never renamed or deleted.
    expect(
      await renameSearch(storage, { id: other.id, name: 'Mine' }, NOW, ana).catch((e: unknown) => e),
    ).toMatchObject({ error: { code: 'not_found' } });
    expect(await deleteSearch(storage, other.id, ana).catch((e: unknown) => e)).toMatchObject({
      error: { code: 'not_found' },
    });
    expect(await deleteSearch(storage, other.id, ben)).toEqual({ deleted: 1 });
    expect((await listSavedSearches(storage, ben)).map((s) => s.name)).toEqual(['Old cases']);
  });

  it.runIf(row.available)(
    'lets the unique index, not a read first, refuse one of two concurrent renames to one name',
    async () => {
      const a = await saveSearch(storage, { name: 'A', filters: {} }, NOW, ana);
      const b = await saveSearch(storage, { name: 'B', filters: {} }, NOW, ana);
      const results = await Promise.allSettled([
        renameSearch(storage, { id: a.id, name: 'Same' }, NOW, ana),
        renameSearch(storage, { id: b.id, name: 'Same' }, NOW, ana),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(results.find((r) => r.status === 'rejected')).toMatchObject({
        reason: { error: { code: 'conflict', rule: 'search-name-taken' } },
      });
      expect((await listSavedSearches(storage, ana)).filter((s) => s.name === 'Same')).toHaveLength(1);
    },
  );

  it.runIf(row.available)(
    'keeps team-server sessions by key and drops the idle and the expired',
    async () => {
      const now = 1_796_000_000_000; // epoch ms: beyond 32 bits, exact on both
      const session = (key: string, over: Partial<ServerSessionRow> = {}): ServerSessionRow => ({
        key,
        kind: 'browser',
        operatorId: ana,
        locked: false,
        createdAtMs: now - 5_000,
        lastSeenMs: now - 1_000,
        expiresAtMs: null,
        ...over,
      });
      await storage.transaction(async (tx) => {
        await serverSessions.put(tx, session('fresh'));
        await serverSessions.put(tx, session('idle', { lastSeenMs: now - 3_600_001 }));
        await serverSessions.put(tx, session('api', { kind: 'api', expiresAtMs: now + 60_000 }));
        await serverSessions.put(tx, session('ended', { kind: 'api', expiresAtMs: now }));
        // Written again as it changes: locked, seen later.
        await serverSessions.put(tx, session('fresh', { locked: true, lastSeenMs: now - 10 }));
      });
      const browser = await storage.transaction((tx) => serverSessions.alive(tx, 'browser', now, 3_600_000));
      expect(browser).toEqual([session('fresh', { locked: true, lastSeenMs: now - 10 })]);
      const api = await storage.transaction((tx) => serverSessions.alive(tx, 'api', now, 3_600_000));
      expect(api.map((s) => s.key)).toEqual(['api']);
      expect(api[0]!.expiresAtMs).toBe(now + 60_000);
      await storage.transaction((tx) => serverSessions.remove(tx, 'fresh'));
      expect(await storage.transaction((tx) => serverSessions.alive(tx, 'browser', now, 3_600_000))).toEqual(
        [],
      );
    },
  );

  it.runIf(row.available)('refuses a write in a read-only transaction and keeps nothing of it', async () => {
    const refused = await storage
      .transaction((tx) => savedSearches.upsert(tx, ana, 'Read only', '{}', NOW.toISOString()), {
        readOnly: true,
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(
      (await storage.transaction((tx) => savedSearches.list(tx, ana), { readOnly: true })).map((s) => s.name),
    ).not.toContain('Read only');
    // The connection writes again afterwards.
    await saveSearch(storage, { name: 'After read only', filters: {} }, NOW, ana);
    await deleteSearch(
      storage,
      (await listSavedSearches(storage, ana)).find((s) => s.name === 'After read only')!.id,
      ana,
    );
  });

  it.runIf(row.available)(
    'a read-only transaction reads one snapshot: a commit between its reads is not seen',
    async () => {
      // A page and its totals, a case and its tree, an export's records and its ids: each read twice must agree.
      const count = (tx: Parameters<Parameters<Storage['transaction']>[0]>[0]): Promise<number> =>
        tx
          .get<{ n: number }>(
            sql`SELECT count(*) AS n FROM suspense_saved_searches WHERE operator_id = ${ben}`,
          )
          .then((r) => r!.n);
      let writing: Promise<unknown> = Promise.resolve();
      const [before, after] = await storage.transaction(
        async (tx) => {
          const first = await count(tx);
          // On PostgreSQL the write commits on another connection meanwhile; SQLite's adapter holds a writer
          // until no read is open, so there the write waits for this transaction.
          writing = saveSearch(storage, { name: 'Between reads', filters: {} }, NOW, ben);
          await Promise.race([writing, new Promise((r) => setTimeout(r, 300))]);
          return [first, await count(tx)];
        },
        { readOnly: true },
      );
      await writing;
      expect(after).toBe(before);
      const now = await storage.transaction(count, { readOnly: true });
      expect(now).toBe(before + 1);
      await deleteSearch(
        storage,
        (await listSavedSearches(storage, ben)).find((s) => s.name === 'Between reads')!.id,
        ben,
      );
    },
  );

  it.runIf(row.available)('names a unique violation the same way on both databases', async () => {
    const err = await storage
      .transaction(async (tx) => {
        await tx.run(sql`INSERT INTO suspense_saved_searches (operator_id, name, filters, created_at, updated_at)
                         VALUES (${ana}, ${'Twice'}, ${'{}'}, ${'x'}, ${'x'})`);
        await tx.run(sql`INSERT INTO suspense_saved_searches (operator_id, name, filters, created_at, updated_at)
                         VALUES (${ana}, ${'Twice'}, ${'{}'}, ${'x'}, ${'x'})`);
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UniqueViolation);
    expect((await listSavedSearches(storage, ana)).some((s) => s.name === 'Twice')).toBe(false);
  });

  it.runIf(row.available)(
    'reads 64-bit integers as exact numbers up to 2^53 - 1 and refuses what it cannot hold',
    async () => {
      const max = Number.MAX_SAFE_INTEGER;
      const cast = storage.dialect === 'postgres' ? sql`CAST(${String(max)} AS bigint)` : sql`${max}`;
      const row1 = await storage.transaction((tx) =>
        tx.get<{ n: number; c: number }>(
          sql`SELECT ${cast} AS n, count(*) AS c FROM suspense_saved_searches`,
        ),
      );
      expect(row1).toEqual({ n: max, c: expect.any(Number) as number });
      expect(typeof row1!.c).toBe('number');
      // Both refuse rather than round (SQLite's driver would hand on 9007199254740992 as a float).
      for (const big of ['9007199254740993', '-9007199254740993', '9223372036854775807']) {
        const over = await storage
          .transaction((tx) => tx.get(sql`SELECT CAST(${big} AS bigint) AS n`))
          .catch((e: unknown) => e);
        expect(over, big).toBeInstanceOf(InexactInteger);
      }
      if (storage.dialect === 'postgres') {
        const money = await storage.transaction((tx) =>
          tx.get<{ n: number }>(
            sql`SELECT sum(x) AS n FROM (VALUES (CAST(${'4503599627370496'} AS bigint)), (CAST(${'4503599627370495'} AS bigint))) v(x)`,
          ),
        );
        // sum(bigint) is numeric on PostgreSQL: still an exact integer, never a string or a float.
        expect(money).toEqual({ n: max });
      }
    },
  );
});
