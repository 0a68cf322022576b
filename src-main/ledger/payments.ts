import type Database from 'better-sqlite3';
import { assertAccountsWithinCeiling, toMinor } from './ceiling';
import { crashPoint } from './crash-point';
import { appendAudit } from '../../db/repos/audit';
import {
  paymentBySourceKeyQuery,
  paymentInsertQuery,
  postingAccountQuery,
  type NewPayment,
  type PostedBySource,
  type PostingAccount,
} from '../../db/repos/payments';
import type { Tx } from '../../db/storage/port';
import { driverGet } from '../../db/storage/sqlite';
import { writeAudit, type AuditEntry } from './audit';
import { conflict, invalidFields, notFound } from './errors';
import { assertBalanced, postJournal, postJournalIn, type JournalLine, type JournalPosting } from './journal';
import { convertOn, convertOnIn, type Conversion } from './rates';

/** An external payment to record against a customer account. */
export type PaymentToPost = {
  accountNo: string;
  amountMinor: number;
  currency: string;
  effectiveDate: string;
  payType: number;
  channelId?: number;
  externalRef?: string | null;
  billNo?: string | null;
  payerName?: string | null;
  batchId?: number | null;
  /** Stable key of whatever originated the payment; a second post with the same key returns the first. */
  sourceKey: string;
};

/** The result of posting: the payment id, and whether it was already posted under the same source key. */
export type PostedPayment = {
  paymentId: number;
  accountId: number;
  accountAmountMinor: number;
  duplicate: boolean;
};

/**
 * Posts a successful external payment: CASH debit in the payment currency, AR credit in the account's
 * currency (with FX lines when they differ), the payment row and an audit row, in the caller's
 * transaction. Idempotent by source key. Through the driver; postPaymentIn is the same posting on the port.
 */
export function postPayment(
  db: Database.Database,
  p: PaymentToPost,
  at: string,
  operatorId: number | null,
): PostedPayment {
  const existing = driverGet<PostedBySource>(db, paymentBySourceKeyQuery(p.sourceKey));
  if (existing) return alreadyPosted(existing);
  refuseAmount(p);
  const account = postable(p, driverGet<PostingAccount>(db, postingAccountQuery(accountKey(p))));
  const converted = convertOn(db, p.amountMinor, p.currency, account.currency, p.effectiveDate);
  const auditId = writeAudit(db, paymentAudit(p, converted, at, operatorId));
  const journalId = postJournal(db, paymentJournal(p, account, converted, at, auditId));
  const row = driverGet<{ id: number }>(
    db,
    paymentInsertQuery(newPayment(p, account, converted, journalId, at, operatorId)),
  )!;
  return {
    paymentId: row.id,
    accountId: account.id,
    accountAmountMinor: converted.amountMinor,
    duplicate: false,
  };
}

/** postPayment in a port transaction (SQLite or PostgreSQL): the same checks, journal and rows. */
export async function postPaymentIn(
  tx: Tx,
  p: PaymentToPost,
  at: string,
  operatorId: number | null,
): Promise<PostedPayment> {
  const existing = await tx.get<PostedBySource>(paymentBySourceKeyQuery(p.sourceKey));
  if (existing) return alreadyPosted(existing);
  refuseAmount(p);
  const account = postable(p, await tx.get<PostingAccount>(postingAccountQuery(accountKey(p))));
  const converted = await convertOnIn(tx, p.amountMinor, p.currency, account.currency, p.effectiveDate);
  const auditId = await appendAudit(tx, paymentAudit(p, converted, at, operatorId));
  const journalId = await postJournalIn(tx, paymentJournal(p, account, converted, at, auditId));
  const row = await tx.get<{ id: number }>(
    paymentInsertQuery(newPayment(p, account, converted, journalId, at, operatorId)),
  );
  return {
    paymentId: row!.id,
    accountId: account.id,
    accountAmountMinor: converted.amountMinor,
    duplicate: false,
  };
}

function accountKey(p: PaymentToPost): string {
  return p.accountNo.trim().toUpperCase();
}

function alreadyPosted(existing: PostedBySource): PostedPayment {
  return {
    paymentId: existing.id,
    accountId: existing.accountId,
    accountAmountMinor: existing.a,
    duplicate: true,
  };
}

function refuseAmount(p: PaymentToPost): void {
  if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) {
    throw invalidFields('a payment amount must be a positive whole number of minor units', [
      { path: 'amountMinor', message: 'must be a positive integer' },
    ]);
  }
}

/** The account a payment goes to: a customer account that exists and is not closed. */
function postable(p: PaymentToPost, account: PostingAccount | undefined): PostingAccount {
  if (!account || account.isSuspense === 1) throw notFound('account', p.accountNo);
  if (account.status === 'closed') throw conflict('closed-account', `account ${p.accountNo} is closed`);
  return account;
}

function paymentAudit(
  p: PaymentToPost,
  converted: Conversion,
  at: string,
  operatorId: number | null,
): AuditEntry {
  return {
    at,
    operatorId,
    action: 'payment.post',
    entity: 'payment',
    entityId: p.sourceKey,
    after: { ...p, accountAmountMinor: converted.amountMinor, ratePpm: converted.ratePpm },
  };
}

/** CASH in the payment's currency, FX when the account's differs, AR credited in the account's. */
function paymentJournal(
  p: PaymentToPost,
  account: PostingAccount,
  converted: Conversion,
  at: string,
  auditId: number,
): JournalPosting {
  const lines: JournalLine[] = [
    { gl: 'CASH', accountId: null, amountMinor: p.amountMinor, currency: p.currency },
  ];
  if (p.currency !== account.currency) {
    lines.push({ gl: 'FX', accountId: null, amountMinor: -p.amountMinor, currency: p.currency });
    lines.push({ gl: 'FX', accountId: null, amountMinor: converted.amountMinor, currency: account.currency });
  }
  lines.push({
    gl: 'AR',
    accountId: account.id,
    amountMinor: -converted.amountMinor,
    currency: account.currency,
  });
  return {
    kind: 'payment',
    at,
    effectiveDate: p.effectiveDate,
    idemKey: `payment:${p.sourceKey}`,
    auditId,
    lines,
  };
}

function newPayment(
  p: PaymentToPost,
  account: PostingAccount,
  converted: Conversion,
  journalId: number,
  at: string,
  operatorId: number | null,
): NewPayment {
  return {
    accountId: account.id,
    payType: p.payType,
    channelId: p.channelId ?? 0,
    amountMinor: p.amountMinor,
    currency: p.currency,
    accountAmountMinor: converted.amountMinor,
    ratePpm: converted.ratePpm,
    effectiveDate: p.effectiveDate,
    externalRef: p.externalRef ?? null,
    billNo: p.billNo ?? null,
    payerName: p.payerName ?? null,
    batchId: p.batchId ?? null,
    sourceKey: p.sourceKey,
    journalId,
    at,
    operatorId,
  };
}

/** One resolved payment for bulk posting: account and conversion already decided by validation. */
export type BulkPaymentRow = {
  sourceKey: string;
  accountId: number;
  accountCurrency: string;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number;
  effectiveDate: string;
  payType: number;
  channelId: number;
  externalRef: string | null;
  billNo: string | null;
  payerName: string | null;
  batchId: number | null;
};

/** Payment rows per multi-row INSERT (16 parameters each, well under SQLite's limit). */
const PAYMENT_ROWS_PER_INSERT = 50;
const paymentInserts = new WeakMap<Database.Database, Map<number, Database.Statement>>();

/** The multi-row INSERT OR IGNORE of `rows` payments, prepared once per connection and size. */
function paymentInsert(db: Database.Database, rows: number): Database.Statement {
  let bySize = paymentInserts.get(db);
  if (!bySize) paymentInserts.set(db, (bySize = new Map<number, Database.Statement>()));
  let st = bySize.get(rows);
  if (!st) {
    st = db
      .prepare(
        `INSERT OR IGNORE INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
           account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
         VALUES ${Array.from({ length: rows }, () => "('original', ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").join(', ')}
         RETURNING id, source_key`,
      )
      .raw();
    bySize.set(rows, st);
  }
  return st;
}

/** Posts payments chunk by chunk under one journal; the journal's lines are written by `finish`. */
export type PaymentPoster = {
  /** Inserts a chunk of payments; returns their new ids in input order (null for a source key posted before). */
  post(rows: readonly BulkPaymentRow[]): (number | null)[];
  /** Writes the journal lines (AR per account, CASH and FX per currency) and moves account balances. */
  finish(): void;
};

/**
 * Posts many payments under one journal (batch submit): a payment row each (a source key already posted
 * is skipped, so a resubmit never posts twice), AR credited per account, CASH and FX per currency. Runs
 * inside the caller's transaction; returns the new payment ids in input order (null for duplicates).
 */
export function postPaymentsBulk(
  db: Database.Database,
  rows: readonly BulkPaymentRow[],
  journal: { kind: string; idemKey: string | null; effectiveDate: string; auditId: number },
  at: string,
  operatorId: number | null,
): (number | null)[] {
  const poster = paymentPoster(db, journal, at, operatorId);
  const ids = poster.post(rows);
  poster.finish();
  return ids;
}

/**
 * The chunked form of postPaymentsBulk, so a million-entry submit never holds every payment row at once.
 * Opens the journal now; runs inside the caller's transaction.
 */
export function paymentPoster(
  db: Database.Database,
  journal: { kind: string; idemKey: string | null; effectiveDate: string; auditId: number },
  at: string,
  operatorId: number | null,
): PaymentPoster {
  const totals = bulkTotals();
  const journalId = Number(
    db
      .prepare(`INSERT INTO journals (kind, at, effective_date, idem_key, audit_id) VALUES (?, ?, ?, ?, ?)`)
      .run(journal.kind, at, journal.effectiveDate, journal.idemKey, journal.auditId).lastInsertRowid,
  );
  const full = paymentInsert(db, PAYMENT_ROWS_PER_INSERT);
  const post = (rows: readonly BulkPaymentRow[]): (number | null)[] => {
    const ids: (number | null)[] = [];
    for (let from = 0; from < rows.length; from += PAYMENT_ROWS_PER_INSERT) {
      const chunk = rows.slice(from, from + PAYMENT_ROWS_PER_INSERT);
      const args: unknown[] = [];
      for (const r of chunk)
        args.push(
          r.accountId,
          r.payType,
          r.channelId,
          r.amountMinor,
          r.currency,
          r.accountAmountMinor,
          r.ratePpm,
          r.effectiveDate,
          r.externalRef,
          r.billNo,
          r.payerName,
          r.batchId,
          r.sourceKey,
          journalId,
          at,
          operatorId,
        );
      // OR IGNORE skips a source key posted before; RETURNING names the rows that were inserted.
      const inserted = new Map(
        (
          (chunk.length === PAYMENT_ROWS_PER_INSERT ? full : paymentInsert(db, chunk.length)).all(args) as [
            number,
            string,
          ][]
        ).map(([id, key]) => [key, id]),
      );
      for (const r of chunk) {
        const id = inserted.get(r.sourceKey);
        if (id === undefined) {
          ids.push(null);
          continue;
        }
        // A key given twice in one call was inserted once: the second one is a duplicate, as it always was.
        inserted.delete(r.sourceKey);
        ids.push(id);
        crashPoint();
        totals.add(r);
      }
    }
    return ids;
  };
  const finish = (): void => {
    const lines = totals.lines();
    assertBalanced(lines);
    const line = db.prepare(
      `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency) VALUES (?, ?, ?, ?, ?)`,
    );
    const balance = db.prepare(`UPDATE accounts SET balance_minor = balance_minor + ? WHERE id = ?`);
    for (const l of lines) line.run(journalId, l.gl, l.accountId, l.amountMinor, l.currency);
    // Balances in account order: a batch touching 200,000 accounts then walks the table once, not at random.
    const arLines = lines.filter((l) => l.gl === 'AR' && l.accountId !== null);
    arLines.sort((a, b) => (a.accountId as number) - (b.accountId as number));
    // A bigint binds as an SQLite integer, so the balance moves exactly.
    for (const l of arLines) balance.run(BigInt(l.amountMinor), l.accountId);
    assertAccountsWithinCeiling(
      db,
      arLines.map((l) => l.accountId as number),
    );
  };
  return { post, finish };
}

/** The journal lines of bulk-posted payments: CASH and FX per currency in the order met, then AR per account. */
function bulkTotals(): { add(r: BulkPaymentRow): void; lines(): JournalLine[] } {
  // Exact running totals (a million entries at the amount limit pass 2^53 long before the end).
  const ar = new Map<number, { currency: string; amountMinor: bigint }>();
  const byCurrency = new Map<string, bigint>();
  const sum = (key: string, minor: number): void => {
    byCurrency.set(key, (byCurrency.get(key) ?? 0n) + BigInt(minor));
  };
  return {
    add(r) {
      const a = ar.get(r.accountId) ?? { currency: r.accountCurrency, amountMinor: 0n };
      a.amountMinor -= BigInt(r.accountAmountMinor);
      ar.set(r.accountId, a);
      sum(r.currency, r.amountMinor);
      if (r.currency !== r.accountCurrency) {
        sum(`FX:${r.currency}`, -r.amountMinor);
        sum(`FX:${r.accountCurrency}`, r.accountAmountMinor);
      }
    },
    lines() {
      const lines: JournalLine[] = [];
      for (const [key, total] of byCurrency) {
        const fx = key.startsWith('FX:');
        const currency = fx ? key.slice(3) : key;
        const what = fx ? `the batch's FX total in ${currency}` : `the batch's total in ${currency}`;
        lines.push({ gl: fx ? 'FX' : 'CASH', accountId: null, amountMinor: toMinor(total, what), currency });
      }
      for (const [accountId, a] of ar)
        lines.push({
          gl: 'AR',
          accountId,
          amountMinor: toMinor(a.amountMinor, `the batch's payments to account id ${accountId}`),
          currency: a.currency,
        });
      return lines;
    },
  };
}

/**
 * postPaymentsBulk in a port transaction (a collection run's approvals on PostgreSQL): the same rows, one journal
 * with CASH and FX per currency and AR per account (balances moved and the ceiling checked by the posting core),
 * a payment row each under it; a source key posted before (or twice in the call) is skipped and answered null.
 * The journal's lines are known before its payments here (posted keys are looked up first), so the journal is
 * written whole by postJournalIn and the payments with the one-payment insert, not the driver's multi-row one.
 */
export async function postPaymentsBulkIn(
  tx: Tx,
  rows: readonly BulkPaymentRow[],
  journal: { kind: string; idemKey: string | null; effectiveDate: string; auditId: number },
  at: string,
  operatorId: number | null,
): Promise<(number | null)[]> {
  const fresh: boolean[] = [];
  const keys = new Set<string>();
  const totals = bulkTotals();
  for (const r of rows) {
    const isNew = !keys.has(r.sourceKey) && !(await tx.get(paymentBySourceKeyQuery(r.sourceKey)));
    keys.add(r.sourceKey);
    fresh.push(isNew);
    if (isNew) totals.add(r);
  }
  const journalId = await postJournalIn(tx, {
    kind: journal.kind,
    at,
    effectiveDate: journal.effectiveDate,
    idemKey: journal.idemKey,
    auditId: journal.auditId,
    lines: totals.lines(),
  });
  const ids: (number | null)[] = [];
  for (const [i, r] of rows.entries()) {
    if (!fresh[i]) {
      ids.push(null);
      continue;
    }
    const row = await tx.get<{ id: number }>(paymentInsertQuery({ ...r, journalId, at, operatorId }));
    ids.push(row!.id);
  }
  return ids;
}
