// Browser dev mode (npm run dev:web): the renderer on a Vite dev server with hot reload, talking to a real ledger
// through the same bridge API the e2e tests use. Electron is not needed. Env: PAYDESK_DB (ledger file, default
// ./paydesk-dev.sqlite), PORT (default 5173), PAYDESK_OPERATOR (login).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { tsImport } from 'tsx/esm/api';
import { createServer } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { openApp } = await tsImport('../src-main/app-context.ts', import.meta.url);
const { createApiMiddleware, newBridgeToken } = await tsImport('../src-main/bridge/server.ts', import.meta.url);
const { browserShim } = await tsImport('../src-main/bridge/shim.ts', import.meta.url);

const ledgerFile = resolve(process.env.PAYDESK_DB ?? resolve(root, 'paydesk-dev.sqlite'));
const app = openApp({ file: ledgerFile });
const token = newBridgeToken();

/** Mounts the bridge API (/__api, /__events) in the dev server and injects the shim that plays the preload. */
function paydeskBridge() {
  const api = createApiMiddleware(app, token);
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
        tags: [{ tag: 'script', children: browserShim(token), injectTo: 'head-prepend' }],
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

const url = server.resolvedUrls?.local[0] ?? `http://127.0.0.1:${server.config.server.port}/`;
console.log(`\n  Paydesk dev (browser): ${url}\n  Ledger: ${ledgerFile}\n`);

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
