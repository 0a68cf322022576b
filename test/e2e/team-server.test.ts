import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, openPostgresApp, type App } from '../../src-main/app-context';
import { startTeamServer, type TeamServer } from '../../src-main/bridge/team-server';
import { workerJobRunner } from '../../src-main/jobs/worker-runner';
import type { LedgerPlace } from '../../src-main/services/context';
import type { BatchDto } from '../../src-shared/dto/batches';
import { ARTIFACTS_DIR, CHROMIUM_ARGS, ensureRendererBuilt, RENDERER_DIR } from './helpers';
import { emptyPostgres, STORAGES } from '../helpers/storages';
import { suspend } from '../helpers/suspense';
import { signIn } from './sign-in';

// Issue #17: two operators of one team server, each in their own browser, see each other's work without a
// reload. The pages are the server's own (it serves the shim); nobody opens a launch link, the sign-in screen
// is the door. The same two pages run against a team server on each database (SQLite file, PostgreSQL).

const KIM = { login: 'kim', password: 'violet-tulip-harbour-7' };
const SAM = { login: 'sam', password: 'marble-kettle-sunrise-3' };
const ANA = { login: 'ana', password: 'copper-lantern-meadow-5' };

type Answer = { ok: boolean; value?: unknown; error?: { message: string } };

/** Runs a command through the page's window.api: over the server, as the page's signed-in operator. */
async function invoke<T>(page: Page, command: string, input: unknown): Promise<T> {
  const r = await page.evaluate(
    ([c, i]) =>
      (window as unknown as { api: { invoke: (c: string, i: unknown) => Promise<Answer> } }).api.invoke(c, i),
    [command, input] as const,
  );
  if (!r.ok) throw new Error(`${command} failed: ${r.error?.message}`);
  return r.value as T;
}

describe.each(STORAGES)('team server in Chromium on $dialect: two operators, one ledger', (db) => {
  let dir: string;
  let app: App<LedgerPlace>;
  let drop: (() => Promise<void>) | undefined;
  let server: TeamServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let kim: Page;
  let sam: Page;
  const errors: string[] = [];
  let accounts: string[];
  let cases: number[];

  const openPage = async (): Promise<Page> => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      colorScheme: 'light',
      deviceScaleFactor: 1,
    });
    contexts.push(context);
    const page = await context.newPage();
    // tsx/esbuild wraps named functions passed to page.evaluate in __name(); give the page a no-op.
    await page.addInitScript('window.__name = f => f');
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    return page;
  };

  // Screenshots of the SQLite run keep their names; the PostgreSQL run's are told apart.
  const shot = (name: string): string =>
    join(ARTIFACTS_DIR, db.dialect === 'sqlite' ? `${name}.png` : `${name}-${db.dialect}.png`);

  beforeAll(async () => {
    if (!db.available) return;
    ensureRendererBuilt();
    dir = mkdtempSync(join(tmpdir(), 'paydesk-team-'));
    if (db.dialect === 'postgres') {
      const empty = await emptyPostgres();
      drop = empty.drop;
      app = await openPostgresApp({ url: empty.url, home: join(dir, 'server'), login: 'e2e.admin' });
    } else {
      app = openApp({
        file: join(dir, 'team.sqlite'),
        login: 'e2e.admin',
        jobs: (c) => workerJobRunner(c.ledger.file),
      });
    }
    const demo = await app.dispatch('demo:load', { accounts: 40, seed: 4 });
    expect(demo.ok).toBe(true);
    for (const [who, roles] of [
      [KIM, ['clerk']],
      [SAM, ['supervisor']],
      [ANA, ['analyst']],
    ] as const) {
      const r = await app.dispatch('operators:add', { ...who, name: who.login, roles });
      expect(r.ok).toBe(true);
    }
    accounts = (
      await app.ctx.storage.transaction(
        (tx) =>
          tx.all<{ a: string }>(
            sql`SELECT a.account_no AS a FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
                AND EXISTS (SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.status = 'open') ORDER BY a.id LIMIT 2`,
          ),
        { readOnly: true },
      )
    ).map((r) => r.a);
    expect(accounts).toHaveLength(2);
    cases = await suspend(app, [
      { amount: '31.00', payerName: 'Queue Case One' },
      { amount: '32.00', payerName: 'Queue Case Two' },
    ]);
    server = await startTeamServer({ app, staticDir: RENDERER_DIR, port: 0, log: () => undefined });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    kim = await openPage();
    sam = await openPage();
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    app?.close();
    await drop?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!db.available)(
    'a batch one operator submits appears in the list of the other without a reload',
    async () => {
      await signIn(kim, KIM.login, KIM.password, { url: `${server.url}/#/batches` });
      await signIn(sam, SAM.login, SAM.password, { url: `${server.url}/#/batches` });
      await kim.getByTestId('batches-page').waitFor();
      await sam.getByTestId('batches-page').waitFor();
      // Sam, the supervisor, watches what was submitted.
      await sam.getByTestId('batch-filter').click();
      await sam.getByRole('option', { name: 'Submitted' }).click();

      // Kim keys a batch through her page (over the server, as kim): nothing in Sam's list yet asks for it.
      const batch = await invoke<BatchDto>(kim, 'batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
        batchNo: 'TEAM-1',
      });
      await invoke(kim, 'batches:save-entries', {
        batchId: batch.id,
        entries: accounts.map((a, i) => ({ accountNo: a, amount: '25.00', checkNo: String(900 + i) })),
      });
      await invoke(kim, 'batches:validate', { batchId: batch.id });

      await kim.getByTestId('batch-item-TEAM-1').waitFor();
      expect(await sam.getByTestId('batch-item-TEAM-1').count()).toBe(0);

      // Kim submits in the UI; Sam's page hears ledger:changed over its own event stream and refetches its list.
      await kim.getByTestId('batch-item-TEAM-1').click();
      await kim.getByTestId('batch-workspace').waitFor();
      await kim.getByTestId('submit-batch').click();
      const dialog = kim.getByTestId('submit-dialog');
      await dialog.waitFor();
      await kim.getByTestId('submit-confirm').click();
      const second = dialog.getByTestId('submit-confirm-amount');
      if (await second.isVisible().catch(() => false)) await second.click();
      await kim.getByTestId('submit-result').waitFor();

      const samItem = sam.getByTestId('batch-item-TEAM-1');
      await samItem.waitFor({ timeout: 15_000 });
      await expect
        .poll(async () => (await samItem.textContent()) ?? '', { timeout: 15_000 })
        .toMatch(/submitted/i);
      const byKim = await invoke<BatchDto>(sam, 'batches:get', { batchId: batch.id });
      expect(byKim.status).toBe('submitted');
      await sam.screenshot({ path: shot('team-server-sam'), animations: 'disabled' });
      await kim.screenshot({ path: shot('team-server-kim'), animations: 'disabled' });

      // A batch Kim opens shows in Sam's open list too, without a reload (batches:create declares its change).
      await sam.getByTestId('batch-filter').click();
      await sam.getByRole('option', { name: 'Open and validated' }).click();
      await invoke<BatchDto>(kim, 'batches:create', {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
        batchNo: 'TEAM-2',
      });
      await sam.getByTestId('batch-item-TEAM-2').waitFor({ timeout: 15_000 });

      // Each page is its own operator: the session cookies are separate.
      const who = async (page: Page): Promise<string> =>
        (await invoke<{ operator: { login: string } }>(page, 'auth:status', {})).operator.login;
      expect(await who(kim)).toBe(KIM.login);
      expect(await who(sam)).toBe(SAM.login);
      expect(errors).toEqual([]);
    },
    120_000,
  );

  it.skipIf(!db.available)(
    "a suspense case one analyst assigns leaves the other's unassigned queue without a reload",
    async () => {
      const ana = await openPage();
      await signIn(ana, ANA.login, ANA.password, { url: `${server.url}/#/suspense` });
      await sam.goto(`${server.url}/#/suspense`);
      for (const page of [ana, sam]) {
        await page.getByTestId('suspense-page').waitFor();
        await page.getByTestId('owner-none').click();
      }
      const row = (page: Page, id: number) =>
        page.locator(`[data-testid="suspense-grid"] .ag-row[row-id="${id}"] .ag-cell[col-id="paymentId"]`);
      for (const id of cases) await row(sam, id).waitFor();

      // Ana takes the first case for an action owner in her page (Payment Center's Assign owner).
      const owners = await invoke<{ id: number }[]>(ana, 'codes:list', { domainId: 15 });
      expect(owners.length).toBeGreaterThan(0);
      await invoke(ana, 'suspense:assign', { paymentIds: [cases[0]], owner: owners[0]!.id });

      // Sam's unassigned queue hears the change over his own stream: the case leaves, the other one stays.
      await row(sam, cases[0]!).waitFor({ state: 'detached', timeout: 15_000 });
      expect(await row(sam, cases[1]!).count()).toBe(1);
      await row(ana, cases[0]!).waitFor({ state: 'detached', timeout: 15_000 });
      await sam.screenshot({
        path: shot('team-server-suspense-sam'),
        animations: 'disabled',
      });
      expect(errors).toEqual([]);
    },
    120_000,
  );
});
