import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { App } from '../../src-main/app-context';
import type { Result } from '../../src-shared/api/result';
import { clientOf } from '../helpers/operators';
import { ARTIFACTS_DIR, startSession, type E2eSession } from './helpers';

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
const SUE_PASSWORD = 'velvet-harbor-2290';
let refundBatchId = 0;

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
    // Every refund batch needs a supervisor; a clerk prepares one (in-process, as on another desk).
    await service(s.app, 'policies:save', {
      operation: 'batches:refund',
      above: '0',
      requirement: 'four_eyes',
      role: 'supervisor',
    });
    await service(s.app, 'operators:add', { login: 'kim', name: 'Kim Clerk', roles: ['clerk'] });
    await service(s.app, 'operators:add', {
      login: 'sue',
      name: 'Sue Supervisor',
      roles: ['supervisor'],
      password: SUE_PASSWORD,
    });
    const { accountNo } = s.app.ctx.ledger.sqlite
      .prepare(
        `SELECT account_no AS accountNo FROM accounts WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 ORDER BY id LIMIT 1`,
      )
      .get() as { accountNo: string };
    const kim = clientOf(s.app, 'kim');
    await service(
      s.app,
      'payments:record',
      { accountNo, amount: '50.00', payType: 10012, allocate: 'none' },
      kim,
    );
    const batch = await service<{ id: number }>(
      s.app,
      'batches:create',
      { batchType: 'refund', payType: 10012, currency: 'USD' },
      kim,
    );
    refundBatchId = batch.id;
    await service(
      s.app,
      'batches:save-entries',
      { batchId: batch.id, entries: [{ accountNo, amount: '40.00', checkNo: 'R1' }] },
      kim,
    );
    await service(s.app, 'batches:validate', { batchId: batch.id }, kim);
    const stopped = await s.app.dispatch('batches:submit', { batchId: batch.id }, kim);
    expect(!stopped.ok && stopped.error.code).toBe('approval_required');
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
    const row = page.getByTestId('approval-row-2');
    await row.waitFor();
    await expect.poll(() => row.innerText()).toContain('ada');
    await page.getByTestId('approval-row-1').waitFor();
    await s.screenshot('approvals-queue');
    await page.getByTestId('approval-approve-2').click();
    await page.getByTestId('approval-dialog').waitFor();
    await s.screenshot('approvals-approve-dialog');
    await page.getByTestId('approval-submit').click();
    await page.getByTestId('approvals-done').waitFor();
    expect(await page.getByTestId('approvals-done').innerText()).toContain(
      'Approval #2 approved and run (executed)',
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
    expect(await note.innerText()).toContain('Sent for approval #3: an admin must approve it');
    await s.screenshot('approvals-policies');
    expect(s.consoleErrors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
  }, 120_000);

  it('a supervisor signed in on a second page approves the clerk’s refund batch, which posts once', async () => {
    // A second browser context on the same bridge: its own session cookie and client, signed in as sue.
    const sue = await s.newPage();
    try {
      const signedIn = await sue.page.evaluate(
        async (password) =>
          (await window.api!.invoke('auth:sign-in', { login: 'sue', password })) as Result<unknown>,
        SUE_PASSWORD,
      );
      expect(signedIn.ok).toBe(true);
      await sue.page.goto(`${new URL(sue.page.url()).origin}/#/approvals`);
      await sue.page.reload();
      await sue.page.getByTestId('approvals-page').waitFor();
      const row = sue.page.getByTestId('approval-row-1');
      await row.waitFor();
      expect(await row.innerText()).toContain('kim');
      await sue.page.getByTestId('approval-approve-1').click();
      await sue.page.getByTestId('approval-submit').click();
      await sue.page.getByTestId('approvals-done').waitFor();
      await sue.page.screenshot({
        path: join(ARTIFACTS_DIR, 'approvals-refund-by-sue.png'),
        animations: 'disabled',
      });
      const status = s.app.ctx.ledger.sqlite
        .prepare('SELECT status FROM batches WHERE id = ?')
        .get(refundBatchId) as {
        status: string;
      };
      expect(status.status).toBe('submitted');
    } finally {
      await sue.context.close();
    }
  }, 120_000);
});
