import type { EntryStatusDto } from '../../src-shared/dto/batches';
import type { Minor } from '../../src-shared/money';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { SUSPENSE_REASON } from '../../src-shared/system-reason-codes';
import {
  planAllocation,
  type AllocTarget,
  type AutoPolicy,
  type OverpaymentPolicy,
  type PlanLine,
  type UnderpaymentPolicy,
} from './allocation';

/** Batch types of Payment Tool. */
export type BatchType = 'payment' | 'refund' | 'reversal';

/** Entry statuses shown in the grid. */
export type EntryStatus = EntryStatusDto;

const EXTERNAL = [
  PAY_TYPE.cash,
  PAY_TYPE.check,
  PAY_TYPE.wireTransfer,
  PAY_TYPE.paymentOrder,
  PAY_TYPE.postalOrder,
];

/** Pay types each batch type accepts: V10 (no card refund batches) and V9 (reversible types; cash only via suspense). */
export const BATCH_PAY_TYPES: Readonly<Record<BatchType, readonly number[]>> = {
  payment: EXTERNAL,
  refund: EXTERNAL,
  reversal: [
    PAY_TYPE.check,
    PAY_TYPE.creditCard,
    PAY_TYPE.directDebit,
    // Bank-debited payments of both direct-debit types come back in return batches.
    PAY_TYPE.sepa,
    PAY_TYPE.paymentOrder,
    PAY_TYPE.postalOrder,
    PAY_TYPE.wireTransfer,
  ],
};

/** Default suspense reason codes (domain 14, range 2001-3000) the validator assigns. */
export { SUSPENSE_REASON };

/** Descriptions of the default suspense reasons. */
export const SUSPENSE_REASON_TEXT: Readonly<Record<number, string>> = {
  2001: 'Account No not found.',
  2002: 'Bill No not found.',
  2003: 'Account and bill number belong to different accounts.',
  2004: 'Account is closed.',
  2005: 'Currency cannot be converted to the account currency.',
  2006: 'Amount does not match what is open.',
  2007: 'Suspended by hand.',
};

/** Expected vs entered count and amount; submit is blocked while they differ. */
export type ZeroProof = {
  expectedCount: number | null;
  enteredCount: number;
  expectedTotalMinor: Minor | null;
  enteredTotalMinor: Minor;
  balanced: boolean;
};

/** The zero-proof bar: a missing control figure counts as agreeing. */
export function zeroProof(
  control: { count: number | null; totalMinor: Minor | null },
  enteredCount: number,
  enteredTotalMinor: Minor,
): ZeroProof {
  const balanced =
    (control.count === null || control.count === enteredCount) &&
    (control.totalMinor === null || control.totalMinor === enteredTotalMinor);
  return {
    expectedCount: control.count,
    enteredCount,
    expectedTotalMinor: control.totalMinor,
    enteredTotalMinor,
    balanced,
  };
}

/** Validation settings (DOMAIN.md §5). */
export type ValidationSettings = {
  allowAccountDup: boolean;
  noManualAllocation: boolean;
  searchBillAmount: boolean;
  paymentSuspense: boolean;
  policy: AutoPolicy;
  overpayment: OverpaymentPolicy;
  underpayment: UnderpaymentPolicy;
};

/** A resolved account as validation needs it. */
export type AccountFacts = {
  id: number;
  accountNo: string;
  status: 'active' | 'inactive' | 'closed';
  currency: string;
  payingBillUnits: number;
  targets: AllocTarget[];
};

/** One payment or refund entry to validate. */
export type PaymentEntryInput = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: Minor | null;
  /** Problems of the entry's own values, found when it was keyed or imported (every one, in column order). */
  rowProblems: readonly EntryProblem[];
  manualSuspend: { reasonCode: number } | null;
  manualAllocation: { targetId: number; amountMinor: Minor }[] | null;
};

/**
 * One problem of an entry: its column (null for the entry as a whole), why, and the suspense reason code when it
 * would suspend the entry. `row` marks a problem of a value as keyed or imported: it stays with the entry until
 * the value changes, while rule problems are found afresh by every validation.
 */
export type EntryProblem = { column: string | null; reason: string; code?: number; row?: boolean };

/** The verdict on one entry. */
export type EntryVerdict = {
  id: number;
  status: EntryStatus;
  reasonCode: number | null;
  problem: string | null;
  problemColumn: string | null;
  /** Every problem (the first is `problem`/`problemColumn`); absent when the verdict has at most the one. */
  problems?: EntryProblem[];
  accountId: number | null;
  accountAmountMinor: Minor | null;
  ratePpm: number;
  lines: PlanLine[];
  /** The earlier entry (and its payment, once posted) with the same fingerprint, when there is one. */
  duplicateOf?: { entryId: number; paymentId: number | null } | null;
};

/** Every problem of a verdict: its list, with the headline problem first when a later rule replaced it. */
export function verdictProblems(v: EntryVerdict): EntryProblem[] {
  // A valid entry's message (credit left on the account) is a note, not a problem.
  if (v.status === 'valid' || v.status === 'allocation_suggested' || v.status === 'posted') return [];
  const list = [...(v.problems ?? [])];
  if (v.problem !== null && !list.some((p) => p.reason === v.problem && p.column === v.problemColumn)) {
    list.unshift({
      column: v.problemColumn,
      reason: v.problem,
      ...(v.reasonCode !== null && v.status === 'to_be_suspended' ? { code: v.reasonCode } : {}),
    });
  }
  return list;
}

/** The verdict fields for a list of problems: the first one is the headline. */
function withProblems(problems: EntryProblem[]): Partial<EntryVerdict> {
  const head = problems[0];
  return { problem: head?.reason ?? null, problemColumn: head?.column ?? null, problems };
}

/** Lookups the validator needs, provided by the service from the ledger. */
export type ValidationLookups = {
  accountByNo: (accountNo: string) => AccountFacts | undefined;
  accountByBillNo: (billNo: string) => AccountFacts | undefined;
  /** Converts the entry amount into the account currency, or null when no rate exists. */
  convert: (amountMinor: Minor, toCurrency: string) => { amountMinor: Minor; ratePpm: number } | null;
};

function verdict(id: number, status: EntryStatus, extra: Partial<EntryVerdict> = {}): EntryVerdict {
  return {
    id,
    status,
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
 * Validates the payment entries of one batch (rules V1, V4-V8 and the suspense rules): resolves each entry's
 * account by account number, else by bill number; plans its allocation; and marks entries that cannot post
 * but carry enough to keep as "to be suspended" (when payment suspense is on) with a reason code.
 */
export function validatePaymentEntries(
  entries: readonly PaymentEntryInput[],
  lookups: ValidationLookups,
  settings: ValidationSettings,
): EntryVerdict[] {
  const suspendOr = (
    e: PaymentEntryInput,
    reasonCode: number,
    problem: string,
    column: string,
  ): EntryVerdict =>
    settings.paymentSuspense
      ? verdict(e.id, 'to_be_suspended', { reasonCode, problem, problemColumn: column })
      : verdict(e.id, 'invalid', { problem, problemColumn: column });

  // Every problem of an entry is collected, so a clerk fixes them in one pass: first the entry's own values
  // (row problems, amount, V1), then whether its account and bill exist and agree.
  const first: { e: PaymentEntryInput; account?: AccountFacts; early?: EntryVerdict }[] = entries.map((e) => {
    const problems: EntryProblem[] = [...e.rowProblems];
    const on = (column: string) => problems.some((p) => p.column === column);
    if (!on('amount')) {
      if (e.amountMinor === null) problems.push({ column: 'amount', reason: 'amount is required (V1)' });
      else if (e.amountMinor <= 0) problems.push({ column: 'amount', reason: 'amount must be positive' });
    }
    if (!e.accountNo && !e.billNo && !on('accountNo') && !on('billNo'))
      problems.push({ column: 'accountNo', reason: 'an account number or a bill number is required (V1)' });
    const byAccount = e.accountNo ? lookups.accountByNo(e.accountNo) : undefined;
    const byBill = e.billNo ? lookups.accountByBillNo(e.billNo) : undefined;
    // A typed account number is what the payer wrote: one that does not exist, or is not the bill's account,
    // is a problem on the account cell, never silently replaced by the bill's account.
    const unresolved: EntryProblem[] = [];
    if (e.accountNo && !byAccount) {
      unresolved.push({
        column: 'accountNo',
        reason: byBill
          ? `account ${e.accountNo} not found (bill ${e.billNo} belongs to account ${byBill.accountNo})`
          : `account ${e.accountNo} not found`,
        code: SUSPENSE_REASON.accountNotFound,
      });
    } else if (!e.accountNo && e.billNo && !byBill) {
      unresolved.push({
        column: 'billNo',
        reason: `bill ${e.billNo} not found`,
        code: SUSPENSE_REASON.billNotFound,
      });
    } else if (byAccount && byBill && byAccount.id !== byBill.id) {
      unresolved.push({
        column: 'accountNo',
        reason: `bill ${e.billNo} belongs to account ${byBill.accountNo}, not ${e.accountNo}`,
        code: SUSPENSE_REASON.accountBillMismatch,
      });
    }
    if (problems.length > 0)
      return { e, early: verdict(e.id, 'invalid', withProblems([...problems, ...unresolved])) };
    if (e.manualSuspend) {
      return {
        e,
        early: verdict(e.id, 'to_be_suspended', {
          reasonCode: e.manualSuspend.reasonCode,
          problem: 'suspended by hand',
        }),
      };
    }
    const head = unresolved[0];
    if (head) {
      const early = settings.paymentSuspense
        ? verdict(e.id, 'to_be_suspended', { reasonCode: head.code ?? null, ...withProblems(unresolved) })
        : verdict(e.id, 'invalid', withProblems(unresolved.map(({ code: _code, ...p }) => p)));
      return { e, early };
    }
    return { e, account: byAccount ?? byBill };
  });

  // V4: the same account twice in one batch is an error unless ALLOWACCOUNTDUP; V5: several entries for one bill.
  const seenAccounts = new Map<number, number>();
  const billCounts = new Map<string, number>();
  for (const f of first) {
    if (f.early || !f.account) continue;
    seenAccounts.set(f.account.id, (seenAccounts.get(f.account.id) ?? 0) + 1);
    if (f.e.billNo)
      billCounts.set(f.e.billNo.toUpperCase(), (billCounts.get(f.e.billNo.toUpperCase()) ?? 0) + 1);
  }
  const firstOfAccount = new Set<number>();
  // Running open amounts per account, so later entries of the same account see what earlier ones took; the
  // targets by id are built once per account, not once per entry (a batch can hold a million entries).
  const running = new Map<number, { targets: AllocTarget[]; byId: Map<number, AllocTarget> }>();
  const take = (
    byId: Map<number, AllocTarget>,
    lines: readonly { targetId: number; amountMinor: number }[],
  ) => {
    for (const l of lines) (byId.get(l.targetId) as AllocTarget).openMinor -= l.amountMinor;
  };

  return first.map(({ e, account, early }) => {
    if (early) return early;
    if (!account)
      return verdict(e.id, 'invalid', { problem: 'account not resolved', problemColumn: 'accountNo' });
    if (account.status === 'closed')
      return suspendOr(
        e,
        SUSPENSE_REASON.accountClosed,
        `account ${account.accountNo} is closed`,
        'accountNo',
      );
    const duplicate = firstOfAccount.has(account.id);
    firstOfAccount.add(account.id);
    if (duplicate && !settings.allowAccountDup) {
      return verdict(e.id, 'invalid', {
        accountId: account.id,
        problem: `account ${account.accountNo} appears more than once in this batch (ALLOWACCOUNTDUP is off, V4)`,
        problemColumn: 'accountNo',
      });
    }
    const converted = lookups.convert(e.amountMinor as number, account.currency);
    if (!converted) {
      return suspendOr(
        e,
        SUSPENSE_REASON.currencyMismatch,
        `no exchange rate into ${account.currency}`,
        'amount',
      );
    }
    const base = {
      accountId: account.id,
      accountAmountMinor: converted.amountMinor,
      ratePpm: converted.ratePpm,
    };
    let run = running.get(account.id);
    if (!run) {
      const copies = account.targets.map((t) => ({ ...t }));
      run = { targets: copies, byId: new Map(copies.map((t) => [t.id, t])) };
      running.set(account.id, run);
    }
    const { targets, byId } = run;
    if (e.manualAllocation) {
      const total = e.manualAllocation.reduce((s, l) => s + l.amountMinor, 0);
      const bad = e.manualAllocation.find(
        (l) =>
          l.amountMinor <= 0 ||
          !byId.get(l.targetId)?.payable ||
          l.amountMinor > (byId.get(l.targetId)?.openMinor ?? 0),
      );
      if (bad || total > converted.amountMinor) {
        return verdict(e.id, 'allocation_required', {
          ...base,
          problem: 'the manual allocation no longer fits the open items; allocate again',
        });
      }
      take(byId, e.manualAllocation);
      return verdict(e.id, 'valid', {
        ...base,
        lines: e.manualAllocation.map((l) => ({
          targetId: l.targetId,
          billId: byId.get(l.targetId)?.billId ?? 0,
          amountMinor: l.amountMinor,
        })),
      });
    }
    if (e.billNo && (billCounts.get(e.billNo.toUpperCase()) ?? 0) > 1 && !settings.noManualAllocation) {
      return verdict(e.id, 'allocation_required', {
        ...base,
        problem: `several entries pay bill ${e.billNo}: allocate by hand (V5)`,
      });
    }
    if (!e.billNo && account.payingBillUnits > 1 && !settings.paymentSuspense) {
      return verdict(e.id, 'allocation_required', {
        ...base,
        problem:
          'account-level payment to an account with several bill units needs payment suspense on, or manual allocation (V8)',
      });
    }
    const plan = planAllocation({
      amountMinor: converted.amountMinor,
      targets,
      policy: settings.policy,
      billNoHint: e.billNo,
      searchBillAmount: settings.searchBillAmount,
      overpayment: settings.overpayment,
      underpayment: settings.underpayment,
    });
    switch (plan.outcome) {
      case 'refused':
        return verdict(e.id, 'invalid', { ...base, problem: plan.reason, problemColumn: 'amount' });
      case 'suspend':
        return suspendOr(e, SUSPENSE_REASON.amountMismatch, plan.reason, 'amount');
      case 'required':
        return verdict(e.id, 'allocation_required', { ...base, problem: plan.reason, lines: plan.lines });
      default: {
        take(byId, plan.lines);
        const exact = plan.matchedBy === 'bill-number' || plan.matchedBy === 'bill-amount';
        const billsTouched = new Set(plan.lines.map((l) => l.billId)).size;
        const status: EntryStatus = exact || billsTouched <= 1 ? 'valid' : 'allocation_suggested';
        return verdict(e.id, status, {
          ...base,
          lines: plan.lines,
          problem: plan.outcome === 'credit' ? plan.reason : null,
        });
      }
    }
  });
}
