import { sql, type SQL } from 'drizzle-orm';
import { nextEntryIdQuery } from './batches';
import type { Tx } from '../storage/port';
import { flag } from './dialect';

type On = Pick<Tx, 'dialect'>;

// Bank returns (returns:preview, returns:import, returns:bounce): resolving a returns file's lines to the debits and
// payments they name, the return batch's entries and pending bank_returns rows, the file's import record and the
// notifications of change applied to mandates. The return batch's submit applies the returns through the driver
// (services/returns/apply.ts) with its own statements.

/** An outgoing debit of a bank file as a return names it. */
export type ReturnFileItemRow = {
  id: number;
  endToEndId: string;
  traceNumber: string | null;
  paymentInfoId: string | null;
  messageId: string;
  paymentId: number | null;
  status: 'sent' | 'returned' | 'cancelled';
  amountMinor: number;
  currency: string;
  accountId: number;
};

const ITEM = sql`SELECT i.id, i.end_to_end_id AS "endToEndId", i.trace_number AS "traceNumber",
    i.payment_info_id AS "paymentInfoId", f.message_id AS "messageId", i.payment_id AS "paymentId", i.status,
    i.amount_minor AS "amountMinor", i.currency, i.account_id AS "accountId"
  FROM bank_file_items i JOIN bank_files_out f ON f.id = i.file_id`;

/** The debit with this end-to-end id (unique). */
export function returnItemByE2eQuery(endToEndId: string): SQL {
  return sql`${ITEM} WHERE i.end_to_end_id = ${endToEndId}`;
}

/** The newest debit with this trace number (trace numbers restart with each ACH file). */
export function returnItemByTraceQuery(traceNumber: string): SQL {
  return sql`${ITEM} WHERE i.trace_number = ${traceNumber} ORDER BY i.id DESC LIMIT 1`;
}

/** The live debits of a message (a group-level reject), in file order. */
export function returnItemsOfMessageQuery(messageId: string): SQL {
  return sql`${ITEM} WHERE f.message_id = ${messageId} AND i.status = 'sent' ORDER BY i.file_id, i.seq`;
}

/** The live debits of a payment information block, of one message when it names one, in file order. */
export function returnItemsOfBlockQuery(paymentInfoId: string, messageId: string | null): SQL {
  const ofMessage = messageId === null ? sql`` : sql` AND f.message_id = ${messageId}`;
  return sql`${ITEM} WHERE i.payment_info_id = ${paymentInfoId}${ofMessage} AND i.status = 'sent'
    ORDER BY i.file_id, i.seq`;
}

/** The newest debit that collected a payment. */
export function returnItemOfPaymentQuery(paymentId: number): SQL {
  return sql`${ITEM} WHERE i.payment_id = ${paymentId} ORDER BY i.id DESC LIMIT 1`;
}

/** The return batch a debit was returned by. */
export function returnItemBatchQuery(itemId: number): SQL {
  return sql`SELECT return_batch_id AS b FROM bank_file_items WHERE id = ${itemId}`;
}

/** The bill a debit collected. */
export function returnItemBillQuery(itemId: number): SQL {
  return sql`SELECT bill_no AS "billNo" FROM bills WHERE id = (SELECT bill_id FROM bank_file_items WHERE id = ${itemId})`;
}

/** A payment as a return checks it; `reversed` 0/1. */
export type ReturnPaymentRow = {
  id: number;
  kind: string;
  accountId: number;
  accountNo: string;
  payType: number;
  amountMinor: number;
  currency: string;
  billNo: string | null;
  reversed: number;
};

/** A payment with its account and whether it is reversed. */
export function returnPaymentQuery(paymentId: number): SQL {
  return sql`SELECT p.id, p.kind, p.account_id AS "accountId", a.account_no AS "accountNo", p.pay_type AS "payType",
      p.amount_minor AS "amountMinor", p.currency, p.bill_no AS "billNo",
      ${flag(sql`EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)`)} AS reversed
    FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ${paymentId}`;
}

/** Up to two original payments with this external reference (two: the reference is ambiguous). */
export function paymentsByExternalRefQuery(ref: string): SQL {
  return sql`SELECT id FROM payments WHERE external_ref = ${ref} AND kind = 'original' ORDER BY id DESC LIMIT 2`;
}

/** The return batch that already holds a return key. */
export function returnKeyTakenQuery(returnKey: string): SQL {
  return sql`SELECT batch_id AS "batchId" FROM bank_returns WHERE return_key = ${returnKey}`;
}

/**
 * When a returns file of this content was imported, unless every return batch made from it was discarded (then it
 * may be read again).
 */
export function returnsFileSeenQuery(sha256: string): SQL {
  return sql`SELECT imported_at AS at FROM imported_files f WHERE kind = 'returns' AND sha256 = ${sha256}
    AND (EXISTS (SELECT 1 FROM bank_returns br WHERE br.source_sha256 = f.sha256 AND br.status <> 'discarded')
         OR NOT EXISTS (SELECT 1 FROM bank_returns br WHERE br.source_sha256 = f.sha256))`;
}

/** Records a returns file as imported, under the audit row of its import. */
export function returnsFileInsertQuery(sha256: string, fileName: string, at: string, auditId: number): SQL {
  return sql`INSERT INTO imported_files (kind, sha256, file_name, imported_at, audit_id)
    VALUES ('returns', ${sha256}, ${fileName}, ${at}, ${auditId})`;
}

/** One entry of a return batch: the payment it reverses, with the bank's code as its reference. */
export type ReturnEntryWrite = {
  id: number;
  batchId: number;
  seq: number;
  entryKey: string;
  sourceLine: number | null;
  accountNo: string | null;
  billNo: string | null;
  amountText: string;
  amountMinor: number | null;
  paymentDate: string;
  reference: string;
  paymentRef: number | null;
  reasonCode: number;
  currency: string;
};

/**
 * The ids the next `count` entries take, in order: on SQLite consecutive after AUTOINCREMENT's counter (the one
 * writer inserts them before anyone else can), on PostgreSQL drawn from the identity sequence.
 */
export function returnEntryIdsQuery(on: On, count: number): SQL {
  return on.dialect === 'postgres'
    ? sql`SELECT nextval(pg_get_serial_sequence('batch_entries', 'id')) AS id
        FROM generate_series(1, ${count}::integer) ORDER BY 1`
    : sql`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count})
        SELECT (${nextEntryIdQuery(on)}) + i AS id FROM n ORDER BY i`;
}

/** Adds return batch entries under their ids, numbers and idempotency keys, in one statement. */
export function returnEntriesInsertQuery(entries: readonly ReturnEntryWrite[]): SQL {
  const rows = entries.map(
    (e) => sql`(${e.id}, ${e.batchId}, ${e.seq}, ${e.entryKey}, ${e.sourceLine}, ${e.accountNo}, ${e.billNo},
      ${e.amountText}, ${e.amountMinor}, ${e.paymentDate}, NULL, ${e.reference}, ${e.paymentRef}, ${e.reasonCode},
      'new', ${e.currency})`,
  );
  return sql`INSERT INTO batch_entries (id, batch_id, seq, entry_key, source_line, account_no, bill_no, amount_text,
      amount_minor, payment_date, payer_name, reference, payment_ref, reason_code, status, currency)
    VALUES ${sql.join(rows, sql`, `)}`;
}

/** A pending bank return behind a return batch's entry. */
export type BankReturnWrite = {
  returnKey: string | null;
  batchId: number;
  entrySeq: number;
  fileItemId: number | null;
  paymentId: number | null;
  kind: string;
  bankCode: string;
  bankText: string | null;
  rejectionCode: string | null;
  sourceFormat: string;
  sourceSha256: string | null;
  at: string;
};

/** Adds pending bank returns in one statement; the return key's unique index refuses a return recorded before. */
export function bankReturnsInsertQuery(returns: readonly BankReturnWrite[]): SQL {
  const rows = returns.map(
    (
      r,
    ) => sql`(${r.returnKey}, ${r.batchId}, ${r.entrySeq}, ${r.fileItemId}, ${r.paymentId}, ${r.kind}, ${r.bankCode},
      ${r.bankText}, ${r.rejectionCode}, ${r.sourceFormat}, ${r.sourceSha256}, 'pending', ${r.at})`,
  );
  return sql`INSERT INTO bank_returns (return_key, batch_id, entry_seq, file_item_id, payment_id, kind, bank_code,
      bank_text, rejection_code, source_format, source_sha256, status, created_at)
    VALUES ${sql.join(rows, sql`, `)}`;
}

/** The mandate fields a notification of change corrects, with its reference and version. */
export type ChangeNoticeMandateRow = {
  id: number;
  reference: string;
  routingNo: string | null;
  accountNo: string | null;
  accountType: 'checking' | 'savings' | null;
  debtorName: string;
  version: number;
};

/** A mandate as a notification of change reads it. */
export function changeNoticeMandateQuery(mandateId: number): SQL {
  return sql`SELECT id, reference, routing_no AS "routingNo", account_no AS "accountNo", account_type AS "accountType",
      debtor_name AS "debtorName", version FROM mandates WHERE id = ${mandateId}`;
}

/** The mandate of the newest debit with this trace number. */
export function mandateOfTraceQuery(traceNumber: string): SQL {
  return sql`SELECT mandate_id AS "mandateId" FROM bank_file_items
    WHERE trace_number = ${traceNumber} AND mandate_id IS NOT NULL ORDER BY id DESC LIMIT 1`;
}

/** The mandate of the debit with this end-to-end id. */
export function mandateOfE2eQuery(endToEndId: string): SQL {
  return sql`SELECT mandate_id AS "mandateId" FROM bank_file_items WHERE end_to_end_id = ${endToEndId}`;
}

/** A mandate's corrected details, only over the version they were read at (a later change refuses it). */
export function changeNoticeUpdateQuery(
  m: { id: number; version: number },
  after: Pick<ChangeNoticeMandateRow, 'routingNo' | 'accountNo' | 'accountType' | 'debtorName'>,
  at: string,
): SQL {
  return sql`UPDATE mandates SET routing_no = ${after.routingNo}, account_no = ${after.accountNo},
      account_type = ${after.accountType}, debtor_name = ${after.debtorName}, version = version + 1, updated_at = ${at}
    WHERE id = ${m.id} AND version = ${m.version}`;
}
