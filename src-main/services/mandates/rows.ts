import { creditorByCodeQuery, type CreditorRow } from '../../../db/repos/creditors';
import {
  mandateByIdQuery,
  mandateEventInsertQuery,
  mandateEventsQuery,
  mandatesByReferenceQuery,
  type MandateEventRecord,
  type MandateRow,
} from '../../../db/repos/mandates';
import type { Tx } from '../../../db/storage/port';
import type {
  CreditorDto,
  MandateDto,
  MandateEventDto,
  MandateScheme,
  PendingAmendmentDto,
} from '../../../src-shared/dto/mandates';
import { notFound } from '../../ledger/errors';

export type { CreditorRow, MandateRow };

/** A creditors row as a DTO. */
export function creditorDto(r: CreditorRow): CreditorDto {
  return { ...r, isDefault: r.isDefault === 1, active: r.active === 1 };
}

/** The creditor with this code in the caller's transaction, or not_found. */
export async function creditorByCode(tx: Tx, code: string): Promise<CreditorRow> {
  const row = await tx.get<CreditorRow>(creditorByCodeQuery(code));
  if (!row) throw notFound('creditor', code);
  return row;
}

/** A mandate row as a DTO. */
export function mandateDto(r: MandateRow): MandateDto {
  const { accountId: _a, billUnitId: _b, creditorId: _c, pendingAmendmentJson, ...rest } = r;
  return {
    ...rest,
    pendingAmendment: pendingAmendmentJson ? (JSON.parse(pendingAmendmentJson) as PendingAmendmentDto) : null,
  };
}

/** The mandate with this id in the caller's transaction, or not_found. */
export async function mandateById(tx: Tx, id: number): Promise<MandateRow> {
  const row = await tx.get<MandateRow>(mandateByIdQuery(id));
  if (!row) throw notFound('mandate', String(id));
  return row;
}

/** The mandates with this reference (optionally of one creditor), by id. */
export function mandatesByReference(tx: Tx, reference: string, creditorCode?: string): Promise<MandateRow[]> {
  return tx.all<MandateRow>(mandatesByReferenceQuery(reference, creditorCode));
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

/**
 * Appends a mandate_events row. before/after become JSON text here, not in SQL, so both databases store the
 * same text (PostgreSQL's jsonb would reorder keys and space them).
 */
export async function insertMandateEvent(
  tx: Tx,
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
): Promise<void> {
  await tx.run(
    mandateEventInsertQuery({
      mandateId: e.mandateId,
      at: e.at,
      kind: e.kind,
      beforeJson: e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
      afterJson: e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
      source: e.source,
      code: e.code ?? null,
      operatorId: e.operatorId,
    }),
  );
}

/** The history of a mandate, oldest first. */
export async function mandateEvents(tx: Tx, mandateId: number): Promise<MandateEventDto[]> {
  const rows = await tx.all<MandateEventRecord>(mandateEventsQuery(mandateId));
  return rows.map(({ beforeJson, afterJson, ...r }) => ({
    ...r,
    before: beforeJson ? (JSON.parse(beforeJson) as Record<string, unknown>) : null,
    after: afterJson ? (JSON.parse(afterJson) as Record<string, unknown>) : null,
  }));
}
