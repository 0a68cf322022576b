import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary, flag, inList } from './dialect';

// Operator profiles as the admin screens see them (no credentials: those stay with identity's own reads). Roles are
// stored as a comma list in the product's role order, flags as 0/1 integers, on both databases.

/** The dialect a query is compiled for (the driver's sync callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** An operator's profile as stored (roles a comma list, flags 0/1). */
export type OperatorRecord = {
  id: number;
  login: string;
  name: string;
  roles: string;
  active: number;
  createdAt: string;
  hasPassword: number;
  totpEnabled: number;
  lockedUntil: string | null;
};

// PostgreSQL's IS NOT NULL is a boolean: flag() keeps hasPassword the 0/1 SQLite answers.
function profile(): SQL {
  return sql`SELECT id, login, name, roles, active, created_at AS "createdAt",
                           ${flag(sql`password_hash IS NOT NULL`)} AS "hasPassword",
                           totp_enabled AS "totpEnabled", locked_until AS "lockedUntil"
             FROM operators`;
}

/** Every operator's profile, by login in code-point order. */
export function operatorsQuery(on: On): SQL {
  return sql`${profile()} ORDER BY ${binary(on, sql`login`)}`;
}

/** The profile of the operator with this login. */
export function operatorByLoginQuery(login: string): SQL {
  return sql`${profile()} WHERE login = ${login}`;
}

/** The logins of these operators (id, login). */
export function operatorLoginsQuery(on: On, ids: readonly number[]): SQL {
  return sql`SELECT id, login FROM operators WHERE ${inList(on, sql`id`, ids)}`;
}

/** The roles of every active operator (the last-admin rule counts the admins among them). */
export function activeOperatorRolesQuery(): SQL {
  return sql`SELECT roles FROM operators WHERE active = 1`;
}

/**
 * A new active operator, answering its id. Without a password hash the operator cannot sign in until one is set;
 * with one, it counts as changed when the operator was created.
 */
export function operatorInsertQuery(o: {
  login: string;
  name: string;
  roles: string;
  createdAt: string;
  passwordHash: string | null;
}): SQL {
  return sql`INSERT INTO operators (login, name, roles, active, created_at, password_hash, password_changed_at)
             VALUES (${o.login}, ${o.name}, ${o.roles}, 1, ${o.createdAt}, ${o.passwordHash},
                     ${o.passwordHash === null ? null : o.createdAt})
             RETURNING id`;
}

/** An operator's roles replaced (a comma list). */
export function operatorRolesUpdateQuery(id: number, roles: string): SQL {
  return sql`UPDATE operators SET roles = ${roles} WHERE id = ${id}`;
}

/** An operator renamed or (de)activated. */
export function operatorProfileUpdateQuery(id: number, name: string, active: boolean): SQL {
  return sql`UPDATE operators SET name = ${name}, active = ${active ? 1 : 0} WHERE id = ${id}`;
}
