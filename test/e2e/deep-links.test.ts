import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import { suspend } from '../helpers/suspense';
import { join } from 'node:path';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import { dispatchConfirmed } from '../helpers/confirm';
import { startSimProcess, type SimProcess } from '../helpers/simulator';
import { startSession, type E2eSession } from './helpers';

process.env.PAYDESK_SECRET_KEY ??= 'e2e-deep-links-key';

async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

describe('deep links: every opened thing has its own route', () => {
  let s: E2eSession;
  let batch: BatchDto;
  let accountNo: string;
  let suspended: number;
  let sim: SimProcess | undefined;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.admin' });
    await service(s, 'demo:load', { accounts: 40, seed: 5 });
    batch = await service<BatchDto>(s, 'batches:create', {
      batchType: 'payment',
      payType: 10012,
      currency: 'USD',
    });
    accountNo = (
      s.app.ctx.ledger.sqlite
        .prepare(
          `SELECT account_no AS a FROM accounts WHERE account_no <> 'SUSPENSE' ORDER BY account_no LIMIT 1`,
        )
        .get() as { a: string }
    ).a;
    [suspended] = (await suspend(s.app, [{ amount: '12.34', payerName: 'Deep Link Payer' }])) as [number];
    await s.page.goto(s.bridge.url);
    await s.page.getByTestId('nav-frame').waitFor();
  }, 120_000);

  afterAll(async () => {
    await sim?.stop();
    await s?.close();
  });

  const hash = () => s.page.evaluate(() => window.location.hash);
  const workspace = (id: number) => s.page.locator(`[data-testid="batch-workspace"][data-batch-id="${id}"]`);

  it('opens a batch, then an account; back, back returns to the batch; a reload keeps the place', async () => {
    const { page } = s;
    await page.getByTestId('nav-batches').click();
    await page.getByTestId(`batch-item-${batch.batchNo}`).click();
    await workspace(batch.id).waitFor();
    expect(await hash()).toBe(`#/batches/${batch.id}`);

    await page.getByTestId('nav-accounts').click();
    const search = page.getByTestId('account-search');
    await search.fill(accountNo);
    await page.getByTestId(`account-row-${accountNo}`).waitFor();
    // ↓ then Enter opens the first match.
    await search.press('ArrowDown');
    await search.press('Enter');
    await page.locator(`[data-testid="account-detail"][data-account-no="${accountNo}"]`).waitFor();
    expect(await hash()).toBe(`#/accounts/${accountNo}`);
    await s.screenshot('deep-links-01-account');

    await page.goBack();
    await expect.poll(hash).toBe('#/accounts');
    await page.goBack();
    await expect.poll(hash).toBe(`#/batches/${batch.id}`);
    await workspace(batch.id).waitFor();
    await page.goForward();
    await expect.poll(hash).toBe('#/accounts');

    await page.goBack();
    await workspace(batch.id).waitFor();
    await page.reload();
    await workspace(batch.id).waitFor();
    expect(await hash()).toBe(`#/batches/${batch.id}`);
  });

  it('opens a suspended payment by its route, keeps it on reload and the rail returns to each area’s last item', async () => {
    const { page } = s;
    await page.getByTestId('nav-suspense').click();
    await page.getByTestId('suspense-page').waitFor();
    await page
      .locator(`[data-testid="suspense-grid"] .ag-row[row-id="${suspended}"] .ag-cell[col-id="paymentId"]`)
      .click();
    await page.locator(`[data-testid="work-panel"][data-payment-id="${suspended}"]`).waitFor();
    expect(await hash()).toBe(`#/suspense/${suspended}`);
    await page.reload();
    await page.locator(`[data-testid="work-panel"][data-payment-id="${suspended}"]`).waitFor();
    await s.screenshot('deep-links-02-suspense-case');

    // Batches and Accounts come back with what was open there.
    await page.getByTestId('nav-batches').click();
    await workspace(batch.id).waitFor();
    expect(await hash()).toBe(`#/batches/${batch.id}`);
    await page.getByTestId('nav-suspense').click();
    await expect.poll(hash).toBe(`#/suspense/${suspended}`);
  });

  it('keeps the Collections tab in the route', async () => {
    const { page } = s;
    await page.getByTestId('nav-collections').click();
    await page.getByTestId('collections-page').waitFor();
    await page.getByTestId('tab-recovery').click();
    await expect.poll(hash).toBe('#/collections/recovery');
    await page.getByTestId('tab-mandates').click();
    await expect.poll(hash).toBe('#/collections/mandates');
    await page.goBack();
    await expect.poll(() => page.getByTestId('tab-recovery').getAttribute('aria-selected')).toBe('true');
    await page.reload();
    await page.getByTestId('collections-page').waitFor();
    expect(await page.getByTestId('tab-recovery').getAttribute('aria-selected')).toBe('true');
    // A bookmark typed by hand lands on its tab too.
    await page.evaluate(() => {
      window.location.hash = '#/collections/dd';
    });
    await expect.poll(() => page.getByTestId('tab-dd').getAttribute('aria-selected')).toBe('true');
    await s.screenshot('deep-links-03-collections-tab');
    expect(s.consoleErrors).toEqual([]);
  });

  it('opens a collection run by its route and keeps it on reload', async () => {
    const { page } = s;
    sim = await startSimProcess(join(s.dir, 'sim.json'), {});
    await service(s, 'processors:save', {
      name: 'sim',
      url: sim.url,
      merchants: { USD: { merchant: 'ispname', mid: '050505' }, EUR: { merchant: 'ispeu', mid: '050506' } },
      batchTimeoutMs: 1500,
    });
    const started = await dispatchConfirmed(s.app, 'collect:run', { rebill: true });
    expect(started.ok).toBe(true);
    let run: CollectRunDto | undefined;
    await expect
      .poll(
        async () => {
          run = (await service<{ rows: CollectRunDto[] }>(s, 'collect:runs', {})).rows[0];
          return run?.status;
        },
        { timeout: 60_000 },
      )
      .toBe('done');
    const runId = run!.runId;

    await page.evaluate(() => {
      window.location.hash = '#/collections/runs';
    });
    await page.getByTestId(`run-${runId}`).click();
    await expect.poll(hash).toBe(`#/collections/runs/${runId}`);
    await page
      .getByTestId('run-detail')
      .filter({ hasText: `Run ${runId}` })
      .waitFor();
    await page.reload();
    await page
      .getByTestId('run-detail')
      .filter({ hasText: `Run ${runId}` })
      .waitFor();
    await page.goBack();
    await expect.poll(hash).toBe('#/collections/runs');
    await page.getByTestId('run-detail').waitFor({ state: 'detached' });
  }, 120_000);
});
