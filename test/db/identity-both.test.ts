import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorInsertQuery } from '../../db/repos/operators';
import { settingUpsertQuery } from '../../db/repos/settings';
import type { Storage } from '../../db/storage/port';
import { deriveSecretKeys, encryptSecret } from '../../src-main/processors/secrets';
import { newClient, type Client, type Principal } from '../../src-main/services/identity/client';
import { authorizeCall, lockClient } from '../../src-main/services/identity/gate';
import { hashPassword } from '../../src-main/services/identity/passwords';
import {
  createFirstAdmin,
  secondFactorValidIn,
  signInWithPassword,
  type SignInEnv,
} from '../../src-main/services/identity/sign-in';
import { operatorByLoginIn } from '../../src-main/services/identity/operator-rows';
import {
  createToken,
  listTokens,
  revokeToken,
  signInWithToken,
  type TokenActor,
} from '../../src-main/services/identity/tokens';
import { newTotpSecret, secretDigest, totpCode } from '../../src-main/services/identity/totp';
import type { NewApiTokenDto } from '../../src-shared/dto/auth';
import { failure } from '../helpers/alike';
import { STORAGES } from '../helpers/storages';
import { racing } from '../helpers/racing';

// Issue #17: sign-in, the second factor, the first admin, API tokens and the per-command gate run through the
// storage port. The same calls on SQLite and PostgreSQL answer alike and write the same credential, token and audit
// rows; refusals write the same audit rows. The checks that used to lean on SQLite's single writer hold when the
// calls come at once: every failed password is counted and the operator is locked once, a TOTP step or a recovery
// code is accepted once, one first admin is created, a revoked token is refused on its next call.

const NOW = new Date('2026-12-09T09:00:00Z');
const PASSWORD = 'violet tulip harbour';
const KEYS = deriveSecretKeys('identity-both-test');
const SECRET = newTotpSecret();
const RECOVERY = ['abcd-efgh-jkmn', 'pqrs-tuvw-xyz2'];

type Db = { dialect: string; storage: Storage; dispose: () => Promise<void> };

const env = (storage: Storage, door: SignInEnv['door'] = 'server'): SignInEnv => ({
  storage,
  now: NOW,
  door,
  secretKey: () => KEYS,
});

/** Everything identity writes: credential columns, recovery codes, tokens (not the secret's digest), audit. */
type Written = { operators: unknown[]; recovery: unknown[]; tokens: unknown[]; audit: unknown[] };

function written(storage: Storage): Promise<Written> {
  return storage.transaction(
    async (tx) => ({
      operators: await tx.all(
        sql`SELECT id, login, name, roles, active, created_at, password_hash, password_changed_at, totp_secret,
                   totp_enabled, totp_last_step, failed_attempts, locked_until, last_sign_in_at
              FROM operators ORDER BY id`,
      ),
      recovery: await tx.all(
        sql`SELECT id, operator_id, code_hash, created_at, used_at FROM operator_recovery_codes ORDER BY id`,
      ),
      tokens: await tx.all(
        sql`SELECT id, operator_id, name, roles, created_by, created_at, expires_at, revoked_at, last_used_at
              FROM api_tokens ORDER BY id`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id, action, entity, entity_id, before, after FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** The audit rows of an action, oldest first (after parsed). */
async function audits(
  storage: Storage,
  action: string,
): Promise<{ entity_id: string | null; after: unknown }[]> {
  const rows = await storage.transaction(
    (tx) =>
      tx.all<{ entity_id: string | null; after: string | null }>(
        sql`SELECT entity_id, after FROM audit_log WHERE action = ${action} ORDER BY id`,
      ),
    { readOnly: true },
  );
  return rows.map((r) => ({ entity_id: r.entity_id, after: r.after === null ? null : JSON.parse(r.after) }));
}

async function credentials(storage: Storage, login: string) {
  return (await storage.transaction((tx) => operatorByLoginIn(tx, login), { readOnly: true }))!;
}

/** The refusal's reason (or code), or 'accepted'. */
const outcome = async (p: Promise<unknown>): Promise<string> => {
  const f = await failure(p);
  if (f === 'no refusal') return 'accepted';
  const e = f as { code: string; reason?: string };
  return e.reason ?? e.code;
};

const tally = (outcomes: string[]): Record<string, number> =>
  outcomes.reduce<Record<string, number>>((t, o) => ({ ...t, [o]: (t[o] ?? 0) + 1 }), {});

describe.runIf(STORAGES[1]!.available)('identity on both databases', () => {
  describe('the first admin', () => {
    it('two first admins at once: one is created, the other refused', async () => {
      for (const row of STORAGES) {
        const db = await row.open();
        try {
          const racers = racing(db.storage, 2, { writesOnly: true }).storage;
          const results = await Promise.all(
            ['ada', 'eve'].map((login) =>
              failure(createFirstAdmin(env(racers, 'ipc'), { login, password: 'the first of the admins' })),
            ),
          );
          expect(
            results.filter((r) => r === 'no refusal'),
            row.dialect,
          ).toHaveLength(1);
          expect(
            results.filter((r) => r !== 'no refusal'),
            row.dialect,
          ).toEqual([
            {
              code: 'conflict',
              rule: 'first-admin',
              message: 'another first admin was created a moment ago',
            },
          ]);
          const rows = await written(db.storage);
          expect(rows.operators.length, row.dialect).toBe(1);
          expect(rows.operators[0], row.dialect).toMatchObject({
            roles: 'clerk,analyst,supervisor,admin',
            password_hash: expect.stringMatching(/^\$argon2id\$/),
          });
          expect((await audits(db.storage, 'auth.first-admin')).length, row.dialect).toBe(1);
          // Once someone can sign in, a first admin is refused before any password is hashed.
          expect(
            await failure(createFirstAdmin(env(db.storage), { login: 'zed', password: 'zed wants it too' })),
          ).toMatchObject({ code: 'conflict', rule: 'first-admin' });
        } finally {
          await db.dispose();
        }
      }
    }, 20_000);
  });

  describe('a ledger with operators', () => {
    const dbs: Db[] = [];
    let sealed: string;

    /** Runs the same call on each database: the same answer and, after it, the same rows. */
    async function same<T>(fn: (db: Db) => Promise<T>): Promise<T> {
      const answers: T[] = [];
      for (const db of dbs) answers.push(await fn(db));
      for (const [i, a] of answers.entries()) expect(a, dbs[i]!.dialect).toEqual(answers[0]);
      const rows = await written(dbs[0]!.storage);
      for (const db of dbs.slice(1)) expect(await written(db.storage), db.dialect).toEqual(rows);
      return answers[0]!;
    }

    beforeAll(async () => {
      for (const row of STORAGES) dbs.push({ dialect: row.dialect, ...(await row.open()) });
      const phc = await hashPassword(PASSWORD);
      sealed = encryptSecret(KEYS, SECRET);
      const at = NOW.toISOString();
      const people: [string, string][] = [
        ['ada', 'clerk,analyst,supervisor,admin'],
        ['kim', 'clerk'],
        ['sue', 'supervisor'],
        ['rex', 'clerk'],
        ['tia', 'clerk'],
        ['ina', 'clerk'],
        ['lou', 'clerk'],
        ['max', 'clerk'],
        ['pat', 'clerk,analyst'],
      ];
      for (const db of dbs)
        await db.storage.transaction(async (tx) => {
          for (const [login, roles] of people)
            await tx.get(
              operatorInsertQuery({ login, name: login, roles, createdAt: at, passwordHash: phc }),
            );
          // sue, rex and tia have a second factor (the same secret, sealed once, so the rows are alike).
          await tx.run(
            sql`UPDATE operators SET totp_secret = ${sealed}, totp_enabled = 1 WHERE login IN ('sue', 'rex', 'tia')`,
          );
          await tx.run(sql`UPDATE operators SET active = 0 WHERE login = 'ina'`);
          await tx.run(
            sql`UPDATE operators SET locked_until = '2026-12-09T10:00:00.000Z' WHERE login = 'lou'`,
          );
          for (const login of ['rex', 'sue'])
            for (const code of RECOVERY)
              await tx.run(
                sql`INSERT INTO operator_recovery_codes (operator_id, code_hash, created_at)
                    SELECT id, ${secretDigest(code)}, ${at} FROM operators WHERE login = ${login}`,
              );
          // A lower limit than the default, so eight attempts at once would have locked twice.
          await tx.run(settingUpsertQuery('auth.lockoutAttempts', '3'));
        });
    }, 60_000);
    afterAll(async () => {
      for (const db of dbs) await db.dispose();
    });

    it('a sign-in answers alike, clears failures and is audited alike', async () => {
      const principal = await same((db) =>
        signInWithPassword(env(db.storage), { login: 'kim', password: PASSWORD }),
      );
      expect(principal).toEqual({
        operator: { id: expect.any(Number), login: 'kim', name: 'kim', roles: ['clerk'] },
        via: 'password',
      });
      for (const db of dbs) {
        expect((await audits(db.storage, 'auth.sign-in')).at(-1), db.dialect).toEqual({
          entity_id: 'kim',
          after: { door: 'server', via: 'password', secondFactor: false },
        });
        expect(
          (await written(db.storage)).operators.find((o) => (o as { login: string }).login === 'kim'),
        ).toMatchObject({ last_sign_in_at: NOW.toISOString(), failed_attempts: 0 });
      }
    });

    it('refusals (unknown, inactive, locked, wrong code) answer alike and write the same audit rows', async () => {
      const refusal = (login: string, code?: string) =>
        same(async (db) => {
          const before = (await written(db.storage)).audit.length;
          const error = await failure(
            signInWithPassword(env(db.storage), { login, password: PASSWORD, ...(code ? { code } : {}) }),
          );
          const rows = (await written(db.storage)).audit.slice(before) as { action: string; after: string }[];
          return {
            error,
            audit: rows.map((r) => ({ action: r.action, after: JSON.parse(r.after) as unknown })),
          };
        });
      expect(await refusal('ghost')).toEqual({
        error: { code: 'unauthenticated', reason: 'sign_in', message: 'unknown login or wrong password' },
        audit: [{ action: 'auth.sign-in-failed', after: { door: 'server', why: 'unknown login' } }],
      });
      expect(await refusal('ina')).toEqual({
        error: {
          code: 'unauthenticated',
          reason: 'inactive',
          message: 'ina is inactive: an admin must reactivate the operator',
        },
        audit: [{ action: 'auth.refused', after: { door: 'server', why: 'inactive' } }],
      });
      expect(await refusal('lou')).toEqual({
        error: {
          code: 'unauthenticated',
          reason: 'operator_locked',
          message:
            'lou is locked after too many failed sign-ins until 2026-12-09T10:00:00.000Z; an admin can unlock',
        },
        audit: [
          {
            action: 'auth.refused',
            after: { door: 'server', why: 'locked', until: '2026-12-09T10:00:00.000Z' },
          },
        ],
      });
      const wrong = totpCode(SECRET, NOW) === '000000' ? '111111' : '000000';
      expect(await refusal('tia', wrong)).toEqual({
        error: {
          code: 'unauthenticated',
          reason: 'second_factor',
          message: 'the code is wrong or has expired',
        },
        audit: [
          {
            action: 'auth.sign-in-failed',
            after: { door: 'server', why: 'wrong second-factor code', attempt: 1 },
          },
        ],
      });
      // Without a code: asked for one, nothing counted or written.
      expect(await refusal('tia')).toEqual({
        error: {
          code: 'unauthenticated',
          reason: 'second_factor',
          message: 'enter the 6-digit code from your authenticator app',
        },
        audit: [],
      });
    });

    it('eight wrong passwords at once: each counted, the operator locked once, the rest refused as locked', async () => {
      for (const db of dbs) {
        const racers = racing(db.storage, 8, { writesOnly: true }).storage;
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            outcome(signInWithPassword(env(racers), { login: 'max', password: `wrong password ${i}` })),
          ),
        );
        expect(tally(outcomes), db.dialect).toEqual({ sign_in: 3, operator_locked: 5 });
        const failed = await audits(db.storage, 'auth.sign-in-failed');
        expect(
          failed
            .filter((a) => a.entity_id === 'max')
            .map((a) => (a.after as { attempt: number }).attempt)
            .sort(),
          db.dialect,
        ).toEqual([1, 2, 3]);
        expect(
          (await audits(db.storage, 'auth.lock')).filter((a) => a.entity_id === 'max'),
          db.dialect,
        ).toEqual([
          { entity_id: 'max', after: { door: 'server', until: '2026-12-09T09:15:00.000Z', attempts: 3 } },
        ]);
        expect(await credentials(db.storage, 'max'), db.dialect).toMatchObject({
          failed_attempts: 0,
          locked_until: '2026-12-09T09:15:00.000Z',
        });
      }
    }, 20_000);

    it('two wrong passwords at once below the limit are both counted', async () => {
      for (const db of dbs) {
        const racers = racing(db.storage, 2, { writesOnly: true }).storage;
        await Promise.all(
          [1, 2].map((i) =>
            failure(signInWithPassword(env(racers), { login: 'pat', password: `wrong password ${i}` })),
          ),
        );
        expect(await credentials(db.storage, 'pat'), db.dialect).toMatchObject({
          failed_attempts: 2,
          locked_until: null,
        });
      }
    });

    it('the same TOTP code in two sign-ins at once is accepted once', async () => {
      const code = totpCode(SECRET, NOW);
      for (const db of dbs) {
        const racers = racing(db.storage, 2, { writesOnly: true }).storage;
        const outcomes = await Promise.all(
          [1, 2].map(() =>
            outcome(signInWithPassword(env(racers), { login: 'sue', password: PASSWORD, code })),
          ),
        );
        expect(tally(outcomes), db.dialect).toEqual({ accepted: 1, second_factor: 1 });
        expect((await audits(db.storage, 'auth.sign-in')).filter((a) => a.entity_id === 'sue')).toHaveLength(
          1,
        );
      }
      // The step is spent: the same code again is refused.
      expect(
        await same((db) =>
          outcome(signInWithPassword(env(db.storage), { login: 'sue', password: PASSWORD, code })),
        ),
      ).toBe('second_factor');
    });

    it('the same recovery code twice at once is used once', async () => {
      for (const db of dbs) {
        const racers = racing(db.storage, 2, { writesOnly: true }).storage;
        const outcomes = await Promise.all(
          [1, 2].map(() =>
            outcome(signInWithPassword(env(racers), { login: 'rex', password: PASSWORD, code: RECOVERY[0] })),
          ),
        );
        expect(tally(outcomes), db.dialect).toEqual({ accepted: 1, second_factor: 1 });
        expect(
          (await audits(db.storage, 'auth.recovery-code-used')).filter((a) => a.entity_id === 'rex'),
          db.dialect,
        ).toHaveLength(1);
        const used = await db.storage.transaction(
          (tx) =>
            tx.all<{ used_at: string | null }>(
              sql`SELECT used_at FROM operator_recovery_codes r JOIN operators o ON o.id = r.operator_id
                   WHERE o.login = 'rex' ORDER BY r.id`,
            ),
          { readOnly: true },
        );
        expect(used, db.dialect).toEqual([{ used_at: NOW.toISOString() }, { used_at: null }]);
      }
      // The other code still works once, through the port form the approvals can use.
      expect(
        await same(async (db) => {
          const row = await credentials(db.storage, 'sue');
          return db.storage.transaction(async (tx) => [
            await secondFactorValidIn(tx, env(db.storage), row, RECOVERY[1]!),
            await secondFactorValidIn(tx, env(db.storage), row, RECOVERY[1]!),
          ]);
        }),
      ).toEqual([true, false]);
    });

    it('tokens: created, listed, used and revoked alike; a revoked token is refused on its next call', async () => {
      const ada: TokenActor = { id: 1, login: 'ada', roles: ['admin'] };
      const tokens = new Map<string, NewApiTokenDto>();
      const made = await same(async (db) => {
        const t = await createToken(
          db.storage,
          ada,
          { name: 'nightly', login: 'pat', roles: ['clerk'], expiresInDays: 2 },
          NOW,
        );
        tokens.set(db.dialect, t);
        const { token, ...rest } = t;
        expect(token).toMatch(/^pdk_[A-Za-z0-9_-]{43}$/);
        return rest;
      });
      expect(made).toMatchObject({ login: 'pat', roles: ['clerk'], createdBy: 'ada', status: 'active' });
      // More roles than the operator holds: refused, nothing written.
      expect(
        await same((db) =>
          failure(
            createToken(
              db.storage,
              ada,
              { name: 'x', login: 'pat', roles: ['admin'], expiresInDays: 1 },
              NOW,
            ),
          ),
        ),
      ).toMatchObject({ code: 'validation', issues: [{ path: 'roles' }] });
      const listed = await same((db) => listTokens(db.storage, ada, { includeInactive: false }, NOW));
      expect(listed.map((t) => t.name)).toEqual(['nightly']);
      // A clerk sees only their own (none).
      expect(
        await same((db) =>
          listTokens(db.storage, { id: 2, login: 'kim', roles: ['clerk'] }, { includeInactive: true }, NOW),
        ),
      ).toEqual([]);

      const clients = new Map<string, Client>();
      const principal = await same(async (db) => {
        const p = await signInWithToken(db.storage, tokens.get(db.dialect)!.token, NOW, 'cli');
        clients.set(db.dialect, newClient('cli', p));
        return p;
      });
      expect(principal).toMatchObject({
        via: 'token',
        scope: ['clerk'],
        operator: { login: 'pat', roles: ['clerk'] },
      });
      // The per-call gate: a command the token's scope allows passes and writes nothing; analyst work is forbidden.
      expect(
        await same((db) => failure(authorizeCall(db.storage, clients.get(db.dialect)!, 'batches:list', NOW))),
      ).toBe('no refusal');
      expect(
        await same((db) =>
          failure(authorizeCall(db.storage, clients.get(db.dialect)!, 'operators:add', NOW)),
        ),
      ).toMatchObject({ code: 'forbidden' });

      await same((db) => revokeToken(db.storage, ada, made.id, NOW));
      // Twice: answered again, audited once.
      expect(await same((db) => revokeToken(db.storage, ada, made.id, NOW))).toMatchObject({
        status: 'revoked',
      });
      for (const db of dbs) expect(await audits(db.storage, 'token.revoke'), db.dialect).toHaveLength(1);
      expect(
        await same((db) => failure(authorizeCall(db.storage, clients.get(db.dialect)!, 'batches:list', NOW))),
      ).toEqual({ code: 'unauthenticated', reason: 'token', message: 'the API token is revoked' });
      for (const db of dbs)
        expect((await audits(db.storage, 'auth.token-refused')).at(-1), db.dialect).toEqual({
          entity_id: String(made.id),
          after: { door: 'cli', why: 'revoked' },
        });
      expect(
        await same((db) => failure(signInWithToken(db.storage, tokens.get(db.dialect)!.token, NOW, 'cli'))),
      ).toMatchObject({ reason: 'token', message: 'the API token is revoked' });
      expect(await same((db) => listTokens(db.storage, ada, { includeInactive: false }, NOW))).toEqual([]);
    });

    it('the gate: session lock and idle lock audited alike; an inactive operator refused on the next call', async () => {
      const principal = (): Principal => ({
        operator: { id: 2, login: 'kim', name: 'kim', roles: ['clerk'] },
        via: 'password',
      });
      expect(
        await same(async (db) => {
          const idle = newClient('ipc', principal());
          idle.lastSeenMs = Date.now() - 16 * 60_000;
          const first = await failure(authorizeCall(db.storage, idle, 'batches:list', NOW));
          const locked = newClient('bridge', principal());
          await lockClient(db.storage, locked, NOW, 'os lock');
          await lockClient(db.storage, locked, NOW, 'os lock');
          return { first, again: await failure(authorizeCall(db.storage, locked, 'batches:list', NOW)) };
        }),
      ).toEqual({
        first: {
          code: 'unauthenticated',
          reason: 'session_locked',
          message: 'the session is locked: unlock with your password',
        },
        again: expect.objectContaining({ reason: 'session_locked' }),
      });
      for (const db of dbs)
        expect(
          (await audits(db.storage, 'auth.session-lock')).map((a) => a.after),
          db.dialect,
        ).toEqual([
          { door: 'ipc', why: 'idle' },
          { door: 'bridge', why: 'os lock' },
        ]);
      const kim = newClient('server', principal());
      expect(
        await same((db) =>
          failure(authorizeCall(db.storage, newClient('server', principal()), 'batches:list', NOW)),
        ),
      ).toBe('no refusal');
      for (const db of dbs)
        await db.storage.transaction((tx) =>
          tx.run(sql`UPDATE operators SET active = 0 WHERE login = 'kim'`),
        );
      expect(await same((db) => failure(authorizeCall(db.storage, kim, 'batches:list', NOW)))).toMatchObject({
        reason: 'inactive',
      });
    });
  });
});
