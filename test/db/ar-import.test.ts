import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditInsertQuery } from '../../db/repos/audit';
import { importReceivablesVia, type ArImportFiles } from '../../src-main/services/ar-import';
import { AppFailure } from '../../src-main/ledger/errors';
import { postJournalIn } from '../../src-main/ledger/journal';
import type { FileIssue } from '../../src-shared/api/result';
import { APPS, type TestApp } from '../helpers/apps';

const NOW = new Date('2026-11-22T09:00:00Z');

const ACCOUNTS_HEADER = 'account_no,name,status,currency,default_pay_type';
const UNITS_HEADER =
  'bill_unit_no,account_no,name,accounting_type,pay_type,payment_term,paying,parent_bill_unit_no,is_default,bill_cycle_day,next_bill_date';
const BILLS_HEADER = 'bill_no,bill_unit_no,bill_date,due_date,currency,total';
const ITEMS_HEADER = 'item_no,bill_no,type,amount,open_amount,gl_id';

type Snapshot = { accounts?: string; billUnits?: string; bills?: string; items?: string };

const csv = (header: string, ...rows: string[]): string => [header, ...rows].join('\n') + '\n';

/** The first snapshot: three accounts in USD, EUR and JPY; BU4 is nonpaying, paid by BU5 (later in the file). */
const SNAPSHOT_1: Required<Snapshot> = {
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

/**
 * The next snapshot: A1 renamed, A3 closed, A4 new; BU1's next bill date moved; B3's I5 re-rated; I3 shown paid
 * (but the desk allocated a payment to it, so the ledger keeps it); I4 and I7 partly / fully paid; B5/I8 new.
 */
const SNAPSHOT_2: Required<Snapshot> = {
  accounts: csv(
    ACCOUNTS_HEADER,
    'A1,Mia Wolf-Koch,active,USD,10001',
    'A2,Koch Bakery,active,EUR,10003',
    'A3,Tanaka Holdings,closed,JPY,10012',
    'A4,Brennan Garage,active,GBP,10013',
  ),
  billUnits: csv(
    UNITS_HEADER,
    'BU1,A1,Main,open_item,10001,N30,1,,1,5,2027-01-05',
    'BU2,A2,Main,balance_forward,10003,N14,1,,1,12,',
    'BU3,A3,Main,open_item,10012,N30,1,,1,1,2026-12-01',
    'BU4,A1,Child,open_item,10007,N30,0,BU5,0,5,',
    'BU5,A2,Parent,open_item,10001,N30,1,,0,12,',
    'BU6,A4,Main,open_item,10013,N10,1,,1,20,2026-12-20',
  ),
  bills: csv(
    BILLS_HEADER,
    'B1,BU1,2026-10-05,2026-11-04,USD,150.00',
    'B2,BU1,2026-11-05,2026-12-05,USD,80.50',
    'B3,BU2,2026-11-12,2026-11-26,EUR,94.99',
    'B4,BU3,2026-11-01,2026-12-01,JPY,5000',
    'B5,BU6,2026-11-20,2026-11-30,GBP,12.34',
  ),
  items: csv(
    ITEMS_HEADER,
    'I1,B1,recurring,100.00,0,101',
    'I2,B1,usage,50,0.00,102',
    'I3,B2,recurring,60.50,0,101',
    'I4,B2,tax,20.00,5.00,104',
    'I5,B3,recurring,104.99,104.99,101',
    'I6,B3,adjustment,-10.00,-10.00,105',
    'I7,B4,recurring,5000,0,101',
    'I8,B5,one_time,12.34,12.34,103',
  ),
};

const FILE_NAMES = {
  accounts: 'accounts.csv',
  billUnits: 'bill_units.csv',
  bills: 'bills.csv',
  items: 'items.csv',
} as const;

let app: TestApp;
let snapshotNo = 0;

/** Writes the given files into a fresh folder and returns their paths as the import takes them. */
function writeSnapshot(files: Snapshot): ArImportFiles {
  const folder = join(app.dir, `snapshot-${++snapshotNo}`);
  mkdirSync(folder);
  const out: ArImportFiles = {};
  const put = (kind: keyof Snapshot): string | undefined => {
    const text = files[kind];
    if (text === undefined) return undefined;
    const path = join(folder, FILE_NAMES[kind]);
    writeFileSync(path, text);
    return path;
  };
  const accountsFile = put('accounts');
  const billUnitsFile = put('billUnits');
  const billsFile = put('bills');
  const itemsFile = put('items');
  if (accountsFile) out.accountsFile = accountsFile;
  if (billUnitsFile) out.billUnitsFile = billUnitsFile;
  if (billsFile) out.billsFile = billsFile;
  if (itemsFile) out.itemsFile = itemsFile;
  return out;
}

function load(files: Snapshot) {
  return importReceivablesVia(app.ctx.storage, writeSnapshot(files), NOW, null);
}

/** Runs an import that must fail and returns its file issues. */
async function issuesOf(files: Snapshot): Promise<FileIssue[]> {
  try {
    await load(files);
  } catch (err) {
    if (err instanceof AppFailure && err.error.code === 'validation') return err.error.fileIssues ?? [];
    throw err;
  }
  throw new Error('the import was expected to fail');
}

const where = (issues: FileIssue[]) => issues.map((i) => `${i.file}:${i.line}:${i.column}`).sort();

async function counts(): Promise<Record<string, number>> {
  const tables = [
    'accounts',
    'bill_units',
    'bills',
    'bill_items',
    'journals',
    'journal_lines',
    'audit_log',
    'imported_files',
  ];
  // Reading a file is audited (issue #12) even when the import then writes nothing, and an app seeds its stock
  // templates (audited) when it opens; the rest must not move.
  const notImport = sql` WHERE action NOT IN ('file.read', 'template.seed')`;
  const out: Record<string, number> = {};
  for (const t of tables)
    out[t] = (await app.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM ${sql.identifier(t)}${t === 'audit_log' ? notImport : sql``}`,
    ))!.n;
  return out;
}

async function balances(): Promise<Record<string, number>> {
  const rows = await app.all<{ no: string; b: number }>(
    sql`SELECT account_no AS no, balance_minor AS b FROM accounts WHERE is_suspense = 0 ORDER BY account_no`,
  );
  return Object.fromEntries(rows.map((r) => [r.no, r.b]));
}

/** Every ledger invariant the import must keep, as SQL; each query returns the rows that break it. */
async function invariantViolations(): Promise<unknown[]> {
  const queries = [
    // balance = open items - unallocated payment credit (credit = what payments put on AR, less what is allocated)
    sql`SELECT 'balance' AS rule, * FROM (
       SELECT a.account_no, a.balance_minor AS balance,
              coalesce((SELECT sum(i.open_minor) FROM bill_items i WHERE i.account_id = a.id), 0) AS open,
              coalesce((SELECT -sum(l.amount_minor) FROM journal_lines l JOIN payments p ON p.journal_id = l.journal_id
                        WHERE l.gl_account = 'AR' AND l.account_id = a.id), 0)
              - coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.account_id = a.id), 0) AS credit
       FROM accounts a WHERE a.is_suspense = 0) AS t
     WHERE balance <> open - credit`,
    sql`SELECT 'ar-journal' AS rule, a.account_no FROM accounts a
     WHERE a.balance_minor <> coalesce((SELECT sum(amount_minor) FROM journal_lines
                                        WHERE gl_account = 'AR' AND account_id = a.id), 0)`,
    sql`SELECT 'journal-balanced' AS rule, journal_id, currency FROM journal_lines
     GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0`,
    sql`SELECT 'bill' AS rule, b.bill_no FROM bills b
     WHERE b.total_minor <> coalesce((SELECT sum(amount_minor) FROM bill_items WHERE bill_id = b.id), 0)
        OR b.amount_due_minor <> coalesce((SELECT sum(open_minor) FROM bill_items WHERE bill_id = b.id), 0)
        OR (b.status = 'closed') <> (b.amount_due_minor = 0)`,
    sql`SELECT 'item' AS rule, item_no FROM bill_items
     WHERE (status = 'closed') <> (open_minor = 0)
        OR (amount_minor >= 0 AND (open_minor < 0 OR open_minor > amount_minor))
        OR (amount_minor < 0 AND (open_minor > 0 OR open_minor < amount_minor))
        OR account_id <> (SELECT account_id FROM bills WHERE id = bill_id)`,
    sql`SELECT 'bill-currency' AS rule, b.bill_no FROM bills b JOIN accounts a ON a.id = b.account_id
     WHERE a.currency <> b.currency`,
  ];
  const out: unknown[] = [];
  for (const q of queries) out.push(...(await app.all(q)));
  return out;
}

/** Posts a payment on an account and allocates it to one item, the way the payment services do. */
async function payAndAllocate(accountNo: string, itemNo: string, amountMinor: number): Promise<void> {
  await app.ctx.storage.transaction(async (tx) => {
    const account = (await tx.get<{ id: number; currency: string }>(
      sql`SELECT id, currency FROM accounts WHERE account_no = ${accountNo}`,
    ))!;
    const item = (await tx.get<{ id: number; billId: number }>(
      sql`SELECT id, bill_id AS "billId" FROM bill_items WHERE item_no = ${itemNo}`,
    ))!;
    const at = NOW.toISOString();
    const auditId = (await tx.get<{ id: number }>(
      auditInsertQuery({ at, operatorId: null, action: 'payment.post', entity: 'payment' }),
    ))!.id;
    const journalId = await postJournalIn(tx, {
      kind: 'payment',
      at,
      effectiveDate: '2026-11-22',
      idemKey: `test-payment:${itemNo}`,
      auditId,
      lines: [
        { gl: 'CASH', accountId: null, amountMinor, currency: account.currency },
        { gl: 'AR', accountId: account.id, amountMinor: -amountMinor, currency: account.currency },
      ],
    });
    const paymentId = (await tx.get<{ id: number }>(
      sql`INSERT INTO payments (kind, account_id, pay_type, status, amount_minor, currency, account_amount_minor,
                               effective_date, journal_id, created_at)
         VALUES ('original', ${account.id}, 10012, 0, ${amountMinor}, ${account.currency}, ${amountMinor},
                 '2026-11-22', ${journalId}, ${at})
         RETURNING id`,
    ))!.id;
    await tx.run(
      sql`INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, created_at)
          VALUES (${paymentId}, ${account.id}, ${item.billId}, ${item.id}, ${amountMinor}, ${at})`,
    );
    await tx.run(
      sql`UPDATE bill_items SET open_minor = open_minor - ${amountMinor},
              status = CASE WHEN open_minor - ${amountMinor} = 0 THEN 'closed' ELSE 'open' END
          WHERE id = ${item.id}`,
    );
    await tx.run(
      sql`UPDATE bills SET amount_due_minor = amount_due_minor - ${amountMinor},
              status = CASE WHEN amount_due_minor - ${amountMinor} = 0 THEN 'closed' ELSE 'open' END
          WHERE id = ${item.billId}`,
    );
  });
}

const row = async (query: SQL) => (await app.get<Record<string, unknown>>(query))!;

describe.each(APPS.filter((r) => r.available))('ar import ($dialect)', ({ open }) => {
  // Every case starts from an empty ledger, as the counts it compares assume.
  beforeEach(async () => {
    app = await open({ clock: () => NOW });
  });
  afterEach(() => app.dispose());

  describe('ar import: happy path and snapshots', () => {
    it('loads four files, posts the open amounts and records the files', async () => {
      const summary = await load(SNAPSHOT_1);
      expect(summary).toMatchObject({
        accounts: { file: 'accounts.csv', rows: 3, inserted: 3, updated: 0, unchanged: 0 },
        billUnits: { file: 'bill_units.csv', rows: 5, inserted: 5, updated: 0, unchanged: 0 },
        bills: { file: 'bills.csv', rows: 4, inserted: 4, updated: 0, unchanged: 0 },
        items: { file: 'items.csv', rows: 7, inserted: 7, updated: 0, unchanged: 0 },
        adjustedOpenMinor: 0,
      });
      expect(await balances()).toEqual({ A1: 8050, A2: 9999, A3: 2500 });

      expect(
        await row(
          sql`SELECT account_key, name_key, status, currency, default_pay_type FROM accounts WHERE account_no = 'A2'`,
        ),
      ).toEqual({
        account_key: 'A2',
        name_key: 'koch bakery',
        status: 'active',
        currency: 'EUR',
        default_pay_type: 10003,
      });
      expect(
        await row(sql`SELECT u.paying, p.bill_unit_no AS parent, u.is_default, u.next_bill_date
           FROM bill_units u JOIN bill_units p ON p.id = u.parent_bill_unit_id WHERE u.bill_unit_no = 'BU4'`),
      ).toEqual({ paying: 0, parent: 'BU5', is_default: 0, next_bill_date: null });
      expect(
        await row(sql`SELECT total_minor, amount_due_minor, status FROM bills WHERE bill_no = 'B1'`),
      ).toEqual({
        total_minor: 15000,
        amount_due_minor: 0,
        status: 'closed',
      });
      expect(
        await row(sql`SELECT total_minor, amount_due_minor, status FROM bills WHERE bill_no = 'B3'`),
      ).toEqual({
        total_minor: 9999,
        amount_due_minor: 9999,
        status: 'open',
      });
      expect(
        await row(sql`SELECT amount_minor, open_minor, status FROM bill_items WHERE item_no = 'I6'`),
      ).toEqual({
        amount_minor: -1000,
        open_minor: -1000,
        status: 'open',
      });
      expect(await row(sql`SELECT amount_minor, open_minor FROM bill_items WHERE item_no = 'I7'`)).toEqual({
        amount_minor: 5000,
        open_minor: 2500,
      });

      const audit = await row(sql`SELECT id, action, after FROM audit_log WHERE action = 'ar.import'`);
      expect(JSON.parse(audit.after as string)).toMatchObject({
        items: { inserted: 7 },
        adjustedOpenMinor: 0,
      });
      const journals = await app.all<{ id: number; kind: string; audit_id: number }>(
        sql`SELECT id, kind, audit_id FROM journals`,
      );
      expect(journals).toEqual([{ id: journals[0]!.id, kind: 'ar_snapshot', audit_id: audit.id }]);
      const lines = await app.all(
        sql`SELECT l.gl_account AS gl, a.account_no AS account, l.amount_minor AS amount, l.currency
          FROM journal_lines l LEFT JOIN accounts a ON a.id = l.account_id ORDER BY l.id`,
      );
      expect(lines).toEqual([
        { gl: 'AR', account: 'A1', amount: 8050, currency: 'USD' },
        { gl: 'AR', account: 'A2', amount: 9999, currency: 'EUR' },
        { gl: 'AR', account: 'A3', amount: 2500, currency: 'JPY' },
        { gl: 'REVENUE', account: null, amount: -9999, currency: 'EUR' },
        { gl: 'REVENUE', account: null, amount: -2500, currency: 'JPY' },
        { gl: 'REVENUE', account: null, amount: -8050, currency: 'USD' },
      ]);
      const files = await app.all<{ kind: string; file_name: string; sha256: string; audit_id: number }>(
        sql`SELECT kind, file_name, sha256, audit_id FROM imported_files ORDER BY id`,
      );
      expect(files.map((f) => [f.kind, f.file_name, f.audit_id])).toEqual([
        ['ar_accounts', 'accounts.csv', audit.id],
        ['ar_bill_units', 'bill_units.csv', audit.id],
        ['ar_bills', 'bills.csv', audit.id],
        ['ar_items', 'items.csv', audit.id],
      ]);
      expect(files[3]!.sha256).toBe(createHash('sha256').update(SNAPSHOT_1.items).digest('hex'));
      expect(await invariantViolations()).toEqual([]);
    });

    it('re-importing the same snapshot changes nothing and writes nothing', async () => {
      await load(SNAPSHOT_1);
      const before = await counts();
      const ledgerBalances = await balances();
      const summary = await load(SNAPSHOT_1);
      expect(summary).toMatchObject({
        accounts: { rows: 3, inserted: 0, updated: 0, unchanged: 3 },
        billUnits: { rows: 5, inserted: 0, updated: 0, unchanged: 5 },
        bills: { rows: 4, inserted: 0, updated: 0, unchanged: 4 },
        items: { rows: 7, inserted: 0, updated: 0, unchanged: 7 },
        adjustedOpenMinor: 0,
      });
      expect(await counts()).toEqual(before);
      expect(await balances()).toEqual(ledgerBalances);
      expect(await invariantViolations()).toEqual([]);
    });

    it('a newer snapshot updates unallocated items, keeps allocated ones and posts the deltas', async () => {
      await load(SNAPSHOT_1);
      await payAndAllocate('A1', 'I3', 3000);
      expect(await invariantViolations()).toEqual([]);
      expect(await balances()).toEqual({ A1: 5050, A2: 9999, A3: 2500 });
      const before = await counts();

      const summary = await load(SNAPSHOT_2);
      expect(summary).toMatchObject({
        accounts: { rows: 4, inserted: 1, updated: 2, unchanged: 1 },
        billUnits: { rows: 6, inserted: 1, updated: 1, unchanged: 4 },
        bills: { rows: 5, inserted: 1, updated: 3, unchanged: 1 },
        items: { rows: 8, inserted: 1, updated: 3, unchanged: 4 },
        // |I4: 20.00 -> 5.00| + |I5: 109.99 -> 104.99| + |I7: 2500 -> 0| in minor units
        adjustedOpenMinor: 1500 + 500 + 2500,
      });
      expect(await balances()).toEqual({ A1: 5050 - 1500, A2: 9999 - 500, A3: 0, A4: 1234 });
      // I3 has an allocation: the file says it is paid, the ledger keeps its own open amount.
      expect(await row(sql`SELECT open_minor, status FROM bill_items WHERE item_no = 'I3'`)).toEqual({
        open_minor: 3050,
        status: 'open',
      });
      expect(await row(sql`SELECT open_minor, status FROM bill_items WHERE item_no = 'I7'`)).toEqual({
        open_minor: 0,
        status: 'closed',
      });
      expect(
        await row(sql`SELECT total_minor, amount_due_minor, status FROM bills WHERE bill_no = 'B2'`),
      ).toEqual({
        total_minor: 8050,
        amount_due_minor: 3550,
        status: 'open',
      });
      expect(await row(sql`SELECT total_minor, amount_due_minor FROM bills WHERE bill_no = 'B3'`)).toEqual({
        total_minor: 9499,
        amount_due_minor: 9499,
      });
      expect(await row(sql`SELECT amount_due_minor, status FROM bills WHERE bill_no = 'B4'`)).toEqual({
        amount_due_minor: 0,
        status: 'closed',
      });
      expect(await row(sql`SELECT name, name_key, status FROM accounts WHERE account_no = 'A1'`)).toEqual({
        name: 'Mia Wolf-Koch',
        name_key: 'mia wolf-koch',
        status: 'active',
      });
      expect(await row(sql`SELECT status FROM accounts WHERE account_no = 'A3'`)).toEqual({
        status: 'closed',
      });
      expect(await row(sql`SELECT next_bill_date FROM bill_units WHERE bill_unit_no = 'BU1'`)).toEqual({
        next_bill_date: '2027-01-05',
      });

      const audit = await row(
        sql`SELECT id, after FROM audit_log WHERE action = 'ar.import' ORDER BY id DESC LIMIT 1`,
      );
      expect(JSON.parse(audit.after as string)).toMatchObject({
        keptAllocatedItems: 1,
        adjustedOpenMinor: 4500,
      });
      const change = await row(
        sql`SELECT before, after FROM audit_log WHERE action = 'ar.import.update' AND entity = 'account' AND entity_id = 'A1'`,
      );
      expect(JSON.parse(change.before as string)).toEqual({ name: 'Mia Wolf' });
      expect(JSON.parse(change.after as string)).toEqual({ name: 'Mia Wolf-Koch' });
      const itemChange = await row(
        sql`SELECT before, after FROM audit_log WHERE entity = 'bill_item' AND entity_id = 'I4'`,
      );
      expect(JSON.parse(itemChange.before as string)).toEqual({ open_minor: 2000 });
      expect(JSON.parse(itemChange.after as string)).toEqual({ open_minor: 500 });

      const journal = await row(sql`SELECT id, kind FROM journals WHERE audit_id = ${audit.id}`);
      expect(journal.kind).toBe('ar_snapshot');
      const lines = await app.all(
        sql`SELECT l.gl_account AS gl, a.account_no AS account, l.amount_minor AS amount, l.currency
          FROM journal_lines l LEFT JOIN accounts a ON a.id = l.account_id
          WHERE l.journal_id = ${journal.id} ORDER BY l.id`,
      );
      expect(lines).toEqual([
        { gl: 'AR', account: 'A1', amount: -1500, currency: 'USD' },
        { gl: 'AR', account: 'A2', amount: -500, currency: 'EUR' },
        { gl: 'AR', account: 'A3', amount: -2500, currency: 'JPY' },
        { gl: 'AR', account: 'A4', amount: 1234, currency: 'GBP' },
        { gl: 'REVENUE', account: null, amount: 500, currency: 'EUR' },
        { gl: 'REVENUE', account: null, amount: -1234, currency: 'GBP' },
        { gl: 'REVENUE', account: null, amount: 2500, currency: 'JPY' },
        { gl: 'REVENUE', account: null, amount: 1500, currency: 'USD' },
      ]);
      const after = await counts();
      expect(after.journals).toBe(before.journals! + 1);
      expect(after.imported_files).toBe(before.imported_files! + 4);
      expect(await invariantViolations()).toEqual([]);

      // The same newer snapshot again: the allocated item stays kept, everything else is already in place.
      const again = await load(SNAPSHOT_2);
      expect(again).toMatchObject({
        accounts: { inserted: 0, updated: 0, unchanged: 4 },
        billUnits: { inserted: 0, updated: 0, unchanged: 6 },
        bills: { inserted: 0, updated: 0, unchanged: 5 },
        items: { inserted: 0, updated: 0, unchanged: 8 },
        adjustedOpenMinor: 0,
      });
      expect(await counts()).toEqual(after);
      expect(await invariantViolations()).toEqual([]);
    });

    it('imports a subset of files against rows already in the ledger', async () => {
      await load(SNAPSHOT_1);
      const summary = await load({
        bills: csv(BILLS_HEADER, 'B6,BU4,2026-11-20,2026-12-20,USD,7.25'),
        items: csv(ITEMS_HEADER, 'I9,B6,usage,7.25,7.25,102', 'I3,B2,recurring,60.50,10.50,101'),
      });
      expect(summary.accounts).toBeUndefined();
      expect(summary).toMatchObject({
        bills: { rows: 1, inserted: 1 },
        items: { rows: 2, inserted: 1, updated: 1 },
        adjustedOpenMinor: 5000,
      });
      expect(await balances()).toEqual({ A1: 8050 + 725 - 5000, A2: 9999, A3: 2500 });
      expect(await invariantViolations()).toEqual([]);
    });
  });

  describe('ar import: bad files are reported in full and import nothing', () => {
    it('reports every problem of every file with file, line, column and reason', async () => {
      await load(SNAPSHOT_1);
      const before = await counts();
      const ledgerBalances = await balances();
      const issues = await issuesOf({
        accounts: csv(
          ACCOUNTS_HEADER,
          'A1,Mia Wolf,active,USD,10001',
          'A5,Nobody,active,XYZ,10001',
          'A1,Mia Again,active,USD,10001',
          'A6,,dormant,USD,12345',
        ),
        billUnits: csv(
          UNITS_HEADER,
          'BU9,A99,Main,open_item,10001,N30,1,,0,5,',
          'BU10,A1,Kid,open_item,10007,N30,0,,0,5,',
          'BU11,A1,Main2,open_item,10001,N30,1,,0,31,2026-02-30',
        ),
        bills: csv(
          BILLS_HEADER,
          'B7,BU1,2026-11-05,2026-12-05,USD,12.345',
          'B8,BU1,2026-11-05,2026-11-01,USD,10.00',
          'B9,BU2,2026-11-05,2026-12-05,USD,0',
          'B10,BU1,2026-11-05,2026-12-05,USD,10.00',
        ),
        items: csv(
          ITEMS_HEADER,
          'I20,B404,usage,1.00,1.00,102',
          'I21,B10,usage,9.00,9.00,102',
          'I22,B1,usage,5.00,6.00,102',
        ),
      });
      expect(where(issues)).toEqual(
        [
          'accounts.csv:3:currency',
          'accounts.csv:4:account_no',
          'accounts.csv:5:name',
          'accounts.csv:5:status',
          'accounts.csv:5:default_pay_type',
          'bill_units.csv:2:account_no',
          'bill_units.csv:3:parent_bill_unit_no',
          'bill_units.csv:4:bill_cycle_day',
          'bill_units.csv:4:next_bill_date',
          'bills.csv:2:total',
          'bills.csv:3:due_date',
          'bills.csv:4:currency',
          'bills.csv:5:total',
          'items.csv:2:bill_no',
          'items.csv:4:open_amount',
        ].sort(),
      );
      const reason = (file: string, line: number, column: string) =>
        issues.find((i) => i.file === file && i.line === line && i.column === column)?.reason;
      expect(reason('accounts.csv', 4, 'account_no')).toMatch(
        /duplicate account_no "A1" \(first on line 2\)/,
      );
      expect(reason('bills.csv', 2, 'total')).toMatch(/3 decimals; the currency allows 2/);
      expect(reason('bills.csv', 4, 'currency')).toMatch(/differs from account A2's currency EUR/);
      expect(reason('bills.csv', 5, 'total')).toMatch(/total 10\.00 but its items sum to 9\.00/);
      expect(reason('items.csv', 2, 'bill_no')).toMatch(/unknown bill_no "B404"/);
      expect(await counts()).toEqual(before);
      expect(await balances()).toEqual(ledgerBalances);
      expect(await invariantViolations()).toEqual([]);
    });

    it('a missing or unknown column is a file-level issue on line 1', async () => {
      const issues = await issuesOf({
        ...SNAPSHOT_1,
        accounts: csv('account_no,name,status,currency,colour', 'A1,Mia Wolf,active,USD,red'),
      });
      expect(issues).toEqual([
        {
          file: 'accounts.csv',
          line: 1,
          column: 'colour',
          reason: expect.stringMatching(/unknown column/) as string,
        },
        {
          file: 'accounts.csv',
          line: 1,
          column: 'default_pay_type',
          reason: 'required column is missing from the header',
        },
      ]);
      expect((await counts()).accounts).toBe(1);
    });

    it('rejects amounts with more decimals than the currency has', async () => {
      const issues = await issuesOf({
        ...SNAPSHOT_1,
        items: SNAPSHOT_1.items
          .replace('I4,B2,tax,20.00,20.00', 'I4,B2,tax,20.005,20.00')
          .replace('I7,B4,recurring,5000,2500', 'I7,B4,recurring,5000,2500.5'),
      });
      expect(issues).toEqual([
        {
          file: 'items.csv',
          line: 5,
          column: 'amount',
          reason: '"20.005" has 3 decimals; the currency allows 2',
        },
        {
          file: 'items.csv',
          line: 8,
          column: 'open_amount',
          reason: '"2500.5" has 1 decimals; the currency allows 0',
        },
      ]);
      expect(await counts()).toMatchObject({
        accounts: 1,
        bills: 0,
        bill_items: 0,
        journals: 0,
        audit_log: 0,
      });
    });

    it('rejects a currency that is not in the currencies table', async () => {
      const issues = await issuesOf({
        accounts: csv(ACCOUNTS_HEADER, 'A1,Mia Wolf,active,XYZ,10001'),
        bills: csv(BILLS_HEADER, 'B1,BU1,2026-10-05,2026-11-04,ABC,1.00'),
      });
      // The refused bill row's unit is unknown too, and is reported with it (every problem of a row at once).
      expect(where(issues)).toEqual([
        'accounts.csv:2:currency',
        'bills.csv:2:bill_unit_no',
        'bills.csv:2:currency',
      ]);
      expect(issues[0]!.reason).toMatch(/unknown currency "XYZ"/);
      expect(await counts()).toMatchObject({ accounts: 1, bills: 0, audit_log: 0 });
    });

    it('rejects references to rows that are neither in the import nor in the ledger', async () => {
      const issues = await issuesOf({
        accounts: SNAPSHOT_1.accounts,
        billUnits: csv(
          UNITS_HEADER,
          'BU1,A1,Main,open_item,10001,N30,1,,1,5,',
          'BU2,A9,Main,open_item,10001,N30,1,,1,5,',
          'BU3,A1,Child,open_item,10007,N30,0,BU8,0,5,',
        ),
        bills: csv(
          BILLS_HEADER,
          'B1,BU1,2026-10-05,2026-11-04,USD,1.00',
          'B2,BU7,2026-10-05,2026-11-04,USD,0',
        ),
        items: csv(ITEMS_HEADER, 'I1,B1,usage,1.00,1.00,102', 'I2,B5,usage,1.00,1.00,102'),
      });
      expect(where(issues)).toEqual([
        'bill_units.csv:3:account_no',
        'bill_units.csv:4:parent_bill_unit_no',
        'bills.csv:3:bill_unit_no',
        'items.csv:3:bill_no',
      ]);
      expect(await counts()).toMatchObject({
        accounts: 1,
        bill_units: 0,
        bills: 0,
        bill_items: 0,
        audit_log: 0,
      });
    });

    it('reports a duplicate key on its second occurrence', async () => {
      const issues = await issuesOf({
        ...SNAPSHOT_1,
        bills: SNAPSHOT_1.bills + 'B2,BU1,2026-11-05,2026-12-05,USD,80.50\n',
        items: SNAPSHOT_1.items + 'I1,B1,recurring,100.00,0,101\n',
      });
      expect(issues).toEqual([
        { file: 'bills.csv', line: 6, column: 'bill_no', reason: 'duplicate bill_no "B2" (first on line 3)' },
        { file: 'items.csv', line: 9, column: 'item_no', reason: 'duplicate item_no "I1" (first on line 2)' },
      ]);
      expect(await counts()).toMatchObject({ accounts: 1, bills: 0, audit_log: 0 });
    });

    it('reports a bill whose items do not sum to its total, on the bill line or on the items of a ledger bill', async () => {
      const issues = await issuesOf({
        ...SNAPSHOT_1,
        bills: SNAPSHOT_1.bills.replace(
          'B2,BU1,2026-11-05,2026-12-05,USD,80.50',
          'B2,BU1,2026-11-05,2026-12-05,USD,80.00',
        ),
      });
      expect(issues).toEqual([
        {
          file: 'bills.csv',
          line: 3,
          column: 'total',
          reason: 'bill B2 has total 80.00 but its items sum to 80.50',
        },
      ]);
      expect((await counts()).bills).toBe(0);

      await load(SNAPSHOT_1);
      const before = await counts();
      const ledgerIssues = await issuesOf({ items: csv(ITEMS_HEADER, 'I3,B2,recurring,61.50,61.50,101') });
      expect(ledgerIssues).toEqual([
        {
          file: 'items.csv',
          line: 2,
          column: 'amount',
          reason: "the items of bill B2 would sum to 81.50 but the bill's total in the ledger is 80.50",
        },
      ]);
      expect(await counts()).toEqual(before);
      expect(await invariantViolations()).toEqual([]);
    });

    it('checks bill-unit parents, default units, credit items and moves of existing rows', async () => {
      await load(SNAPSHOT_1);
      const before = await counts();
      const issues = await issuesOf({
        billUnits: csv(
          UNITS_HEADER,
          'BU7,A1,Second,open_item,10001,N30,1,,1,5,',
          'BU8,A1,Kid,open_item,10007,N30,0,BU4,0,5,',
          'BU3,A1,Main,open_item,10012,N30,1,,0,1,',
          'BU5,A2,Parent,open_item,10001,N30,0,BU2,0,12,',
        ),
        items: csv(ITEMS_HEADER, 'I6,B3,adjustment,-10.00,-11.00,105', 'I1,B2,recurring,100.00,0,101'),
      });
      expect(where(issues)).toEqual([
        'bill_units.csv:2:is_default',
        'bill_units.csv:3:parent_bill_unit_no',
        'bill_units.csv:4:account_no',
        'bill_units.csv:5:paying',
        'items.csv:2:open_amount',
        'items.csv:3:bill_no',
      ]);
      expect(issues.find((i) => i.column === 'is_default')?.reason).toMatch(
        /2 default bill units \(BU1, BU7\)/,
      );
      expect(issues.find((i) => i.column === 'paying')?.reason).toMatch(/pays for nonpaying unit\(s\) BU4/);
      expect(await counts()).toEqual(before);
    });

    it('counts physical lines across quoted line breaks and blank lines, and reports ragged rows', async () => {
      const issues = await issuesOf({
        accounts:
          ACCOUNTS_HEADER +
          '\r\nA1,"Mia\r\nWolf",active,USD,10001\r\n\r\nA2,Koch,bogus,EUR,10003\r\nA3,Short,active,JPY\r\n',
      });
      expect(issues).toEqual([
        {
          file: 'accounts.csv',
          line: 5,
          column: 'status',
          reason: '"bogus" is not one of active, inactive, closed',
        },
        { file: 'accounts.csv', line: 6, column: '', reason: 'the row has 4 fields; the header has 5' },
      ]);
    });

    it('lists at most 1000 problems but counts them all', async () => {
      const rows = Array.from({ length: 1200 }, (_, i) => `X${i},Name,active,USD,99`);
      try {
        await load({ accounts: csv(ACCOUNTS_HEADER, ...rows) });
        throw new Error('the import was expected to fail');
      } catch (err) {
        if (!(err instanceof AppFailure) || err.error.code !== 'validation') throw err;
        expect(err.error.fileIssues).toHaveLength(1000);
        expect(err.error.fileIssues?.[999]).toMatchObject({ line: 1001, column: 'default_pay_type' });
        expect(err.error.message).toMatch(/^1200 problems .*first 1000 are listed.*nothing was imported$/);
      }
    });

    it('reports a file that does not exist', async () => {
      const issues = await (async () => {
        try {
          await importReceivablesVia(app.ctx.storage, { accountsFile: join(app.dir, 'nope.csv') }, NOW, null);
        } catch (err) {
          if (err instanceof AppFailure && err.error.code === 'validation') return err.error.fileIssues;
          throw err;
        }
        return undefined;
      })();
      expect(issues).toEqual([{ file: 'nope.csv', line: 0, column: '', reason: 'the file does not exist' }]);
    });
  });
});
