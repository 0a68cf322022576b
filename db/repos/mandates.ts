import { sql, type SQL } from 'drizzle-orm';
import type {
  MandateDto,
  MandateEventDto,
  MandateScheme,
  MandateStatus,
} from '../../src-shared/dto/mandates';
import type { Tx } from '../storage/port';
import { binary, inList } from './dialect';

/**
 * Direct-debit mandates (issue #17): keying, listing, amending, cancelling, expiring, the bank's revision file and
 * the BACS AUDDIS extract, written once here for both databases and run through the port
 * (services/mandates/). A mandate reference is unique per creditor by the index mandates_reference_idx, a
 * revision file by mandate_files.sha256: a concurrent duplicate is refused by the database, not by a read.
 */

/** The dialect a query is compiled for. */
type On = Pick<Tx, 'dialect'>;

/** A mandates row joined with its account, bill unit and creditor. */
export type MandateRow = Omit<MandateDto, 'pendingAmendment'> & {
  accountId: number;
  billUnitId: number | null;
  creditorId: number;
  pendingAmendmentJson: string | null;
};

const COLUMNS = sql`m.id, m.account_id AS "accountId", a.account_no AS "accountNo", a.name AS "accountName",
  a.currency AS "accountCurrency", m.bill_unit_id AS "billUnitId", bu.bill_unit_no AS "billUnitNo",
  m.creditor_id AS "creditorId", c.code AS "creditorCode", m.scheme, m.reference, m.type, m.status,
  m.signed_on AS "signedOn", m.debtor_name AS "debtorName", m.iban, m.bic, m.sort_code AS "sortCode",
  m.routing_no AS "routingNo", m.account_no AS "bankAccountNo", m.account_type AS "accountType",
  m.sec_code AS "secCode", m.pending_amendment_json AS "pendingAmendmentJson",
  m.first_collected_on AS "firstCollectedOn", m.last_collected_on AS "lastCollectedOn", m.collections,
  m.cancelled_on AS "cancelledOn", m.cancel_reason AS "cancelReason", m.version, m.created_at AS "createdAt",
  m.updated_at AS "updatedAt"`;

const FROM = sql`mandates m JOIN accounts a ON a.id = m.account_id
  JOIN creditors c ON c.id = m.creditor_id LEFT JOIN bill_units bu ON bu.id = m.bill_unit_id`;

/** The mandate with this id, or none. */
export function mandateByIdQuery(id: number): SQL {
  return sql`SELECT ${COLUMNS} FROM ${FROM} WHERE m.id = ${id}`;
}

/** The mandates with this reference (of one creditor when a code is given), by id. */
export function mandatesByReferenceQuery(reference: string, creditorCode?: string): SQL {
  const creditor = creditorCode ? sql` AND c.code = ${creditorCode}` : sql``;
  return sql`SELECT ${COLUMNS} FROM ${FROM} WHERE m.reference = ${reference}${creditor} ORDER BY m.id`;
}

/** Filters of a mandate list. */
export type MandateListFilter = {
  accountNo?: string | undefined;
  creditor?: string | undefined;
  scheme?: MandateScheme | undefined;
  status?: MandateStatus | undefined;
  referencePrefix?: string | undefined;
};

function listWhere(on: On, f: MandateListFilter): SQL {
  const where: SQL[] = [];
  if (f.accountNo) where.push(sql`a.account_no = ${f.accountNo}`);
  if (f.creditor) where.push(sql`c.code = ${f.creditor}`);
  if (f.scheme) where.push(sql`m.scheme = ${f.scheme}`);
  if (f.status) where.push(sql`m.status = ${f.status}`);
  // A range on the reference, compared by code point on both: the LIKE wildcards in a typed prefix are data.
  if (f.referencePrefix) {
    const ref = binary(on, sql`m.reference`);
    where.push(sql`${ref} >= ${f.referencePrefix} AND ${ref} < ${f.referencePrefix + '\uffff'}`);
  }
  return where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
}

/** How many mandates match the filters. */
export function mandatesCountQuery(on: On, f: MandateListFilter): SQL {
  return sql`SELECT count(*) AS n FROM ${FROM} ${listWhere(on, f)}`;
}

/** A page of the mandates matching the filters, newest first. */
export function mandatesPageQuery(on: On, f: MandateListFilter, limit: number, offset: number): SQL {
  return sql`SELECT ${COLUMNS} FROM ${FROM} ${listWhere(on, f)} ORDER BY m.id DESC LIMIT ${limit} OFFSET ${offset}`;
}

/** A mandate event as stored, before/after still JSON text. */
export type MandateEventRecord = Omit<MandateEventDto, 'before' | 'after'> & {
  beforeJson: string | null;
  afterJson: string | null;
};

/** The history of a mandate, oldest first. */
export function mandateEventsQuery(mandateId: number): SQL {
  return sql`SELECT e.id, e.at, e.kind, e.before_json AS "beforeJson", e.after_json AS "afterJson", e.source,
      e.code, e.auddis_extract_id AS "auddisExtractId", o.login AS operator
    FROM mandate_events e LEFT JOIN operators o ON o.id = e.operator_id
    WHERE e.mandate_id = ${mandateId} ORDER BY e.id`;
}

/** One mandate_events row to append; before/after are JSON text built by the caller (same text on both). */
export type MandateEventWrite = {
  mandateId: number;
  at: string;
  kind: MandateEventDto['kind'];
  beforeJson: string | null;
  afterJson: string | null;
  source: string;
  code: string | null;
  auddisExtractId?: number | null;
  operatorId: number | null;
};

/** Appends a mandate event. */
export function mandateEventInsertQuery(e: MandateEventWrite): SQL {
  return sql`INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code,
      auddis_extract_id, operator_id)
    VALUES (${e.mandateId}, ${e.at}, ${e.kind}, ${e.beforeJson}, ${e.afterJson}, ${e.source}, ${e.code},
      ${e.auddisExtractId ?? null}, ${e.operatorId})`;
}

/** The account a mandate is keyed for. */
export type MandateAccountRow = {
  id: number;
  accountNo: string;
  name: string;
  currency: string;
  status: string;
};

/** The account with this number, or none. */
export function mandateAccountQuery(accountNo: string): SQL {
  return sql`SELECT id, account_no AS "accountNo", name, currency, status FROM accounts
    WHERE account_no = ${accountNo}`;
}

/** The bill unit with this number and its account, or none. */
export function mandateBillUnitQuery(billUnitNo: string): SQL {
  return sql`SELECT id, account_id AS "accountId" FROM bill_units WHERE bill_unit_no = ${billUnitNo}`;
}

/** A row when the creditor has a mandate with this reference (other than the one given). */
export function mandateReferenceTakenQuery(creditorId: number, reference: string, exceptId?: number): SQL {
  const except = exceptId === undefined ? sql`` : sql` AND id <> ${exceptId}`;
  return sql`SELECT 1 AS found FROM mandates
    WHERE creditor_id = ${creditorId} AND reference = ${reference}${except}`;
}

/** The creditor's mandate references that begin with this text (compared by code point on both). */
export function mandateReferencesWithPrefixQuery(on: On, creditorId: number, prefix: string): SQL {
  const ref = binary(on, sql`reference`);
  return sql`SELECT reference FROM mandates
    WHERE creditor_id = ${creditorId} AND ${ref} >= ${prefix} AND ${ref} < ${prefix + '\uffff'}`;
}

/** A mandate's amendable data as stored. */
export type MandateDetailsWrite = {
  reference: string;
  debtorName: string;
  iban: string | null;
  bic: string | null;
  sortCode: string | null;
  routingNo: string | null;
  bankAccountNo: string | null;
  accountType: string | null;
  secCode: string | null;
};

/** A new mandate's stored fields: its amendable data and what never changes. */
export type MandateWrite = MandateDetailsWrite & {
  accountId: number;
  billUnitId: number | null;
  creditorId: number;
  scheme: MandateScheme;
  type: 'recurrent' | 'oneoff';
  status: MandateStatus;
  signedOn: string;
  createdBy: number;
};

/** Adds a mandate at version 1, answering its id; a reference the creditor has is refused by the unique index. */
export function mandateInsertQuery(m: MandateWrite, at: string): SQL {
  return sql`INSERT INTO mandates (account_id, bill_unit_id, creditor_id, scheme, reference, type, status, signed_on,
      debtor_name, iban, bic, sort_code, routing_no, account_no, account_type, sec_code, collections, version,
      created_at, updated_at, created_by)
    VALUES (${m.accountId}, ${m.billUnitId}, ${m.creditorId}, ${m.scheme}, ${m.reference}, ${m.type}, ${m.status},
      ${m.signedOn}, ${m.debtorName}, ${m.iban}, ${m.bic}, ${m.sortCode}, ${m.routingNo}, ${m.bankAccountNo},
      ${m.accountType}, ${m.secCode}, 0, 1, ${at}, ${at}, ${m.createdBy})
    RETURNING id`;
}

/** Amends a mandate read at `version` (none changed when it changed meanwhile) and bumps its version. */
export function mandateAmendQuery(
  id: number,
  version: number,
  d: MandateDetailsWrite,
  pendingJson: string | null,
  at: string,
): SQL {
  return sql`UPDATE mandates SET reference = ${d.reference}, debtor_name = ${d.debtorName}, iban = ${d.iban},
      bic = ${d.bic}, sort_code = ${d.sortCode}, routing_no = ${d.routingNo}, account_no = ${d.bankAccountNo},
      account_type = ${d.accountType}, sec_code = ${d.secCode}, pending_amendment_json = ${pendingJson},
      version = version + 1, updated_at = ${at}
    WHERE id = ${id} AND version = ${version}`;
}

/** Cancels a live mandate read at `version` (none changed when it changed meanwhile). */
export function mandateCancelQuery(
  id: number,
  version: number,
  cancelledOn: string,
  reason: string,
  at: string,
): SQL {
  return sql`UPDATE mandates SET status = 'cancelled', cancelled_on = ${cancelledOn}, cancel_reason = ${reason},
      version = version + 1, updated_at = ${at}
    WHERE id = ${id} AND version = ${version} AND status IN ('pending', 'active')`;
}

/** A live mandate as `mandate expire` weighs it. */
export type ExpireCandidateRow = {
  id: number;
  reference: string;
  type: 'recurrent' | 'oneoff';
  status: 'pending' | 'active';
  signedOn: string;
  collections: number;
  lastCollectedOn: string | null;
  version: number;
};

/** The live mandates, by id. */
export function expireCandidatesQuery(): SQL {
  return sql`SELECT id, reference, type, status, signed_on AS "signedOn", collections,
      last_collected_on AS "lastCollectedOn", version
    FROM mandates WHERE status IN ('pending', 'active') ORDER BY id`;
}

/** Expires a mandate read at `version`. */
export function mandateExpireQuery(id: number, version: number, at: string): SQL {
  return sql`UPDATE mandates SET status = 'expired', version = version + 1, updated_at = ${at}
    WHERE id = ${id} AND version = ${version}`;
}

/** A BACS mandate event an AUDDIS extract has not listed yet. */
export type AuddisEventRow = {
  id: number;
  mandateId: number;
  kind: string;
  beforeJson: string | null;
  afterJson: string | null;
};

/** The BACS events no extract has listed, by mandate then id. */
export function auddisEventsQuery(): SQL {
  return sql`SELECT e.id, e.mandate_id AS "mandateId", e.kind, e.before_json AS "beforeJson",
      e.after_json AS "afterJson"
    FROM mandate_events e JOIN mandates m ON m.id = e.mandate_id
    WHERE m.scheme = 'bacs' AND e.auddis_extract_id IS NULL
      AND e.kind IN ('created', 'amended', 'cancelled', 'expired')
    ORDER BY e.mandate_id, e.id`;
}

/** A BACS instruction as the bank holds it now, with its creditor's service user number. */
export type AuddisMandateRow = {
  status: string;
  sortCode: string;
  bankAccountNo: string;
  debtorName: string;
  reference: string;
  sun: string;
  version: number;
};

/** The current data of a BACS mandate. */
export function auddisMandateQuery(mandateId: number): SQL {
  return sql`SELECT m.status, m.sort_code AS "sortCode", m.account_no AS "bankAccountNo",
      m.debtor_name AS "debtorName", m.reference, c.identifier AS sun, m.version
    FROM mandates m JOIN creditors c ON c.id = m.creditor_id WHERE m.id = ${mandateId}`;
}

/** Records an extract, answering its id. */
export function auddisExtractInsertQuery(at: string, count: number, sha256: string, operatorId: number): SQL {
  return sql`INSERT INTO auddis_extracts (created_at, count, sha256, path, operator_id)
    VALUES (${at}, ${count}, ${sha256}, NULL, ${operatorId}) RETURNING id`;
}

/** Stamps the listed events with their extract (only those still unstamped). */
export function auddisStampQuery(on: On, extractId: number, eventIds: readonly number[]): SQL {
  return sql`UPDATE mandate_events SET auddis_extract_id = ${extractId}
    WHERE ${inList(on, sql`id`, eventIds)} AND auddis_extract_id IS NULL`;
}

/** Moves a pending instruction read at `version` to active. */
export function auddisActivateQuery(id: number, version: number, at: string): SQL {
  return sql`UPDATE mandates SET status = 'active', version = version + 1, updated_at = ${at}
    WHERE id = ${id} AND version = ${version} AND status = 'pending'`;
}

/** Where the extract was written. */
export function auddisExtractPathQuery(extractId: number, path: string): SQL {
  return sql`UPDATE auddis_extracts SET path = ${path} WHERE id = ${extractId}`;
}

/** The mandate file applied with this content hash, or none. */
export function mandateFileByHashQuery(sha256: string): SQL {
  return sql`SELECT id, applied_at AS "appliedAt" FROM mandate_files WHERE sha256 = ${sha256}`;
}

/** Records an applied mandate file, answering its id; the same content twice is refused by the unique index. */
export function mandateFileInsertQuery(
  sha256: string,
  fileName: string,
  rows: number,
  at: string,
  operatorId: number,
): SQL {
  return sql`INSERT INTO mandate_files (sha256, file_name, rows, applied_at, operator_id)
    VALUES (${sha256}, ${fileName}, ${rows}, ${at}, ${operatorId}) RETURNING id`;
}

/** The open work item a revision code raises on the mandate's account. */
export function mandateRevisionWorkItemQuery(accountId: number, message: string, at: string): SQL {
  return sql`INSERT INTO workflow_items (account_id, kind, txn_id, message, status, created_at)
    VALUES (${accountId}, 'mandate-revision', NULL, ${message}, 'open', ${at})`;
}
