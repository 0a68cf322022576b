import type Database from 'better-sqlite3';
import type { FieldIssue } from '../../../src-shared/api/result';
import type { CreditorDto, CreditorScheme } from '../../../src-shared/dto/mandates';
import { bicProblem, creditorIdProblem, ibanProblem, routingNumberProblem } from '../../domain/mandate-rules';
import { writeAudit } from '../../ledger/audit';
import { conflict, invalidFields } from '../../ledger/errors';
import { CREDITOR_COLUMNS, creditorByCode, creditorDto, type CreditorRow } from './rows';

/** The currency each creditor scheme collects in. */
export const CREDITOR_CURRENCY: Record<CreditorScheme, string> = { sepa: 'EUR', ach: 'USD', bacs: 'GBP' };

/** The editable fields of a creditor. */
export type CreditorFields = {
  name?: string | undefined;
  identifier?: string | undefined;
  currency?: string | undefined;
  iban?: string | undefined;
  bic?: string | undefined;
  routingNo?: string | undefined;
  accountNo?: string | undefined;
  destinationRouting?: string | undefined;
  destinationName?: string | undefined;
  originId?: string | undefined;
  originName?: string | undefined;
  painVersion?: 'pain.008.001.08' | 'pain.008.001.02' | undefined;
  isDefault?: boolean | undefined;
  active?: boolean | undefined;
};

/** Who and when, for audit and history. */
export type Actor = { at: Date; operatorId: number };

const upper = (v: string | null | undefined): string | null =>
  v === undefined || v === null || v === '' ? null : v.replace(/\s+/g, '').toUpperCase();

/**
 * Checks a creditor as it would be stored: SEPA creditor identifier check digits, IBAN and BIC, EUR; ACH
 * company id of 10 characters, ODFI routing and immediate destination check digits, USD; BACS service user
 * number of 6 digits, GBP.
 */
function creditorIssues(c: CreditorRow): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  if (c.name.trim() === '') at('name', 'the creditor name is required');
  if (c.name.length > 70) at('name', 'a creditor name has at most 70 characters');
  const currency = CREDITOR_CURRENCY[c.scheme];
  if (c.currency !== currency) at('currency', `a ${c.scheme.toUpperCase()} creditor collects in ${currency}`);
  if (c.scheme === 'sepa') {
    const p = creditorIdProblem(c.identifier);
    if (p) at('identifier', p);
    if (!c.iban) at('iban', 'a SEPA creditor needs its IBAN (where collections are credited)');
    else {
      const i = ibanProblem(c.iban);
      if (i.problem) at('iban', i.problem);
    }
    if (c.bic) {
      const b = bicProblem(c.bic);
      if (b) at('bic', b);
    }
  } else if (c.scheme === 'ach') {
    if (!/^[A-Za-z0-9 ]{10}$/.test(c.identifier))
      at('identifier', 'an ACH company identification has 10 characters (e.g. 1 + the EIN)');
    if (!c.routingNo) at('routingNo', 'an ACH originator needs its ODFI routing number');
    else {
      const p = routingNumberProblem(c.routingNo);
      if (p) at('routingNo', p);
    }
    if (c.destinationRouting) {
      const p = routingNumberProblem(c.destinationRouting);
      if (p) at('destinationRouting', p);
    }
    if (c.originId && !/^[A-Za-z0-9 ]{10}$/.test(c.originId))
      at('originId', 'the immediate origin has 10 characters');
    if (c.destinationName && c.destinationName.length > 23)
      at('destinationName', 'the immediate destination name has at most 23 characters');
    if (c.originName && c.originName.length > 23)
      at('originName', 'the immediate origin name has at most 23 characters');
  } else if (!/^\d{6}$/.test(c.identifier)) {
    at('identifier', 'a BACS service user number has 6 digits');
  }
  return issues;
}

/** Every creditor, by code. */
export function listCreditors(db: Database.Database): CreditorDto[] {
  return (
    db.prepare(`SELECT ${CREDITOR_COLUMNS} FROM creditors c ORDER BY c.code`).all() as CreditorRow[]
  ).map(creditorDto);
}

/** Adds a creditor (audited); a default creditor replaces the previous default of its scheme. */
export function addCreditor(
  db: Database.Database,
  input: CreditorFields & { code: string; scheme: CreditorScheme; name: string; identifier: string },
  who: Actor,
): CreditorDto {
  const at = who.at.toISOString();
  const row: CreditorRow = {
    id: 0,
    code: input.code,
    scheme: input.scheme,
    name: input.name.trim(),
    identifier: input.identifier.replace(/\s+/g, '').toUpperCase(),
    currency: input.currency ?? CREDITOR_CURRENCY[input.scheme],
    iban: upper(input.iban),
    bic: upper(input.bic),
    routingNo: input.routingNo ?? null,
    accountNo: input.accountNo ?? null,
    destinationRouting: input.destinationRouting ?? null,
    destinationName: input.destinationName ?? null,
    originId: input.originId ?? null,
    originName: input.originName ?? null,
    painVersion: input.painVersion ?? 'pain.008.001.08',
    isDefault: input.isDefault ? 1 : 0,
    active: input.active === false ? 0 : 1,
    mandates: 0,
    createdAt: at,
    updatedAt: at,
  };
  if (input.scheme === 'bacs') row.identifier = input.identifier.trim();
  const issues = creditorIssues(row);
  if (issues.length) throw invalidFields(`creditor ${input.code} is not valid`, issues);
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM creditors WHERE code = ?').get(input.code))
      throw conflict('creditor-code-taken', `a creditor with code ${input.code} exists already`);
    if (row.isDefault)
      db.prepare(
        'UPDATE creditors SET is_default = 0, updated_at = ? WHERE scheme = ? AND is_default = 1',
      ).run(at, row.scheme);
    const id = Number(
      db
        .prepare(
          `INSERT INTO creditors (code, scheme, name, identifier, currency, iban, bic, routing_no, account_no,
             destination_routing, destination_name, origin_id, origin_name, pain_version, is_default, active, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          row.code,
          row.scheme,
          row.name,
          row.identifier,
          row.currency,
          row.iban,
          row.bic,
          row.routingNo,
          row.accountNo,
          row.destinationRouting,
          row.destinationName,
          row.originId,
          row.originName,
          row.painVersion,
          row.isDefault,
          row.active,
          at,
          at,
        ).lastInsertRowid,
    );
    const saved = creditorByCode(db, row.code);
    writeAudit(db, {
      at,
      operatorId: who.operatorId,
      action: 'creditor.add',
      entity: 'creditor',
      entityId: String(id),
      after: creditorDto(saved),
    });
    return creditorDto(saved);
  })();
}

/**
 * Updates a creditor (audited). A SEPA creditor whose identifier or name changes records the ORIGINAL
 * ones as a pending amendment on each of its live mandates (FORMATS.md §1.2 OrgnlCdtrSchmeId), with a
 * mandate event and a version bump each, so the next collection presents them.
 */
export function updateCreditor(
  db: Database.Database,
  code: string,
  change: CreditorFields,
  who: Actor,
): CreditorDto {
  const at = who.at.toISOString();
  return db.transaction(() => {
    const before = creditorByCode(db, code);
    const next: CreditorRow = {
      ...before,
      name: change.name?.trim() ?? before.name,
      identifier:
        change.identifier === undefined
          ? before.identifier
          : before.scheme === 'bacs'
            ? change.identifier.trim()
            : change.identifier.replace(/\s+/g, '').toUpperCase(),
      currency: change.currency ?? before.currency,
      iban: change.iban === undefined ? before.iban : upper(change.iban),
      bic: change.bic === undefined ? before.bic : upper(change.bic),
      routingNo: change.routingNo === undefined ? before.routingNo : change.routingNo || null,
      accountNo: change.accountNo === undefined ? before.accountNo : change.accountNo || null,
      destinationRouting:
        change.destinationRouting === undefined
          ? before.destinationRouting
          : change.destinationRouting || null,
      destinationName:
        change.destinationName === undefined ? before.destinationName : change.destinationName || null,
      originId: change.originId === undefined ? before.originId : change.originId || null,
      originName: change.originName === undefined ? before.originName : change.originName || null,
      painVersion: change.painVersion ?? before.painVersion,
      isDefault: change.isDefault === undefined ? before.isDefault : change.isDefault ? 1 : 0,
      active: change.active === undefined ? before.active : change.active ? 1 : 0,
      updatedAt: at,
    };
    const issues = creditorIssues(next);
    if (issues.length) throw invalidFields(`creditor ${code} is not valid`, issues);
    if (next.currency !== before.currency && before.mandates > 0)
      throw conflict('creditor-currency', `creditor ${code} has mandates: its currency cannot change`);
    if (next.isDefault && !before.isDefault)
      db.prepare(
        'UPDATE creditors SET is_default = 0, updated_at = ? WHERE scheme = ? AND is_default = 1',
      ).run(at, before.scheme);
    db.prepare(
      `UPDATE creditors SET name = ?, identifier = ?, currency = ?, iban = ?, bic = ?, routing_no = ?, account_no = ?,
         destination_routing = ?, destination_name = ?, origin_id = ?, origin_name = ?, pain_version = ?,
         is_default = ?, active = ?, updated_at = ? WHERE id = ?`,
    ).run(
      next.name,
      next.identifier,
      next.currency,
      next.iban,
      next.bic,
      next.routingNo,
      next.accountNo,
      next.destinationRouting,
      next.destinationName,
      next.originId,
      next.originName,
      next.painVersion,
      next.isDefault,
      next.active,
      at,
      before.id,
    );
    let amendedMandates = 0;
    if (before.scheme === 'sepa' && (next.identifier !== before.identifier || next.name !== before.name))
      amendedMandates = recordCreditorAmendment(db, before, next, at, who.operatorId);
    const saved = creditorByCode(db, code);
    writeAudit(db, {
      at,
      operatorId: who.operatorId,
      action: 'creditor.update',
      entity: 'creditor',
      entityId: String(before.id),
      before: creditorDto(before),
      after: { ...creditorDto(saved), amendedMandates },
    });
    return creditorDto(saved);
  })();
}

/**
 * Set-based: every live mandate of the creditor keeps the original creditor identifier/name (the first one
 * the bank knew, if an amendment is already pending) in its pending amendment, gets an 'amended' event and a
 * version bump. Returns how many mandates changed.
 */
function recordCreditorAmendment(
  db: Database.Database,
  before: CreditorRow,
  next: CreditorRow,
  at: string,
  operatorId: number,
): number {
  const idChanged = next.identifier !== before.identifier;
  const nameChanged = next.name !== before.name;
  const pending = `coalesce(pending_amendment_json, '{}')`;
  let expr = pending;
  if (idChanged)
    expr = `json_set(${expr}, '$.originalCreditorId', coalesce(json_extract(${pending}, '$.originalCreditorId'), @oldId))`;
  if (nameChanged)
    expr = `json_set(${expr}, '$.originalCreditorName', coalesce(json_extract(${pending}, '$.originalCreditorName'), @oldName))`;
  const params = { creditorId: before.id, oldId: before.identifier, oldName: before.name, at, operatorId };
  db.prepare(
    `INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code, operator_id)
     SELECT id, @at, 'amended', json_object('pendingAmendment', json(${pending})),
            json_object('pendingAmendment', json(${expr})), 'creditor:' || @creditorId, NULL, @operatorId
     FROM mandates WHERE creditor_id = @creditorId AND status IN ('pending', 'active')`,
  ).run(params);
  return db
    .prepare(
      `UPDATE mandates SET pending_amendment_json = ${expr}, version = version + 1, updated_at = @at
       WHERE creditor_id = @creditorId AND status IN ('pending', 'active')`,
    )
    .run(params).changes;
}
