import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { paymentFingerprint } from '../../src-main/domain/fingerprint';
import {
  createBatchVia,
  discardBatch,
  entriesPage,
  getBatchVia,
  listBatches,
  updateBatchHeader,
  type CreateBatchInput,
  type EntriesPageInput,
} from '../../src-main/services/batches/batch-store';
import { alikeOn, answer, failure } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17: the commands a clerk uses to key and look at a batch (list, show, entries, create, header, discard) run
// through the storage port. The same calls on SQLite and PostgreSQL answer alike (zero proof with its exception
// batches, counts and totals per status, entry pages sorted by any column with NULLs and mixed case in SQLite's
// order, status and custom-field filters) and write the same batches, fingerprints, bank returns and audit rows;
// refusals are alike and write nothing; clerks racing on batch numbers, or on discarding and editing one batch,
// end as one after another would.

const NOW = new Date('2026-12-06T09:00:00Z');
const LATER = new Date('2026-12-06T10:00:00Z');

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
      sql`INSERT INTO custom_fields (key, label, type, codes_json, max_length) VALUES ('slip-no', 'Slip', 'text', '[]', 20)`,
    );
    await tx.run(sql`UPDATE pay_type_settings SET enabled = 0 WHERE pay_type = 10013`);
  });
  return clerk;
}

type EntrySeed = {
  seq: number;
  account?: string | null;
  amount?: number | null;
  status?: string;
  slip?: string;
  check?: string | null;
  date?: string | null;
  fingerprint?: string | null;
  release?: number | null;
  duplicateOf?: number | null;
};

/** Entries as an import or the keyed grid would leave them (the keying commands still run on the driver). */
async function addEntries(storage: Storage, batchId: number, entries: EntrySeed[]): Promise<number[]> {
  return storage.transaction(async (tx) => {
    const ids: number[] = [];
    for (const e of entries) {
      const row = await tx.get<{ id: number }>(
        sql`INSERT INTO batch_entries (batch_id, seq, entry_key, status, account_no, amount_text, amount_minor,
              payment_date, check_no, custom_json, currency, fingerprint, duplicate_of_entry_id,
              duplicate_release_code, duplicate_release_note)
            VALUES (${batchId}, ${e.seq}, ${`k${batchId}-${e.seq}`}, ${e.status ?? 'new'}, ${e.account ?? null},
              ${e.amount == null ? null : String(e.amount / 100)}, ${e.amount ?? null}, ${e.date ?? '2026-12-01'},
              ${e.check ?? null}, ${e.slip === undefined ? null : JSON.stringify({ 'slip-no': e.slip })}, 'USD',
              ${e.fingerprint ?? null}, ${e.duplicateOf ?? null}, ${e.release ?? null},
              ${e.release == null ? null : 'released'})
            RETURNING id`,
      );
      ids.push(row!.id);
    }
    return ids;
  });
}

/** Every row these commands write, every column. */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(
        sql`SELECT id, batch_no, batch_type, pay_type, currency, channel_id, allocation_level, status, lockbox_no,
              batch_date, control_count, control_total_minor, note, header_json, footer_json, parent_batch_id,
              source_file, source_sha256, template_name, created_at, updated_at, validated_at, submitted_at, created_by
            FROM batches ORDER BY id`,
      ),
      entries: await tx.all(
        sql`SELECT id, batch_id, seq, status, fingerprint, duplicate_release_code, duplicate_release_note
            FROM batch_entries ORDER BY id`,
      ),
      returns: await tx.all(sql`SELECT id, return_key, batch_id, status FROM bank_returns ORDER BY id`),
      audit: await tx.all<{ action: string; entityId: string; before: string | null; after: string | null }>(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

describe('batches on both databases', () => {
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
  // Ids the first test made, alike on both databases.
  let main = 0;
  let exception = 0;

  it('creates, lists and shows batches alike, with the zero proof of an exception batch', async () => {
    const made = await same(async ({ storage, clerk }) => {
      const a = await createBatchVia(
        storage,
        batch({
          lockboxNo: 'LB-1',
          controlCount: 5,
          controlTotal: '60.00',
          note: 'morning mail',
          header: ['HDR 1'],
          footer: ['TRL 9'],
          batchDate: '2026-12-05',
        }),
        NOW,
        clerk,
      );
      const named = await createBatchVia(
        storage,
        batch({ batchNo: `${a.batchNo}-X1`, parentBatchId: a.id, note: 'exceptions' }),
        NOW,
        clerk,
      );
      const wire = await createBatchVia(storage, batch({ batchType: 'refund', payType: 10011 }), NOW, clerk);
      return { a, named, wire };
    });
    main = made.a.id;
    exception = made.named.id;
    expect(made.a).toMatchObject({
      batchNo: 'B20261206-00001',
      status: 'open',
      exponent: 2,
      controlTotalMinor: 6000,
      header: ['HDR 1'],
      footer: ['TRL 9'],
      lockMode: 'batch',
      countsByStatus: {},
      zeroProof: { balanced: false, overrideAllowed: false, parent: null },
    });
    expect(made.wire.batchNo).toBe('B20261206-00003');

    // Entries as keying or an import leaves them; two moved to the exception batch.
    await same(async ({ storage }) => [
      await addEntries(storage, main, [
        { seq: 1, account: 'b-200', amount: 1000, check: '0042', slip: 'Box 7-A' },
        { seq: 2, account: null, amount: null, status: 'invalid' },
        { seq: 3, account: 'A-100', amount: 2500, slip: 'box 8' },
        { seq: 4, account: 'a-100', amount: 500, status: 'valid', slip: 'BOX 9' },
        { seq: 5, account: 'C-300', amount: 700, status: 'valid' },
      ]),
      await addEntries(storage, exception, [
        { seq: 1, account: 'D-400', amount: 1200, status: 'invalid' },
        { seq: 2, account: 'E-500', amount: 300, status: 'invalid' },
      ]),
    ]);

    const shown = await same(async ({ storage }) => ({
      main: await getBatchVia(storage, main),
      exception: await getBatchVia(storage, exception),
      all: await listBatches(storage, { limit: 2, offset: 0 }),
      open: await listBatches(storage, { status: 'open', limit: 10, offset: 1 }),
      none: await listBatches(storage, { status: 'submitted', limit: 10, offset: 0 }),
    }));
    expect(shown.main.countsByStatus).toEqual({ invalid: 1, new: 2, valid: 2 });
    expect(shown.main.totalsByStatus).toEqual({ invalid: 0, new: 3500, valid: 1200 });
    expect(shown.main.zeroProof).toMatchObject({
      enteredCount: 5,
      enteredTotalMinor: 4700,
      movedCount: 2,
      movedTotalMinor: 1500,
      accountedCount: 7,
      accountedTotalMinor: 6200,
      exceptionBatches: [
        { id: exception, batchNo: 'B20261206-00001-X1', status: 'open', count: 2, totalMinor: 1500 },
      ],
    });
    expect(shown.exception.zeroProof.parent).toMatchObject({ id: main, accountedTotalMinor: 6200 });
    expect(shown.all.total).toBe(3);
    expect(shown.all.rows.map((b) => b.batchNo)).toEqual(['B20261206-00003', 'B20261206-00001-X1']);
    expect(shown.open.rows.map((b) => b.id)).toEqual([exception, main]);
    expect(shown.none).toEqual({ rows: [], total: 0 });

    const written = await same(({ storage }) => tables(storage));
    expect(written.audit.map((a) => a.action)).toEqual(['batch.create', 'batch.create', 'batch.create']);
    expect(JSON.parse(written.audit[0]!.after!)).toMatchObject({
      batchNo: 'B20261206-00001',
      controlTotal: '60.00',
    });
  });

  it('pages entries alike: sorted with NULLs and case in SQLite order, filtered by status and custom field', async () => {
    await same(async ({ storage }) => {
      const page = (p: Partial<EntriesPageInput>) =>
        entriesPage(storage, { batchId: main, startRow: 0, endRow: 100, ...p });
      const accounts = (r: { rows: { accountNo: string | null }[] }) => r.rows.map((e) => e.accountNo);
      const all = await page({});
      expect(all).toMatchObject({ total: 5, totalAmountMinor: 4700 });
      expect(all.rows[0]).toMatchObject({ seq: 1, accountNo: 'b-200', amountMinor: 1000, currency: 'USD' });
      expect(all.rows[0]!.custom).toEqual({ 'slip-no': 'Box 7-A' });
      const byAccount = await page({ sortBy: 'accountNo' });
      expect(accounts(byAccount)).toEqual([null, 'A-100', 'C-300', 'a-100', 'b-200']);
      const byAccountDesc = await page({ sortBy: 'accountNo', sortDir: 'desc', startRow: 1, endRow: 4 });
      expect(accounts(byAccountDesc)).toEqual(['a-100', 'C-300', 'A-100']);
      const byAmountDesc = await page({ sortBy: 'amountMinor', sortDir: 'desc' });
      expect(byAmountDesc.rows.map((e) => e.amountMinor)).toEqual([2500, 1000, 700, 500, null]);
      const lastTwo = await page({ sortDir: 'desc', startRow: 0, endRow: 2, totals: false });
      expect(lastTwo).toMatchObject({ total: -1, totalAmountMinor: 0 });
      expect(lastTwo.rows.map((e) => e.seq)).toEqual([5, 4]);
      const valid = await page({ status: ['valid', 'invalid'], sortBy: 'status' });
      expect(valid.rows.map((e) => e.seq)).toEqual([2, 4, 5]);
      expect(valid).toMatchObject({ total: 3, totalAmountMinor: 1200 });
      const exact = await page({ custom: { field: 'slip-no', value: ' box 8 ', match: 'exact' } });
      expect(exact.rows.map((e) => e.seq)).toEqual([3]);
      const part = await page({ custom: { field: 'slip-no', value: 'BOX' }, sortBy: 'seq', sortDir: 'desc' });
      expect(part.rows.map((e) => e.seq)).toEqual([4, 3, 1]);
      expect(part).toMatchObject({ total: 3, totalAmountMinor: 4000 });
      return { all, byAccount, byAccountDesc, byAmountDesc, valid, exact, part };
    });
  });

  it('shows a suspected duplicate with the entry it matched, alike', async () => {
    const [dupe] = await same(async ({ storage }) => {
      const ids = await storage.transaction((tx) =>
        tx.all<{ id: number }>(sql`SELECT id FROM batch_entries WHERE batch_id = ${main} AND seq = 3`),
      );
      return addEntries(storage, exception, [
        { seq: 3, account: 'A-100', amount: 2500, status: 'duplicate_suspected', duplicateOf: ids[0]!.id },
      ]);
    });
    const rows = await same(
      async ({ storage }) =>
        (await entriesPage(storage, { batchId: exception, startRow: 2, endRow: 3 })).rows,
    );
    expect(rows[0]).toMatchObject({
      id: dupe,
      duplicateOf: { batchId: main, batchNo: 'B20261206-00001', seq: 3, paymentId: null },
    });
  });

  it('refuses alike, writing nothing', async () => {
    expect(
      await refused(({ storage, clerk }) => createBatchVia(storage, batch({ payType: 10003 }), NOW, clerk)),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'payType' }] });
    expect(
      await refused(({ storage, clerk }) => createBatchVia(storage, batch({ payType: 10013 }), NOW, clerk)),
    ).toMatchObject({ code: 'validation', message: expect.stringContaining('switched off') as unknown });
    expect(
      await refused(({ storage, clerk }) => createBatchVia(storage, batch({ currency: 'XXX' }), NOW, clerk)),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'currency' }] });
    expect(
      await refused(({ storage, clerk }) =>
        createBatchVia(storage, batch({ controlTotal: '1.234' }), NOW, clerk),
      ),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'controlTotal' }] });
    expect(
      await refused(({ storage, clerk }) =>
        createBatchVia(storage, batch({ batchNo: 'B20261206-00003' }), NOW, clerk),
      ),
    ).toMatchObject({ code: 'conflict', rule: 'duplicate-batch-no' });
    expect(await refused(({ storage }) => getBatchVia(storage, 999))).toMatchObject({
      code: 'not_found',
      entity: 'batch',
    });
    expect(
      await refused(({ storage }) =>
        entriesPage(storage, { batchId: main, startRow: 0, endRow: 10, sortBy: 'payerNam' }),
      ),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'sortBy' }] });
    expect(
      await refused(({ storage }) =>
        entriesPage(storage, {
          batchId: main,
          startRow: 0,
          endRow: 10,
          custom: { field: "x') OR 1=1 --", value: 'a', match: 'exact' },
        }),
      ),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'custom.field' }] });
    expect(
      await refused(({ storage, clerk }) =>
        updateBatchHeader(storage, { batchId: main, controlTotal: 'ten' }, NOW, clerk),
      ),
    ).toMatchObject({ code: 'validation', issues: [{ path: 'controlTotal' }] });
    expect(
      await refused(({ storage, clerk }) => discardBatch(storage, { batchId: 999 }, NOW, clerk)),
    ).toMatchObject({ code: 'not_found' });
  });

  it('edits a header (the lockbox refreshes fingerprints) and discards a return batch, alike', async () => {
    const fp = (account: string, amount: number, check: string | null, lockbox: string | null) =>
      paymentFingerprint({
        accountNo: account,
        billNo: null,
        checkNo: check,
        reference: null,
        amountMinor: amount,
        currency: 'USD',
        paymentDate: '2026-12-01',
        lockboxNo: lockbox,
      });
    const out = await same(async ({ storage, clerk }) => {
      // Fingerprints as an import under lockbox LB-1 left them; entry 3 was released by a supervisor.
      await storage.transaction(async (tx) => {
        await tx.run(
          sql`UPDATE batch_entries SET fingerprint = ${fp('b-200', 1000, '0042', 'LB-1')} WHERE batch_id = ${main} AND seq = 1`,
        );
        await tx.run(
          sql`UPDATE batch_entries SET fingerprint = ${fp('A-100', 2500, null, 'LB-1')}, duplicate_release_code = 9001,
                duplicate_release_note = 'ok' WHERE batch_id = ${main} AND seq = 3`,
        );
      });
      const note = await updateBatchHeader(storage, { batchId: main, note: '  second look ' }, LATER, clerk);
      const figures = await updateBatchHeader(
        storage,
        { batchId: main, lockboxNo: 'LB-2', controlCount: 8, controlTotal: '87.00' },
        LATER,
        clerk,
      );
      const reversal = await createBatchVia(storage, batch({ batchType: 'reversal' }), NOW, clerk);
      await storage.transaction(async (tx) => {
        for (const [key, status] of [
          ['e2e:A1:AM04', 'pending'],
          ['e2e:A2:AM04', 'applied'],
        ] as const)
          await tx.run(
            sql`INSERT INTO bank_returns (return_key, batch_id, entry_seq, kind, bank_code, source_format, status, created_at)
                VALUES (${key}, ${reversal.id}, 1, 'return', 'AM04', 'camt.054', ${status}, ${NOW.toISOString()})`,
          );
      });
      const discarded = await discardBatch(storage, { batchId: reversal.id }, LATER, clerk);
      const again = await answer(discardBatch(storage, { batchId: reversal.id }, LATER, clerk));
      const noteOnDiscarded = await failure(
        updateBatchHeader(storage, { batchId: reversal.id, note: 'x' }, LATER, clerk),
      );
      return { note, figures, discarded, again, noteOnDiscarded, written: await tables(storage) };
    });
    expect(out.note).toMatchObject({ note: 'second look', lockboxNo: 'LB-1' });
    expect(out.figures).toMatchObject({
      lockboxNo: 'LB-2',
      controlCount: 8,
      controlTotalMinor: 8700,
      zeroProof: { balanced: true },
    });
    expect(out.discarded.status).toBe('discarded');
    expect(out.again).toMatchObject({ error: { code: 'conflict', rule: 'batch-discarded' } });
    expect(out.noteOnDiscarded).toMatchObject({ code: 'conflict', rule: 'batch-discarded' });
    const entries = out.written.entries as {
      batch_id: number;
      seq: number;
      fingerprint: string | null;
      duplicate_release_code: number | null;
    }[];
    const mine = entries.filter((e) => e.batch_id === main);
    expect(mine.map((e) => e.fingerprint)).toEqual([
      fp('b-200', 1000, '0042', 'LB-2'),
      null,
      fp('A-100', 2500, null, 'LB-2'),
      fp('a-100', 500, null, 'LB-2'),
      fp('C-300', 700, null, 'LB-2'),
    ]);
    // A changed fingerprint is a changed payment: the release no longer holds.
    expect(mine.map((e) => e.duplicate_release_code)).toEqual([null, null, null, null, null]);
    expect(out.written.returns).toMatchObject([
      { return_key: expect.stringMatching(/^e2e:A1:AM04#discarded-\d+$/) as unknown, status: 'discarded' },
      { return_key: 'e2e:A2:AM04', status: 'applied' },
    ]);
    const audit = out.written.audit.slice(-4);
    expect(audit.map((a) => a.action)).toEqual([
      'batch.header',
      'batch.header',
      'batch.create',
      'batch.discard',
    ]);
    expect(JSON.parse(audit[1]!.before!)).toEqual({
      note: 'second look',
      lockboxNo: 'LB-1',
      controlCount: 5,
      controlTotalMinor: 6000,
    });
    expect(JSON.parse(audit[1]!.after!)).toEqual({
      note: 'second look',
      lockboxNo: 'LB-2',
      controlCount: 8,
      controlTotalMinor: 8700,
    });
  });
});

describe('clerks racing on batches, on both databases', () => {
  for (const row of ROWS) {
    it(`${row.dialect}: batches created at once get distinct numbers; one number asked for twice is one batch`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        // Held before the insert, so on PostgreSQL each has read the last id and found its number free.
        const creates = racing(storage, 4, { holdAt: 5 });
        const made = await Promise.all(
          [1, 2, 3, 4].map(() => createBatchVia(creates.storage, batch(), NOW, clerk)),
        );
        expect(new Set(made.map((b) => b.batchNo)).size).toBe(4);
        const listed = await listBatches(storage, { limit: 10, offset: 0 });
        expect(listed.total).toBe(4);
        expect(listed.rows.map((b) => b.batchNo).sort()).toEqual(made.map((b) => b.batchNo).sort());

        const named = racing(storage, 3, { holdAt: 5 });
        const outcomes = await Promise.all(
          [1, 2, 3].map(() =>
            answer(createBatchVia(named.storage, batch({ batchNo: 'LOCKBOX-7' }), NOW, clerk)),
          ),
        );
        expect(outcomes.filter((o) => 'value' in o)).toHaveLength(1);
        expect(outcomes.filter((o) => 'error' in o).map((o) => 'error' in o && o.error)).toEqual([
          expect.objectContaining({ rule: 'duplicate-batch-no' }),
          expect.objectContaining({ rule: 'duplicate-batch-no' }),
        ]);
        const audit = (await tables(storage)).audit.map((a) => a.action);
        expect(audit).toEqual(Array<string>(5).fill('batch.create'));
      } finally {
        await dispose();
      }
    }, 60_000);

    it(`${row.dialect}: discards at once discard once; a discard and a header edit at once take turns`, async () => {
      const { storage, dispose } = await row.open();
      try {
        const clerk = await seed(storage);
        const one = await createBatchVia(storage, batch(), NOW, clerk);
        // Held after reading the batch: on PostgreSQL each has then seen it open.
        const discards = racing(storage, 4, { holdAt: 2 });
        const outcomes = await Promise.all(
          [1, 2, 3, 4].map(() => answer(discardBatch(discards.storage, { batchId: one.id }, LATER, clerk))),
        );
        expect(outcomes.filter((o) => 'value' in o)).toHaveLength(1);
        expect(outcomes.filter((o) => 'error' in o)).toEqual(
          Array(3).fill({ error: expect.objectContaining({ rule: 'batch-discarded' }) as unknown }),
        );

        const two = await createBatchVia(storage, batch(), NOW, clerk);
        const both = racing(storage, 2, { holdAt: 2 });
        const [edit, discard] = await Promise.all([
          answer(updateBatchHeader(both.storage, { batchId: two.id, controlCount: 3 }, LATER, clerk)),
          answer(discardBatch(both.storage, { batchId: two.id }, LATER, clerk)),
        ]);
        expect(discard).toMatchObject({ value: { status: 'discarded' } });
        const written = await tables(storage);
        const actions = written.audit.filter((a) => a.entityId === String(two.id)).map((a) => a.action);
        // One after the other: the edit first (then the discard), or the discard first and the edit refused.
        if ('value' in edit) {
          expect(actions).toEqual(['batch.create', 'batch.header', 'batch.discard']);
          expect(await getBatchVia(storage, two.id)).toMatchObject({ status: 'discarded', controlCount: 3 });
        } else {
          expect(edit.error).toMatchObject({ rule: 'batch-discarded' });
          expect(actions).toEqual(['batch.create', 'batch.discard']);
          expect(await getBatchVia(storage, two.id)).toMatchObject({
            status: 'discarded',
            controlCount: null,
          });
        }
        expect(written.audit.filter((a) => a.action === 'batch.discard')).toHaveLength(2);
      } finally {
        await dispose();
      }
    }, 60_000);
  }
});
