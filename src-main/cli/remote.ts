import { randomUUID } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { commandInputs } from '../../src-shared/api/inputs';
import type { CommandName } from '../../src-shared/api/contract';
import type { AppError, Result } from '../../src-shared/api/result';
import type { UploadDto } from '../../src-shared/dto/uploads';
import { AppFailure } from '../ledger/errors';
import { requestServer, teamServerOrigin, type ServerAnswer } from '../services/team-connection';
import { password, type CliCredentials } from './auth';
import type { CliIo } from './output';

/**
 * The CLI's side of `--server URL`: signs in to a team server the way it signs in locally (an API token as the
 * bearer, or login + password (+ second-factor code) for a session) and sends each command to POST
 * /v1/commands/<name>. Files named by path are streamed to the server as uploads first where the command takes
 * an upload; the answer is the same Result a local dispatch gives.
 */
export type RemoteLedger = {
  url: string;
  dispatch: (command: string, input: unknown) => Promise<Result<unknown>>;
  /** Ends the password session (a token needs no sign-out). */
  signOut: () => Promise<void>;
};

/** The server the options or PAYDESK_SERVER name, if any. */
export function serverUrlOf(opts: { server?: string | undefined }): string | undefined {
  const url = opts.server ?? process.env.PAYDESK_SERVER;
  return url === undefined || url === '' ? undefined : url;
}

type Answer = ServerAnswer;

const DUMMY_UPLOAD = `up_${'0'.repeat(32)}`;

/** True when the command's input has this key (a strict schema names unknown keys). */
function acceptsKey(command: string, key: string, value: unknown): boolean {
  const schema = (commandInputs as Partial<Record<string, (typeof commandInputs)[CommandName]>>)[command];
  if (!schema) return false;
  const parsed = schema.safeParse({ [key]: value });
  if (parsed.success) return true;
  return !parsed.error.issues.some(
    (i) => i.code === 'unrecognized_keys' && (i as { keys: string[] }).keys.includes(key),
  );
}

/**
 * Where a file named by path goes instead when the command takes an upload: `file` becomes `uploadId`, and
 * `<name>File` (e.g. ar:import's accountsFile) becomes `<name>Upload: {uploadId}`. Undefined when the command
 * has no upload for it (an output path, an XSD): the server then refuses the path, as it does for a browser.
 */
function uploadSlot(command: string, key: string): { key: string; wrap: boolean } | undefined {
  if (key === 'file')
    return acceptsKey(command, 'uploadId', DUMMY_UPLOAD) ? { key: 'uploadId', wrap: false } : undefined;
  if (!key.endsWith('File')) return undefined;
  const slot = `${key.slice(0, -'File'.length)}Upload`;
  return acceptsKey(command, slot, { uploadId: DUMMY_UPLOAD }) ? { key: slot, wrap: true } : undefined;
}

function internal(message: string): Result<never> {
  return { ok: false, error: { code: 'internal', message, correlationId: randomUUID() } };
}

export function openRemoteLedger(url: string, io: CliIo, cred: CliCredentials): RemoteLedger {
  // Checked before anything is sent: a token or password must never go to another machine in clear.
  const base = new URL(teamServerOrigin(url, 'server'));
  const send = (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string | Readable,
  ): Promise<Answer> =>
    requestServer(new URL(path, base), { method, headers, ...(body === undefined ? {} : { body }) });

  /** Sends and parses a Result; a server that cannot be reached or answers no Result is an internal error. */
  const call = async (
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string | Readable,
  ): Promise<Result<unknown>> => {
    let answer: Answer;
    try {
      answer = await send(method, path, headers, body);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const hint = /certificate|self.signed|UNABLE_TO_VERIFY/i.test(`${e.code} ${e.message}`)
        ? ' (a server with its own certificate: set PAYDESK_SERVER_CA to its PEM file)'
        : '';
      return internal(`cannot reach the Paydesk server at ${base.origin}: ${e.message}${hint}`);
    }
    try {
      const parsed = JSON.parse(answer.text) as Result<unknown>;
      if (typeof parsed === 'object' && parsed !== null && typeof parsed.ok === 'boolean') return parsed;
    } catch {
      // fall through: not a Result
    }
    return internal(`the server at ${base.origin} answered HTTP ${answer.status} without a Paydesk result`);
  };

  let bearer: string | undefined;
  let session = false;
  let signingIn: Promise<void> | undefined;

  const signIn = async (): Promise<void> => {
    const token = cred.token ?? (cred.tokenFromEnv === false ? undefined : process.env.PAYDESK_TOKEN);
    if (token) {
      bearer = token;
      return;
    }
    const login = cred.operator ?? process.env.PAYDESK_OPERATOR ?? cred.defaultLogin;
    const pw = await password(io, login, 'sign-in needed');
    let code = cred.otp ?? process.env.PAYDESK_OTP;
    const attempt = (): Promise<Result<unknown>> =>
      call(
        'POST',
        '/v1/sessions',
        { 'content-type': 'application/json' },
        JSON.stringify({ login, password: pw, ...(code ? { otp: code } : {}) }),
      );
    let result = await attempt();
    if (
      !result.ok &&
      result.error.code === 'unauthenticated' &&
      result.error.reason === 'second_factor' &&
      !code &&
      io.ask
    ) {
      code = (await io.ask('Code from your authenticator app: ')).trim();
      result = await attempt();
    }
    if (!result.ok) throw new AppFailure(result.error);
    bearer = (result.value as { session: string }).session;
    session = true;
  };

  const authHeaders = (): Record<string, string> => ({ authorization: `Bearer ${bearer}` });

  /** Streams a local file to the server as an upload of this caller; its id stands in for the path. */
  const upload = async (path: string): Promise<Result<UploadDto>> => {
    let size: number;
    try {
      size = statSync(path).size;
    } catch (err) {
      const message = `${path} cannot be read: ${(err as Error).message}`;
      const error: AppError = { code: 'validation', message, issues: [{ path: 'file', message }] };
      return { ok: false, error };
    }
    const query = `?name=${encodeURIComponent(basename(path))}`;
    return (await call(
      'POST',
      `/v1/uploads${query}`,
      { ...authHeaders(), 'content-type': 'application/octet-stream', 'content-length': String(size) },
      createReadStream(path),
    )) as Result<UploadDto>;
  };

  return {
    url: base.origin,
    dispatch: async (command, input) => {
      try {
        signingIn ??= signIn();
        await signingIn;
      } catch (err) {
        if (err instanceof AppFailure) return { ok: false, error: err.error };
        throw err;
      }
      let sent = input;
      if (input && typeof input === 'object' && !Array.isArray(input)) {
        const fields: Record<string, unknown> = { ...(input as Record<string, unknown>) };
        for (const [key, value] of Object.entries(fields)) {
          const slot = typeof value === 'string' ? uploadSlot(command, key) : undefined;
          if (!slot) continue;
          const up = await upload(value as string);
          if (!up.ok) return up;
          delete fields[key];
          fields[slot.key] = slot.wrap ? { uploadId: up.value.uploadId } : up.value.uploadId;
        }
        sent = fields;
      }
      return call(
        'POST',
        `/v1/commands/${encodeURIComponent(command).replace(/%3A/gi, ':')}`,
        { ...authHeaders(), 'content-type': 'application/json' },
        JSON.stringify(sent ?? {}),
      );
    },
    signOut: async () => {
      if (!session || !bearer) return;
      session = false;
      await call('DELETE', '/v1/sessions', authHeaders());
    },
  };
}

/** The error of a command that needs the ledger file itself, under --server. */
export function localOnly(command: string): AppFailure {
  const message = `\`paydesk ${command}\` works on a local ledger file and does not run with --server (run it on the server's machine)`;
  return new AppFailure({ code: 'validation', message, issues: [{ path: 'server', message }] });
}
