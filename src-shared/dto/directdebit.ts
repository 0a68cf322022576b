/** Direct-debit runs and the outgoing bank-file registry (issue #14). */

/** Schemes a run writes files for. */
export type DdScheme = 'sepa' | 'ach';

/** Formats of outgoing files. */
export type DdFileFormat = 'pain.008.001.08' | 'pain.008.001.02' | 'pain.001.001.09' | 'nacha';

/** One outgoing file as listed; a dry run's files have id null, path null and status 'preview'. */
export type DdFileDto = {
  id: number | null;
  kind: 'debit' | 'credit';
  scheme: DdScheme;
  format: DdFileFormat;
  creditor: string;
  collectionDate: string;
  currency: string;
  messageId: string;
  count: number;
  totalMinor: number;
  sha256: string;
  path: string | null;
  status: 'preview' | 'ready' | 'sent' | 'cancelled';
  createdAt: string;
  sentAt: string | null;
  cancelledAt: string | null;
};

/** What a direct-debit (or credit) run did or, dry, would do. */
export type DdRunDto = {
  files: DdFileDto[];
  /** Payments (debit) or refunds (credit) posted; 0 for a dry run. */
  payments: number;
  /** Bills or accounts left out, counted by reason. */
  skipped: Record<string, number>;
};

/** One transaction of a file. */
export type DdFileItemDto = {
  seq: number;
  accountNo: string;
  billNo: string | null;
  amountMinor: number;
  currency: string;
  endToEndId: string;
  traceNumber: string | null;
  paymentInfoId: string | null;
  seqType: string | null;
  mandateReference: string | null;
  debtorName: string;
  status: 'sent' | 'returned' | 'cancelled';
  paymentId: number | null;
  returnCode: string | null;
};

/** A file with its items. */
export type DdFileDetailDto = DdFileDto & { items: DdFileItemDto[] };
