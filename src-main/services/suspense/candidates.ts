import type Database from 'better-sqlite3';
import type { SuspenseCandidateDto, SuspenseCandidatesDto } from '../../../src-shared/dto/suspense';
import { formatMinor } from '../../../src-shared/money';
import { nameSimilarity, normaliseName, referenceTokens } from '../../domain/similarity';
import { notFound } from '../../ledger/errors';
import { exponentOf } from '../../ledger/rates';
import { loadCasePayment } from './case';

type Account = { id: number; no: string; name: string; currency: string; status: string };
type Bill = {
  id: number;
  no: string;
  accountId: number;
  due: number;
  dueDate: string;
  currency: string;
  status: string;
};

/** How far from the payment date a bill's due date may be for an amount-only suggestion. */
const DATE_WINDOW_DAYS = 45;

function daysApart(a: string, b: string): number {
  return Math.abs(Math.round((Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000));
}

/** What the matcher looks at: the payer's numbers, name and reference, the amount and the date. */
export type MatchHints = SuspenseCandidatesDto['hints'];

/** The hints of a batch entry (Payment Tool) that is still to be corrected before it posts. */
function entryHints(db: Database.Database, batchId: number, entryId: number): MatchHints {
  const e = db
    .prepare(
      `SELECT e.account_no AS accountHint, e.bill_no AS billNo, e.payer_name AS payerName,
              coalesce(e.reference, CASE WHEN e.check_no IS NOT NULL THEN 'check ' || e.check_no END) AS externalRef,
              coalesce(e.amount_minor, 0) AS amountMinor, b.currency, coalesce(e.payment_date, b.batch_date) AS effectiveDate,
              e.status
       FROM batch_entries e JOIN batches b ON b.id = e.batch_id WHERE e.id = ? AND e.batch_id = ?`,
    )
    .get(entryId, batchId) as MatchHints | undefined;
  if (!e) throw notFound('batch entry', `${batchId}/${entryId}`);
  return e;
}

/**
 * Suggests accounts (and bills) for a suspended payment, best first, each with its reasons and a score out of
 * 100: exact account or bill number quoted by the payer or found in the reference; then open bills of the same
 * amount whose account name resembles the payer; then accounts whose name resembles the payer; then open bills
 * of the same amount due near the payment date. A batch entry still to be suspended can be matched the same way.
 */
export function suspenseCandidates(
  db: Database.Database,
  input: {
    paymentId?: number | undefined;
    batchId?: number | undefined;
    entryId?: number | undefined;
    limit: number;
  },
): SuspenseCandidatesDto {
  const started = performance.now();
  let p: MatchHints;
  if (input.paymentId !== undefined) {
    const c = loadCasePayment(db, input.paymentId);
    p = {
      accountHint: c.accountHint,
      billNo: c.billNo,
      payerName: c.payerName,
      externalRef: c.externalRef,
      amountMinor: c.amountMinor,
      currency: c.currency,
      effectiveDate: c.effectiveDate,
      status: c.state ?? c.kind,
    };
  } else {
    p = entryHints(db, input.batchId ?? 0, input.entryId ?? 0);
  }
  const exponent = exponentOf(db, p.currency);
  const money = (minor: number): string => `${formatMinor(minor, exponent)} ${p.currency}`;
  const found = new Map<string, SuspenseCandidateDto & { accountId: number }>();
  const accountById = db.prepare(
    `SELECT id, account_no AS no, name, currency, status FROM accounts WHERE id = ? AND is_suspense = 0`,
  );
  const accountByKey = db.prepare(
    `SELECT id, account_no AS no, name, currency, status FROM accounts WHERE account_key = ? AND is_suspense = 0`,
  );
  const billByNo = db.prepare(
    `SELECT id, bill_no AS no, account_id AS accountId, amount_due_minor AS due, due_date AS dueDate, currency, status
     FROM bills WHERE bill_no = ?`,
  );
  const add = (account: Account, bill: Bill | null, score: number, reason: string): void => {
    const key = `${account.id}:${bill?.id ?? ''}`;
    const c = found.get(key) ?? {
      accountId: account.id,
      accountNo: account.no,
      accountName: account.name,
      accountCurrency: account.currency,
      accountStatus: account.status,
      billNo: bill?.no ?? null,
      amountDueMinor: bill?.due ?? null,
      dueDate: bill?.dueDate ?? null,
      score: 0,
      reasons: [],
    };
    // Each further independent reason strengthens a suggestion a little, without passing 100.
    c.score = c.score === 0 ? score : Math.min(100, Math.max(c.score, score) + 5);
    if (!c.reasons.includes(reason)) c.reasons.push(reason);
    found.set(key, c);
  };
  const sameAmount = (b: Bill): boolean =>
    b.status === 'open' && b.currency === p.currency && b.due === p.amountMinor;

  // 1. Exact numbers: the account or bill number the payer quoted, or one written in the reference.
  if (p.accountHint) {
    const a = accountByKey.get(p.accountHint.trim().toUpperCase()) as Account | undefined;
    if (a) add(a, null, a.status === 'closed' ? 60 : 95, `the payer quoted account number ${a.no}`);
  }
  if (p.billNo) {
    const b = billByNo.get(p.billNo.trim()) as Bill | undefined;
    const a = b && (accountById.get(b.accountId) as Account | undefined);
    if (b && a) {
      add(
        a,
        b,
        b.status === 'open' ? 97 : 70,
        `the payer quoted bill ${b.no}${b.status === 'open' ? '' : ' (already paid)'}`,
      );
      if (sameAmount(b))
        add(a, b, 100, `the amount ${money(p.amountMinor)} equals what bill ${b.no} has due`);
    }
  }
  for (const token of referenceTokens(p.externalRef ?? '')) {
    const b = billByNo.get(token) as Bill | undefined;
    const ba = b && (accountById.get(b.accountId) as Account | undefined);
    if (b && ba)
      add(ba, b, b.status === 'open' ? 90 : 65, `the reference "${p.externalRef}" names bill ${b.no}`);
    const a = accountByKey.get(token.toUpperCase()) as Account | undefined;
    if (a) add(a, null, 88, `the reference "${p.externalRef}" names account ${a.no}`);
  }

  // 2. Same amount as an open bill, with the payer's name like the account's.
  const payer = p.payerName ? normaliseName(p.payerName) : '';
  const sameAmountBills = db
    .prepare(
      `SELECT b.id, b.bill_no AS no, b.account_id AS accountId, b.amount_due_minor AS due, b.due_date AS dueDate, b.currency, b.status,
              a.account_no AS accountNo, a.name, a.currency AS accountCurrency, a.status AS accountStatus
       FROM bills b JOIN accounts a ON a.id = b.account_id
       WHERE b.status = 'open' AND b.amount_due_minor = ? AND b.currency = ? AND a.is_suspense = 0
       ORDER BY abs(julianday(b.due_date) - julianday(?)) LIMIT 500`,
    )
    .all(p.amountMinor, p.currency, p.effectiveDate) as (Bill & {
    accountNo: string;
    name: string;
    accountCurrency: string;
    accountStatus: string;
  })[];
  for (const b of sameAmountBills) {
    const account: Account = {
      id: b.accountId,
      no: b.accountNo,
      name: b.name,
      currency: b.accountCurrency,
      status: b.accountStatus,
    };
    const similarity = payer ? nameSimilarity(payer, b.name) : 0;
    if (similarity >= 0.35) {
      add(
        account,
        b,
        Math.round(60 + 30 * similarity),
        `same amount as open bill ${b.no}, and the payer "${p.payerName}" is ${Math.round(similarity * 100)}% like "${b.name}"`,
      );
    }
  }

  // 3. Accounts whose name resembles the payer's (any amount).
  const words = payer
    .split(' ')
    .filter((w) => w.length >= 3)
    .slice(0, 4);
  if (words.length > 0) {
    const query = words.map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ');
    const byName = db
      .prepare(
        `SELECT id, account_no AS no, name, currency, status FROM accounts
         WHERE id IN (SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ? LIMIT 200) AND is_suspense = 0`,
      )
      .all(`name : (${query})`) as Account[];
    for (const a of byName) {
      const similarity = nameSimilarity(payer, a.name);
      if (similarity >= 0.5)
        add(
          a,
          null,
          Math.round(25 + 40 * similarity),
          `the payer "${p.payerName}" is ${Math.round(similarity * 100)}% like the account name "${a.name}"`,
        );
    }
  }

  // 4. Same amount as an open bill due near the payment date.
  for (const b of sameAmountBills.slice(0, 50)) {
    const days = daysApart(b.dueDate, p.effectiveDate);
    if (days > DATE_WINDOW_DAYS) continue;
    const account: Account = {
      id: b.accountId,
      no: b.accountNo,
      name: b.name,
      currency: b.accountCurrency,
      status: b.accountStatus,
    };
    add(
      account,
      b,
      Math.round(50 - (20 * days) / DATE_WINDOW_DAYS),
      `same amount as open bill ${b.no}, due ${b.dueDate} (${days} days from the payment date ${p.effectiveDate})`,
    );
  }

  const candidates = [...found.values()]
    .sort((a, b) => b.score - a.score || a.accountNo.localeCompare(b.accountNo))
    .slice(0, input.limit)
    .map(({ accountId: _id, ...c }) => c);
  return {
    paymentId: input.paymentId ?? null,
    hints: p,
    candidates,
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
  };
}
