import type Database from 'better-sqlite3';
import { schemeCreditorCodesQuery } from '../../../db/repos/creditors';
import { driverAll } from '../../../db/storage/sqlite';
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
import { writeAudit } from '../../ledger/audit';
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
  MANDATE_COLUMNS,
  MANDATE_FROM,
  mandateById,
  mandateData,
  mandateDto,
  mandateEvents,
  type CreditorRow,
  type MandateRow,
} from './rows';

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
function resolveCreditor(
  db: Database.Database,
  scheme: MandateScheme,
  code: string | undefined,
): CreditorRow {
  const want = creditorSchemeOf(scheme);
  if (code) {
    const c = creditorByCode(db, code);
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
  const rows = driverAll<{ code: string }>(db, schemeCreditorCodesQuery(want));
  const first = rows[0];
  if (!first)
    throw invalidFields(`no active ${want.toUpperCase()} creditor`, [
      { path: 'creditor', message: `add a ${want.toUpperCase()} creditor first` },
    ]);
  return creditorByCode(db, first.code);
}

/**
 * Adds a mandate (audited, with a 'created' event): the reference (UMR) is generated when not given and is
 * unique per creditor; the bank data is checked for the scheme; the account's currency must be the
 * creditor's. BACS instructions start 'pending' until an AUDDIS extract lists them; others are 'active'.
 */
export function addMandate(db: Database.Database, raw: AddMandateInput, who: Actor): MandateDetailDto {
  const input = { ...raw, ...normaliseDetails(raw) };
  const at = who.at.toISOString();
  return db.transaction(() => {
    const account = db
      .prepare(
        'SELECT id, account_no AS accountNo, name, currency, status FROM accounts WHERE account_no = ?',
      )
      .get(input.accountNo) as
      { id: number; accountNo: string; name: string; currency: string; status: string } | undefined;
    if (!account) throw notFound('account', input.accountNo);
    if (account.status === 'closed')
      throw conflict('account-closed', `account ${input.accountNo} is closed: no new mandate`);
    let billUnitId: number | null = null;
    if (input.billUnitNo) {
      const bu = db
        .prepare('SELECT id, account_id AS accountId FROM bill_units WHERE bill_unit_no = ?')
        .get(input.billUnitNo) as { id: number; accountId: number } | undefined;
      if (!bu || bu.accountId !== account.id)
        throw invalidFields(`bill unit ${input.billUnitNo} is not of account ${input.accountNo}`, [
          { path: 'billUnitNo', message: 'not a bill unit of this account' },
        ]);
      billUnitId = bu.id;
    }
    const creditor = resolveCreditor(db, input.scheme, input.creditor);
    const currency = SCHEME_CURRENCY[input.scheme];
    if (account.currency !== currency || creditor.currency !== currency)
      throw invalidFields(
        `a ${input.scheme} mandate collects ${currency}; account ${input.accountNo} is in ${account.currency}`,
        [{ path: 'scheme', message: `account currency ${account.currency} is not ${currency}` }],
      );
    const taken = db.prepare('SELECT 1 FROM mandates WHERE creditor_id = ? AND reference = ?');
    const reference =
      input.reference || generateReference(account.accountNo, (r) => taken.get(creditor.id, r) !== undefined);
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
    if (taken.get(creditor.id, reference))
      throw invalidFields(`mandate reference ${reference} is taken for creditor ${creditor.code}`, [
        { path: 'reference', message: `already used for creditor ${creditor.code}` },
      ]);
    const status: MandateStatus = input.scheme === 'bacs' ? 'pending' : 'active';
    const id = Number(
      db
        .prepare(
          `INSERT INTO mandates (account_id, bill_unit_id, creditor_id, scheme, reference, type, status, signed_on,
             debtor_name, iban, bic, sort_code, routing_no, account_no, account_type, sec_code, collections, version,
             created_at, updated_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?)`,
        )
        .run(
          account.id,
          billUnitId,
          creditor.id,
          input.scheme,
          reference,
          input.type ?? 'recurrent',
          status,
          input.signedOn,
          details.debtorName,
          details.iban,
          details.bic,
          details.sortCode,
          details.routingNo,
          details.bankAccountNo,
          details.accountType,
          details.secCode,
          at,
          at,
          who.operatorId,
        ).lastInsertRowid,
    );
    const row = mandateById(db, id);
    insertMandateEvent(db, {
      mandateId: id,
      at,
      kind: 'created',
      before: null,
      after: mandateData(row),
      source: 'operator',
      operatorId: who.operatorId,
    });
    writeAudit(db, {
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
    return { ...mandateDto(row), events: mandateEvents(db, id) };
  })();
}

/** Filters of `mandate list`. */
export type MandateFilter = {
  accountNo?: string | undefined;
  creditor?: string | undefined;
  scheme?: MandateScheme | undefined;
  status?: MandateStatus | undefined;
  referencePrefix?: string | undefined;
  limit: number;
  offset: number;
};

/** A page of mandates matching the filters, newest first. */
export function listMandates(db: Database.Database, f: MandateFilter): MandatePageDto {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (f.accountNo) {
    where.push('a.account_no = ?');
    params.push(f.accountNo);
  }
  if (f.creditor) {
    where.push('c.code = ?');
    params.push(f.creditor);
  }
  if (f.scheme) {
    where.push('m.scheme = ?');
    params.push(f.scheme);
  }
  if (f.status) {
    where.push('m.status = ?');
    params.push(f.status);
  }
  if (f.referencePrefix) {
    // A range on the reference: the LIKE wildcards in a typed prefix are data, not patterns.
    where.push('m.reference >= ? AND m.reference < ?');
    params.push(f.referencePrefix, f.referencePrefix + '\uffff');
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (
    db.prepare(`SELECT count(*) AS n FROM ${MANDATE_FROM} ${clause}`).get(...params) as { n: number }
  ).n;
  const rows = db
    .prepare(`SELECT ${MANDATE_COLUMNS} FROM ${MANDATE_FROM} ${clause} ORDER BY m.id DESC LIMIT ? OFFSET ?`)
    .all(...params, f.limit, f.offset) as MandateRow[];
  return { rows: rows.map(mandateDto), total };
}

/** Finds one mandate by id, or by reference (with its creditor when the reference is used by several). */
export function findMandate(
  db: Database.Database,
  key: { mandateId?: number | undefined; reference?: string | undefined; creditor?: string | undefined },
): MandateRow {
  if (key.mandateId !== undefined) return mandateById(db, key.mandateId);
  if (!key.reference)
    throw invalidFields('name the mandate', [{ path: 'mandateId', message: 'give mandateId or reference' }]);
  const rows = key.creditor
    ? (db
        .prepare(`SELECT ${MANDATE_COLUMNS} FROM ${MANDATE_FROM} WHERE m.reference = ? AND c.code = ?`)
        .all(key.reference, key.creditor) as MandateRow[])
    : (db
        .prepare(`SELECT ${MANDATE_COLUMNS} FROM ${MANDATE_FROM} WHERE m.reference = ? ORDER BY m.id`)
        .all(key.reference) as MandateRow[]);
  const first = rows[0];
  if (!first) throw notFound('mandate', key.reference);
  if (rows.length > 1)
    throw invalidFields(`mandate reference ${key.reference} is used by several creditors`, [
      { path: 'creditor', message: 'name the creditor' },
    ]);
  return first;
}

/** A mandate with its event history. */
export function showMandate(
  db: Database.Database,
  key: { mandateId?: number | undefined; reference?: string | undefined; creditor?: string | undefined },
): MandateDetailDto {
  const row = findMandate(db, key);
  return { ...mandateDto(row), events: mandateEvents(db, row.id) };
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
 * the new details and the SEPA pending amendment, or the issues. Pure with respect to the ledger except
 * for the uniqueness check of a changed reference.
 */
export function planAmend(
  db: Database.Database,
  row: MandateRow,
  rawChange: MandateDetailsInput,
  prefix = '',
):
  | { ok: true; details: MandateDetails; pending: PendingAmendment | null; changed: boolean }
  | { ok: false; issues: { path: string; message: string }[] } {
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
    db
      .prepare('SELECT 1 FROM mandates WHERE creditor_id = ? AND reference = ? AND id <> ?')
      .get(row.creditorId, details.reference, row.id)
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
 * Writes an amendment planned by planAmend: the row, the version bump, an event with before/after and an
 * audit row. Inside the caller's transaction.
 */
export function writeAmend(
  db: Database.Database,
  row: MandateRow,
  plan: { details: MandateDetails; pending: PendingAmendment | null },
  who: Actor,
  from: ChangeSource,
  reason?: string,
): MandateRow {
  const at = who.at.toISOString();
  const d = plan.details;
  const info = db
    .prepare(
      `UPDATE mandates SET reference = ?, debtor_name = ?, iban = ?, bic = ?, sort_code = ?, routing_no = ?,
         account_no = ?, account_type = ?, sec_code = ?, pending_amendment_json = ?, version = version + 1,
         updated_at = ? WHERE id = ? AND version = ?`,
    )
    .run(
      d.reference,
      d.debtorName,
      d.iban,
      d.bic,
      d.sortCode,
      d.routingNo,
      d.bankAccountNo,
      d.accountType,
      d.secCode,
      plan.pending ? JSON.stringify(plan.pending) : null,
      at,
      row.id,
      row.version,
    );
  if (info.changes !== 1)
    throw conflict('mandate-stale', `mandate ${row.reference} changed meanwhile; reload it`);
  const after = mandateById(db, row.id);
  const beforeData = mandateData(row);
  const afterData = mandateData(after);
  insertMandateEvent(db, {
    mandateId: row.id,
    at,
    kind: from.kind ?? 'amended',
    before: beforeData,
    after: reason ? { ...afterData, reason } : afterData,
    source: from.source,
    code: from.code ?? null,
    operatorId: who.operatorId,
  });
  writeAudit(db, {
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
 * and on cancelled or expired mandates.
 */
export function amendMandate(
  db: Database.Database,
  input: MandateDetailsInput & {
    mandateId?: number | undefined;
    reference?: string | undefined;
    creditor?: string | undefined;
    newReference?: string | undefined;
    version?: number | undefined;
    reason?: string | undefined;
  },
  who: Actor,
): MandateDetailDto {
  return db.transaction(() => {
    const row = findMandate(db, input);
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
    const plan = planAmend(db, row, { ...change, reference: newReference });
    if (!plan.ok) throw invalidFields(`the amendment of mandate ${row.reference} is not valid`, plan.issues);
    if (!plan.changed)
      throw invalidFields('nothing to amend', [
        { path: '(root)', message: 'no field differs from the mandate' },
      ]);
    const after = writeAmend(db, row, plan, who, { source: 'operator' }, reason);
    return { ...mandateDto(after), events: mandateEvents(db, row.id) };
  })();
}

/**
 * Cancels a mandate (only future collections: a collection already in a file stays). Inside the caller's
 * transaction; refused on a stale version or a mandate already cancelled or expired.
 */
export function writeCancel(
  db: Database.Database,
  row: MandateRow,
  reason: string,
  who: Actor,
  from: ChangeSource,
): MandateRow {
  const at = who.at.toISOString();
  const info = db
    .prepare(
      `UPDATE mandates SET status = 'cancelled', cancelled_on = ?, cancel_reason = ?, version = version + 1,
         updated_at = ? WHERE id = ? AND version = ? AND status IN ('pending', 'active')`,
    )
    .run(isoDate(who.at), reason, at, row.id, row.version);
  if (info.changes !== 1)
    throw conflict('mandate-stale', `mandate ${row.reference} changed meanwhile; reload it`);
  const after = mandateById(db, row.id);
  insertMandateEvent(db, {
    mandateId: row.id,
    at,
    kind: from.kind === 'revision' || from.kind === 'change-notice' ? from.kind : 'cancelled',
    before: mandateData(row),
    after: { ...mandateData(after), reason },
    source: from.source,
    code: from.code ?? null,
    operatorId: who.operatorId,
  });
  writeAudit(db, {
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
  db: Database.Database,
  input: {
    mandateId?: number | undefined;
    reference?: string | undefined;
    creditor?: string | undefined;
    reason: string;
    version?: number | undefined;
  },
  who: Actor,
): MandateDetailDto {
  return db.transaction(() => {
    const row = findMandate(db, input);
    assertChangeable(row, input.version, 'cancelled');
    const after = writeCancel(db, row, input.reason, who, { source: 'operator' });
    return { ...mandateDto(after), events: mandateEvents(db, row.id) };
  })();
}

/**
 * Expires the mandates that can no longer collect on `asOf` (DOMAIN.md §3.14): recurrent mandates unused
 * for 36 months (since the last collection, or the signature) and one-off mandates already used. Each gets
 * an 'expired' event, a version bump and an audit row; one summary audit row names the run.
 */
export function expireMandates(db: Database.Database, asOf: string, who: Actor): MandateExpireDto {
  const at = who.at.toISOString();
  return db.transaction(() => {
    const candidates = db
      .prepare(
        `SELECT m.id, m.reference, m.type, m.status, m.signed_on AS signedOn, m.collections,
                m.last_collected_on AS lastCollectedOn, m.version
         FROM mandates m WHERE m.status IN ('pending', 'active')`,
      )
      .all() as {
      id: number;
      reference: string;
      type: 'recurrent' | 'oneoff';
      status: 'pending' | 'active';
      signedOn: string;
      collections: number;
      lastCollectedOn: string | null;
      version: number;
    }[];
    const due = candidates.filter((m) =>
      m.type === 'oneoff' ? m.collections > 0 : isDormant({ ...m }, asOf),
    );
    const update = db.prepare(
      `UPDATE mandates SET status = 'expired', version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
    );
    for (const m of due) {
      update.run(at, m.id, m.version);
      insertMandateEvent(db, {
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
    writeAudit(db, {
      at,
      operatorId: who.operatorId,
      action: 'mandate.expire',
      entity: 'mandate',
      after: { asOf, expired: due.length, ids: due.slice(0, 1000).map((m) => m.id) },
    });
    return { asOf, expired: due.length, references: due.map((m) => m.reference) };
  })();
}

/** The mandates of one account (the account view's Mandates tab). */
export function accountMandates(db: Database.Database, accountNo: string): MandateDto[] {
  return listMandates(db, { accountNo, limit: 500, offset: 0 }).rows;
}
