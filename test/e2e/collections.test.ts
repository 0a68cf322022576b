import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfirmationDto } from '../../src-shared/dto/confirmations';
import type { CollectRunDto, PendingPaymentDto, RecoverySummaryDto } from '../../src-shared/dto/processors';
import { startSimProcess, type SimProcess } from '../helpers/simulator';
import { startSession, type E2eSession } from './helpers';

process.env.PAYDESK_SECRET_KEY ??= 'e2e-collections-key';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('Collections in the desktop UI against the simulator process', () => {
  let s: E2eSession;
  let sim: SimProcess;
  let cardAccount: string;

  beforeAll(async () => {
    s = await startSession();
    sim = await startSimProcess(join(s.dir, 'sim.json'), {});
    await service(s, 'demo:load', { accounts: 300, seed: 21 });
    await service(s, 'processors:save', {
      name: 'sim',
      url: sim.url,
      merchants: {
        USD: { merchant: 'ispname', mid: '050505' },
        EUR: { merchant: 'ispeu', mid: '050506' },
        GBP: { merchant: 'ispgb', mid: '050507' },
      },
      batchTimeoutMs: 1500,
    });
    await service(s, 'processors:test', {});
    cardAccount = (
      s.app.ctx.ledger.sqlite
        .prepare(
          `SELECT a.account_no AS a FROM accounts a JOIN payment_methods m ON m.account_id = a.id AND m.type = 'card'
           WHERE a.currency = 'USD' AND a.status = 'active' ORDER BY a.id LIMIT 1`,
        )
        .get() as { a: string }
    ).a;
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
    await s.page.keyboard.press('Alt+4');
    await s.page.getByTestId('collections-page').waitFor();
  }, 90_000);

  afterAll(async () => {
    await sim?.stop();
    await s?.close();
  });

  it('shows the run confirmation with count and per-currency totals, charges nothing before confirm, then shows the live count', async () => {
    const { page } = s;
    const db = s.app.ctx.ledger.sqlite;
    await expect.poll(() => page.getByTestId('status-processors').textContent()).toContain('sim up');
    // Small, slow processor batches so the live count of the run can be seen.
    const setSetting = (key: string, v: unknown) =>
      db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(key, JSON.stringify(v));
    setSetting('collect.batchSize', 25);
    setSetting('collect.concurrency', 1);
    sim.setConfig({
      latencyMs: 250,
      rules: [
        { accountNo: cardAccount, result: 7 },
        { amountFrom: 0, amountTo: 3000, result: 8 },
      ],
    });
    await page.getByTestId('collect-rebill').locator('input').check();
    await page.getByTestId('collect-run').click();
    const dialog = page.getByTestId('run-confirm-dialog');
    await dialog.getByTestId('confirmation-summary').waitFor();
    const { id } = db.prepare('SELECT max(id) AS id FROM confirmations').get() as { id: number };
    const preview = await service<ConfirmationDto>(s, 'confirmations:show', { confirmationId: id });
    expect(preview.count).toBeGreaterThan(25);
    expect(preview.totals.length).toBeGreaterThan(1);
    await expect(dialog.getByTestId('confirmation-description').textContent()).resolves.toContain(
      `Collect ${preview.count} bills through sim`,
    );
    for (const t of preview.totals) {
      const row = await dialog.getByTestId(`confirmation-total-${t.currency}`).textContent();
      expect(row).toContain(String(t.count));
      expect(row).toContain(t.currency);
    }
    // The confirm button names the count; Cancel holds the focus so Enter cannot charge by accident.
    await expect(dialog.getByTestId('run-confirm').textContent()).resolves.toContain(
      `Charge ${preview.count}`,
    );
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'run-confirm-cancel',
    );
    await s.screenshot('collections-run-confirm');
    expect(await sim.charges()).toEqual([]);
    expect((db.prepare('SELECT count(*) AS n FROM processor_txns').get() as { n: number }).n).toBe(0);

    await dialog.getByTestId('run-confirm').click();
    await expect
      .poll(() => dialog.getByTestId('run-live-count').textContent(), { timeout: 20_000 })
      .toMatch(new RegExp(`Sent [1-9]\\d* of ${preview.count}`));
    await s.screenshot('collections-run-live-count');
    await page.getByTestId('run-detail').waitFor({ timeout: 60_000 });
    await dialog.waitFor({ state: 'detached' });
    const run = (await service<{ rows: CollectRunDto[] }>(s, 'collect:runs', {})).rows[0]!;
    expect(run.selected).toBe(preview.count);
    expect((await sim.charges()).length).toBe(preview.count);
    expect(run.postedCount).toBeGreaterThan(0);
    const declined = run.totals.find((t) => t.result === 7)!;
    expect(declined.count).toBeGreaterThan(0);
    await page.getByTestId('run-result-7').click();
    await expect
      .poll(() => page.getByTestId('run-txns').locator('tbody tr').count())
      .toBe(Math.min(declined.count, 200));
    await expect(page.getByTestId('run-txns').textContent()).resolves.toContain('FAIL_DECL_SOFT');
    await s.screenshot('collections-runs');
    sim.setConfig({});
    setSetting('collect.batchSize', 500);
    setSetting('collect.concurrency', 4);

    // Cancelling a preview sends nothing.
    const before = (await sim.charges()).length;
    await page.getByTestId('collect-refund').click();
    await dialog.getByTestId('confirmation-summary').waitFor();
    await dialog.getByTestId('run-confirm-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    expect((await sim.charges()).length).toBe(before);
  }, 120_000);

  it('shows an interrupted one-off charge in Recovery and resolves it by asking the processor for the reply', async () => {
    const { page } = s;
    const methods = await service<{ id: number }[]>(s, 'methods:list', { accountNo: cardAccount });
    const p = await service<PendingPaymentDto>(s, 'pay:prepare', {
      accountNo: cardAccount,
      amount: '15.00',
      methodId: methods[0]!.id,
    });
    // The processor charges the card but every reply is lost on the way back, resends included.
    sim.setConfig({ faults: [{ id: 'lost-online', kind: 'lose-reply', endpoint: 'online', times: 10 }] });
    const lost = await s.app.dispatch('pay:confirm', { pendingId: p.id });
    sim.setConfig({});
    expect(!lost.ok && lost.error.code).toBe('processor_unavailable');
    await page.getByTestId('tab-recovery').click();
    await page.getByTestId('recovery-panel').waitFor();
    await expect.poll(() => page.getByTestId('recovery-totals').textContent()).toContain('1 open');
    // The totals and the rows are two reads: the rows may render a moment after the totals (seen in CI).
    await expect.poll(() => page.getByTestId('recovery-rows').textContent()).toContain('999 outcome unknown');
    await s.screenshot('collections-recovery-open');
    await page.getByTestId('recovery-rfr').click();
    await page.getByTestId('recovery-result').waitFor();
    await expect(page.getByTestId('recovery-result').textContent()).resolves.toContain('still open 0');
    await expect.poll(() => page.getByTestId('recovery-totals').textContent()).toContain('0 open');
    await s.screenshot('collections-recovery-resolved');
    const after = await service<RecoverySummaryDto>(s, 'recovery:summary', {});
    expect(after.totalOpen + after.totalUnposted).toBe(0);
    const all = await service<{ rows: PendingPaymentDto[] }>(s, 'pay:pending', { all: true });
    expect(all.rows.find((r) => r.id === p.id)?.status).toBe('confirmed');
    // Charged exactly once at the processor.
    expect((await sim.charges()).filter((c) => c.charged && c.amountMinor === 1500)).toHaveLength(1);
    const check = await service<{ ok: boolean }>(s, 'ledger:check', {});
    expect(check.ok).toBe(true);
  }, 60_000);

  it('takes a one-off payment with a card typed into the processor page, confirms it, refunds part of it', async () => {
    const { page } = s;
    await page.getByTestId('tab-payments').click();
    await page.getByTestId('pay-account').fill(cardAccount);
    await page.getByTestId('pay-amount').fill('42.50');
    // Choose "A different card…": the processor's hosted page appears in a frame.
    await page.getByTestId('pay-method').locator('..').click();
    await page.getByRole('option', { name: 'A different card…' }).click();
    const frame = page.frameLocator('[data-testid="secure-card-frame"]');
    await frame.locator('#n').fill('4111 1111 1111 1111');
    await frame.locator('#e').fill('12/29');
    await frame.locator('#c').fill('123');
    await frame.locator('#z').fill('10001');
    await s.screenshot('collections-card-entry');
    await frame.locator('#b').click();
    await page.getByTestId('card-token').waitFor();
    await expect(page.getByTestId('card-token').textContent()).resolves.toContain('****1111');
    await page.getByTestId('pay-save-card').locator('input').check();
    await page.getByTestId('pay-prepare').click();
    await page.getByTestId('pay-message').waitFor();
    const kept = await service<{ mask: string; brand: string }[]>(s, 'methods:list', {
      accountNo: cardAccount,
    });
    expect(kept.map((m) => `${m.brand} ${m.mask}`)).toContain('VI ****1111');
    const pending = (await service<{ rows: PendingPaymentDto[] }>(s, 'pay:pending', {})).rows;
    const p = pending.find((r) => r.amountMinor === 4250)!;
    expect(p).toMatchObject({ amountMinor: 4250, mask: '****1111', status: 'pending' });
    await s.screenshot('collections-pending');
    await page.getByTestId(`confirm-${p.id}`).click();
    await expect.poll(() => page.getByTestId('pay-message').textContent()).toContain('charged');
    await page.getByTestId(`refund-${p.id}`).click();
    await page.getByTestId('refund-amount').fill('10.00');
    await page.getByTestId('refund-submit').click();
    await expect.poll(() => page.getByTestId('pay-message').textContent()).toContain('Refund sent');
    await s.screenshot('collections-refunded');
    await page.getByTestId('tab-runs').click();
    await page.getByTestId('runs-table').waitFor();
    await page.getByTestId('theme-toggle').click();
    await page.locator('[data-testid^="run-"]').first().click();
    await page.getByTestId('run-detail').waitFor();
    await s.screenshot('collections-runs-dark');
    await page.getByTestId('theme-toggle').click();
    const charges = await sim.charges();
    const refund = charges.find((c) => c.command === 'refund');
    expect(refund?.amountMinor).toBe(1000);
    // The ledger never saw the card number.
    const rows = s.app.ctx.ledger.sqlite
      .prepare(`SELECT token, mask FROM pending_payments UNION ALL SELECT token, mask FROM payment_methods`)
      .all() as { token: string; mask: string }[];
    expect(JSON.stringify(rows)).not.toContain('4111111111111111');
    expect((await service<{ ok: boolean }>(s, 'ledger:check', {})).ok).toBe(true);
    expect(s.consoleErrors).toEqual([]);
  }, 60_000);
});
