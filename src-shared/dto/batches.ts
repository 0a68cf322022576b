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

/** Expected vs entered figures (the zero-proof bar). */
export type ZeroProofDto = {
  expectedCount: number | null;
  enteredCount: number;
  expectedTotalMinor: Minor | null;
  enteredTotalMinor: Minor;
  balanced: boolean;
  /** The setting zeroProof.override: a supervisor may submit differing figures with a reason (domain 19). */
  overrideAllowed: boolean;
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
  zeroProof: ZeroProofDto;
  /** How submit posts (setting payment.batchLock): all or nothing, or entry by entry. */
  lockMode: 'batch' | 'account';
  countsByStatus: Partial<Record<EntryStatusDto, number>>;
  totalsByStatus: Partial<Record<EntryStatusDto, Minor>>;
};

/** One batch entry (grid row). */
export type BatchEntryDto = {
  id: number;
  seq: number;
  sourceLine: number | null;
  accountNo: string | null;
  billNo: string | null;
  amountText: string | null;
  amountMinor: Minor | null;
  paymentDate: string | null;
  checkNo: string | null;
  payerName: string | null;
  reference: string | null;
  channelId: number | null;
  paymentRef: number | null;
  custom: Record<string, string>;
  status: EntryStatusDto;
  reasonCode: number | null;
  problem: string | null;
  problemColumn: string | null;
  manualSuspend: boolean;
  allocationState: 'none' | 'planned' | 'manual' | 'posted';
  postedPaymentId: number | null;
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
  /** 'batch': all or nothing; 'account' (setting payment.batchLock): entry by entry. */
  mode: 'batch' | 'account';
  /** Entries that did not post (lock-per-account mode only), with the reason. */
  failed: { entryId: number; seq: number; message: string }[];
  elapsedMs: number;
  /** The confirmation a submit over confirm.submitAboveAmount went out under. */
  confirmation?: ConfirmationRefDto;
};

/** The hand-over file of a batch ("PMT file"): header and entries as typed, versioned. */
export type BatchFileDto = {
  format: 'paydesk-batch';
  version: 1;
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
};

/** What a bank file import staged. */
export type BatchImportDto = { batch: BatchDto; rows: number; invalid: number };

/** A named import template (column mapping, delimiter, date format, encoding...) per bank. */
export type ImportTemplateDto = { name: string; bank: string | null; definition: unknown; updatedAt: string };

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
  /** Entries to be suspended, or posted to the suspense account (first 10,000 rows; total counts all). */
  suspended: { total: number; totalMinor: Minor; rows: BatchReportLineDto[] };
  /** Entries that cannot post as they are: invalid, allocation required, not validated. */
  exceptions: { total: number; totalMinor: Minor; rows: BatchReportLineDto[] };
  /** Exception batches split off this batch. */
  exceptionBatches: { id: number; batchNo: string; status: string; entries: number; totalMinor: Minor }[];
  csv: string | null;
  /** The PDF file, base64-encoded (the renderer saves it; the CLI writes it). */
  pdfBase64: string | null;
};
