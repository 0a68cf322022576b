import type { DesktopPort } from '../../src-main/services/team-connection';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openApp, type App } from '../../src-main/app-context';
import { startBridge, type Bridge } from '../../src-main/bridge/server';
import { browserShim } from '../../src-main/bridge/shim';
import { workerJobRunner } from '../../src-main/jobs/worker-runner';
import { E2E_PASSWORD, givePassword, signIn } from './sign-in';

/** Repository root. */
export const ROOT = resolve(dirname(__filename), '../..');

/** Where the built renderer lives. */
export const RENDERER_DIR = join(ROOT, 'out/renderer');

/** Where screenshots go (gitignored). */
export const ARTIFACTS_DIR = join(ROOT, 'test/.artifacts');

/** Chromium flags that work on these machines (see TOOLCHAIN.md §6). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure out/renderer holds a build of the current renderer sources: builds with electron-vite when the
 * build is missing or older than src-renderer or src-shared (so a test never drives a stale UI).
 */
export function ensureRendererBuilt(): void {
  const index = join(RENDERER_DIR, 'index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'src-renderer')), newestMtime(join(ROOT, 'src-shared')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  // flock serialises builds when several test files or runs share one checkout (electron-vite empties out/
  // first); the freshness is checked again under the lock, so a file that waited does not rebuild (and empty
  // out/ under a test already running) once another has built.
  const fresh =
    '[ -f out/renderer/index.html ] && [ -z "$(find src-renderer src-shared -newer out/renderer/index.html -print -quit)" ]';
  execFileSync(
    'flock',
    [
      join(tmpdir(), 'paydesk-build.lock'),
      'sh',
      '-c',
      `${fresh} || "$0" build`,
      join(ROOT, 'node_modules/.bin/electron-vite'),
    ],
    { cwd: ROOT, stdio: 'pipe' },
  );
}

/** A page in its own browser context, with its own bridge session (cookie) and so its own signed-out client. */
export type E2ePage = {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far on this page. */
  consoleErrors: string[];
};

/** One e2e session: a fresh ledger behind the bridge, and Chromium with the shim playing the preload. */
export type E2eSession = {
  dir: string;
  app: App;
  bridge: Bridge;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  consoleErrors: string[];
  /**
   * Opens another page in a NEW browser context on the same bridge, through a fresh launch URL: it has its own
   * session cookie and client, so it can be signed in as a different operator than `page` (four eyes).
   */
  newPage: () => Promise<E2ePage>;
  /** Saves a screenshot (animations disabled) into test/.artifacts and returns its path. */
  screenshot: (name: string) => Promise<string>;
  close: () => Promise<void>;
};

/** Logs every API request of the page with its timing to stderr (PAYDESK_E2E_TRACE=1, for chasing a lost answer). */
function traceRequests(page: Page): void {
  const t0 = Date.now();
  const at = () => String(Date.now() - t0).padStart(7);
  const api = (url: string) => new URL(url).pathname.startsWith('/__');
  page.on('request', (r) => {
    if (api(r.url()))
      console.error(`${at()} >> ${r.url().replace(/^.*\/__/, '')} ${(r.postData() ?? '').slice(0, 120)}`);
  });
  page.on('requestfinished', (r) => {
    if (api(r.url())) console.error(`${at()} << ${r.url().replace(/^.*\/__/, '')}`);
  });
  page.on('requestfailed', (r) => {
    if (api(r.url()))
      console.error(`${at()} !! ${r.url().replace(/^.*\/__/, '')} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('console', (m) => console.error(`${at()} console.${m.type()}: ${m.text()}`));
}

/**
 * A new browser context and page wired to the bridge: the shim plays the preload (it holds no secret), and the
 * page opens a one-time launch URL, which sets the context's HttpOnly session cookie and lands on the app.
 */
export async function openBridgePage(browser: Browser, bridge: Bridge): Promise<E2ePage> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    colorScheme: 'light',
    deviceScaleFactor: 1,
  });
  try {
    const page = await context.newPage();
    // The built index.html does not load the shim (Electron has the preload), so inject it as the preload would.
    await page.addInitScript(browserShim());
    // tsx/esbuild wraps named functions passed to page.evaluate in __name(); give the page a no-op.
    await page.addInitScript('window.__name = f => f');
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
    if (process.env.PAYDESK_E2E_TRACE) traceRequests(page);
    await page.goto(bridge.launchUrl());
    return { context, page, consoleErrors };
  } catch (err) {
    await context.close();
    throw err;
  }
}

/**
 * Starts a fresh temp ledger, the bridge over the built renderer and a Chromium page wired to it, signed in
 * through the sign-in screen as `login` (created in-process with every role, password E2E_PASSWORD). With
 * firstRun, nobody is created or signed in: the page is left unopened on a ledger that asks for its first admin
 * (and `app.dispatch` without a client has no operator).
 */
export async function startSession(
  opts: { login?: string; password?: string; firstRun?: boolean; desktop?: DesktopPort } = {},
): Promise<E2eSession> {
  ensureRendererBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-e2e-'));
  const login = opts.login ?? 'e2e.clerk';
  const password = opts.password ?? E2E_PASSWORD;
  // Jobs run in a worker thread as in the desktop app, so progress events stream while the bridge keeps serving.
  const app = openApp({
    file: join(dir, 'ledger.sqlite'),
    ...(opts.firstRun ? {} : { login }),
    ...(opts.desktop ? { desktop: opts.desktop } : {}),
    jobs: (c) => workerJobRunner(c.ledger.file),
  });
  let bridge: Bridge | undefined;
  let browser: Browser | undefined;
  try {
    // The password exists before the page asks whether this is a first run (else it offers the first admin).
    if (!opts.firstRun) await givePassword(app, login, password);
    bridge = await startBridge({ app, staticDir: RENDERER_DIR });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    // The first page opens its launch URL, so it starts on the app with its own session cookie.
    const { context, page, consoleErrors } = await openBridgePage(browser, bridge);
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    if (!opts.firstRun) await signIn(page, login, password);
    const startedBridge = bridge;
    const startedBrowser = browser;
    return {
      dir,
      app,
      bridge,
      browser,
      context,
      page,
      consoleErrors,
      newPage: () => openBridgePage(startedBrowser, startedBridge),
      screenshot: async (name) => {
        const path = join(ARTIFACTS_DIR, `${name}.png`);
        await page.screenshot({ path, animations: 'disabled' });
        return path;
      },
      close: async () => {
        await startedBrowser.close();
        await startedBridge.close();
        app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close();
    await bridge?.close();
    app.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs a command in-process as the session's operator and returns its value; a refusal fails the test. */
export async function service<T>(s: E2eSession, command: string, input: unknown): Promise<T> {
  const r = await s.app.dispatch(command, input);
  if (!r.ok) throw new Error(`${command} failed: ${r.error.message}`);
  return r.value as T;
}

/**
 * A session on a ledger with demo receivables (`demo:load`), signed in: the usual start of a desk test (an empty
 * ledger greets with the first-run dialog instead).
 */
export async function startDemoSession(
  demo: { accounts: number; seed: number },
  opts: Parameters<typeof startSession>[0] = {},
): Promise<E2eSession> {
  const s = await startSession(opts);
  try {
    await service(s, 'demo:load', demo);
    return s;
  } catch (err) {
    await s.close();
    throw err;
  }
}

/**
 * Opens the app in the session's page at a route (`#/batches`, `#/accounts`; '' for the start screen) in a window
 * of the given size, and waits for the navigation frame: set-up done through the service shows on first paint.
 */
export async function openDesk(
  s: E2eSession,
  route: string,
  viewport: { width: number; height: number } = { width: 1280, height: 800 },
): Promise<void> {
  await s.page.setViewportSize(viewport);
  await s.page.goto(route ? `${s.bridge.url}${route}` : s.bridge.url);
  await s.page.getByTestId('nav-frame').waitFor();
}
