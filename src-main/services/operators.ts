import type Database from 'better-sqlite3';
import type { OperatorDto } from '../../src-shared/dto/app';
import { writeAudit } from '../ledger/audit';
import type { CommandName } from '../../src-shared/api/contract';
import { COMMAND_ROLES, mayRun } from '../../src-shared/api/roles';
import { forbidden } from '../ledger/errors';
import type { ServiceContext } from './context';

type OperatorRow = { id: number; login: string; name: string; roles: string };

const ALL_ROLES = ['admin', 'supervisor', 'analyst', 'clerk'] as const;

function toDto(row: OperatorRow): OperatorDto {
  return { id: row.id, login: row.login, name: row.name, roles: row.roles.split(',').filter(Boolean) };
}

/**
 * Finds the operator for a login, creating it on first use: the first operator of a new ledger gets
 * every role (admin), later ones start as clerks.
 */
export function ensureOperator(sqlite: Database.Database, login: string, now: Date): OperatorDto {
  const found = sqlite.prepare('SELECT id, login, name, roles FROM operators WHERE login = ?').get(login) as
    OperatorRow | undefined;
  if (found) return toDto(found);
  return sqlite.transaction(() => {
    const count = (sqlite.prepare('SELECT count(*) AS n FROM operators').get() as { n: number }).n;
    const roles = count === 0 ? ALL_ROLES.join(',') : 'clerk';
    const at = now.toISOString();
    const id = Number(
      sqlite
        .prepare('INSERT INTO operators (login, name, roles, active, created_at) VALUES (?, ?, ?, 1, ?)')
        .run(login, login, roles, at).lastInsertRowid,
    );
    writeAudit(sqlite, {
      at,
      operatorId: id,
      action: 'operator.create',
      entity: 'operator',
      entityId: String(id),
      after: { login, roles },
    });
    return toDto({ id, login, name: login, roles });
  })();
}

/**
 * The service-layer guard: refuses a command the operator's roles do not allow, with an audit row naming
 * the operator and the command. Roles are read from the ledger each time so a grant or revoke takes effect
 * without restarting.
 */
export function authorize(ctx: ServiceContext, command: CommandName): void {
  const need = COMMAND_ROLES[command];
  if (need === 'any') return;
  const db = ctx.ledger.sqlite;
  const row = db.prepare('SELECT roles, active FROM operators WHERE id = ?').get(ctx.operator.id) as
    { roles: string; active: number } | undefined;
  const roles = row && row.active === 1 ? row.roles.split(',').filter(Boolean) : [];
  ctx.operator.roles = roles;
  if (mayRun(roles, command)) return;
  writeAudit(db, {
    at: ctx.clock().toISOString(),
    operatorId: ctx.operator.id,
    action: 'forbidden',
    entity: 'command',
    entityId: command,
    after: { roles, needs: need },
  });
  throw forbidden(
    `${ctx.operator.login} may not run ${command}: it needs the role ${need.join(' or ')}`,
    need[0],
  );
}
