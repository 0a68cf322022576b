import { appendAudit } from '../../../db/repos/audit';
import {
  creditorAmendmentEventsQuery,
  creditorAmendmentMandatesQuery,
  creditorByCodeQuery,
  creditorCodeTakenQuery,
  creditorInsertQuery,
  creditorsClearDefaultQuery,
  creditorsQuery,
  creditorUpdateQuery,
  liveMandatesOfCreditorQuery,
  type CreditorAmendment,
  type CreditorWrite,
  type LiveMandateRow,
} from '../../../db/repos/creditors';
import { UniqueViolation, type Storage, type Tx } from '../../../db/storage/port';
import type { FieldIssue } from '../../../src-shared/api/result';
import type { CreditorDto, CreditorScheme, PendingAmendmentDto } from '../../../src-shared/dto/mandates';
import { bicProblem, creditorIdProblem, ibanProblem, routingNumberProblem } from '../../domain/mandate-rules';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { creditorDto, type CreditorRow } from './rows';

// Creditors behind the storage seam (issue #17): the creditor commands run through the port on SQLite and
// PostgreSQL alike, each one transaction. Adds and updates are serializable: each reads what it replaces (the
// scheme's default, the creditor before, its live mandates) and two supervisors saving at once take turns.
// Mandate keying and direct-debit runs, still on the driver, read creditors with the same repository queries.

const READ = { readOnly: true } as const;
const WRITE = { serializable: true } as const;

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
export function listCreditors(storage: Storage): Promise<CreditorDto[]> {
  return storage.transaction(
    async (tx) => (await tx.all<CreditorRow>(creditorsQuery(tx))).map(creditorDto),
    READ,
  );
}

/** The creditor with this code in the caller's transaction, or not_found. */
async function creditorIn(tx: Tx, code: string): Promise<CreditorRow> {
  const row = await tx.get<CreditorRow>(creditorByCodeQuery(code));
  if (!row) throw notFound('creditor', code);
  return row;
}

/** The stored fields of a creditor row. */
function writeOf(c: CreditorRow): CreditorWrite {
  const { id: _id, mandates: _m, createdAt: _c, updatedAt: _u, ...fields } = c;
  return fields;
}

/** Adds a creditor (audited); a default creditor replaces the previous default of its scheme. */
export async function addCreditor(
  storage: Storage,
  input: CreditorFields & { code: string; scheme: CreditorScheme; name: string; identifier: string },
  who: Actor,
): Promise<CreditorDto> {
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
  const taken = (): Error =>
    conflict('creditor-code-taken', `a creditor with code ${input.code} exists already`);
  return storage.transaction(async (tx) => {
    if (await tx.get(creditorCodeTakenQuery(input.code))) throw taken();
    if (row.isDefault) await tx.run(creditorsClearDefaultQuery(row.scheme, at));
    let id: number;
    try {
      const inserted = await tx.get<{ id: number }>(creditorInsertQuery(writeOf(row), at));
      if (!inserted) throw new Error(`creditor ${input.code} was not added`);
      id = inserted.id;
    } catch (err) {
      // A supervisor adding the same code at once committed first: the same refusal as a code added before.
      if (err instanceof UniqueViolation) throw taken();
      throw err;
    }
    const saved = creditorDto(await creditorIn(tx, row.code));
    await appendAudit(tx, {
      at,
      operatorId: who.operatorId,
      action: 'creditor.add',
      entity: 'creditor',
      entityId: String(id),
      after: saved,
    });
    return saved;
  }, WRITE);
}

/**
 * Updates a creditor (audited). A SEPA creditor whose identifier or name changes records the ORIGINAL
 * ones as a pending amendment on each of its live mandates (FORMATS.md §1.2 OrgnlCdtrSchmeId), with a
 * mandate event and a version bump each, so the next collection presents them.
 */
export async function updateCreditor(
  storage: Storage,
  code: string,
  change: CreditorFields,
  who: Actor,
): Promise<CreditorDto> {
  const at = who.at.toISOString();
  return storage.transaction(async (tx) => {
    const before = await creditorIn(tx, code);
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
    if (next.isDefault && !before.isDefault) await tx.run(creditorsClearDefaultQuery(before.scheme, at));
    await tx.run(creditorUpdateQuery(before.id, writeOf(next), at));
    let amendedMandates = 0;
    if (before.scheme === 'sepa' && (next.identifier !== before.identifier || next.name !== before.name))
      amendedMandates = await recordCreditorAmendment(tx, before, next, at, who.operatorId);
    const saved = creditorDto(await creditorIn(tx, code));
    await appendAudit(tx, {
      at,
      operatorId: who.operatorId,
      action: 'creditor.update',
      entity: 'creditor',
      entityId: String(before.id),
      before: creditorDto(before),
      after: { ...saved, amendedMandates },
    });
    return saved;
  }, WRITE);
}

/** Mandates amended per statement: one JSON parameter each, kept to a few hundred kilobytes. */
const AMEND_CHUNK = 2000;

/**
 * Every live mandate of the creditor keeps the original creditor identifier/name (the first one the bank knew,
 * if an amendment is already pending) in its pending amendment, gets an 'amended' event and a version bump.
 * The new amendments are computed here, not in SQL: SQLite's json_set keeps the keys' order and writes compact
 * text, PostgreSQL's jsonb would sort and space them, so the same change would store different text. Written in
 * set-based statements of up to AMEND_CHUNK mandates. Returns how many mandates changed.
 */
async function recordCreditorAmendment(
  tx: Tx,
  before: CreditorRow,
  next: CreditorRow,
  at: string,
  operatorId: number,
): Promise<number> {
  const idChanged = next.identifier !== before.identifier;
  const nameChanged = next.name !== before.name;
  const live = await tx.all<LiveMandateRow>(liveMandatesOfCreditorQuery(before.id));
  const amendments = live.map((m): CreditorAmendment => {
    const pending = JSON.parse(m.pendingJson ?? '{}') as PendingAmendmentDto;
    const amended: PendingAmendmentDto = { ...pending };
    if (idChanged) amended.originalCreditorId = pending.originalCreditorId ?? before.identifier;
    if (nameChanged) amended.originalCreditorName = pending.originalCreditorName ?? before.name;
    const pendingJson = JSON.stringify(amended);
    return {
      mandateId: m.id,
      beforeJson: JSON.stringify({ pendingAmendment: pending }),
      afterJson: JSON.stringify({ pendingAmendment: amended }),
      pendingJson,
    };
  });
  let changed = 0;
  for (let i = 0; i < amendments.length; i += AMEND_CHUNK) {
    const chunk = amendments.slice(i, i + AMEND_CHUNK);
    await tx.run(creditorAmendmentEventsQuery(tx.dialect, chunk, `creditor:${before.id}`, at, operatorId));
    changed += (await tx.run(creditorAmendmentMandatesQuery(tx.dialect, chunk, at))).changes;
  }
  return changed;
}
