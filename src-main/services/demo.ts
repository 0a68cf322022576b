import type { Ledger } from '../../db/client';
import type { DemoSummaryDto } from '../../src-shared/dto/app';
import { addDays, addMonths, isoDate, lastCycleDate } from '../domain/dates';
import { mulberry32, pick, randInt } from '../domain/prng';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { demoPaymentMethods } from './processors/methods';
import { demoMandates } from './mandates/demo-mandates';
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

/**
 * Fills an empty ledger with a deterministic receivables book: the same seed, size and date give the
 * same accounts, bill units, bills and items. Open amounts are posted as one opening journal per account.
 */
export function generateDemoLedger(
  ledger: Ledger,
  opts: DemoOptions,
  now: Date,
  operatorId: number,
  progress: (phase: string, done: number, total: number) => void,
): DemoSummaryDto {
  const started = performance.now();
  const db = ledger.sqlite;
  const existing = db.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get() as {
    n: number;
  };
  if (existing.n > 0) {
    throw conflict(
      'demo-empty-ledger',
      `the ledger already holds ${existing.n} accounts; demo data loads only into an empty ledger`,
    );
  }
  const today = isoDate(now);
  const at = now.toISOString();
  const rand = mulberry32(opts.seed);

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
  let itemId = maxId('bill_items');
  let journalId = maxId('journals');
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

  const addPaymentMethod = demoPaymentMethods(db);
  let mandates: ReturnType<typeof demoMandates>;
  try {
    mandates = demoMandates(db, today, at, operatorId);
  } catch (err) {
    rollback();
    throw err;
  }
  const CHUNK = 5000;
  const writeChunk = db.transaction((from: number, to: number) => {
    // One opening journal per chunk: an AR line per account, one REVENUE line per currency.
    journalId++;
    insJournal.run(journalId, at, today, `demo:${opts.seed}:${from}-${to}`, auditId);
    const chunkRevenue = new Map<string, number>();
    for (let n = from; n <= to; n++) {
      // A cancel point every 1,000 accounts, so a cancel lands well within a second.
      if (n > from && n % 1000 === 0) progress('accounts', n - 1, opts.accounts);
      accountId++;
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

      billUnitId++;
      const unitId = billUnitId;
      insBillUnit.run(
        unitId,
        `BU${accountNo.slice(1)}-1`,
        accountId,
        'Main',
        accountingType,
        payType,
        term,
        1,
        null,
        1,
        cycleDay,
        nextBillDate,
      );
      counts.billUnits++;
      addPaymentMethod(accountId, n, payType, at);
      mandates.add({ accountId, n, accountNo, name, currency: cur.code, payType, isCompany });
      if (previousDefaultUnit !== null && rand() < 0.05) {
        billUnitId++;
        insBillUnit.run(
          billUnitId,
          `BU${accountNo.slice(1)}-2`,
          accountId,
          'Child (paid by parent)',
          accountingType,
          PAY_TYPE.subord,
          term,
          0,
          previousDefaultUnit,
          0,
          cycleDay,
          nextBillDate,
        );
        counts.billUnits++;
      }
      previousDefaultUnit = unitId;

      const billCount = randInt(rand, 2, 4);
      let accountOpen = 0;
      for (let b = 0; b < billCount; b++) {
        billId++;
        const age = billCount - 1 - b;
        const billDate = datesFor(cycleDay, age).billDate;
        const dueDate = dueFor(billDate, termDays);
        const fullyPaid = age >= 2 || (age === 1 && rand() < 0.6);
        const itemCount = 2 + (rand() < 0.33 ? 0 : rand() < 0.5 ? 1 : rand() < 0.6 ? 2 : 3);
        let total = 0;
        let due = 0;
        const firstItem = itemId + 1;
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
          insItem.run(
            itemId,
            `I${String(itemId).padStart(10, '0')}`,
            billId,
            accountId,
            t.type,
            amount,
            open,
            t.glId,
            open === 0 ? 'closed' : 'open',
          );
        }
        insBill.run(
          billId,
          `B${accountNo.slice(1)}-${String(b + 1).padStart(2, '0')}`,
          unitId,
          accountId,
          billDate,
          dueDate,
          cur.code,
          total,
          due,
          due === 0 ? 'closed' : 'open',
        );
        counts.bills++;
        counts.items += itemId - firstItem + 1;
        accountOpen += due;
      }
      insAccount.run(
        accountId,
        accountNo,
        accountNo.toUpperCase(),
        name,
        name.toLowerCase(),
        status,
        cur.code,
        payType,
        accountOpen,
        at,
      );
      if (accountOpen !== 0) {
        insLine.run(journalId, 'AR', accountId, accountOpen, cur.code);
        chunkRevenue.set(cur.code, (chunkRevenue.get(cur.code) ?? 0) + accountOpen);
        openByCurrency[cur.code] = (openByCurrency[cur.code] ?? 0) + accountOpen;
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
        for (let from = 1; from <= opts.accounts; from += CHUNK) {
          const to = Math.min(opts.accounts, from + CHUNK - 1);
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
