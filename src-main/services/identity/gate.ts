import { appendAudit } from '../../../db/repos/audit';
import { profileByIdQuery, type ProfileRow } from '../../../db/repos/credentials';
import type { Storage, Tx } from '../../../db/storage/port';
import { PUBLIC_COMMANDS } from '../../../src-shared/api/roles';
import type { CommandName } from '../../../src-shared/api/contract';
import { COMMAND_ROLES, mayRun, type Role } from '../../../src-shared/api/roles';
import { forbidden, unauthenticated, type AppFailure } from '../../ledger/errors';
import { getSettingIn } from '../../ledger/settings';
import type { Client } from './client';
import { operatorByIdIn, operatorDto, type CredentialRow } from './operator-rows';
import { unusableIn, usable } from './sign-in';
import { deadTokenIn, liveTokenIn, tokenLive, type LiveTokenRow } from './tokens';

/**
 * The trusted in-process caller has no credentials: only what every ledger since the first has (so a test can
 * drive a ledger migrated by an older build); it is still refused when inactive.
 */
async function inProcessRowIn(tx: Tx, id: number): Promise<CredentialRow | undefined> {
  const row = await tx.get<ProfileRow>(profileByIdQuery(id));
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

/** True when the client has been idle longer than the minutes allowed (0 or less: never). */
function idleTooLong(client: Client, minutes: number): boolean {
  return minutes > 0 && Date.now() - client.lastSeenMs > minutes * 60_000;
}

/** The idle limit in minutes (auth.idleLockMinutes). */
async function idleMinutesIn(tx: Tx): Promise<number> {
  return Number(await getSettingIn(tx, 'auth.idleLockMinutes'));
}

/** Locks the client when it has been idle longer than auth.idleLockMinutes (audited once). */
export async function lockIfIdle(storage: Storage, client: Client, now: Date): Promise<void> {
  if (!client.principal || client.locked || !idleLocks(client)) return;
  const minutes = await storage.transaction(idleMinutesIn, { readOnly: true });
  if (idleTooLong(client, minutes)) await lockClient(storage, client, now, 'idle');
}

/**
 * The renderer's sign of presence (auth:status while the operator types or clicks): an idle client locks as
 * usual, an active one counts as seen now.
 */
export async function touchClient(storage: Storage, client: Client, now: Date): Promise<void> {
  await lockIfIdle(storage, client, now);
  if (client.principal && !client.locked) client.lastSeenMs = Date.now();
}

/**
 * Locks a signed-in client (idle, OS lock, or by hand), with an audit row. The client is locked before the row
 * is written, so two commands of one client finding it idle at once lock it (and audit) once.
 */
export async function lockClient(storage: Storage, client: Client, now: Date, why: string): Promise<void> {
  if (!client.principal || client.locked) return;
  client.locked = true;
  const operator = client.principal.operator;
  await storage.transaction((tx) =>
    appendAudit(tx, {
      at: now.toISOString(),
      operatorId: operator.id,
      action: 'auth.session-lock',
      entity: 'operator',
      entityId: operator.login,
      after: { door: client.door, why },
    }),
  );
}

/** What the gate reads for one command, in one read-only transaction. */
type GateRead = {
  idleMinutes: number;
  row: CredentialRow | undefined;
  token: LiveTokenRow | undefined;
};

/**
 * The gate every command passes, at every front door: a signed-in, unlocked client whose operator is still
 * active and not locked out (and whose token is still valid), holding a role the command needs (narrowed by
 * the token's scope). Refusals are audited. Public commands (sign-in, status) pass without an operator.
 * A command that passes reads in one read-only transaction (it never waits for a writer); a refusal or an idle
 * lock writes its audit row in a write transaction of its own, committed before the refusal is answered.
 */
export async function authorizeCall(
  storage: Storage,
  client: Client,
  command: CommandName,
  now: Date,
): Promise<void> {
  if (PUBLIC_COMMANDS.has(command)) return;
  const p = client.principal;
  if (!p) throw unauthenticated('sign_in', `sign in first: ${command} needs a signed-in operator`);
  if (client.locked)
    throw unauthenticated('session_locked', 'the session is locked: unlock with your password');
  const tokenId = p.via === 'token' ? p.tokenId : undefined;
  const read = await storage.transaction(
    async (tx): Promise<GateRead> => ({
      idleMinutes: idleLocks(client) ? await idleMinutesIn(tx) : 0,
      row:
        p.via === 'in-process'
          ? await inProcessRowIn(tx, p.operator.id)
          : await operatorByIdIn(tx, p.operator.id),
      token: tokenId === undefined ? undefined : await liveTokenIn(tx, tokenId),
    }),
    { readOnly: true },
  );
  if (idleTooLong(client, read.idleMinutes)) await lockClient(storage, client, now, 'idle');
  // Locked meanwhile too: by this idle check, another command of the client's, or the OS lock.
  if (client.locked)
    throw unauthenticated('session_locked', 'the session is locked: unlock with your password');
  const row = read.row;
  if (!row) throw unauthenticated('sign_in', 'the operator no longer exists');
  const door = client.door;
  if (!usable(row, now) || (tokenId !== undefined && !tokenLive(read.token, now))) {
    const refusal = await storage.transaction(
      async (tx): Promise<AppFailure | undefined> =>
        (await unusableIn(tx, { now, door }, row)) ??
        (tokenId === undefined ? undefined : await deadTokenIn(tx, read.token, now, door, tokenId)),
    );
    if (refusal) throw refusal;
  }
  const dto = operatorDto(row);
  const roles = p.scope ? dto.roles.filter((r) => p.scope!.includes(r as Role)) : dto.roles;
  p.operator = { ...dto, roles };
  client.lastSeenMs = Date.now();
  if (mayRun(roles, command)) return;
  const need = COMMAND_ROLES[command];
  await storage.transaction((tx) =>
    appendAudit(tx, {
      at: now.toISOString(),
      operatorId: row.id,
      action: 'forbidden',
      entity: 'command',
      entityId: command,
      after: { roles, needs: need, door, via: p.via },
    }),
  );
  const needText = need === 'any' ? 'a sign-in' : `the role ${need.join(' or ')}`;
  throw forbidden(
    `${row.login} may not run ${command}: it needs ${needText}`,
    need === 'any' ? undefined : need[0],
  );
}
