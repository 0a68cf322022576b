import type { Result } from '../../src-shared/api/result';
import type { AuthStatusDto } from '../../src-shared/dto/auth';
import type { App } from '../app-context';
import type { LedgerPlace } from '../services/context';
import { AppFailure, unauthenticated } from '../ledger/errors';
import type { Client } from '../services/identity/client';
import { appendAudit } from '../../db/repos/audit';
import { isFirstRunIn, operatorByLoginIn } from '../services/identity/operator-rows';
import { identityAudit } from '../services/identity/sign-in';
import { signInWithToken } from '../services/identity/tokens';
import type { CliIo } from './output';

/** Where the CLI takes credentials from: options first, then the environment, then the terminal. */
export type CliCredentials = {
  token?: string | undefined;
  operator?: string | undefined;
  otp?: string | undefined;
  /** The login when neither --operator nor PAYDESK_OPERATOR is given (the operating-system user). */
  defaultLogin: string;
  /**
   * False where PAYDESK_TOKEN belongs to another ledger (`batch push`: it is the local ledger's token, never sent
   * to the server).
   */
  tokenFromEnv?: boolean;
};

function fail(result: Result<unknown>): never {
  if (result.ok) throw new Error('unreachable');
  throw new AppFailure(result.error);
}

/** The password: PAYDESK_PASSWORD, or typed (hidden) on a terminal; never an option (it would show in ps). */
export async function password(io: CliIo, login: string, why: string): Promise<string> {
  const fromEnv = process.env.PAYDESK_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (io.askSecret) return io.askSecret(`Password for ${login}: `);
  throw unauthenticated(
    'sign_in',
    `${why}: give --token (or PAYDESK_TOKEN), or --operator ${login} with PAYDESK_PASSWORD or a terminal to type the password`,
  );
}

/**
 * Signs one CLI process in: an API token (--token or PAYDESK_TOKEN), or a login (--operator, PAYDESK_OPERATOR
 * or the OS user) with a password and, when enrolled, a second-factor code (--otp, PAYDESK_OTP or typed).
 * A login alone grants nothing.
 */
export async function signInCli(
  app: App<LedgerPlace>,
  client: Client,
  io: CliIo,
  cred: CliCredentials,
): Promise<void> {
  const token = cred.token ?? process.env.PAYDESK_TOKEN;
  if (token) {
    client.principal = await signInWithToken(app.ctx.storage, token, app.ctx.clock(), 'cli');
    return;
  }
  const login = cred.operator ?? process.env.PAYDESK_OPERATOR ?? cred.defaultLogin;
  if (await app.ctx.storage.transaction(isFirstRunIn, { readOnly: true }))
    throw unauthenticated(
      'sign_in',
      'this ledger has no operator who can sign in yet: run `paydesk init` first',
    );
  let pw: string;
  try {
    pw = await password(io, login, 'sign-in needed');
  } catch (err) {
    // A login with no password or token (e.g. --operator sue alone) is an impersonation attempt: audited.
    const env = { now: app.ctx.clock(), door: 'cli' as const };
    await app.ctx.storage.transaction(async (tx) =>
      appendAudit(
        tx,
        identityAudit(env, (await operatorByLoginIn(tx, login))?.id ?? null, 'auth.sign-in-failed', login, {
          why: 'no password or token given',
        }),
      ),
    );
    throw err;
  }
  let code = cred.otp ?? process.env.PAYDESK_OTP;
  let result = (await app.dispatch(
    'auth:sign-in',
    { login, password: pw, ...(code ? { code } : {}) },
    client,
  )) as Result<AuthStatusDto>;
  if (
    !result.ok &&
    result.error.code === 'unauthenticated' &&
    result.error.reason === 'second_factor' &&
    !code &&
    io.ask
  ) {
    code = (await io.ask('Code from your authenticator app: ')).trim();
    result = (await app.dispatch(
      'auth:sign-in',
      { login, password: pw, code },
      client,
    )) as Result<AuthStatusDto>;
  }
  if (!result.ok) fail(result);
}

/** `init` on a new ledger: creates the first admin with a password from the same places as sign-in. */
export async function createFirstAdminCli(
  app: App<LedgerPlace>,
  client: Client,
  io: CliIo,
  cred: CliCredentials,
): Promise<void> {
  const login = cred.operator ?? process.env.PAYDESK_OPERATOR ?? cred.defaultLogin;
  const pw = await password(io, login, `init needs the first admin's password`);
  const result = await app.dispatch('auth:first-admin', { login, password: pw }, client);
  if (!result.ok) fail(result);
}
