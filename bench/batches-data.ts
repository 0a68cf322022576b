/**
 * The data of the batch benchmark (bench/batches.ts): the lockbox CSV of a busy day, drawn from the accounts and
 * open bills of a demo ledger with the seeded PRNG, and the import template that reads it.
 */
import { createWriteStream, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { mulberry32 } from '../src-main/domain/prng';
import { demoAccountNo } from '../src-main/services/demo';

/** The template the bench's lockbox files are read with (the column order of writeLockbox). */
export const LOCKBOX_TEMPLATE = {
  name: 'bench-lockbox',
  format: 'delimited',
  delimiter: ',',
  hasColumnHeader: true,
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'billNo', index: 1 },
    { field: 'amount', index: 2 },
    { field: 'paymentDate', index: 3 },
    { field: 'checkNo', index: 4 },
    { field: 'payerName', index: 5 },
  ],
};

/** The accounts and open bills the lockbox file draws from (read from the demo ledger). */
export type Pool = {
  active: { no: string; bills: { no: string; dueMinor: number }[]; openMinor: number }[];
  closed: string[];
};

/** The accounts a lockbox draws from (a USD lockbox pays USD accounts; closed ones go to suspense). */
export const POOL_ACCOUNTS_SQL = `SELECT id, account_no AS no, status FROM accounts WHERE is_suspense = 0 AND currency = 'USD' ORDER BY id`;
/** Their open bills, in the order a payer pays them. */
export const POOL_BILLS_SQL = `SELECT account_id AS "accountId", bill_no AS no, amount_due_minor AS "dueMinor" FROM bills
         WHERE status = 'open' AND currency = 'USD' ORDER BY account_id, due_date, id`;

/** The pool of the rows of POOL_ACCOUNTS_SQL and POOL_BILLS_SQL (read from a SQLite file or through the port). */
export function poolOf(
  accounts: Iterable<{ id: number; no: string; status: string }>,
  billRows: Iterable<{ accountId: number; no: string; dueMinor: number }>,
): Pool {
  const bills = new Map<number, { no: string; dueMinor: number }[]>();
  for (const b of billRows) {
    let list = bills.get(b.accountId);
    if (!list) bills.set(b.accountId, (list = []));
    list.push({ no: b.no, dueMinor: b.dueMinor });
  }
  const active: Pool['active'] = [];
  const closed: string[] = [];
  for (const a of accounts) {
    if (a.status === 'closed') closed.push(a.no);
    else if (a.status === 'active') {
      const list = bills.get(a.id) ?? [];
      active.push({ no: a.no, bills: list, openMinor: list.reduce((s, b) => s + b.dueMinor, 0) });
    }
  }
  return { active, closed };
}

export function loadPool(ledger: string): Pool {
  const db = new Database(ledger, { readonly: true });
  try {
    return poolOf(
      db.prepare(POOL_ACCOUNTS_SQL).all() as { id: number; no: string; status: string }[],
      db.prepare(POOL_BILLS_SQL).iterate() as Iterable<{ accountId: number; no: string; dueMinor: number }>,
    );
  } finally {
    db.close();
  }
}

/** Decimal text of integer minor units (cents), without floats. */
export const decimal = (minor: number): string =>
  `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

export type FileStats = {
  rows: number;
  bytes: number;
  accounts: number;
  bills: number;
  unknown: number;
  closed: number;
  byAccount: number;
  byBill: number;
  byBoth: number;
};

/**
 * Writes the lockbox CSV of one size: Account Number, Bill Number, Payment Amount, Date, Check Number, Payer.
 * 0.5% unknown account numbers, 0.2% unknown bill numbers, 0.2% closed accounts (all to suspense); the rest
 * pay a random active USD account, named by account number (55%), bill number (25%) or both (20%), paying the
 * bill's amount due, part of it, the account's whole open amount, or an unrelated amount.
 */
export async function writeLockbox(
  file: string,
  rows: number,
  pool: Pool,
  seed: number,
  ledgerAccounts: number,
  /** The first check number; files of different lockboxes (the soak's clerks) get ranges of their own. */
  firstCheck = 100_000,
): Promise<FileStats> {
  const rand = mulberry32(seed * 7919 + rows);
  const out = createWriteStream(file);
  const accounts = new Set<string>();
  const bills = new Set<string>();
  const stats: FileStats = {
    rows,
    bytes: 0,
    accounts: 0,
    bills: 0,
    unknown: 0,
    closed: 0,
    byAccount: 0,
    byBill: 0,
    byBoth: 0,
  };
  const lines: string[] = ['Account Number,Bill Number,Payment Amount,Date,Check Number,Payer'];
  const between = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const write = async (): Promise<void> => {
    const chunk = lines.join('\n') + '\n';
    lines.length = 0;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  for (let i = 0; i < rows; i++) {
    const roll = rand();
    let account = '';
    let bill = '';
    let minor: number;
    if (roll < 0.005) {
      account = demoAccountNo(ledgerAccounts + between(1, 9_000_000));
      minor = between(100, 30_000);
      stats.unknown++;
    } else if (roll < 0.007) {
      bill = `B${String(between(ledgerAccounts + 1, 9_999_999)).padStart(7, '0')}-01`;
      minor = between(100, 30_000);
      stats.unknown++;
    } else if (roll < 0.009 && pool.closed.length > 0) {
      account = pool.closed[Math.floor(rand() * pool.closed.length)] as string;
      minor = between(100, 30_000);
      stats.closed++;
    } else {
      const a = pool.active[Math.floor(rand() * pool.active.length)] as Pool['active'][number];
      const how = rand();
      const b = a.bills.length > 0 && how >= 0.55 ? a.bills[Math.floor(rand() * a.bills.length)] : undefined;
      if (b) {
        bill = b.no;
        bills.add(b.no);
        if (how < 0.8) stats.byBill++;
        else {
          account = a.no;
          stats.byBoth++;
        }
        const kind = rand();
        minor =
          kind < 0.5
            ? b.dueMinor
            : kind < 0.8
              ? Math.max(100, Math.floor((b.dueMinor * between(20, 90)) / 100))
              : between(100, 30_000);
      } else {
        account = a.no;
        stats.byAccount++;
        minor = a.openMinor > 0 && rand() < 0.3 ? a.openMinor : between(100, 30_000);
      }
      accounts.add(a.no);
    }
    lines.push(
      `${account},${bill},${decimal(Math.max(1, minor))},11/20/2026,${firstCheck + i},"Payer ${i % 997}, Inc."`,
    );
    if (lines.length >= 10_000) await write();
  }
  await write();
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  stats.accounts = accounts.size;
  stats.bills = bills.size;
  stats.bytes = statSync(file).size;
  return stats;
}
