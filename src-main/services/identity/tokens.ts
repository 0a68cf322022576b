import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Role } from '../../../src-shared/api/roles';
import type { ApiTokenDto, NewApiTokenDto } from '../../../src-shared/dto/auth';
import { writeAudit } from '../../ledger/audit';
import { forbidden, invalidFields, notFound, unauthenticated } from '../../ledger/errors';
import type { Door, Principal } from './client';
import { operatorById, operatorByLogin, operatorDto, rolesOf } from './operator-rows';
import { refuseUnusable } from './sign-in';

/** Tokens look like pdk_<43 base64url characters> (256 random bits), so a scanner can spot a leaked one. */
const TOKEN_PATTERN = /^pdk_[A-Za-z0-9_-]{43}$/;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

type TokenRow = {
  id: number;
  operator_id: number;
  login: string;
  name: string;
  roles: string;
  created_by_login: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
};

const SELECT = `SELECT t.id, t.operator_id, o.login, t.name, t.roles, c.login AS created_by_login, t.created_at,
                       t.expires_at, t.revoked_at, t.last_used_at
                  FROM api_tokens t JOIN operators o ON o.id = t.operator_id JOIN operators c ON c.id = t.created_by`;

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
  db: Database.Database,
  actor: TokenActor,
  input: { name: string; login?: string | undefined; roles?: Role[] | undefined; expiresInDays: number },
  now: Date,
): NewApiTokenDto {
  const login = input.login ?? actor.login;
  if (login !== actor.login && !actor.roles.includes('admin'))
    throw forbidden(`only an admin may create a token for ${login}`, 'admin');
  const owner = operatorByLogin(db, login);
  if (!owner) throw notFound('operator', login);
  const held = rolesOf(owner);
  const roles = input.roles ?? held;
  const extra = roles.filter((r) => !held.includes(r));
  if (extra.length > 0)
    throw invalidFields(
      `${login} does not hold ${extra.join(', ')}: a token never has more roles than its operator`,
      [{ path: 'roles', message: `not held by ${login}: ${extra.join(', ')}` }],
    );
  const token = `pdk_${randomBytes(32).toString('base64url')}`;
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + input.expiresInDays * 86_400_000).toISOString();
  const id = db.transaction(() => {
    const newId = Number(
      db
        .prepare(
          `INSERT INTO api_tokens (operator_id, name, token_hash, roles, created_by, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(owner.id, input.name, digest(token), roles.join(','), actor.id, at, expiresAt).lastInsertRowid,
    );
    writeAudit(db, {
      at,
      operatorId: actor.id,
      action: 'token.create',
      entity: 'api_token',
      entityId: String(newId),
      after: { login, name: input.name, roles, expiresAt },
    });
    return newId;
  })();
  const row = db.prepare(`${SELECT} WHERE t.id = ?`).get(id) as TokenRow;
  return { ...toDto(row, now), token };
}

/** Lists tokens: one's own, or (admin) anyone's; active only unless asked. */
export function listTokens(
  db: Database.Database,
  actor: TokenActor,
  input: { login?: string | undefined; includeInactive: boolean },
  now: Date,
): ApiTokenDto[] {
  const isAdmin = actor.roles.includes('admin');
  if (input.login && input.login !== actor.login && !isAdmin)
    throw forbidden(`only an admin may list the tokens of ${input.login}`, 'admin');
  const where: string[] = [];
  const args: unknown[] = [];
  const login = input.login ?? (isAdmin ? undefined : actor.login);
  if (login) {
    where.push('o.login = ?');
    args.push(login);
  }
  if (!input.includeInactive) {
    where.push('t.revoked_at IS NULL AND t.expires_at > ?');
    args.push(now.toISOString());
  }
  const rows = db
    .prepare(`${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY t.id`)
    .all(...args) as TokenRow[];
  return rows.map((r) => toDto(r, now));
}

/** Revokes a token (one's own, or any for an admin); revoking twice is a no-op that still answers. */
export function revokeToken(db: Database.Database, actor: TokenActor, id: number, now: Date): ApiTokenDto {
  const row = db.prepare(`${SELECT} WHERE t.id = ?`).get(id) as TokenRow | undefined;
  if (!row) throw notFound('api_token', String(id));
  if (row.operator_id !== actor.id && !actor.roles.includes('admin'))
    throw forbidden(`only an admin may revoke a token of ${row.login}`, 'admin');
  if (!row.revoked_at) {
    db.transaction(() => {
      db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(now.toISOString(), id);
      writeAudit(db, {
        at: now.toISOString(),
        operatorId: actor.id,
        action: 'token.revoke',
        entity: 'api_token',
        entityId: String(id),
        after: { login: row.login, name: row.name },
      });
    })();
  }
  return toDto(db.prepare(`${SELECT} WHERE t.id = ?`).get(id) as TokenRow, now);
}

type LiveToken = {
  id: number;
  operator_id: number;
  roles: string;
  expires_at: string;
  revoked_at: string | null;
};

function liveToken(db: Database.Database, where: string, arg: string | number): LiveToken | undefined {
  return db
    .prepare(`SELECT id, operator_id, roles, expires_at, revoked_at FROM api_tokens WHERE ${where}`)
    .get(arg) as LiveToken | undefined;
}

function refuseToken(
  db: Database.Database,
  now: Date,
  door: Door,
  tokenId: number | null,
  why: string,
): never {
  writeAudit(db, {
    at: now.toISOString(),
    operatorId: null,
    action: 'auth.token-refused',
    entity: 'api_token',
    entityId: tokenId === null ? null : String(tokenId),
    after: { door, why },
  });
  throw unauthenticated('token', `the API token is ${why}`);
}

/** Refuses a token that is unknown, revoked or expired (audited); returns the live row otherwise. */
function liveOrRefuse(
  db: Database.Database,
  row: LiveToken | undefined,
  now: Date,
  door: Door,
  id: number | null,
): LiveToken {
  if (!row) return refuseToken(db, now, door, id, 'unknown');
  if (row.revoked_at) return refuseToken(db, now, door, row.id, 'revoked');
  if (row.expires_at <= now.toISOString()) return refuseToken(db, now, door, row.id, 'expired');
  return row;
}

/** Proves an operator by API token: known, not revoked, not expired, operator active and not locked. */
export function signInWithToken(db: Database.Database, token: string, now: Date, door: Door): Principal {
  const found = TOKEN_PATTERN.test(token) ? liveToken(db, 'token_hash = ?', digest(token)) : undefined;
  const row = liveOrRefuse(db, found, now, door, null);
  const op = operatorById(db, row.operator_id)!;
  refuseUnusable({ db, now, door }, op);
  db.transaction(() => {
    db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now.toISOString(), row.id);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId: op.id,
      action: 'auth.token-use',
      entity: 'api_token',
      entityId: String(row.id),
      after: { door },
    });
  })();
  const scope = row.roles.split(',').filter(Boolean) as Role[];
  const dto = operatorDto(op);
  return {
    operator: { ...dto, roles: dto.roles.filter((r) => scope.includes(r as Role)) },
    via: 'token',
    scope,
    tokenId: row.id,
  };
}

/** Re-checks a token principal before a command (revoked or expired since the process started). */
export function recheckToken(db: Database.Database, tokenId: number, now: Date, door: Door): void {
  liveOrRefuse(db, liveToken(db, 'id = ?', tokenId), now, door, tokenId);
}
