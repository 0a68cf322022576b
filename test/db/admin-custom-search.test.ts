import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommandName, CommandOutput } from '../../src-shared/api/contract';
import type { AppError } from '../../src-shared/api/result';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';

let app: TestApp;

async function ok<K extends CommandName>(command: K, input: unknown): Promise<CommandOutput<K>> {
  const r = await app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${JSON.stringify(r.error)}`);
  return r.value as CommandOutput<K>;
}

async function fail(command: CommandName, input: unknown): Promise<AppError> {
  const r = await app.dispatch(command, input);
  if (r.ok) throw new Error(`${command} unexpectedly succeeded: ${JSON.stringify(r.value)}`);
  return r.error;
}

/** A payment batch of five entries with custom values in two fields (one entry has none). */
async function seed(): Promise<number> {
  await ok('admin:save-custom-field', {
    key: 'region',
    label: 'Region',
    type: 'code',
    codes: [
      { code: 'N', label: 'North' },
      { code: 'NE', label: 'North east' },
      { code: 'S', label: 'South' },
    ],
    maxLength: 4,
  });
  await ok('admin:save-custom-field', {
    key: 'slip-no',
    label: 'Slip',
    type: 'text',
    codes: [],
    maxLength: 20,
  });
  const batch = await ok('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' });
  await ok('batches:save-entries', {
    batchId: batch.id,
    entries: [
      { accountNo: 'A1', amount: '1.00', custom: { region: 'N', 'slip-no': 'Box 7-A' } },
      { accountNo: 'A2', amount: '2.00', custom: { region: 'NE', 'slip-no': 'box 8' } },
      { accountNo: 'A3', amount: '3.00', custom: { region: 'S' } },
      { accountNo: 'A4', amount: '4.00' },
      { accountNo: 'A5', amount: '5.00', custom: { region: 'N', 'slip-no': 'BOX 9' } },
    ],
  });
  return batch.id;
}

describe.each(APPS.filter((r) => r.available))('custom field search ($dialect)', ({ dialect, open }) => {
  describe('batch entries filtered by a custom field', () => {
    beforeEach(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    });
    afterEach(() => app.dispose());

    it('matches the whole value or a part of it, with totals of the filter, sorted and paged', async () => {
      const batchId = await seed();
      const exact = await ok('batches:entries', {
        batchId,
        custom: { field: 'region', value: 'N', match: 'exact' },
      });
      expect(exact.rows.map((r) => r.accountNo)).toEqual(['A1', 'A5']);
      expect(exact).toMatchObject({ total: 2, totalAmountMinor: 600 });

      const part = await ok('batches:entries', { batchId, custom: { field: 'region', value: 'n' } });
      expect(part.rows.map((r) => r.accountNo)).toEqual(['A1', 'A2', 'A5']);

      const slip = await ok('batches:entries', {
        batchId,
        custom: { field: 'slip-no', value: 'box' },
        sortBy: 'amountMinor',
        sortDir: 'desc',
        startRow: 1,
        endRow: 3,
      });
      expect(slip.rows.map((r) => r.accountNo)).toEqual(['A2', 'A1']);
      expect(slip).toMatchObject({ total: 3, totalAmountMinor: 800 });

      // Positive and negative status combinations.
      const south = await ok('batches:entries', {
        batchId,
        status: ['new'],
        custom: { field: 'region', value: 'S', match: 'exact' },
      });
      expect(south.rows.map((r) => r.accountNo)).toEqual(['A3']);
      // Combined with a status filter: no entry is invalid.
      const none = await ok('batches:entries', {
        batchId,
        status: ['invalid'],
        custom: { field: 'region', value: 'S' },
      });
      expect(none).toMatchObject({ rows: [], total: 0 });
    });

    // The index an exact search makes is SQLite's own fast path (db/repos/batches.ts entryCustomIndex).
    it.runIf(dialect === 'sqlite')(
      'an exact search makes an index on the field that the lookup uses',
      async () => {
        const batchId = await seed();
        await ok('batches:entries', { batchId, custom: { field: 'region', value: 'N', match: 'exact' } });
        const indexes = await app.all<{ name: string }>(
          sql`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'batch_entries_custom_%'`,
        );
        expect(indexes.map((r) => r.name)).toEqual(['batch_entries_custom_region_idx']);
        const plan = await app.all<{ detail: string }>(
          sql`EXPLAIN QUERY PLAN SELECT id FROM batch_entries WHERE batch_id = ${batchId} AND json_extract(custom_json, '$."region"') = 'N'`,
        );
        expect(plan.map((p) => p.detail).join(' ')).toContain('batch_entries_custom_region_idx');
      },
    );

    it('refuses an unknown field or an empty value and changes nothing', async () => {
      const batchId = await seed();
      expect(
        await fail('batches:entries', { batchId, custom: { field: 'ghost', value: 'x' } }),
      ).toMatchObject({
        code: 'validation',
        issues: [{ path: 'custom.field' }],
      });
      expect(
        (await fail('batches:entries', { batchId, custom: { field: 'region', value: '  ' } })).code,
      ).toBe('validation');
      expect(
        (await fail('batches:entries', { batchId, custom: { field: "x') OR 1=1 --", value: 'a' } })).code,
      ).toBe('validation');
    });
  });

  describe('batch show --entries --custom', () => {
    const cli = cliOnApp(() => app);
    beforeAll(async () => {
      app = await open({ clock: () => new Date('2026-11-22T09:00:00Z') });
    });
    afterAll(() => app.dispose());

    it('prints only the matching entries', async () => {
      const base = ['--operator', 'root', '--json'];
      expect((await cli(...base, 'init')).code).toBe(0);
      const field = JSON.stringify({
        key: 'region',
        label: 'Region',
        type: 'text',
        codes: [],
        maxLength: 20,
      });
      expect((await cli(...base, 'call', 'admin:save-custom-field', field)).code).toBe(0);
      const batch = JSON.parse((await cli(...base, 'batch', 'create', '--currency', 'USD')).out) as {
        id: number;
      };
      const entries = JSON.stringify({
        batchId: batch.id,
        entries: [
          { accountNo: 'A1', amount: '1.00', custom: { region: 'North' } },
          { accountNo: 'A2', amount: '2.00', custom: { region: 'Northeast' } },
        ],
      });
      expect((await cli(...base, 'call', 'batches:save-entries', entries)).code).toBe(0);

      const show = async (...extra: string[]) =>
        JSON.parse((await cli(...base, 'batch', 'show', String(batch.id), '--entries', ...extra)).out) as {
          entries: { accountNo: string }[];
        };
      expect((await show('--custom', 'region=north')).entries.map((e) => e.accountNo)).toEqual(['A1', 'A2']);
      expect((await show('--custom', 'region=North', '--exact')).entries.map((e) => e.accountNo)).toEqual([
        'A1',
      ]);
      const bad = await cli(...base, 'batch', 'show', String(batch.id), '--entries', '--custom', 'nope=1');
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.out)).toMatchObject({ error: { code: 'validation' } });
    });
  });
});
