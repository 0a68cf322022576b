import { appendAudit } from '../../../db/repos/audit';
import { schemeCreditorCodesQuery } from '../../../db/repos/creditors';
import {
  expireCandidatesQuery,
  mandateAccountQuery,
  mandateAmendQuery,
  mandateBillUnitQuery,
  mandateCancelQuery,
  mandateExpireQuery,
  mandateInsertQuery,
  mandateReferencesWithPrefixQuery,
  mandateReferenceTakenQuery,
  mandatesCountQuery,
  mandatesPageQuery,
  type ExpireCandidateRow,
  type MandateAccountRow,
  type MandateListFilter,
} from '../../../db/repos/mandates';
import { UniqueViolation, type Storage, type Tx } from '../../../db/storage/port';
import type {
  MandateDetailDto,
  MandateDto,
  MandateExpireDto,
  MandatePageDto,
  MandateScheme,
  MandateStatus,
} from '../../../src-shared/dto/mandates';
import { isoDate } from '../../domain/dates';
import {
  amendmentDetails,
  bankOf,
  generateReference,
  type PendingAmendment,
} from '../../domain/mandate-amendment';
import { isDormant } from '../../domain/mandate-rules';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import type { Actor } from './creditors';
import {
  checkMandateDetails,
  mergeDetails,
  normaliseDetails,
  SCHEME_CURRENCY,
  type MandateDetails,
  type MandateDetailsInput,
} from './details';
import {
  creditorByCode,
  insertMandateEvent,
  isSepa,
  mandateById,
  mandateData,
  mandateDto,
  mandateEvents,
  mandatesByReference,
  type CreditorRow,
  type MandateRow,
} from './rows';

// Mandates behind the storage seam (issue #17): keying, listing, reading, amending, cancelling and expiring run
// through the port on SQLite and PostgreSQL alike, each one transaction. Changes are serializable: each reads
// the mandate (or the references taken) it then writes, and two clerks at once take turns (PostgreSQL aborts
// one, the port retries it on the other's commit). A reference stays unique per creditor by its unique index.
// Collection and direct-debit runs read and write mandates with their own SQL on the driver.

const READ = { readOnly: true } as const;
const WRITE = { serializable: true } as const;

/** What `mandate add` takes. */
export type AddMandateInput = MandateDetailsInput & {
  accountNo: string;
  billUnitNo?: string | undefined;
  creditor?: string | undefined;
  scheme: MandateScheme;
  type?: 'recurrent' | 'oneoff' | undefined;
  signedOn: string;
};

/** The creditor scheme a mandate scheme collects under. */
const creditorSchemeOf = (s: MandateScheme): 'sepa' | 'ach' | 'bacs' =>
  s === 'sepa_core' || s === 'sepa_b2b' ? 'sepa' : s;

/** The named creditor, or the default (else only) active creditor of the scheme. */
async function resolveCreditor(
  tx: Tx,
  scheme: MandateScheme,
  code: string | undefined,
): Promise<CreditorRow> {
  const want = creditorSchemeOf(scheme);
  if (code) {
    const c = await creditorByCode(tx, code);
    if (c.scheme !== want)
      throw invalidFields(`creditor ${code} collects by ${c.scheme.toUpperCase()}`, [
        { path: 'creditor', message: `a ${scheme} mandate needs a ${want.toUpperCase()} creditor` },
      ]);
    if (!c.active)
      throw invalidFields(`creditor ${code} is inactive`, [
        { path: 'creditor', message: 'inactive creditor' },
      ]);
    return c;
  }
  const rows = await tx.all<{ code: string }>(schemeCreditorCodesQuery(want));
  const first = rows[0];
  if (!first)
    throw invalidFields(`no active ${want.toUpperCase()} creditor`, [
      { path: 'creditor', message: `add a ${want.toUpperCase()} creditor first` },
    ]);
  return creditorByCode(tx, first.code);
}

/**
 * The first generated reference of the account that the creditor has not used. generateReference asks its
 * question synchronously, so the creditor's references of the account's form are read first (one range read).
 */
async function freeReference(tx: Tx, creditorId: number, accountNo: string): Promise<string> {
  const first = generateReference(accountNo, () => false);
  const stem = first.slice(0, first.lastIndexOf('-') + 1);
  const taken = new Set(
    (await tx.all<{ reference: string }>(mandateReferencesWithPrefixQuery(tx, creditorId, stem))).map(
      (r) => r.reference,
    ),
  );
  return generateReference(accountNo, (r) => taken.has(r));
}

/**
 * Adds a mandate (audited, with a 'created' event): the reference (UMR) is generated when not given and is
 * unique per creditor; the bank data is checked for the scheme; the account's currency must be the
 * creditor's. BACS instructions start 'pending' until an AUDDIS extract lists them; others are 'active'.
 */
export function addMandate(storage: Storage, raw: AddMandateInput, who: Actor): Promise<MandateDetailDto> {
  const input = { ...raw, ...normaliseDetails(raw) };
  const at = who.at.toISOString();
  return storage.transaction(async (tx) => {
    const account = await tx.get<MandateAccountRow>(mandateAccountQuery(input.accountNo));
    if (!account) throw notFound('account', input.accountNo);
    if (account.status === 'closed')
      throw conflict('account-closed', `account ${input.accountNo} is closed: no new mandate`);
    let billUnitId: number | null = null;
    if (input.billUnitNo) {
      const bu = await tx.get<{ id: number; accountId: number }>(mandateBillUnitQuery(input.billUnitNo));
      if (!bu || bu.accountId !== account.id)
        throw invalidFields(`bill unit ${input.billUnitNo} is not of account ${input.accountNo}`, [
          { path: 'billUnitNo', message: 'not a bill unit of this account' },
        ]);
      billUnitId = bu.id;
    }
    const creditor = await resolveCreditor(tx, input.scheme, input.creditor);
    const currency = SCHEME_CURRENCY[input.scheme];
    if (account.currency !== currency || creditor.currency !== currency)
      throw invalidFields(
        `a ${input.scheme} mandate collects ${currency}; account ${input.accountNo} is in ${account.currency}`,
        [{ path: 'scheme', message: `account currency ${account.currency} is not ${currency}` }],
      );
    const keyed = Boolean(input.reference);
    const reference = input.reference || (await freeReference(tx, creditor.id, account.accountNo));
    const details: MandateDetails = mergeDetails(
      {
        reference,
        debtorName: input.debtorName ?? account.name,
        iban: null,
        bic: null,
        sortCode: null,
        routingNo: null,
        bankAccountNo: null,
        accountType: input.scheme === 'ach' ? 'checking' : null,
        secCode: input.scheme === 'ach' ? 'PPD' : null,
      },
      { ...input, reference, debtorName: input.debtorName ?? account.name },
    );
    const issues = checkMandateDetails(input.scheme, details, input);
    if (input.signedOn > isoDate(who.at)) issues.push({ path: 'signedOn', message: 'signed in the future' });
    if (issues.length) throw invalidFields('the mandate is not valid', issues);
    const taken = (): Error =>
      invalidFields(`mandate reference ${reference} is taken for creditor ${creditor.code}`, [
        { path: 'reference', message: `already used for creditor ${creditor.code}` },
      ]);
    if (await tx.get(mandateReferenceTakenQuery(creditor.id, reference))) throw taken();
    const status: MandateStatus = input.scheme === 'bacs' ? 'pending' : 'active';
    let inserted: { id: number } | undefined;
    try {
      inserted = await tx.get<{ id: number }>(
        mandateInsertQuery(
          {
            accountId: account.id,
            billUnitId,
            creditorId: creditor.id,
            scheme: input.scheme,
            reference,
            type: input.type ?? 'recurrent',
            status,
            signedOn: input.signedOn,
            debtorName: details.debtorName,
            iban: details.iban,
            bic: details.bic,
            sortCode: details.sortCode,
            routingNo: details.routingNo,
            bankAccountNo: details.bankAccountNo,
            accountType: details.accountType,
            secCode: details.secCode,
            createdBy: who.operatorId,
          },
          at,
        ),
      );
    } catch (err) {
      // A clerk keying the same reference at once committed first: the same refusal as a reference taken
      // before. A generated reference that collided escapes, so the port's retry generates the next one.
      if (err instanceof UniqueViolation && keyed) throw taken();
      throw err;
    }
    if (!inserted) throw new Error(`mandate ${reference} was not added`);
    const id = inserted.id;
    const row = await mandateById(tx, id);
    await insertMandateEvent(tx, {
      mandateId: id,
      at,
      kind: 'created',
      before: null,
      after: mandateData(row),
      source: 'operator',
      operatorId: who.operatorId,
    });
    await appendAudit(tx, {
      at,
      operatorId: who.operatorId,
      action: 'mandate.add',
      entity: 'mandate',
      entityId: String(id),
      after: {
        ...mandateData(row),
        accountNo: row.accountNo,
        creditor: row.creditorCode,
        scheme: row.scheme,
      },
    });
    return { ...mandateDto(row), events: await mandateEvents(tx, id) };
  }, WRITE);
}

/** Filters of `mandate list`. */
export type MandateFilter = MandateListFilter & { limit: number; offset: number };

/** A page of mandates matching the filters, newest first (page and total read in one transaction). */
export function listMandates(storage: Storage, f: MandateFilter): Promise<MandatePageDto> {
  return storage.transaction(async (tx) => {
    const total = (await tx.get<{ n: number }>(mandatesCountQuery(tx, f)))!.n;
    const rows = await tx.all<MandateRow>(mandatesPageQuery(tx, f, f.limit, f.offset));
    return { rows: rows.map(mandateDto), total };
  }, READ);
}

/** How a command names one mandate. */
export type MandateKey = {
  mandateId?: number | undefined;
  reference?: string | undefined;
  creditor?: string | undefined;
};

/** Finds one mandate by id, or by reference (with its creditor when the reference is used by several). */
export async function findMandate(tx: Tx, key: MandateKey): Promise<MandateRow> {
  if (key.mandateId !== undefined) return mandateById(tx, key.mandateId);
  if (!key.reference)
    throw invalidFields('name the mandate', [{ path: 'mandateId', message: 'give mandateId or reference' }]);
  const rows = await mandatesByReference(tx, key.reference, key.creditor);
  const first = rows[0];
  if (!first) throw notFound('mandate', key.reference);
  if (rows.length > 1)
    throw invalidFields(`mandate reference ${key.reference} is used by several creditors`, [
      { path: 'creditor', message: 'name the creditor' },
    ]);
  return first;
}

/** A mandate with its event history. */
export function showMandate(storage: Storage, key: MandateKey): Promise<MandateDetailDto> {
  return storage.transaction(async (tx) => {
    const row = await findMandate(tx, key);
    return { ...mandateDto(row), events: await mandateEvents(tx, row.id) };
  }, READ);
}

/** Where a change comes from, for the event's source and code. */
export type ChangeSource = {
  source: string;
  code?: string | null;
  /** The event kind: 'amended' (default), 'revision' (bank mandate file), 'change-notice' (NACHA NOC). */
  kind?: 'amended' | 'revision' | 'change-notice';
};

/** Refuses a change on a stale version or on a mandate that can no longer change. */
function assertChangeable(row: MandateRow, expectedVersion: number | undefined, what: string): void {
  if (expectedVersion !== undefined && expectedVersion !== row.version)
    throw conflict(
      'mandate-stale',
      `mandate ${row.reference} changed since it was read (version ${row.version}, not ${expectedVersion}); reload it`,
    );
  if (row.status === 'cancelled' || row.status === 'expired')
    throw conflict(
      `mandate-${row.status}`,
      `mandate ${row.reference} is ${row.status}: it cannot be ${what} (a new mandate is needed)`,
    );
}

/**
 * The amended data of a mandate, checked as `mandate add` checks it (field issues under `prefix`): returns
 * the new details and the SEPA pending amendment, or the issues. Reads only the uniqueness of a changed
 * reference, in the caller's transaction.
 */
export async function planAmend(
  tx: Tx,
  row: MandateRow,
  rawChange: MandateDetailsInput,
  prefix = '',
): Promise<
  | { ok: true; details: MandateDetails; pending: PendingAmendment | null; changed: boolean }
  | { ok: false; issues: { path: string; message: string }[] }
> {
  const change = normaliseDetails(rawChange);
  const before: MandateDetails = {
    reference: row.reference,
    debtorName: row.debtorName,
    iban: row.iban,
    bic: row.bic,
    sortCode: row.sortCode,
    routingNo: row.routingNo,
    bankAccountNo: row.bankAccountNo,
    accountType: row.accountType,
    secCode: row.secCode,
  };
  const merged = mergeDetails(before, change);
  // A new IBAN at another bank without a new BIC: the old BIC names the old bank and would misroute the
  // debit, so it goes (SEPA takes the IBAN alone).
  const movedBank =
    isSepa(row.scheme) && change.bic === undefined && bankOf(merged.iban) !== bankOf(before.iban);
  const details = movedBank ? { ...merged, bic: null } : merged;
  const issues = checkMandateDetails(row.scheme, details, change, prefix);
  if (
    details.reference !== row.reference &&
    (await tx.get(mandateReferenceTakenQuery(row.creditorId, details.reference, row.id)))
  )
    issues.push({ path: prefix + 'reference', message: `already used for creditor ${row.creditorCode}` });
  if (issues.length) return { ok: false, issues };
  const current = row.pendingAmendmentJson
    ? (JSON.parse(row.pendingAmendmentJson) as PendingAmendment)
    : null;
  const pending = isSepa(row.scheme)
    ? amendmentDetails(
        { reference: row.reference, iban: row.iban, bic: row.bic },
        { reference: details.reference, iban: details.iban, bic: details.bic },
        current,
      )
    : null;
  const changed = (Object.keys(before) as (keyof MandateDetails)[]).some((k) => before[k] !== details[k]);
  return { ok: true, details, pending, changed };
}

/**
 * Writes an amendment planned by planAmend: the row (only if still at the version read), the version bump, an
 * event with before/after and an audit row. Inside the caller's transaction.
 */
export async function writeAmend(
  tx: Tx,
  row: MandateRow,
  plan: { details: MandateDetails; pending: PendingAmendment | null },
  who: Actor,
  from: ChangeSource,
  reason?: string,
): Promise<MandateRow> {
  const at = who.at.toISOString();
  const pendingJson = plan.pending ? JSON.stringify(plan.pending) : null;
  const info = await tx.run(mandateAmendQuery(row.id, row.version, plan.details, pendingJson, at));
  if (info.changes !== 1)
    throw conflict('mandate-stale', `mandate ${row.reference} changed meanwhile; reload it`);
  const after = await mandateById(tx, row.id);
  const beforeData = mandateData(row);
  const afterData = mandateData(after);
  await insertMandateEvent(tx, {
    mandateId: row.id,
    at,
    kind: from.kind ?? 'amended',
    before: beforeData,
    after: reason ? { ...afterData, reason } : afterData,
    source: from.source,
    code: from.code ?? null,
    operatorId: who.operatorId,
  });
  await appendAudit(tx, {
    at,
    operatorId: who.operatorId,
    action: 'mandate.amend',
    entity: 'mandate',
    entityId: String(row.id),
    before: beforeData,
    after: { ...afterData, source: from.source, ...(from.code ? { code: from.code } : {}) },
  });
  return after;
}

/**
 * Amends a mandate's reference, debtor name or bank data (same checks as add). SEPA changes keep the
 * original identifiers as the pending amendment the next collection carries. Refused on a stale version
 * and on cancelled or expired mandates. Two amendments at once take turns: the second reads the first's
 * result (or, given the version it read, is refused as stale), so neither is lost.
 */
export function amendMandate(
  storage: Storage,
  input: MandateDetailsInput & {
    mandateId?: number | undefined;
    reference?: string | undefined;
    creditor?: string | undefined;
    newReference?: string | undefined;
    version?: number | undefined;
    reason?: string | undefined;
  },
  who: Actor,
): Promise<MandateDetailDto> {
  return storage.transaction(async (tx) => {
    const row = await findMandate(tx, input);
    assertChangeable(row, input.version, 'amended');
    const {
      mandateId: _m,
      reference: _r,
      creditor: _c,
      newReference,
      version: _v,
      reason,
      ...change
    } = input;
    const plan = await planAmend(tx, row, { ...change, reference: newReference });
    if (!plan.ok) throw invalidFields(`the amendment of mandate ${row.reference} is not valid`, plan.issues);
    if (!plan.changed)
      throw invalidFields('nothing to amend', [
        { path: '(root)', message: 'no field differs from the mandate' },
      ]);
    const after = await writeAmend(tx, row, plan, who, { source: 'operator' }, reason);
    return { ...mandateDto(after), events: await mandateEvents(tx, row.id) };
  }, WRITE);
}

/**
 * Cancels a mandate (only future collections: a collection already in a file stays). Inside the caller's
 * transaction; refused on a stale version or a mandate already cancelled or expired.
 */
export async function writeCancel(
  tx: Tx,
  row: MandateRow,
  reason: string,
  who: Actor,
  from: ChangeSource,
): Promise<MandateRow> {
  const at = who.at.toISOString();
  const info = await tx.run(mandateCancelQuery(row.id, row.version, isoDate(who.at), reason, at));
  if (info.changes !== 1)
    throw conflict('mandate-stale', `mandate ${row.reference} changed meanwhile; reload it`);
  const after = await mandateById(tx, row.id);
  await insertMandateEvent(tx, {
    mandateId: row.id,
    at,
    kind: from.kind === 'revision' || from.kind === 'change-notice' ? from.kind : 'cancelled',
    before: mandateData(row),
    after: { ...mandateData(after), reason },
    source: from.source,
    code: from.code ?? null,
    operatorId: who.operatorId,
  });
  await appendAudit(tx, {
    at,
    operatorId: who.operatorId,
    action: 'mandate.cancel',
    entity: 'mandate',
    entityId: String(row.id),
    before: { status: row.status },
    after: { status: 'cancelled', reason, source: from.source, ...(from.code ? { code: from.code } : {}) },
  });
  return after;
}

/** Cancels a mandate for future collections, with a reason (DOMAIN.md §3.14); it is never reactivated. */
export function cancelMandate(
  storage: Storage,
  input: MandateKey & { reason: string; version?: number | undefined },
  who: Actor,
): Promise<MandateDetailDto> {
  return storage.transaction(async (tx) => {
    const row = await findMandate(tx, input);
    assertChangeable(row, input.version, 'cancelled');
    const after = await writeCancel(tx, row, input.reason, who, { source: 'operator' });
    return { ...mandateDto(after), events: await mandateEvents(tx, row.id) };
  }, WRITE);
}

/**
 * Expires the mandates that can no longer collect on `asOf` (DOMAIN.md §3.14): recurrent mandates unused
 * for 36 months (since the last collection, or the signature) and one-off mandates already used. Each gets
 * an 'expired' event, a version bump and an audit row; one summary audit row names the run.
 */
export function expireMandates(storage: Storage, asOf: string, who: Actor): Promise<MandateExpireDto> {
  const at = who.at.toISOString();
  return storage.transaction(async (tx) => {
    const candidates = await tx.all<ExpireCandidateRow>(expireCandidatesQuery());
    const due = candidates.filter((m) =>
      m.type === 'oneoff' ? m.collections > 0 : isDormant({ ...m }, asOf),
    );
    for (const m of due) {
      await tx.run(mandateExpireQuery(m.id, m.version, at));
      await insertMandateEvent(tx, {
        mandateId: m.id,
        at,
        kind: 'expired',
        before: { status: m.status, lastCollectedOn: m.lastCollectedOn, collections: m.collections },
        after: {
          status: 'expired',
          reason: m.type === 'oneoff' ? 'one-off mandate used' : `unused for 36 months as of ${asOf}`,
        },
        source: 'expire',
        operatorId: who.operatorId,
      });
    }
    await appendAudit(tx, {
      at,
      operatorId: who.operatorId,
      action: 'mandate.expire',
      entity: 'mandate',
      after: { asOf, expired: due.length, ids: due.slice(0, 1000).map((m) => m.id) },
    });
    return { asOf, expired: due.length, references: due.map((m) => m.reference) };
  }, WRITE);
}

/** The mandates of one account (the account view's Mandates tab). */
export async function accountMandates(storage: Storage, accountNo: string): Promise<MandateDto[]> {
  return (await listMandates(storage, { accountNo, limit: 500, offset: 0 })).rows;
}
