import type { SQL } from 'drizzle-orm';
import type { Ledger } from '../../db/client';
import {
  AR_INSERT_CHUNK,
  insertAccountsQuery,
  insertBillsQuery,
  insertItemsQuery,
  insertUnitsQuery,
  updateUnitQuery,
  type UnitValues,
} from '../../db/repos/ar-import';
import { appendAudit } from '../../db/repos/audit';
import { creditorByCodeQuery, creditorInsertQuery } from '../../db/repos/creditors';
import {
  customerAccountCountQuery,
  demoExtractInsertQuery,
  demoMandateEventsInsertQuery,
  demoMandatesInsertQuery,
  demoMethodsInsertQuery,
  extractCountQuery,
  journalLinesInsertQuery,
  lastItemIdQuery,
  type DemoMandateRow,
  type DemoMethodRow,
} from '../../db/repos/demo';
import { journalInsertQuery } from '../../db/repos/journals';
import type { Storage, Tx } from '../../db/storage/port';
import { driverGet } from '../../db/storage/sqlite';
import type { DemoSummaryDto } from '../../src-shared/dto/app';
import { addDays, addMonths, isoDate, lastCycleDate } from '../domain/dates';
import { mulberry32, pick, randInt } from '../domain/prng';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { demoPaymentMethodOf, demoPaymentMethods } from './processors/methods';
import {
  DEMO_CREDITOR_BLANKS,
  DEMO_CREDITORS,
  demoMandateOf,
  demoMandates,
  monthsBefore,
} from './mandates/demo-mandates';
import { writeAudit } from '../ledger/audit';
import { withIndexesDeferred } from '../../db/bulk';
import { conflict, isCancelled } from '../ledger/errors';

const BULK_TABLES = [
  'accounts',
  'bill_units',
  'bills',
  'bill_items',
  'journals',
  'journal_lines',
  'mandates',
  'mandate_events',
];

/** Demo size and seed. */
export type DemoOptions = { accounts: number; seed: number };

const FIRST = [
  'Mia',
  'Uwe',
  'Lena',
  'Noah',
  'Ava',
  'Liam',
  'Emma',
  'Omar',
  'Sofia',
  'Lucas',
  'Chloe',
  'Mateo',
  'Aiko',
  'Yusuf',
  'Nora',
  'Ivan',
  'Zoe',
  'Hugo',
  'Leila',
  'Finn',
  'Maya',
  'Jonas',
  'Elif',
  'Pavel',
  'Ines',
  'Kofi',
  'Sara',
  'Theo',
  'Priya',
  'Marek',
  'Alba',
  'Ravi',
  'Greta',
  'Diego',
  'Hana',
  'Owen',
  'Lucia',
  'Emil',
  'Amara',
  'Felix',
] as const;
const LAST = [
  'Wolf',
  'Koch',
  'Baker',
  'Orden',
  'Schmidt',
  'Novak',
  'Garcia',
  'Rossi',
  'Tanaka',
  'Okafor',
  'Dubois',
  'Jensen',
  'Kowalski',
  'Silva',
  'Murphy',
  'Nguyen',
  'Fischer',
  'Haddad',
  'Larsen',
  'Moreau',
  'Petrov',
  'Costa',
  'Weber',
  'Ahmed',
  'Brennan',
  'Lindqvist',
  'Varga',
  'Mendes',
  'Sato',
  'Keller',
  'Horvat',
  'Quinn',
  'Byrne',
  'Ferreira',
] as const;
const COMPANY = [
  'Telecom',
  'Logistics',
  'Bakery',
  'Consulting',
  'Studios',
  'Holdings',
  'Clinic',
  'Garage',
] as const;

/** Currency mix of demo accounts (weights out of 100) and the scale of a typical item in minor units. */
const CURRENCIES: { code: string; weight: number; scale: number }[] = [
  { code: 'USD', weight: 50, scale: 1 },
  { code: 'EUR', weight: 25, scale: 1 },
  { code: 'GBP', weight: 15, scale: 1 },
  { code: 'JPY', weight: 5, scale: 0.01 },
  { code: 'CHF', weight: 5, scale: 1 },
];

/** Item types with their G/L IDs. */
const ITEM_TYPES: { type: string; glId: number }[] = [
  { type: 'recurring', glId: 101 },
  { type: 'usage', glId: 102 },
  { type: 'one_time', glId: 103 },
  { type: 'tax', glId: 104 },
];

function pickCurrency(r: number): { code: string; scale: number } {
  let acc = 0;
  for (const c of CURRENCIES) {
    acc += c.weight;
    if (r * 100 < acc) return c;
  }
  return CURRENCIES[0] as { code: string; scale: number };
}

function pickPayType(r: number, currency: string): number {
  if (r < 0.5) return PAY_TYPE.invoice;
  if (r < 0.75) return PAY_TYPE.creditCard;
  if (r < 0.9) return currency === 'EUR' ? PAY_TYPE.sepa : PAY_TYPE.directDebit;
  return PAY_TYPE.check;
}

/** Demo account number for the n-th account (1-based). */
export function demoAccountNo(n: number): string {
  return 'A' + String(n).padStart(7, '0');
}

type DemoItem = { itemNo: string; type: string; glId: number; amountMinor: number; openMinor: number };
type DemoBill = {
  billNo: string;
  billDate: string;
  dueDate: string;
  totalMinor: number;
  amountDueMinor: number;
  items: DemoItem[];
};
/** A bill unit; `childOfPrevious`: a nonpaying child whose parent is the previous account's default unit. */
type DemoUnit = UnitValues & { childOfPrevious: boolean };
/** One demo account with everything it owns; its default bill unit comes first and carries its bills. */
type DemoAccount = {
  n: number;
  accountNo: string;
  name: string;
  status: string;
  currency: string;
  payType: number;
  isCompany: boolean;
  openMinor: number;
  units: DemoUnit[];
  bills: DemoBill[];
};

const statusOf = (openMinor: number): string => (openMinor === 0 ? 'closed' : 'open');

/**
 * The demo's receivables book, account by account (n = 1, 2, ... in order): deterministic from the seed, the
 * demo's day and the last item id (item numbers count on from it). Both loaders write what it gives, so the same
 * options give the same book on either database.
 */
function demoBook(seed: number, today: string, lastItemId: number): (n: number) => DemoAccount {
  const rand = mulberry32(seed);
  let itemId = lastItemId;
  // Dates depend only on (cycle day, age, term): precompute them instead of doing date math per row.
  const billDates = new Map<string, { billDate: string; nextBillDate: string }>();
  const datesFor = (cycleDay: number, age: number): { billDate: string; nextBillDate: string } => {
    const key = `${cycleDay}:${age}`;
    let v = billDates.get(key);
    if (!v) {
      const lastBill = lastCycleDate(today, cycleDay);
      v = { billDate: addMonths(lastBill, -age, cycleDay), nextBillDate: addMonths(lastBill, 1, cycleDay) };
      billDates.set(key, v);
    }
    return v;
  };
  const dueDates = new Map<string, string>();
  const dueFor = (billDate: string, termDays: number): string => {
    const key = `${billDate}:${termDays}`;
    let v = dueDates.get(key);
    if (!v) {
      v = addDays(billDate, termDays);
      dueDates.set(key, v);
    }
    return v;
  };
  return (n) => {
    const accountNo = demoAccountNo(n);
    const isCompany = rand() < 0.15;
    const name = isCompany
      ? `${pick(rand, LAST)} ${pick(rand, COMPANY)}`
      : `${pick(rand, FIRST)} ${pick(rand, LAST)}`;
    const cur = pickCurrency(rand());
    const payType = pickPayType(rand(), cur.code);
    const statusRoll = rand();
    const status = statusRoll < 0.95 ? 'active' : statusRoll < 0.98 ? 'inactive' : 'closed';
    const accountingType =
      payType === PAY_TYPE.creditCard ||
      payType === PAY_TYPE.directDebit ||
      payType === PAY_TYPE.sepa ||
      rand() < 0.3
        ? 'balance_forward'
        : 'open_item';
    const cycleDay = randInt(rand, 1, 28);
    const term = pick(rand, ['N14', 'N30', 'N30', 'N10'] as const);
    const termDays = Number(term.slice(1));
    const nextBillDate = datesFor(cycleDay, 0).nextBillDate;
    const units: DemoUnit[] = [
      {
        billUnitNo: `BU${accountNo.slice(1)}-1`,
        name: 'Main',
        accountingType,
        payType,
        paymentTerm: term,
        paying: 1,
        isDefault: 1,
        billCycleDay: cycleDay,
        nextBillDate,
        childOfPrevious: false,
      },
    ];
    // The first account has no previous one to be paid by.
    if (n > 1 && rand() < 0.05)
      units.push({
        billUnitNo: `BU${accountNo.slice(1)}-2`,
        name: 'Child (paid by parent)',
        accountingType,
        payType: PAY_TYPE.subord,
        paymentTerm: term,
        paying: 0,
        isDefault: 0,
        billCycleDay: cycleDay,
        nextBillDate,
        childOfPrevious: true,
      });
    const billCount = randInt(rand, 2, 4);
    const bills: DemoBill[] = [];
    let openMinor = 0;
    for (let b = 0; b < billCount; b++) {
      const age = billCount - 1 - b;
      const billDate = datesFor(cycleDay, age).billDate;
      const fullyPaid = age >= 2 || (age === 1 && rand() < 0.6);
      const itemCount = 2 + (rand() < 0.33 ? 0 : rand() < 0.5 ? 1 : rand() < 0.6 ? 2 : 3);
      let total = 0;
      let due = 0;
      const items: DemoItem[] = [];
      for (let k = 0; k < itemCount; k++) {
        itemId++;
        const t = ITEM_TYPES[k === itemCount - 1 && itemCount > 2 ? 3 : k % 3] as {
          type: string;
          glId: number;
        };
        const amount = Math.max(1, Math.round(randInt(rand, 500, 25000) * cur.scale));
        const open = fullyPaid ? 0 : rand() < 0.1 ? Math.floor(amount / 2) : amount;
        total += amount;
        due += open;
        items.push({
          itemNo: `I${String(itemId).padStart(10, '0')}`,
          type: t.type,
          glId: t.glId,
          amountMinor: amount,
          openMinor: open,
        });
      }
      bills.push({
        billNo: `B${accountNo.slice(1)}-${String(b + 1).padStart(2, '0')}`,
        billDate,
        dueDate: dueFor(billDate, termDays),
        totalMinor: total,
        amountDueMinor: due,
        items,
      });
      openMinor += due;
    }
    return {
      n,
      accountNo,
      name,
      status,
      currency: cur.code,
      payType,
      isCompany,
      openMinor,
      units,
      bills,
    };
  };
}

/** Demo chunks of accounts: [from, to], 1-based and inclusive. */
function* chunksOf(accounts: number, size: number): Generator<[number, number]> {
  for (let from = 1; from <= accounts; from += size) yield [from, Math.min(accounts, from + size - 1)];
}

function refuseNonEmpty(customers: number): void {
  if (customers > 0)
    throw conflict(
      'demo-empty-ledger',
      `the ledger already holds ${customers} accounts; demo data loads only into an empty ledger`,
    );
}

/** Accounts per chunk: one opening journal each, and on the driver one savepoint. */
const CHUNK = 5000;

/**
 * Fills an empty ledger with a deterministic receivables book: the same seed, size and date give the
 * same accounts, bill units, bills and items. Open amounts are posted as one opening journal per chunk of accounts.
 * SQLite loads through the driver (explicit ids, foreign keys off, indexes rebuilt once at the end: about three times
 * faster than the port's load on SQLite); other databases load through the port (generateDemoLedgerVia).
 */
export function generateDemoLedger(
  ledger: Pick<Ledger, 'sqlite'>,
  opts: DemoOptions,
  now: Date,
  operatorId: number,
  progress: (phase: string, done: number, total: number) => void,
): DemoSummaryDto {
  const started = performance.now();
  const db = ledger.sqlite;
  refuseNonEmpty(driverGet<{ n: number }>(db, customerAccountCountQuery())!.n);
  const today = isoDate(now);
  const at = now.toISOString();

  const insAccount = db.prepare(
    `INSERT INTO accounts (id, account_no, account_key, name, name_key, status, currency, default_pay_type, is_suspense, balance_minor, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)`,
  );
  const insBillUnit = db.prepare(
    `INSERT INTO bill_units (id, bill_unit_no, account_id, name, accounting_type, pay_type, payment_term, paying, parent_bill_unit_id, is_default, bill_cycle_day, next_bill_date)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insBill = db.prepare(
    `INSERT INTO bills (id, bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insItem = db.prepare(
    `INSERT INTO bill_items (id, item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insJournal = db.prepare(
    `INSERT INTO journals (id, kind, at, effective_date, idem_key, audit_id) VALUES (?, 'ar_opening', ?, ?, ?, ?)`,
  );
  const insLine = db.prepare(
    `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency) VALUES (?, ?, ?, ?, ?)`,
  );
  const maxId = (table: string): number =>
    (db.prepare(`SELECT coalesce(max(id), 0) AS m FROM ${table}`).get() as { m: number }).m;

  let accountId = maxId('accounts');
  let billUnitId = maxId('bill_units');
  let billId = maxId('bills');
  let itemId = driverGet<{ m: number }>(db, lastItemIdQuery())!.m;
  let journalId = maxId('journals');
  const book = demoBook(opts.seed, today, itemId);
  const counts = { billUnits: 0, bills: 0, items: 0 };
  const openByCurrency: Record<string, number> = {};
  let previousDefaultUnit: number | null = null;

  // The whole load is one transaction (the chunks below are savepoints in it): a cancelled or failed demo
  // leaves the ledger as empty as it found it. Foreign keys can only be switched off outside a transaction.
  db.pragma('foreign_keys = OFF');
  db.exec('BEGIN IMMEDIATE');
  const rollback = (): void => {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.pragma('foreign_keys = ON');
  };
  let auditId: number;
  try {
    auditId = writeAudit(db, {
      at,
      operatorId,
      action: 'demo.load',
      entity: 'ledger',
      after: { accounts: opts.accounts, seed: opts.seed, asOf: today },
    });
  } catch (err) {
    rollback();
    throw err;
  }

  const addPaymentMethod = demoPaymentMethods(db);
  let mandates: ReturnType<typeof demoMandates>;
  try {
    mandates = demoMandates(db, today, at, operatorId);
  } catch (err) {
    rollback();
    throw err;
  }
  const writeChunk = db.transaction((from: number, to: number) => {
    // One opening journal per chunk: an AR line per account, one REVENUE line per currency.
    journalId++;
    insJournal.run(journalId, at, today, `demo:${opts.seed}:${from}-${to}`, auditId);
    const chunkRevenue = new Map<string, number>();
    for (let n = from; n <= to; n++) {
      // A cancel point every 1,000 accounts, so a cancel lands well within a second.
      if (n > from && n % 1000 === 0) progress('accounts', n - 1, opts.accounts);
      const a = book(n);
      accountId++;
      const unitId = billUnitId + 1;
      for (const u of a.units) {
        billUnitId++;
        insBillUnit.run(
          billUnitId,
          u.billUnitNo,
          accountId,
          u.name,
          u.accountingType,
          u.payType,
          u.paymentTerm,
          u.paying,
          u.childOfPrevious ? previousDefaultUnit : null,
          u.isDefault,
          u.billCycleDay,
          u.nextBillDate,
        );
      }
      counts.billUnits += a.units.length;
      addPaymentMethod(accountId, n, a.payType, at);
      mandates.add({ ...a, accountId });
      previousDefaultUnit = unitId;
      for (const b of a.bills) {
        billId++;
        for (const i of b.items) {
          itemId++;
          insItem.run(
            itemId,
            i.itemNo,
            billId,
            accountId,
            i.type,
            i.amountMinor,
            i.openMinor,
            i.glId,
            statusOf(i.openMinor),
          );
        }
        insBill.run(
          billId,
          b.billNo,
          unitId,
          accountId,
          b.billDate,
          b.dueDate,
          a.currency,
          b.totalMinor,
          b.amountDueMinor,
          statusOf(b.amountDueMinor),
        );
        counts.bills++;
        counts.items += b.items.length;
      }
      insAccount.run(
        accountId,
        a.accountNo,
        a.accountNo.toUpperCase(),
        a.name,
        a.name.toLowerCase(),
        a.status,
        a.currency,
        a.payType,
        a.openMinor,
        at,
      );
      if (a.openMinor !== 0) {
        insLine.run(journalId, 'AR', accountId, a.openMinor, a.currency);
        chunkRevenue.set(a.currency, (chunkRevenue.get(a.currency) ?? 0) + a.openMinor);
        openByCurrency[a.currency] = (openByCurrency[a.currency] ?? 0) + a.openMinor;
      }
    }
    for (const [currency, total] of chunkRevenue) insLine.run(journalId, 'REVENUE', null, -total, currency);
  });

  try {
    // Cancelled (progress throws), the dropped indexes need no rebuild: the rollback restores them.
    withIndexesDeferred(
      db,
      BULK_TABLES,
      () => {
        for (const [from, to] of chunksOf(opts.accounts, CHUNK)) {
          writeChunk(from, to);
          progress('accounts', to, opts.accounts);
        }
        mandates.finish();
        progress('indexes', opts.accounts, opts.accounts);
      },
      { restoreOnError: false },
    );
    db.exec('COMMIT');
  } catch (err) {
    rollback();
    throw err;
  }
  db.pragma('foreign_keys = ON');
  try {
    progress('checkpoint', opts.accounts, opts.accounts);
  } catch (err) {
    // Committed: a cancel that arrives now is too late to undo anything, so the load reports success.
    if (!isCancelled(err)) throw err;
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('optimize');
  return {
    seed: opts.seed,
    accounts: opts.accounts,
    billUnits: counts.billUnits,
    bills: counts.bills,
    items: counts.items,
    totalOpenMinorByCurrency: openByCurrency,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/** Rows in statements of at most AR_INSERT_CHUNK each. */
function* parts<T>(rows: readonly T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += AR_INSERT_CHUNK) yield rows.slice(i, i + AR_INSERT_CHUNK);
}

/** Inserts answering `id` and `key`, collected into `ids`. */
async function keyed(tx: Tx, query: SQL, ids: Map<string, number>): Promise<void> {
  for (const r of await tx.all<{ id: number; key: string }>(query)) ids.set(r.key, r.id);
}

/**
 * The demo load through the port (the 'demo' job on PostgreSQL): the same book as the driver's (demoBook,
 * demoMandateOf, demoPaymentMethodOf), written in one serializable transaction a chunk of accounts at a time,
 * each kind of row a statement per chunk with its rows as one JSON parameter; the database numbers the rows. A
 * cancel (progress throws) rolls it all back; two loads at once leave one book, the other refused
 * `demo-empty-ledger` as a load after it would be.
 */
export async function generateDemoLedgerVia(
  storage: Storage,
  opts: DemoOptions,
  now: Date,
  operatorId: number,
  progress: (phase: string, done: number, total: number) => void,
): Promise<DemoSummaryDto> {
  const started = performance.now();
  const today = isoDate(now);
  const at = now.toISOString();
  const summary = await storage.transaction(
    async (tx) => {
      refuseNonEmpty((await tx.get<{ n: number }>(customerAccountCountQuery()))!.n);
      const auditId = await appendAudit(tx, {
        at,
        operatorId,
        action: 'demo.load',
        entity: 'ledger',
        after: { accounts: opts.accounts, seed: opts.seed, asOf: today },
      });
      const creditorIds: Record<string, number> = {};
      for (const c of DEMO_CREDITORS) {
        // A creditor of the demo's code already there is kept, as the driver's INSERT OR IGNORE keeps it.
        const found = await tx.get<{ id: number }>(creditorByCodeQuery(c.code));
        creditorIds[c.scheme] =
          found?.id ??
          (await tx.get<{ id: number }>(
            creditorInsertQuery(
              { ...DEMO_CREDITOR_BLANKS, ...c, painVersion: 'pain.008.001.08', isDefault: 1, active: 1 },
              at,
            ),
          ))!.id;
      }
      const lodgedExtract = (await tx.get<{ id: number }>(demoExtractInsertQuery(at, operatorId)))!.id;
      let lodged = 0;
      const book = demoBook(opts.seed, today, (await tx.get<{ m: number }>(lastItemIdQuery()))!.m);
      const ago = monthsBefore(today);
      const counts = { billUnits: 0, bills: 0, items: 0 };
      const openByCurrency: Record<string, number> = {};
      let previousDefaultNo: string | null = null;
      const unitIds = new Map<string, number>();
      for (const [from, to] of chunksOf(opts.accounts, CHUNK)) {
        const book_: DemoAccount[] = [];
        for (let n = from; n <= to; n++) {
          if (n > from && n % 1000 === 0) progress('accounts', n - 1, opts.accounts);
          book_.push(book(n));
        }
        const accountIds = new Map<string, number>();
        for (const part of parts(book_))
          await keyed(
            tx,
            insertAccountsQuery(
              tx,
              part.map((a) => ({ ...a, defaultPayType: a.payType, balanceMinor: a.openMinor })),
              at,
            ),
            accountIds,
          );
        const units = book_.flatMap((a) =>
          a.units.map((u) => ({ ...u, accountId: accountIds.get(a.accountNo)! })),
        );
        for (const part of parts(units)) await keyed(tx, insertUnitsQuery(tx, part), unitIds);
        for (const a of book_) {
          for (const u of a.units)
            if (u.childOfPrevious)
              await tx.run(updateUnitQuery(unitIds.get(u.billUnitNo)!, u, unitIds.get(previousDefaultNo!)!));
          previousDefaultNo = a.units[0]!.billUnitNo;
        }
        counts.billUnits += units.length;
        const bills = book_.flatMap((a) =>
          a.bills.map((b) => ({
            ...b,
            billUnitId: unitIds.get(a.units[0]!.billUnitNo)!,
            accountId: accountIds.get(a.accountNo)!,
            currency: a.currency,
            status: statusOf(b.amountDueMinor),
          })),
        );
        const billIds = new Map<string, number>();
        for (const part of parts(bills)) await keyed(tx, insertBillsQuery(tx, part), billIds);
        counts.bills += bills.length;
        const items = bills.flatMap((b) =>
          b.items.map((i) => ({
            ...i,
            billId: billIds.get(b.billNo)!,
            accountId: b.accountId,
            status: statusOf(i.openMinor),
          })),
        );
        for (const part of parts(items)) await tx.run(insertItemsQuery(tx, part));
        counts.items += items.length;

        // One opening journal per chunk: an AR line per account, one REVENUE line per currency.
        const journalId = (await tx.get<{ id: number }>(
          journalInsertQuery({
            kind: 'ar_opening',
            at,
            effectiveDate: today,
            idemKey: `demo:${opts.seed}:${from}-${to}`,
            auditId,
            lines: [],
          }),
        ))!.id;
        const lines: { gl: string; accountId: number | null; amountMinor: number; currency: string }[] = [];
        const chunkRevenue = new Map<string, number>();
        for (const a of book_) {
          if (a.openMinor === 0) continue;
          lines.push({
            gl: 'AR',
            accountId: accountIds.get(a.accountNo)!,
            amountMinor: a.openMinor,
            currency: a.currency,
          });
          chunkRevenue.set(a.currency, (chunkRevenue.get(a.currency) ?? 0) + a.openMinor);
          openByCurrency[a.currency] = (openByCurrency[a.currency] ?? 0) + a.openMinor;
        }
        for (const [currency, total] of chunkRevenue)
          lines.push({ gl: 'REVENUE', accountId: null, amountMinor: -total, currency });
        for (const part of parts(lines)) await tx.run(journalLinesInsertQuery(tx, journalId, part));

        const methods: DemoMethodRow[] = [];
        const mandates: { row: DemoMandateRow; m: NonNullable<ReturnType<typeof demoMandateOf>> }[] = [];
        for (const a of book_) {
          const accountId = accountIds.get(a.accountNo)!;
          const method = demoPaymentMethodOf(a.n, a.payType);
          if (method) methods.push({ ...method, accountId });
          const m = demoMandateOf({ ...a, accountId }, today, ago);
          if (m) mandates.push({ row: { ...m, accountId, creditorId: creditorIds[m.creditor]! }, m });
        }
        for (const part of parts(methods)) await tx.run(demoMethodsInsertQuery(tx, part, at));
        const mandateIds = new Map<string, number>();
        for (const part of parts(mandates))
          await keyed(
            tx,
            demoMandatesInsertQuery(
              tx,
              part.map((x) => x.row),
              at,
              operatorId,
            ),
            mandateIds,
          );
        const events = mandates.flatMap(({ m }) => {
          if (m.lodged) lodged++;
          return m.events.map((e) => ({
            ...e,
            mandateId: mandateIds.get(m.reference)!,
            extractId: m.lodged ? lodgedExtract : null,
          }));
        });
        for (const part of parts(events))
          await tx.run(demoMandateEventsInsertQuery(tx, part, at, operatorId));
        progress('accounts', to, opts.accounts);
      }
      await tx.run(extractCountQuery(lodgedExtract, lodged));
      progress('indexes', opts.accounts, opts.accounts);
      return { ...counts, openByCurrency };
    },
    { serializable: true },
  );
  try {
    progress('checkpoint', opts.accounts, opts.accounts);
  } catch (err) {
    // Committed: a cancel that arrives now is too late to undo anything, so the load reports success.
    if (!isCancelled(err)) throw err;
  }
  return {
    seed: opts.seed,
    accounts: opts.accounts,
    billUnits: summary.billUnits,
    bills: summary.bills,
    items: summary.items,
    totalOpenMinorByCurrency: summary.openByCurrency,
    elapsedMs: Math.round(performance.now() - started),
  };
}
