import type Database from 'better-sqlite3';
import { operatorInsertQuery } from '../../db/repos/operators';
import { driverGet } from '../../db/storage/sqlite';
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
 * The trusted in-process caller (tests, benchmarks): finds the operator for a login, creating it on first use
 * (the first operator of a new ledger gets every role, later ones start as clerks). No front door reaches
 * this: IPC, the CLI and the bridge prove the operator by password or token.
 */
export function ensureOperator(sqlite: Database.Database, login: string, now: Date): OperatorDto {
  const found = sqlite.prepare('SELECT id, login, name, roles FROM operators WHERE login = ?').get(login) as
    OperatorRow | undefined;
  if (found) return toDto(found);
  return sqlite.transaction(() => {
    const count = (sqlite.prepare('SELECT count(*) AS n FROM operators').get() as { n: number }).n;
    const roles = count === 0 ? ALL_ROLES.join(',') : 'clerk';
    const at = now.toISOString();
    const id = driverGet<{ id: number }>(
      sqlite,
      operatorInsertQuery({ login, name: login, roles, createdAt: at, passwordHash: null }),
    )!.id;
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
 * The service-layer guard for a command run inside another (a preview of an operation, an approval): refuses
 * when the current operator's roles (as checked at the front door, narrowed by a token's scope) do not allow
 * it, with an audit row naming the operator and the command.
 */
export function authorize(ctx: ServiceContext, command: CommandName): void {
  const need = COMMAND_ROLES[command];
  if (need === 'any') return;
  const roles = ctx.operator.roles;
  if (mayRun(roles, command)) return;
  writeAudit(ctx.ledger.sqlite, {
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
