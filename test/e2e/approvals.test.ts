import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { Result } from '../../src-shared/api/result';
import { clientOf } from '../helpers/operators';
import { startSession, type E2eSession } from './helpers';

async function service<T>(
  app: App,
  command: string,
  input: unknown,
  client?: Parameters<App['dispatch']>[2],
): Promise<T> {
  const r = await app.dispatch(command, input, client);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

const PASSWORD = 'amber-lantern-7741';

/**
 * The Approvals area and the policy editor in the real renderer. The page signs its bridge client in with a
 * password through window.api (the sign-in screen is another change); a second admin prepares in-process.
 */
describe('Approvals: the queue, approving another operator’s change, and the policy editor', () => {
  let s: E2eSession;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.admin' });
    await service(s.app, 'demo:load', { accounts: 20, seed: 5 });
    await service(s.app, 'operators:set-password', { login: 'e2e.admin', password: PASSWORD });
    await service(s.app, 'operators:add', { login: 'ada', name: 'Ada Admin', roles: ['admin'] });
    // The policy table itself needs a second admin's approval from now on.
    await service(s.app, 'policies:save', {
      operation: 'policies:save',
      requirement: 'four_eyes',
      role: 'admin',
    });
    const r = await s.app.dispatch(
      'policies:save',
      { operation: 'pay:one-off', above: '500.00', requirement: 'four_eyes', role: 'supervisor' },
      clientOf(s.app, 'ada'),
    );
    expect(!r.ok && r.error.code).toBe('approval_required');
    await s.page.goto(s.bridge.url);
    const signedIn = await s.page.evaluate(
      async (password) =>
        (await window.api!.invoke('auth:sign-in', { login: 'e2e.admin', password })) as Result<unknown>,
      PASSWORD,
    );
    expect(signedIn.ok).toBe(true);
    await s.page.reload();
  }, 120_000);

  afterAll(async () => {
    await s?.close();
  });

  it('lists what waits, approves another admin’s policy change, and shows the policy table', async () => {
    const page = s.page;
    await page.getByTestId('nav-approvals').click();
    await page.getByTestId('approvals-page').waitFor();
    const row = page.getByTestId('approval-row-1');
    await row.waitFor();
    await expect.poll(() => row.innerText()).toContain('ada');
    await s.screenshot('approvals-queue');
    await page.getByTestId('approval-approve-1').click();
    await page.getByTestId('approval-dialog').waitFor();
    await s.screenshot('approvals-approve-dialog');
    await page.getByTestId('approval-submit').click();
    await page.getByTestId('approvals-done').waitFor();
    expect(await page.getByTestId('approvals-done').innerText()).toContain(
      'Approval #1 approved and run (executed)',
    );

    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-policies').click();
    await page.getByTestId('policies-panel').waitFor();
    const oneOff = page.getByTestId('policy-pay-one-off-*');
    await oneOff.waitFor();
    expect(await page.getByTestId('policy-above-pay-one-off-*').inputValue()).toBe('500.00');
    // Changing a policy is itself stopped now: the panel says it went for approval.
    await page.getByTestId('policy-above-pay-one-off-*').fill('750.00');
    await page.getByTestId('policy-save-pay-one-off-*').click();
    const note = page.getByTestId('policies-problems');
    await note.waitFor();
    expect(await note.innerText()).toContain('Sent for approval #2: an admin must approve it');
    await s.screenshot('approvals-policies');
    expect(s.consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 120_000);
});
