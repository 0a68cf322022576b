import { sql, type SQL } from 'drizzle-orm';
import { PAY_TYPE } from '../../src-shared/pay-types';
import type { Tx } from '../storage/port';
import { flag, inList } from './dialect';

// A direct-debit (or credit) run: what it selects (mandates, due bills, credit balances) and what it writes (dormant
// mandates expired, the files and their items, the mandates' collection counters). The rules live in
// src-main/services/directdebit/select.ts and run.ts.

type On = Pick<Tx, 'dialect'>;

/** A mandate as a run's selection reads it. */
export type DdMandateRecord = {
  id: number;
  accountId: number;
  billUnitId: number | null;
  creditorId: number;
  scheme: 'sepa_core' | 'sepa_b2b' | 'bacs' | 'ach';
  reference: string;
  type: 'recurrent' | 'oneoff';
  status: 'pending' | 'active' | 'cancelled' | 'expired';
  signedOn: string;
  debtorName: string;
  iban: string | null;
  bic: string | null;
  routingNo: string | null;
  accountNo: string | null;
  accountType: 'checking' | 'savings' | null;
  secCode: 'PPD' | 'CCD' | 'WEB' | 'TEL' | null;
  pendingAmendmentJson: string | null;
  collections: number;
  lastCollectedOn: string | null;
};

/** The mandates of these schemes, active ones first, then by id. */
export function ddMandatesQuery(on: On, schemes: readonly string[]): SQL {
  return sql`SELECT id, account_id AS "accountId", bill_unit_id AS "billUnitId", creditor_id AS "creditorId", scheme,
      reference, type, status, signed_on AS "signedOn", debtor_name AS "debtorName", iban, bic,
      routing_no AS "routingNo", account_no AS "accountNo", account_type AS "accountType", sec_code AS "secCode",
      pending_amendment_json AS "pendingAmendmentJson", collections, last_collected_on AS "lastCollectedOn"
    FROM mandates WHERE ${inList(on, sql`scheme`, schemes)}
    ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, id`;
}

/** The accounts with a live (active or pending) mandate of a scheme other than these. */
export function ddMandatedElsewhereQuery(on: On, schemes: readonly string[]): SQL {
  return sql`SELECT DISTINCT account_id AS id FROM mandates
    WHERE status IN ('active', 'pending') AND NOT ${inList(on, sql`scheme`, schemes)}`;
}

/** An open bill a debit run may collect, with its account's collection state and whether a live file holds it. */
export type DdBillRecord = {
  billId: number;
  billNo: string;
  accountId: number;
  accountNo: string;
  currency: string;
  amountMinor: number;
  billDate: string;
  dueDate: string;
  billUnitId: number;
  payType: number;
  suspendedUntil: string | null;
  datePolicy: string | null;
  live: number;
};

/** The open bills with an amount due of bill units paying by direct debit or SEPA, on active customer accounts. */
export function ddDueBillsQuery(): SQL {
  return sql`SELECT b.id AS "billId", b.bill_no AS "billNo", a.id AS "accountId", a.account_no AS "accountNo",
      b.currency, b.amount_due_minor AS "amountMinor", b.bill_date AS "billDate", b.due_date AS "dueDate",
      u.id AS "billUnitId", u.pay_type AS "payType", cs.suspended_until AS "suspendedUntil",
      cs.date_policy AS "datePolicy",
      ${flag(sql`EXISTS (SELECT 1 FROM bank_file_items i WHERE i.bill_id = b.id AND i.status = 'sent')`)} AS live
    FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
    LEFT JOIN collection_states cs ON cs.account_id = a.id
    WHERE b.status = 'open' AND b.amount_due_minor > 0 AND u.pay_type IN (${PAY_TYPE.directDebit}, ${PAY_TYPE.sepa})
      AND u.paying = 1 AND a.is_suspense = 0 AND a.status = 'active'
    ORDER BY b.id`;
}

/** An account with a credit balance a credit run may pay back, and whether a live credit file holds it. */
export type DdCreditAccountRecord = {
  accountId: number;
  accountNo: string;
  currency: string;
  creditMinor: number;
  payType: number | null;
  live: number;
};

/** The customer accounts in credit, with the direct-debit pay type of their bill units (or none). */
export function ddCreditAccountsQuery(): SQL {
  return sql`SELECT a.id AS "accountId", a.account_no AS "accountNo", a.currency, -a.balance_minor AS "creditMinor",
      (SELECT u.pay_type FROM bill_units u WHERE u.account_id = a.id AND u.pay_type IN (${PAY_TYPE.directDebit}, ${PAY_TYPE.sepa})
         ORDER BY u.paying DESC, u.is_default DESC, u.id LIMIT 1) AS "payType",
      ${flag(sql`EXISTS (SELECT 1 FROM bank_file_items i JOIN bank_files_out f ON f.id = i.file_id
              WHERE i.account_id = a.id AND i.status = 'sent' AND f.kind = 'credit' AND f.status = 'ready')`)} AS live
    FROM accounts a WHERE a.balance_minor < 0 AND a.is_suspense = 0 AND a.status <> 'closed'
    ORDER BY a.id`;
}

/** A dormant mandate expired by a run (only while it is still active). */
export function ddMandateExpireQuery(id: number, at: string): SQL {
  return sql`UPDATE mandates SET status = 'expired', version = version + 1, updated_at = ${at}
    WHERE id = ${id} AND status = 'active'`;
}

/** A file a run registers (ready, its message id and hash set once it is rendered); answers its id. */
export function ddFileInsertQuery(f: {
  kind: 'debit' | 'credit';
  scheme: string;
  format: string;
  creditorId: number;
  collectionDate: string;
  currency: string;
  messageId: string;
  count: number;
  totalMinor: number;
  at: string;
  operatorId: number;
  runKey: string;
}): SQL {
  return sql`INSERT INTO bank_files_out (kind, scheme, format, creditor_id, collection_date, currency, message_id, count,
      total_minor, sha256, path, status, created_at, created_by, run_key)
    VALUES (${f.kind}, ${f.scheme}, ${f.format}, ${f.creditorId}, ${f.collectionDate}, ${f.currency}, ${f.messageId},
      ${f.count}, ${f.totalMinor}, '', NULL, 'ready', ${f.at}, ${f.operatorId}, ${f.runKey})
    RETURNING id`;
}

/** A registered file's message id (made of its id) and the hash of its rendered bytes. */
export function ddFileStampQuery(id: number, messageId: string, sha256: string): SQL {
  return sql`UPDATE bank_files_out SET message_id = ${messageId}, sha256 = ${sha256} WHERE id = ${id}`;
}

/** One item of a registered file, live ('sent'). */
export function ddFileItemInsertQuery(i: {
  fileId: number;
  seq: number;
  mandateId: number;
  accountId: number;
  billId: number | null;
  amountMinor: number;
  currency: string;
  endToEndId: string;
  traceNumber: string | null;
  paymentInfoId: string | null;
  seqType: string | null;
  snapshotJson: string;
  paymentId: number | null;
}): SQL {
  return sql`INSERT INTO bank_file_items (file_id, seq, mandate_id, account_id, bill_id, amount_minor, currency,
      end_to_end_id, trace_number, payment_info_id, seq_type, mandate_snapshot_json, payment_id, status)
    VALUES (${i.fileId}, ${i.seq}, ${i.mandateId}, ${i.accountId}, ${i.billId}, ${i.amountMinor}, ${i.currency},
      ${i.endToEndId}, ${i.traceNumber}, ${i.paymentInfoId}, ${i.seqType}, ${i.snapshotJson}, ${i.paymentId}, 'sent')`;
}

/** A mandate's collections counted, its first and last collection dates moved, the amendment it presented cleared. */
export function ddMandateAdvanceQuery(mandateId: number, n: number, collectionDate: string, at: string): SQL {
  // CASE, not SQLite's two-argument max(), which PostgreSQL spells greatest().
  return sql`UPDATE mandates SET collections = collections + ${n},
      first_collected_on = coalesce(first_collected_on, ${collectionDate}),
      last_collected_on = CASE WHEN coalesce(last_collected_on, '') > ${collectionDate} THEN last_collected_on
        ELSE ${collectionDate} END,
      pending_amendment_json = NULL, version = version + 1, updated_at = ${at}
    WHERE id = ${mandateId}`;
}
