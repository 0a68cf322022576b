import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentTermDto, RejectionCodeDto } from '../../src-shared/dto/admin';
import type { PaymentMethodDto, ProcessorDto } from '../../src-shared/dto/processors';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import { startSession, type E2eSession } from './helpers';

process.env.PAYDESK_SECRET_KEY ??= 'e2e-admin-desk-key';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/** What used to be CLI-only, in the app: processors, code lists, follow-ups, the daily summary, payment methods. */
describe('The admin desk without the CLI', () => {
  let s: E2eSession;
  let sim: Simulator;
  let account: string;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.desk.admin' });
    writeFileSync(join(s.dir, 'sim.json'), JSON.stringify({ secret: 'sim-secret-42' }));
    sim = await startSimulator({ port: 0, configFile: join(s.dir, 'sim.json') });
    await service(s, 'demo:load', { accounts: 20, seed: 7 });
    account = (
      s.app.ctx.ledger.sqlite
        .prepare(
          `SELECT a.account_no AS a FROM accounts a JOIN payment_methods m ON m.account_id = a.id AND m.type = 'card'
           WHERE a.currency = 'USD' ORDER BY a.id LIMIT 1`,
        )
        .get() as { a: string }
    ).a;
    await s.page.setViewportSize({ width: 1280, height: 800 });
  }, 90_000);

  afterAll(async () => {
    await sim?.close();
    await s?.close();
  });

  it('adds, edits and tests a processor in Admin; the secret shows only as set', async () => {
    const { page } = s;
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-tab-processors').click();
    const panel = page.getByTestId('processors-panel');
    await panel.waitFor();
    await page.getByTestId('creditors-panel').waitFor();

    await page.getByTestId('processor-add').click();
    await page.getByTestId('processor-name').fill('sim');
    await page.getByTestId('processor-url').fill('not a url');
    await page.getByTestId('processor-merchant-0').fill('ispname');
    await page.getByTestId('processor-mid-0').fill('050505');
    await page.getByTestId('processor-save').click();
    expect(await page.getByTestId('processor-problems').textContent()).toContain('url');
    expect(await service<ProcessorDto[]>(s, 'processors:list', {})).toEqual([]);

    await page.getByTestId('processor-url').fill(`http://127.0.0.1:${sim.port}`);
    await page.getByTestId('processor-secret').fill('sim-secret-42');
    await page.getByTestId('processor-save').click();
    await page.getByTestId('processor-dialog').waitFor({ state: 'detached' });
    await page.getByTestId('processor-row-sim').waitFor();
    expect(await page.getByTestId('processor-secret-sim').textContent()).toBe('set');
    expect(await panel.textContent()).not.toContain('sim-secret-42');

    // Edit: a second currency and a shorter batch timeout; an empty secret box keeps the secret.
    await page.getByTestId('processor-edit-sim').click();
    expect(await page.getByTestId('processor-secret-state').textContent()).toBe('secret set');
    expect(await page.getByTestId('processor-secret').inputValue()).toBe('');
    await page.getByTestId('processor-add-currency').click();
    await page.getByTestId('processor-currency-1').fill('eur');
    await page.getByTestId('processor-merchant-1').fill('ispeu');
    await page.getByTestId('processor-mid-1').fill('050506');
    await page.getByTestId('processor-batchTimeoutMs').fill('1500');
    await s.screenshot('admin-desk-processor-dialog');
    await page.getByTestId('processor-save').click();
    await page.getByTestId('processor-dialog').waitFor({ state: 'detached' });
    const [saved] = await service<ProcessorDto[]>(s, 'processors:list', {});
    expect(saved).toMatchObject({
      name: 'sim',
      batchTimeoutMs: 1500,
      merchants: { USD: { merchant: 'ispname', mid: '050505' }, EUR: { merchant: 'ispeu', mid: '050506' } },
    });
    expect(saved!.secretHint).not.toBeNull();

    await page.getByTestId('processor-test-sim').click();
    await expect
      .poll(() => page.getByTestId('processor-test-result-sim').textContent())
      .toMatch(/heartbeat answered/);
    await expect.poll(() => page.getByTestId('processor-state-sim').textContent()).toBe('up');
    await page.mouse.move(5, 5);
    await s.screenshot('admin-desk-processors');
  });

  it('adds, edits and deletes terms, rejection codes and mandate codes through the one code-list section', async () => {
    const { page } = s;
    await page.getByTestId('admin-tab-reference').click();
    await page.getByTestId('reference-panel').waitFor();

    // Term: add, a bad value names the field, edit, delete.
    await page.getByTestId('term-add').click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('term-code');
    await page.getByTestId('term-code').fill('n60');
    await page.getByTestId('term-description').fill('Net 60');
    await page.getByTestId('term-days').fill('sixty');
    await page.getByTestId('term-save').click();
    expect(await page.getByTestId('term-problems').textContent()).toContain('days');
    await page.getByTestId('term-days').fill('60');
    await page.getByTestId('term-days').press('Enter');
    await page.getByTestId('term-row-N60').waitFor();
    await page.getByTestId('term-row-N60').click();
    expect(await page.getByTestId('term-code').isDisabled()).toBe(true);
    await page.getByTestId('term-description').fill('Net 60 days');
    await page.getByTestId('term-save').click();
    await page.getByTestId('term-dialog').waitFor({ state: 'detached' });
    await expect
      .poll(async () =>
        (await service<{ terms: PaymentTermDto[] }>(s, 'admin:terms', {})).terms.find(
          (t) => t.code === 'N60',
        ),
      )
      .toEqual({ code: 'N60', description: 'Net 60 days', days: 60 });
    await page.getByTestId('term-delete-N60').click();
    await page.getByTestId('term-row-N60').waitFor({ state: 'detached' });

    // Rejection code: optional numbers stay null when empty; edit, then delete from the dialog.
    await page.getByTestId('rejection-add').click();
    await page.getByTestId('rejection-code').fill('R91');
    await page.getByTestId('rejection-description').fill('Card reported lost');
    await page.getByTestId('rejection-dialog').getByRole('combobox').click();
    await page.getByRole('option', { name: 'Hard (no retry)' }).click();
    await page.getByTestId('rejection-maxRetries').fill('0');
    await page.getByTestId('rejection-suspensionDays').fill('0');
    await page.getByTestId('rejection-retryEvent').fill('');
    await page.getByTestId('rejection-exhaustedEvent').fill('');
    await s.screenshot('admin-desk-rejection-dialog');
    await page.getByTestId('rejection-save').click();
    await page.getByTestId('rejection-row-R91').waitFor();
    const r91 = (await service<RejectionCodeDto[]>(s, 'admin:rejection-codes', {})).find(
      (r) => r.code === 'R91',
    );
    expect(r91).toMatchObject({
      declineClass: 'hard',
      maxRetries: 0,
      retryReasonCode: null,
      retryEvent: null,
    });
    await page.getByTestId('rejection-row-R91').click();
    await page.getByTestId('rejection-description').fill('Card reported lost or stolen');
    await page.getByTestId('rejection-save').click();
    await expect
      .poll(() => page.getByTestId('rejection-row-R91').textContent())
      .toContain('Card reported lost or stolen');
    await page.getByTestId('rejection-row-R91').click();
    await page.getByTestId('rejection-delete').click();
    await page.getByTestId('rejection-row-R91').waitFor({ state: 'detached' });

    // Mandate revision code: add and delete from the row.
    await page.getByTestId('mandate-add').click();
    await page.getByTestId('mandate-code').fill('M12');
    await page.getByTestId('mandate-name').fill('Debtor name changed');
    await page.getByTestId('mandate-eventCode').fill('MANDATE_AMEND');
    await page.getByTestId('mandate-save').click();
    await page.getByTestId('mandate-row-M12').waitFor();
    await page.getByTestId('mandate-list').scrollIntoViewIfNeeded();
    await page.mouse.move(5, 5);
    await s.screenshot('admin-desk-code-lists');
    await page.getByTestId('mandate-delete-M12').click();
    await page.getByTestId('mandate-row-M12').waitFor({ state: 'detached' });

    const history = await service<{ rows: { action: string }[] }>(s, 'admin:history', { limit: 30 });
    expect(history.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'payment_term.save',
        'payment_term.delete',
        'rejection_code.save',
        'rejection_code.delete',
        'mandate_code.delete',
      ]),
    );
  });

  it('updates, validates and removes a payment method on the account; removal of the default is refused', async () => {
    const { page } = s;
    const bank = await service<PaymentMethodDto>(s, 'methods:add', {
      accountNo: account,
      type: 'bank',
      routingNo: '021000021',
      bankAccountNo: '99887766',
    });
    const [card] = await service<PaymentMethodDto[]>(s, 'methods:list', { accountNo: account });
    expect(card!.isDefault).toBe(true);
    await page.evaluate((a) => (window.location.hash = `#/accounts/${a}`), account);
    const cardRow = page.getByTestId(`method-row-${card!.id}`);
    await cardRow.waitFor();

    await page.getByTestId(`method-update-${card!.id}`).click();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'method-expiry',
    );
    await page.getByTestId('method-expiry').fill('13/40');
    await page.getByTestId('method-update-save').click();
    await expect.poll(() => page.getByTestId('method-update-dialog').textContent()).toContain('MM/YY');
    await page.getByTestId('method-expiry').fill('08/31');
    await page.getByTestId('method-holder').fill('Grace Hopper');
    await page.getByTestId('method-update-save').click();
    await page.getByTestId('method-update-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => cardRow.textContent()).toContain('08/31');
    expect(await cardRow.textContent()).toContain('Grace Hopper');
    expect(await cardRow.textContent()).toContain('unverified');

    await page.getByTestId(`method-validate-${card!.id}`).click();
    await expect.poll(() => cardRow.textContent()).not.toContain('unverified');
    expect(await cardRow.textContent()).toMatch(/verified|failed/);

    await page.getByTestId(`method-remove-${card!.id}`).click();
    await page.getByTestId('method-remove-reason').fill('customer asked');
    await page.getByTestId('method-remove-save').click();
    await expect.poll(() => page.getByTestId('method-remove-error').textContent()).toContain('default');
    await page.getByTestId('method-remove-dialog').getByRole('button', { name: 'Keep it' }).click();

    await page.getByTestId(`method-default-${bank.id}`).click();
    await expect.poll(() => page.getByTestId(`method-row-${bank.id}`).textContent()).toContain('default');
    await page.getByTestId('payment-methods').scrollIntoViewIfNeeded();
    // At 1280 px the card shows every column without a horizontal scroll.
    const fits = await page
      .getByTestId('payment-methods')
      .evaluate((el) => el.querySelector('table')!.scrollWidth <= el.clientWidth);
    expect(fits).toBe(true);
    await s.screenshot('admin-desk-payment-methods');
    await page.getByTestId(`method-remove-${card!.id}`).click();
    await page.getByTestId('method-remove-reason').fill('customer asked');
    await page.getByTestId('method-remove-save').click();
    await cardRow.waitFor({ state: 'detached' });
    const left = await service<PaymentMethodDto[]>(s, 'methods:list', { accountNo: account });
    expect(left.map((m) => m.id)).toEqual([bank.id]);
  });

  it('shows the follow-ups (retry list) and the daily summary in Collections', async () => {
    const { page } = s;
    const db = s.app.ctx.ledger.sqlite;
    const acct = (db.prepare('SELECT id FROM accounts WHERE account_no = ?').get(account) as { id: number })
      .id;
    // Follow-ups as collection raises them (declines.ts): one soft decline waiting for its retry, one hard decline.
    const raise = db.prepare(
      `INSERT INTO workflow_items (account_id, kind, txn_id, message, status, created_at) VALUES (?, ?, NULL, ?, 'open', ?)`,
    );
    raise.run(
      acct,
      'soft-decline',
      'soft decline (insufficient funds); retry 1 of 2 after 2026-12-09',
      new Date().toISOString(),
    );
    raise.run(
      acct,
      'hard-decline',
      'hard decline (stolen card); account moved to manual pay type 10001',
      new Date().toISOString(),
    );

    await page.keyboard.press('Alt+4');
    await page.getByTestId('collections-page').waitFor();
    await page.getByTestId('tab-follow-ups').click();
    const list = page.getByTestId('follow-ups');
    await expect.poll(() => list.textContent()).toContain('retry 1 of 2 after 2026-12-09');
    expect(await list.textContent()).not.toContain('stolen card');
    await list.getByRole('combobox').first().click();
    await page.getByRole('option', { name: 'Every follow-up' }).click();
    await expect.poll(() => list.textContent()).toContain('stolen card');
    await s.screenshot('admin-desk-follow-ups');

    // The validation of the test before is today's processor activity.
    await page.getByTestId('tab-daily').click();
    const today = new Date().toISOString().slice(0, 10);
    await page.getByTestId('daily-date').fill(today);
    const daily = page.getByTestId('daily-summary');
    await expect.poll(() => daily.textContent()).toContain(`Processor activity on ${today}`);
    const expected = await service<{ byCommand: { command: string; result: number; count: number }[] }>(
      s,
      'recovery:daily',
      { date: today },
    );
    expect(expected.byCommand.length).toBeGreaterThan(0);
    for (const r of expected.byCommand)
      expect(await page.getByTestId(`daily-row-${r.command}-${r.result}`).textContent()).toContain(
        String(r.count),
      );
    expect(await page.getByTestId('daily-open').textContent()).toContain('open checkpoints 0');
    await s.screenshot('admin-desk-daily-summary');
    expect(s.consoleErrors).toEqual([]);
  });
});
