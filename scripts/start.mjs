#!/usr/bin/env node
// `npm start`: build when the bundle is missing or older than the sources, then run Electron. Where the Electron
// binary is not installed (it cannot be downloaded on some machines), serve the same services over the loopback
// bridge and open the built renderer in Chromium instead.
//
//   npm start                      Electron if available, else browser mode
//   npm start -- --browser         browser mode even if Electron is available
//   npm start -- --no-open         browser mode without launching Chromium (just print the launch URL)
//
// In browser mode the bridge prints a one-time launch URL: opening it gives that browser a session cookie (and
// its own sign-in); it works once. Press Enter in this terminal for a new one (another window or browser).
//   npm start -- --port 5180       fixed port for browser mode (default: any free port)
//   npm start -- --build           rebuild first even if the bundle looks fresh
//   npm start -- --no-build        never build (tests that already built the renderer)
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const OUTPUTS = [
  'out/main/index.js',
  'out/main/worker.js',
  'out/preload/index.js',
  'out/renderer/index.html',
];
const SOURCES = [
  'src-main',
  'src-preload',
  'src-renderer',
  'src-shared',
  'db',
  'electron.vite.config.ts',
  'package.json',
];

/** Newest modification time under a path (files only). */
function newestMtime(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** True when some output is missing or a source changed after the last build. */
function needsBuild() {
  if (flag('--build')) return true;
  const outputs = OUTPUTS.map((f) => statSync(join(root, f), { throwIfNoEntry: false }));
  if (outputs.some((s) => !s)) return true;
  const builtAt = Math.min(...outputs.map((s) => s.mtimeMs));
  return SOURCES.some((s) => newestMtime(join(root, s)) > builtAt);
}

function build() {
  // electron-vite's package exports hide bin/, so go through its package.json.
  const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  console.log('paydesk: building (electron-vite build)...');
  const r = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('paydesk: the build failed');
    process.exit(r.status ?? 1);
  }
}

/**
 * The Electron executable, if it is really installed. `require('electron')` is not used on purpose: when the
 * binary is missing it starts a download, which fails (and hangs for a while) on machines without internet.
 */
function electronBinary() {
  let pkgDir;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return undefined;
  }
  const pathTxt = join(pkgDir, 'path.txt');
  const relative = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override
    ? join(override, relative || 'electron')
    : relative
      ? join(pkgDir, 'dist', relative)
      : undefined;
  return candidate && existsSync(candidate) ? candidate : undefined;
}

function runElectron(binary) {
  const env = { ...process.env };
  // Inherited from some tool shells, it would make Electron behave as plain Node and ignore the app.
  delete env.ELECTRON_RUN_AS_NODE;
  const ours = new Set(['--browser', '--no-open', '--build', '--no-build']);
  const passThrough = args.filter((a, i) => !ours.has(a) && a !== '--port' && args[i - 1] !== '--port');
  const child = spawn(binary, ['.', ...passThrough], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
}

/** Copies the built renderer and adds a script tag that defines window.api over the bridge (the preload's part). */
function stageRenderer(browserShim) {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-web-'));
  cpSync(join(root, 'out', 'renderer'), dir, { recursive: true });
  // A file, not an inline script: the renderer's CSP allows only 'self' scripts. It holds no secret.
  writeFileSync(join(dir, 'paydesk-shim.js'), browserShim());
  const indexFile = join(dir, 'index.html');
  const html = readFileSync(indexFile, 'utf8');
  const tag = '<script src="./paydesk-shim.js"></script>';
  // Before the module script, so window.api exists when the app boots (classic scripts run first anyway).
  const staged = html.includes('<script')
    ? html.replace('<script', `${tag}\n    <script`)
    : html.replace('</head>', `${tag}</head>`);
  writeFileSync(indexFile, staged);
  return dir;
}

function openChromium(url, profileDir) {
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!chromium || flag('--no-open')) return undefined;
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.log('paydesk: no DISPLAY, so no browser window; open the URL above yourself.');
    return undefined;
  }
  return spawn(
    chromium,
    [
      `--app=${url}`,
      `--user-data-dir=${profileDir}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-sync',
    ],
    { stdio: 'ignore' },
  );
}

async function runBrowserMode() {
  // The services are TypeScript (CommonJS); tsx's require hook loads them straight from source, like bin/paydesk.cjs.
  require('tsx/cjs/api').register();
  const src = (p) => require(join(root, p));
  const { openApp } = src('src-main/app-context.ts');
  const { defaultLedgerFile, userDataDir } = src('src-main/paths.ts');
  const { workerJobRunner } = src('src-main/jobs/worker-runner.ts');
  const { stderrLogger } = src('src-main/services/context.ts');
  const { startBridge } = src('src-main/bridge/server.ts');
  const { browserShim } = src('src-main/bridge/shim.ts');

  const file = defaultLedgerFile();
  let app;
  try {
    app = openApp({ file, log: stderrLogger, jobs: (c) => workerJobRunner(c.ledger.file) });
  } catch (err) {
    console.error(`paydesk: cannot open the ledger: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const staticDir = stageRenderer(browserShim);
  const port = option('--port') ? Number(option('--port')) : undefined;
  const bridge = await startBridge({ app, staticDir, host: '127.0.0.1', ...(port ? { port } : {}) });
  const url = bridge.launchUrl();
  console.log(`paydesk: Electron is not available here, running in browser mode.`);
  console.log(`paydesk: ledger ${file}`);
  console.log(`paydesk: open ${url}`);
  console.log('paydesk: that link works once (it signs this browser session on to the bridge).');
  if (process.stdin.isTTY) {
    console.log('paydesk: press Enter for a new link (another window or browser profile).');
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', () => console.log(`paydesk: open ${bridge.launchUrl()}`));
  }

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await bridge.close();
    app.close();
    rmSync(staticDir, { recursive: true, force: true });
    process.exit(code);
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => void stop(0));

  const browser = openChromium(url, join(userDataDir(), 'browser-profile'));
  if (browser) {
    console.log('paydesk: opened Chromium; closing its window stops Paydesk (Ctrl+C also works).');
    browser.on('error', (err) => console.error(`paydesk: could not start Chromium: ${err.message}`));
    browser.on('exit', () => void stop(0));
  } else {
    console.log('paydesk: press Ctrl+C to stop.');
  }
}

if (!flag('--no-build') && needsBuild()) build();
const binary = flag('--browser') ? undefined : electronBinary();
if (binary) runElectron(binary);
else await runBrowserMode();
