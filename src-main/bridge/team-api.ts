import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppError, Result } from '../../src-shared/api/result';
import type { AuthStatusDto } from '../../src-shared/dto/auth';
import type { App } from '../app-context';
import type { LedgerPlace } from '../services/context';
import {
  digest,
  mediaType,
  newSecret,
  readJsonInput,
  receiveUpload,
  sendJson,
  streamEvents,
  validationFailure,
} from './http';
import { AppFailure } from '../ledger/errors';
import type { Client } from '../services/identity/client';
import { restoreKept, sessionKeeper, type KeepOptions, type KeptSession } from './session-store';
import { signInWithToken } from '../services/identity/tokens';

/**
 * The team server's API for programs (the CLI with --server, scripts): sessions by password, commands by
 * bearer (a session or an API token), events and uploads. Every answer is a Result; the HTTP status says the
 * same as its error code, so plain HTTP tooling sees a failure.
 */

/** The HTTP status of an answer, from the Result's error code. */
export function httpStatusOf(result: Result<unknown>): number {
  if (result.ok) return 200;
  const statuses: Record<AppError['code'], number> = {
    validation: 400,
    unauthenticated: 401,
    forbidden: 403,
    approval_required: 403,
    not_found: 404,
    conflict: 409,
    cancelled: 409,
    processor_declined: 402,
    processor_unavailable: 503,
    internal: 500,
  };
  return statuses[result.error.code] ?? 500;
}

/** The session's absolute lifetime and idle limit, and where signed-in sessions are kept across restarts. */
export type ApiSessionOptions = {
  sessionTtlMs?: number;
  sessionIdleMs?: number;
  nowMs?: () => number;
  keep?: KeepOptions;
};

/** What the API tells the server about each request (for logs and metrics). */
export type ApiObserver = {
  command: (
    req: IncomingMessage,
    command: string,
    client: Client,
    result: Result<unknown>,
    ms: number,
  ) => void;
};

export type ApiHandler = {
  /** Handles /v1/...; returns false for other paths. */
  handle: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;
  counts: () => { api: number; token: number; streams: number };
  closeStreams: () => void;
};

type Holder = KeptSession & { expiresAtMs: number; streams: Set<ServerResponse> };

const DEFAULT_TTL_MS = 12 * 60 * 60_000;
export const DEFAULT_IDLE_MS = 60 * 60_000;
/** Bounds on what callers could make the server remember. */
const MAX_API_SESSIONS = 1000;
const MAX_TOKEN_CLIENTS = 1000;
const TOKEN_PREFIX = 'pdk_';

const unauthenticated = (message: string): Result<never> => ({
  ok: false,
  error: { code: 'unauthenticated', reason: 'sign_in', message },
});

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function answer(res: ServerResponse, result: Result<unknown>): void {
  sendJson(res, httpStatusOf(result), result);
}

export function createApiHandler(
  app: App<LedgerPlace>,
  observer: ApiObserver,
  opts: ApiSessionOptions = {},
): ApiHandler {
  const nowMs = opts.nowMs ?? (() => Date.now());
  const ttlMs = opts.sessionTtlMs ?? DEFAULT_TTL_MS;
  const idleMs = opts.sessionIdleMs ?? DEFAULT_IDLE_MS;
  const sessions = new Map<string, Holder>();
  // A token's client is kept (by the token's hash) so its uploads and event stream outlive one request; the
  // gate rechecks the token (revoked, expired, operator locked) on every command.
  const tokenClients = new Map<string, Holder>();
  const keeper = sessionKeeper(opts.keep?.store, 'api');
  for (const [key, kept] of restoreKept(opts.keep, (d) => app.openClient(d), 'server')) {
    // An API session always has its absolute end.
    if (kept.expiresAtMs === null) opts.keep?.store.remove(key);
    else sessions.set(key, { ...kept, expiresAtMs: kept.expiresAtMs });
  }

  const forget = (map: Map<string, Holder>, key: string): void => {
    const holder = map.get(key);
    if (!holder) return;
    map.delete(key);
    if (map === sessions) keeper.forget(key, holder);
    holder.client.principal = null;
    holder.client.locked = false;
    for (const s of holder.streams) s.end();
    app.uploads.discardClient(holder.client.id);
  };

  const sweep = (): void => {
    const now = nowMs();
    for (const [key, h] of sessions)
      if (h.expiresAtMs <= now || now - h.lastSeenMs > idleMs) forget(sessions, key);
    for (const [key, h] of tokenClients) if (now - h.lastSeenMs > idleMs) forget(tokenClients, key);
  };

  const makeRoom = (map: Map<string, Holder>, max: number): void => {
    while (map.size >= max) {
      let oldest: [string, Holder] | undefined;
      for (const entry of map) if (!oldest || entry[1].lastSeenMs < oldest[1].lastSeenMs) oldest = entry;
      forget(map, oldest![0]);
    }
  };

  // A token's first requests at once share one sign-in (one client, one recorded use).
  const signingIn = new Map<string, Promise<Holder | { failure: Result<never> }>>();

  const tokenHolder = async (key: string, bearer: string): Promise<Holder | { failure: Result<never> }> => {
    const client = app.openClient('server');
    try {
      client.principal = await signInWithToken(app.ctx.storage, bearer, app.ctx.clock(), 'server');
    } catch (err) {
      if (err instanceof AppFailure) return { failure: { ok: false, error: err.error } };
      throw err;
    }
    makeRoom(tokenClients, MAX_TOKEN_CLIENTS);
    const holder: Holder = {
      client,
      lastSeenMs: nowMs(),
      createdAtMs: nowMs(),
      expiresAtMs: Number.POSITIVE_INFINITY,
      streams: new Set(),
    };
    tokenClients.set(key, holder);
    return holder;
  };

  /** The caller's client from its bearer: a session, or an API token signed in as the CLI signs one in. */
  const callerOf = async (
    req: IncomingMessage,
  ): Promise<{ holder: Holder; key?: string } | { failure: Result<never> }> => {
    sweep();
    const bearer = bearerOf(req);
    if (!bearer)
      return { failure: unauthenticated('send Authorization: Bearer <session> or Bearer pdk_<API token>') };
    const key = digest(bearer);
    if (!bearer.startsWith(TOKEN_PREFIX)) {
      const holder = sessions.get(key);
      if (!holder) return { failure: unauthenticated('the session is unknown or has ended: sign in again') };
      holder.lastSeenMs = nowMs();
      keeper.sync(key, holder);
      return { holder, key };
    }
    let holder = tokenClients.get(key);
    if (!holder) {
      let pending = signingIn.get(key);
      if (!pending) {
        pending = tokenHolder(key, bearer).finally(() => signingIn.delete(key));
        signingIn.set(key, pending);
      }
      const signedIn = await pending;
      if ('failure' in signedIn) return signedIn;
      holder = signedIn;
    }
    holder.lastSeenMs = nowMs();
    // The token is presented afresh with each request: a program is never idle-locked like a person.
    holder.client.lastSeenMs = Date.now();
    return { holder };
  };

  const signIn = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const read = await readJsonInput(req);
    if ('failure' in read) return sendJson(res, read.status === 200 ? 400 : read.status, read.failure);
    const body = read.input as { login?: unknown; password?: unknown; otp?: unknown } | null;
    if (
      !body ||
      typeof body !== 'object' ||
      typeof body.login !== 'string' ||
      typeof body.password !== 'string' ||
      (body.otp !== undefined && typeof body.otp !== 'string')
    )
      return answer(res, validationFailure('give {"login": "...", "password": "...", "otp"?: "123456"}'));
    const client = app.openClient('server');
    const started = performance.now();
    const result = (await app.dispatch(
      'auth:sign-in',
      { login: body.login, password: body.password, ...(body.otp ? { code: body.otp } : {}) },
      client,
    )) as Result<AuthStatusDto>;
    observer.command(req, 'auth:sign-in', client, result, performance.now() - started);
    if (!result.ok || !client.principal) {
      app.uploads.discardClient(client.id);
      return answer(res, result.ok ? unauthenticated('sign-in did not complete') : result);
    }
    sweep();
    makeRoom(sessions, MAX_API_SESSIONS);
    const session = newSecret();
    const expiresAtMs = nowMs() + ttlMs;
    const holder: Holder = {
      client,
      lastSeenMs: nowMs(),
      createdAtMs: nowMs(),
      expiresAtMs,
      streams: new Set(),
    };
    sessions.set(digest(session), holder);
    keeper.sync(digest(session), holder);
    const operator = client.principal.operator;
    answer(res, {
      ok: true,
      value: { session, operator, roles: operator.roles, expiresAt: new Date(expiresAtMs).toISOString() },
    });
  };

  const signOut = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.resume();
    const bearer = bearerOf(req);
    const key = bearer && !bearer.startsWith(TOKEN_PREFIX) ? digest(bearer) : undefined;
    const holder = key ? sessions.get(key) : undefined;
    if (!key || !holder) return answer(res, unauthenticated('no such session'));
    const result = await app.dispatch('auth:sign-out', {}, holder.client);
    forget(sessions, key);
    answer(res, result.ok ? { ok: true, value: { signedOut: true } } : result);
  };

  const command = async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    const caller = await callerOf(req);
    if ('failure' in caller) {
      req.resume();
      return answer(res, caller.failure);
    }
    const read = await readJsonInput(req);
    if ('failure' in read) return sendJson(res, read.status === 200 ? 400 : read.status, read.failure);
    const { client } = caller.holder;
    const started = performance.now();
    const result = await app.dispatch(name, read.input, client);
    // A lock or unlock changed what the store holds for a password session.
    if (caller.key !== undefined) keeper.sync(caller.key, caller.holder);
    observer.command(req, name, client, result, performance.now() - started);
    answer(res, result);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    const path = url.pathname;
    if (path !== '/v1' && !path.startsWith('/v1/')) return false;
    const fail = (): void => {
      if (!res.headersSent)
        sendJson(res, 500, {
          ok: false,
          error: { code: 'internal', message: 'server failure', correlationId: randomUUID() },
        });
      else res.destroy();
    };
    const needsJson = (): boolean => {
      if (mediaType(req) === 'application/json') return true;
      sendJson(res, 415, validationFailure('send an application/json body'));
      req.resume();
      return false;
    };
    if (path === '/v1/sessions') {
      if (req.method === 'POST') {
        if (needsJson()) signIn(req, res).catch(fail);
      } else if (req.method === 'DELETE') signOut(req, res).catch(fail);
      else sendJson(res, 405, validationFailure('POST to sign in, DELETE to sign out'));
      return true;
    }
    if (path.startsWith('/v1/commands/')) {
      if (req.method !== 'POST') sendJson(res, 405, validationFailure('POST only'));
      else if (needsJson()) {
        let name: string;
        try {
          name = decodeURIComponent(path.slice('/v1/commands/'.length));
        } catch {
          name = path.slice('/v1/commands/'.length);
        }
        command(req, res, name).catch(fail);
      }
      return true;
    }
    if (path === '/v1/events') {
      if (req.method !== 'GET') {
        sendJson(res, 405, validationFailure('GET only'));
        return true;
      }
      callerOf(req)
        .then((caller) => {
          if ('failure' in caller) answer(res, caller.failure);
          else streamEvents(app, req, res, caller.holder.client, caller.holder.streams);
        })
        .catch(fail);
      return true;
    }
    if (path === '/v1/uploads') {
      if (req.method !== 'POST') {
        sendJson(res, 405, validationFailure('POST only'));
        return true;
      }
      if (mediaType(req) !== 'application/octet-stream') {
        sendJson(res, 415, validationFailure('uploads take an application/octet-stream body'));
        req.resume();
        return true;
      }
      callerOf(req)
        .then((caller) => {
          if ('failure' in caller) {
            req.resume();
            answer(res, caller.failure);
          } else {
            const fileName = url.searchParams.get('name') ?? 'uploaded file';
            receiveUpload(app.uploads, req, res, fileName, caller.holder.client);
          }
        })
        .catch(fail);
      return true;
    }
    req.resume();
    answer(res, { ok: false, error: { code: 'not_found', message: `no API endpoint ${path}` } });
    return true;
  };

  const countStreams = (map: Map<string, Holder>): number => {
    let n = 0;
    for (const h of map.values()) n += h.streams.size;
    return n;
  };

  return {
    handle,
    counts: () => ({
      api: sessions.size,
      token: tokenClients.size,
      streams: countStreams(sessions) + countStreams(tokenClients),
    }),
    closeStreams: () => {
      for (const map of [sessions, tokenClients])
        for (const h of map.values()) {
          for (const s of h.streams) s.end();
          h.streams.clear();
        }
    },
  };
}
