import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { paymentFingerprint } from '../../src-main/domain/fingerprint';
import {
  createBatchVia,
  deleteEntries,
  discardBatch,
  exceptionBatch,
  getBatchVia,
  saveEntriesVia,
  suspendEntry,
  type CreateBatchInput,
} from '../../src-main/services/batches/batch-store';
import { releaseDuplicate } from '../../src-main/services/batches/duplicates';
import { alikeOn, answer } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17: keying entries into a batch, deleting them, suspending one by hand, releasing a suspected duplicate
// and splitting off an exception batch run through the storage port. The same calls on SQLite and PostgreSQL
// answer alike (row and column problems, custom fields, fingerprints and releases, seq kept dense, the batch sent
// back to open, the exception batch's carried figures) and write the same rows; refusals are alike and write
// nothing; clerks saving into one batch at once, a save and a discard, two splits of one batch and two saves that
// would together pass the money ceiling end as one after another would.

const NOW = new Date('2026-12-06T09:00:00Z');
const LATER = new Date('2026-12-06T10:00:00Z');
/** The largest amount one entry may hold (15 digits): ten of them pass the ledger's ceiling of 2^53 - 1. */
const MAX_ENTRY = '9999999999999.99';

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; clerk: number };

const ROWS = STORAGES.filter((r) => r.available);

const batch = (p: Partial<CreateBatchInput> = {}): CreateBatchInput => ({
  batchType: 'payment',
  payType: 10012,
  currency: 'USD',
  channelId: 0,
  allocationLevel: 'bill',
  ...p,
});

async function seed(storage: Storage): Promise<number> {
  const { clerk } = await addOperators(storage, { clerk: ['clerk'] }, NOW);
  await storage.transaction(async (tx) => {
    await tx.run(
      sql`INSERT INTO custom_fields (key, label, type, codes_json, max_length) VALUES ('slip-no', 'Slip', 'text', '[]', 5)`,
    );
    await tx.run(
      sql`INSERT INTO custom_fields (key, label, type, codes_json, max_length) VALUES ('fee', 'Fee', 'amount', '[]', 20)`,
    );
  });
  return clerk;
}

/** Every row these commands write, every column. */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(
        sql`SELECT id, batch_no, batch_type, status, lockbox_no, control_count, control_total_minor, note,
              parent_batch_id, created_at, updated_at, validated_at, created_by
            FROM batches ORDER BY id`,
      ),
      entries: await tx.all<{ id: number; batch_id: number; seq: number; status: string }>(
        sql`SELECT id, batch_id, seq, entry_key, account_no, bill_no, amount_text, amount_minor, payment_date, check_no,
              payer_name, reference, channel_id, payment_ref, custom_json, status, reason_code, problem,
              problem_column, problems_json, currency, manual_suspend, allocation_json, account_id, fingerprint,
              duplicate_of_entry_id, duplicate_release_code, duplicate_release_note
            FROM batch_entries ORDER BY id`,
      ),
      audit: await tx.all<{ action: string; entityId: string; before: string | null; after: string | null }>(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after,
              reason_code AS "reasonCode"
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

const fp = (account: string, amount: number, check: string | null, date: string | null, lockbox: string) =>
  paymentFingerprint({
    accountNo: account,
    billNo: null,
    checkNo: check,
    reference: null,
    amountMinor: amount,
    currency: 'USD',
    paymentDate: date,
    lockboxNo: lockbox,
  });

describe('batch entries on both databases', () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      dbs.push({ dialect: row.dialect, storage, dispose, clerk: await seed(storage) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);
  let main = 0;
  let refunds = 0;

  it('keys, edits, releases, suspends and deletes entries alike', async () => {
    const out = await same(async ({ storage, clerk }) => {
      const b = await createBatchVia(
        storage,
        batch({ lockboxNo: 'LB-1', controlCount: 4, controlTotal: '40.00' }),
        NOW,
        clerk,
      );
      main = b.id;
      refunds = (await createBatchVia(storage, batch({ batchType: 'refund', payType: 10011 }), NOW, clerk))
        .id;
      const keyed = await saveEntriesVia(
        storage,
        {
          batchId: b.id,
          entries: [
            {
              accountNo: ' A-100 ',
              amount: '10.00',
              paymentDate: '2026-12-01',
              checkNo: '0042',
              custom: { 'slip-no': 'S1', fee: '1.50' },
            },
            // A bad amount does not hide the impossible date behind it.
            { accountNo: 'B-200', amount: '12.345', paymentDate: '2026-13-01' },
            { accountNo: 'C-300', amount: '5.00', custom: { 'slip-no': 'TOOLONG' } },
            { accountNo: 'A-100', amount: '10.00', paymentDate: '2026-12-01', checkNo: '0042' },
            { accountNo: 'E-500', amount: '3.00', custom: { fee: '0.001', unknown: 'kept' } },
          ],
        },
        NOW,
        clerk,
      );
      const ids = keyed.map((e) => e.id);
      // Validation would mark the second copy and the batch validated; a save sends both back.
      await storage.transaction(async (tx) => {
        await tx.run(
          sql`UPDATE batch_entries SET status = 'duplicate_suspected', duplicate_of_entry_id = ${ids[0]!},
                problem = 'suspected duplicate' WHERE id = ${ids[3]!}`,
        );
        await tx.run(
          sql`UPDATE batches SET status = 'validated', validated_at = ${NOW.toISOString()} WHERE id = ${b.id}`,
        );
      });
      const released = await releaseDuplicate(
        storage,
        { batchId: b.id, entryId: ids[3]!, reasonCode: 4401, note: ' separate checks ' },
        LATER,
        clerk,
      );
      const afterRelease = await tables(storage);
      const edited = await saveEntriesVia(
        storage,
        {
          batchId: b.id,
          entries: [
            { id: ids[1]!, amount: '12.34', paymentDate: '2026-12-02' },
            { id: ids[3]!, amount: '10.01' },
            { accountNo: 'D-400', amount: '7.00' },
          ],
        },
        LATER,
        clerk,
      );
      const suspended = await suspendEntry(
        storage,
        { batchId: b.id, entryId: ids[0]!, reasonCode: 2007 },
        LATER,
        clerk,
      );
      // A suspended entry edited stays suspended, with its reason.
      const [stillSuspended] = await saveEntriesVia(
        storage,
        { batchId: b.id, entries: [{ id: ids[0]!, payerName: 'Ann' }] },
        LATER,
        clerk,
      );
      const returned = await suspendEntry(
        storage,
        { batchId: b.id, entryId: ids[0]!, reasonCode: null },
        LATER,
        clerk,
      );
      const deleted = await deleteEntries(storage, { batchId: b.id, ids: [ids[2]!, 999_999] }, LATER, clerk);
      return {
        keyed,
        released,
        afterRelease,
        edited,
        suspended,
        stillSuspended,
        returned,
        deleted,
        batch: await getBatchVia(storage, b.id),
        written: await tables(storage),
      };
    });
    const [k1, k2, k3, k4, k5] = out.keyed;
    expect(out.keyed.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(k1).toMatchObject({ accountNo: 'A-100', amountMinor: 1000, status: 'new', problems: [] });
    expect(k1!.custom).toEqual({ 'slip-no': 'S1', fee: '1.50' });
    expect(k2).toMatchObject({
      status: 'invalid',
      amountText: '12.345',
      amountMinor: null,
      problemColumn: 'amount',
    });
    expect(k2!.problems.map((p) => p.column)).toEqual(['amount', 'paymentDate']);
    expect(k3).toMatchObject({ status: 'invalid', problemColumn: 'custom:slip-no' });
    expect(k4).toMatchObject({ status: 'new' });
    expect(k5).toMatchObject({ status: 'invalid', problemColumn: 'custom:fee' });
    expect(out.released).toMatchObject({
      status: 'new',
      duplicateRelease: { reasonCode: 4401, note: 'separate checks' },
    });
    const entry = (w: typeof out.written, id: number) =>
      w.entries.find((e) => e.id === id) as Record<string, unknown>;
    // The same money keyed twice has the same fingerprint; the release holds until the payment changes.
    expect(entry(out.afterRelease, k4!.id)).toMatchObject({
      fingerprint: fp('A-100', 1000, '0042', '2026-12-01', 'LB-1'),
      duplicate_release_code: 4401,
    });
    expect(entry(out.afterRelease, k1!.id).fingerprint).toBe(entry(out.afterRelease, k4!.id).fingerprint);
    expect(out.edited.map((e) => [e.seq, e.status])).toEqual([
      [2, 'new'],
      [4, 'new'],
      [6, 'new'],
    ]);
    expect(entry(out.written, k4!.id)).toMatchObject({
      fingerprint: fp('A-100', 1001, '0042', '2026-12-01', 'LB-1'),
      duplicate_release_code: null,
      duplicate_release_note: null,
    });
    expect(out.suspended).toMatchObject({ status: 'to_be_suspended', reasonCode: 2007, manualSuspend: true });
    expect(out.stillSuspended).toMatchObject({
      status: 'to_be_suspended',
      reasonCode: 2007,
      payerName: 'Ann',
    });
    expect(out.returned).toMatchObject({ status: 'new', reasonCode: null, manualSuspend: false });
    expect(out.deleted).toEqual({ deleted: 1 });
    // seq stays dense after the delete.
    expect(out.written.entries.filter((e) => e.batch_id === main).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(out.batch).toMatchObject({ status: 'open', validatedAt: null, updatedAt: LATER.toISOString() });
    expect(out.batch.countsByStatus).toEqual({ new: 4, invalid: 1 });
    expect(out.written.audit.map((a) => a.action)).toEqual([
      'batch.create',
      'batch.create',
      'batch.entries.save',
      'batch.entry.release-duplicate',
      'batch.entries.save',
      'batch.entry.suspend',
      'batch.entries.save',
      'batch.entry.unsuspend',
      'batch.entries.delete',
    ]);
  });

  it('splits off exception batches alike, carrying what the slip leaves for each', async () => {
    const out = await same(async ({ storage, clerk }) => {
      const first = await exceptionBatch(storage, { batchId: main }, LATER, clerk);
      const again = await answer(exceptionBatch(storage, { batchId: main }, LATER, clerk));
      await storage.transaction((tx) =>
        tx.run(
          sql`UPDATE batch_entries SET status = 'allocation_required' WHERE batch_id = ${main} AND seq = 1`,
        ),
      );
      const second = await exceptionBatch(storage, { batchId: main }, LATER, clerk);
      return {
        first,
        again,
        second,
        parent: await getBatchVia(storage, main),
        written: await tables(storage),
      };
    });
    expect(out.first.moved).toBe(1);
    expect(out.first.exception).toMatchObject({
      batchNo: 'B20261206-00001-X1',
      parentBatchId: main,
      lockboxNo: 'LB-1',
      note: 'Exception batch of B20261206-00001',
      countsByStatus: { invalid: 1 },
    });
    expect(out.again).toMatchObject({ error: { code: 'conflict', rule: 'no-exceptions' } });
    expect(out.second.exception).toMatchObject({
      batchNo: 'B20261206-00001-X2',
      countsByStatus: { allocation_required: 1 },
    });
    expect(out.parent.zeroProof).toMatchObject({ enteredCount: 3, movedCount: 2, accountedCount: 5 });
    expect(
      out.written.entries
        .filter((e) => e.batch_id === main)
        .map((e) => e.seq)
        .sort(),
    ).toEqual([1, 2, 3]);
    const exceptions = out.written.batches.filter(
      (b) => (b as { parent_batch_id: number | null }).parent_batch_id,
    );
    // The slip's 4 entries and 40.00 less what the parent and earlier splits account for, plus the split's own.
    expect(exceptions).toMatchObject([
      { control_count: 0, control_total_minor: 4000 - 4235 + 300 },
      { control_count: 0, control_total_minor: 4000 - 4235 + 1000 },
    ]);
  });

  it('refuses alike, writing nothing', async () => {
    const entryOf = async (storage: Storage, batchId: number, seq: number) =>
      (await storage.transaction((tx) =>
        tx.get<{ id: number }>(
          sql`SELECT id FROM batch_entries WHERE batch_id = ${batchId} AND seq = ${seq}`,
        ),
      ))!.id;
    expect(
      await refused(({ storage, clerk }) =>
        saveEntriesVia(storage, { batchId: 999, entries: [{ amount: '1.00' }] }, LATER, clerk),
      ),
    ).toMatchObject({ code: 'not_found', entity: 'batch' });
    expect(
      await refused(({ storage, clerk }) =>
        saveEntriesVia(storage, { batchId: main, entries: [{ id: 999_999, amount: '1.00' }] }, LATER, clerk),
      ),
    ).toMatchObject({ code: 'not_found', entity: 'entry' });
    await same(({ storage }) =>
      storage.transaction((tx) =>
        tx.run(sql`UPDATE batch_entries SET status = 'posted' WHERE batch_id = ${main} AND seq = 3`),
      ),
    );
    expect(
      await refused(async ({ storage, clerk }) =>
        saveEntriesVia(
          storage,
          { batchId: main, entries: [{ id: await entryOf(storage, main, 3), amount: '1.00' }] },
          LATER,
          clerk,
        ),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'entry-posted' });
    expect(
      await refused(async ({ storage, clerk }) =>
        suspendEntry(
          storage,
          { batchId: main, entryId: await entryOf(storage, main, 3), reasonCode: 2007 },
          LATER,
          clerk,
        ),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'entry-posted' });
    expect(
      await refused(async ({ storage, clerk }) =>
        suspendEntry(
          storage,
          { batchId: main, entryId: await entryOf(storage, main, 1), reasonCode: 4401 },
          LATER,
          clerk,
        ),
      ),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'reasonCode' }] });
    expect(
      await refused(({ storage, clerk }) =>
        suspendEntry(storage, { batchId: refunds, entryId: 1, reasonCode: 2007 }, LATER, clerk),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'not-suspendable' });
    expect(
      await refused(async ({ storage, clerk }) =>
        releaseDuplicate(
          storage,
          { batchId: main, entryId: await entryOf(storage, main, 1), reasonCode: 4401 },
          LATER,
          clerk,
        ),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'not-duplicate' });
    expect(
      await refused(({ storage, clerk }) => exceptionBatch(storage, { batchId: main }, LATER, clerk)),
    ).toMatchObject({ code: 'conflict', rule: 'no-exceptions' });
    const x1 = (await same(({ storage }) => getBatchVia(storage, main))).zeroProof.exceptionBatches[0]!.id;
    await same(({ storage, clerk }) => discardBatch(storage, { batchId: x1 }, LATER, clerk));
    expect(
      await refused(({ storage, clerk }) =>
        saveEntriesVia(storage, { batchId: x1, entries: [{ amount: '1.00' }] }, LATER, clerk),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'batch-discarded' });
    expect(
      await refused(({ storage, clerk }) => deleteEntries(storage, { batchId: x1, ids: [1] }, LATER, clerk)),
    ).toMatchObject({ code: 'conflict', rule: 'batch-discarded' });
    // Last: on PostgreSQL a refused new entry still uses up its id (a sequence is not rolled back).
    expect(
      await refused(({ storage, clerk }) =>
        saveEntriesVia(
          storage,
          { batchId: main, entries: Array.from({ length: 10 }, () => ({ amount: MAX_ENTRY })) },
          LATER,
          clerk,
        ),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'amount-ceiling' });
  });
});

describe('clerks racing on batch entries, on both databases', () => {
  for (const row of ROWS) {
    it(`${row.dialect}: two clerks saving into one batch at once lose no entry; seq stays distinct`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        const b = await createBatchVia(storage, batch(), NOW, clerk);
        // Held before the first insert: on PostgreSQL each has read the batch and its last entry number.
        const saves = racing(storage, 2, { holdAt: 6 });
        const keyed = await Promise.all(
          ['1', '2'].map((clerkNo) =>
            saveEntriesVia(
              saves.storage,
              {
                batchId: b.id,
                entries: [1, 2, 3].map((i) => ({
                  accountNo: `A-${clerkNo}${i}`,
                  amount: `${clerkNo}${i}.00`,
                })),
              },
              NOW,
              clerk,
            ),
          ),
        );
        const seqs = keyed.flat().map((e) => e.seq);
        expect(seqs.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
        const written = await tables(storage);
        expect(written.entries.map((e) => e.seq).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
        expect(await getBatchVia(storage, b.id)).toMatchObject({
          countsByStatus: { new: 6 },
          totalsByStatus: { new: 1100 + 1200 + 1300 + 2100 + 2200 + 2300 },
        });
        expect(written.audit.filter((a) => a.action === 'batch.entries.save')).toHaveLength(2);
      } finally {
        await dispose();
      }
    }, 60_000);

    it(`${row.dialect}: a save racing a discard lands before it or is refused batch-discarded`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        const b = await createBatchVia(storage, batch(), NOW, clerk);
        // Held after reading the batch: on PostgreSQL each has then seen it open.
        const both = racing(storage, 2, { holdAt: 2 });
        const [save, discard] = await Promise.all([
          answer(
            saveEntriesVia(both.storage, { batchId: b.id, entries: [{ amount: '1.00' }] }, LATER, clerk),
          ),
          answer(discardBatch(both.storage, { batchId: b.id }, LATER, clerk)),
        ]);
        expect(discard).toMatchObject({ value: { status: 'discarded' } });
        const written = await tables(storage);
        const actions = written.audit.map((a) => a.action);
        if ('value' in save) {
          expect(actions).toEqual(['batch.create', 'batch.entries.save', 'batch.discard']);
          expect(written.entries).toHaveLength(1);
        } else {
          expect(save.error).toMatchObject({ rule: 'batch-discarded' });
          expect(actions).toEqual(['batch.create', 'batch.discard']);
          expect(written.entries).toHaveLength(0);
        }
        expect(written.batches).toMatchObject([{ status: 'discarded' }]);
      } finally {
        await dispose();
      }
    }, 60_000);

    it(`${row.dialect}: two exception splits of one batch at once move its entries once`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        const b = await createBatchVia(storage, batch(), NOW, clerk);
        await saveEntriesVia(
          storage,
          { batchId: b.id, entries: [{ amount: 'x' }, { amount: '2.00' }, { amount: 'y' }] },
          NOW,
          clerk,
        );
        // Held after reading the entries to move: on PostgreSQL each has then seen both.
        const splits = racing(storage, 2, { holdAt: 3 });
        const outcomes = await Promise.all(
          [1, 2].map(() => answer(exceptionBatch(splits.storage, { batchId: b.id }, LATER, clerk))),
        );
        expect(outcomes.filter((o) => 'value' in o)).toMatchObject([{ value: { moved: 2 } }]);
        expect(outcomes.filter((o) => 'error' in o)).toMatchObject([{ error: { rule: 'no-exceptions' } }]);
        const written = await tables(storage);
        expect(written.batches).toHaveLength(2);
        const moved = written.entries.filter((e) => e.batch_id !== b.id);
        expect(moved.map((e) => [e.seq, e.status])).toEqual([
          [1, 'invalid'],
          [2, 'invalid'],
        ]);
        expect(written.entries.filter((e) => e.batch_id === b.id).map((e) => e.seq)).toEqual([1]);
        expect(written.audit.filter((a) => a.action === 'batch.exception')).toHaveLength(1);
      } finally {
        await dispose();
      }
    }, 60_000);

    it(`${row.dialect}: two saves that together pass the money ceiling: one lands, one is refused`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        const b = await createBatchVia(storage, batch(), NOW, clerk);
        // Five of the largest entries fit under 2^53 - 1 minor units; ten do not.
        const five = Array.from({ length: 5 }, () => ({ amount: MAX_ENTRY }));
        // Held before the ceiling's sum (query 29 of a save of five new entries without fingerprints): on PostgreSQL each has then
        // written its own entries and sees no other's.
        const saves = racing(storage, 2, { holdAt: 29 });
        const outcomes = await Promise.all(
          [1, 2].map(() =>
            answer(saveEntriesVia(saves.storage, { batchId: b.id, entries: five }, NOW, clerk)),
          ),
        );
        expect(outcomes.filter((o) => 'value' in o)).toHaveLength(1);
        expect(outcomes.filter((o) => 'error' in o)).toMatchObject([{ error: { rule: 'amount-ceiling' } }]);
        const written = await tables(storage);
        expect(written.entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(await getBatchVia(storage, b.id)).toMatchObject({
          totalsByStatus: { new: 5 * 999_999_999_999_999 },
        });
        expect(written.audit.filter((a) => a.action === 'batch.entries.save')).toHaveLength(1);
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});
