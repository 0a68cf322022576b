import type Database from 'better-sqlite3';
import type { Minor } from '../../src-shared/money';

/** Ledger sides a journal line can hit. AR lines carry the customer account. */
export type GlAccount =
  'AR' | 'CASH' | 'REVENUE' | 'SUSPENSE' | 'UNALLOCATABLE' | 'REFUND_CLEARING' | 'FEES' | 'FX';

/** One journal line: positive debits, negative credits. */
export type JournalLine = { gl: GlAccount; accountId: number | null; amountMinor: Minor; currency: string };

/** A journal to post. */
export type JournalPosting = {
  kind: string;
  at: string;
  effectiveDate: string;
  idemKey: string | null;
  auditId: number;
  reasonCode?: number | null;
  glId?: number | null;
  lines: JournalLine[];
};

type Prepared = { journal: Database.Statement; line: Database.Statement; balance: Database.Statement };
const cache = new WeakMap<Database.Database, Prepared>();

function prepared(sqlite: Database.Database): Prepared {
  let p = cache.get(sqlite);
  if (!p) {
    p = {
      journal: sqlite.prepare(
        `INSERT INTO journals (kind, at, effective_date, idem_key, audit_id, reason_code, gl_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      line: sqlite.prepare(
        `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency) VALUES (?, ?, ?, ?, ?)`,
      ),
      balance: sqlite.prepare(`UPDATE accounts SET balance_minor = balance_minor + ? WHERE id = ?`),
    };
    cache.set(sqlite, p);
  }
  return p;
}

/** Throws unless the lines sum to zero in every currency and every amount is an integer. */
export function assertBalanced(lines: readonly JournalLine[]): void {
  const sums = new Map<string, number>();
  for (const l of lines) {
    if (!Number.isSafeInteger(l.amountMinor))
      throw new Error(`journal line amount ${l.amountMinor} is not an integer`);
    sums.set(l.currency, (sums.get(l.currency) ?? 0) + l.amountMinor);
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0) throw new Error(`journal does not balance in ${currency}: off by ${sum}`);
  }
}

/**
 * Posts a balanced journal (inside the caller's transaction) and keeps the cached AR balance of every
 * customer account it touches in step. Returns the journal id.
 */
export function postJournal(sqlite: Database.Database, posting: JournalPosting): number {
  assertBalanced(posting.lines);
  const p = prepared(sqlite);
  const id = Number(
    p.journal.run(
      posting.kind,
      posting.at,
      posting.effectiveDate,
      posting.idemKey,
      posting.auditId,
      posting.reasonCode ?? null,
      posting.glId ?? null,
    ).lastInsertRowid,
  );
  for (const l of posting.lines) {
    p.line.run(id, l.gl, l.accountId, l.amountMinor, l.currency);
    if (l.gl === 'AR' && l.accountId !== null) p.balance.run(l.amountMinor, l.accountId);
  }
  return id;
}
