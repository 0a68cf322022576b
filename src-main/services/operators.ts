import type Database from 'better-sqlite3';
import { operatorCountQuery, profileByLoginQuery, type ProfileRow } from '../../db/repos/credentials';
import { operatorInsertQuery } from '../../db/repos/operators';
import { driverGet } from '../../db/storage/sqlite';
import type { OperatorDto } from '../../src-shared/dto/app';
import { writeAudit } from '../ledger/audit';
import type { CommandName } from '../../src-shared/api/contract';
import { COMMAND_ROLES, mayRun } from '../../src-shared/api/roles';
import { forbidden } from '../ledger/errors';
import type { ServiceContext } from './context';
import { operatorDto } from './identity/operator-rows';

const ALL_ROLES = ['admin', 'supervisor', 'analyst', 'clerk'] as const;

/**
 * The trusted in-process caller (tests, benchmarks): finds the operator for a login, creating it on first use
 * (the first operator of a new ledger gets every role, later ones start as clerks). No front door reaches
 * this: IPC, the CLI and the bridge prove the operator by password or token. It stays on the driver, with the
 * repositories' SQL: the app opens synchronously. Looked for again inside an immediate transaction, so another
 * process creating the same login a moment before is found rather than refused by the unique index.
 */
export function ensureOperator(sqlite: Database.Database, login: string, now: Date): OperatorDto {
  const find = (): OperatorDto | undefined => {
    const row = driverGet<ProfileRow>(sqlite, profileByLoginQuery(login));
    return row && operatorDto(row);
  };
  return (
    find() ??
    sqlite
      .transaction(() => {
        const found = find();
        if (found) return found;
        const { n } = driverGet<{ n: number }>(sqlite, operatorCountQuery())!;
        const roles = n === 0 ? ALL_ROLES.join(',') : 'clerk';
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
        return operatorDto({ id, login, name: login, roles });
      })
      .immediate()
  );
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
