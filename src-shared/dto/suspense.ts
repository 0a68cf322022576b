/** Lifecycle state of a payment that entered suspense (DOMAIN.md §2.10). */
export type SuspenseState =
  'suspended' | 'partial' | 'recycled' | 'distributed' | 'removed' | 'reversed' | 'replaced';

/** States that still hold money in the suspense account. */
export const ACTIVE_SUSPENSE_STATES: readonly SuspenseState[] = ['suspended', 'partial', 'recycled'];

/** Age buckets (days in suspense). */
export const AGE_BUCKETS = ['0-7', '8-30', '31-60', '61-90', '90+'] as const;

/** One age bucket. */
export type AgeBucket = (typeof AGE_BUCKETS)[number];

/** One row of the Payment Center work queue. */
export type SuspenseRowDto = {
  paymentId: number;
  rootId: number;
  state: SuspenseState;
  failed: boolean;
  amountMinor: number;
  currency: string;
  effectiveDate: string;
  enteredOn: string;
  ageDays: number;
  reasonCode: number;
  reasonLabel: string | null;
  actionOwner: number | null;
  ownerLabel: string | null;
  accountHint: string | null;
  billNo: string | null;
  payerName: string | null;
  externalRef: string | null;
  batchId: number | null;
  lockboxNo: string | null;
  channelId: number;
  payType: number;
};

/** A search result page: rows, the next keyset cursor, and (when asked) totals and counts of the whole result. */
export type SuspenseSearchDto = {
  rows: SuspenseRowDto[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
  /** Rows matching the filters (-1 when totals were not asked for). */
  total: number;
  totalsByCurrency: { currency: string; count: number; amountMinor: number }[];
  byAge: { bucket: AgeBucket; count: number }[];
  byOwner: { owner: number | null; label: string | null; count: number }[];
  /**
   * False when a contains-text matches too many payments to count in time (a trigram text with more than 10,000
   * index hits, or a one- or two-character text over more than 10,000 payments of the other filters): total and
   * the counts then cover only the payments looked at, so they are lower bounds ("at least").
   */
  totalExact: boolean;
  elapsedMs: number;
};

/** One move in the timeline of a suspense case. */
export type SuspenseEventDto = {
  id: number;
  at: string;
  paymentId: number;
  action: string;
  operator: string | null;
  reasonCode: number | null;
  reasonLabel: string | null;
  amountMinor: number | null;
  currency: string | null;
  detail: Record<string, unknown> | null;
};

/** A payment of the case tree (suspended, distributed, recycled...) with where it sits now. */
export type SuspenseCasePaymentDto = {
  paymentId: number;
  parentPaymentId: number | null;
  kind: string;
  accountNo: string;
  amountMinor: number;
  currency: string;
  status: number;
  reversed: boolean;
  reversalReason: number | null;
  state: SuspenseState | null;
};

/** Everything the work panel shows for one payment. */
export type SuspenseDetailDto = {
  /** The payment asked for, as the case tree shows it. */
  subject: SuspenseCasePaymentDto;
  /** Its work-queue row when it is (or was) in suspense; null for a posted payment. */
  payment: SuspenseRowDto | null;
  rootId: number;
  exponent: number;
  /** True while the payment holds money in suspense (it can be applied, distributed, removed, edited). */
  active: boolean;
  /** What may be done now, with the rule that forbids the rest. */
  allowed: { action: string; ok: boolean; rule: string | null; why: string | null }[];
  tree: SuspenseCasePaymentDto[];
  timeline: SuspenseEventDto[];
};

/** A candidate account (or bill) for a suspended payment, with why it was suggested. */
export type SuspenseCandidateDto = {
  accountNo: string;
  accountName: string;
  accountCurrency: string;
  accountStatus: string;
  billNo: string | null;
  amountDueMinor: number | null;
  dueDate: string | null;
  score: number;
  reasons: string[];
};

/** The matcher's answer. */
export type SuspenseCandidatesDto = {
  /** The suspended payment matched, or null for a batch entry. */
  paymentId: number | null;
  /** What was matched on. */
  hints: {
    accountHint: string | null;
    billNo: string | null;
    payerName: string | null;
    externalRef: string | null;
    amountMinor: number;
    currency: string;
    effectiveDate: string;
    status: string;
  };
  candidates: SuspenseCandidateDto[];
  elapsedMs: number;
};

/** The result of a move: the payments it created and reversed, and the payment that now holds any remainder. */
export type SuspenseMoveDto = {
  action: 'apply' | 'distribute' | 'recycle' | 'remove' | 'reverse' | 'assign' | 'note' | 'change-reason';
  paymentIds: number[];
  /** Payments posted to customer accounts (distributed) with their allocation. */
  posted: {
    paymentId: number;
    accountNo: string;
    billNo: string | null;
    amountMinor: number;
    allocatedMinor: number;
  }[];
  /** New payments in suspense (remainders, recycled payments, replacements). */
  suspended: { paymentId: number; amountMinor: number; currency: string }[];
  /** Payments reversed by the move. */
  reversed: number[];
  journalId: number | null;
};

/** A saved search of the current operator. */
export type SuspenseSavedSearchDto = {
  id: number;
  name: string;
  filters: Record<string, unknown>;
  updatedAt: string;
};

/** The columns a Payment Center search can sort by (CLI choices, grid headers and the command's input agree). */
export const SUSPENSE_SORTS = [
  'paymentId',
  'enteredOn',
  'effectiveDate',
  'amountMinor',
  'currency',
  'state',
  'reasonCode',
  'actionOwner',
  'accountHint',
  'billNo',
  'payerName',
  'externalRef',
  'batchId',
  'lockboxNo',
  'channelId',
  'payType',
] as const;
