import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type {
  AuthStatusDto,
  NewApiTokenDto,
  RecoveryCodesDto,
  TotpEnrolmentDto,
} from '../../src-shared/dto/auth';
import type { Client } from '../../src-main/services/identity/client';
import { totpCode } from '../../src-main/services/identity/totp';
import { APPS, type TestApp } from '../helpers/apps';

/**
 * Issue #12, identity: every front door resolves the operator from a signed-in client or a token, never from a
 * typed name; passwords are argon2id; lockout, second factor and tokens behave; everything is audited.
 */

const NOW = new Date('2026-11-22T09:00:00Z');
let app: TestApp;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function audits(action: string): Promise<{ entity_id: string; after: string }[]> {
  return app.all<{ entity_id: string; after: string }>(
    sql`SELECT entity_id, after FROM audit_log WHERE action = ${action} ORDER BY id`,
  );
}

/** A desktop window that has not signed in. */
const window = (): Client => app.openClient('ipc');

describe.each(APPS.filter((r) => r.available))('identity ($dialect)', ({ open }) => {
  /** A fresh ledger whose in-process caller has the test password, as a desktop past its first run. */
  const fresh = async (login: string): Promise<TestApp> => {
    const opened = await open({ login, clock: () => NOW });
    await opened.giveTestPassword(login);
    return opened;
  };

  beforeEach(async () => {
    app = await fresh('boss');
    await value(
      app.dispatch('operators:add', {
        login: 'sue',
        name: 'Sue',
        roles: ['supervisor'],
        password: 'violet tulip harbour',
      }),
    );
    await value(
      app.dispatch('operators:add', {
        login: 'kim',
        name: 'Kim',
        roles: ['clerk'],
        password: 'granite owl lantern',
      }),
    );
  });
  afterEach(() => app.dispose());

  describe('sign-in', () => {
    it('a client that has not signed in can run nothing but the sign-in commands', async () => {
      const w = window();
      for (const command of ['app:info', 'batches:list', 'accounts:search', 'operators:list']) {
        const r = await app.dispatch(command, {}, w);
        expect(r).toMatchObject({ ok: false, error: { code: 'unauthenticated', reason: 'sign_in' } });
      }
      expect(await value<AuthStatusDto>(app.dispatch('auth:status', {}, w))).toMatchObject({
        firstRun: false,
        operator: null,
        locked: false,
      });
    });

    it('signs in with the password; the stored hash is argon2id and the password appears nowhere', async () => {
      const w = window();
      const st = await value<AuthStatusDto>(
        app.dispatch('auth:sign-in', { login: 'sue', password: 'violet tulip harbour' }, w),
      );
      expect(st.operator).toMatchObject({ login: 'sue', roles: ['supervisor'] });
      expect(await app.dispatch('batches:list', {}, w)).toMatchObject({ ok: true });
      const row = (await app.get<{ password_hash: string }>(
        sql`SELECT password_hash FROM operators WHERE login = 'sue'`,
      ))!;
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
      const everything = JSON.stringify(await app.all(sql`SELECT * FROM audit_log`));
      expect(everything).not.toContain('violet tulip harbour');
      expect((await audits('auth.sign-in')).map((a) => a.entity_id)).toContain('sue');
    });

    it('an unknown login and a wrong password get the same answer, both audited', async () => {
      const ghost = await app.dispatch(
        'auth:sign-in',
        { login: 'ghost', password: 'whatever it is' },
        window(),
      );
      const wrong = await app.dispatch(
        'auth:sign-in',
        { login: 'sue', password: 'not her password' },
        window(),
      );
      expect(ghost).toEqual(wrong);
      expect(ghost).toMatchObject({ ok: false, error: { code: 'unauthenticated', reason: 'sign_in' } });
      expect((await audits('auth.sign-in-failed')).map((a) => a.entity_id)).toEqual(['ghost', 'sue']);
    });

    it('five failed attempts lock the operator: even the right password is refused until an admin unlocks', async () => {
      for (let i = 0; i < 5; i++)
        await app.dispatch('auth:sign-in', { login: 'kim', password: `wrong ${i} password` }, window());
      const right = await app.dispatch(
        'auth:sign-in',
        { login: 'kim', password: 'granite owl lantern' },
        window(),
      );
      expect(right).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated', reason: 'operator_locked' },
      });
      expect((await audits('auth.lock')).map((a) => a.entity_id)).toEqual(['kim']);
      await value(app.dispatch('operators:unlock', { login: 'kim' }));
      expect(
        await app.dispatch('auth:sign-in', { login: 'kim', password: 'granite owl lantern' }, window()),
      ).toMatchObject({ ok: true });
    });

    it('an inactive operator is refused everywhere, readers included, even with a session already open', async () => {
      const w = window();
      await value(app.dispatch('auth:sign-in', { login: 'kim', password: 'granite owl lantern' }, w));
      await value(app.dispatch('operators:update', { login: 'kim', active: false }));
      for (const command of ['batches:list', 'accounts:search', 'codes:list', 'app:info']) {
        expect(await app.dispatch(command, {}, w)).toMatchObject({
          ok: false,
          error: { code: 'unauthenticated', reason: 'inactive' },
        });
      }
      expect(
        await app.dispatch('auth:sign-in', { login: 'kim', password: 'granite owl lantern' }, window()),
      ).toMatchObject({
        ok: false,
        error: { reason: 'inactive' },
      });
      expect((await audits('auth.refused')).length).toBeGreaterThanOrEqual(5);
    });

    it('a weak password is refused with the field named', async () => {
      expect(
        await app.dispatch('operators:set-password', { login: 'kim', password: 'kim1234567' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'validation', issues: [{ path: 'password' }] },
      });
      expect(await app.dispatch('operators:set-password', { login: 'kim', password: 'short' })).toMatchObject(
        {
          ok: false,
          error: { code: 'validation' },
        },
      );
    });

    it('a locked session accepts only unlock (with the password) or sign-out', async () => {
      const w = window();
      await value(app.dispatch('auth:sign-in', { login: 'sue', password: 'violet tulip harbour' }, w));
      await value(app.dispatch('auth:lock', {}, w));
      // A reloaded window asks who is locked out: the lock screen can name them.
      expect(await value<AuthStatusDto>(app.dispatch('auth:status', {}, w))).toMatchObject({
        operator: null,
        locked: true,
        lockedAs: { login: 'sue' },
      });
      expect(await app.dispatch('batches:list', {}, w)).toMatchObject({
        ok: false,
        error: { reason: 'session_locked' },
      });
      expect(await app.dispatch('auth:unlock', { password: 'wrong password!' }, w)).toMatchObject({
        ok: false,
      });
      expect(await app.dispatch('auth:unlock', { password: 'violet tulip harbour' }, w)).toMatchObject({
        ok: true,
        value: { locked: false },
      });
      expect(await app.dispatch('batches:list', {}, w)).toMatchObject({ ok: true });
    });
  });

  describe('idle lock', () => {
    it('a desktop session that sent nothing for auth.idleLockMinutes locks; presence pings keep it open', async () => {
      await value(app.dispatch('admin:set-setting', { key: 'auth.idleLockMinutes', value: 0.002 }));
      const idle = window();
      const busy = window();
      for (const w of [idle, busy])
        await value(app.dispatch('auth:sign-in', { login: 'sue', password: 'violet tulip harbour' }, w));
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 50));
        await value(app.dispatch('auth:status', {}, busy));
      }
      expect(await app.dispatch('batches:list', {}, busy)).toMatchObject({ ok: true });
      expect(await app.dispatch('batches:list', {}, idle)).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated', reason: 'session_locked' },
      });
      expect((await audits('auth.session-lock')).map((a) => JSON.parse(a.after) as { why: string })).toEqual([
        expect.objectContaining({ why: 'idle' }),
      ]);
    });
  });

  describe('second factor', () => {
    it('enrols with a code from the shared secret; sign-in then needs a code; a recovery code works once', async () => {
      const w = window();
      await value(app.dispatch('auth:sign-in', { login: 'sue', password: 'violet tulip harbour' }, w));
      const e = await value<TotpEnrolmentDto>(app.dispatch('auth:totp-begin', {}, w));
      expect(e.uri).toMatch(/^otpauth:\/\/totp\/Paydesk:sue\?/);
      expect(e.qrDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
      const stored = (await app.get<{ totp_secret: string }>(
        sql`SELECT totp_secret FROM operators WHERE login = 'sue'`,
      ))!;
      expect(stored.totp_secret).not.toContain(e.secret);
      expect(
        await app.dispatch(
          'auth:totp-enable',
          { code: '000000' === totpCode(e.secret, NOW) ? '111111' : '000000' },
          w,
        ),
      ).toMatchObject({ ok: false });
      const { recoveryCodes } = await value<RecoveryCodesDto>(
        app.dispatch('auth:totp-enable', { code: totpCode(e.secret, NOW) }, w),
      );
      expect(recoveryCodes).toHaveLength(10);

      const noCode = await app.dispatch(
        'auth:sign-in',
        { login: 'sue', password: 'violet tulip harbour' },
        window(),
      );
      expect(noCode).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated', reason: 'second_factor' },
      });
      const withCode = await app.dispatch(
        'auth:sign-in',
        { login: 'sue', password: 'violet tulip harbour', code: totpCode(e.secret, NOW) },
        window(),
      );
      expect(withCode).toMatchObject({ ok: true, value: { totpEnabled: true } });
      // A code is accepted once: the same code again (read over a shoulder) is refused.
      const replay = await app.dispatch(
        'auth:sign-in',
        { login: 'sue', password: 'violet tulip harbour', code: totpCode(e.secret, NOW) },
        window(),
      );
      expect(replay).toMatchObject({ ok: false, error: { reason: 'second_factor' } });
      const recovery = recoveryCodes[0]!;
      expect(
        await app.dispatch(
          'auth:sign-in',
          { login: 'sue', password: 'violet tulip harbour', code: recovery },
          window(),
        ),
      ).toMatchObject({ ok: true });
      expect(
        await app.dispatch(
          'auth:sign-in',
          { login: 'sue', password: 'violet tulip harbour', code: recovery },
          window(),
        ),
      ).toMatchObject({
        ok: false,
        error: { reason: 'second_factor' },
      });
      expect((await audits('auth.totp-enrol')).map((a) => a.entity_id)).toEqual(['sue']);
    });
  });

  describe('API tokens', () => {
    it('are shown once, stored hashed, scoped to roles, expire and can be revoked; use is recorded', async () => {
      const t = await value<NewApiTokenDto>(
        app.dispatch('tokens:create', {
          name: 'nightly',
          login: 'sue',
          roles: ['supervisor'],
          expiresInDays: 1,
        }),
      );
      expect(t.token).toMatch(/^pdk_/);
      expect(JSON.stringify(await app.all(sql`SELECT * FROM api_tokens`))).not.toContain(t.token);
      expect(JSON.stringify(await app.all(sql`SELECT * FROM audit_log`))).not.toContain(t.token);
      const listed = await value<{ lastUsedAt: string | null }[]>(
        app.dispatch('tokens:list', { login: 'sue' }),
      );
      expect(listed[0]).not.toHaveProperty('token');

      // A clerk cannot make a token with more roles than they hold, nor one for someone else.
      const k = window();
      await value(app.dispatch('auth:sign-in', { login: 'kim', password: 'granite owl lantern' }, k));
      expect(await app.dispatch('tokens:create', { name: 'x', roles: ['admin'] }, k)).toMatchObject({
        ok: false,
        error: { code: 'validation' },
      });
      expect(await app.dispatch('tokens:create', { name: 'x', login: 'sue' }, k)).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });

      // A clerk's token cannot run an admin command (refused and audited).
      const kt = await value<NewApiTokenDto>(app.dispatch('tokens:create', { name: 'kim job' }, k));
      const { signInWithToken } = await import('../../src-main/services/identity/tokens');
      const job = app.openClient('cli');
      job.principal = await signInWithToken(app.ctx.storage, kt.token, NOW, 'cli');
      expect(
        await app.dispatch('admin:set-setting', { key: 'ALLOWACCOUNTDUP', value: true }, job),
      ).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect((await audits('forbidden')).some((a) => a.entity_id === 'admin:set-setting')).toBe(true);
      expect((await audits('auth.token-use')).length).toBe(1);

      // Revoked: refused from the next command of a job already running.
      await value(app.dispatch('tokens:revoke', { id: kt.id }));
      expect(await app.dispatch('batches:list', {}, job)).toMatchObject({
        ok: false,
        error: { code: 'unauthenticated', reason: 'token' },
      });
      await expect(signInWithToken(app.ctx.storage, kt.token, NOW, 'cli')).rejects.toThrow(/revoked/);
      // Expired.
      await expect(
        signInWithToken(app.ctx.storage, t.token, new Date(NOW.getTime() + 2 * 86_400_000), 'cli'),
      ).rejects.toThrow(/expired/);
      await expect(signInWithToken(app.ctx.storage, 'pdk_' + 'A'.repeat(43), NOW, 'cli')).rejects.toThrow(
        /unknown/,
      );
    });
  });

  describe('first run', () => {
    it('creates the first admin once, with a password; then first-admin is refused', async () => {
      const first = await fresh('x');
      try {
        await first.ctx.storage.transaction(async (tx) => {
          await tx.run(sql`UPDATE operators SET password_hash = NULL`);
        });
        const w = first.openClient('ipc');
        expect(await value<AuthStatusDto>(first.dispatch('auth:status', {}, w))).toMatchObject({
          firstRun: true,
        });
        expect(await first.dispatch('auth:first-admin', { login: 'ada', password: 'ada' }, w)).toMatchObject({
          ok: false,
          error: { code: 'validation' },
        });
        const st = await value<AuthStatusDto>(
          first.dispatch('auth:first-admin', { login: 'ada', password: 'first of the admins' }, w),
        );
        expect(st.operator).toMatchObject({
          login: 'ada',
          roles: ['clerk', 'analyst', 'supervisor', 'admin'],
        });
        expect(
          await first.dispatch(
            'auth:first-admin',
            { login: 'eve', password: 'eve wants to be admin' },
            first.openClient('bridge'),
          ),
        ).toMatchObject({
          ok: false,
          error: { code: 'conflict' },
        });
      } finally {
        await first.dispose();
      }
    });
  });
});
