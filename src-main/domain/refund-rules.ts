import { formatMinor, type Minor } from '../../src-shared/money';
import type { EntryVerdict } from './batch-rules';

/** What a refund entry needs to know about its account (amounts in the account's currency). */
export type RefundAccountFacts = {
  id: number;
  accountNo: string;
  currency: string;
  exponent: number;
  /** Open refund items: the credit the billing system set aside to be paid back (positive). */
  refundItemsMinor: Minor;
  /** Unallocated payment credit on the account (positive). */
  creditMinor: Minor;
  /** A refund paid from credit needs a bill unit to carry its refund item. */
  hasBillUnit: boolean;
};

/** One refund entry to validate. */
export type RefundEntryInput = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: Minor | null;
  rowProblem: { column: string; reason: string } | null;
  /** The refund reason typed on the entry (custom column `reasonCode`), or null for the default. */
  reasonText: string | null;
};

/** Lookups refund validation needs, provided by the service from the ledger. */
export type RefundLookups = {
  accountByNo: (accountNo: string) => RefundAccountFacts | undefined;
  accountByBillNo: (billNo: string) => RefundAccountFacts | undefined;
  /** Converts the entry amount into the account currency, or null when no rate exists. */
  convert: (amountMinor: Minor, toCurrency: string) => { amountMinor: Minor; ratePpm: number } | null;
  /** True when the code is an active refund reason (reason domain 18). */
  isRefundReason: (code: number) => boolean;
};

function verdict(id: number, extra: Partial<EntryVerdict>): EntryVerdict {
  return {
    id,
    status: 'invalid',
    reasonCode: null,
    problem: null,
    problemColumn: null,
    accountId: null,
    accountAmountMinor: null,
    ratePpm: 1_000_000,
    lines: [],
    ...extra,
  };
}

/**
 * Validates the entries of a refund batch (V1, V4, and "the account must hold an open refund item or credit to
 * refund"): each refund is paid first from the account's open refund items, then from its unallocated payment
 * credit; later entries of the same account see what earlier ones took. Refund entries are never suspended
 * (suspended payments are not refundable, V10), so every problem makes the entry invalid.
 */
export function validateRefundEntries(
  entries: readonly RefundEntryInput[],
  lookups: RefundLookups,
  settings: { allowAccountDup: boolean; defaultReason: number },
): EntryVerdict[] {
  const left = new Map<number, { items: Minor; credit: Minor }>();
  const seen = new Set<number>();
  return entries.map((e): EntryVerdict => {
    if (e.rowProblem)
      return verdict(e.id, { problem: e.rowProblem.reason, problemColumn: e.rowProblem.column });
    if (e.amountMinor === null)
      return verdict(e.id, { problem: 'amount is required (V1)', problemColumn: 'amount' });
    if (e.amountMinor <= 0)
      return verdict(e.id, { problem: 'a refund amount must be positive', problemColumn: 'amount' });
    if (!e.accountNo && !e.billNo)
      return verdict(e.id, {
        problem: 'an account number or a bill number is required (V1)',
        problemColumn: 'accountNo',
      });
    let reasonCode = settings.defaultReason;
    if (e.reasonText !== null && e.reasonText.trim() !== '') {
      const t = e.reasonText.trim();
      if (!/^\d{1,9}$/.test(t))
        return verdict(e.id, { problem: `reason "${t}" is not a reason code`, problemColumn: 'reasonCode' });
      reasonCode = Number(t);
    }
    if (!lookups.isRefundReason(reasonCode))
      return verdict(e.id, {
        problem: `reason code ${reasonCode} is not an active refund reason (reason domain 18)`,
        problemColumn: 'reasonCode',
      });
    const byAccount = e.accountNo ? lookups.accountByNo(e.accountNo) : undefined;
    const byBill = e.billNo ? lookups.accountByBillNo(e.billNo) : undefined;
    if (e.accountNo && !byAccount)
      return verdict(e.id, { problem: `account ${e.accountNo} not found`, problemColumn: 'accountNo' });
    if (!e.accountNo && !byBill)
      return verdict(e.id, { problem: `bill ${e.billNo} not found`, problemColumn: 'billNo' });
    if (byAccount && byBill && byAccount.id !== byBill.id)
      return verdict(e.id, {
        problem: `bill ${e.billNo} belongs to account ${byBill.accountNo}, not ${e.accountNo}`,
        problemColumn: 'accountNo',
      });
    const account = (byAccount ?? byBill) as RefundAccountFacts;
    if (seen.has(account.id) && !settings.allowAccountDup)
      return verdict(e.id, {
        problem: `account ${account.accountNo} appears more than once in this batch (V4)`,
        problemColumn: 'accountNo',
      });
    seen.add(account.id);
    const converted = lookups.convert(e.amountMinor, account.currency);
    if (!converted)
      return verdict(e.id, {
        problem: `no exchange rate into ${account.currency}`,
        problemColumn: 'amount',
        accountId: account.id,
      });
    const pool = left.get(account.id) ?? { items: account.refundItemsMinor, credit: account.creditMinor };
    const fmt = (m: Minor): string => `${formatMinor(m, account.exponent)} ${account.currency}`;
    if (converted.amountMinor > pool.items + pool.credit) {
      return verdict(e.id, {
        problem:
          account.refundItemsMinor + account.creditMinor === 0
            ? `account ${account.accountNo} holds no open refund item or credit to refund`
            : `account ${account.accountNo} holds only ${fmt(pool.items + pool.credit)} to refund${left.has(account.id) ? ' after the earlier entries of this batch' : ''} (refund items ${fmt(pool.items)}, unallocated credit ${fmt(pool.credit)})`,
        problemColumn: 'amount',
        accountId: account.id,
      });
    }
    const fromItems = Math.min(pool.items, converted.amountMinor);
    const fromCredit = converted.amountMinor - fromItems;
    if (fromCredit > 0 && !account.hasBillUnit)
      return verdict(e.id, {
        problem: `account ${account.accountNo} has no bill unit to carry the refund of its credit`,
        problemColumn: 'accountNo',
        accountId: account.id,
      });
    left.set(account.id, { items: pool.items - fromItems, credit: pool.credit - fromCredit });
    return verdict(e.id, {
      status: 'valid',
      reasonCode,
      accountId: account.id,
      accountAmountMinor: converted.amountMinor,
      ratePpm: converted.ratePpm,
    });
  });
}
