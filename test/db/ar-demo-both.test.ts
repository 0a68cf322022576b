import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { checkLedgerOn } from '../../src-main/ledger/ledger-check';
import {
  importReceivablesVia,
  previewReceivablesVia,
  type ArImportFiles,
} from '../../src-main/services/ar-import';
import type { ArImportSummaryDto } from '../../src-shared/dto/app';
import { alikeOn } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { addOperators, STORAGES } from '../helpers/storages';

// Issue #17: the receivables import runs through the storage port. The same files on SQLite and PostgreSQL load the
// same accounts, bill units, bills, items, journal and audit rows; a file with a bad row writes nothing on either;
// two imports naming the same accounts at once end as one after the other (serializable; on PostgreSQL the loser
// is retried and finds the winner's rows, so each change is audited from the value it really replaced).

const NOW = new Date('2026-11-22T09:00:00Z');

const ACCOUNTS_HEADER = 'account_no,name,status,currency,default_pay_type';
const UNITS_HEADER =
  'bill_unit_no,account_no,name,accounting_type,pay_type,payment_term,paying,parent_bill_unit_no,is_default,bill_cycle_day,next_bill_date';
const BILLS_HEADER = 'bill_no,bill_unit_no,bill_date,due_date,currency,total';
const ITEMS_HEADER = 'item_no,bill_no,type,amount,open_amount,gl_id';

const csv = (header: string, ...rows: string[]): string => [header, ...rows].join('\n') + '\n';

type Snapshot = { accounts?: string; billUnits?: string; bills?: string; items?: string };

/** A snapshot sent as the desktop sends it: the files' bytes, no path (so no file.read rows). */
function files(s: Snapshot): ArImportFiles {
  const up = (text: string | undefined, fileName: string) =>
    text === undefined ? undefined : { content: Buffer.from(text).toString('base64'), fileName };
  return {
    accountsUpload: up(s.accounts, 'accounts.csv'),
    billUnitsUpload: up(s.billUnits, 'bill_units.csv'),
    billsUpload: up(s.bills, 'bills.csv'),
    itemsUpload: up(s.items, 'items.csv'),
  };
}

const SNAPSHOT: Required<Snapshot> = {
  accounts: csv(
    ACCOUNTS_HEADER,
    'A1,Mia Wolf,active,USD,10001',
    'A2,Koch Bakery,active,EUR,10003',
    'A3,Tanaka Holdings,inactive,JPY,10012',
  ),
  billUnits: csv(
    UNITS_HEADER,
    'BU1,A1,Main,open_item,10001,N30,1,,1,5,2026-12-05',
    'BU2,A2,Main,balance_forward,10003,N14,1,,1,12,',
    'BU3,A3,Main,open_item,10012,N30,1,,1,1,2026-12-01',
    'BU4,A1,Child,open_item,10007,N30,0,BU5,0,5,',
    'BU5,A2,Parent,open_item,10001,N30,1,,0,12,',
  ),
  bills: csv(
    BILLS_HEADER,
    'B1,BU1,2026-10-05,2026-11-04,USD,150.00',
    'B2,BU1,2026-11-05,2026-12-05,USD,80.50',
    'B3,BU2,2026-11-12,2026-11-26,EUR,99.99',
    'B4,BU3,2026-11-01,2026-12-01,JPY,5000',
  ),
  items: csv(
    ITEMS_HEADER,
    'I1,B1,recurring,100.00,0,101',
    'I2,B1,usage,50,0.00,102',
    'I3,B2,recurring,60.50,60.50,101',
    'I4,B2,tax,20.00,20.00,104',
    'I5,B3,recurring,109.99,109.99,101',
    'I6,B3,adjustment,-10.00,-10.00,105',
    'I7,B4,recurring,5000,2500,101',
  ),
};

/** The next snapshot, items only: B2's tax paid, a new item on the ledger's B3 (its bill not in the files). */
const ITEMS_NEXT = csv(
  ITEMS_HEADER,
  'I4,B2,tax,20.00,0,104',
  'I5,B3,recurring,99.99,99.99,101',
  'I6,B3,adjustment,-10.00,-10.00,105',
  'I8,B3,usage,10.00,10.00,102',
);

type Db = { dialect: Dialect; storage: Storage; dispose: () => Promise<void>; clerk: number };

const ROWS = STORAGES.filter((r) => r.available);

/**
 * Every row an import writes, every column, rows by their business keys: PostgreSQL's identities are not rolled
 * back with a preview or a retried attempt, so its ids may have gaps that SQLite's do not.
 */
function tables(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      accounts: await tx.all(
        sql`SELECT account_no, account_key, name, name_key, status, currency, default_pay_type, is_suspense,
              balance_minor, created_at
            FROM accounts ORDER BY id`,
      ),
      units: await tx.all(
        sql`SELECT u.bill_unit_no, a.account_no, u.name, u.accounting_type, u.pay_type, u.payment_term, u.paying,
              p.bill_unit_no AS parent, u.is_default, u.bill_cycle_day, u.next_bill_date
            FROM bill_units u JOIN accounts a ON a.id = u.account_id
            LEFT JOIN bill_units p ON p.id = u.parent_bill_unit_id ORDER BY u.id`,
      ),
      bills: await tx.all(
        sql`SELECT b.bill_no, u.bill_unit_no, a.account_no, b.bill_date, b.due_date, b.currency, b.total_minor,
              b.amount_due_minor, b.status
            FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
            ORDER BY b.id`,
      ),
      items: await tx.all(
        sql`SELECT i.item_no, b.bill_no, a.account_no, i.type, i.amount_minor, i.open_minor, i.gl_id, i.status
            FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN accounts a ON a.id = i.account_id
            ORDER BY i.id`,
      ),
      journals: await tx.all(sql`SELECT kind, at, effective_date FROM journals ORDER BY id`),
      lines: await tx.all(
        sql`SELECT l.gl_account, a.account_no, l.amount_minor, l.currency
            FROM journal_lines l LEFT JOIN accounts a ON a.id = l.account_id
            ORDER BY l.journal_id, l.gl_account, a.account_no, l.currency`,
      ),
      files: await tx.all(sql`SELECT kind, sha256, file_name, imported_at FROM imported_files ORDER BY id`),
      audit: await tx.all<{ action: string; entityId: string | null; before: string | null; after: string }>(
        sql`SELECT at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** The summary without its timing. */
const counts = ({ elapsedMs: _, ...rest }: ArImportSummaryDto) => rest;

describe('the receivables import on both databases', () => {
  const dbs: Db[] = [];
  beforeAll(async () => {
    for (const row of ROWS) {
      const { storage, dispose } = await row.open();
      const { clerk } = await addOperators(storage, { clerk: ['clerk'] }, NOW);
      dbs.push({ dialect: row.dialect, storage, dispose, clerk });
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
  });

  const { same, refused } = alikeOn(dbs, tables);

  it('refuses a file with bad rows alike and writes nothing, preview or import', async () => {
    const bad = {
      ...SNAPSHOT,
      accounts: csv(ACCOUNTS_HEADER, 'A1,Mia Wolf,active,USD,10001', 'A2,Koch Bakery,dormant,XXX,10003'),
      bills: csv(BILLS_HEADER, 'B1,BU1,2026-10-05,2026-11-04,USD,151.00'),
    };
    const error = await refused(({ storage, clerk }) =>
      importReceivablesVia(storage, files(bad), NOW, clerk),
    );
    expect(error).toMatchObject({ code: 'validation' });
    expect((error as { fileIssues: unknown[] }).fileIssues.length).toBeGreaterThan(2);
    const preview = await same(async ({ storage, clerk }) => {
      const before = await tables(storage);
      const p = await previewReceivablesVia(storage, files(bad), NOW, clerk);
      expect(await tables(storage)).toEqual(before);
      return p;
    });
    expect(preview).toMatchObject({
      ok: false,
      problemCount: (error as { fileIssues: unknown[] }).fileIssues.length,
    });
  });

  it('previews, imports, re-imports and imports items alike, writing the same rows and audit', async () => {
    const answers = await same(async ({ storage, clerk }) => {
      const preview = await previewReceivablesVia(storage, files(SNAPSHOT), NOW, clerk);
      const first = await importReceivablesVia(storage, files(SNAPSHOT), NOW, clerk);
      const again = await importReceivablesVia(storage, files(SNAPSHOT), NOW, clerk);
      const next = await importReceivablesVia(storage, files({ items: ITEMS_NEXT }), NOW, clerk);
      const check = await checkLedgerOn(storage, 10);
      return {
        preview: { ...preview, elapsedMs: 0 },
        first: counts(first),
        again: counts(again),
        next: counts(next),
        ok: check.ok,
        violations: check.violations,
      };
    });
    expect(answers.ok).toBe(true);
    expect(answers.first).toMatchObject({
      accounts: { inserted: 3 },
      billUnits: { inserted: 5 },
      bills: { inserted: 4 },
      items: { inserted: 7 },
    });
    expect({ ...answers.preview, elapsedMs: undefined }).toMatchObject({ ok: true, ...answers.first });
    expect(answers.again).toMatchObject({ accounts: { unchanged: 3 }, items: { unchanged: 7 } });
    expect(answers.next).toMatchObject({ items: { inserted: 1, updated: 2, unchanged: 1 } });

    const written = await same(({ storage }) => tables(storage));
    expect(written.audit.map((a) => a.action)).toEqual([
      'ar.import',
      'ar.import',
      'ar.import.update',
      'ar.import.update',
      'ar.import.update',
    ]);
    expect(written.journals).toHaveLength(2);
    expect(written.files).toHaveLength(5);
    expect(
      (written.accounts as { account_no: string; balance_minor: number }[]).map((a) => [
        a.account_no,
        a.balance_minor,
      ]),
    ).toEqual([
      ['SUSPENSE', 0],
      ['A1', 6050],
      ['A2', 9999],
      ['A3', 2500],
    ]);
  });

  it('two imports renaming the same accounts at once end as one after the other', async () => {
    const rename = (name: string, extra: string) =>
      files({
        accounts: csv(ACCOUNTS_HEADER, `A1,${name},active,USD,10001`, `A2,${name},active,EUR,10003`, extra),
      });
    const ends = await same(async ({ storage, clerk }) => {
      const before = await tables(storage);
      // Held after each has read the accounts (its query 1), before either writes.
      const race = racing(storage, 2, { holdAt: 2, writesOnly: true });
      const results = await Promise.all([
        importReceivablesVia(race.storage, rename('First', 'A9,Nine,active,USD,10001'), NOW, clerk),
        importReceivablesVia(race.storage, rename('Second', 'A9,Nine,active,USD,10001'), NOW, clerk),
      ]);
      const after = await tables(storage);
      const updates = after.audit.slice(before.audit.length).filter((a) => a.action === 'ar.import.update');
      const nines = (after.accounts as { account_no: string }[]).filter((a) => a.account_no === 'A9');
      // One inserted A9, the other found it; each rename is audited from the name it really replaced.
      const inserted = results.map((r) => r.accounts!.inserted).sort();
      const byAccount = (no: string) =>
        updates
          .filter((u) => u.entityId === no)
          .map((u) => [JSON.parse(u.before!).name, JSON.parse(u.after).name] as [string, string]);
      const a1 = byAccount('A1');
      const last = a1[a1.length - 1]![1];
      const final = (after.accounts as { account_no: string; name: string }[]).find(
        (a) => a.account_no === 'A1',
      );
      return {
        inserted,
        nines: nines.length,
        chain: a1.length === 2 && a1[0]![0] === 'Mia Wolf' && a1[1]![0] === a1[0]![1],
        sameOrder: JSON.stringify(byAccount('A2').map((p) => p[1])) === JSON.stringify(a1.map((p) => p[1])),
        finalIsLast: final?.name === last,
      };
    });
    expect(ends).toEqual({ inserted: [0, 1], nines: 1, chain: true, sameOrder: true, finalIsLast: true });
  });
});
