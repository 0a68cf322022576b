import type Database from 'better-sqlite3';
import type { ReturnLineDto } from '../../../src-shared/dto/returns';
import { formatMinor } from '../../../src-shared/money';
import type { BankReturnItem, ParsedReturns } from '../../bankfiles/types';
import { BATCH_PAY_TYPES } from '../../domain/batch-rules';
import { exponentOf } from '../../ledger/rates';
import { rejectionRule } from '../processors/declines';

/** A return line with what posting it needs (the account behind the payment). */
export type ResolvedLine = ReturnLineDto & { accountId: number | null };

type FileItemRow = {
  id: number;
  endToEndId: string;
  traceNumber: string | null;
  paymentInfoId: string | null;
  messageId: string;
  paymentId: number | null;
  status: 'sent' | 'returned' | 'cancelled';
  amountMinor: number;
  currency: string;
  accountId: number;
};

type PaymentRow = {
  id: number;
  kind: string;
  accountId: number;
  accountNo: string;
  payType: number;
  amountMinor: number;
  currency: string;
  billNo: string | null;
  reversed: number;
};

const ITEM_SQL = `SELECT i.id, i.end_to_end_id AS endToEndId, i.trace_number AS traceNumber, i.payment_info_id AS paymentInfoId,
  f.message_id AS messageId, i.payment_id AS paymentId, i.status, i.amount_minor AS amountMinor, i.currency, i.account_id AS accountId
  FROM bank_file_items i JOIN bank_files_out f ON f.id = i.file_id`;

/** What the bank echoed, as one readable reference. */
function referenceOf(item: BankReturnItem): string {
  const r = item.ref;
  return (
    r.endToEndId ??
    r.traceNumber ??
    r.instructionId ??
    (r.paymentInfoId ? `PmtInf ${r.paymentInfoId}` : undefined) ??
    (r.messageId ? `message ${r.messageId}` : undefined) ??
    ''
  );
}

/**
 * Resolves every return of a parsed file against the ledger, without writing: each item to the outgoing debit
 * it names (end-to-end id, trace number; a group- or PmtInf-level reject to every live debit of that message
 * or block) and its payment, or — for a bounced check or a rejection-file line — to a payment by its id or
 * reference. A line is matched only when its payment can be reversed now: unmatched lines say why.
 */
export function resolveReturns(db: Database.Database, parsed: ParsedReturns): ResolvedLine[] {
  const byE2e = db.prepare(`${ITEM_SQL} WHERE i.end_to_end_id = ?`);
  const byTrace = db.prepare(`${ITEM_SQL} WHERE i.trace_number = ? ORDER BY i.id DESC LIMIT 1`);
  const byMessage = db.prepare(
    `${ITEM_SQL} WHERE f.message_id = ? AND i.status = 'sent' ORDER BY i.file_id, i.seq`,
  );
  const byPmtInf = db.prepare(
    `${ITEM_SQL} WHERE i.payment_info_id = ? AND (? IS NULL OR f.message_id = ?) AND i.status = 'sent' ORDER BY i.file_id, i.seq`,
  );
  const payment = db.prepare(
    `SELECT p.id, p.kind, p.account_id AS accountId, a.account_no AS accountNo, p.pay_type AS payType, p.amount_minor AS amountMinor,
            p.currency, p.bill_no AS billNo, EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed
     FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?`,
  );
  const paymentByRef = db.prepare(
    `SELECT id FROM payments WHERE external_ref = ? AND kind = 'original' ORDER BY id DESC LIMIT 2`,
  );
  const keyTaken = db.prepare(`SELECT batch_id AS batchId FROM bank_returns WHERE return_key = ?`);
  const billOf = db.prepare(
    `SELECT bill_no AS billNo FROM bills WHERE id = (SELECT bill_id FROM bank_file_items WHERE id = ?)`,
  );
  const out: ResolvedLine[] = [];
  const seenKeys = new Set<string>();
  const seenPayments = new Set<number>();
  const push = (item: BankReturnItem, fields: Partial<ResolvedLine>, reason: string | null): void => {
    const rule = rejectionRule(db, item.code);
    const line: ResolvedLine = {
      n: out.length + 1,
      line: item.line ?? null,
      path: item.path ?? null,
      reference: referenceOf(item),
      kind: item.kind,
      bankCode: item.code,
      bankText: item.text ?? null,
      rejectionCode: rule.rejectionCode,
      declineClass: rule.klass === 'soft' ? 'soft' : 'hard',
      amountMinor: item.amountMinor,
      currency: item.currency,
      accountNo: item.ref.accountNo ?? null,
      paymentId: null,
      fileItemId: null,
      billNo: null,
      payType: null,
      returnKey: null,
      matched: false,
      reason,
      accountId: null,
      ...fields,
    };
    if (line.reason === null) line.reason = finalCheck(line);
    line.matched = line.reason === null;
    out.push(line);
  };
  const money = (minor: number, currency: string): string =>
    `${formatMinor(minor, exponentOf(db, currency))} ${currency}`;
  // Checks that apply whichever way the payment was found.
  const finalCheck = (line: ResolvedLine): string | null => {
    if (line.paymentId === null) return 'no payment was posted for this debit';
    const p = payment.get(line.paymentId) as PaymentRow | undefined;
    if (!p) return `payment ${line.paymentId} not found`;
    line.accountNo = p.accountNo;
    line.accountId = p.accountId;
    line.payType = p.payType;
    line.billNo = line.billNo ?? p.billNo;
    if (line.currency !== null && line.currency !== p.currency)
      return `currency ${line.currency} differs from the payment's ${p.currency}`;
    if (line.amountMinor !== null && line.amountMinor !== p.amountMinor)
      return `amount ${money(line.amountMinor, p.currency)} differs from the payment's ${money(p.amountMinor, p.currency)}`;
    line.amountMinor = p.amountMinor;
    line.currency = p.currency;
    if (line.returnKey !== null) {
      const taken = keyTaken.get(line.returnKey) as { batchId: number } | undefined;
      if (taken) return `already returned (return batch ${taken.batchId})`;
      if (seenKeys.has(line.returnKey)) return 'appears twice in this file';
    }
    if (p.reversed === 1) return `already returned: payment ${p.id} is already reversed`;
    if (seenPayments.has(p.id)) return `payment ${p.id} is returned by an earlier line of this file`;
    if (p.kind !== 'original')
      return `payment ${p.id} is a ${p.kind} payment; reverse it from Payment Center`;
    if (!BATCH_PAY_TYPES.reversal.includes(p.payType))
      return `payment ${p.id} has a pay type that cannot be reversed in a return batch`;
    if (line.returnKey !== null) seenKeys.add(line.returnKey);
    seenPayments.add(p.id);
    return null;
  };
  const fromItem = (item: BankReturnItem, row: FileItemRow, group: boolean): void => {
    const fields: Partial<ResolvedLine> = {
      fileItemId: row.id,
      paymentId: row.paymentId,
      billNo: (billOf.get(row.id) as { billNo: string } | undefined)?.billNo ?? null,
      returnKey: row.traceNumber
        ? `trace:${row.traceNumber}:${item.code}`
        : `e2e:${row.endToEndId}:${item.code}`,
      // A group-level reject names no amount of its own: each debit it covers is returned in full.
      ...(group ? { amountMinor: null, currency: null, reference: row.endToEndId } : {}),
    };
    if (row.status === 'returned') {
      const taken = db
        .prepare('SELECT return_batch_id AS b FROM bank_file_items WHERE id = ?')
        .get(row.id) as { b: number | null };
      push(item, fields, `already returned (return batch ${taken.b ?? '?'})`);
      return;
    }
    if (row.status === 'cancelled') {
      push(item, fields, 'the debit was cancelled with its file and never collected');
      return;
    }
    if (!group && item.currency !== null && item.currency !== row.currency) {
      push(item, fields, `currency ${item.currency} differs from the debit's ${row.currency}`);
      return;
    }
    if (!group && item.amountMinor !== null && item.amountMinor !== row.amountMinor) {
      push(
        item,
        fields,
        `amount ${money(item.amountMinor, row.currency)} differs from the debit's ${money(row.amountMinor, row.currency)}`,
      );
      return;
    }
    push(item, fields, null);
  };
  for (const item of parsed.items) {
    const r = item.ref;
    if (
      item.kind === 'bounced' ||
      (r.endToEndId === undefined && r.traceNumber === undefined && r.instructionId !== undefined)
    ) {
      resolveByReference(item);
      continue;
    }
    if (r.endToEndId !== undefined || r.traceNumber !== undefined) {
      const row =
        (r.endToEndId !== undefined ? byE2e.get(r.endToEndId) : undefined) ??
        (r.traceNumber !== undefined ? byTrace.get(r.traceNumber) : undefined);
      if (!row) {
        push(
          item,
          {},
          `no debit Paydesk sent has ${r.endToEndId !== undefined ? `end-to-end id ${r.endToEndId}` : `trace number ${r.traceNumber}`}`,
        );
        continue;
      }
      fromItem(item, row as FileItemRow, false);
      continue;
    }
    if (r.paymentInfoId !== undefined || r.messageId !== undefined) {
      const rows = (
        r.paymentInfoId !== undefined
          ? byPmtInf.all(r.paymentInfoId, r.messageId ?? null, r.messageId ?? null)
          : byMessage.all(r.messageId)
      ) as FileItemRow[];
      if (rows.length === 0) {
        push(
          item,
          {},
          r.paymentInfoId !== undefined
            ? `no live debit of payment information block ${r.paymentInfoId}${r.messageId ? ` in message ${r.messageId}` : ''}`
            : `no live debit of message ${r.messageId}`,
        );
        continue;
      }
      for (const row of rows) fromItem(item, row, true);
      continue;
    }
    push(item, {}, 'the return names no end-to-end id, trace number, message or payment reference');
  }
  return out;

  /** A rejection-file line or a bounced check: the reference is a debit's end-to-end id or trace, a payment id or its external reference. */
  function resolveByReference(item: BankReturnItem): void {
    const ref = (item.ref.instructionId ?? item.ref.endToEndId ?? '').trim();
    const row = (byE2e.get(ref) ?? byTrace.get(ref)) as FileItemRow | undefined;
    if (row && item.kind !== 'bounced') {
      fromItem(item, row, false);
      return;
    }
    let paymentId: number | null = null;
    const m = /^P?(\d{1,15})$/i.exec(ref);
    if (m && payment.get(Number(m[1]))) paymentId = Number(m[1]);
    else {
      const found = paymentByRef.all(ref) as { id: number }[];
      if (found.length > 1) {
        push(item, {}, `reference ${ref} names more than one payment; use the payment id`);
        return;
      }
      paymentId = found[0]?.id ?? null;
    }
    if (paymentId === null) {
      push(item, {}, `no debit or payment has reference ${ref}`);
      return;
    }
    // A payment that went out in a bank file is returned as that debit (same key whatever the format).
    const sent = db
      .prepare(`${ITEM_SQL} WHERE i.payment_id = ? ORDER BY i.id DESC LIMIT 1`)
      .get(paymentId) as FileItemRow | undefined;
    if (sent && item.kind !== 'bounced') {
      fromItem(item, sent, false);
      return;
    }
    push(item, { paymentId, returnKey: `payment:${paymentId}:${item.kind}:${item.code}` }, null);
  }
}
