import type Database from 'better-sqlite3';
import { formatMinor } from '../../../src-shared/money';
import { exponentOf } from '../../ledger/rates';

/** Cached reads the timeline sources share: operator logins, reason labels, currency exponents, audit rows. */
export type Lookups = {
  db: Database.Database;
  login: (operatorId: number | null) => string | null;
  reasonLabel: (domainId: number, code: number | null) => string | null;
  money: (amountMinor: number, currency: string) => string;
  audit: (auditId: number | null) => AuditRow | null;
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

/** Opens the cached lookups over one ledger (one timeline build). */
export function lookups(db: Database.Database): Lookups {
  const logins = new Map<number, string | null>();
  const labels = new Map<string, string | null>();
  const exponents = new Map<string, number>();
  const audits = new Map<number, AuditRow | null>();
  const loginStmt = db.prepare('SELECT login FROM operators WHERE id = ?').pluck();
  const labelStmt = db.prepare('SELECT label FROM reason_codes WHERE domain_id = ? AND id = ?').pluck();
  const auditStmt = db.prepare(
    `SELECT id, at, operator_id AS operatorId, action, entity, entity_id AS entityId, after, reason_code AS reasonCode
     FROM audit_log WHERE id = ?`,
  );
  return {
    db,
    login: (id) => {
      if (id === null) return null;
      if (!logins.has(id)) logins.set(id, (loginStmt.get(id) as string | undefined) ?? null);
      return logins.get(id) ?? null;
    },
    reasonLabel: (domainId, code) => {
      if (code === null) return null;
      const key = `${domainId}:${code}`;
      if (!labels.has(key)) labels.set(key, (labelStmt.get(domainId, code) as string | undefined) ?? null);
      return labels.get(key) ?? null;
    },
    money: (amountMinor, currency) => {
      let e = exponents.get(currency);
      if (e === undefined) {
        e = exponentOf(db, currency);
        exponents.set(currency, e);
      }
      return `${formatMinor(amountMinor, e)} ${currency}`;
    },
    audit: (id) => {
      if (id === null) return null;
      if (!audits.has(id)) audits.set(id, (auditStmt.get(id) as AuditRow | undefined) ?? null);
      return audits.get(id) ?? null;
    },
  };
}

/** "code label" or "code" when the code has no label (or nothing without a code); a label's full stop is dropped. */
export function codeText(code: number | null, label: string | null): string {
  if (code === null) return '';
  return label ? `${code} ${label.replace(/\.$/, '')}` : String(code);
}
