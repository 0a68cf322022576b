import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { AppError, Result } from '../../src-shared/api/result';
import type { App } from '../app-context';
import type { Client } from '../services/identity/client';
import { UploadTooLarge } from '../services/uploads';

/** The part of an opened app the bridge needs: the one dispatch path, the event subscription and new clients. */
export type BridgeApp = Pick<App, 'dispatch' | 'subscribe' | 'openClient' | 'uploads'>;

/** How long browser sessions and launch secrets live. */
export type BridgeSessionOptions = {
  /** A browser session unused this long is forgotten (its client signed out); default 12 hours. */
  sessionIdleMs?: number;
  /** A launch secret not opened within this time is void; default 10 minutes. */
  launchTtlMs?: number;
  /** Wall clock in ms (tests move it). */
  nowMs?: () => number;
};

/** How to start the loopback bridge. */
export type BridgeOptions = BridgeSessionOptions & {
  app: BridgeApp;
  staticDir: string;
  port?: number;
  /** 127.0.0.1 (default) or ::1; anything else is refused. */
  host?: string;
};

/**
 * A running bridge: its own origin, a minter of one-time launch URLs (each opens one browser session with its
 * own signed-out client) and a close function.
 */
export type Bridge = {
  /** The bridge's exact origin, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** A fresh one-time URL that gives the browser opening it a session cookie and lands on `path` (default /). */
  launchUrl: (path?: string) => string;
  close: () => Promise<void>;
};

/** The API part of the bridge, also mounted by the dev server: launch exchange, commands and events. */
export type ApiMiddleware = {
  /** Handles /?launch=, /__api/<command>, /__upload and /__events; returns false to let others serve the request. */
  handle: (req: IncomingMessage, res: ServerResponse) => boolean;
  /** A fresh one-time launch URL on the own origin. */
  launchUrl: (path?: string) => string;
  closeStreams: () => void;
};

/** The query parameter that carries a one-time launch secret. */
export const LAUNCH_PARAM = 'launch';
/** The path files are streamed to (POST, raw body, `?name=` the file's name). */
export const UPLOAD_PATH = '/__upload';
/** Hosts the bridge may listen on. */
export const BRIDGE_HOSTS: readonly string[] = ['127.0.0.1', '::1'];

const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
const DEFAULT_SESSION_IDLE_MS = 12 * 60 * 60_000;
const DEFAULT_LAUNCH_TTL_MS = 10 * 60_000;
/** Bounds on what an unauthenticated party could make the bridge remember. */
const MAX_SESSIONS = 200;
const MAX_PENDING_LAUNCHES = 200;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
};

/** Headers on everything the bridge serves: no framing by other pages, no loading by other origins. */
const ISOLATION_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * True when this process may run the bridge: always under Node (tests, `npm start` browser mode, dev:web);
 * inside Electron only when PAYDESK_BRIDGE=1 asks for it, so the packaged app never opens a port by itself.
 */
export function bridgeAllowedHere(
  proc: { versions: Record<string, string | undefined>; env: Record<string, string | undefined> } = process,
): boolean {
  return !proc.versions.electron || proc.env.PAYDESK_BRIDGE === '1';
}

function assertBridgeAllowed(): void {
  if (!bridgeAllowedHere())
    throw new Error('the loopback bridge does not run inside Electron unless PAYDESK_BRIDGE=1 is set');
}

/** 32 random bytes, base64url (43 characters). */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets are looked up by their hash, so the lookup's timing says nothing about the secret itself. */
function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(text);
}

function refuse(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { ok: false, error: { code: 'forbidden', message } });
}

function validationFailure(message: string): Result<never> {
  const error: AppError = { code: 'validation', message, issues: [{ path: '(root)', message }] };
  return { ok: false, error };
}

/** Reads a request body up to a limit; resolves undefined when the limit is exceeded. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else if (!tooBig) chunks.push(chunk);
    });
    req.on('end', () => resolveBody(tooBig ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** True when the Host header names exactly the bridge's own host and port (DNS rebinding and aliases refused). */
export function isOwnHost(req: IncomingMessage, ownOrigin: string): boolean {
  const host = req.headers.host;
  return typeof host === 'string' && host.toLowerCase() === new URL(ownOrigin).host;
}

/** True when a request comes from the bridge's own pages: Origin (when sent) and Sec-Fetch-Site agree. */
function isOwnOrigin(req: IncomingMessage, ownOrigin: string): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin) return false;
  const site = req.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin';
}

/**
 * True when a static file may be served: own Host, and not a subresource load by another site or another
 * port of this one (a top-level navigation to the app is fine).
 */
export function mayServeStatic(req: IncomingMessage, ownOrigin: string): boolean {
  if (!isOwnHost(req, ownOrigin)) return false;
  const site = req.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return true;
  return req.headers['sec-fetch-mode'] === 'navigate';
}

type Session = { client: Client; lastSeenMs: number; streams: Set<ServerResponse> };

/**
 * Builds the API part of the bridge. `ownOrigin` gives the exact origin the pages are served from (known once
 * the server listens). A browser gets a session only by opening a one-time launch URL: the answer sets an
 * HttpOnly SameSite=Strict cookie and redirects to the page. Every command and event stream needs that cookie,
 * the own Host and Origin, and commands need a JSON body, so a page of another origin cannot run them.
 */
export function createApiMiddleware(
  app: BridgeApp,
  ownOrigin: () => string,
  opts: BridgeSessionOptions = {},
): ApiMiddleware {
  assertBridgeAllowed();
  const nowMs = opts.nowMs ?? (() => Date.now());
  const sessionIdleMs = opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const launchTtlMs = opts.launchTtlMs ?? DEFAULT_LAUNCH_TTL_MS;
  const sessions = new Map<string, Session>();
  const launches = new Map<string, number>();
  // Cookies ignore ports, so each bridge names its own: two bridges in one browser do not overwrite each other.
  const cookieName = (): string => `paydesk_session_${new URL(ownOrigin()).port || '80'}`;

  const endSession = (key: string): void => {
    const session = sessions.get(key);
    if (!session) return;
    sessions.delete(key);
    // The client is forgotten with its cookie: signed out, so nothing it held stays usable.
    session.client.principal = null;
    session.client.locked = false;
    for (const s of session.streams) s.end();
    app.uploads.discardClient(session.client.id);
  };

  const sweep = (): void => {
    const now = nowMs();
    for (const [key, expiresAt] of launches) if (expiresAt <= now) launches.delete(key);
    for (const [key, session] of sessions) if (now - session.lastSeenMs > sessionIdleMs) endSession(key);
  };

  const sessionOf = (req: IncomingMessage): Session | undefined => {
    sweep();
    const value = cookieValue(req.headers.cookie, cookieName());
    if (!value) return undefined;
    const session = sessions.get(digest(value));
    if (session) session.lastSeenMs = nowMs();
    return session;
  };

  const launchUrl = (path = '/'): string => {
    sweep();
    while (launches.size >= MAX_PENDING_LAUNCHES) launches.delete(launches.keys().next().value!);
    const secret = newSecret();
    launches.set(digest(secret), nowMs() + launchTtlMs);
    const url = new URL(path, ownOrigin());
    url.searchParams.set(LAUNCH_PARAM, secret);
    return url.toString();
  };

  const handleLaunch = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    sweep();
    const secret = url.searchParams.get(LAUNCH_PARAM) ?? '';
    const key = digest(secret);
    // Single use: the secret is void from here on, whatever happens next.
    if (!launches.delete(key)) {
      sendText(
        res,
        403,
        'This Paydesk launch link was already used or has expired. Open the new link Paydesk prints (press Enter in its terminal).',
      );
      return;
    }
    const previous = cookieValue(req.headers.cookie, cookieName());
    if (previous) endSession(digest(previous));
    while (sessions.size >= MAX_SESSIONS) {
      let oldest: [string, Session] | undefined;
      for (const entry of sessions) if (!oldest || entry[1].lastSeenMs < oldest[1].lastSeenMs) oldest = entry;
      endSession(oldest![0]);
    }
    const value = newSecret();
    sessions.set(digest(value), {
      client: app.openClient('bridge'),
      lastSeenMs: nowMs(),
      streams: new Set(),
    });
    url.searchParams.delete(LAUNCH_PARAM);
    // One leading slash: "//host/" would be a redirect to another site.
    const location = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
    res.writeHead(303, {
      ...ISOLATION_HEADERS,
      location,
      'set-cookie': `${cookieName()}=${value}; HttpOnly; SameSite=Strict; Path=/`,
      'cache-control': 'no-store',
      'content-length': 0,
    });
    res.end();
  };

  const handleCommand = async (
    req: IncomingMessage,
    res: ServerResponse,
    command: string,
    client: Client,
  ): Promise<void> => {
    const text = await readBody(req);
    if (text === undefined) {
      sendJson(res, 413, validationFailure(`request body is larger than ${MAX_BODY_BYTES} bytes`));
      return;
    }
    let input: unknown;
    if (text.trim() === '') input = {};
    else {
      try {
        input = JSON.parse(text);
      } catch {
        sendJson(res, 200, validationFailure('request body is not valid JSON'));
        return;
      }
    }
    sendJson(res, 200, await app.dispatch(command, input, client));
  };

  /**
   * Streams a raw body into an upload of the session's client: never buffered whole, refused past the store's
   * cap while it arrives (or at once when Content-Length says so). Only a signed-in, unlocked client uploads.
   */
  const handleUpload = (req: IncomingMessage, res: ServerResponse, url: URL, client: Client): void => {
    const tooLarge = (): void => {
      // Say so, then drop the connection: reading the rest of an oversized body would only waste time.
      res.setHeader('connection', 'close');
      sendJson(res, 413, validationFailure(`the file is larger than ${app.uploads.maxBytes} bytes`));
      res.on('finish', () => req.destroy());
    };
    if (!client.principal || client.locked) {
      sendJson(res, 401, {
        ok: false,
        error: { code: 'unauthenticated', reason: 'sign_in', message: 'sign in before uploading a file' },
      });
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > app.uploads.maxBytes) {
      tooLarge();
      return;
    }
    const fileName = url.searchParams.get('name') ?? 'uploaded file';
    app.uploads.receive(client.id, req, fileName).then(
      (upload) => sendJson(res, 200, { ok: true, value: upload }),
      (err: unknown) => {
        if (res.headersSent) return;
        if (err instanceof UploadTooLarge) tooLarge();
        else res.destroy();
      },
    );
  };

  const handleEvents = (req: IncomingMessage, res: ServerResponse, session: Session): void => {
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    session.streams.add(res);
    const { client } = session;
    const unsubscribe = app.subscribe((event, payload) => {
      // A signed-out or locked page hears only that the sign-in state changed, not what the ledger did.
      if (event !== 'auth:changed' && (!client.principal || client.locked)) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const done = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      session.streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = ownOrigin();
    const url = new URL(req.url ?? '/', origin);
    const isApi = url.pathname.startsWith('/__api/');
    const isEvents = url.pathname === '/__events';
    const isUpload = url.pathname === UPLOAD_PATH;
    const isLaunch =
      !isApi && !isEvents && !isUpload && req.method === 'GET' && url.searchParams.has(LAUNCH_PARAM);
    if (!isApi && !isEvents && !isUpload && !isLaunch) return false;
    if (!isOwnHost(req, origin)) {
      refuse(res, 403, `the bridge answers only to ${new URL(origin).host}`);
      return true;
    }
    if (isLaunch) {
      handleLaunch(req, res, url);
      return true;
    }
    if (!isOwnOrigin(req, origin)) {
      refuse(res, 403, `the bridge answers only to pages of ${origin}`);
      return true;
    }
    const session = sessionOf(req);
    if (!session) {
      refuse(res, 403, 'no bridge session: open Paydesk through the launch link it printed');
      return true;
    }
    if (isEvents) {
      if (req.method !== 'GET') sendText(res, 405, 'GET only');
      else handleEvents(req, res, session);
      return true;
    }
    if (req.method !== 'POST') {
      sendText(res, 405, 'POST only');
      return true;
    }
    // Only a JSON body: text/plain, form and multipart posts are what another page can send without CORS.
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (isUpload) {
      // Likewise an upload is application/octet-stream only, which no page of another origin can send unasked.
      if (type !== 'application/octet-stream') {
        sendJson(res, 415, validationFailure('uploads take an application/octet-stream body'));
        req.resume();
      } else handleUpload(req, res, url, session.client);
      return true;
    }
    if (type !== 'application/json') {
      sendJson(res, 415, validationFailure('commands take an application/json body'));
      req.resume();
      return true;
    }
    let command: string;
    try {
      command = decodeURIComponent(url.pathname.slice('/__api/'.length));
    } catch {
      command = url.pathname.slice('/__api/'.length);
    }
    handleCommand(req, res, command, session.client).catch(() => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'bridge failure' } });
      else res.destroy();
    });
    return true;
  };

  return {
    handle,
    launchUrl,
    closeStreams: () => {
      for (const session of sessions.values()) {
        for (const s of session.streams) s.end();
        session.streams.clear();
      }
    },
  };
}

/** Serves a file of staticDir (index.html for "/"); never outside staticDir. */
function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'GET only');
    return;
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  } catch {
    sendText(res, 400, 'bad path');
    return;
  }
  const relative = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
  const file = resolve(root, relative);
  if (file !== root && !file.startsWith(root + sep)) {
    sendText(res, 404, 'not found');
    return;
  }
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a file');
    size = st.size;
  } catch {
    sendText(res, 404, 'not found');
    return;
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': size,
    ...ISOLATION_HEADERS,
    'cache-control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Starts the loopback bridge: the built renderer, the launch exchange, POST /__api/<command> and GET /__events. */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  assertBridgeAllowed();
  const host = opts.host ?? '127.0.0.1';
  if (!BRIDGE_HOSTS.includes(host))
    throw new Error(`the bridge listens on 127.0.0.1 or ::1 only, not on ${JSON.stringify(host)}`);
  const root = resolve(opts.staticDir);
  let origin = '';
  const api = createApiMiddleware(opts.app, () => origin, opts);
  const server = createServer((req, res) => {
    try {
      if (api.handle(req, res)) return;
      if (!mayServeStatic(req, origin)) {
        sendText(res, 403, 'not for this host or site');
        return;
      }
      serveStatic(root, req, res);
    } catch {
      if (!res.headersSent) sendText(res, 500, 'bridge failure');
      else res.destroy();
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${urlHost}:${address.port}`;
  return {
    url: origin,
    launchUrl: api.launchUrl,
    close: () =>
      new Promise<void>((resolveClose) => {
        api.closeStreams();
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
