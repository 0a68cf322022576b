import type Database from 'better-sqlite3';
import { creditorByCodeQuery, type CreditorRow } from '../../../db/repos/creditors';
import { driverGet } from '../../../db/storage/sqlite';
import type {
  CreditorDto,
  MandateDto,
  MandateEventDto,
  MandateScheme,
  PendingAmendmentDto,
} from '../../../src-shared/dto/mandates';
import { notFound } from '../../ledger/errors';

export type { CreditorRow };

/** A creditors row as a DTO. */
export function creditorDto(r: CreditorRow): CreditorDto {
  return { ...r, isDefault: r.isDefault === 1, active: r.active === 1 };
}

/** The creditor with this code, or not_found (mandate keying still reads it on the driver). */
export function creditorByCode(db: Database.Database, code: string): CreditorRow {
  const row = driverGet<CreditorRow>(db, creditorByCodeQuery(code));
  if (!row) throw notFound('creditor', code);
  return row;
}

/** A mandates row joined with its account, bill unit and creditor (MANDATE_FROM, MANDATE_COLUMNS). */
export type MandateRow = Omit<MandateDto, 'pendingAmendment'> & {
  accountId: number;
  billUnitId: number | null;
  creditorId: number;
  pendingAmendmentJson: string | null;
};

/** The mandate columns under their DTO names. */
export const MANDATE_COLUMNS = `m.id, m.account_id AS accountId, a.account_no AS accountNo, a.name AS accountName,
  a.currency AS accountCurrency, m.bill_unit_id AS billUnitId, bu.bill_unit_no AS billUnitNo,
  m.creditor_id AS creditorId, c.code AS creditorCode, m.scheme, m.reference, m.type, m.status,
  m.signed_on AS signedOn, m.debtor_name AS debtorName, m.iban, m.bic, m.sort_code AS sortCode,
  m.routing_no AS routingNo, m.account_no AS bankAccountNo, m.account_type AS accountType,
  m.sec_code AS secCode, m.pending_amendment_json AS pendingAmendmentJson,
  m.first_collected_on AS firstCollectedOn, m.last_collected_on AS lastCollectedOn, m.collections,
  m.cancelled_on AS cancelledOn, m.cancel_reason AS cancelReason, m.version, m.created_at AS createdAt,
  m.updated_at AS updatedAt`;

/** The joins behind MANDATE_COLUMNS. */
export const MANDATE_FROM = `mandates m JOIN accounts a ON a.id = m.account_id
  JOIN creditors c ON c.id = m.creditor_id LEFT JOIN bill_units bu ON bu.id = m.bill_unit_id`;

/** A mandate row as a DTO. */
export function mandateDto(r: MandateRow): MandateDto {
  const { accountId: _a, billUnitId: _b, creditorId: _c, pendingAmendmentJson, ...rest } = r;
  return {
    ...rest,
    pendingAmendment: pendingAmendmentJson ? (JSON.parse(pendingAmendmentJson) as PendingAmendmentDto) : null,
  };
}

/** The mandate with this id, or not_found. */
export function mandateById(db: Database.Database, id: number): MandateRow {
  const row = db.prepare(`SELECT ${MANDATE_COLUMNS} FROM ${MANDATE_FROM} WHERE m.id = ?`).get(id) as
    MandateRow | undefined;
  if (!row) throw notFound('mandate', String(id));
  return row;
}

/** The mandates with this reference (optionally of one creditor). */
export function mandatesByReference(
  db: Database.Database,
  reference: string,
  creditorCode?: string,
): MandateRow[] {
  return creditorCode
    ? (db
        .prepare(`SELECT ${MANDATE_COLUMNS} FROM ${MANDATE_FROM} WHERE m.reference = ? AND c.code = ?`)
        .all(reference, creditorCode) as MandateRow[])
    : (db
        .prepare(`SELECT ${MANDATE_COLUMNS} FROM ${MANDATE_FROM} WHERE m.reference = ? ORDER BY m.id`)
        .all(reference) as MandateRow[]);
}

/** The bank data of a mandate as recorded in its events' before/after. */
export function mandateData(r: MandateRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    status: r.status,
    reference: r.reference,
    debtorName: r.debtorName,
  };
  if (r.scheme === 'sepa_core' || r.scheme === 'sepa_b2b') {
    out.iban = r.iban;
    out.bic = r.bic;
  } else if (r.scheme === 'bacs') {
    out.sortCode = r.sortCode;
    out.bankAccountNo = r.bankAccountNo;
  } else {
    out.routingNo = r.routingNo;
    out.bankAccountNo = r.bankAccountNo;
    out.accountType = r.accountType;
    out.secCode = r.secCode;
  }
  if (r.pendingAmendmentJson) out.pendingAmendment = JSON.parse(r.pendingAmendmentJson) as unknown;
  return out;
}

/** True for the SEPA schemes. */
export const isSepa = (s: MandateScheme): boolean => s === 'sepa_core' || s === 'sepa_b2b';

/** Appends a mandate_events row. */
export function insertMandateEvent(
  db: Database.Database,
  e: {
    mandateId: number;
    at: string;
    kind: MandateEventDto['kind'];
    before: unknown;
    after: unknown;
    source: string;
    code?: string | null;
    operatorId: number | null;
  },
): void {
  db.prepare(
    `INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code, operator_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.mandateId,
    e.at,
    e.kind,
    e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
    e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
    e.source,
    e.code ?? null,
    e.operatorId,
  );
}

/** The history of a mandate, oldest first. */
export function mandateEvents(db: Database.Database, mandateId: number): MandateEventDto[] {
  const rows = db
    .prepare(
      `SELECT e.id, e.at, e.kind, e.before_json AS beforeJson, e.after_json AS afterJson, e.source, e.code,
              e.auddis_extract_id AS auddisExtractId, o.login AS operator
       FROM mandate_events e LEFT JOIN operators o ON o.id = e.operator_id
       WHERE e.mandate_id = ? ORDER BY e.id`,
    )
    .all(mandateId) as (Omit<MandateEventDto, 'before' | 'after'> & {
    beforeJson: string | null;
    afterJson: string | null;
  })[];
  return rows.map(({ beforeJson, afterJson, ...r }) => ({
    ...r,
    before: beforeJson ? (JSON.parse(beforeJson) as Record<string, unknown>) : null,
    after: afterJson ? (JSON.parse(afterJson) as Record<string, unknown>) : null,
  }));
}
