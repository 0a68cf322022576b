import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src-main/services/identity/client';
import { signInWithToken } from '../../src-main/services/identity/tokens';
import { totpCode } from '../../src-main/services/identity/totp';
import { startSession, type E2eSession } from './helpers';
import { freshCode, signIn } from './sign-in';

const LOGIN = 'first.admin';
const PASSWORD = 'a long enough passphrase';

/** The account menu item with this test id, opened from the top bar. */
async function accountMenu(page: Page, item: string): Promise<void> {
  await page.getByTestId('account-menu').click();
  await page.getByTestId(item).click();
}

// A TOTP code is accepted once: steps that sign in again wait for the next code, up to 30 s each.
describe(
  'Sign-in, first administrator, second factor, idle lock and API tokens in the real renderer',
  { timeout: 150_000 },
  () => {
    let s: E2eSession;
    /** The test's own signed-in CLI client on the same ledger, for admin settings (no idle lock at that door). */
    let cli: Client;
    let secret = '';

    const asAdmin = async (command: string, input: unknown): Promise<unknown> => {
      const r = await s.app.dispatch(command, input, cli);
      if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
      return r.value;
    };

    beforeAll(async () => {
      s = await startSession({ firstRun: true });
    });

    afterAll(async () => {
      await s?.close();
    });

    it('creates the first administrator on a new ledger, with the password rules shown on the fields', async () => {
      const page = s.page;
      await page.goto(s.bridge.url);
      const screen = page.getByTestId('first-admin-screen');
      await screen.getByText('Create the first administrator').waitFor();
      await s.screenshot('auth-first-run');

      await page.getByTestId('first-admin-login').fill(LOGIN);
      await page.getByTestId('first-admin-name').fill('Ada Admin');
      await page.getByTestId('first-admin-password').fill('short');
      await page.getByTestId('first-admin-repeat').fill('short');
      await page.getByTestId('first-admin-submit').click();
      await screen.getByText('At least 10 characters', { exact: true }).waitFor();

      await page.getByTestId('first-admin-password').fill(`my-${LOGIN}-password`);
      await page.getByTestId('first-admin-repeat').fill('something else');
      await page.getByTestId('first-admin-submit').click();
      await screen.getByText('Must not contain the login').waitFor();
      await screen.getByText('The passwords do not match').waitFor();
      await s.screenshot('auth-first-run-errors');

      await page.getByTestId('first-admin-password').fill(PASSWORD);
      await page.getByTestId('first-admin-repeat').fill(PASSWORD);
      await page.getByTestId('first-admin-repeat').press('Enter');
      await page.getByTestId('nav-frame').waitFor();
      // The first-run offer of demo data follows, as before sign-in existed.
      await page.getByTestId('welcome-dialog').waitFor();
      await page.getByTestId('start-empty').click();
      await page.getByTestId('welcome-dialog').waitFor({ state: 'hidden' });
      await expect.poll(() => page.getByTestId('account-menu').textContent()).toContain('Ada Admin');

      cli = s.app.openClient('cli');
      const signedIn = await s.app.dispatch('auth:sign-in', { login: LOGIN, password: PASSWORD }, cli);
      expect(signedIn.ok).toBe(true);
    });

    it('signs out, refuses a wrong password on the form, and signs in', async () => {
      const page = s.page;
      await accountMenu(page, 'account-sign-out');
      await page.getByTestId('sign-in-screen').waitFor();
      await expect(page.getByTestId('nav-frame').count()).resolves.toBe(0);
      await page.getByTestId('sign-in-login').fill(LOGIN);
      await s.screenshot('auth-sign-in');

      await page.getByTestId('sign-in-password').fill('not the password');
      await page.getByTestId('sign-in-password').press('Enter');
      await expect
        .poll(() => page.getByTestId('sign-in-error').textContent())
        .toContain('Unknown login or wrong password');
      expect(await page.getByTestId('sign-in-password').inputValue()).toBe('');
      await s.screenshot('auth-sign-in-error');

      await page.getByTestId('sign-in-password').fill(PASSWORD);
      await page.getByTestId('sign-in-password').press('Enter');
      await page.getByTestId('nav-frame').waitFor();
    });

    it('enrols TOTP from the account menu: QR code and key, first code, ten recovery codes shown once', async () => {
      const page = s.page;
      await accountMenu(page, 'account-totp');
      const dialog = page.getByTestId('totp-dialog');
      await dialog.getByTestId('totp-begin').click();
      await dialog.getByTestId('totp-qr').waitFor();
      const qr = await dialog.getByTestId('totp-qr').evaluate((img: HTMLImageElement) => ({
        src: img.src.slice(0, 26),
        width: img.naturalWidth,
      }));
      expect(qr.src).toBe('data:image/svg+xml;base64,');
      expect(qr.width).toBeGreaterThan(0);
      secret = ((await dialog.getByTestId('totp-secret').textContent()) ?? '').replace(/\s+/g, '');
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      await s.screenshot('auth-totp-enrol');

      await dialog
        .getByTestId('totp-code')
        .fill('000000' === totpCode(secret, new Date()) ? '111111' : '000000');
      await dialog.getByTestId('totp-enable').click();
      await dialog.getByText('The code does not match').waitFor();

      await dialog.getByTestId('totp-code').fill(totpCode(secret, new Date()));
      await dialog.getByTestId('totp-enable').click();
      const codes = dialog.getByTestId('recovery-codes');
      await codes.waitFor();
      const list = (await codes.locator('span').allTextContents()).map((c) => c.trim());
      expect(list).toHaveLength(10);
      for (const c of list) expect(c).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
      await dialog.getByTestId('recovery-codes-copy').waitFor();
      await s.screenshot('auth-totp-recovery-codes');
      await dialog.getByTestId('totp-done').click();
      await dialog.waitFor({ state: 'hidden' });

      // Opened again, the dialog says it is on and never shows the codes again.
      await accountMenu(page, 'account-totp');
      await dialog.getByTestId('totp-on').waitFor();
      expect(await dialog.getByTestId('recovery-codes').count()).toBe(0);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    });

    it('signs out and back in with password and the code from the authenticator', async () => {
      const page = s.page;
      await accountMenu(page, 'account-sign-out');
      await page.getByTestId('sign-in-login').fill(LOGIN);
      await page.getByTestId('sign-in-password').fill(PASSWORD);
      await page.getByTestId('sign-in-password').press('Enter');
      await page.getByTestId('sign-in-code').waitFor();
      await s.screenshot('auth-sign-in-code');
      await page.getByTestId('sign-in-code').fill(await freshCode(secret));
      await page.getByTestId('sign-in-code').press('Enter');
      await page.getByTestId('nav-frame').waitFor();
    });

    it('locks after the idle time and unlocks with password and code', async () => {
      const page = s.page;
      await asAdmin('admin:set-setting', { key: 'auth.idleLockMinutes', value: 0.05 });
      // The open window takes the new idle time at once (a settings change re-reads auth:status).
      const started = Date.now();
      const lock = page.getByTestId('lock-screen');
      await lock.waitFor({ timeout: 15_000 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
      expect(await page.getByTestId('lock-operator').textContent()).toContain(`Ada Admin (${LOGIN})`);
      await s.screenshot('auth-lock');

      // Back to 15 minutes, so the rest of the test does not lock.
      await asAdmin('admin:set-setting', { key: 'auth.idleLockMinutes', value: 15 });
      await page.getByTestId('lock-password').fill('wrong password!');
      await page.getByTestId('lock-code').fill(totpCode(secret, new Date()));
      await page.getByTestId('lock-submit').click();
      await expect
        .poll(() => page.getByTestId('lock-error').textContent())
        .toContain('The password is wrong');
      await page.getByTestId('lock-password').fill(PASSWORD);
      await page.getByTestId('lock-code').fill(await freshCode(secret));
      await page.getByTestId('lock-submit').click();
      await lock.waitFor({ state: 'hidden' });
      await page.getByTestId('nav-frame').waitFor();

      // Locking by hand (Ctrl+Shift+L) shows the same screen; signing out from it leaves the app.
      await page.keyboard.press('Control+Shift+KeyL');
      await lock.waitFor();
      await page.getByTestId('lock-sign-out').click();
      await page.getByTestId('sign-in-screen').waitFor();
      await signIn(page, LOGIN, PASSWORD, { code: await freshCode(secret) });
    });

    it('creates an API token from the account menu and shows it once', async () => {
      const page = s.page;
      await accountMenu(page, 'account-tokens');
      const dialog = page.getByTestId('tokens-dialog');
      await dialog.getByText('No tokens yet.').waitFor();
      await dialog.getByTestId('token-name').fill('nightly collection');
      await dialog.getByTestId('token-role-clerk').check();
      await dialog.getByTestId('token-role-supervisor').check();
      await dialog.getByTestId('token-days').fill('30');
      await dialog.getByTestId('token-create').click();
      const token = ((await dialog.getByTestId('new-token-value').textContent()) ?? '').trim();
      expect(token).toMatch(/^pdk_[A-Za-z0-9_-]{43}$/);
      await dialog.getByText('shown only this once').waitFor();
      const row = dialog.getByTestId('tokens-table').getByText('nightly collection');
      await row.waitFor();
      expect(await dialog.getByTestId('tokens-table').textContent()).toContain('clerk, supervisor');
      await s.screenshot('auth-tokens');

      // The token works at another door (as a nightly job would use it), with only its roles.
      const job = s.app.openClient('cli');
      job.principal = await signInWithToken(s.app.ctx.storage, token, new Date(), 'cli');
      expect((await s.app.dispatch('batches:list', {}, job)).ok).toBe(true);
      const admin = await s.app.dispatch('admin:set-setting', { key: 'auth.idleLockMinutes', value: 5 }, job);
      expect(admin.ok ? 'ok' : admin.error.code).toBe('forbidden');

      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await accountMenu(page, 'account-tokens');
      await row.waitFor();
      expect(await dialog.getByTestId('new-token').count()).toBe(0);
      expect(await dialog.textContent()).not.toContain(token);

      const id = ((await asAdmin('tokens:list', {})) as { id: number }[])[0]!.id;
      await dialog.getByTestId(`token-revoke-${id}`).click();
      await dialog.getByTestId(`token-row-${id}`).getByText('revoked').waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(s.consoleErrors).toEqual([]);
    });

    it('an admin adds an operator with a first password, sees the lockout and unlocks it, and resets the password', async () => {
      const page = s.page;
      await page.getByTestId('nav-admin').click();
      await page.getByTestId('admin-tab-operators').click();
      await page.getByTestId('operator-new-login').fill('bob.clerk');
      await page.getByTestId('operator-new-name').fill('Bob Clerk');
      await page.getByTestId('operator-new-password').fill('short');
      await page.getByText('At least 10 characters', { exact: true }).waitFor();
      expect(await page.getByTestId('operator-add').isDisabled()).toBe(true);
      await page.getByTestId('operator-new-password').fill('bobs first password');
      await page.getByTestId('operator-add').click();
      await expect.poll(() => page.getByTestId('operator-password-bob.clerk').textContent()).toBe('set');

      // Five wrong passwords elsewhere lock Bob out; the sign-in screen says until when.
      const desk = s.app.openClient('cli');
      for (let i = 0; i < 5; i++)
        await s.app.dispatch('auth:sign-in', { login: 'bob.clerk', password: 'not bobs password' }, desk);
      await accountMenu(page, 'account-sign-out');
      await page.getByTestId('sign-in-login').fill('bob.clerk');
      await page.getByTestId('sign-in-password').fill('bobs first password');
      await page.getByTestId('sign-in-password').press('Enter');
      await expect
        .poll(() => page.getByTestId('sign-in-error').textContent())
        .toMatch(/locked after too many failed attempts until .+\. An administrator can unlock it sooner\./);
      await s.screenshot('auth-sign-in-locked');

      await page.getByTestId('sign-in-login').fill(LOGIN);
      await page.getByTestId('sign-in-password').fill(PASSWORD);
      await page.getByTestId('sign-in-password').press('Enter');
      await page.getByTestId('sign-in-code').fill(await freshCode(secret));
      await page.getByTestId('sign-in-code').press('Enter');
      await page.getByTestId('admin-tab-operators').click();
      const locked = page.getByTestId('operator-locked-bob.clerk');
      await expect.poll(() => locked.textContent()).toMatch(/^until \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      await s.screenshot('auth-operators');
      await page.getByTestId('operator-unlock-bob.clerk').click();
      await expect.poll(() => locked.textContent()).toBe('—');

      await page.getByTestId('operator-set-password-bob.clerk').click();
      await page.getByTestId('set-password-new').fill('a new one for bob.clerk');
      await page.getByTestId('set-password-repeat').fill('a new one for bob.clerk');
      await page.getByTestId('set-password-submit').click();
      await page.getByText('Must not contain the login').waitFor();
      await page.getByTestId('set-password-new').fill('bobs second password');
      await page.getByTestId('set-password-repeat').fill('bobs second password');
      await page.getByTestId('set-password-submit').click();
      await page.getByTestId('set-password-new').waitFor({ state: 'hidden' });
      const bob = await s.app.dispatch(
        'auth:sign-in',
        { login: 'bob.clerk', password: 'bobs second password' },
        desk,
      );
      expect(bob.ok).toBe(true);
      expect(s.consoleErrors).toEqual([]);
    });

    it('changes the own password from the account menu (the current one is checked)', async () => {
      const page = s.page;
      await accountMenu(page, 'account-change-password');
      const dialog = page.getByTestId('change-password-dialog');
      await dialog.getByTestId('change-password-current').fill('not my password');
      await dialog.getByTestId('change-password-new').fill('a brand new passphrase');
      await dialog.getByTestId('change-password-repeat').fill('a brand new passphrase');
      await dialog.getByTestId('change-password-submit').click();
      await dialog.getByText('The current password is wrong').waitFor();
      await dialog.getByTestId('change-password-current').fill(PASSWORD);
      await dialog.getByTestId('change-password-submit').click();
      await dialog.getByTestId('change-password-done').waitFor();
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const desk = s.app.openClient('cli');
      const code = await freshCode(secret);
      const old = await s.app.dispatch('auth:sign-in', { login: LOGIN, password: PASSWORD, code }, desk);
      expect(old.ok).toBe(false);
      const fresh = await s.app.dispatch(
        'auth:sign-in',
        { login: LOGIN, password: 'a brand new passphrase', code },
        desk,
      );
      expect(fresh.ok).toBe(true);
      expect(s.consoleErrors).toEqual([]);
    });
  },
);
