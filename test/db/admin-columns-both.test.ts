import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binary } from '../../db/repos/dialect';
import type { Dialect, Storage } from '../../db/storage/port';
import {
  deleteColumns,
  deleteCustomField,
  gridColumns,
  listColumnSets,
  listCustomFields,
  resetLayout,
  saveColumns,
  saveCustomField,
  saveLayout,
} from '../../src-main/services/admin/columns';
import type { ColumnConfig } from '../../src-shared/columns';
import type { ColumnSetDto, CustomFieldDto } from '../../src-shared/dto/admin';
import { freshPostgres, PG_URL, STORAGES, addOperators } from '../helpers/storages';
import { alikeOn } from '../helpers/alike';

// Issue #17: custom fields, column sets and the operators' grid layouts run through the storage port. The same
// calls on SQLite and PostgreSQL must answer alike, write the same rows and audit rows, refuse alike writing
// nothing, and read a fresh ledger's seeded column sets alike.

const NOW = new Date('2026-12-06T09:00:00Z');

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; ops: Ops };
type Ops = { ada: number; carl: number; cleo: number };

/** Every row the column commands write or read, in one order on both databases. */
async function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      customFields: await tx.all(
        sql`SELECT key, label, type, codes_json AS "codesJson", max_length AS "maxLength" FROM custom_fields
            ORDER BY ${binary(tx, sql`key`)}`,
      ),
      columns: await tx.all(
        sql`SELECT batch_type AS "batchType", pay_type AS "payType", position, field, caption, purpose, width, visible,
              required, format FROM column_configs ORDER BY batch_type, pay_type, position`,
      ),
      layouts: await tx.all(
        sql`SELECT operator_id AS "operatorId", batch_type AS "batchType", pay_type AS "payType",
              layout_json AS "layoutJson", updated_at AS "updatedAt" FROM column_layouts
            ORDER BY operator_id, batch_type, pay_type`,
      ),
      audit: await tx.all(
        sql`SELECT at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** The operators the audit rows and layouts name. */
function operators(storage: Storage): Promise<Ops> {
  return addOperators(storage, { ada: ['admin'], carl: ['clerk'], cleo: ['clerk'] }, NOW);
}

/** A batch whose entries hold custom values (region on one entry, pieces on another). */
async function entriesWithValues(storage: Storage, createdBy: number): Promise<void> {
  await storage.transaction(async (tx) => {
    const at = NOW.toISOString();
    const batch = (await tx.get<{ id: number }>(
      sql`INSERT INTO batches (batch_no, batch_type, pay_type, currency, allocation_level, status, batch_date,
            created_at, updated_at, created_by)
          VALUES ('B-1', 'payment', 10012, 'USD', 'bill', 'open', '2026-12-06', ${at}, ${at}, ${createdBy})
          RETURNING id`,
    ))!.id;
    const entries: [string, string | null][] = [
      ['e1', JSON.stringify({ region: 'N' })],
      ['e2', JSON.stringify({ pieces: '3', region: null })],
      ['e3', JSON.stringify({ tag: null })],
      ['e4', null],
    ];
    for (const [i, [key, custom]] of entries.entries())
      await tx.run(
        sql`INSERT INTO batch_entries (batch_id, seq, entry_key, status, custom_json)
            VALUES (${batch}, ${i + 1}, ${key}, 'new', ${custom})`,
      );
  });
}

const field = (f: Partial<CustomFieldDto> & { key: string }): CustomFieldDto => ({
  label: f.key,
  type: 'text',
  codes: [],
  maxLength: 20,
  ...f,
});

const col = (c: Partial<ColumnConfig> & { field: string }): ColumnConfig => ({
  caption: c.field,
  purpose: 'entry',
  width: 100,
  visible: true,
  required: false,
  format: '',
  ...c,
});

/** A payment column set: amount and account, then the given columns. */
const paymentSet = (payType: number, ...more: ColumnConfig[]): ColumnSetDto => ({
  batchType: 'payment',
  payType,
  columns: [col({ field: 'amount', required: true }), col({ field: 'accountNo' }), ...more],
});

const ROWS = STORAGES.filter((r) => r.available);

describe('custom fields and column sets on both databases', () => {
  const dbs: Db[] = [];

  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      dbs.push({ dialect: row.dialect, storage, dispose, ops: await operators(storage) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);

  it("reads a fresh ledger's seeded column sets and custom fields alike", async () => {
    const seeded = await same(async ({ storage }) => ({
      fields: await listCustomFields(storage),
      sets: await listColumnSets(storage),
      rows: (await tables(storage)).columns,
      enabled: await storage.transaction((tx) =>
        tx.all(sql`SELECT pay_type AS "payType", enabled FROM pay_type_settings ORDER BY pay_type`),
      ),
    }));
    expect(seeded.fields).toEqual([]);
    expect(seeded.sets.map((s) => `${s.batchType}/${s.payType}:${s.columns.length}`)).toEqual([
      'payment/0:7',
      'refund/0:7',
      'reversal/0:5',
    ]);
    expect(seeded.sets[0]!.columns[2]).toEqual({
      field: 'amount',
      caption: 'Amount',
      purpose: 'entry',
      width: 110,
      visible: true,
      required: true,
      format: '',
    });
    await same(({ storage, ops }) =>
      gridColumns(storage, ops.carl, { batchType: 'reversal', payType: 10012 }),
    );
  });

  it('saves, changes and deletes custom fields and column sets with equal answers and audit rows', async () => {
    const mark = await same(async ({ storage }) => (await tables(storage)).audit.length);
    const answers = await same(async ({ storage, ops }) => {
      const out: unknown[] = [];
      const log = async (p: Promise<unknown>) => out.push(await p);
      const region = field({
        key: 'region',
        label: 'Region',
        type: 'code',
        codes: [
          { code: 'N', label: 'North' },
          { code: 'S', label: 'South' },
        ],
        maxLength: 4,
      });
      await log(saveCustomField(storage, region, NOW, ops.ada));
      await log(saveCustomField(storage, { ...region, label: 'Sales region' }, NOW, ops.ada));
      // Keys in code-point order on both: upper case before lower case, "_" after upper-case letters.
      for (const key of ['slip-no', 'Zone', 'a_b', 'A9'])
        await log(saveCustomField(storage, field({ key }), NOW, ops.ada));
      await log(listCustomFields(storage));
      await log(
        saveColumns(
          storage,
          paymentSet(
            10012,
            col({ field: 'checkNo', caption: ' Check ', required: true }),
            col({ field: 'custom:region', caption: 'Region', format: 'code' }),
          ),
          NOW,
          ops.ada,
        ),
      );
      await log(
        saveColumns(
          storage,
          {
            batchType: 'reversal',
            payType: 10003,
            columns: [
              col({ field: 'paymentRef', required: true }),
              col({ field: 'checkNo', caption: 'Card no', purpose: 'display' }),
            ],
          },
          NOW,
          ops.ada,
        ),
      );
      // The default set changed: its old columns are the audit's "before".
      await log(saveColumns(storage, paymentSet(0, col({ field: 'custom:slip-no' })), NOW, ops.ada));
      await log(listColumnSets(storage));
      await log(gridColumns(storage, ops.carl, { batchType: 'payment', payType: 10012 }));
      await log(gridColumns(storage, ops.carl, { batchType: 'payment', payType: 10011 }));
      await log(deleteColumns(storage, { batchType: 'payment', payType: 10012 }, NOW, ops.ada));
      await log(deleteColumns(storage, { batchType: 'payment', payType: 10012 }, NOW, ops.ada));
      await log(gridColumns(storage, ops.carl, { batchType: 'payment', payType: 10012 }));
      await log(deleteCustomField(storage, 'a_b', NOW, ops.ada));
      await log(listCustomFields(storage));
      const t = await tables(storage);
      out.push({ ...t, audit: t.audit.slice(mark) });
      return out;
    });
    expect((answers[6] as CustomFieldDto[]).map((f) => f.key)).toEqual([
      'A9',
      'Zone',
      'a_b',
      'region',
      'slip-no',
    ]);
    expect(answers[7]).toMatchObject({
      columns: [{ field: 'amount' }, { field: 'accountNo' }, { field: 'checkNo', caption: 'Check' }, {}],
    });
    expect(answers[11]).toMatchObject({
      sourcePayType: 10012,
      customFields: [{ key: 'region' }],
      layout: null,
    });
    expect(answers[12]).toMatchObject({ sourcePayType: 0, customFields: [{ key: 'slip-no' }] });
    expect(answers.slice(13, 15)).toEqual([{ deleted: true }, { deleted: false }]);
    expect(answers[15]).toMatchObject({ sourcePayType: 0 });
    expect(answers[16]).toEqual({ deleted: 'a_b' });
    const written = answers[18] as Awaited<ReturnType<typeof tables>>;
    expect(written.audit.map((a) => (a as { action: string }).action)).toEqual([
      ...Array<string>(6).fill('custom_field.save'),
      'columns.save',
      'columns.save',
      'columns.save',
      'columns.delete',
      'custom_field.delete',
    ]);
    expect(written.audit[1]).toMatchObject({ entityId: 'region', operatorId: dbs[0]!.ops.ada });
    expect(JSON.parse((written.audit[1] as { before: string }).before)).toMatchObject({ label: 'Region' });
    expect((written.audit[8] as { before: string | null }).before).not.toBeNull();
    expect((written.audit[6] as { before: string | null }).before).toBeNull();
  });

  it('refuses every broken rule alike, writing nothing', async () => {
    await same(async ({ storage, ops }) => {
      await entriesWithValues(storage, ops.ada);
      await saveCustomField(storage, field({ key: 'pieces', type: 'number' }), NOW, ops.ada);
      await saveCustomField(storage, field({ key: 'tag' }), NOW, ops.ada);
      const region = (await listCustomFields(storage)).find((f) => f.key === 'region')!;
      // Two sets show region: the refusal names the first by batch type, then pay type, on both.
      await saveColumns(
        storage,
        { ...paymentSet(10013, col({ field: 'custom:region', format: 'code' })) },
        NOW,
        ops.ada,
      );
      await saveColumns(
        storage,
        { ...paymentSet(10011, col({ field: 'custom:region', format: 'code' })), batchType: 'refund' },
        NOW,
        ops.ada,
      );
      await storage.transaction((tx) =>
        tx.run(sql`UPDATE pay_type_settings SET enabled = 0 WHERE pay_type = 10015`),
      );
      return region;
    });

    expect(
      await refused(({ storage, ops }) =>
        saveCustomField(storage, field({ key: 'kind', type: 'code' }), NOW, ops.ada),
      ),
    ).toMatchObject({
      code: 'validation',
      issues: [{ path: 'codes', message: 'a code-list field needs at least one code' }],
    });
    expect(
      await refused(({ storage, ops }) =>
        saveCustomField(
          storage,
          field({
            key: 'kind',
            type: 'code',
            codes: [
              { code: 'A', label: '' },
              { code: 'A', label: '' },
            ],
          }),
          NOW,
          ops.ada,
        ),
      ),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'codes.1.code' }] });
    expect(
      await refused(({ storage, ops }) =>
        saveCustomField(storage, field({ key: 'pieces', type: 'text' }), NOW, ops.ada),
      ),
    ).toEqual({
      code: 'conflict',
      rule: 'custom-field-in-use',
      message: 'pieces already holds number values in batch entries; add a new field instead',
    });
    expect(
      await refused(({ storage, ops }) =>
        saveCustomField(storage, field({ key: 'region', type: 'text' }), NOW, ops.ada),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'custom-field-in-use' });
    expect(
      await refused(({ storage, ops }) => deleteCustomField(storage, 'ghost', NOW, ops.ada)),
    ).toMatchObject({
      code: 'not_found',
      entity: 'custom field',
      key: 'ghost',
    });
    expect(await refused(({ storage, ops }) => deleteCustomField(storage, 'region', NOW, ops.ada))).toEqual({
      code: 'conflict',
      rule: 'custom-field-in-use',
      message: 'region is a column of the payment batch layout (pay type 10013); remove the column first',
    });
    expect(await refused(({ storage, ops }) => deleteCustomField(storage, 'pieces', NOW, ops.ada))).toEqual({
      code: 'conflict',
      rule: 'custom-field-in-use',
      message: 'pieces holds values in batch entries',
    });
    expect(
      await refused(({ storage, ops }) => saveColumns(storage, paymentSet(10003), NOW, ops.ada)),
    ).toMatchObject({
      code: 'validation',
      issues: [{ path: 'payType', message: 'payment batches do not take pay type 10003' }],
    });
    expect(
      await refused(({ storage, ops }) => saveColumns(storage, paymentSet(99_999), NOW, ops.ada)),
    ).toMatchObject({ issues: [{ path: 'payType', message: 'payment batches do not take pay type 99999' }] });
    expect(
      await refused(({ storage, ops }) => saveColumns(storage, paymentSet(10015), NOW, ops.ada)),
    ).toMatchObject({ issues: [{ path: 'payType', message: 'pay type 10015 is not enabled' }] });
    expect(
      await refused(({ storage, ops }) =>
        saveColumns(
          storage,
          paymentSet(
            0,
            col({ field: 'custom:ghost' }),
            col({ field: 'amount' }),
            col({ field: 'checkNo', purpose: 'display' }),
          ),
          NOW,
          ops.ada,
        ),
      ),
    ).toMatchObject({
      code: 'validation',
      issues: [
        { path: 'columns.2.field', message: 'custom field "ghost" is not defined' },
        { path: 'columns.3.field', message: 'amount is shown twice' },
        { path: 'columns.4.purpose' },
      ],
    });
    expect(
      await refused(({ storage, ops }) =>
        saveColumns(
          storage,
          { batchType: 'payment', payType: 0, columns: [col({ field: 'amount' })] },
          NOW,
          ops.ada,
        ),
      ),
    ).toMatchObject({ issues: [{ path: 'columns' }] });

    // A JSON null is no value on both: tag's type may change and it may be deleted.
    expect(
      await same(async ({ storage, ops }) => [
        await saveCustomField(storage, field({ key: 'tag', type: 'date' }), NOW, ops.ada),
        await deleteCustomField(storage, 'tag', NOW, ops.ada),
      ]),
    ).toEqual([field({ key: 'tag', type: 'date' }), { deleted: 'tag' }]);
  });

  it('drops the search index of a deleted custom field on both', async () => {
    const indexes = async ({ dialect, storage }: Db): Promise<string[]> =>
      (
        await storage.transaction((tx) =>
          tx.all<{ name: string }>(
            dialect === 'postgres'
              ? sql`SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE 'batch_entries_custom_%'`
              : sql`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'batch_entries_custom_%'`,
          ),
        )
      ).map((r) => r.name);
    await same(async (db) => {
      await saveCustomField(db.storage, field({ key: 'bag-no' }), NOW, db.ops.ada);
      await db.storage.transaction((tx) =>
        tx.run(sql`CREATE INDEX "batch_entries_custom_bag-no_idx" ON batch_entries (batch_id, seq)`),
      );
      expect(await indexes(db)).toEqual(['batch_entries_custom_bag-no_idx']);
      const answer = await deleteCustomField(db.storage, 'bag-no', NOW, db.ops.ada);
      expect(await indexes(db)).toEqual([]);
      return answer;
    });
  });

  it("keeps two operators' layouts apart, audited alike", async () => {
    const mark = await same(async ({ storage }) => (await tables(storage)).audit.length);
    const grid = { batchType: 'payment', payType: 10013 } as const;
    const mine = { order: ['custom:region', 'amount'], widths: { amount: 90 }, hidden: ['accountNo'] };
    const yours = { order: ['accountNo'], widths: {}, hidden: [] };
    const answers = await same(async ({ storage, ops }) => {
      const later = new Date(NOW.getTime() + 60_000);
      return [
        await saveLayout(storage, ops.carl, { ...grid, layout: mine }, NOW),
        await saveLayout(storage, ops.cleo, { ...grid, layout: yours }, NOW),
        await saveLayout(storage, ops.carl, { ...grid, layout: { ...mine, hidden: [] } }, later),
        await gridColumns(storage, ops.carl, grid),
        await gridColumns(storage, ops.cleo, grid),
        await gridColumns(storage, ops.ada, grid),
        await resetLayout(storage, ops.carl, grid, later),
        await resetLayout(storage, ops.carl, grid, later),
        await gridColumns(storage, ops.cleo, grid),
        (await tables(storage)).layouts,
        (await tables(storage)).audit.slice(mark),
      ];
    });
    const [first, , , carl, cleo, ada, reset, again, cleoAfter, layouts, audit] = answers as [
      { layout: unknown; sourcePayType: number },
      unknown,
      unknown,
      { layout: unknown },
      { layout: unknown },
      { layout: unknown },
      { layout: unknown },
      { layout: unknown },
      { layout: unknown },
      { operatorId: number; updatedAt: string }[],
      { action: string; entityId: string }[],
    ];
    const { carl: carlId, cleo: cleoId } = dbs[0]!.ops;
    expect(first).toMatchObject({ layout: mine, sourcePayType: 10013 });
    expect(carl.layout).toEqual({ ...mine, hidden: [] });
    expect(cleo.layout).toEqual(yours);
    expect(ada.layout).toBeNull();
    expect(reset.layout).toBeNull();
    expect(again.layout).toBeNull();
    expect(cleoAfter.layout).toEqual(yours);
    expect(layouts).toEqual([expect.objectContaining({ operatorId: cleoId, updatedAt: NOW.toISOString() })]);
    expect(audit.map((a) => [a.action, a.entityId])).toEqual([
      ['column_layout.save', `${carlId}/payment/10013`],
      ['column_layout.save', `${cleoId}/payment/10013`],
      ['column_layout.save', `${carlId}/payment/10013`],
      ['column_layout.reset', `${carlId}/payment/10013`],
    ]);
  });
});

describe.runIf(PG_URL)('custom fields on an ICU-collated PostgreSQL database', () => {
  it('lists keys in code-point order, as SQLite does', async () => {
    const { storage, dispose } = await freshPostgres({ icu: true });
    try {
      const { ada } = await operators(storage);
      for (const key of ['b', 'B', 'a_b', 'a1', 'Zz'])
        await saveCustomField(storage, field({ key }), NOW, ada);
      expect((await listCustomFields(storage)).map((f) => f.key)).toEqual(['B', 'Zz', 'a1', 'a_b', 'b']);
    } finally {
      await dispose();
    }
  }, 60_000);
});
