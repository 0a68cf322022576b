import { existsSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { basename, join, resolve } from 'node:path';
import type { Result } from '../../src-shared/api/result';
import type { App } from '../app-context';
import type { LedgerPlace } from '../services/context';
import { appliedMigrationsQuery } from '../../db/repos/migrations';
import { createApiMiddleware, DEFAULT_SESSION_IDLE_MS, isOwnHost, mayServeStatic } from './server';
import { refuse, sendJson, sendText, serveStatic } from './http';
import { browserShim } from './shim';
import { activeJobsOf } from '../ipc/handlers';
import type { Client, Principal } from '../services/identity/client';
import { operatorByIdIn, operatorDto } from '../services/identity/operator-rows';
import type { OperatorDto } from '../../src-shared/dto/app';
import { createSessionStore } from './session-store';
import { PAYDESK_VERSION } from '../version';
import { createApiHandler, DEFAULT_IDLE_MS } from './team-api';
import { createMetrics } from './team-metrics';

/** How to start the team server. */
export type TeamServerOptions = {
  /** The opened ledger; the server dispatches on it but does not close it (its owner does). */
  app: App<LedgerPlace>;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Default 127.0.0.1. A non-loopback address needs TLS. */
  host?: string;
  /** Default 8443; 0 picks a free port. */
  port?: number;
  /** PEM certificate chain and key: the server speaks HTTPS. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** The URL people open when it is not the listen address (a DNS name, a reverse proxy). */
  publicUrl?: string;
  /** Where request logs go, one JSON line each (default: stderr). */
  log?: (line: string) => void;
  /** Browser and API sessions unused this long end (default 12 hours for pages, 1 hour for API sessions). */
  sessionIdleMs?: number;
  /** Wall clock in ms (tests move it). */
  nowMs?: () => number;
};

/** A running team server. */
export type TeamServer = {
  /** The origin it listens on, e.g. https://127.0.0.1:8443. */
  url: string;
  /** Stops accepting, ends event streams, lets running requests finish (up to graceMs), then closes. */
  close: (graceMs?: number) => Promise<void>;
};

/** A refused configuration (the CLI exits 2 with the message). */
export class ServerConfigError extends Error {}

/** True for addresses only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/** Parses HOST:PORT ([v6]:PORT for IPv6). */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 0 && port <= 65535))
    throw new ServerConfigError(`--listen "${text}" is not HOST:PORT (e.g. 127.0.0.1:8443 or [::1]:8443)`);
  return { host: (match[1] ?? match[2])!, port };
}

/** Number of migrations recorded in the ledger: the schema's version as far as a health check cares. */
async function schemaMigrations(app: App<LedgerPlace>): Promise<number> {
  const row = await app.ctx.storage.transaction((tx) => tx.get<{ n: number }>(appliedMigrationsQuery(tx)), {
    readOnly: true,
  });
  return row?.n ?? 0;
}

/** Per-request facts gathered while it is served, for its log line. */
type RequestFacts = { command?: string; operator?: string };

/**
 * Refuses a configuration that would expose the ledger: a non-loopback address without TLS, a wildcard address
 * without --public-url (the Host check needs a name), a public URL over plain HTTP elsewhere, or no built pages.
 * Returns the public origin, if any.
 */
export function checkServerConfig(
  opts: Pick<TeamServerOptions, 'host' | 'tls' | 'publicUrl' | 'staticDir'>,
): string | undefined {
  const host = opts.host ?? '127.0.0.1';
  if (!opts.tls && !isLoopbackHost(host))
    throw new ServerConfigError(
      `refusing to listen on ${host} without TLS: passwords and sessions would cross the network in clear; give --tls-cert and --tls-key (or listen on 127.0.0.1 behind a TLS proxy)`,
    );
  let publicOrigin: string | undefined;
  if (opts.publicUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(opts.publicUrl);
    } catch {
      throw new ServerConfigError(`--public-url "${opts.publicUrl}" is not a URL`);
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw new ServerConfigError('--public-url must be an http:// or https:// URL');
    if (u.protocol === 'http:' && !isLoopbackHost(u.hostname))
      throw new ServerConfigError('--public-url must be https:// unless it names this machine');
    publicOrigin = u.origin;
  }
  if ((host === '0.0.0.0' || host === '::') && !publicOrigin)
    throw new ServerConfigError(
      `listening on ${host} needs --public-url (the address people open), so the server knows which Host to answer`,
    );
  const index = join(resolve(opts.staticDir), 'index.html');
  if (!existsSync(index))
    throw new ServerConfigError(
      `the app's pages are not built (${index} is missing): run \`npm run build\` first`,
    );
  return publicOrigin;
}

/**
 * Starts `paydesk server`: the app's pages for browsers (a visitor gets a signed-out session and signs in on the
 * sign-in screen), the /v1 API for programs, /healthz and /metrics, with one JSON log line per request.
 */
export async function startTeamServer(opts: TeamServerOptions): Promise<TeamServer> {
  const host = opts.host ?? '127.0.0.1';
  const tls = opts.tls;
  const publicOrigin = checkServerConfig(opts);
  const root = resolve(opts.staticDir);

  const { app } = opts;
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const startedAt = Date.now();
  const facts = new WeakMap<IncomingMessage, RequestFacts>();
  let listenOrigin = '';
  const origins = (): string[] => [listenOrigin, ...(publicOrigin ? [publicOrigin] : [])];
  /** The origin whose host the request names; the listen origin when none does (then the Host check refuses). */
  const originFor = (req: IncomingMessage): string => {
    const asked = (req.headers.host ?? '').toLowerCase();
    return origins().find((o) => new URL(o).host === asked) ?? listenOrigin;
  };

  const onCommand = (
    req: IncomingMessage,
    command: string,
    client: Client,
    result: Result<unknown>,
    ms: number,
  ): void => {
    const f = facts.get(req);
    if (f) {
      f.command = command;
      const login = client.principal?.operator.login;
      if (login !== undefined) f.operator = login;
    }
    metrics.command(command, result.ok ? 'ok' : result.error.code, ms);
  };

  // Signed-in sessions outlive a restart: the ones kept last time come back, signed in as their operators.
  const store = createSessionStore(app.ctx.storage, (err) =>
    log(
      JSON.stringify({
        ts: new Date().toISOString(),
        level: 'error',
        msg: 'session store write failed',
        error: err instanceof Error ? err.message : String(err),
      }),
    ),
  );
  const startMs = (opts.nowMs ?? Date.now)();
  const keptPages = await store.alive('browser', startMs, opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS);
  const keptApi = await store.alive('api', startMs, opts.sessionIdleMs ?? DEFAULT_IDLE_MS);
  // The kept sessions' operators, read once before the sessions are restored (restoring is synchronous).
  const keptOperators = await app.ctx.storage.transaction(
    async (tx) => {
      const found = new Map<number, OperatorDto>();
      for (const id of new Set([...keptPages, ...keptApi].map((k) => k.operatorId))) {
        const row = await operatorByIdIn(tx, id);
        if (row) found.set(id, operatorDto(row));
      }
      return found;
    },
    { readOnly: true },
  );
  // A principal of its own for each session: the gate refreshes a principal's operator in place.
  const principalOf = (operatorId: number): Principal | null => {
    const operator = keptOperators.get(operatorId);
    return operator ? { operator, via: 'password' } : null;
  };

  const secure = Boolean(tls) || publicOrigin?.startsWith('https:') === true;
  const pages = createApiMiddleware(app, () => publicOrigin ?? listenOrigin, {
    door: 'server',
    originFor,
    // __Host- cookies are Secure, host-only and Path=/ by the browser's own rule.
    cookieName: secure ? '__Host-paydesk_session' : 'paydesk_session',
    secureCookie: secure,
    launch: false,
    maxSessions: 1000,
    onCommand,
    keep: { store, restored: keptPages, principalOf },
    ...(opts.sessionIdleMs === undefined ? {} : { sessionIdleMs: opts.sessionIdleMs }),
    ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }),
  });
  const api = createApiHandler(
    app,
    { command: onCommand },
    {
      ...(opts.sessionIdleMs === undefined ? {} : { sessionIdleMs: opts.sessionIdleMs }),
      ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }),
      keep: { store, restored: keptApi, principalOf },
    },
  );
  const metrics = createMetrics(() => {
    const p = pages.counts();
    const a = api.counts();
    return {
      sessions: { browser: p.sessions, api: a.api, token: a.token },
      streams: p.streams + a.streams,
      jobsRunning: activeJobsOf(app.ctx).running().length,
      uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
    };
  });
  const shim = browserShim();
  const shimTag = '<script src="./paydesk-shim.js"></script>';
  // Before the module script, so window.api exists when the app boots (as `npm start` stages it).
  const indexHtml = (html: string): string =>
    html.includes('<script')
      ? html.replace('<script', `${shimTag}\n    <script`)
      : html.replace('</head>', `${shimTag}</head>`);

  let inFlight = 0;
  let drained: (() => void) | undefined;

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = originFor(req);
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'GET only');
      schemaMigrations(app).then(
        (migrations) =>
          sendJson(res, 200, {
            status: 'ok',
            version: PAYDESK_VERSION,
            ledger: {
              database: app.ctx.storage.dialect,
              // The file's name on SQLite; a PostgreSQL server names no file (nor its connection URL).
              file: app.ctx.ledger.sqlite ? basename(app.ctx.ledger.file) : null,
              schemaMigrations: migrations,
            },
            uptimeSeconds: Math.floor((Date.now() - startedAt) / 1000),
          }),
        (err: unknown) => {
          app.ctx.log.error('health check: the ledger did not answer', { error: String(err) });
          sendJson(res, 503, { status: 'unavailable', version: PAYDESK_VERSION });
        },
      );
      return;
    }
    if (!isOwnHost(req, origin))
      return refuse(
        res,
        403,
        `this server answers only to ${origins()
          .map((o) => new URL(o).host)
          .join(' or ')}`,
      );
    if (path === '/metrics') {
      if (req.method !== 'GET') return sendText(res, 405, 'GET only');
      const text = metrics.render();
      res.writeHead(200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
      });
      res.end(text);
      return;
    }
    if (api.handle(req, res, url)) return;
    if (pages.handle(req, res)) return;
    if (!mayServeStatic(req, origin)) return sendText(res, 403, 'not for this host or site');
    // Loading the app opens a signed-out session: the sign-in screen is the door, no launch link is needed.
    if (path === '/' || path === '/index.html') pages.ensureSession(req, res);
    serveStatic(root, req, res, { indexHtml, memoryFiles: { '/paydesk-shim.js': shim } });
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const f: RequestFacts = {};
    facts.set(req, f);
    inFlight += 1;
    res.on('close', () => {
      inFlight -= 1;
      const status = res.statusCode;
      metrics.request(status);
      // Never the query (it could carry a file name or worse), bodies, cookies or Authorization.
      const line: Record<string, unknown> = {
        ts: new Date().toISOString(),
        level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
        msg: 'request',
        method: req.method,
        path: (req.url ?? '/').split('?')[0],
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      };
      if (f.command !== undefined) line.command = f.command;
      if (f.operator !== undefined) line.operator = f.operator;
      log(JSON.stringify(line));
      if (inFlight === 0) drained?.();
    });
    try {
      serve(req, res);
    } catch {
      if (!res.headersSent) sendText(res, 500, 'server failure');
      else res.destroy();
    }
  };

  const server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler)
    : createHttpServer(handler);
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8443, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost =
    isIP(host) === 6 || host === '::'
      ? `[${address.address}]`
      : host === 'localhost'
        ? 'localhost'
        : address.address;
  listenOrigin = `${tls ? 'https' : 'http'}://${urlHost}:${address.port}`;

  return {
    url: listenOrigin,
    close: async (graceMs = 10_000) => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      pages.closeStreams();
      api.closeStreams();
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((r) => (drained = r)),
          new Promise<void>((r) => setTimeout(r, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
      await store.flush();
    },
  };
}
