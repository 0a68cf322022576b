import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { AppError, Result } from '../../src-shared/api/result';
import type { App } from '../app-context';

/** The part of an opened app the bridge needs: the one dispatch path and the event subscription. */
export type BridgeApp = Pick<App, 'dispatch' | 'subscribe' | 'openClient'>;

/** How to start the loopback bridge. */
export type BridgeOptions = {
  app: BridgeApp;
  staticDir: string;
  port?: number;
  host?: string;
  token?: string;
};

/** A running bridge: its base URL, the token pages must send, and a close function. */
export type Bridge = { url: string; token: string; close: () => Promise<void> };

/** Handles one request if it belongs to the API (/__api, /__events); returns false to let others serve it. */
export type ApiMiddleware = {
  handle: (req: IncomingMessage, res: ServerResponse) => boolean;
  closeStreams: () => void;
};

/** Header the shim sends the token in; SSE uses ?token= because EventSource cannot set headers. */
export const TOKEN_HEADER = 'x-paydesk-token';

const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

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

/** A fresh random token (32 bytes, hex). */
export function newBridgeToken(): string {
  return randomBytes(32).toString('hex');
}

/** True when a Host (or Origin host) header names the loopback interface, so DNS rebinding cannot reach us. */
export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : (hostHeader.split(':')[0] ?? '');
  return LOOPBACK_HOSTS.has(host.toLowerCase());
}

function originIsLoopback(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.host);
  } catch {
    return false;
  }
}

function tokenMatches(expected: Buffer, given: string | undefined): boolean {
  if (!given) return false;
  const g = Buffer.from(given, 'utf8');
  return g.length === expected.length && timingSafeEqual(g, expected);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
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

/** Builds the API part of the bridge (also mounted by the dev server): token-checked commands and events. */
export function createApiMiddleware(app: BridgeApp, token: string): ApiMiddleware {
  const expected = Buffer.from(token, 'utf8');
  const streams = new Set<ServerResponse>();
  const client = app.openClient('bridge');

  const handleCommand = async (req: IncomingMessage, res: ServerResponse, command: string): Promise<void> => {
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

  const handleEvents = (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    streams.add(res);
    const unsubscribe = app.subscribe((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const done = (): void => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', done);
    res.on('close', done);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname.startsWith('/__api/');
    const isEvents = url.pathname === '/__events';
    if (!isApi && !isEvents) return false;
    if (!isLoopbackHost(req.headers.host) || !originIsLoopback(req.headers.origin)) {
      sendJson(res, 403, { ok: false, error: { code: 'forbidden', message: 'loopback only' } });
      return true;
    }
    const headerToken = req.headers[TOKEN_HEADER];
    const given =
      typeof headerToken === 'string' ? headerToken : (url.searchParams.get('token') ?? undefined);
    if (!tokenMatches(expected, given)) {
      sendJson(res, 403, {
        ok: false,
        error: { code: 'forbidden', message: 'missing or wrong bridge token' },
      });
      return true;
    }
    if (isEvents) {
      if (req.method !== 'GET') sendText(res, 405, 'GET only');
      else handleEvents(req, res);
      return true;
    }
    if (req.method !== 'POST') {
      sendText(res, 405, 'POST only');
      return true;
    }
    let command: string;
    try {
      command = decodeURIComponent(url.pathname.slice('/__api/'.length));
    } catch {
      command = url.pathname.slice('/__api/'.length);
    }
    handleCommand(req, res, command).catch(() => {
      if (!res.headersSent)
        sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'bridge failure' } });
      else res.destroy();
    });
    return true;
  };

  return {
    handle,
    closeStreams: () => {
      for (const s of streams) s.end();
      streams.clear();
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
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Starts the loopback bridge: the built renderer, POST /__api/<command> and GET /__events (SSE). */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const token = opts.token ?? newBridgeToken();
  const host = opts.host ?? '127.0.0.1';
  const root = resolve(opts.staticDir);
  const api = createApiMiddleware(opts.app, token);
  const server = createServer((req, res) => {
    try {
      if (api.handle(req, res)) return;
      if (!isLoopbackHost(req.headers.host)) {
        sendText(res, 403, 'loopback only');
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
  return {
    url: `http://${urlHost}:${address.port}`,
    token,
    close: () =>
      new Promise<void>((resolveClose) => {
        api.closeStreams();
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}
