import type { FileIssue } from '../api/result';
import type { Minor } from '../money';
import type { ArImportFileSummaryDto } from './app';
import type { BatchDto, BatchSubmitDto } from './batches';

/** One posted entry of a batch as its undo sees it: the payment it became and what the reversal does with it. */
export type UndoEntryDto = {
  entryId: number;
  seq: number;
  paymentId: number;
  accountNo: string;
  amountMinor: Minor;
  currency: string;
  /** Where submit put it: on the account, or in suspense. */
  placement: 'account' | 'suspense';
  /** What is allocated to bills now (account currency), reopened by the reversal. */
  allocatedMinor: Minor;
  accountCurrency: string;
  /** reverse: the reversal batch reverses it; skip: already reversed; refused: see the refusals. */
  action: 'reverse' | 'skip' | 'refused';
  note: string | null;
};

/** Why the batch, or one of its entries, cannot be undone now. */
export type UndoRefusalDto = { seq: number | null; paymentId: number | null; reason: string };

/** The reversal batch an undo built (or will build), with the approval its submit waits for. */
export type UndoReversalRefDto = {
  batchId: number;
  batchNo: string;
  status: BatchDto['status'];
  pendingApprovalId: number | null;
};

/** What undoing a submitted batch would reverse, and what stops it. */
export type BatchUndoPreviewDto = {
  batch: Pick<BatchDto, 'id' | 'batchNo' | 'batchType' | 'status' | 'currency' | 'exponent' | 'payType'>;
  /** The number the reversal batch gets: `<batchNo>-U1` (U2... after a discarded attempt). */
  reversalBatchNo: string;
  /** The reversal batch of an earlier undo, if there is one that was not discarded. */
  reversal: UndoReversalRefDto | null;
  entries: UndoEntryDto[];
  /** Entries the reversal batch reverses, and their totals per payment currency. */
  count: number;
  totals: { currency: string; exponent: number; count: number; amountMinor: Minor }[];
  refusals: UndoRefusalDto[];
  /** True when an undo would build (or finish) the reversal batch. */
  canUndo: boolean;
};

/**
 * The result of an undo: the reversal batch, submitted now (`submitted`) or by an earlier undo
 * (`already_undone`). A submit that a policy stops is the `approval_required` error instead.
 */
export type BatchUndoDto = {
  outcome: 'submitted' | 'already_undone';
  original: BatchDto;
  reversal: BatchDto;
  submit: BatchSubmitDto | null;
};

/** What a receivables import would do, checked in full and written nowhere. */
export type ArPreviewDto = {
  ok: boolean;
  accounts?: ArImportFileSummaryDto;
  billUnits?: ArImportFileSummaryDto;
  bills?: ArImportFileSummaryDto;
  items?: ArImportFileSummaryDto;
  adjustedOpenMinor: Minor;
  /** How long the checks took (a preview with problems stops before the timing is taken). */
  elapsedMs?: number;
  /** Every problem found (capped as the import caps them), with the total. */
  problems: FileIssue[];
  problemCount: number;
};
