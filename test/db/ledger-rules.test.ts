import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage, Tx } from '../../db/storage/port';
import { STORAGES } from '../helpers/storages';

// Issue #17: the ledger's rules that live in the database (append-only tables, the suspense queue and its tally
// kept from payments, the account stamps that tell submit what moved) hold on both databases. Each test runs the
// same SQL on a fresh SQLite ledger and a fresh PostgreSQL one and expects the same rows and refusals.

const AT = '2026-12-05T09:00:00.000Z';

/** The reference rows every new ledger starts with (the migrations seed them), by table and key. */
const SEEDED: Record<string, string> = {
  currencies: 'code',
  accounts: 'id',
  reason_domains: 'id',
  reason_codes: 'domain_id, id',
  column_configs: 'batch_type, pay_type, field',
  mandate_revision_codes: 'code',
  pay_type_settings: 'pay_type',
  payment_channels: 'id',
  payment_term_defaults: 'code',
  payment_terms: 'code',
  rejection_codes: 'code',
  gl_chart: 'gl_account',
};

async function one<T>(tx: Tx, q: SQL): Promise<T> {
  const row = await tx.get<T>(q);
  if (row === undefined) throw new Error('no row');
  return row;
}

/** A journal with its audit record; returns the journal's id. */
async function journal(tx: Tx, kind: string): Promise<number> {
  const audit = await one<{ id: number }>(
    tx,
    sql`INSERT INTO audit_log (at, action, entity) VALUES (${AT}, ${kind}, ${'test'}) RETURNING id`,
  );
  const j = await one<{ id: number }>(
    tx,
    sql`INSERT INTO journals (kind, at, effective_date, audit_id)
        VALUES (${kind}, ${AT}, ${'2026-12-05'}, ${audit.id}) RETURNING id`,
  );
  return j.id;
}

/** A payment into the suspense account (id 1, seeded); returns its id. */
async function suspendedPayment(tx: Tx, amountMinor: number, payer: string): Promise<number> {
  const journalId = await journal(tx, 'suspend');
  const p = await one<{ id: number }>(
    tx,
    sql`INSERT INTO payments (kind, account_id, pay_type, status, reason_code, amount_minor, currency,
          account_amount_minor, effective_date, payer_name, journal_id, created_at)
        VALUES ('suspended', 1, 10011, 15, 1001, ${amountMinor}, 'USD', ${amountMinor}, '2026-12-04', ${payer},
          ${journalId}, ${AT}) RETURNING id`,
  );
  return p.id;
}

describe.each(STORAGES)('ledger rules on $dialect', (row) => {
  let storage: Storage;
  let dispose: () => Promise<void>;
  let sqlite: { storage: Storage; dispose: () => Promise<void> };

  beforeAll(async () => {
    if (!row.available) return;
    ({ storage, dispose } = await row.open());
    sqlite = await STORAGES[0]!.open();
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
    await sqlite?.dispose();
  });

  it.runIf(row.available)('starts with the same reference rows as a new SQLite ledger', async () => {
    for (const [table, key] of Object.entries(SEEDED)) {
      const read = (s: Storage): Promise<unknown[]> =>
        s.transaction((tx) => tx.all(sql.raw(`SELECT * FROM ${table} ORDER BY ${key}`)), { readOnly: true });
      const [here, reference] = await Promise.all([read(storage), read(sqlite.storage)]);
      expect(here.length, table).toBeGreaterThan(0);
      expect(here, table).toEqual(reference);
    }
    const identity = await storage.transaction((tx) =>
      tx.all<{ id: number; ledger_id: string }>(sql`SELECT id, ledger_id FROM ledger_identity`),
    );
    expect(identity).toEqual([{ id: 1, ledger_id: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
  });

  it.runIf(row.available && row.dialect === 'postgres')(
    'has every SQLite trigger (but the FTS5 ones, which pg_trgm indexes replace) and refuses TRUNCATE too',
    async () => {
      const names = async (s: Storage, q: SQL): Promise<string[]> =>
        (await s.transaction((tx) => tx.all<{ name: string }>(q), { readOnly: true }))
          .map((r) => r.name)
          .sort();
      const onSqlite = await names(
        sqlite.storage,
        sql`SELECT name FROM sqlite_master WHERE type = 'trigger'`,
      );
      const onPg = await names(storage, sql`SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal`);
      const fts = onSqlite.filter((n) => /_fts_a[iud]$/.test(n));
      expect(fts).toHaveLength(9);
      expect(onPg.filter((n) => !n.endsWith('_no_truncate'))).toEqual(
        onSqlite.filter((n) => !fts.includes(n)),
      );
      expect(
        onPg.filter((n) => n.endsWith('_no_truncate')).map((n) => n.replace('truncate', 'delete')),
      ).toEqual(onPg.filter((n) => n.endsWith('_no_delete')));
      const trigram = await names(
        storage,
        sql`SELECT indexname AS name FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'`,
      );
      expect(trigram).toEqual([
        'accounts_trgm_idx',
        'suspense_queue_payer_trgm_idx',
        'suspense_queue_trgm_idx',
      ]);
    },
  );

  it.runIf(row.available)('gives new rows ids after the seeded ones', async () => {
    const id = await storage.transaction(async (tx) => {
      const a = await one<{ id: number }>(
        tx,
        sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, created_at)
            VALUES ('A-1', 'A-1', 'Ada', 'ada', 'active', 'USD', 10011, ${AT}) RETURNING id`,
      );
      return a.id;
    });
    expect(id).toBe(2);
  });

  it.runIf(row.available)(
    'refuses to change or delete journals, lines, allocations, reversals and the audit log',
    async () => {
      const journalId = await storage.transaction((tx) => journal(tx, 'rules'));
      await storage.transaction((tx) =>
        tx.run(sql`INSERT INTO journal_lines (journal_id, gl_account, amount_minor, currency)
                   VALUES (${journalId}, 'CASH', 0, 'USD')`),
      );
      const refused: [string, SQL][] = [
        ['audit_log', sql`UPDATE audit_log SET action = 'z'`],
        ['audit_log', sql`DELETE FROM audit_log`],
        ['journals', sql`UPDATE journals SET kind = 'z' WHERE id = ${journalId}`],
        ['journals', sql`DELETE FROM journals WHERE id = ${journalId}`],
        ['journal lines', sql`UPDATE journal_lines SET amount_minor = 1`],
        ['journal lines', sql`DELETE FROM journal_lines`],
      ];
      for (const [what, q] of refused)
        await expect(
          storage.transaction((tx) => tx.run(q)),
          what,
        ).rejects.toThrow(/append-only/);
      if (storage.dialect === 'postgres')
        await expect(storage.transaction((tx) => tx.run(sql`TRUNCATE journal_lines`))).rejects.toThrow(
          /append-only/,
        );
      const lines = await storage.transaction((tx) =>
        tx.all(sql`SELECT amount_minor FROM journal_lines WHERE journal_id = ${journalId}`),
      );
      expect(lines).toEqual([{ amount_minor: 0 }]);
    },
  );

  it.runIf(row.available)(
    "keeps the suspense queue and its tally from payments, and freezes a payment's money",
    async () => {
      const [a, b] = await storage.transaction(async (tx) => [
        await suspendedPayment(tx, 12_345, 'Grace Hopper'),
        await suspendedPayment(tx, 9_007_199_254_740_991, 'Ada Lovelace'),
      ]);
      const queue = await storage.transaction((tx) =>
        tx.all(sql`SELECT payment_id, root_id, state, failed, amount_minor, entered_on, payer_name, active, payer_sort
                   FROM suspense_queue WHERE payment_id IN (${a}, ${b}) ORDER BY payment_id`),
      );
      expect(queue).toEqual([
        {
          payment_id: a,
          root_id: a,
          state: 'suspended',
          failed: 0,
          amount_minor: 12_345,
          entered_on: '2026-12-05',
          payer_name: 'Grace Hopper',
          active: 1,
          payer_sort: 'Grace Hopper',
        },
        {
          payment_id: b,
          root_id: b,
          state: 'suspended',
          failed: 0,
          amount_minor: 9_007_199_254_740_991,
          entered_on: '2026-12-05',
          payer_name: 'Ada Lovelace',
          active: 1,
          payer_sort: 'Ada Lovelace',
        },
      ]);
      const tally = (): Promise<unknown[]> =>
        storage.transaction((tx) =>
          tx.all(sql`SELECT state, count, amount_minor FROM suspense_tally WHERE count <> 0 ORDER BY state`),
        );
      await storage.transaction((tx) => tx.run(sql`UPDATE payments SET status = 31 WHERE id = ${a}`));
      await storage.transaction((tx) =>
        tx.run(sql`UPDATE suspense_queue SET state = 'removed', amount_minor = 0 WHERE payment_id = ${b}`),
      );
      expect(
        await storage.transaction((tx) =>
          tx.get(sql`SELECT failed FROM suspense_queue WHERE payment_id = ${a}`),
        ),
      ).toEqual({ failed: 1 });
      expect(await tally()).toEqual([
        { state: 'removed', count: 1, amount_minor: 0 },
        { state: 'suspended', count: 1, amount_minor: 12_345 },
      ]);
      await expect(
        storage.transaction((tx) => tx.run(sql`UPDATE payments SET amount_minor = 1 WHERE id = ${a}`)),
      ).rejects.toThrow(/never change/);
      await expect(
        storage.transaction((tx) => tx.run(sql`DELETE FROM payments WHERE id = ${a}`)),
      ).rejects.toThrow(/never deleted/);
    },
  );

  it.runIf(row.available)(
    "moves an account's stamp when its bills change, and the key stamp on a new bill",
    async () => {
      const stamps = (): Promise<unknown[]> =>
        storage.transaction((tx) =>
          tx.all(sql`SELECT account_id, rev FROM account_stamps ORDER BY account_id`),
        );
      const before = (await stamps()) as { account_id: number; rev: number }[];
      const keyRev = before.find((s) => s.account_id === 0)?.rev ?? 0;
      const account = await storage.transaction(async (tx) => {
        const a = await one<{ id: number }>(
          tx,
          sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, created_at)
            VALUES ('S-1', 'S-1', 'Stamp', 'stamp', 'active', 'USD', 10011, ${AT}) RETURNING id`,
        );
        const bu = await one<{ id: number }>(
          tx,
          sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term)
            VALUES ('BU-S-1', ${a.id}, 'Stamp', 'open_item', 10011, 'net30') RETURNING id`,
        );
        await tx.run(sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
                         amount_due_minor, status)
                       VALUES ('B-S-1', ${bu.id}, ${a.id}, '2026-11-01', '2026-12-01', 'USD', 500, 500, 'open')`);
        return a.id;
      });
      // The new account moved the key stamp; its bill unit and bill moved its own stamp and (the bill) the key stamp.
      expect(await stamps()).toEqual(
        expect.arrayContaining([
          { account_id: 0, rev: keyRev + 2 },
          { account_id: account, rev: 2 },
        ]),
      );
      await storage.transaction((tx) =>
        tx.run(sql`UPDATE bills SET amount_due_minor = amount_due_minor WHERE account_id = ${account}`),
      );
      expect(await stamps()).toEqual(expect.arrayContaining([{ account_id: account, rev: 2 }]));
      await storage.transaction((tx) =>
        tx.run(sql`UPDATE bills SET amount_due_minor = 0 WHERE account_id = ${account}`),
      );
      expect(await stamps()).toEqual(expect.arrayContaining([{ account_id: account, rev: 3 }]));
    },
  );

  it.runIf(row.available)(
    'keeps stamps, suspense cases and the tally right when one statement writes many rows',
    async () => {
      const rev = async (accountId: number): Promise<number> =>
        (
          await storage.transaction((tx) =>
            tx.get<{ rev: number }>(sql`SELECT rev FROM account_stamps WHERE account_id = ${accountId}`),
          )
        )?.rev ?? 0;
      const account = await storage.transaction(async (tx) => {
        const a = await one<{ id: number }>(
          tx,
          sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type, created_at)
            VALUES ('M-1', 'M-1', 'Many', 'many', 'active', 'USD', 10011, ${AT}) RETURNING id`,
        );
        await tx.run(sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term)
            VALUES ('BU-M-1', ${a.id}, 'Many', 'open_item', 10011, 'net30')`);
        return a.id;
      });
      const [accountRev, keyRev] = [await rev(account), await rev(0)];
      await storage.transaction((tx) =>
        tx.run(sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
                     amount_due_minor, status)
                   SELECT 'B-M-' || n, (SELECT id FROM bill_units WHERE bill_unit_no = 'BU-M-1'), ${account},
                     '2026-11-01', '2026-12-01', 'USD', 100, 100, 'open'
                   FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3) x`),
      );
      expect(await rev(account)).toBeGreaterThan(accountRev);
      expect(await rev(0)).toBeGreaterThan(keyRev);
      const [afterInsert, keyAfterInsert] = [await rev(account), await rev(0)];
      await storage.transaction((tx) => tx.run(sql`DELETE FROM bills WHERE bill_no LIKE 'B-M-%'`));
      expect(await rev(account)).toBeGreaterThan(afterInsert);
      expect(await rev(0)).toBeGreaterThan(keyAfterInsert);
      // A statement that writes no row moves no stamp.
      const quiet = await rev(0);
      await storage.transaction((tx) => tx.run(sql`DELETE FROM bills WHERE bill_no = 'none'`));
      expect(await rev(0)).toBe(quiet);

      // Three suspended payments in one statement open three cases and add them to the tally once each.
      const tallyOf = (payer: string): Promise<unknown[]> =>
        storage.transaction((tx) =>
          tx.all(sql`SELECT q.state AS "state", count(*) AS "cases", sum(q.amount_minor) AS "amount"
                     FROM suspense_queue q JOIN payments p ON p.id = q.payment_id
                     WHERE p.payer_name = ${payer} GROUP BY q.state ORDER BY q.state`),
        );
      const tallied = (): Promise<unknown[]> =>
        storage.transaction((tx) =>
          tx.all(sql`SELECT state AS "state", sum(count) AS "count", sum(amount_minor) AS "amount"
                     FROM suspense_tally WHERE entered_on = '2026-12-06' GROUP BY state HAVING sum(count) <> 0
                     ORDER BY state`),
        );
      await storage.transaction(async (tx) => {
        const journalId = await journal(tx, 'suspend');
        await tx.run(sql`INSERT INTO payments (kind, account_id, pay_type, status, reason_code, amount_minor, currency,
                           account_amount_minor, effective_date, payer_name, journal_id, created_at)
                         SELECT 'suspended', 1, 10011, 15, 1001, a, 'USD', a, '2026-12-04', 'Many Payers', ${journalId},
                           '2026-12-06T08:00:00.000Z'
                         FROM (SELECT 100 AS a UNION ALL SELECT 250 UNION ALL SELECT 9007199254740000) x`);
      });
      expect(await tallyOf('Many Payers')).toEqual([
        { state: 'suspended', cases: 3, amount: 9_007_199_254_740_350 },
      ]);
      expect(await tallied()).toEqual([{ state: 'suspended', count: 3, amount: 9_007_199_254_740_350 }]);
      // One statement moves two of them to another state and leaves the third's figures alone.
      await storage.transaction((tx) =>
        tx.run(sql`UPDATE suspense_queue SET state = 'removed'
                   WHERE payment_id IN (SELECT id FROM payments WHERE payer_name = 'Many Payers' AND amount_minor < 1000)`),
      );
      await storage.transaction((tx) =>
        tx.run(sql`UPDATE suspense_queue SET updated_at = ${AT}
                   WHERE payment_id IN (SELECT id FROM payments WHERE payer_name = 'Many Payers')`),
      );
      expect(await tallied()).toEqual([
        { state: 'removed', count: 2, amount: 350 },
        { state: 'suspended', count: 1, amount: 9_007_199_254_740_000 },
      ]);
    },
  );

  // Per row, a statement of N rows updated one hot row (the key stamp, a tally key) N times in one transaction, and
  // PostgreSQL walks every earlier version of it on each update: a 40,000-account demo load took 11 minutes.
  it.runIf(row.available && row.dialect === 'postgres')(
    'fires the stamp and tally rules on inserts and deletes once per statement on PostgreSQL',
    async () => {
      const rows = await storage.transaction((tx) =>
        tx.all<{ trigger: string; perRow: boolean }>(
          sql`SELECT t.tgname AS "trigger", (t.tgtype & 1) = 1 AS "perRow" FROM pg_trigger t
              WHERE NOT t.tgisinternal AND (t.tgname LIKE 'account_stamps_%' OR t.tgname LIKE 'suspense_tally_%'
                OR t.tgname = 'suspense_queue_from_payment')
                AND ((t.tgtype & 4) = 4 OR (t.tgtype & 8) = 8 OR t.tgname = 'suspense_tally_au')
              ORDER BY 1`,
        ),
      );
      expect(rows.map((r) => r.trigger)).toEqual([
        'account_stamps_accounts_ai',
        'account_stamps_bill_items_ad',
        'account_stamps_bill_items_ai',
        'account_stamps_bill_units_ad',
        'account_stamps_bill_units_ai',
        'account_stamps_bills_ad',
        'account_stamps_bills_ai',
        'suspense_queue_from_payment',
        'suspense_tally_ai',
        'suspense_tally_au',
      ]);
      expect(rows.filter((r) => r.perRow)).toEqual([]);
    },
  );
});
