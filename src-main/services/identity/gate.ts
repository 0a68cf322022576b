import type Database from 'better-sqlite3';
import { PUBLIC_COMMANDS } from '../../../src-shared/api/roles';
import type { CommandName } from '../../../src-shared/api/contract';
import { COMMAND_ROLES, mayRun, type Role } from '../../../src-shared/api/roles';
import { writeAudit } from '../../ledger/audit';
import { forbidden, unauthenticated } from '../../ledger/errors';
import { getSetting } from '../../ledger/settings';
import type { Client } from './client';
import { operatorById, operatorDto, type CredentialRow } from './operator-rows';
import { refuseUnusable } from './sign-in';
import { recheckToken } from './tokens';

/**
 * The trusted in-process caller has no credentials: only what every ledger since the first has (so a test can
 * drive a ledger migrated by an older build); it is still refused when inactive.
 */
function inProcessRow(db: Database.Database, id: number): CredentialRow | undefined {
  const row = db.prepare('SELECT id, login, name, roles, active FROM operators WHERE id = ?').get(id) as
    Pick<CredentialRow, 'id' | 'login' | 'name' | 'roles' | 'active'> | undefined;
  return (
    row && {
      ...row,
      password_hash: null,
      totp_secret: null,
      totp_enabled: 0,
      failed_attempts: 0,
      locked_until: null,
    }
  );
}

/** Desktop, browser and team-server sessions lock when idle; the CLI and in-process callers have no idle. */
function idleLocks(client: Client): boolean {
  return client.door === 'ipc' || client.door === 'bridge' || client.door === 'server';
}

/** Locks the client when it has been idle longer than auth.idleLockMinutes (audited once). */
export function lockIfIdle(db: Database.Database, client: Client, now: Date): void {
  if (!client.principal || client.locked || !idleLocks(client)) return;
  const minutes = Number(getSetting(db, 'auth.idleLockMinutes'));
  if (!(minutes > 0) || Date.now() - client.lastSeenMs <= minutes * 60_000) return;
  lockClient(db, client, now, 'idle');
}

/**
 * The renderer's sign of presence (auth:status while the operator types or clicks): an idle client locks as
 * usual, an active one counts as seen now.
 */
export function touchClient(db: Database.Database, client: Client, now: Date): void {
  lockIfIdle(db, client, now);
  if (client.principal && !client.locked) client.lastSeenMs = Date.now();
}

/** Locks a signed-in client (idle, OS lock, or by hand), with an audit row. */
export function lockClient(db: Database.Database, client: Client, now: Date, why: string): void {
  if (!client.principal || client.locked) return;
  client.locked = true;
  writeAudit(db, {
    at: now.toISOString(),
    operatorId: client.principal.operator.id,
    action: 'auth.session-lock',
    entity: 'operator',
    entityId: client.principal.operator.login,
    after: { door: client.door, why },
  });
}

/**
 * The gate every command passes, at every front door: a signed-in, unlocked client whose operator is still
 * active and not locked out (and whose token is still valid), holding a role the command needs (narrowed by
 * the token's scope). Refusals are audited. Public commands (sign-in, status) pass without an operator.
 */
export function authorizeCall(db: Database.Database, client: Client, command: CommandName, now: Date): void {
  if (PUBLIC_COMMANDS.has(command)) return;
  lockIfIdle(db, client, now);
  const p = client.principal;
  if (!p) throw unauthenticated('sign_in', `sign in first: ${command} needs a signed-in operator`);
  if (client.locked)
    throw unauthenticated('session_locked', 'the session is locked: unlock with your password');
  const row = p.via === 'in-process' ? inProcessRow(db, p.operator.id) : operatorById(db, p.operator.id);
  if (!row) throw unauthenticated('sign_in', 'the operator no longer exists');
  refuseUnusable({ db, now, door: client.door }, row);
  if (p.via === 'token' && p.tokenId !== undefined) recheckToken(db, p.tokenId, now, client.door);
  const dto = operatorDto(row);
  const roles = p.scope ? dto.roles.filter((r) => p.scope!.includes(r as Role)) : dto.roles;
  p.operator = { ...dto, roles };
  client.lastSeenMs = Date.now();
  if (mayRun(roles, command)) return;
  const need = COMMAND_ROLES[command];
  writeAudit(db, {
    at: now.toISOString(),
    operatorId: row.id,
    action: 'forbidden',
    entity: 'command',
    entityId: command,
    after: { roles, needs: need, door: client.door, via: p.via },
  });
  const needText = need === 'any' ? 'a sign-in' : `the role ${need.join(' or ')}`;
  throw forbidden(
    `${row.login} may not run ${command}: it needs ${needText}`,
    need === 'any' ? undefined : need[0],
  );
}
