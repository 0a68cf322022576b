import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Result } from '../../src-shared/api/result';
import type { App } from '../app-context';
import type { Client, Door } from '../services/identity/client';
import { restoreKept, sessionKeeper, type KeepOptions, type KeptSession } from './session-store';
import {
  cookieValue,
  digest,
  ISOLATION_HEADERS,
  mediaType,
  newSecret,
  readJsonInput,
  receiveUpload,
  refuse,
  sendJson,
  sendText,
  serveStatic,
  streamEvents,
  validationFailure,
} from './http';

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
  /**
   * Makes sure the browser behind this request has a session: when its cookie names none, a new signed-out
   * session is opened and its cookie set on `res` (the team server, whose door is the sign-in screen).
   */
  ensureSession: (req: IncomingMessage, res: ServerResponse) => void;
  /** Browser sessions and open event streams, for metrics. */
  counts: () => { sessions: number; streams: number };
  closeStreams: () => void;
};

/** What the team server changes in the bridge's API handling; the bridge itself passes none of these. */
export type ApiMiddlewareOptions = BridgeSessionOptions & {
  /** The front door of the browser clients (default 'bridge'). */
  door?: Door;
  /** The exact origin a request must come from, chosen by its Host (default: ownOrigin()). */
  originFor?: (req: IncomingMessage) => string;
  /** The session cookie's name (default paydesk_session_<port>). */
  cookieName?: string;
  /** Adds Secure to the session cookie (served over TLS). */
  secureCookie?: boolean;
  /** Whether one-time launch URLs open sessions (default true). */
  launch?: boolean;
  /** The most browser sessions remembered at once (default 200). */
  maxSessions?: number;
  /**
   * Keeps signed-in sessions across restarts (the team server): the store, the sessions it held at start, and
   * how a kept session's operator is signed in again.
   */
  keep?: KeepOptions;
  /** Told after each command's dispatch (metrics, request logs). */
  onCommand?: (
    req: IncomingMessage,
    command: string,
    client: Client,
    result: Result<unknown>,
    ms: number,
  ) => void;
};

/** The query parameter that carries a one-time launch secret. */
export const LAUNCH_PARAM = 'launch';
/** The path files are streamed to (POST, raw body, `?name=` the file's name). */
export const UPLOAD_PATH = '/__upload';
/** Hosts the bridge may listen on. */
export const BRIDGE_HOSTS: readonly string[] = ['127.0.0.1', '::1'];

export const DEFAULT_SESSION_IDLE_MS = 12 * 60 * 60_000;
const DEFAULT_LAUNCH_TTL_MS = 10 * 60_000;
/** Bounds on what an unauthenticated party could make the bridge remember. */
const MAX_SESSIONS = 200;
const MAX_PENDING_LAUNCHES = 200;

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

type Session = KeptSession & { streams: Set<ServerResponse> };

/**
 * Builds the API part of the bridge. `ownOrigin` gives the exact origin the pages are served from (known once
 * the server listens). A browser gets a session only by opening a one-time launch URL (or, on the team server,
 * by loading the app): the answer sets an HttpOnly SameSite=Strict cookie. Every command and event stream
 * needs that cookie, the own Host and Origin, and commands need a JSON body, so a page of another origin cannot
 * run them.
 */
export function createApiMiddleware(
  app: BridgeApp,
  ownOrigin: () => string,
  opts: ApiMiddlewareOptions = {},
): ApiMiddleware {
  assertBridgeAllowed();
  const nowMs = opts.nowMs ?? (() => Date.now());
  const sessionIdleMs = opts.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const launchTtlMs = opts.launchTtlMs ?? DEFAULT_LAUNCH_TTL_MS;
  const maxSessions = opts.maxSessions ?? MAX_SESSIONS;
  const door = opts.door ?? 'bridge';
  const originFor = opts.originFor ?? (() => ownOrigin());
  const sessions = new Map<string, Session>();
  const launches = new Map<string, number>();
  const keeper = sessionKeeper(opts.keep?.store, 'browser');
  for (const [key, kept] of restoreKept(opts.keep, (d) => app.openClient(d), door)) sessions.set(key, kept);
  // Cookies ignore ports, so each bridge names its own: two bridges in one browser do not overwrite each other.
  const cookieName = (): string => opts.cookieName ?? `paydesk_session_${new URL(ownOrigin()).port || '80'}`;
  const cookieFlags = `HttpOnly; SameSite=Strict; Path=/${opts.secureCookie ? '; Secure' : ''}`;

  const endSession = (key: string): void => {
    const session = sessions.get(key);
    if (!session) return;
    sessions.delete(key);
    keeper.forget(key, session);
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
    const key = digest(value);
    const session = sessions.get(key);
    if (session) {
      session.lastSeenMs = nowMs();
      keeper.sync(key, session);
    }
    return session;
  };

  /** A new signed-out session; when full, the longest-unused one goes (a signed-out one first). */
  const openSession = (): string => {
    while (sessions.size >= maxSessions) {
      let oldest: [string, Session] | undefined;
      for (const entry of sessions) {
        const better =
          !oldest ||
          (!entry[1].client.principal && oldest[1].client.principal) ||
          (!entry[1].client.principal === !oldest[1].client.principal &&
            entry[1].lastSeenMs < oldest[1].lastSeenMs);
        if (better) oldest = entry;
      }
      endSession(oldest![0]);
    }
    const value = newSecret();
    sessions.set(digest(value), {
      client: app.openClient(door),
      lastSeenMs: nowMs(),
      createdAtMs: nowMs(),
      expiresAtMs: null,
      streams: new Set(),
    });
    return value;
  };

  const launchUrl = (path = '/'): string => {
    if (opts.launch === false) throw new Error('this server opens sessions without launch links');
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
    const value = openSession();
    url.searchParams.delete(LAUNCH_PARAM);
    // One leading slash: "//host/" would be a redirect to another site.
    const location = `/${url.pathname.replace(/^\/+/, '')}${url.search}`;
    res.writeHead(303, {
      ...ISOLATION_HEADERS,
      location,
      'set-cookie': `${cookieName()}=${value}; ${cookieFlags}`,
      'cache-control': 'no-store',
      'content-length': 0,
    });
    res.end();
  };

  const ensureSession = (req: IncomingMessage, res: ServerResponse): void => {
    if (sessionOf(req)) return;
    res.setHeader('set-cookie', `${cookieName()}=${openSession()}; ${cookieFlags}`);
  };

  const handleCommand = async (
    req: IncomingMessage,
    res: ServerResponse,
    command: string,
    client: Client,
  ): Promise<void> => {
    const read = await readJsonInput(req);
    if ('failure' in read) {
      sendJson(res, read.status, read.failure);
      return;
    }
    const started = performance.now();
    const result = await app.dispatch(command, read.input, client);
    // A sign-in, sign-out, lock or unlock changed what the store must hold for this session.
    const key = digest(cookieValue(req.headers.cookie, cookieName()) ?? '');
    const session = sessions.get(key);
    if (session?.client === client) keeper.sync(key, session);
    opts.onCommand?.(req, command, client, result, performance.now() - started);
    sendJson(res, 200, result);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = originFor(req);
    const url = new URL(req.url ?? '/', origin);
    const isApi = url.pathname.startsWith('/__api/');
    const isEvents = url.pathname === '/__events';
    const isUpload = url.pathname === UPLOAD_PATH;
    const isLaunch =
      opts.launch !== false &&
      !isApi &&
      !isEvents &&
      !isUpload &&
      req.method === 'GET' &&
      url.searchParams.has(LAUNCH_PARAM);
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
      refuse(
        res,
        403,
        opts.launch === false
          ? 'no session: open the Paydesk page again'
          : 'no bridge session: open Paydesk through the launch link it printed',
      );
      return true;
    }
    if (isEvents) {
      if (req.method !== 'GET') sendText(res, 405, 'GET only');
      else streamEvents(app, req, res, session.client, session.streams);
      return true;
    }
    if (req.method !== 'POST') {
      sendText(res, 405, 'POST only');
      return true;
    }
    // Only a JSON body: text/plain, form and multipart posts are what another page can send without CORS.
    const type = mediaType(req);
    if (isUpload) {
      // Likewise an upload is application/octet-stream only, which no page of another origin can send unasked.
      if (type !== 'application/octet-stream') {
        sendJson(res, 415, validationFailure('uploads take an application/octet-stream body'));
        req.resume();
      } else {
        const fileName = url.searchParams.get('name') ?? 'uploaded file';
        receiveUpload(app.uploads, req, res, fileName, session.client);
      }
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
    ensureSession,
    counts: () => {
      let streams = 0;
      for (const session of sessions.values()) streams += session.streams.size;
      return { sessions: sessions.size, streams };
    },
    closeStreams: () => {
      for (const session of sessions.values()) {
        for (const s of session.streams) s.end();
        session.streams.clear();
      }
    },
  };
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
