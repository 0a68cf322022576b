import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { TeamServerDto } from '../../src-shared/dto/app';
import { AppFailure, invalidFields } from '../ledger/errors';

/** A bad team-server address: the message and the field's issue say the same. */
function urlProblem(message: string, field = 'url'): AppFailure {
  return invalidFields(message, [{ path: field, message }]);
}
import type { ServiceContext } from './context';

/**
 * The desktop app's side of team mode (issue #17): which team server its window opens, kept in the app's own
 * settings on this computer. Only Electron's main process provides it; the CLI takes --server URL instead.
 */
export type DesktopPort = {
  /** The team server the window opens at start, or null for the ledger file on this computer. */
  teamServer(): string | null;
  /** Saves the choice (null: this computer) and restarts the window onto it once this answer is sent. */
  connect(url: string | null): void;
};

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A team server's address as the desktop and the CLI's --server take it: https://host[:port] (http only on this
 * machine: passwords and tokens never cross a network in clear), no user, path, query or fragment. Throws a
 * validation error naming `field` otherwise.
 */
export function teamServerOrigin(raw: string, field = 'url'): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw urlProblem(`"${raw}" is not a URL (e.g. https://paydesk.example.com)`, field);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && LOOPBACK.has(u.hostname)))
    throw urlProblem('a team server is reached over https:// (http:// only on this computer)', field);
  if (u.username || u.password)
    throw urlProblem('no user name or password in the address: sign in on the server', field);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash)
    throw urlProblem('give the server only (https://host[:port]), no path', field);
  return u.origin;
}

/** What a team server answered: its status and body text. */
export type ServerAnswer = { status: number; text: string };

/**
 * One HTTP(S) request to a team server (the CLI's --server and the desktop's check share it). PAYDESK_SERVER_CA,
 * when set, is trusted in addition to the usual roots, for this connection only; verification is never off.
 */
export function requestServer(
  target: URL,
  opts: {
    method: string;
    headers?: Record<string, string>;
    body?: string | Readable;
    timeoutMs?: number;
    /** An answer longer than this is cut off with an error. */
    maxBytes?: number;
  },
): Promise<ServerAnswer> {
  const caFile = process.env.PAYDESK_SERVER_CA;
  const ca = caFile ? [...rootCertificates, readFileSync(caFile, 'utf8')] : undefined;
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        bytes += c.length;
        if (opts.maxBytes !== undefined && bytes > opts.maxBytes)
          res.destroy(new Error('the answer is too long'));
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    };
    const options = {
      method: opts.method,
      headers: opts.headers ?? {},
      ...(opts.timeoutMs === undefined ? {} : { timeout: opts.timeoutMs }),
      ...(ca ? { ca } : {}),
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, options, onResponse)
        : httpRequest(target, options, onResponse);
    if (opts.timeoutMs !== undefined) {
      const seconds = opts.timeoutMs / 1000;
      req.on('timeout', () => req.destroy(new Error(`no answer within ${seconds} s`)));
    }
    req.on('error', reject);
    const body = opts.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string') req.end(body);
    else body.on('error', (e) => req.destroy(e)).pipe(req);
  });
}

/** What /healthz answered: a Paydesk server's version. */
async function probe(origin: string, timeoutMs: number): Promise<{ version: string }> {
  const answer = await requestServer(new URL('/healthz', origin), {
    method: 'GET',
    timeoutMs,
    maxBytes: 64 * 1024,
  }).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const hint = /certificate|self.signed|UNABLE_TO_VERIFY/i.test(message)
      ? ' (a server with its own certificate: install its CA on this computer)'
      : '';
    throw urlProblem(`cannot reach ${origin}: ${message}${hint}`);
  });
  let health: unknown;
  try {
    health = JSON.parse(answer.text);
  } catch {
    health = undefined;
  }
  const h = health as { status?: unknown; version?: unknown } | undefined;
  if (answer.status !== 200 || h?.status !== 'ok' || typeof h.version !== 'string')
    throw urlProblem(`${origin} is not a Paydesk team server (its /healthz answered ${answer.status})`);
  return { version: h.version };
}

function desktopOf(ctx: ServiceContext): DesktopPort {
  if (!ctx.desktop)
    throw new AppFailure({
      code: 'conflict',
      rule: 'desktop-only',
      message: 'only the desktop app connects to a team server; the command line takes --server URL',
    });
  return ctx.desktop;
}

/** Where this desktop works now. */
export function teamServerStatus(ctx: ServiceContext): TeamServerDto {
  return ctx.desktop ? { available: true, url: ctx.desktop.teamServer() } : { available: false, url: null };
}

/**
 * Points the desktop at a team server after its /healthz answered as Paydesk, or (null) back at this computer's
 * ledger; the window restarts onto it. Nothing is saved when the server cannot be reached.
 */
export async function connectTeamServer(
  ctx: ServiceContext,
  input: { url: string | null },
  opts: { timeoutMs?: number } = {},
): Promise<TeamServerDto> {
  const desktop = desktopOf(ctx);
  if (input.url === null) {
    desktop.connect(null);
    return { available: true, url: null, restarting: true };
  }
  const origin = teamServerOrigin(input.url);
  const { version } = await probe(origin, opts.timeoutMs ?? 5000);
  desktop.connect(origin);
  return { available: true, url: origin, version, restarting: true };
}
