import {
  anyPasswordQuery,
  credentialByIdQuery,
  credentialByLoginQuery,
  type CredentialRow,
} from '../../../db/repos/credentials';
import type { Tx } from '../../../db/storage/port';
import type { OperatorDto } from '../../../src-shared/dto/app';

export type { CredentialRow };

/** The operator with this login, if any. */
export function operatorByLoginIn(tx: Tx, login: string): Promise<CredentialRow | undefined> {
  return tx.get<CredentialRow>(credentialByLoginQuery(login));
}

/** The operator with this id, if any. */
export function operatorByIdIn(tx: Tx, id: number): Promise<CredentialRow | undefined> {
  return tx.get<CredentialRow>(credentialByIdQuery(id));
}

/** The roles stored on a row. */
export function rolesOf(row: Pick<CredentialRow, 'roles'>): string[] {
  return row.roles.split(',').filter(Boolean);
}

/** The DTO of a row. */
export function operatorDto(row: Pick<CredentialRow, 'id' | 'login' | 'name' | 'roles'>): OperatorDto {
  return { id: row.id, login: row.login, name: row.name, roles: rolesOf(row) };
}

/** True while a lockout lasts. */
export function isLockedOut(row: Pick<CredentialRow, 'locked_until'>, now: Date): boolean {
  return row.locked_until !== null && row.locked_until > now.toISOString();
}

/** True when no operator can sign in yet: the first run of a new ledger. */
export async function isFirstRunIn(tx: Tx): Promise<boolean> {
  return (await tx.get(anyPasswordQuery())) === undefined;
}
