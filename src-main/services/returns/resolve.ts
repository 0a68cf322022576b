import type { SQL } from 'drizzle-orm';
import {
  paymentsByExternalRefQuery,
  returnItemBatchQuery,
  returnItemBillQuery,
  returnItemByE2eQuery,
  returnItemByTraceQuery,
  returnItemOfPaymentQuery,
  returnItemsOfBlockQuery,
  returnItemsOfMessageQuery,
  returnKeyTakenQuery,
  returnPaymentQuery,
  type ReturnFileItemRow as FileItemRow,
  type ReturnPaymentRow as PaymentRow,
} from '../../../db/repos/returns';
import type { Tx } from '../../../db/storage/port';
import type { ReturnLineDto } from '../../../src-shared/dto/returns';
import { formatMinor } from '../../../src-shared/money';
import type { BankReturnItem, ParsedReturns } from '../../bankfiles/types';
import { BATCH_PAY_TYPES } from '../../domain/batch-rules';
import { exponentOfIn } from '../../ledger/rates';
import { rejectionRuleIn, type DeclineRule } from '../processors/declines';

/** A return line with what posting it needs (the account behind the payment). */
export type ResolvedLine = ReturnLineDto & { accountId: number | null };

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
export async function resolveReturns(tx: Tx, parsed: ParsedReturns): Promise<ResolvedLine[]> {
  // One file names few codes and currencies, each read once.
  const rules = new Map<string, DeclineRule>();
  const ruleOf = async (code: string): Promise<DeclineRule> => {
    let rule = rules.get(code);
    if (!rule) rules.set(code, (rule = await rejectionRuleIn(tx, code)));
    return rule;
  };
  const exponents = new Map<string, number>();
  const exponentOf = async (currency: string): Promise<number> => {
    let e = exponents.get(currency);
    if (e === undefined) exponents.set(currency, (e = await exponentOfIn(tx, currency)));
    return e;
  };
  const itemOf = (query: SQL) => tx.get<FileItemRow>(query);
  const payment = (id: number) => tx.get<PaymentRow>(returnPaymentQuery(id));
  const out: ResolvedLine[] = [];
  const seenKeys = new Set<string>();
  const seenPayments = new Set<number>();
  const push = async (
    item: BankReturnItem,
    fields: Partial<ResolvedLine>,
    reason: string | null,
  ): Promise<void> => {
    const rule = await ruleOf(item.code);
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
    if (line.reason === null) line.reason = await finalCheck(line);
    line.matched = line.reason === null;
    out.push(line);
  };
  const money = async (minor: number, currency: string): Promise<string> =>
    `${formatMinor(minor, await exponentOf(currency))} ${currency}`;
  // Checks that apply whichever way the payment was found.
  const finalCheck = async (line: ResolvedLine): Promise<string | null> => {
    if (line.paymentId === null) return 'no payment was posted for this debit';
    const p = await payment(line.paymentId);
    if (!p) return `payment ${line.paymentId} not found`;
    line.accountNo = p.accountNo;
    line.accountId = p.accountId;
    line.payType = p.payType;
    line.billNo = line.billNo ?? p.billNo;
    if (line.currency !== null && line.currency !== p.currency)
      return `currency ${line.currency} differs from the payment's ${p.currency}`;
    if (line.amountMinor !== null && line.amountMinor !== p.amountMinor)
      return `amount ${await money(line.amountMinor, p.currency)} differs from the payment's ${await money(p.amountMinor, p.currency)}`;
    line.amountMinor = p.amountMinor;
    line.currency = p.currency;
    if (line.returnKey !== null) {
      const taken = await tx.get<{ batchId: number }>(returnKeyTakenQuery(line.returnKey));
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
  const fromItem = async (item: BankReturnItem, row: FileItemRow, group: boolean): Promise<void> => {
    const fields: Partial<ResolvedLine> = {
      fileItemId: row.id,
      paymentId: row.paymentId,
      billNo: (await tx.get<{ billNo: string }>(returnItemBillQuery(row.id)))?.billNo ?? null,
      returnKey: row.traceNumber
        ? `trace:${row.traceNumber}:${item.code}`
        : `e2e:${row.endToEndId}:${item.code}`,
      // A group-level reject names no amount of its own: each debit it covers is returned in full.
      ...(group ? { amountMinor: null, currency: null, reference: row.endToEndId } : {}),
    };
    if (row.status === 'returned') {
      const taken = await tx.get<{ b: number | null }>(returnItemBatchQuery(row.id));
      await push(item, fields, `already returned (return batch ${taken?.b ?? '?'})`);
      return;
    }
    if (row.status === 'cancelled') {
      await push(item, fields, 'the debit was cancelled with its file and never collected');
      return;
    }
    if (!group && item.currency !== null && item.currency !== row.currency) {
      await push(item, fields, `currency ${item.currency} differs from the debit's ${row.currency}`);
      return;
    }
    if (!group && item.amountMinor !== null && item.amountMinor !== row.amountMinor) {
      await push(
        item,
        fields,
        `amount ${await money(item.amountMinor, row.currency)} differs from the debit's ${await money(row.amountMinor, row.currency)}`,
      );
      return;
    }
    await push(item, fields, null);
  };
  for (const item of parsed.items) {
    const r = item.ref;
    if (
      item.kind === 'bounced' ||
      (r.endToEndId === undefined && r.traceNumber === undefined && r.instructionId !== undefined)
    ) {
      await resolveByReference(item);
      continue;
    }
    if (r.endToEndId !== undefined || r.traceNumber !== undefined) {
      const row =
        (r.endToEndId !== undefined ? await itemOf(returnItemByE2eQuery(r.endToEndId)) : undefined) ??
        (r.traceNumber !== undefined ? await itemOf(returnItemByTraceQuery(r.traceNumber)) : undefined);
      if (!row) {
        await push(
          item,
          {},
          `no debit Paydesk sent has ${r.endToEndId !== undefined ? `end-to-end id ${r.endToEndId}` : `trace number ${r.traceNumber}`}`,
        );
        continue;
      }
      await fromItem(item, row, false);
      continue;
    }
    if (r.paymentInfoId !== undefined || r.messageId !== undefined) {
      const rows = await tx.all<FileItemRow>(
        r.paymentInfoId !== undefined
          ? returnItemsOfBlockQuery(r.paymentInfoId, r.messageId ?? null)
          : returnItemsOfMessageQuery(r.messageId as string),
      );
      if (rows.length === 0) {
        await push(
          item,
          {},
          r.paymentInfoId !== undefined
            ? `no live debit of payment information block ${r.paymentInfoId}${r.messageId ? ` in message ${r.messageId}` : ''}`
            : `no live debit of message ${r.messageId}`,
        );
        continue;
      }
      for (const row of rows) await fromItem(item, row, true);
      continue;
    }
    await push(item, {}, 'the return names no end-to-end id, trace number, message or payment reference');
  }
  return out;

  /** A rejection-file line or a bounced check: the reference is a debit's end-to-end id or trace, a payment id or its external reference. */
  async function resolveByReference(item: BankReturnItem): Promise<void> {
    const ref = (item.ref.instructionId ?? item.ref.endToEndId ?? '').trim();
    const row = (await itemOf(returnItemByE2eQuery(ref))) ?? (await itemOf(returnItemByTraceQuery(ref)));
    if (row && item.kind !== 'bounced') {
      await fromItem(item, row, false);
      return;
    }
    let paymentId: number | null = null;
    const m = /^P?(\d{1,15})$/i.exec(ref);
    if (m && (await payment(Number(m[1])))) paymentId = Number(m[1]);
    else {
      const found = await tx.all<{ id: number }>(paymentsByExternalRefQuery(ref));
      if (found.length > 1) {
        await push(item, {}, `reference ${ref} names more than one payment; use the payment id`);
        return;
      }
      paymentId = found[0]?.id ?? null;
    }
    if (paymentId === null) {
      await push(item, {}, `no debit or payment has reference ${ref}`);
      return;
    }
    // A payment that went out in a bank file is returned as that debit (same key whatever the format).
    const sent = await itemOf(returnItemOfPaymentQuery(paymentId));
    if (sent && item.kind !== 'bounced') {
      await fromItem(item, sent, false);
      return;
    }
    await push(item, { paymentId, returnKey: `payment:${paymentId}:${item.kind}:${item.code}` }, null);
  }
}
