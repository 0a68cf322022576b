import type Database from 'better-sqlite3';
import { operatorCountQuery, profileByLoginQuery, type ProfileRow } from '../../db/repos/credentials';
import { operatorInsertQuery } from '../../db/repos/operators';
import { appendAudit, auditInsertQuery } from '../../db/repos/audit';
import type { Storage } from '../../db/storage/port';
import { get, stepsIn, stepsOnDriver, type Steps } from '../../db/storage/steps';
import type { OperatorDto } from '../../src-shared/dto/app';
import type { CommandName } from '../../src-shared/api/contract';
import { COMMAND_ROLES, mayRun } from '../../src-shared/api/roles';
import { forbidden } from '../ledger/errors';
import type { ServiceContext } from './context';
import { operatorDto } from './identity/operator-rows';

const ALL_ROLES = ['admin', 'supervisor', 'analyst', 'clerk'] as const;

/**
 * The trusted in-process caller (tests, benchmarks): finds the operator for a login, creating it on first use
 * (the first operator of a new ledger gets every role, later ones start as clerks). No front door reaches
 * this: IPC, the CLI and the bridge prove the operator by password or token. Through the driver when the app
 * opens a SQLite file synchronously, awaited on the port otherwise (ensureOperatorVia). Looked for again inside
 * the writing transaction, so another process creating the same login a moment before is found rather than
 * refused by the unique index.
 */
export function ensureOperator(sqlite: Database.Database, login: string, now: Date): OperatorDto {
  return (
    stepsOnDriver(sqlite, findOperator(login)) ??
    sqlite.transaction(() => stepsOnDriver(sqlite, findOrAddOperator(login, now))).immediate()
  );
}

/** ensureOperator on the port (a ledger opened asynchronously, such as a team server's PostgreSQL). */
export async function ensureOperatorVia(storage: Storage, login: string, now: Date): Promise<OperatorDto> {
  return (
    (await storage.transaction((tx) => stepsIn(tx, findOperator(login)), { readOnly: true })) ??
    storage.transaction((tx) => stepsIn(tx, findOrAddOperator(login, now)), { serializable: true })
  );
}

function* findOperator(login: string): Steps<OperatorDto | undefined> {
  const row = yield* get<ProfileRow>(profileByLoginQuery(login));
  return row && operatorDto(row);
}

function* findOrAddOperator(login: string, now: Date): Steps<OperatorDto> {
  const found = yield* findOperator(login);
  if (found) return found;
  const { n } = (yield* get<{ n: number }>(operatorCountQuery()))!;
  const roles = n === 0 ? ALL_ROLES.join(',') : 'clerk';
  const at = now.toISOString();
  const added = yield* get<{ id: number }>(
    operatorInsertQuery({ login, name: login, roles, createdAt: at, passwordHash: null }),
  );
  const id = added!.id;
  yield* get(
    auditInsertQuery({
      at,
      operatorId: id,
      action: 'operator.create',
      entity: 'operator',
      entityId: String(id),
      after: { login, roles },
    }),
  );
  return operatorDto({ id, login, name: login, roles });
}

/**
 * The service-layer guard for a command run inside another (a preview of an operation, an approval): refuses
 * when the current operator's roles (as checked at the front door, narrowed by a token's scope) do not allow
 * it, with an audit row naming the operator and the command.
 */
export async function authorize(ctx: ServiceContext, command: CommandName): Promise<void> {
  const need = COMMAND_ROLES[command];
  if (need === 'any') return;
  const roles = ctx.operator.roles;
  if (mayRun(roles, command)) return;
  const entry = {
    at: ctx.clock().toISOString(),
    operatorId: ctx.operator.id,
    action: 'forbidden',
    entity: 'command',
    entityId: command,
    after: { roles, needs: need },
  };
  await ctx.storage.transaction((tx) => appendAudit(tx, entry));
  throw forbidden(
    `${ctx.operator.login} may not run ${command}: it needs the role ${need.join(' or ')}`,
    need[0],
  );
}
