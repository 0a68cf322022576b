// Browser dev mode (npm run dev:web): the renderer on a Vite dev server with hot reload, talking to a real ledger
// through the same bridge API the e2e tests use. Electron is not needed. Env: PAYDESK_DB (ledger file, default
// ./paydesk-dev.sqlite), PORT (default 5173), PAYDESK_OPERATOR (login).
// It prints a one-time launch URL: opening it gives that browser its session cookie; press Enter for another.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { register } from 'tsx/cjs/api';
import { createServer } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// The main-process sources are CommonJS TypeScript; tsx's require hook loads them with real __dirname values,
// which the migrations lookup and the job worker entry rely on.
register();
const require = createRequire(import.meta.url);
const { openApp } = require('../src-main/app-context.ts');
const { createApiMiddleware } = require('../src-main/bridge/server.ts');
const { browserShim } = require('../src-main/bridge/shim.ts');
const { workerJobRunner } = require('../src-main/jobs/worker-runner.ts');
const { stderrLogger } = require('../src-main/services/context.ts');

const ledgerFile = resolve(process.env.PAYDESK_DB ?? resolve(root, 'paydesk-dev.sqlite'));
// Jobs run in worker threads as in the desktop app, so progress streams while the server keeps answering.
const app = openApp({ file: ledgerFile, log: stderrLogger, jobs: (c) => workerJobRunner(c.ledger.file) });
// The dev server's exact origin, known once it listens; the bridge answers to nothing else.
let origin = '';
const api = createApiMiddleware(app, () => origin);

/** Mounts the bridge API (launch, /__api, /__events) in the dev server and injects the shim that plays the preload. */
function paydeskBridge() {
  return {
    name: 'paydesk-bridge',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!api.handle(req, res)) next();
      });
      server.httpServer?.once('close', () => api.closeStreams());
    },
    transformIndexHtml(html) {
      return {
        // Dev only: the shim and Vite's React refresh preamble are inline scripts; the built app stays 'self'.
        html: html.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
        tags: [{ tag: 'script', children: browserShim(), injectTo: 'head-prepend' }],
      };
    },
  };
}

const server = await createServer({
  configFile: false,
  root: resolve(root, 'src-renderer'),
  plugins: [react(), paydeskBridge()],
  server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173), strictPort: false },
  clearScreen: false,
});
await server.listen();

origin = new URL(server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.config.server.port}/`).origin;
console.log(`\n  Paydesk dev (browser): ${api.launchUrl()}\n  Ledger: ${ledgerFile}`);
console.log('  That link works once. Press Enter for a new one (another window or browser).\n');
if (process.stdin.isTTY) {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', () => console.log(`  Paydesk dev (browser): ${api.launchUrl()}`));
}

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await server.close();
  app.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
