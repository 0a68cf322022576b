import type Database from 'better-sqlite3';
import { reasonCodeQuery, type ReasonCodeRecord } from '../../../db/repos/reason-codes';
import { rateOnQuery } from '../../../db/repos/currencies';
import {
  REFUND_ITEM_TYPE,
  accountCreditQuery,
  billAccountsQuery,
  creditPaymentsQuery,
  openRefundItemsQuery,
  refundAccountQuery,
  refundAccountsQuery,
  refundBillDueQuery,
  refundBillInsertQuery,
  refundBillUnitQuery,
  refundInsertQuery,
  refundItemCloseQuery,
  refundItemInsertQuery,
  refundItemLineInsertQuery,
  refundItemsHeldQuery,
  refundPostedQuery,
  type CreditPaymentRow,
  type RefundAccountRecord,
} from '../../../db/repos/refunds';
import type { Tx } from '../../../db/storage/port';
import { all, call, get, run, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { convertMinor } from '../../domain/allocation';
import type { EntryVerdict } from '../../domain/batch-rules';
import { validateRefundEntries, type RefundAccountFacts } from '../../domain/refund-rules';
import { applyItemLinesIn } from '../../ledger/allocation';
import { crashPoint } from '../../ledger/crash-point';
import { writeAllocations, type DecidedAllocation } from '../../ledger/bulk-allocation';
import { REASON_DOMAIN } from '../../ledger/codes';
import { conflict } from '../../ledger/errors';
import { postJournal, postJournalIn, type JournalLine } from '../../ledger/journal';
import { exponentStep } from '../../ledger/rates';
import { settingStep } from '../../ledger/settings';

export { REFUND_ITEM_TYPE };

// Refund validation and posting are written once as steps (db/storage/steps.ts) over db/repos/refunds.ts: the
// SQLite submit and the driver's credit run take them through the driver inside their own transactions, the port
// forms run them in the caller's serializable port transaction on either database.

/** What a refund entry of a batch is validated from. */
export type RefundEntryRow = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number | null;
  status: string;
  problem: string | null;
  problemColumn: string | null;
  customJson: string | null;
};

/** What a refund can pay back on an account now: open refund items plus unallocated payment credit. */
export function* accountRefundableSteps(accountId: number): Steps<number> {
  const items = (yield* get<{ m: number }>(refundItemsHeldQuery(accountId)))!.m;
  const credit = (yield* get<{ c: number }>(accountCreditQuery(accountId)))!.c;
  return items + credit;
}

/** accountRefundableSteps through the driver. */
export function accountRefundableMinor(db: Database.Database, accountId: number): number {
  return stepsOnDriver(db, accountRefundableSteps(accountId));
}

/** The refund facts of every account the entries name (by number or through a bill). */
function* refundFactsSteps(
  d: Pick<Tx, 'dialect'>,
  entries: readonly RefundEntryRow[],
): Steps<{ byNo: Map<string, RefundAccountFacts>; byBill: Map<string, RefundAccountFacts> }> {
  const keys = [...new Set(entries.map((e) => e.accountNo?.toUpperCase()).filter((v): v is string => !!v))];
  const billNos = [...new Set(entries.map((e) => e.billNo).filter((v): v is string => !!v))];
  const rows = yield* all<RefundAccountRecord>(refundAccountsQuery(d, keys, billNos));
  const byId = new Map<number, RefundAccountFacts>();
  const byNo = new Map<string, RefundAccountFacts>();
  for (const r of rows) {
    const facts: RefundAccountFacts = {
      id: r.id,
      accountNo: r.accountNo,
      currency: r.currency,
      exponent: yield* exponentStep(r.currency),
      refundItemsMinor: r.refundItemsMinor,
      creditMinor: r.creditMinor,
      hasBillUnit: r.hasBillUnit === 1,
    };
    byId.set(r.id, facts);
    byNo.set(r.accountKey, facts);
  }
  const byBill = new Map<string, RefundAccountFacts>();
  if (billNos.length) {
    for (const b of yield* all<{ billNo: string; accountId: number }>(billAccountsQuery(d, billNos))) {
      const a = byId.get(b.accountId);
      if (a) byBill.set(b.billNo.toUpperCase(), a);
    }
  }
  return { byNo, byBill };
}

/**
 * The batch currency's conversion into each account currency, read before the rules run (they convert
 * synchronously): the latest rate on or before the batch date, no rate giving null, never a guess.
 */
function* converterSteps(
  from: string,
  onDate: string,
  to: Iterable<string>,
): Steps<(amountMinor: number, to: string) => { amountMinor: number; ratePpm: number } | null> {
  const fromExponent = yield* exponentStep(from);
  const rates = new Map<string, { ratePpm: number; toExponent: number } | null>();
  for (const c of new Set(to)) {
    if (c === from || rates.has(c)) continue;
    const row = yield* get<{ ratePpm: number }>(rateOnQuery(from, c, onDate));
    rates.set(c, row ? { ratePpm: row.ratePpm, toExponent: yield* exponentStep(c) } : null);
  }
  return (amountMinor, c) => {
    if (c === from) return { amountMinor, ratePpm: 1_000_000 };
    const rate = rates.get(c);
    if (!rate) return null;
    return {
      amountMinor: convertMinor(amountMinor, {
        ratePpm: rate.ratePpm,
        fromExponent,
        toExponent: rate.toExponent,
      }),
      ratePpm: rate.ratePpm,
    };
  };
}

const reasonTextOf = (e: RefundEntryRow): string | null =>
  e.customJson ? ((JSON.parse(e.customJson) as Record<string, string>).reasonCode ?? null) : null;

/** Verdicts for the entries of a refund batch against the ledger as it is now (no writes). */
export function* validateRefundsSteps(
  d: Pick<Tx, 'dialect'>,
  entries: readonly RefundEntryRow[],
  batch: { currency: string; batchDate: string },
): Steps<EntryVerdict[]> {
  const { byNo, byBill } = yield* refundFactsSteps(d, entries);
  const convert = yield* converterSteps(
    batch.currency,
    batch.batchDate,
    [...byNo.values()].map((a) => a.currency),
  );
  const allowAccountDup = (yield* settingStep('ALLOWACCOUNTDUP')) === true;
  const defaultReason = Number(yield* settingStep('refund.defaultReason'));
  // The rules ask synchronously: every code they can ask about (the default and each entry's) is read first.
  const codes = new Set<number>([defaultReason]);
  for (const e of entries) {
    const t = reasonTextOf(e)?.trim();
    if (t && /^\d{1,9}$/.test(t)) codes.add(Number(t));
  }
  const refundReasons = new Set<number>();
  for (const c of codes) {
    const row = yield* get<ReasonCodeRecord>(reasonCodeQuery(REASON_DOMAIN.refund, c));
    if (row?.active === 1) refundReasons.add(c);
  }
  return validateRefundEntries(
    entries.map((e) => ({
      id: e.id,
      accountNo: e.accountNo,
      billNo: e.billNo,
      amountMinor: e.amountMinor,
      rowProblem:
        e.status === 'invalid' && e.problemColumn && ['amount', 'paymentDate'].includes(e.problemColumn)
          ? { column: e.problemColumn, reason: e.problem ?? 'invalid' }
          : null,
      reasonText: reasonTextOf(e),
    })),
    {
      accountByNo: (no) => byNo.get(no.toUpperCase()),
      accountByBillNo: (no) => byBill.get(no.toUpperCase()),
      convert,
      isRefundReason: (code) => refundReasons.has(code),
    },
    { allowAccountDup, defaultReason },
  );
}

/** One validated refund entry to post. */
export type RefundToPost = {
  sourceKey: string;
  accountId: number;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number;
  effectiveDate: string;
  payType: number;
  channelId: number;
  reasonCode: number;
  billNo: string | null;
  externalRef: string | null;
  payeeName: string | null;
  batchId: number | null;
};

/** What a refund posted; null when it was posted before. */
export type PostedRefund = { refundId: number; itemsClosedMinor: number; creditUsedMinor: number } | null;

/**
 * Posts one refund inside the caller's transaction: the money goes out (AR debit in the account currency, CASH
 * credit in the refund currency, FX lines when they differ); open refund items close first (the quoted bill's,
 * then oldest), and the rest comes from unallocated payment credit, oldest payment first, allocated to a paid
 * refund item on a bill of its own so the payments show where their credit went. Idempotent by source key:
 * answers null when the refund was posted before. It reads the credit it then spends, so a port transaction
 * running it is serializable: two refunds of the same last credit at once post one after the other, and the
 * second finds the credit gone (`refund-exceeds-credit`).
 */
export function* postRefundSteps(
  r: RefundToPost,
  at: string,
  operatorId: number | null,
  auditId: number,
): Steps<PostedRefund> {
  if (yield* get(refundPostedQuery(r.sourceKey))) return null;
  const account = yield* get<{ id: number; accountNo: string; currency: string }>(
    refundAccountQuery(r.accountId),
  );
  if (!account) throw conflict('refund-account', `account ${r.accountId} cannot take refunds`);
  const refundItems = yield* all<{ id: number; billId: number; openMinor: number }>(
    openRefundItemsQuery(account.id, r.billNo ?? ''),
  );
  let left = r.accountAmountMinor;
  const closed: { id: number; billId: number; amountMinor: number }[] = [];
  for (const it of refundItems) {
    if (left === 0) break;
    const take = Math.min(left, it.openMinor);
    closed.push({ id: it.id, billId: it.billId, amountMinor: take });
    left -= take;
  }
  const itemsClosedMinor = r.accountAmountMinor - left;
  const creditUsedMinor = left;
  const payments = creditUsedMinor > 0 ? yield* all<CreditPaymentRow>(creditPaymentsQuery(account.id)) : [];
  const available = payments.reduce((s, p) => s + p.unallocatedMinor, 0);
  if (creditUsedMinor > available)
    throw conflict(
      'refund-exceeds-credit',
      `account ${account.accountNo} no longer holds enough refund items and credit for this refund; validate again`,
    );

  const lines: JournalLine[] = [
    { gl: 'AR', accountId: account.id, amountMinor: r.accountAmountMinor, currency: account.currency },
    { gl: 'CASH', accountId: null, amountMinor: -r.amountMinor, currency: r.currency },
  ];
  if (r.currency !== account.currency) {
    lines.push({ gl: 'FX', accountId: null, amountMinor: r.amountMinor, currency: r.currency });
    lines.push({ gl: 'FX', accountId: null, amountMinor: -r.accountAmountMinor, currency: account.currency });
  }
  const posting = {
    kind: 'refund',
    at,
    effectiveDate: r.effectiveDate,
    idemKey: `refund:${r.sourceKey}`,
    auditId,
    reasonCode: r.reasonCode,
    lines,
  };
  const journalId = yield* call(
    (db) => postJournal(db, posting),
    (tx) => postJournalIn(tx, posting),
  );
  crashPoint();

  for (const c of closed) {
    yield* run(refundItemCloseQuery(c.id, c.amountMinor));
    yield* run(refundBillDueQuery(c.billId, c.amountMinor));
  }

  let refundBillId: number | null = null;
  if (creditUsedMinor > 0) {
    const unit = yield* get<{ id: number }>(refundBillUnitQuery(account.id));
    if (!unit)
      throw conflict('refund-bill-unit', `account ${account.accountNo} has no bill unit to carry the refund`);
    const glId =
      (yield* get<ReasonCodeRecord>(reasonCodeQuery(REASON_DOMAIN.refund, r.reasonCode)))?.glId ?? 0;
    refundBillId = (yield* get<{ id: number }>(
      refundBillInsertQuery({
        billNo: `RF-${r.sourceKey}`,
        billUnitId: unit.id,
        accountId: account.id,
        date: r.effectiveDate,
        currency: account.currency,
        amountMinor: creditUsedMinor,
      }),
    ))!.id;
    const itemId = (yield* get<{ id: number }>(
      refundItemInsertQuery({
        itemNo: `RF-${r.sourceKey}`,
        billId: refundBillId,
        accountId: account.id,
        amountMinor: creditUsedMinor,
        glId,
      }),
    ))!.id;
    let need = creditUsedMinor;
    const decided: DecidedAllocation[] = [];
    for (const p of payments) {
      if (need === 0) break;
      const take = Math.min(need, p.unallocatedMinor);
      decided.push({
        paymentId: p.id,
        accountId: account.id,
        ratePpm: p.ratePpm,
        lines: [{ itemId, billId: refundBillId, amountMinor: take }],
      });
      need -= take;
    }
    yield* call(
      (db) => {
        writeAllocations(db, decided, at, operatorId);
        return null;
      },
      async (tx) => {
        for (const a of decided)
          await applyItemLinesIn(
            tx,
            { id: a.paymentId, accountId: a.accountId, ratePpm: a.ratePpm },
            a.lines,
            at,
            operatorId,
          );
        return null;
      },
    );
  }

  const refundId = (yield* get<{ id: number }>(
    refundInsertQuery({
      sourceKey: r.sourceKey,
      batchId: r.batchId,
      accountId: account.id,
      payType: r.payType,
      channelId: r.channelId,
      reasonCode: r.reasonCode,
      amountMinor: r.amountMinor,
      currency: r.currency,
      accountAmountMinor: r.accountAmountMinor,
      ratePpm: r.ratePpm,
      effectiveDate: r.effectiveDate,
      externalRef: r.externalRef,
      payeeName: r.payeeName,
      itemsClosedMinor,
      creditUsedMinor,
      refundBillId,
      journalId,
      createdAt: at,
      operatorId,
    }),
  ))!.id;
  for (const c of closed) yield* run(refundItemLineInsertQuery(refundId, c.id, c.amountMinor));
  crashPoint();
  return { refundId, itemsClosedMinor, creditUsedMinor };
}

/** postRefundSteps through the driver, inside the caller's driver transaction. */
export function postRefund(
  db: Database.Database,
  r: RefundToPost,
  at: string,
  operatorId: number | null,
  auditId: number,
): PostedRefund {
  return stepsOnDriver(db, postRefundSteps(r, at, operatorId, auditId));
}

/** postRefundSteps in the caller's serializable port transaction (SQLite or PostgreSQL). */
export function postRefundIn(
  tx: Tx,
  r: RefundToPost,
  at: string,
  operatorId: number | null,
  auditId: number,
): Promise<PostedRefund> {
  return stepsIn(tx, postRefundSteps(r, at, operatorId, auditId));
}
