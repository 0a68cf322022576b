/** Operator roles (DOMAIN.md §1.1): clerks key batches, analysts work suspense, supervisors approve, admins configure. */
export const ROLES = ['clerk', 'analyst', 'supervisor', 'admin'] as const;

/** One role. */
export type Role = (typeof ROLES)[number];

/** Who may run a command: any operator, or one holding at least one of the roles. */
export type CommandRoles = 'any' | readonly Role[];

/** Any signed-in operator. */
export const ANY = 'any' as const;
/** Posting money from batches and allocations. */
export const DESK: readonly Role[] = ['clerk', 'analyst', 'supervisor', 'admin'];
/** Loading data wholesale and configuring the desk. */
export const ADMIN: readonly Role[] = ['admin'];
/** Correcting suspended payments in Payment Center (DOMAIN.md §1.1: payment analysts). */
export const SUSPENSE: readonly Role[] = ['analyst', 'supervisor', 'admin'];
/** Supervisors' calls (admins hold them too). */
export const SUPERVISOR: readonly Role[] = ['supervisor', 'admin'];

/** True when the operator holds the role (admins hold every role's rights except four-eyes separation). */
export function hasRole(roles: readonly string[], role: Role): boolean {
  return roles.includes(role) || roles.includes('admin');
}
