import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, commandChannel } from '../../src-shared/api/contract';
import { mainWindowWebPreferences } from '../../src-main/electron/web-preferences';
import { tempDir } from '../helpers/ledger';

// The built main bundle runs in plain Node here with a recorded stand-in for `electron`.
type Recorded = {
  handlers: Map<string, (event: unknown, input: unknown) => unknown>;
  windows: FakeWindow[];
  errorBoxes: { title: string; content: string }[];
  quitCalls: number;
  relaunches: { args?: string[] }[];
  exits: number[];
  paths: Record<string, string>;
  name?: string;
  headersListener?: (
    details: unknown,
    cb: (r: { responseHeaders: Record<string, string[]> }) => void,
  ) => void;
  permissionRequestHandler?: (wc: unknown, permission: string, cb: (granted: boolean) => void) => void;
  exposed: Record<string, unknown>;
  invoked: { channel: string; input: unknown }[];
  applicationMenu?: { template: unknown };
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
};
type FakeWindow = {
  options: { webPreferences: Record<string, unknown> };
  loaded?: { file?: string; url?: string };
  webContents: {
    sent: { channel: string; payload: unknown }[];
    windowOpenHandler?: (details: unknown) => { action: string };
    tryNavigate: (event: string, url: string) => boolean;
  };
};
type FakeElectron = {
  state: Recorded;
  electron: {
    app: { emit: (event: string) => boolean };
    ipcRenderer: {
      emit: (channel: string, event: unknown, payload: unknown) => boolean;
      listenerCount: (c: string) => number;
    };
  };
  uninstall: () => void;
};
type FakeElectronModule = {
  installFakeElectron: (opts?: { singleInstanceLock?: boolean }) => FakeElectron;
  forgetModulesUnder: (dir: string) => void;
  ensureBuilt: (root: string) => boolean;
};
type MainModule = { started: Promise<string>; registeredChannels: () => string[] };

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const OUT_MAIN = join(ROOT, 'out', 'main');
const requireHere = createRequire(import.meta.url);
const helpers = requireHere('../helpers/fake-electron.cjs') as FakeElectronModule;
const RENDERER_URL = pathToFileURL(join(ROOT, 'out', 'renderer', 'index.html')).href;
/** The renderer's window as an IPC event names it: its frame and its web contents (one client per window). */
const rendererContents = Object.assign(new EventEmitter(), { id: 1 });
const fromRenderer = { senderFrame: { url: RENDERER_URL }, sender: rendererContents };

const ENV_KEYS = [
  'PAYDESK_DB',
  'PAYDESK_USER_DATA',
  'ELECTRON_RENDERER_URL',
  'PAYDESK_LEDGER_KEY',
  'PAYDESK_SERVER',
] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

/** Loads out/main/index.js afresh with a fresh fake electron and the ledger at `db`. */
async function startMain(
  dir: string,
  db: string,
  opts?: { singleInstanceLock?: boolean },
): Promise<{ fake: FakeElectron; main: MainModule; outcome: string }> {
  process.env.PAYDESK_DB = db;
  process.env.PAYDESK_USER_DATA = join(dir, 'user-data');
  delete process.env.ELECTRON_RENDERER_URL;
  helpers.forgetModulesUnder(OUT_MAIN);
  const fake = helpers.installFakeElectron(opts);
  try {
    const main = requireHere(join(OUT_MAIN, 'index.js')) as MainModule;
    return { fake, main, outcome: await main.started };
  } catch (err) {
    fake.uninstall();
    throw err;
  }
}

describe('built main bundle (out/main/index.js) with a stand-in electron', () => {
  const cleanups: (() => void)[] = [];

  beforeAll(() => {
    const started = performance.now();
    if (helpers.ensureBuilt(ROOT))
      console.info(`electron-vite build: ${Math.round(performance.now() - started)} ms`);
  });
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });
  afterAll(() => {
    for (const k of ENV_KEYS) {
      if (savedEnv[k] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[k];
    }
    helpers.forgetModulesUnder(OUT_MAIN);
  });

  it('registers every command, migrates the ledger, answers app:info and runs a job in out/main/worker.js', async () => {
    const tmp = tempDir('paydesk-smoke-');
    const db = join(tmp.dir, 'data', 'ledger.sqlite');
    const t0 = performance.now();
    const { fake, main, outcome } = await startMain(tmp.dir, db);
    cleanups.push(tmp.cleanup, () => fake.uninstall());
    const startMs = performance.now() - t0;
    expect(fake.state.errorBoxes).toEqual([]);
    expect(outcome).toBe('running');

    // Every contract command has exactly one channel, in the module's own list and in ipcMain.
    const expected = COMMANDS.map(commandChannel).sort();
    expect([...main.registeredChannels()].sort()).toEqual(expected);
    expect([...fake.state.handlers.keys()].sort()).toEqual(expected);

    // Electron's data directory and the ledger agree with the CLI's paths.
    expect(fake.state.paths.userData).toBe(join(tmp.dir, 'user-data'));
    expect(fake.state.name).toBe('Paydesk');

    // The ledger file was created and migrated from db/migrations.
    expect(existsSync(db)).toBe(true);
    const probe = new Database(db, { readonly: true });
    try {
      const tables = probe.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[];
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['accounts', '__drizzle_migrations']));
      const journal = JSON.parse(readFileSync(join(ROOT, 'db/migrations/meta/_journal.json'), 'utf8')) as {
        entries: unknown[];
      };
      const applied = probe.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
      expect(applied.n).toBe(journal.entries.length);
    } finally {
      probe.close();
    }

    // Nothing answers before sign-in; the first run creates the first admin, who is then signed in.
    const info = fake.state.handlers.get('cmd:app:info')!;
    expect(await info(fromRenderer, {})).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(
      await fake.state.handlers.get('cmd:auth:first-admin')!(fromRenderer, {
        login: 'desk.admin',
        password: 'first admin password',
      }),
    ).toMatchObject({ ok: true, value: { firstRun: false, operator: { login: 'desk.admin' } } });
    // A handler answers through the one dispatch path.
    const result = (await info(fromRenderer, {})) as {
      ok: boolean;
      value: { ledgerFile: string; isEmpty: boolean };
    };
    expect(result).toMatchObject({ ok: true, value: { ledgerFile: db, isEmpty: true } });
    // Input is parsed: unknown keys are a validation error, never reaching the service.
    expect(await fake.state.handlers.get('cmd:accounts:show')!(fromRenderer, { nope: 1 })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    // A frame that is not our renderer is refused.
    expect(await info({ senderFrame: { url: 'https://evil.example/' } }, {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });

    // One hardened window, loading the built renderer with the built preload.
    expect(fake.state.windows).toHaveLength(1);
    const win = fake.state.windows[0]!;
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(win.options.webPreferences.preload).toBe(join(ROOT, 'out', 'preload', 'index.js'));
    expect(existsSync(win.options.webPreferences.preload as string)).toBe(true);
    expect(win.loaded).toEqual({ file: join(ROOT, 'out', 'renderer', 'index.html') });
    expect(win.webContents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(win.webContents.tryNavigate('will-navigate', 'https://example.com/')).toBe(true);
    expect(win.webContents.tryNavigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(win.webContents.tryNavigate('will-navigate', `${RENDERER_URL}#/accounts`)).toBe(false);

    // CSP header and deny-by-default permissions on the session.
    let headers: Record<string, string[]> = {};
    fake.state.headersListener!({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
    // A fresh ledger has no processor: the window may frame nothing (issue #12: no more `https:` wildcard).
    expect(headers['Content-Security-Policy']?.[0]).toContain("frame-src 'none'");
    // The built renderer is file://, which webRequest never sees: the file handler adds the policy to index.html.
    const page = await fake.state.protocolHandlers.get('file')!(new Request(RENDERER_URL));
    expect(page.headers.get('Content-Security-Policy')).toContain("frame-src 'none'");
    const other = await fake.state.protocolHandlers.get('file')!(new Request('file:///etc/hostname'));
    expect(other.headers.get('Content-Security-Policy')).toBeNull();
    // Electron's default menu is replaced (unpackaged, as here, it keeps reload and DevTools; the unit test
    // of appMenuTemplate covers the packaged one), and the window uses the hardened preferences.
    expect(JSON.stringify(fake.state.applicationMenu)).toContain('"role":"copy"');
    expect(win.options.webPreferences).toEqual(
      mainWindowWebPreferences(join(ROOT, 'out', 'preload', 'index.js'), { isPackaged: false }),
    );
    const granted = await new Promise<boolean>((done) =>
      fake.state.permissionRequestHandler!({}, 'geolocation', done),
    );
    expect(granted).toBe(false);

    // demo:load goes through the worker runner, which must find the built out/main/worker.js.
    const t1 = performance.now();
    const demo = await fake.state.handlers.get('cmd:demo:load')!(fromRenderer, { accounts: 40, seed: 5 });
    const demoMs = performance.now() - t1;
    expect(demo).toMatchObject({ ok: true, value: { accounts: 40 } });
    const channels = win.webContents.sent.map((s) => s.channel);
    expect(channels).toContain('evt:job:progress');
    expect(channels).toContain('evt:ledger:changed');
    expect(
      await fake.state.handlers.get('cmd:demo:load')!(fromRenderer, { accounts: 40, seed: 5 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'conflict' },
    });
    console.info(
      `main start ${Math.round(startMs)} ms; demo(40) in the built worker ${Math.round(demoMs)} ms`,
    );

    // Locking the computer locks the window's session: only the password opens it again.
    (fake.electron as unknown as { powerMonitor: EventEmitter }).powerMonitor.emit('lock-screen');
    expect(await info(fromRenderer, {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated', reason: 'session_locked' },
    });
    expect(
      await fake.state.handlers.get('cmd:auth:unlock')!(fromRenderer, { password: 'first admin password' }),
    ).toMatchObject({ ok: true, value: { locked: false } });
    expect(await info(fromRenderer, {})).toMatchObject({ ok: true });

    // Quitting removes the handlers and closes the ledger.
    fake.electron.app.emit('will-quit');
    expect(fake.state.handlers.size).toBe(0);
    expect(main.registeredChannels()).toEqual([]);
  });

  it('opens an encrypted ledger with PAYDESK_LEDGER_KEY, hands the key to the built worker in memory, and refuses it without the key', async () => {
    const tmp = tempDir('paydesk-smoke-');
    const db = join(tmp.dir, 'ledger.sqlite');
    process.env.PAYDESK_LEDGER_KEY = 'smoke passphrase';
    const first = await startMain(tmp.dir, db);
    cleanups.push(tmp.cleanup, () => first.fake.uninstall());
    expect(first.fake.state.errorBoxes).toEqual([]);
    expect(first.outcome).toBe('running');
    // Read once, then out of the environment that child processes would inherit.
    expect(process.env.PAYDESK_LEDGER_KEY).toBeUndefined();
    expect(readFileSync(db).subarray(0, 15).toString('latin1')).not.toBe('SQLite format 3');
    const handlers = first.fake.state.handlers;
    expect(
      await handlers.get('cmd:auth:first-admin')!(fromRenderer, {
        login: 'desk.admin',
        password: 'first admin password',
      }),
    ).toMatchObject({ ok: true });
    expect(await handlers.get('cmd:demo:load')!(fromRenderer, { accounts: 20, seed: 5 })).toMatchObject({
      ok: true,
      value: { accounts: 20 },
    });
    first.fake.electron.app.emit('will-quit');
    first.fake.uninstall();

    const again = await startMain(tmp.dir, db);
    cleanups.push(() => again.fake.uninstall());
    expect(again.outcome).toBe('quit');
    expect(again.fake.state.errorBoxes[0]!.content).toMatch(
      /the ledger is encrypted: set PAYDESK_LEDGER_KEY/,
    );
  });

  it('shows an error box and quits when the ledger file is not a SQLite ledger, leaving it untouched', async () => {
    const tmp = tempDir('paydesk-smoke-');
    const db = join(tmp.dir, 'ledger.sqlite');
    const garbage = 'this is a spreadsheet, not a ledger\n'.repeat(20);
    writeFileSync(db, garbage);
    const { fake, outcome } = await startMain(tmp.dir, db);
    cleanups.push(tmp.cleanup, () => fake.uninstall());
    expect(outcome).toBe('quit');
    expect(fake.state.errorBoxes).toHaveLength(1);
    expect(fake.state.errorBoxes[0]!.content).toMatch(/not a SQLite ledger/);
    expect(fake.state.quitCalls).toBe(1);
    expect(fake.state.handlers.size).toBe(0);
    expect(fake.state.windows).toHaveLength(0);
    expect(readFileSync(db, 'utf8')).toBe(garbage);
  });

  it('opens a team server chosen in the settings: its pages, no preload, no IPC, no ledger file here', async () => {
    const tmp = tempDir('paydesk-smoke-');
    const db = join(tmp.dir, 'ledger.sqlite');
    mkdirSync(join(tmp.dir, 'user-data'), { recursive: true });
    writeFileSync(join(tmp.dir, 'user-data', 'desktop.json'), '{"teamServer":"https://team.example:8443"}');
    const { fake, outcome } = await startMain(tmp.dir, db);
    cleanups.push(tmp.cleanup, () => fake.uninstall());
    expect(outcome).toBe('running');
    expect(fake.state.errorBoxes).toEqual([]);
    expect(fake.state.handlers.size).toBe(0);
    expect(existsSync(db)).toBe(false);
    const win = fake.state.windows[0]!;
    expect(win.loaded).toEqual({ url: 'https://team.example:8443/' });
    // The server's page is a remote page: hardened the same, and without the preload that reaches IPC.
    expect(win.options.webPreferences).toEqual(mainWindowWebPreferences(undefined, { isPackaged: false }));
    expect(win.options.webPreferences.preload).toBeUndefined();
    expect(win.webContents.tryNavigate('will-navigate', 'https://team.example:8443/#/batches')).toBe(false);
    expect(win.webContents.tryNavigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(win.webContents.tryNavigate('will-navigate', RENDERER_URL)).toBe(true);
    // The server's own security headers stand (no local CSP rewrite).
    expect(fake.state.headersListener).toBeUndefined();

    // The app menu names the server and goes back to this computer: the choice is forgotten, Paydesk restarts.
    type Item = { label?: string; click?: () => void; submenu?: Item[] };
    const items = (fake.state.applicationMenu as { template: Item[] }).template.flatMap(
      (m) => m.submenu ?? [],
    );
    expect(items.map((i) => i.label)).toContain('Team server: https://team.example:8443');
    items.find((i) => i.label === 'Work on this computer')!.click!();
    expect(readFileSync(join(tmp.dir, 'user-data', 'desktop.json'), 'utf8')).not.toContain('teamServer');
    expect(fake.state.relaunches).toHaveLength(1);
    expect(fake.state.exits).toEqual([0]);
  });

  it('refuses a PAYDESK_SERVER it cannot use with an error box, before opening anything', async () => {
    const tmp = tempDir('paydesk-smoke-');
    const db = join(tmp.dir, 'ledger.sqlite');
    process.env.PAYDESK_SERVER = 'http://team.example';
    try {
      const { fake, outcome } = await startMain(tmp.dir, db);
      cleanups.push(tmp.cleanup, () => fake.uninstall());
      expect(outcome).toBe('quit');
      expect(fake.state.errorBoxes[0]!.content).toMatch(/https:\/\//);
      expect(fake.state.windows).toHaveLength(0);
      expect(existsSync(db)).toBe(false);
    } finally {
      delete process.env.PAYDESK_SERVER;
    }
  });

  it('a second instance quits at once without touching the ledger', async () => {
    const tmp = tempDir('paydesk-smoke-');
    const db = join(tmp.dir, 'ledger.sqlite');
    const { fake, outcome } = await startMain(tmp.dir, db, { singleInstanceLock: false });
    cleanups.push(tmp.cleanup, () => fake.uninstall());
    expect(outcome).toBe('second-instance');
    expect(fake.state.quitCalls).toBe(1);
    expect(fake.state.handlers.size).toBe(0);
    expect(existsSync(db)).toBe(false);
  });

  it('builds a sandbox-safe preload: one CommonJS file that requires nothing but electron', () => {
    const preload = readFileSync(join(ROOT, 'out', 'preload', 'index.js'), 'utf8');
    const requires = [...preload.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
    expect(preload).not.toMatch(/^\s*import\s/m);
  });

  it('preload exposes only invoke/on, refuses names outside the contract and never leaks the IPC event', async () => {
    const file = join(ROOT, 'out', 'preload', 'index.js');
    helpers.forgetModulesUnder(file);
    const fake = helpers.installFakeElectron();
    cleanups.push(
      () => fake.uninstall(),
      () => helpers.forgetModulesUnder(file),
    );
    requireHere(file);
    const api = fake.state.exposed.api as {
      invoke: (c: string, i?: unknown) => Promise<unknown>;
      on: (e: string, l: (p: unknown) => void) => () => void;
    };
    expect(Object.keys(fake.state.exposed)).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);

    expect(await api.invoke('app:info', {})).toEqual({ ok: true, value: { channel: 'cmd:app:info' } });
    expect(await api.invoke('shell:exec', { cmd: 'rm -rf /' })).toMatchObject({
      ok: false,
      error: { code: 'validation' },
    });
    expect(fake.state.invoked).toEqual([{ channel: 'cmd:app:info', input: {} }]);

    const got: unknown[] = [];
    const off = api.on('ledger:changed', (p) => got.push(p));
    const refused = api.on('evil:event', (p) => got.push(p));
    expect(fake.electron.ipcRenderer.listenerCount('evt:evil:event')).toBe(0);
    fake.electron.ipcRenderer.emit('evt:ledger:changed', { sender: 'the ipc event' }, { what: 'demo' });
    expect(got).toEqual([{ what: 'demo' }]);
    off();
    refused();
    expect(fake.electron.ipcRenderer.listenerCount('evt:ledger:changed')).toBe(0);
  });
});
