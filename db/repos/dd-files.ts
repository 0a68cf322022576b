import { sql, type SQL } from 'drizzle-orm';
import type { DdFileDto, DdFileItemDto } from '../../src-shared/dto/directdebit';

// The outgoing direct-debit and credit files (bank_files_out) and their items: the registry's reads and its
// status changes (sent, cancelled), and what a cancelled file gives back to its mandates.

/** A file as the registry lists it. */
export type DdFileRecord = Omit<DdFileDto, 'status'> & { status: 'ready' | 'sent' | 'cancelled' };

const FILE_SELECT = sql`SELECT f.id, f.kind, f.scheme, f.format, c.code AS creditor, f.collection_date AS "collectionDate",
    f.currency, f.message_id AS "messageId", f.count, f.total_minor AS "totalMinor", f.sha256, f.path, f.status,
    f.created_at AS "createdAt", f.sent_at AS "sentAt", f.cancelled_at AS "cancelledAt"
  FROM bank_files_out f JOIN creditors c ON c.id = f.creditor_id`;

/** One file, or none. */
export function ddFileByIdQuery(id: number): SQL {
  return sql`${FILE_SELECT} WHERE f.id = ${id}`;
}

/** The files, newest first, optionally of one status. */
export function ddFilesQuery(status: DdFileDto['status'] | undefined, limit: number): SQL {
  const where = status ? sql`WHERE f.status = ${status}` : sql``;
  return sql`${FILE_SELECT} ${where} ORDER BY f.id DESC LIMIT ${limit}`;
}

/** One item of a file with what showing, regenerating and cancelling it need. */
export type DdFileItemRecord = {
  seq: number;
  accountNo: string;
  billNo: string | null;
  amountMinor: number;
  currency: string;
  endToEndId: string;
  traceNumber: string | null;
  paymentInfoId: string | null;
  seqType: string | null;
  status: DdFileItemDto['status'];
  paymentId: number | null;
  returnCode: string | null;
  mandateId: number | null;
  snapshotJson: string;
};

/** A file's items in file order. */
export function ddFileItemsQuery(fileId: number): SQL {
  return sql`SELECT i.seq, a.account_no AS "accountNo", b.bill_no AS "billNo", i.amount_minor AS "amountMinor",
      i.currency, i.end_to_end_id AS "endToEndId", i.trace_number AS "traceNumber",
      i.payment_info_id AS "paymentInfoId", i.seq_type AS "seqType", i.status, i.payment_id AS "paymentId",
      i.return_code AS "returnCode", i.mandate_id AS "mandateId", i.mandate_snapshot_json AS "snapshotJson"
    FROM bank_file_items i JOIN accounts a ON a.id = i.account_id LEFT JOIN bills b ON b.id = i.bill_id
    WHERE i.file_id = ${fileId} ORDER BY i.seq`;
}

/** What a file's name is made of. */
export function ddFileNameQuery(id: number): SQL {
  return sql`SELECT message_id AS "messageId", format FROM bank_files_out WHERE id = ${id}`;
}

/** Records where a file was last written. */
export function ddFilePathQuery(id: number, path: string): SQL {
  return sql`UPDATE bank_files_out SET path = ${path} WHERE id = ${id}`;
}

/** A ready file marked delivered to the bank. */
export function ddFileSentQuery(id: number, at: string, operatorId: number): SQL {
  return sql`UPDATE bank_files_out SET status = 'sent', sent_at = ${at}, sent_by = ${operatorId}
    WHERE id = ${id} AND status = 'ready'`;
}

/** A ready file cancelled. */
export function ddFileCancelledQuery(id: number, at: string, operatorId: number): SQL {
  return sql`UPDATE bank_files_out SET status = 'cancelled', cancelled_at = ${at}, cancelled_by = ${operatorId}
    WHERE id = ${id} AND status = 'ready'`;
}

/** The live items of a cancelled file: cancelled too, so a later run may collect their bills again. */
export function ddFileItemsCancelledQuery(fileId: number): SQL {
  return sql`UPDATE bank_file_items SET status = 'cancelled' WHERE file_id = ${fileId} AND status = 'sent'`;
}

/** A mandate's collection counters and pending amendment (the event's before and after of a cancel). */
export type DdMandateCounters = {
  collections: number;
  firstCollectedOn: string | null;
  lastCollectedOn: string | null;
  pendingAmendmentJson: string | null;
};

/** A mandate's collection counters and pending amendment. */
export function ddMandateCountersQuery(mandateId: number): SQL {
  return sql`SELECT collections, first_collected_on AS "firstCollectedOn", last_collected_on AS "lastCollectedOn",
      pending_amendment_json AS "pendingAmendmentJson" FROM mandates WHERE id = ${mandateId}`;
}

/** The first and last collection dates of a mandate's debits still live or returned. */
export function ddMandateCollectedQuery(mandateId: number): SQL {
  return sql`SELECT min(f.collection_date) AS first, max(f.collection_date) AS last FROM bank_file_items i
    JOIN bank_files_out f ON f.id = i.file_id
    WHERE i.mandate_id = ${mandateId} AND i.status IN ('sent', 'returned') AND f.kind = 'debit'`;
}

/** A mandate given back what a cancelled file took: its collections, dates and the amendment it carried. */
export function ddMandateRestoreQuery(r: {
  mandateId: number;
  collections: number;
  first: string | null;
  last: string | null;
  amendmentJson: string | null;
  at: string;
}): SQL {
  // CASE, not SQLite's two-argument max(), which PostgreSQL spells greatest().
  return sql`UPDATE mandates SET
      collections = CASE WHEN collections > ${r.collections} THEN collections - ${r.collections} ELSE 0 END,
      first_collected_on = ${r.first}, last_collected_on = ${r.last},
      pending_amendment_json = coalesce(pending_amendment_json, ${r.amendmentJson}),
      version = version + 1, updated_at = ${r.at}
    WHERE id = ${r.mandateId}`;
}
