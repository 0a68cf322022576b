import {
  accountById,
  accountByKey,
  accountsNamed,
  billByNo,
  entryHints,
  openBillsOfAmount,
  type MatchAccount as Account,
  type MatchBill as Bill,
} from '../../../db/repos/suspense-candidates';
import { currencyExponent } from '../../../db/repos/suspense-queue';
import type { Storage, Tx } from '../../../db/storage/port';
import type { SuspenseCandidateDto, SuspenseCandidatesDto } from '../../../src-shared/dto/suspense';
import { formatMinor } from '../../../src-shared/money';
import { isRealIsoDate } from '../../domain/dates';
import { nameSimilarity, normaliseName, referenceTokens } from '../../domain/similarity';
import { notFound } from '../../ledger/errors';
import { casePaymentIn } from './case';

/** How far from the payment date a bill's due date may be for an amount-only suggestion. */
const DATE_WINDOW_DAYS = 45;

function daysApart(a: string, b: string): number {
  return Math.abs(Math.round((Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000));
}

/** What the matcher looks at: the payer's numbers, name and reference, the amount and the date. */
export type MatchHints = SuspenseCandidatesDto['hints'];

/**
 * Suggests accounts (and bills) for a suspended payment, best first, each with its reasons and a score out of
 * 100: exact account or bill number quoted by the payer or found in the reference; then open bills of the same
 * amount whose account name resembles the payer; then accounts whose name resembles the payer; then open bills
 * of the same amount due near the payment date. A batch entry still to be suspended can be matched the same way.
 */
export function suspenseCandidates(
  storage: Storage,
  input: {
    paymentId?: number | undefined;
    batchId?: number | undefined;
    entryId?: number | undefined;
    limit: number;
  },
): Promise<SuspenseCandidatesDto> {
  return storage.transaction((tx) => match(tx, input), { readOnly: true });
}

async function match(
  tx: Tx,
  input: Parameters<typeof suspenseCandidates>[1],
): Promise<SuspenseCandidatesDto> {
  const started = performance.now();
  let p: MatchHints;
  if (input.paymentId !== undefined) {
    const c = await casePaymentIn(tx, input.paymentId);
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
    const e = await entryHints(tx, input.batchId ?? 0, input.entryId ?? 0);
    if (!e) throw notFound('batch entry', `${input.batchId ?? 0}/${input.entryId ?? 0}`);
    p = e;
  }
  const exponent = await currencyExponent(tx, p.currency);
  if (exponent === undefined) throw notFound('currency', p.currency);
  const money = (minor: number): string => `${formatMinor(minor, exponent)} ${p.currency}`;
  const found = new Map<string, SuspenseCandidateDto & { accountId: number }>();
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
    const a = await accountByKey(tx, p.accountHint.trim().toUpperCase());
    if (a) add(a, null, a.status === 'closed' ? 60 : 95, `the payer quoted account number ${a.no}`);
  }
  if (p.billNo) {
    const b = await billByNo(tx, p.billNo.trim());
    const a = b && (await accountById(tx, b.accountId));
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
    const b = await billByNo(tx, token);
    const ba = b && (await accountById(tx, b.accountId));
    if (b && ba)
      add(ba, b, b.status === 'open' ? 90 : 65, `the reference "${p.externalRef}" names bill ${b.no}`);
    const a = await accountByKey(tx, token.toUpperCase());
    if (a) add(a, null, 88, `the reference "${p.externalRef}" names account ${a.no}`);
  }

  // 2. Same amount as an open bill, with the payer's name like the account's.
  const payer = p.payerName ? normaliseName(p.payerName) : '';
  // A batch entry may still hold an impossible date (it is there to be corrected): then no bill is near it.
  const date = isRealIsoDate(p.effectiveDate) ? p.effectiveDate : null;
  const sameAmountBills = await openBillsOfAmount(tx, p.amountMinor, p.currency, date);
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
  for (const a of await accountsNamed(tx, words)) {
    const similarity = nameSimilarity(payer, a.name);
    if (similarity >= 0.5)
      add(
        a,
        null,
        Math.round(25 + 40 * similarity),
        `the payer "${p.payerName}" is ${Math.round(similarity * 100)}% like the account name "${a.name}"`,
      );
  }

  // 4. Same amount as an open bill due near the payment date.
  for (const b of sameAmountBills.slice(0, 50)) {
    if (date === null) break;
    const days = daysApart(b.dueDate, date);
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
