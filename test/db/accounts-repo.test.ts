import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage, Tx } from '../../db/storage/port';
import type { App } from '../../src-main/app-context';
import { billItems, paymentHistory, searchAccounts, showAccount } from '../../src-main/services/accounts';
import { foreignKeyOrphans, ledgerOnBoth, type LedgerOnBoth } from '../helpers/copy-to-postgres';
import { buildReportScenario } from '../helpers/reports-scenario';
import { STORAGES } from '../helpers/storages';

// Issue #17: the Accounts screen's reads (search, detail, bill items, payment history) run through the storage
// port on both databases: the same answers from SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), case-insensitive
// contains, LIKE wildcards taken literally, money summed exactly.

const AT = '2026-12-05T09:00:00.000Z';
const TODAY = new Date('2026-12-05T12:00:00Z');
const MAX = Number.MAX_SAFE_INTEGER;

const ACCOUNTS: [string, string][] = [
  ['ACC-100', 'Ada Lovelace'],
  ['ACC-101', 'Grace Hopper'],
  ['acc-102', 'Alan Turing'],
  ['B-7', '50%_Off Trading'],
  ['B-8', '50 Percent Trading'],
  ['C-1', 'Lovelace Holdings'],
];

async function id(tx: Tx, q: ReturnType<typeof sql>): Promise<number> {
  const row = await tx.get<{ id: number }>(q);
  if (!row) throw new Error('no row');
  return row.id;
}

/** Accounts, one with bill units, bills, items and payments (a reversed one among them). */
async function seed(storage: Storage): Promise<void> {
  await storage.transaction(async (tx) => {
    const ids: number[] = [];
    for (const [no, name] of ACCOUNTS)
      ids.push(
        await id(
          tx,
          sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type,
                balance_minor, created_at)
              VALUES (${no}, ${no.toUpperCase()}, ${name}, ${name.toLowerCase()}, 'active', 'USD', 10011, 700, ${AT})
              RETURNING id`,
        ),
      );
    const ada = ids[0]!;
    const bu = await id(
      tx,
      sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term, next_bill_date)
          VALUES ('BU-100', ${ada}, 'Main', 'open_item', 10011, 'N30', '2027-01-01') RETURNING id`,
    );
    const bills: [string, string, number][] = [
      ['B-2026-10', '2026-11-01', 300],
      ['B-2026-11', '2026-12-20', 400],
    ];
    for (const [no, due, amount] of bills) {
      const bill = await id(
        tx,
        sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
              amount_due_minor, status)
            VALUES (${no}, ${bu}, ${ada}, ${due.slice(0, 8) + '01'}, ${due}, 'USD', ${amount}, ${amount}, 'open')
            RETURNING id`,
      );
      await tx.run(sql`INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
                       VALUES (${no + '/1'}, ${bill}, ${ada}, 'usage', ${amount}, ${amount}, 101, 'open')`);
    }
    const audit = await id(
      tx,
      sql`INSERT INTO audit_log (at, action, entity) VALUES (${AT}, 'seed', 'test') RETURNING id`,
    );
    const journal = await id(
      tx,
      sql`INSERT INTO journals (kind, at, effective_date, audit_id) VALUES ('seed', ${AT}, '2026-12-01', ${audit})
          RETURNING id`,
    );
    // Two payments at the exact-integer limit on another account: their total is past it and must be refused.
    const payments: [number, number, string][] = [
      [ada, 250, '2026-11-15'],
      [ada, 150, '2026-11-20'],
      [ids[1]!, MAX, '2026-11-01'],
      [ids[1]!, MAX, '2026-11-02'],
    ];
    const paymentIds: number[] = [];
    for (const [account, amount, date] of payments)
      paymentIds.push(
        await id(
          tx,
          sql`INSERT INTO payments (kind, account_id, pay_type, status, amount_minor, currency, account_amount_minor,
                effective_date, external_ref, journal_id, created_at)
              VALUES ('original', ${account}, 10011, 0, ${amount}, 'USD', ${amount}, ${date}, ${'REF-' + date}, ${journal}, ${AT})
              RETURNING id`,
        ),
      );
    await tx.run(sql`INSERT INTO reversals (payment_id, reason_code, journal_id, created_at)
                     VALUES (${paymentIds[1]!}, 3001, ${journal}, ${AT})`);
  });
}

describe.each(STORAGES)('accounts read side on $dialect', (row) => {
  let storage: Storage;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (!row.available) return;
    ({ storage, dispose } = await row.open());
    await seed(storage);
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  const numbers = async (query: string, mode: 'prefix' | 'contains', limit = 10): Promise<string[]> =>
    (await searchAccounts(storage, { query, mode, limit })).rows.map((r) => r.accountNo);

  it.runIf(row.available)('searches by number or name prefix in any case, numbers first', async () => {
    expect(await numbers('acc-10', 'prefix')).toEqual(['ACC-100', 'ACC-101', 'acc-102']);
    expect(await numbers('LOVE', 'prefix')).toEqual(['C-1']);
    expect(await numbers('', 'prefix', 3)).toEqual(['ACC-100', 'ACC-101', 'acc-102']);
    const page = await searchAccounts(storage, { query: '', mode: 'prefix', limit: 2 });
    expect(page.truncated).toBe(true);
    expect(page.rows[0]).toEqual({
      accountNo: 'ACC-100',
      name: 'Ada Lovelace',
      status: 'active',
      currency: 'USD',
      balanceMinor: 700,
    });
  });

  it.runIf(row.available)(
    'finds text inside numbers and names, case-insensitively, wildcards literal',
    async () => {
      expect(await numbers('LOVELACE', 'contains')).toEqual(['ACC-100', 'C-1']);
      expect(await numbers('c-10', 'contains')).toEqual(['ACC-100', 'ACC-101', 'acc-102']);
      expect(await numbers('%_O', 'contains')).toEqual(['B-7']);
      expect(await numbers('0%', 'contains')).toEqual(['B-7']);
      expect(await numbers('_', 'contains')).toEqual(['B-7']);
      expect(await numbers('"quoted', 'contains')).toEqual([]);
      expect(await numbers('SUSPENSE', 'contains')).toEqual([]);
      await expect(
        searchAccounts(storage, { query: 'a\u0000b', mode: 'contains', limit: 5 }),
      ).rejects.toThrow(/NUL/);
    },
  );

  it.runIf(row.available)(
    'shows an account with its bill units, open bills, standing and cycle',
    async () => {
      const a = await showAccount(storage, 'acc-100', TODAY);
      expect(a).toMatchObject({
        accountNo: 'ACC-100',
        balanceMinor: 700,
        isSuspense: false,
        openItemsMinor: 700,
        unallocatedMinor: 0,
        openBillCount: 2,
        paymentStatus: {
          standing: 'overdue',
          overdueMinor: 300,
          overdueBills: 1,
          nextDueDate: '2026-12-20',
          nextDueMinor: 400,
        },
        billingCycle: {
          lastBillDate: '2026-12-01',
          nextBillDate: '2027-01-01',
          recentBillDates: ['2026-12-01', '2026-11-01'],
          billCycleDays: [1],
        },
      });
      expect(a.billUnits).toEqual([
        expect.objectContaining({ billUnitNo: 'BU-100', paying: true, isDefault: false }),
      ]);
      expect(a.openBills.map((b) => [b.billNo, b.overdue])).toEqual([
        ['B-2026-10', true],
        ['B-2026-11', false],
      ]);
      await expect(showAccount(storage, 'NOPE', TODAY)).rejects.toThrow(/NOPE/);
      expect(await billItems(storage, ' B-2026-11 ')).toEqual([
        {
          itemNo: 'B-2026-11/1',
          billNo: 'B-2026-11',
          type: 'usage',
          amountMinor: 400,
          openMinor: 400,
          glId: 101,
          status: 'open',
        },
      ]);
    },
  );

  it.runIf(row.available)(
    'pages payment history with exact totals, and refuses a total past the limit',
    async () => {
      const h = await paymentHistory(storage, { accountNo: 'ACC-100', limit: 1, offset: 0 });
      expect(h.total).toBe(2);
      expect(h.totalAmountMinor).toBe(400);
      expect(h.rows).toEqual([
        expect.objectContaining({
          amountMinor: 150,
          effectiveDate: '2026-11-20',
          reversed: true,
          allocatedMinor: 0,
        }),
      ]);
      const one = await paymentHistory(storage, {
        accountNo: 'ACC-101',
        from: '2026-11-02',
        limit: 5,
        offset: 0,
      });
      expect(one.totalAmountMinor).toBe(MAX);
      await expect(paymentHistory(storage, { accountNo: 'ACC-101', limit: 5, offset: 0 })).rejects.toThrow(
        /narrow the dates/,
      );
    },
  );
});

describe.runIf(STORAGES[1]!.available)('accounts read side on a worked ledger copied to PostgreSQL', () => {
  let worked: LedgerOnBoth;
  let app: App;
  let pg: Storage;

  beforeAll(async () => {
    // Two days of batches, reversals, suspense and processor records, made by the services on SQLite.
    worked = await ledgerOnBoth(buildReportScenario, '2026-11-22T09:00:00Z');
    ({ app, pg } = worked);
  }, 120_000);
  afterAll(async () => {
    await worked?.dispose();
  });

  it('has every row of every table on PostgreSQL', async () => {
    const tables = app.ctx.ledger.sqlite
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'
           AND name <> '__drizzle_migrations'`,
      )
      .all() as { name: string }[];
    const count = (s: Storage, table: string): Promise<{ n: number } | undefined> =>
      s.transaction((tx) => tx.get<{ n: number }>(sql.raw(`SELECT count(*) AS n FROM "${table}"`)), {
        readOnly: true,
      });
    let rows = 0;
    for (const { name } of tables) {
      const [here, there] = await Promise.all([count(app.ctx.storage, name), count(pg, name)]);
      expect(there, name).toEqual(here);
      rows += here!.n;
    }
    expect(rows).toBeGreaterThan(500);
    // The copy ran with PostgreSQL's checks off: every foreign key must hold all the same.
    expect(await foreignKeyOrphans(pg)).toEqual([]);
  });

  it('answers every search, account, bill and history as SQLite does', async () => {
    const sqlite = app.ctx.storage;
    const both = async <T>(read: (s: Storage) => Promise<T>): Promise<T> => {
      const [a, b] = await Promise.all([read(sqlite), read(pg)]);
      expect(b).toEqual(a);
      return a;
    };
    const searches: [string, 'prefix' | 'contains'][] = [
      ['', 'prefix'],
      ['1', 'prefix'],
      ['a', 'prefix'],
      ['SON', 'contains'],
      ['son', 'contains'],
      ['er', 'contains'],
      ['00', 'contains'],
      ['ltd', 'contains'],
    ];
    let seen = 0;
    for (const [query, mode] of searches) {
      const found = await both((s) => searchAccounts(s, { query, mode, limit: 50 }));
      seen += found.rows.length;
    }
    expect(seen).toBeGreaterThan(50);
    const accounts = new Set([
      ...worked.scenario.usd.map((a) => a.accountNo),
      ...worked.scenario.eur.map((a) => a.accountNo),
      ...(await searchAccounts(sqlite, { query: '', mode: 'prefix', limit: 10 })).rows.map(
        (r) => r.accountNo,
      ),
    ]);
    let payments = 0;
    let reversed = 0;
    for (const accountNo of accounts) {
      const detail = await both((s) => showAccount(s, accountNo, TODAY));
      for (const b of detail.openBills.slice(0, 2)) await both((s) => billItems(s, b.billNo));
      const history = await both((s) => paymentHistory(s, { accountNo, limit: 20, offset: 0 }));
      payments += history.total;
      reversed += history.rows.filter((r) => r.reversed).length;
    }
    expect(payments).toBeGreaterThanOrEqual(5);
    expect(reversed).toBe(1);
  });
});
