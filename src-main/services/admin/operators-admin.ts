import {
  auditHistoryCountQuery,
  auditHistoryQuery,
  type AuditFilter,
  type AuditHistoryRecord,
} from '../../../db/repos/audit';
import {
  activeOperatorRolesQuery,
  operatorByLoginQuery,
  operatorInsertQuery,
  operatorProfileUpdateQuery,
  operatorRolesUpdateQuery,
  operatorsQuery,
  type OperatorRecord,
} from '../../../db/repos/operators';
import type { Storage, Tx } from '../../../db/storage/port';
import { ROLES, type Role } from '../../../src-shared/api/roles';
import type { AuditPageDto, OperatorAdminDto } from '../../../src-shared/dto/admin';
import { conflict, notFound } from '../../ledger/errors';
import { auditChangeIn, failOn } from './changes';

function toDto(r: OperatorRecord): OperatorAdminDto {
  return {
    id: r.id,
    login: r.login,
    name: r.name,
    roles: r.roles.split(',').filter(Boolean),
    active: r.active === 1,
    createdAt: r.createdAt,
    hasPassword: r.hasPassword === 1,
    totpEnabled: r.totpEnabled === 1,
    lockedUntil: r.lockedUntil,
  };
}

/** Roles as stored: a comma list in the product's order, whatever order they were given in. */
function rolesText(roles: Iterable<string>): string {
  const set = new Set(roles);
  return ROLES.filter((r) => set.has(r)).join(',');
}

/**
 * The commands' schema refuses unknown roles; a direct caller gets the same refusal rather than having the role
 * silently dropped (an operator added with only unknown roles would have none).
 */
function checkRoles(roles: readonly string[]): void {
  failOn(
    roles
      .filter((r) => !(ROLES as readonly string[]).includes(r))
      .map((r) => ({ path: 'roles', message: `unknown role ${r} (one of ${ROLES.join(', ')})` })),
    'roles',
  );
}

/** Every operator profile, by login. */
export function listOperators(storage: Storage): Promise<OperatorAdminDto[]> {
  return storage.transaction(async (tx) => (await tx.all<OperatorRecord>(operatorsQuery(tx))).map(toDto), {
    readOnly: true,
  });
}

/** One operator profile, or not_found. */
export function operatorRow(storage: Storage, login: string): Promise<OperatorAdminDto> {
  return storage.transaction((tx) => requireOperatorIn(tx, login), { readOnly: true });
}

async function requireOperatorIn(tx: Tx, login: string): Promise<OperatorAdminDto> {
  const row = await tx.get<OperatorRecord>(operatorByLoginQuery(login));
  if (!row) throw notFound('operator', login);
  return toDto(row);
}

/**
 * Refuses a change that would leave the ledger without an active admin (nobody could manage operators). Read in
 * the changing transaction, which is serializable: two admins demoting each other at once on PostgreSQL each see
 * the other still an admin, and the database aborts one of them, whose retry then finds itself the last.
 */
async function assertAdminRemainsIn(tx: Tx): Promise<void> {
  const active = await tx.all<{ roles: string }>(activeOperatorRolesQuery());
  if (!active.some((o) => o.roles.split(',').includes('admin')))
    throw conflict('last-admin', 'the ledger must keep at least one active operator with the admin role');
}

/** Adds an operator profile (login, name, roles). */
export function addOperator(
  storage: Storage,
  input: { login: string; name: string; roles: Role[] },
  now: Date,
  operatorId: number,
  /** An argon2id PHC string when the admin gave a first password. */
  passwordHash: string | null = null,
): Promise<OperatorAdminDto> {
  return storage.transaction(
    async (tx) => {
      checkRoles(input.roles);
      // A login added concurrently is refused by the unique index; the adapter retries the transaction, which then
      // finds it here and refuses with the same message.
      if (await tx.get(operatorByLoginQuery(input.login)))
        throw conflict('operator-exists', `operator ${input.login} already exists`);
      const inserted = await tx.get<{ id: number }>(
        operatorInsertQuery({
          login: input.login,
          name: input.name,
          roles: rolesText(input.roles),
          createdAt: now.toISOString(),
          passwordHash,
        }),
      );
      if (!inserted) throw new Error('the operator was not written');
      const after = await requireOperatorIn(tx, input.login);
      await auditChangeIn(tx, now, operatorId, {
        action: 'operator.add',
        entity: 'operator',
        entityId: String(inserted.id),
        before: undefined,
        after,
      });
      return after;
    },
    { serializable: true },
  );
}

/** Adds roles to (grant) or takes them from (revoke) an operator. */
export function changeRoles(
  storage: Storage,
  input: { login: string; roles: Role[] },
  grant: boolean,
  now: Date,
  operatorId: number,
): Promise<OperatorAdminDto> {
  return storage.transaction(
    async (tx) => {
      checkRoles(input.roles);
      const before = await requireOperatorIn(tx, input.login);
      const next = new Set(before.roles);
      for (const r of input.roles) {
        if (grant) next.add(r);
        else next.delete(r);
      }
      if (next.size === 0)
        throw conflict('no-roles', `${input.login} would have no role left; deactivate the operator instead`);
      await tx.run(operatorRolesUpdateQuery(before.id, rolesText(next)));
      await assertAdminRemainsIn(tx);
      const after = await requireOperatorIn(tx, input.login);
      await auditChangeIn(tx, now, operatorId, {
        action: grant ? 'operator.grant' : 'operator.revoke',
        entity: 'operator',
        entityId: String(before.id),
        before: { roles: before.roles },
        after: { roles: after.roles },
      });
      return after;
    },
    { serializable: true },
  );
}

/** Renames an operator or (de)activates one; an inactive operator may run only what any operator may. */
export function updateOperator(
  storage: Storage,
  input: { login: string; name?: string | undefined; active?: boolean | undefined },
  now: Date,
  operatorId: number,
): Promise<OperatorAdminDto> {
  return storage.transaction(
    async (tx) => {
      const before = await requireOperatorIn(tx, input.login);
      await tx.run(
        operatorProfileUpdateQuery(before.id, input.name ?? before.name, input.active ?? before.active),
      );
      await assertAdminRemainsIn(tx);
      const after = await requireOperatorIn(tx, input.login);
      await auditChangeIn(tx, now, operatorId, {
        action: 'operator.update',
        entity: 'operator',
        entityId: String(before.id),
        before: { name: before.name, active: before.active },
        after: { name: after.name, active: after.active },
      });
      return after;
    },
    { serializable: true },
  );
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * The change history: audit rows, newest first, with the operator's login and the values before and after.
 * `entity` matches exactly; `action` exactly or, ending in '*', as a prefix ("operator.*"). The page and its total
 * are read in one transaction, so they agree.
 */
export function changeHistory(
  storage: Storage,
  input: {
    entity?: string | undefined;
    action?: string | undefined;
    operatorLogin?: string | undefined;
    limit: number;
    offset: number;
  },
): Promise<AuditPageDto> {
  const filter: AuditFilter = {
    entity: input.entity,
    operatorLogin: input.operatorLogin,
    ...(input.action?.endsWith('*') ? { actionPrefix: input.action.slice(0, -1) } : { action: input.action }),
  };
  return storage.transaction(
    async (tx) => {
      const total = (await tx.get<{ n: number }>(auditHistoryCountQuery(filter)))?.n ?? 0;
      const rows = await tx.all<AuditHistoryRecord>(auditHistoryQuery(filter, input.limit, input.offset));
      return {
        rows: rows.map((r) => ({ ...r, before: parseJson(r.before), after: parseJson(r.after) })),
        total,
      };
    },
    { readOnly: true },
  );
}
