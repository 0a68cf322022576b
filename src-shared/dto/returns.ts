import type { BatchDto } from './batches';

/** Where a problem of a returns file is: a 1-based line (flat files) or an element path (XML), and why. */
export type ReturnsProblemDto = { line?: number | undefined; path?: string | undefined; reason: string };

/** One failed payment a returns file (or a clerk) reports, as resolved against the ledger. */
export type ReturnLineDto = {
  /** 1-based position among the file's returns (a group-level reject counts once per debit it covers). */
  n: number;
  line: number | null;
  path: string | null;
  /** What the bank echoed: the end-to-end id, trace number, message/PmtInf id or payment reference. */
  reference: string;
  kind: 'reject' | 'return' | 'refund' | 'bounced';
  bankCode: string;
  bankText: string | null;
  /** The admin rejection code it maps to (null: unknown, handled as hard) and its class. */
  rejectionCode: string | null;
  declineClass: 'soft' | 'hard';
  /** The amount the file states (minor units of its currency), or the debit's when the file gives none. */
  amountMinor: number | null;
  currency: string | null;
  accountNo: string | null;
  paymentId: number | null;
  fileItemId: number | null;
  billNo: string | null;
  payType: number | null;
  /** Format-independent identity of this return (`e2e:<id>:<code>`, `trace:<no>:<code>`, `payment:<id>:<kind>:<code>`). */
  returnKey: string | null;
  matched: boolean;
  /** Why it is not reversed (unmatched, already returned, amount or currency differ...). */
  reason: string | null;
};

/** A notification of change (NACHA COR) as resolved to a mandate. */
export type ChangeNoticeDto = {
  line: number | null;
  reference: string;
  code: string;
  correctedData: string;
  mandateId: number | null;
  mandateReference: string | null;
  before: Record<string, string | null> | null;
  after: Record<string, string | null> | null;
  applied: boolean;
  reason: string | null;
};

/** What a returns file would do (preview) or did (import). */
export type ReturnsPreviewDto = {
  format: string;
  fileName: string | null;
  sha256: string | null;
  lines: ReturnLineDto[];
  matched: number;
  unmatched: number;
  alreadyReturned: number;
  /** Matched returns per currency (never added across currencies). */
  totals: { currency: string; count: number; amountMinor: number }[];
  changes: ChangeNoticeDto[];
  /** Transactions the file reports as accepted (nothing to do). */
  accepted: number;
  problems: ReturnsProblemDto[];
  warnings: ReturnsProblemDto[];
};

/** The return batch(es) an import created (one per pay type and currency), like `batch import` prints it. */
export type ReturnsImportDto = ReturnsPreviewDto & {
  /** The first (usually only) return batch, null when nothing matched. */
  batch: BatchDto | null;
  batches: BatchDto[];
  /** Entries created, and lines that were not (unmatched or already returned). */
  rows: number;
  invalid: number;
};
