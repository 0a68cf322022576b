import type { Page } from 'playwright-core';
import type { App } from '../../src-main/app-context';

/** The password e2e sessions give their operators (10+ characters, containing no e2e login). */
export const E2E_PASSWORD = 'correct-horse-battery-42';

/**
 * Gives an operator a password in-process (as the app's trusted in-process caller, which must be an admin:
 * the first operator of a ledger is).
 */
export async function givePassword(app: App, login: string, password = E2E_PASSWORD): Promise<void> {
  const r = await app.dispatch('operators:set-password', { login, password });
  if (!r.ok) throw new Error(`operators:set-password ${login} failed: ${r.error.message}`);
}

/**
 * Signs in through the real sign-in screen of a page already on the app (navigates to url first when given),
 * and waits for the shell. With code, answers the second-factor step too.
 */
export async function signIn(
  page: Page,
  login: string,
  password = E2E_PASSWORD,
  opts: { url?: string; code?: string } = {},
): Promise<void> {
  if (opts.url) await page.goto(opts.url);
  await page.getByTestId('sign-in-login').fill(login);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-password').press('Enter');
  if (opts.code !== undefined) {
    await page.getByTestId('sign-in-code').fill(opts.code);
    await page.getByTestId('sign-in-code').press('Enter');
  }
  await page.getByTestId('nav-frame').waitFor({ state: 'visible' });
}

let lastStep = -1;

/**
 * The authenticator's code as a person would read it: a code is accepted once, so when this step's code was
 * already used, wait for the next 30-second step (as the person would wait for the app to show a new one).
 */
export async function freshCode(secret: string): Promise<string> {
  const { totpCode } = await import('../../src-main/services/identity/totp');
  let now = Date.now();
  if (Math.floor(now / 30_000) <= lastStep) {
    await new Promise((r) => setTimeout(r, (lastStep + 1) * 30_000 - now + 250));
    now = Date.now();
  }
  lastStep = Math.floor(now / 30_000);
  return totpCode(secret, new Date(now));
}
