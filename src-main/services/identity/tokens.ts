import { createHash, randomBytes } from 'node:crypto';
import { appendAudit } from '../../../db/repos/audit';
import {
  liveTokenByHashQuery,
  liveTokenByIdQuery,
  tokenByIdQuery,
  tokenInsertQuery,
  tokenRevokeQuery,
  tokensQuery,
  tokenUsedQuery,
  type LiveTokenRow,
  type TokenRow,
} from '../../../db/repos/credentials';
import type { Storage, Tx } from '../../../db/storage/port';
import type { Role } from '../../../src-shared/api/roles';
import type { ApiTokenDto, NewApiTokenDto } from '../../../src-shared/dto/auth';
import { forbidden, invalidFields, notFound, unauthenticated, type AppFailure } from '../../ledger/errors';
import type { Door, Principal } from './client';
import { operatorByIdIn, operatorByLoginIn, operatorDto, rolesOf } from './operator-rows';
import { unusableIn } from './sign-in';

export type { LiveTokenRow };

/** Tokens look like pdk_<43 base64url characters> (256 random bits), so a scanner can spot a leaked one. */
const TOKEN_PATTERN = /^pdk_[A-Za-z0-9_-]{43}$/;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toDto(row: TokenRow, now: Date): ApiTokenDto {
  return {
    id: row.id,
    login: row.login,
    name: row.name,
    roles: row.roles.split(',').filter(Boolean),
    createdBy: row.created_by_login,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    status: row.revoked_at ? 'revoked' : row.expires_at <= now.toISOString() ? 'expired' : 'active',
  };
}

/** The acting operator and whether they are an admin (who may manage other people's tokens). */
export type TokenActor = { id: number; login: string; roles: readonly string[] };

/** Creates a token for the actor (or, for an admin, for another operator); the secret is returned once. */
export function createToken(
  storage: Storage,
  actor: TokenActor,
  input: { name: string; login?: string | undefined; roles?: Role[] | undefined; expiresInDays: number },
  now: Date,
): Promise<NewApiTokenDto> {
  const login = input.login ?? actor.login;
  if (login !== actor.login && !actor.roles.includes('admin'))
    return Promise.reject(forbidden(`only an admin may create a token for ${login}`, 'admin'));
  const token = `pdk_${randomBytes(32).toString('base64url')}`;
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString();
  return storage.transaction(async (tx) => {
    const owner = await operatorByLoginIn(tx, login);
    if (!owner) throw notFound('operator', login);
    const held = rolesOf(owner);
    const roles = input.roles ?? held;
    const extra = roles.filter((r) => !held.includes(r));
    if (extra.length > 0)
      throw invalidFields(
        `${login} does not hold ${extra.join(', ')}: a token never has more roles than its operator`,
        [{ path: 'roles', message: `not held by ${login}: ${extra.join(', ')}` }],
      );
    const inserted = await tx.get<{ id: number }>(
      tokenInsertQuery({
        operatorId: owner.id,
        name: input.name,
        tokenHash: digest(token),
        roles: roles.join(','),
        createdBy: actor.id,
        createdAt: at,
        expiresAt,
      }),
    );
    if (!inserted) throw new Error('the token was not written');
    await appendAudit(tx, {
      at,
      operatorId: actor.id,
      action: 'token.create',
      entity: 'api_token',
      entityId: String(inserted.id),
      after: { login, name: input.name, roles, expiresAt },
    });
    const row = await tx.get<TokenRow>(tokenByIdQuery(inserted.id));
    return { ...toDto(row!, now), token };
  });
}

/** Lists tokens: one's own, or (admin) anyone's; active only unless asked. */
export function listTokens(
  storage: Storage,
  actor: TokenActor,
  input: { login?: string | undefined; includeInactive: boolean },
  now: Date,
): Promise<ApiTokenDto[]> {
  const isAdmin = actor.roles.includes('admin');
  if (input.login && input.login !== actor.login && !isAdmin)
    return Promise.reject(forbidden(`only an admin may list the tokens of ${input.login}`, 'admin'));
  const login = input.login ?? (isAdmin ? undefined : actor.login);
  const activeAt = input.includeInactive ? undefined : now.toISOString();
  return storage.transaction(
    async (tx) => (await tx.all<TokenRow>(tokensQuery(tx, { login, activeAt }))).map((r) => toDto(r, now)),
    { readOnly: true },
  );
}

/**
 * Revokes a token (one's own, or any for an admin); revoking twice is a no-op that still answers. The revoke is
 * conditional on the token not being revoked yet, so two revokes at once write one audit row.
 */
export function revokeToken(
  storage: Storage,
  actor: TokenActor,
  id: number,
  now: Date,
): Promise<ApiTokenDto> {
  return storage.transaction(async (tx) => {
    const row = await tx.get<TokenRow>(tokenByIdQuery(id));
    if (!row) throw notFound('api_token', String(id));
    if (row.operator_id !== actor.id && !actor.roles.includes('admin'))
      throw forbidden(`only an admin may revoke a token of ${row.login}`, 'admin');
    if ((await tx.run(tokenRevokeQuery(id, now.toISOString()))).changes === 1)
      await appendAudit(tx, {
        at: now.toISOString(),
        operatorId: actor.id,
        action: 'token.revoke',
        entity: 'api_token',
        entityId: String(id),
        after: { login: row.login, name: row.name },
      });
    return toDto((await tx.get<TokenRow>(tokenByIdQuery(id)))!, now);
  });
}

/**
 * Why a token may not be used (unknown, revoked or expired), with its audit row written in tx; undefined when it
 * is live. Answered rather than thrown, so the caller's transaction commits the audit row.
 */
export async function deadTokenIn(
  tx: Tx,
  row: LiveTokenRow | undefined,
  now: Date,
  door: Door,
  id: number | null,
): Promise<AppFailure | undefined> {
  const why = !row
    ? 'unknown'
    : row.revoked_at
      ? 'revoked'
      : row.expires_at <= now.toISOString()
        ? 'expired'
        : undefined;
  if (why === undefined) return undefined;
  const tokenId = row ? row.id : id;
  await appendAudit(tx, {
    at: now.toISOString(),
    operatorId: null,
    action: 'auth.token-refused',
    entity: 'api_token',
    entityId: tokenId === null ? null : String(tokenId),
    after: { door, why },
  });
  return unauthenticated('token', `the API token is ${why}`);
}

/** True when a token row can be used at `now` (known, not revoked, not expired). */
export function tokenLive(row: LiveTokenRow | undefined, now: Date): boolean {
  return row !== undefined && !row.revoked_at && row.expires_at > now.toISOString();
}

/** The token row a command's recheck reads (by the principal's token id). */
export function liveTokenIn(tx: Tx, tokenId: number): Promise<LiveTokenRow | undefined> {
  return tx.get<LiveTokenRow>(liveTokenByIdQuery(tokenId));
}

/**
 * Proves an operator by API token: known, not revoked, not expired, operator active and not locked. One write
 * transaction: the use is recorded, or the refusal audited.
 */
export async function signInWithToken(
  storage: Storage,
  token: string,
  now: Date,
  door: Door,
): Promise<Principal> {
  const outcome = await storage.transaction(
    async (tx): Promise<{ refusal: AppFailure } | { principal: Principal }> => {
      const found = TOKEN_PATTERN.test(token)
        ? await tx.get<LiveTokenRow>(liveTokenByHashQuery(digest(token)))
        : undefined;
      const dead = await deadTokenIn(tx, found, now, door, null);
      if (dead || !found) return { refusal: dead! };
      const op = (await operatorByIdIn(tx, found.operator_id))!;
      const unusable = await unusableIn(tx, { now, door }, op);
      if (unusable) return { refusal: unusable };
      await tx.run(tokenUsedQuery(found.id, now.toISOString()));
      await appendAudit(tx, {
        at: now.toISOString(),
        operatorId: op.id,
        action: 'auth.token-use',
        entity: 'api_token',
        entityId: String(found.id),
        after: { door },
      });
      const scope = found.roles.split(',').filter(Boolean) as Role[];
      const dto = operatorDto(op);
      return {
        principal: {
          operator: { ...dto, roles: dto.roles.filter((r) => scope.includes(r as Role)) },
          via: 'token',
          scope,
          tokenId: found.id,
        },
      };
    },
  );
  if ('refusal' in outcome) throw outcome.refusal;
  return outcome.principal;
}
