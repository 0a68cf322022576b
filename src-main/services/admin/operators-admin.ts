import type Database from 'better-sqlite3';
import type { Role } from '../../../src-shared/api/roles';
import type { AuditEntryDto, AuditPageDto, OperatorAdminDto } from '../../../src-shared/dto/admin';
import { conflict, notFound } from '../../ledger/errors';
import { auditChange } from './changes';

type Row = {
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

const ORDER: readonly Role[] = ['clerk', 'analyst', 'supervisor', 'admin'];

function toDto(r: Row): OperatorAdminDto {
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

function rolesText(roles: Iterable<string>): string {
  const set = new Set(roles);
  return ORDER.filter((r) => set.has(r)).join(',');
}

const SELECT = `SELECT id, login, name, roles, active, created_at AS createdAt,
                        (password_hash IS NOT NULL) AS hasPassword, totp_enabled AS totpEnabled,
                        locked_until AS lockedUntil
                   FROM operators`;

/** Every operator profile, by login. */
export function listOperators(db: Database.Database): OperatorAdminDto[] {
  return (db.prepare(`${SELECT} ORDER BY login`).all() as Row[]).map(toDto);
}

/** One operator profile, or not_found. */
export function operatorRow(db: Database.Database, login: string): OperatorAdminDto {
  return requireOperator(db, login);
}

function requireOperator(db: Database.Database, login: string): OperatorAdminDto {
  const row = db.prepare(`${SELECT} WHERE login = ?`).get(login) as Row | undefined;
  if (!row) throw notFound('operator', login);
  return toDto(row);
}

/** Refuses a change that would leave the ledger without an active admin (nobody could manage operators). */
function assertAdminRemains(db: Database.Database): void {
  const admins = listOperators(db).filter((o) => o.active && o.roles.includes('admin'));
  if (admins.length === 0)
    throw conflict('last-admin', 'the ledger must keep at least one active operator with the admin role');
}

/** Adds an operator profile (login, name, roles). */
export function addOperator(
  db: Database.Database,
  input: { login: string; name: string; roles: Role[] },
  now: Date,
  operatorId: number,
  /** An argon2id PHC string when the admin gave a first password. */
  passwordHash: string | null = null,
): OperatorAdminDto {
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM operators WHERE login = ?').get(input.login))
      throw conflict('operator-exists', `operator ${input.login} already exists`);
    const at = now.toISOString();
    const id = Number(
      db
        .prepare(
          `INSERT INTO operators (login, name, roles, active, created_at, password_hash, password_changed_at)
           VALUES (?, ?, ?, 1, ?, ?, ?)`,
        )
        .run(input.login, input.name, rolesText(input.roles), at, passwordHash, passwordHash ? at : null)
        .lastInsertRowid,
    );
    const after = requireOperator(db, input.login);
    auditChange(db, now, operatorId, 'operator.add', 'operator', String(id), undefined, after);
    return after;
  })();
}

/** Adds roles to (grant) or takes them from (revoke) an operator. */
export function changeRoles(
  db: Database.Database,
  input: { login: string; roles: Role[] },
  grant: boolean,
  now: Date,
  operatorId: number,
): OperatorAdminDto {
  return db.transaction(() => {
    const before = requireOperator(db, input.login);
    const next = new Set(before.roles);
    for (const r of input.roles) {
      if (grant) next.add(r);
      else next.delete(r);
    }
    if (next.size === 0)
      throw conflict('no-roles', `${input.login} would have no role left; deactivate the operator instead`);
    db.prepare('UPDATE operators SET roles = ? WHERE id = ?').run(rolesText(next), before.id);
    assertAdminRemains(db);
    const after = requireOperator(db, input.login);
    auditChange(
      db,
      now,
      operatorId,
      grant ? 'operator.grant' : 'operator.revoke',
      'operator',
      String(before.id),
      { roles: before.roles },
      { roles: after.roles },
    );
    return after;
  })();
}

/** Renames an operator or (de)activates one; an inactive operator may run only what any operator may. */
export function updateOperator(
  db: Database.Database,
  input: { login: string; name?: string | undefined; active?: boolean | undefined },
  now: Date,
  operatorId: number,
): OperatorAdminDto {
  return db.transaction(() => {
    const before = requireOperator(db, input.login);
    db.prepare('UPDATE operators SET name = ?, active = ? WHERE id = ?').run(
      input.name ?? before.name,
      (input.active ?? before.active) ? 1 : 0,
      before.id,
    );
    assertAdminRemains(db);
    const after = requireOperator(db, input.login);
    auditChange(
      db,
      now,
      operatorId,
      'operator.update',
      'operator',
      String(before.id),
      { name: before.name, active: before.active },
      { name: after.name, active: after.active },
    );
    return after;
  })();
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
 * `entity` matches exactly; `action` exactly or as a glob ending in '*' ("operator.*").
 */
export function changeHistory(
  db: Database.Database,
  input: {
    entity?: string | undefined;
    action?: string | undefined;
    operatorLogin?: string | undefined;
    limit: number;
    offset: number;
  },
): AuditPageDto {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (input.entity) {
    where.push('a.entity = @entity');
    params.entity = input.entity;
  }
  if (input.action) {
    if (input.action.endsWith('*')) {
      where.push('a.action GLOB @action');
      params.action = input.action;
    } else {
      where.push('a.action = @action');
      params.action = input.action;
    }
  }
  if (input.operatorLogin) {
    where.push('o.login = @login');
    params.login = input.operatorLogin;
  }
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (
    db
      .prepare(
        `SELECT count(*) AS n FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id ${filter}`,
      )
      .get(params) as { n: number }
  ).n;
  const rows = db
    .prepare(
      `SELECT a.id, a.at, a.operator_id AS operatorId, o.login AS operatorLogin, a.action, a.entity, a.entity_id AS entityId,
         a.before, a.after, a.reason_code AS reasonCode
       FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id ${filter}
       ORDER BY a.id DESC LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: input.limit, offset: input.offset }) as (Omit<
    AuditEntryDto,
    'before' | 'after'
  > & {
    before: string | null;
    after: string | null;
  })[];
  return {
    rows: rows.map((r) => ({ ...r, before: parseJson(r.before), after: parseJson(r.after) })),
    total,
  };
}
