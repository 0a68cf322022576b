import { sql } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { ilike, inList } from './dialect';

/** One payment as the timeline reads it. */
export type TimelinePayment = {
  id: number;
  accountId: number;
  kind: 'original' | 'suspended' | 'distributed' | 'recycled' | 'failed';
  accountNo: string;
  accountCurrency: string;
  isSuspense: number;
  payType: number;
  status: number;
  reasonCode: number;
  amountMinor: number;
  currency: string;
  accountHint: string | null;
  batchId: number | null;
  sourceKey: string | null;
  parentPaymentId: number | null;
  journalId: number;
  createdAt: string;
  operatorId: number | null;
};

/** One audit row as the timeline reads it. */
export type AuditRow = {
  id: number;
  at: string;
  operatorId: number | null;
  action: string;
  entity: string;
  entityId: string | null;
  after: string | null;
  reasonCode: number | null;
};

/** The batch entry a payment was posted from, with its batch. */
export type EntryRow = {
  entryId: number;
  seq: number;
  sourceLine: number | null;
  status: string;
  problem: string | null;
  problemColumn: string | null;
  reasonCode: number | null;
  batchId: number;
  batchNo: string;
  batchType: string;
  sourceFile: string | null;
  templateName: string | null;
  parentBatchId: number | null;
  createdAt: string;
  createdBy: number | null;
};

export type BatchAudit = {
  id: number;
  at: string;
  operatorId: number | null;
  action: string;
  after: string | null;
};

/** One allocation row with the bill and item it names. */
export type AllocationRow = {
  at: string;
  operatorId: number | null;
  amountMinor: number;
  bill: string | null;
  item: string | null;
};

/** A Payment Center move or note. */
export type MoveRow = {
  at: string;
  operatorId: number | null;
  action: string;
  reasonCode: number | null;
  amountMinor: number | null;
  currency: string | null;
  detail: string | null;
};

export type ReversalRow = {
  at: string;
  operatorId: number | null;
  reasonCode: number;
  journalId: number;
  journalKind: string;
  auditId: number;
};

export type TxnRow = {
  id: number;
  command: string;
  runId: number | null;
  runKind: string | null;
  processor: string;
  amountMinor: number;
  currency: string;
  result: number;
  authCode: string | null;
  processorRef: string | null;
  createdAt: string;
  settledAt: string | null;
  operatorId: number | null;
  feeBillId: number | null;
};

export type RecoveryRow = { at: string; operatorId: number | null; action: string; entityId: string | null };

export type ReturnRow = {
  id: number;
  kind: string;
  bankCode: string;
  bankText: string | null;
  rejectionCode: string | null;
  sourceFormat: string;
  status: string;
  createdAt: string;
  batchId: number;
  batchNo: string;
  operatorId: number | null;
};

export type FeeRow = { id: number; at: string; auditId: number; amountMinor: number; currency: string };

export type BankFileItemRow = {
  e2e: string;
  status: string;
  returnCode: string | null;
  messageId: string;
  format: string;
  path: string | null;
  createdAt: string;
  createdBy: number | null;
  sentAt: string | null;
  sentBy: number | null;
};

export type ExportRow = {
  id: number;
  mode: string;
  fromJournalId: number;
  toJournalId: number;
  fromAllocationId: number;
  toAllocationId: number;
  fromDate: string | null;
  toDate: string | null;
  at: string;
  operatorId: number | null;
};

const PAYMENT = sql`SELECT p.id, p.account_id AS "accountId", p.kind, a.account_no AS "accountNo",
    a.currency AS "accountCurrency", a.is_suspense AS "isSuspense", p.pay_type AS "payType", p.status,
    p.reason_code AS "reasonCode", p.amount_minor AS "amountMinor", p.currency, p.account_hint AS "accountHint",
    p.batch_id AS "batchId", p.source_key AS "sourceKey", p.parent_payment_id AS "parentPaymentId",
    p.journal_id AS "journalId", p.created_at AS "createdAt", p.operator_id AS "operatorId"
  FROM payments p JOIN accounts a ON a.id = p.account_id`;

/**
 * What the payment timeline reads (read side only): a payment and the payments of its case, and every record
 * that tells a step of its life. Written once for SQLite and PostgreSQL; every order that reaches the timeline
 * is by integer id, so no text collation decides it.
 */
export const timelineRepo = {
  payment(tx: Tx, id: number): Promise<TimelinePayment | undefined> {
    return tx.get(sql`${PAYMENT} WHERE p.id = ${id}`);
  },

  /** The payments made out of one payment (distributed, recycled, remainders), in id order. */
  children(tx: Tx, parentId: number): Promise<TimelinePayment[]> {
    return tx.all(sql`${PAYMENT} WHERE p.parent_payment_id = ${parentId} ORDER BY p.id`);
  },

  async accountNoOfPayment(tx: Tx, id: number): Promise<string | undefined> {
    const row = await tx.get<{ accountNo: string }>(
      sql`SELECT a.account_no AS "accountNo" FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ${id}`,
    );
    return row?.accountNo;
  },

  async suspenseState(tx: Tx, paymentId: number): Promise<string | undefined> {
    return (
      await tx.get<{ state: string }>(sql`SELECT state FROM suspense_queue WHERE payment_id = ${paymentId}`)
    )?.state;
  },

  /** The reversal of a payment (a payment is reversed at most once) with its journal's kind. */
  reversal(tx: Tx, paymentId: number): Promise<ReversalRow | undefined> {
    return tx.get(
      sql`SELECT r.created_at AS at, r.operator_id AS "operatorId", r.reason_code AS "reasonCode",
                 r.journal_id AS "journalId", j.kind AS "journalKind", j.audit_id AS "auditId"
          FROM reversals r JOIN journals j ON j.id = r.journal_id WHERE r.payment_id = ${paymentId}`,
    );
  },

  async login(tx: Tx, operatorId: number): Promise<string | undefined> {
    return (await tx.get<{ login: string }>(sql`SELECT login FROM operators WHERE id = ${operatorId}`))
      ?.login;
  },

  async reasonLabel(tx: Tx, domainId: number, code: number): Promise<string | undefined> {
    return (
      await tx.get<{ label: string }>(
        sql`SELECT label FROM reason_codes WHERE domain_id = ${domainId} AND id = ${code}`,
      )
    )?.label;
  },

  async exponent(tx: Tx, currency: string): Promise<number | undefined> {
    return (await tx.get<{ exponent: number }>(sql`SELECT exponent FROM currencies WHERE code = ${currency}`))
      ?.exponent;
  },

  audit(tx: Tx, id: number): Promise<AuditRow | undefined> {
    return tx.get(
      sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", after,
                 reason_code AS "reasonCode"
          FROM audit_log WHERE id = ${id}`,
    );
  },

  /** The batch entry posted under an idempotency key (entry keys are unique), with its batch. */
  entry(tx: Tx, entryKey: string): Promise<EntryRow | undefined> {
    return tx.get(
      sql`SELECT e.id AS "entryId", e.seq, e.source_line AS "sourceLine", e.status, e.problem,
                 e.problem_column AS "problemColumn", e.reason_code AS "reasonCode", b.id AS "batchId",
                 b.batch_no AS "batchNo", b.batch_type AS "batchType", b.source_file AS "sourceFile",
                 b.template_name AS "templateName", b.parent_batch_id AS "parentBatchId",
                 b.created_at AS "createdAt", b.created_by AS "createdBy"
          FROM batch_entries e JOIN batches b ON b.id = e.batch_id WHERE e.entry_key = ${entryKey}`,
    );
  },

  /** A batch's file and the batch it was split from. */
  batchFile(
    tx: Tx,
    batchId: number,
  ): Promise<{ id: number; file: string | null; up: number | null } | undefined> {
    return tx.get(
      sql`SELECT id, source_file AS file, parent_batch_id AS up FROM batches WHERE id = ${batchId}`,
    );
  },

  batch(tx: Tx, batchId: number): Promise<{ id: number; batchNo: string } | undefined> {
    return tx.get(sql`SELECT id, batch_no AS "batchNo" FROM batches WHERE id = ${batchId}`);
  },

  /** Audit rows of one batch with the given actions, oldest first. */
  batchAudits(tx: Tx, batchId: number, actions: readonly string[]): Promise<BatchAudit[]> {
    return tx.all(
      sql`SELECT id, at, operator_id AS "operatorId", action, after FROM audit_log
          WHERE entity = 'batch' AND entity_id = ${String(batchId)} AND ${inList(tx, sql`action`, actions)}
          ORDER BY id`,
    );
  },

  async journalAuditId(tx: Tx, journalId: number): Promise<number | undefined> {
    return (
      await tx.get<{ auditId: number }>(
        sql`SELECT audit_id AS "auditId" FROM journals WHERE id = ${journalId}`,
      )
    )?.auditId;
  },

  /** The payment's allocation rows (undo rows included) in the order they were made. */
  allocations(tx: Tx, paymentId: number): Promise<AllocationRow[]> {
    return tx.all(
      sql`SELECT x.created_at AS at, x.operator_id AS "operatorId", x.amount_minor AS "amountMinor",
                 b.bill_no AS bill, i.item_no AS item
          FROM allocations x LEFT JOIN bills b ON b.id = x.bill_id LEFT JOIN bill_items i ON i.id = x.item_id
          WHERE x.payment_id = ${paymentId} ORDER BY x.id`,
    );
  },

  /** The reason an operator gave for undoing the payment's allocations at that instant (none: a move undid them). */
  undoReason(tx: Tx, paymentId: number, at: string): Promise<{ reasonCode: number | null } | undefined> {
    return tx.get(
      sql`SELECT reason_code AS "reasonCode" FROM audit_log
          WHERE entity = 'payment' AND entity_id = ${String(paymentId)} AND action = 'allocation.undo' AND at = ${at}
          ORDER BY id LIMIT 1`,
    );
  },

  suspenseMoves(tx: Tx, paymentId: number): Promise<MoveRow[]> {
    return tx.all(
      sql`SELECT at, operator_id AS "operatorId", action, reason_code AS "reasonCode", amount_minor AS "amountMinor",
                 currency, detail
          FROM suspense_events WHERE payment_id = ${paymentId} ORDER BY id`,
    );
  },

  /**
   * Processor records of a payment: its own, the one it was collected under (`proc:<idem key>`, found even before
   * payment_id is set) and the deposits and refunds of its authorization. Read through the account's index: a
   * payment is posted to its record's account.
   */
  processorTxns(
    tx: Tx,
    q: { accountId: number; paymentId: number; idemKey: string | null },
  ): Promise<TxnRow[]> {
    return tx.all(
      sql`SELECT t.id, t.command, t.run_id AS "runId", r.kind AS "runKind", pr.name AS processor,
                 t.amount_minor AS "amountMinor", t.currency, t.result, t.auth_code AS "authCode",
                 t.processor_ref AS "processorRef", t.created_at AS "createdAt", t.settled_at AS "settledAt",
                 t.operator_id AS "operatorId", t.fee_bill_id AS "feeBillId"
          FROM processor_txns t JOIN processors pr ON pr.id = t.processor_id LEFT JOIN collect_runs r ON r.id = t.run_id
          WHERE t.account_id = ${q.accountId} AND (t.payment_id = ${q.paymentId} OR t.idem_key = ${q.idemKey}
             OR t.related_txn_id IN (SELECT id FROM processor_txns
                                     WHERE account_id = ${q.accountId} AND payment_id = ${q.paymentId}))
          ORDER BY t.id`,
    );
  },

  /** Recovery decisions on processor records (entity_id lists the records), oldest first. */
  recoveries(tx: Tx): Promise<RecoveryRow[]> {
    // SQLite's LIKE ignores ASCII case; ILIKE keeps PostgreSQL's match the same.
    return tx.all(
      sql`SELECT at, operator_id AS "operatorId", action, entity_id AS "entityId" FROM audit_log
          WHERE entity = 'processor_txn' AND action ${ilike(tx)} 'recovery.%' ORDER BY id`,
    );
  },

  bankReturns(tx: Tx, paymentId: number): Promise<ReturnRow[]> {
    return tx.all(
      sql`SELECT br.id, br.kind, br.bank_code AS "bankCode", br.bank_text AS "bankText",
                 br.rejection_code AS "rejectionCode", br.source_format AS "sourceFormat", br.status,
                 br.created_at AS "createdAt", b.id AS "batchId", b.batch_no AS "batchNo", b.created_by AS "operatorId"
          FROM bank_returns br JOIN batches b ON b.id = br.batch_id WHERE br.payment_id = ${paymentId} ORDER BY br.id`,
    );
  },

  /** Fee journals posted under the given idempotency keys, with their AR line. */
  fees(tx: Tx, idemKeys: readonly string[]): Promise<FeeRow[]> {
    return tx.all(
      sql`SELECT j.id, j.at, j.audit_id AS "auditId", l.amount_minor AS "amountMinor", l.currency
          FROM journals j JOIN journal_lines l ON l.journal_id = j.id AND l.gl_account = 'AR'
          WHERE ${inList(tx, sql`j.idem_key`, idemKeys)} ORDER BY j.id`,
    );
  },

  bankFileItems(tx: Tx, paymentId: number): Promise<BankFileItemRow[]> {
    return tx.all(
      sql`SELECT i.end_to_end_id AS e2e, i.status, i.return_code AS "returnCode", f.message_id AS "messageId",
                 f.format, f.path, f.created_at AS "createdAt", f.created_by AS "createdBy", f.sent_at AS "sentAt",
                 f.sent_by AS "sentBy"
          FROM bank_file_items i JOIN bank_files_out f ON f.id = i.file_id WHERE i.payment_id = ${paymentId}
          ORDER BY i.id`,
    );
  },

  async reversalJournals(tx: Tx, paymentId: number): Promise<number[]> {
    const rows = await tx.all<{ id: number }>(
      sql`SELECT journal_id AS id FROM reversals WHERE payment_id = ${paymentId} ORDER BY journal_id`,
    );
    return rows.map((r) => r.id);
  },

  async allocationIds(tx: Tx, paymentId: number): Promise<number[]> {
    const rows = await tx.all<{ id: number }>(
      sql`SELECT id FROM allocations WHERE payment_id = ${paymentId} ORDER BY id`,
    );
    return rows.map((r) => r.id);
  },

  /** The posting day of a journal (its ISO timestamp's date). */
  async journalDay(tx: Tx, journalId: number): Promise<string | undefined> {
    return (
      await tx.get<{ day: string }>(
        sql`SELECT substr(at, 1, 10) AS day FROM journals WHERE id = ${journalId}`,
      )
    )?.day;
  },

  /** Exports to billing (`export posted`), oldest first. */
  postedExports(tx: Tx): Promise<ExportRow[]> {
    return tx.all(
      sql`SELECT id, mode, from_journal_id AS "fromJournalId", to_journal_id AS "toJournalId",
                 from_allocation_id AS "fromAllocationId", to_allocation_id AS "toAllocationId",
                 from_date AS "fromDate", to_date AS "toDate", at, operator_id AS "operatorId"
          FROM export_runs WHERE kind = 'posted' ORDER BY id`,
    );
  },
};
