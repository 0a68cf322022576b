import type { ConfirmationRefDto } from './confirmations';
import type { Minor } from '../money';
import type { AllocationViewDto } from './allocation';

/** Batch types. */
export type BatchTypeDto = 'payment' | 'refund' | 'reversal';

/**
 * Entry statuses in the order a clerk works through them. `duplicate_suspected` never posts until a supervisor
 * releases it; after submit an entry is `posted` (to its account) or `posted_suspense` (to the suspense account).
 */
export const ENTRY_STATUSES = [
  'new',
  'valid',
  'allocation_suggested',
  'allocation_required',
  'duplicate_suspected',
  'to_be_suspended',
  'invalid',
  'posted',
  'posted_suspense',
] as const;

/** Entry statuses. */
export type EntryStatusDto = (typeof ENTRY_STATUSES)[number];

/** Statuses of an entry that submit has posted (to its account, or to the suspense account): final. */
export const POSTED_ENTRY_STATUSES = ['posted', 'posted_suspense'] as const;

/** True for an entry that submit has posted (to its account or to suspense); such an entry never changes again. */
export function isPostedEntry(status: string): boolean {
  return status === 'posted' || status === 'posted_suspense';
}

/**
 * Expected vs entered figures (the zero-proof bar). The control figures (the deposit slip) are compared with
 * what was entered here plus what moved to exception batches (`accounted...`), so a split batch still proves.
 */
export type ZeroProofDto = {
  expectedCount: number | null;
  /** Entries in this batch. */
  enteredCount: number;
  expectedTotalMinor: Minor | null;
  enteredTotalMinor: Minor;
  /** Entries moved to this batch's exception batches (and theirs), discarded ones left out. */
  movedCount: number;
  movedTotalMinor: Minor;
  /** Entered here plus moved: the figures the control figures must match. */
  accountedCount: number;
  accountedTotalMinor: Minor;
  balanced: boolean;
  /** The setting zeroProof.override: a supervisor may submit differing figures with a reason (domain 19). */
  overrideAllowed: boolean;
  /** Exception batches split off this batch, each with its entries (and those of its own exception batches). */
  exceptionBatches: { id: number; batchNo: string; status: string; count: number; totalMinor: Minor }[];
  /** For an exception batch: the proof of the batch it was split off. */
  parent: {
    id: number;
    batchNo: string;
    expectedCount: number | null;
    expectedTotalMinor: Minor | null;
    accountedCount: number;
    accountedTotalMinor: Minor;
    balanced: boolean;
  } | null;
};

/** A batch header with its live figures. */
export type BatchDto = {
  id: number;
  batchNo: string;
  batchType: BatchTypeDto;
  payType: number;
  currency: string;
  exponent: number;
  channelId: number;
  allocationLevel: 'bill' | 'item';
  status: 'open' | 'validated' | 'submitted' | 'discarded';
  lockboxNo: string | null;
  batchDate: string;
  controlCount: number | null;
  controlTotalMinor: Minor | null;
  note: string | null;
  header: string[];
  footer: string[];
  parentBatchId: number | null;
  sourceFile: string | null;
  templateName: string | null;
  createdAt: string;
  updatedAt: string;
  validatedAt: string | null;
  submittedAt: string | null;
  /** The team server `batch push` submitted this batch on; it is closed here (may only be discarded). */
  pushedTo: string | null;
  zeroProof: ZeroProofDto;
  /** How submit posts (setting payment.batchLock): all or nothing, or entry by entry. */
  lockMode: 'batch' | 'account';
  countsByStatus: Partial<Record<EntryStatusDto, number>>;
  totalsByStatus: Partial<Record<EntryStatusDto, Minor>>;
};

/**
 * One problem of an entry: the column (grid cell) it is on (null when it concerns the whole entry), why, and the
 * suspense reason code when the problem would suspend the entry.
 */
export type EntryProblemDto = { column: string | null; reason: string; code?: number };

/** One batch entry (grid row). */
export type BatchEntryDto = {
  id: number;
  seq: number;
  sourceLine: number | null;
  accountNo: string | null;
  billNo: string | null;
  amountText: string | null;
  amountMinor: Minor | null;
  /** The entry's own currency: as the bank file stated it, else the batch currency. */
  currency: string;
  paymentDate: string | null;
  checkNo: string | null;
  payerName: string | null;
  reference: string | null;
  channelId: number | null;
  paymentRef: number | null;
  custom: Record<string, string>;
  status: EntryStatusDto;
  reasonCode: number | null;
  /** The first problem (kept for older callers); `problems` lists every one. */
  problem: string | null;
  problemColumn: string | null;
  problems: EntryProblemDto[];
  manualSuspend: boolean;
  allocationState: 'none' | 'planned' | 'manual' | 'posted';
  postedPaymentId: number | null;
  /**
   * The payment this entry looks like (same fingerprint): a posted payment (paymentId), or an earlier entry not yet
   * posted (paymentId null). Set by validation; the entry is `duplicate_suspected` unless a supervisor released it.
   */
  duplicateOf: {
    entryId: number;
    batchId: number;
    batchNo: string;
    seq: number;
    paymentId: number | null;
  } | null;
  /** A supervisor's release of a suspected duplicate: reason code (domain 20) and note. */
  duplicateRelease: { reasonCode: number; note: string | null } | null;
};

/** A page of entries for the grid's infinite row model. */
export type BatchEntriesPageDto = { rows: BatchEntryDto[]; total: number; totalAmountMinor: Minor };

/** What a validation run found. */
export type BatchValidationDto = { batch: BatchDto; elapsedMs: number };

/** What a submit posted. */
export type BatchSubmitDto = {
  batch: BatchDto;
  posted: number;
  suspended: number;
  reversed: number;
  refunded: number;
  alreadyPosted: number;
  postedMinor: Minor;
  suspendedMinor: Minor;
  refundedMinor: Minor;
  /** Suspected duplicates left unposted in the batch (the batch stays open until they are released or moved). */
  duplicates: number;
  /** 'batch': all or nothing; 'account' (setting payment.batchLock): entry by entry. */
  mode: 'batch' | 'account';
  /** Entries that did not post (lock-per-account mode only), with the reason. */
  failed: { entryId: number; seq: number; message: string }[];
  elapsedMs: number;
  /** The confirmation a submit over confirm.submitAboveAmount went out under. */
  confirmation?: ConfirmationRefDto;
};

/** A local batch closed by `batch push`: submitted on a team server as its batch there. */
export type BatchPushDto = {
  batchId: number;
  batchNo: string;
  serverUrl: string;
  serverBatchId: number;
  serverBatchNo: string;
  pushedAt: string;
  /** False when an earlier push had already marked it (the mark is never written twice). */
  marked: boolean;
};

/** The hand-over file of a batch ("PMT file"): header and entries as typed, versioned. */
export type BatchFileDto = {
  format: 'paydesk-batch';
  version: 1;
  /** The ledger and batch it was exported from (absent in files written before it existed). */
  origin?: { ledgerId: string; batchId: number; batchNo: string };
  batch: {
    batchNo: string;
    batchType: BatchTypeDto;
    payType: number;
    currency: string;
    channelId: number;
    allocationLevel: 'bill' | 'item';
    lockboxNo: string | null;
    batchDate: string;
    controlCount: number | null;
    controlTotal: string | null;
    note: string | null;
    header: string[];
    footer: string[];
  };
  entries: {
    accountNo: string | null;
    billNo: string | null;
    amount: string | null;
    paymentDate: string | null;
    checkNo: string | null;
    payerName: string | null;
    reference: string | null;
    channelId: number | null;
    paymentRef: number | null;
    /** The entry's own currency (absent in files written before entries had one: the batch currency). */
    currency?: string;
    custom: Record<string, string>;
    suspendReason: number | null;
  }[];
};

/** Header or footer figures read from a bank file. */
export type BankFileInfoDto = {
  lockboxNo: string | null;
  date: string | null;
  count: number | null;
  total: string | null;
  raw: string[];
};

/** The import preview: the first rows as they will be read and every problem, before anything is staged. */
export type BankFilePreviewDto = {
  file: string;
  sha256: string;
  alreadyImported: { importedAt: string; fileName: string } | null;
  header: BankFileInfoDto;
  footer: BankFileInfoDto;
  rows: {
    line: number;
    fields: Record<string, string>;
    amount: string | null;
    paymentDate: string | null;
    problems: string[];
  }[];
  rowsWithProblems: number;
  fileErrors: { file: string; line: number; column: string; reason: string }[];
  /**
   * Set when the file is an ISO 20022 camt.053 statement (recognised by content; no template applies): its
   * message id, the one currency of its credits (the batch currency), and what was read with a warning
   * (pending or reversed entries skipped, over-long remittance lines).
   */
  statement?: {
    format: 'camt.053';
    messageId: string | null;
    currency: string;
    warnings: { file: string; line: number; column: string; reason: string }[];
  };
};

/** What a bank file import staged. */
export type BatchImportDto = { batch: BatchDto; rows: number; invalid: number };

/** A named import template (column mapping, delimiter, date format, encoding...) per bank. */
export type ImportTemplateDto = {
  id: number;
  name: string;
  bank: string | null;
  definition: unknown;
  /** Shipped with Paydesk (Stock BAI2, lockbox, CSV): copied under a new name, never overwritten. */
  stock: boolean;
  updatedAt: string;
};

/** One ranked guess of templates:detect: the template, how sure (0..1) and why. */
export type TemplateProposalDto = {
  templateId: number;
  name: string;
  stock: boolean;
  confidence: number;
  why: string;
};

/** A batch entry as the allocation dialog sees it before submit. */
export type EntryAllocationViewDto = {
  view: AllocationViewDto;
  entryId: number;
  allocationLevel: 'bill' | 'item';
  /** The entry's amount in the account's currency. */
  amountMinor: Minor;
  /** Lines chosen by hand so far (bill numbers for bill-level batches, item numbers for item-level ones). */
  manual: { billNo?: string; itemNo?: string; amountMinor: Minor }[];
};

/** One entry line of a batch report. */
export type BatchReportLineDto = {
  entryId: number;
  seq: number;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: Minor | null;
  status: EntryStatusDto;
  reasonCode: number | null;
  reasonLabel: string | null;
  problem: string | null;
};

/** The batch report: counts and totals per status, the suspended list and the exceptions (CSV and PDF on request). */
export type BatchReportDto = {
  batch: BatchDto;
  generatedAt: string;
  byStatus: { status: EntryStatusDto; count: number; totalMinor: Minor }[];
  /** Entries posted to their accounts (status `posted`; refunds and reversals included). */
  postedToAccounts: { count: number; totalMinor: Minor };
  /** Entries posted to the payment suspense account (status `posted_suspense`). */
  postedToSuspense: { count: number; totalMinor: Minor };
  /** Entries to be suspended, or posted to the suspense account (first 10,000 rows; total counts all). */
  suspended: { total: number; totalMinor: Minor; rows: BatchReportLineDto[] };
  /** Entries that cannot post as they are: invalid, allocation required, suspected duplicate, not validated. */
  exceptions: { total: number; totalMinor: Minor; rows: BatchReportLineDto[] };
  /** Exception batches split off this batch. */
  exceptionBatches: { id: number; batchNo: string; status: string; entries: number; totalMinor: Minor }[];
  csv: string | null;
  /** The PDF file, base64-encoded (the renderer saves it; the CLI writes it). */
  pdfBase64: string | null;
};
