import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { cancelled } from '../../src-main/ledger/errors';
import { recordPayment } from '../../src-main/ledger/record-payment';
import { runDirectDebitVia, type DdPortEnv } from '../../src-main/services/directdebit/run';
import { cancelMandate } from '../../src-main/services/mandates/mandates';
import type { DdRunDto } from '../../src-shared/dto/directdebit';
import { alikeOn, answer } from '../helpers/alike';
import { germanIban } from '../helpers/mandates';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: the direct-debit run ('dd-run', `dd run`) on the storage port. SEPA and ACH runs answer alike on SQLite
// and PostgreSQL, write the same bytes and the same rows (files, items, payments, journals, allocations, mandates and
// their events, audit); a dry run writes nothing; two runs at once collect each bill once; a run racing a mandate's
// cancel collects under it before the cancel or not at all; a transaction that fails after its files were
// rendered leaves no file behind; and a credit run (refunds out) posts the same refunds on both.

const NOW = new Date('2026-11-22T09:00:00Z');
const DATE = '2026-12-10';
const ROWS = STORAGES.filter((r) => r.available);
const TEMP = tempDir('paydesk-ddrun-');
let seq = 0;

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; ada: number; dir: string };

/** Accounts paying by SEPA (EUR) and direct debit (USD) with open bills, two SEPA creditors, an ACH one, mandates. */
async function seed(storage: Storage): Promise<void> {
  await storage.transaction(async (tx) => {
    const at = NOW.toISOString();
    const account = async (no: string, currency: string, payType: number) => {
      const id = (await tx.get<{ id: number }>(
        sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, created_at)
            VALUES (${no}, ${no}, ${`Holder ${no}`}, ${`holder ${no.toLowerCase()}`}, 'active', ${currency},
              ${payType}, ${at}) RETURNING id`,
      ))!.id;
      const unit = (await tx.get<{ id: number }>(
        sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term, is_default)
            VALUES (${`BU-${no}`}, ${id}, 'Main', 'open_item', ${payType}, 'NET30', 1) RETURNING id`,
      ))!.id;
      return { id, unit };
    };
    const bill = async (a: { id: number; unit: number }, no: string, currency: string, minor: number) => {
      const billId = (await tx.get<{ id: number }>(
        sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
              amount_due_minor, status)
            VALUES (${no}, ${a.unit}, ${a.id}, '2026-11-01', '2026-11-30', ${currency}, ${minor}, ${minor}, 'open')
            RETURNING id`,
      ))!.id;
      await tx.run(
        sql`INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
            VALUES (${`${no}-1`}, ${billId}, ${a.id}, 'charge', ${minor}, ${minor}, 1, 'open')`,
      );
      await tx.run(sql`UPDATE accounts SET balance_minor = balance_minor + ${minor} WHERE id = ${a.id}`);
    };
    const creditor = async (code: string, scheme: 'sepa' | 'ach', currency: string) =>
      (await tx.get<{ id: number }>(
        sql`INSERT INTO creditors (code, scheme, name, identifier, currency, iban, bic, routing_no, account_no,
              destination_routing, destination_name, origin_id, origin_name, pain_version, is_default, active,
              created_at, updated_at)
            VALUES (${code}, ${scheme}, ${scheme === 'sepa' ? `Paydesk ${code} GmbH` : 'PAYDESK UTILITIES'},
              ${scheme === 'sepa' ? 'DE98ZZZ09999999999' : '1234567890'},
              ${currency}, ${scheme === 'sepa' ? germanIban('37040044', '532013000') : null},
              ${scheme === 'sepa' ? 'COBADEFFXXX' : null}, ${scheme === 'ach' ? '021000021' : null},
              ${scheme === 'ach' ? '987654321' : null}, ${scheme === 'ach' ? '011000015' : null},
              ${scheme === 'ach' ? 'FEDERAL RESERVE BANK' : null}, ${scheme === 'ach' ? '1234567890' : null},
              ${scheme === 'ach' ? 'PAYDESK UTILITIES' : null}, 'pain.008.001.08', 0, 1, ${at}, ${at})
            RETURNING id`,
      ))!.id;
    const mandate = async (
      accountId: number,
      creditorId: number,
      scheme: 'sepa_core' | 'ach',
      reference: string,
      extra: { collections?: number; lastCollectedOn?: string | null; amendment?: string | null } = {},
    ) => {
      const ach = scheme === 'ach';
      await tx.run(
        sql`INSERT INTO mandates (account_id, bill_unit_id, creditor_id, scheme, reference, type, status, signed_on,
              debtor_name, iban, bic, routing_no, account_no, account_type, sec_code, pending_amendment_json,
              collections, first_collected_on, last_collected_on, version, created_at, updated_at)
            VALUES (${accountId}, NULL, ${creditorId}, ${scheme}, ${reference}, 'recurrent', 'active', '2025-06-01',
              ${`Debtor ${reference}`}, ${ach ? null : germanIban('50010517', String(1000000 + accountId))},
              ${ach ? null : 'INGDDEFFXXX'}, ${ach ? '011000015' : null}, ${ach ? `55${accountId}` : null},
              ${ach ? 'checking' : null}, ${ach ? (accountId % 2 === 0 ? 'PPD' : 'WEB') : null},
              ${extra.amendment ?? null}, ${extra.collections ?? 0},
              ${extra.lastCollectedOn ? '2025-07-01' : null}, ${extra.lastCollectedOn ?? null}, 1, ${at}, ${at})`,
      );
    };
    const eu = await creditor('EU-MAIN', 'sepa', 'EUR');
    const eu2 = await creditor('EU-2ND', 'sepa', 'EUR');
    const us = await creditor('US-MAIN', 'ach', 'USD');
    for (const n of [1, 2, 3, 4, 5]) {
      const a = await account(`EU-${n}`, 'EUR', 10018);
      await bill(a, `B-EU-${n}-1`, 'EUR', 1000 * n + 23);
      if (n % 2 === 1) await bill(a, `B-EU-${n}-2`, 'EUR', 500 + n);
      // EU-5 has no mandate: skipped as 'no mandate'.
      if (n === 1) await mandate(a.id, eu, 'sepa_core', `MND-EU-${n}`, { amendment: '{"smnda":true}' });
      if (n === 2)
        await mandate(a.id, eu, 'sepa_core', `MND-EU-${n}`, {
          collections: 3,
          lastCollectedOn: '2026-10-01',
        });
      if (n === 3 || n === 4) await mandate(a.id, n === 3 ? eu2 : eu, 'sepa_core', `MND-EU-${n}`);
    }
    for (const n of [1, 2, 3]) {
      const a = await account(`US-${n}`, 'USD', 10005);
      await bill(a, `B-US-${n}-1`, 'USD', 2500 * n + 7);
      await mandate(a.id, us, 'ach', `ACH-US-${n}`);
    }
  });
}

/** Every row a run writes, audit included. */
async function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      files: await tx.all(
        sql`SELECT id, kind, scheme, format, creditor_id, collection_date, currency, message_id, count, total_minor,
              sha256, CASE WHEN path IS NULL THEN 0 ELSE 1 END AS has_path, status, created_at, created_by FROM bank_files_out ORDER BY id`,
      ),
      items: await tx.all(sql`SELECT * FROM bank_file_items ORDER BY id`),
      payments: await tx.all(sql`SELECT * FROM payments ORDER BY id`),
      journals: await tx.all(sql`SELECT * FROM journals ORDER BY id`),
      lines: await tx.all(sql`SELECT * FROM journal_lines ORDER BY id`),
      allocations: await tx.all(
        sql`SELECT payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm, created_at, operator_id
            FROM allocations ORDER BY payment_id, item_id`,
      ),
      bills: await tx.all(sql`SELECT id, amount_due_minor, status FROM bills ORDER BY id`),
      items2: await tx.all(sql`SELECT id, open_minor, status FROM bill_items ORDER BY id`),
      balances: await tx.all(sql`SELECT id, balance_minor FROM accounts ORDER BY id`),
      mandates: await tx.all(sql`SELECT * FROM mandates ORDER BY id`),
      events: await tx.all(sql`SELECT * FROM mandate_events ORDER BY id`),
      audit: await tx.all(
        sql`SELECT id, at, operator_id, action, entity, entity_id, before, after FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** The files in a folder (temporary staged names included), sorted. */
const filesIn = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

/** A run's answer with the folder it wrote to named OUT. */
const portable = (r: DdRunDto, dir: string): unknown =>
  JSON.parse(JSON.stringify(r).replaceAll(dir, 'OUT')) as unknown;

describe('direct-debit runs on both databases', () => {
  const dbs: Db[] = [];
  const env = (db: Db, storage = db.storage, extra: Partial<DdPortEnv> = {}): DdPortEnv => ({
    storage,
    ledgerFile: join(db.dir, 'ledger.sqlite'),
    now: NOW,
    operatorId: db.ada,
    ...extra,
  });

  beforeEach(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      const ops = await addOperators(storage, { ada: ['clerk', 'supervisor'] }, NOW);
      await seed(storage);
      dbs.push({ dialect: row.dialect, storage, dispose, ada: ops.ada, dir: join(TEMP.dir, `${++seq}`) });
    }
  }, 120_000);
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.dispose();
  });
  afterAll(() => TEMP.cleanup());

  const { same, refused } = alikeOn(dbs, tables);

  it('runs SEPA and ACH alike: the same answers, file bytes and rows; a dry run writes nothing', async () => {
    const out = await same(async (db) => {
      const before = await tables(db.storage);
      const dry = await runDirectDebitVia(env(db), { scheme: 'sepa', collectionDate: DATE, dryRun: true });
      expect(await tables(db.storage), db.dialect).toEqual(before);
      expect(filesIn(db.dir)).toEqual([]);
      const sepa = await runDirectDebitVia(env(db), { scheme: 'sepa', collectionDate: DATE, out: db.dir });
      const ach = await runDirectDebitVia(env(db), { scheme: 'ach', collectionDate: DATE, out: db.dir });
      const again = await runDirectDebitVia(env(db), { scheme: 'sepa', collectionDate: DATE, out: db.dir });
      const bytes = Object.fromEntries(
        filesIn(db.dir).map((f) => [f, readFileSync(join(db.dir, f), 'utf8')]),
      );
      return {
        dry,
        sepa: portable(sepa, db.dir),
        ach: portable(ach, db.dir),
        again: portable(again, db.dir),
        bytes,
        rows: await tables(db.storage),
      };
    });
    const sepa = out.sepa as DdRunDto;
    expect(sepa.files.map((f) => [f.creditor, f.count, f.totalMinor, f.path])).toEqual([
      ['EU-2ND', 2, 3023 + 503, 'OUT/PDD20261210-1.xml'],
      ['EU-MAIN', 4, 1023 + 501 + 2023 + 4023, 'OUT/PDD20261210-2.xml'],
    ]);
    expect(sepa.skipped).toEqual({ 'no mandate': 2 });
    expect(sepa.payments).toBe(6);
    expect((out.ach as DdRunDto).files.map((f) => [f.creditor, f.count, f.format])).toEqual([
      ['US-MAIN', 3, 'nacha'],
    ]);
    expect((out.again as DdRunDto).files).toEqual([]);
    expect(Object.keys(out.bytes)).toEqual(['PDD20261210-1.xml', 'PDD20261210-2.xml', 'PDD20261210-3.ach']);
    // FRST for a first collection, RCUR after earlier ones; the pending amendment goes out once.
    expect(out.bytes['PDD20261210-2.xml']).toContain('<SeqTp>FRST</SeqTp>');
    expect(out.bytes['PDD20261210-2.xml']).toContain('<SeqTp>RCUR</SeqTp>');
    expect(out.bytes['PDD20261210-2.xml']).toContain('<AmdmntInd>true</AmdmntInd>');
    const rows = out.rows;
    expect(rows.payments).toHaveLength(9);
    expect((rows.bills as { status: string }[]).filter((b) => b.status === 'open')).toHaveLength(2);
    // The dry run showed the same two files, under provisional message ids.
    expect(out.dry.files.map((f) => f.count)).toEqual([2, 4]);
  });

  it('two runs at once for the same scheme and date collect each bill once, in distinct files', async () => {
    const outcomes = await same(async (db) => {
      const race = racing(db.storage, 2, { writesOnly: true });
      const runs = await Promise.all(
        [1, 2].map(() =>
          answer(
            runDirectDebitVia(env(db, race.storage), { scheme: 'sepa', collectionDate: DATE, out: db.dir }),
          ),
        ),
      );
      const rows = await tables(db.storage);
      const items = rows.items as { bill_id: number; file_id: number }[];
      expect(new Set(items.map((i) => i.bill_id)).size, db.dialect).toBe(items.length);
      expect(rows.payments, db.dialect).toHaveLength(items.length);
      // Only the committed attempt's files are in the folder: none of a retried or refused one.
      const files = (rows.files as { message_id: string }[]).map((f) => `${f.message_id}.xml`);
      expect(filesIn(db.dir), db.dialect).toEqual(files.sort());
      return runs
        .map((r) =>
          'error' in r
            ? r.error.code === 'conflict'
              ? r.error.rule
              : r.error.code
            : `files ${(r.value as DdRunDto).files.length}`,
        )
        .sort();
    });
    expect(outcomes).toEqual(['files 2', 'selection-changed']);
  });

  it('a run racing a mandate cancel collects under it before the cancel or not at all', async () => {
    await same(async (db) => {
      const race = racing(db.storage, 2, { writesOnly: true });
      const [run, cancel] = await Promise.all([
        answer(
          runDirectDebitVia(env(db, race.storage), { scheme: 'sepa', collectionDate: DATE, out: db.dir }),
        ),
        answer(
          cancelMandate(
            race.storage,
            { reference: 'MND-EU-1', reason: 'customer request' },
            {
              at: NOW,
              operatorId: db.ada,
            },
          ),
        ),
      ]);
      expect('value' in cancel, db.dialect).toBe(true);
      const rows = await tables(db.storage);
      const m = (rows.mandates as { id: number; reference: string; status: string }[]).find(
        (x) => x.reference === 'MND-EU-1',
      )!;
      expect(m.status).toBe('cancelled');
      const collected = (rows.items as { mandate_id: number }[]).filter((i) => i.mandate_id === m.id);
      const kinds = (rows.events as { mandate_id: number; kind: string }[])
        .filter((e) => e.mandate_id === m.id)
        .map((e) => e.kind);
      if ('value' in run && collected.length > 0) expect(kinds).toEqual(['collected', 'cancelled']);
      else {
        expect(collected).toEqual([]);
        expect(kinds).toEqual(['cancelled']);
      }
      if ('error' in run) expect(run.error).toMatchObject({ code: 'conflict', rule: 'selection-changed' });
      return null;
    });
  });

  it('a transaction that fails after rendering leaves no file and writes nothing', async () => {
    const error = await refused(async (db) => {
      // The second file's last payment: the first file is rendered and staged by then.
      const progress = (phase: string, done: number, total: number): void => {
        if (phase === 'post' && done === total && total > 0) throw cancelled('cancelled by the operator');
      };
      try {
        return await runDirectDebitVia(env(db, db.storage, { progress }), {
          scheme: 'sepa',
          collectionDate: DATE,
          out: db.dir,
        });
      } finally {
        expect(filesIn(db.dir), db.dialect).toEqual([]);
      }
    });
    expect(error).toMatchObject({ code: 'cancelled' });
  });

  it('a credit run (refunds out) pays back alike: the same refunds, refund bills, allocations, file and rows', async () => {
    const refunds = (storage: Storage) =>
      storage.transaction(
        async (tx) => ({
          refunds: await tx.all(sql`SELECT * FROM refunds ORDER BY id`),
          lines: await tx.all(sql`SELECT * FROM refund_item_lines ORDER BY refund_id, item_id`),
          bills: await tx.all(sql`SELECT * FROM bills ORDER BY id`),
        }),
        { readOnly: true },
      );
    const out = await same(async (db) => {
      // EU-3 overpaid (unallocated credit beyond its bills), EU-4 holds an open refund item: both are paid back.
      await recordPayment(
        db.storage,
        {
          accountNo: 'EU-3',
          amount: '50.00',
          payType: 10012,
          channelId: 0,
          allocate: 'none',
          sourceKey: 'over-3',
        },
        NOW,
        db.ada,
      );
      await db.storage.transaction(async (tx) => {
        const a = (await tx.get<{ id: number; unit: number }>(
          sql`SELECT a.id, u.id AS unit FROM accounts a JOIN bill_units u ON u.account_id = a.id WHERE a.account_no = 'EU-4'`,
        ))!;
        const billId = (await tx.get<{ id: number }>(
          sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
                amount_due_minor, status)
              VALUES ('RI-EU-4', ${a.unit}, ${a.id}, '2026-11-01', '2026-11-30', 'EUR', -7000, -7000, 'open') RETURNING id`,
        ))!.id;
        await tx.run(
          sql`INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
              VALUES ('RI-EU-4-1', ${billId}, ${a.id}, 'refund', -7000, -7000, 0, 'open')`,
        );
        await tx.run(sql`UPDATE accounts SET balance_minor = balance_minor - 7000 WHERE id = ${a.id}`);
      });
      const dry = await runDirectDebitVia(env(db), {
        scheme: 'sepa',
        collectionDate: DATE,
        kind: 'credit',
        dryRun: true,
      });
      const run = await runDirectDebitVia(env(db), {
        scheme: 'sepa',
        collectionDate: DATE,
        kind: 'credit',
        out: db.dir,
      });
      const again = await runDirectDebitVia(env(db), {
        scheme: 'sepa',
        collectionDate: DATE,
        kind: 'credit',
        out: db.dir,
      });
      return {
        dry,
        run: portable(run, db.dir),
        again: portable(again, db.dir),
        bytes: filesIn(db.dir).map((f) => readFileSync(join(db.dir, f), 'utf8')),
        rows: await tables(db.storage),
        refunds: await refunds(db.storage),
      };
    });
    const run = out.run as DdRunDto;
    expect(run.files.map((f) => [f.creditor, f.count, f.totalMinor])).toEqual([
      ['EU-2ND', 1, 5000 - 3023 - 503],
      ['EU-MAIN', 1, 7000 - 4023],
    ]);
    expect(run.payments).toBe(2);
    expect((out.again as DdRunDto).files).toEqual([]);
    expect(
      (out.refunds.refunds as { items_closed_minor: number; credit_used_minor: number }[]).map((r) => [
        r.items_closed_minor,
        r.credit_used_minor,
      ]),
    ).toEqual([
      [0, 5000 - 3023 - 503],
      [7000 - 4023, 0],
    ]);
  });
});
