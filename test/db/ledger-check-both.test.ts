import Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_RULES } from '../../db/repos/ledger-check';
import type { Dialect, Storage, Tx } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import { checkLedgerOn, ledgerCheck } from '../../src-main/ledger/ledger-check';
import { recordPayment, type RecordPaymentInput } from '../../src-main/ledger/record-payment';
import { applySuspended, removeSuspended } from '../../src-main/services/suspense/moves';
import { commandInputs } from '../../src-shared/api/inputs';
import type { LedgerCheckDto, LedgerViolationDto } from '../../src-shared/dto/app';
import type { BatchDto } from '../../src-shared/dto/batches';
import { dispatchConfirmed } from '../helpers/confirm';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { freshApp } from '../helpers/ledger';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: `ledger check` runs on PostgreSQL through the port (one REPEATABLE READ READ ONLY snapshot, shared
// figures inline, figures read as text) and on SQLite through the driver (temporary shared figures). The same
// ledger, worked the same way on both, must check clean with the same counts, and broken the same way it must
// report the same violations, figures past 2^53 exactly.

/** Past Number.MAX_SAFE_INTEGER: a float would print it as ...992. */
const HUGE = '9007199254740993';

const RULE_ORDER = [...LEDGER_RULES.map((r) => r.rule), 'append-only-guard'];

/** Violations in rule order, and within a rule by id (the databases may return a rule's rows in any order). */
const sorted = (vs: readonly LedgerViolationDto[]): LedgerViolationDto[] =>
  [...vs].sort(
    (a, b) =>
      RULE_ORDER.indexOf(a.rule) - RULE_ORDER.indexOf(b.rule) ||
      (a.id ?? '').localeCompare(b.id ?? '') ||
      a.message.localeCompare(b.message),
  );

describe.runIf(STORAGES[1]!.available)('ledger check on SQLite and PostgreSQL', () => {
  let app: ReturnType<typeof freshApp>;
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let db: Database.Database;
  let operatorId: number;
  let accounts: string[];
  const now = new Date('2026-11-23T10:00:00Z');

  /** Each database as the command runs on it: SQLite with the app's connection, PostgreSQL through the port. */
  const on = (): {
    dialect: Dialect;
    check: (max: number, seen?: LedgerViolationDto[]) => Promise<LedgerCheckDto>;
  }[] => [
    {
      dialect: 'sqlite',
      check: (max, seen) => ledgerCheck(app.ctx.storage, db, max, { onViolation: (v) => seen?.push(v) }),
    },
    {
      dialect: 'postgres',
      check: (max, seen) => ledgerCheck(pg.storage, undefined, max, { onViolation: (v) => seen?.push(v) }),
    },
  ];

  /** A statement run as is on one database (outside any check), e.g. to break the ledger behind its back. */
  const raw = async (dialect: Dialect, text: string): Promise<void> => {
    if (dialect === 'sqlite') db.exec(text);
    else await pg.storage.transaction(async (tx) => void (await tx.run(sql.raw(text))));
  };

  /** A statement with an append-only trigger out of the way: SQLite drops and recreates it, PostgreSQL disables it. */
  const pastTrigger = async (
    dialect: Dialect,
    table: string,
    trigger: string,
    text: string,
  ): Promise<void> => {
    if (dialect === 'sqlite') {
      const { sql: create } = db.prepare(`SELECT sql FROM sqlite_master WHERE name = ?`).get(trigger) as {
        sql: string;
      };
      db.exec(`DROP TRIGGER ${trigger}; ${text}; ${create}`);
    } else {
      await raw(
        dialect,
        `ALTER TABLE ${table} DISABLE TRIGGER ${trigger}; ${text}; ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`,
      );
    }
  };

  const record = (accountNo: string, amount: string, key: string): RecordPaymentInput =>
    commandInputs['payments:record'].parse({
      accountNo,
      amount,
      effectiveDate: '2026-11-23',
      sourceKey: key,
    });

  /** The same postings on a database: payments recorded and allocated, suspended payments applied and removed. */
  const work = async (storage: Storage, suspended: number[]): Promise<unknown[]> => [
    await recordPayment(storage, record(accounts[0]!, '12.34', 'lc-1'), now, operatorId),
    await recordPayment(storage, record(accounts[1]!, '5000.00', 'lc-2'), now, operatorId),
    await recordPayment(
      storage,
      { ...record(accounts[2]!, '3.00', 'lc-3'), allocate: 'none' },
      now,
      operatorId,
    ),
    await applySuspended(storage, { paymentId: suspended[0]!, accountNo: accounts[2] }, now, operatorId),
    await removeSuspended(storage, { paymentId: suspended[1]!, reasonCode: 4999 }, now, operatorId),
  ];

  beforeAll(async () => {
    app = freshApp(new Date('2026-11-22T09:00:00Z'));
    db = app.ctx.ledger.sqlite;
    await value(app.dispatch('demo:load', { accounts: 12, seed: 3 }));
    // Suspended payments: a lockbox batch for accounts nobody has.
    const b = await value<BatchDto>(
      app.dispatch('batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
        lockboxNo: 'LC-1',
      }),
    );
    await value(
      app.dispatch('batches:save-entries', {
        batchId: b.id,
        entries: [1, 2, 3].map((i) => ({ accountNo: `NOBODY-${i}`, amount: `${i}1.25` })),
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: b.id }));
    const entries = db
      .prepare(`SELECT id FROM batch_entries WHERE batch_id = ? ORDER BY id`)
      .pluck()
      .all(b.id);
    for (const entryId of entries as number[])
      await value(app.dispatch('batches:suspend-entry', { batchId: b.id, entryId, reasonCode: 2001 }));
    await value(app.dispatch('batches:validate', { batchId: b.id }));
    await value(dispatchConfirmed(app, 'batches:submit', { batchId: b.id }));
    operatorId = (db.prepare(`SELECT id FROM operators WHERE login = 'tester'`).get() as { id: number }).id;
    accounts = db
      .prepare(
        `SELECT a.account_no FROM accounts a WHERE a.is_suspense = 0 AND a.currency = 'USD' AND a.status = 'active'
           AND EXISTS (SELECT 1 FROM bill_items i WHERE i.account_id = a.id AND i.open_minor > 0) ORDER BY a.id LIMIT 3`,
      )
      .pluck()
      .all() as string[];
    expect(accounts).toHaveLength(3);
    pg = await freshPostgres();
    await copyToPostgres(db, pg.storage);
  }, 60_000);
  afterAll(async () => {
    await pg?.dispose();
    app?.dispose();
  });

  it('a worked ledger checks clean on both, with the same counts; the port path on SQLite agrees', async () => {
    const suspended = db
      .prepare(`SELECT id FROM payments WHERE kind = 'suspended' ORDER BY id`)
      .pluck()
      .all() as number[];
    expect(suspended.length).toBeGreaterThanOrEqual(2);
    const answers = [await work(app.ctx.storage, suspended), await work(pg.storage, suspended)];
    expect(answers[1]).toEqual(answers[0]);
    const checks = await Promise.all(on().map((d) => d.check(100)));
    for (const c of checks)
      expect({ ok: c.ok, violations: c.violations }).toEqual({ ok: true, violations: [] });
    expect(checks[1]!.counts).toEqual(checks[0]!.counts);
    expect(checks[0]!.counts.payments).toBeGreaterThan(suspended.length + 3);
    expect(checks[0]!.counts.allocations).toBeGreaterThan(0);
    // The inline figures (PostgreSQL's SQL) on SQLite too: the same answer as the temporary tables.
    const viaPort = await checkLedgerOn(sqliteStorage(db), 100);
    expect({ ...viaPort, elapsedMs: 0 }).toEqual({ ...checks[0], elapsedMs: 0 });
  });

  it('one snapshot: a write committed after the first rule is not seen by the rest of that check', async () => {
    const account = accounts[0]!;
    const breakIt = `UPDATE accounts SET balance_minor = balance_minor + 1 WHERE account_no = '${account}'`;
    // SQLite: a second connection commits while the check reads (WAL: the check keeps its snapshot).
    const other = new Database(app.file);
    let wrote = false;
    try {
      const inSqlite = await ledgerCheck(app.ctx.storage, db, 100, {
        onRule: () => {
          if (!wrote) other.exec(breakIt);
          wrote = true;
        },
      });
      expect(wrote).toBe(true);
      expect(inSqlite.violations).toEqual([]);
    } finally {
      other.close();
    }
    // PostgreSQL: another pool connection commits after the check's first query.
    let first = true;
    const hooked: Storage = {
      dialect: 'postgres',
      close: () => Promise.resolve(),
      transaction: (fn, opts) =>
        pg.storage.transaction((tx) => {
          const after = async <T>(p: Promise<T>): Promise<T> => {
            const out = await p;
            if (first) {
              first = false;
              await raw('postgres', breakIt);
            }
            return out;
          };
          const t: Tx = {
            dialect: tx.dialect,
            all: (q: SQL) => after(tx.all(q)),
            get: (q: SQL) => after(tx.get(q)),
            run: (q: SQL) => after(tx.run(q)),
          };
          return fn(t);
        }, opts),
    };
    const inPg = await checkLedgerOn(hooked, 100);
    expect(first).toBe(false);
    expect(inPg.violations).toEqual([]);
    // The next check sees the write, the same on both.
    const seen = await Promise.all(on().map((d) => d.check(100)));
    expect(seen[0]!.violations.map((v) => v.rule)).toContain('balance-matches-journal');
    expect(sorted(seen[1]!.violations)).toEqual(sorted(seen[0]!.violations));
    const mend = `UPDATE accounts SET balance_minor = balance_minor - 1 WHERE account_no = '${account}'`;
    for (const d of ['sqlite', 'postgres'] as const) await raw(d, mend);
    for (const c of await Promise.all(on().map((d) => d.check(100)))) expect(c.ok).toBe(true);
  });

  it('broken the same way on both, it reports the same violations, figures past 2^53 exactly; the limit holds', async () => {
    const [a0, a1] = accounts;
    const journal = (db.prepare(`SELECT max(id) FROM journals`).pluck().get() as number) - 1;
    const allocation = db
      .prepare(`SELECT max(id) FROM allocations WHERE item_id IS NOT NULL`)
      .pluck()
      .get() as number;
    for (const d of ['sqlite', 'postgres'] as const) {
      await raw(d, `UPDATE accounts SET balance_minor = ${HUGE} WHERE account_no = '${a0}'`);
      await raw(d, `UPDATE accounts SET balance_minor = balance_minor + 7 WHERE account_no = '${a1}'`);
      await pastTrigger(
        d,
        'allocations',
        'allocations_no_update',
        `UPDATE allocations SET amount_minor = amount_minor + 5 WHERE id = ${allocation}`,
      );
      await raw(
        d,
        d === 'sqlite' ? 'DROP TRIGGER refunds_no_delete' : 'DROP TRIGGER refunds_no_delete ON refunds',
      );
      await raw(
        d,
        `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
         VALUES (${journal}, 'CASH', NULL, ${HUGE}, 'USD')`,
      );
    }
    const events: LedgerViolationDto[][] = [[], []];
    const all = await Promise.all(on().map((d, i) => d.check(1000, events[i])));
    for (const [i, c] of all.entries()) {
      expect(c.ok).toBe(false);
      expect(events[i]).toEqual(c.violations);
    }
    const [inSqlite, inPg] = all.map((c) => c.violations);
    expect(sorted(inPg!)).toEqual(sorted(inSqlite!));
    expect(inPg!.map((v) => v.rule)).toEqual(inSqlite!.map((v) => v.rule));
    const rules = new Set(inSqlite!.map((v) => v.rule));
    for (const r of [
      'journal-balanced',
      'balance-matches-journal',
      'balance-equals-open-items-minus-credit',
      'allocation-within-item',
      'append-only-guard',
    ])
      expect(rules, r).toContain(r);
    const messages = inSqlite!.map((v) => v.message);
    expect(messages).toContain(`journal ${journal} does not balance in USD: off by ${HUGE}`);
    expect(
      messages.some((m) => m.startsWith(`account ${a0}: balance ${HUGE} but its AR postings sum to `)),
    ).toBe(true);
    expect(inSqlite).toContainEqual({
      rule: 'append-only-guard',
      entity: 'schema',
      id: 'refunds_no_delete',
      message: 'append-only trigger refunds_no_delete is missing',
    });
    // The limit: exactly that many, reported as found, the first ones of the full check (rule by rule).
    const limited: LedgerViolationDto[][] = [[], []];
    const few = await Promise.all(on().map((d, i) => d.check(2, limited[i])));
    for (const [i, c] of few.entries()) {
      expect(c.violations).toHaveLength(2);
      expect(limited[i]).toEqual(c.violations);
      expect(c.violations.map((v) => v.rule)).toEqual(all[i]!.violations.slice(0, 2).map((v) => v.rule));
    }
    // Through the command on SQLite: the same JSON shape.
    const viaCommand = await value<LedgerCheckDto>(app.dispatch('ledger:check', { maxViolations: 2 }));
    expect(Object.keys(viaCommand).sort()).toEqual(['counts', 'elapsedMs', 'ok', 'violations']);
    expect(viaCommand.violations).toEqual(few[0]!.violations);
  });
});
