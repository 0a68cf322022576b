import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { AppError, Result } from '../../src-shared/api/result';
import type { App } from '../app-context';
import type { Client } from '../services/identity/client';
import { UploadTooLarge } from '../services/uploads';

/**
 * The request handling the loopback bridge and the team server share: answers, body limits, secrets, the
 * event stream, streamed uploads and static files.
 */

/** The largest command body (JSON) either front door reads. */
export const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

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

/** Headers on everything served: no framing by other pages, no loading by other origins. */
export const ISOLATION_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'cross-origin-resource-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
} as const;

/** 32 random bytes, base64url (43 characters). */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets are looked up by their hash, so the lookup's timing says nothing about the secret itself. */
export function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...ISOLATION_HEADERS,
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function refuse(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { ok: false, error: { code: 'forbidden', message } });
}

export function validationFailure(message: string): Result<never> {
  const error: AppError = { code: 'validation', message, issues: [{ path: '(root)', message }] };
  return { ok: false, error };
}

/** The media type of a request without parameters, lower case ('' when none). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Reads a request body up to a limit; resolves undefined when the limit is exceeded. */
export function readBody(req: IncomingMessage): Promise<string | undefined> {
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

/**
 * Reads a JSON command body (empty means {}): the input, or the failure to answer with its HTTP status (413
 * past the limit, 200 with a validation Result for text that is not JSON, as the bridge always answered).
 */
export async function readJsonInput(
  req: IncomingMessage,
): Promise<{ input: unknown } | { status: number; failure: Result<never> }> {
  const text = await readBody(req);
  if (text === undefined)
    return { status: 413, failure: validationFailure(`request body is larger than ${MAX_BODY_BYTES} bytes`) };
  if (text.trim() === '') return { input: {} };
  try {
    return { input: JSON.parse(text) as unknown };
  } catch {
    return { status: 200, failure: validationFailure('request body is not valid JSON') };
  }
}

/**
 * Streams a raw body into an upload of a client: never buffered whole, refused past the store's cap while it
 * arrives (or at once when Content-Length says so). Only a signed-in, unlocked client uploads.
 */
export function receiveUpload(
  uploads: App['uploads'],
  req: IncomingMessage,
  res: ServerResponse,
  fileName: string,
  client: Client,
): void {
  const tooLarge = (): void => {
    // Say so, then drop the connection: reading the rest of an oversized body would only waste time.
    res.setHeader('connection', 'close');
    sendJson(res, 413, validationFailure(`the file is larger than ${uploads.maxBytes} bytes`));
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
  if (Number.isFinite(declared) && declared > uploads.maxBytes) {
    tooLarge();
    return;
  }
  uploads.receive(client.id, req, fileName).then(
    (upload) => sendJson(res, 200, { ok: true, value: upload }),
    (err: unknown) => {
      if (res.headersSent) return;
      if (err instanceof UploadTooLarge) tooLarge();
      else res.destroy();
    },
  );
}

/**
 * Serves the app's events to one client as Server-Sent Events until either side closes; `streams` holds the
 * open response so a close of the session (or the server) ends it.
 */
export function streamEvents(
  app: Pick<App, 'subscribe'>,
  req: IncomingMessage,
  res: ServerResponse,
  client: Client,
  streams: Set<ServerResponse>,
): void {
  res.writeHead(200, {
    ...ISOLATION_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  streams.add(res);
  const unsubscribe = app.subscribe((event, payload) => {
    // An event that names a session is that session's own (its sign-in, its job's progress): another operator's
    // would reset this page's cache or show a job it cannot follow. A signed-out or locked page hears only that
    // the sign-in state changed, not what the ledger did.
    const of = (payload as { clientId?: unknown } | null)?.clientId;
    if (typeof of === 'string' && of !== client.id) return;
    if (event !== 'auth:changed' && (!client.principal || client.locked)) return;
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
}

/** Options of serveStatic: a replacement for index.html's text and files served from memory. */
export type StaticExtras = {
  /** Rewrites index.html before it is served (e.g. to load the shim). */
  indexHtml?: (html: string) => string;
  /** Files by URL path (e.g. /paydesk-shim.js) served from memory. */
  memoryFiles?: Readonly<Record<string, string>>;
};

/** Serves a file of root (index.html for "/"); never outside root. */
export function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  extras: StaticExtras = {},
): void {
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
  const inMemory = extras.memoryFiles?.[`/${relative}`];
  const rewrite = relative === 'index.html' ? extras.indexHtml : undefined;
  if (inMemory !== undefined || rewrite) {
    let body: Buffer;
    try {
      body = Buffer.from(inMemory ?? rewrite!(readFileSync(file, 'utf8')), 'utf8');
    } catch {
      sendText(res, 404, 'not found');
      return;
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(relative).toLowerCase()] ?? 'application/octet-stream',
      'content-length': body.length,
      ...ISOLATION_HEADERS,
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
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
