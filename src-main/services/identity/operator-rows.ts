import type Database from 'better-sqlite3';
import type { OperatorDto } from '../../../src-shared/dto/app';

/** An operator row with its credential columns. */
export type CredentialRow = {
  id: number;
  login: string;
  name: string;
  roles: string;
  active: number;
  password_hash: string | null;
  totp_secret: string | null;
  totp_enabled: number;
  failed_attempts: number;
  locked_until: string | null;
};

const COLUMNS =
  'id, login, name, roles, active, password_hash, totp_secret, totp_enabled, failed_attempts, locked_until';

/** The operator with this login, if any. */
export function operatorByLogin(db: Database.Database, login: string): CredentialRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM operators WHERE login = ?`).get(login) as
    CredentialRow | undefined;
}

/** The operator with this id, if any. */
export function operatorById(db: Database.Database, id: number): CredentialRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM operators WHERE id = ?`).get(id) as CredentialRow | undefined;
}

/** The roles stored on a row. */
export function rolesOf(row: Pick<CredentialRow, 'roles'>): string[] {
  return row.roles.split(',').filter(Boolean);
}

/** The DTO of a row. */
export function operatorDto(row: CredentialRow): OperatorDto {
  return { id: row.id, login: row.login, name: row.name, roles: rolesOf(row) };
}

/** True while a lockout lasts. */
export function isLockedOut(row: Pick<CredentialRow, 'locked_until'>, now: Date): boolean {
  return row.locked_until !== null && row.locked_until > now.toISOString();
}

/** True when no operator can sign in yet: the first run of a new ledger. */
export function isFirstRun(db: Database.Database): boolean {
  const row = db.prepare('SELECT 1 AS x FROM operators WHERE password_hash IS NOT NULL LIMIT 1').get();
  return row === undefined;
}
