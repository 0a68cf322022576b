import { appendAudit } from '../../db/repos/audit';
import {
  recoveryCodeInsertQuery,
  recoveryCodesDeleteQuery,
  totpDisableQuery,
  totpEnableQuery,
  totpSecretBeginQuery,
  unlockQuery,
} from '../../db/repos/credentials';
import type { authCommands } from '../../src-shared/api/commands/auth';
import type { AuthStatusDto } from '../../src-shared/dto/auth';
import { conflict, notFound, unauthenticated } from '../ledger/errors';
import { getSettingIn } from '../ledger/settings';
import { decryptSecret, encryptSecret, secretKey } from '../processors/secrets';
import { operatorRow } from '../services/admin/operators-admin';
import type { ServiceContext } from '../services/context';
import { currentClient, type Client, type Principal } from '../services/identity/client';
import { lockClient, touchClient } from '../services/identity/gate';
import {
  isFirstRunIn,
  operatorByIdIn,
  operatorByLoginIn,
  type CredentialRow,
} from '../services/identity/operator-rows';
import { verifyPassword } from '../services/identity/passwords';
import {
  createFirstAdmin,
  identityAudit,
  refuseUnusable,
  setPassword,
  signInWithPassword,
  type SignInEnv,
} from '../services/identity/sign-in';
import { createToken, listTokens, revokeToken } from '../services/identity/tokens';
import {
  enrolment,
  newRecoveryCodes,
  newTotpSecret,
  secretDigest,
  totpValid,
} from '../services/identity/totp';
import type { Handlers } from './dispatch';

/** Handlers of sign-in, second factor, tokens and credential administration; they act on the calling client. */
export function createAuthHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof authCommands> {
  const storage = ctx.storage;
  const client = (): Client => {
    const c = currentClient();
    if (!c) throw unauthenticated('sign_in', 'no caller');
    return c;
  };
  const env = (): SignInEnv => ({
    storage,
    now: ctx.clock(),
    door: client().door,
    secretKey: () => secretKey(ctx.ledger.file),
  });
  const status = async (): Promise<AuthStatusDto> => {
    const c = client();
    const read = await storage.transaction(
      async (tx) => ({
        firstRun: await isFirstRunIn(tx),
        row: c.principal ? await operatorByIdIn(tx, c.principal.operator.id) : undefined,
        idleLockMinutes: Number(await getSettingIn(tx, 'auth.idleLockMinutes')),
      }),
      { readOnly: true },
    );
    return {
      firstRun: read.firstRun,
      operator: c.principal && !c.locked ? c.principal.operator : null,
      locked: c.locked,
      lockedAs: c.principal && c.locked ? c.principal.operator : null,
      via: c.principal?.via ?? null,
      totpEnabled: read.row?.totp_enabled === 1,
      idleLockMinutes: read.idleLockMinutes,
    };
  };
  /** The signed-in operator's own row, checked again (active, not locked out). */
  const self = async (): Promise<CredentialRow> => {
    const row = await storage.transaction((tx) => operatorByIdIn(tx, ctx.operator.id), { readOnly: true });
    if (!row) throw notFound('operator', ctx.operator.login);
    await refuseUnusable(storage, env(), row);
    return row;
  };
  /** The operator with this login, or not_found. */
  const target = async (login: string): Promise<CredentialRow> => {
    const row = await storage.transaction((tx) => operatorByLoginIn(tx, login), { readOnly: true });
    if (!row) throw notFound('operator', login);
    return row;
  };
  /** The calling client is now this operator's, unlocked and active as of now. */
  const enter = (principal: Principal): Promise<AuthStatusDto> => {
    const c = client();
    c.principal = principal;
    c.locked = false;
    c.lastSeenMs = Date.now();
    ctx.emit('auth:changed', { locked: false, clientId: c.id });
    return status();
  };
  return {
    'auth:status': async () => {
      await touchClient(storage, client(), ctx.clock());
      return status();
    },
    'auth:sign-in': async (input) => enter(await signInWithPassword(env(), input)),
    'auth:sign-out': async () => {
      const c = client();
      const p = c.principal;
      if (p)
        await storage.transaction((tx) =>
          appendAudit(tx, identityAudit(env(), p.operator.id, 'auth.sign-out', p.operator.login)),
        );
      c.principal = null;
      c.locked = false;
      return status();
    },
    'auth:lock': async () => {
      await lockClient(storage, client(), ctx.clock(), 'by hand');
      return status();
    },
    'auth:unlock': async (input) => {
      const c = client();
      if (!c.principal) throw unauthenticated('sign_in', 'nobody is signed in: sign in instead');
      const login = c.principal.operator.login;
      return enter(await signInWithPassword(env(), { login, password: input.password, code: input.code }));
    },
    'auth:first-admin': async (input) => enter(await createFirstAdmin(env(), input)),
    'auth:change-password': async (input) => {
      const row = await self();
      if (!row.password_hash || !(await verifyPassword(row.password_hash, input.currentPassword)))
        throw unauthenticated('sign_in', 'the current password is wrong');
      await setPassword(env(), row, input.newPassword, row.id, 'newPassword');
      return status();
    },
    'auth:totp-begin': async () => {
      const row = await self();
      const enabled = () => conflict('totp-enabled', 'a second factor is already enabled: disable it first');
      if (row.totp_enabled) throw enabled();
      const secret = newTotpSecret();
      const sealed = encryptSecret(secretKey(ctx.ledger.file), secret);
      // Conditional: a second factor enabled meanwhile keeps its secret.
      const begun = await storage.transaction((tx) => tx.run(totpSecretBeginQuery(row.id, sealed)));
      if (begun.changes !== 1) throw enabled();
      return enrolment(secret, row.login);
    },
    'auth:totp-enable': async (input) => {
      const row = await self();
      if (row.totp_enabled) throw conflict('totp-enabled', 'a second factor is already enabled');
      const sealed = row.totp_secret;
      if (!sealed) throw conflict('totp-not-begun', 'start the enrolment first (auth:totp-begin)');
      const secret = decryptSecret(secretKey(ctx.ledger.file), sealed);
      if (!totpValid(secret, row.login, input.code, ctx.clock()))
        throw unauthenticated(
          'second_factor',
          'the code does not match: check the time on the phone and try again',
        );
      const codes = newRecoveryCodes();
      const at = ctx.clock().toISOString();
      await storage.transaction(async (tx) => {
        // Enabled with the secret whose code was checked: not twice, and not with one a new enrolment replaced.
        if ((await tx.run(totpEnableQuery(row.id, sealed))).changes !== 1)
          throw conflict('totp-enabled', 'a second factor is already enabled');
        await tx.run(recoveryCodesDeleteQuery(row.id));
        for (const code of codes) await tx.run(recoveryCodeInsertQuery(row.id, secretDigest(code), at));
        await appendAudit(tx, {
          at,
          operatorId: row.id,
          action: 'auth.totp-enrol',
          entity: 'operator',
          entityId: row.login,
          after: { recoveryCodes: codes.length },
        });
      });
      return { recoveryCodes: codes };
    },
    'auth:totp-disable': async (input) => {
      const row = await self();
      if (!row.password_hash || !(await verifyPassword(row.password_hash, input.password)))
        throw unauthenticated('sign_in', 'the password is wrong');
      await storage.transaction(async (tx) => {
        await tx.run(totpDisableQuery(row.id));
        await tx.run(recoveryCodesDeleteQuery(row.id));
        await appendAudit(tx, {
          at: ctx.clock().toISOString(),
          operatorId: row.id,
          action: 'auth.totp-disable',
          entity: 'operator',
          entityId: row.login,
        });
      });
      return status();
    },
    'tokens:create': (input) => createToken(storage, ctx.operator, input, ctx.clock()),
    'tokens:list': (input) => listTokens(storage, ctx.operator, input, ctx.clock()),
    'tokens:revoke': (input) => revokeToken(storage, ctx.operator, input.id, ctx.clock()),
    'operators:set-password': async (input) => {
      await setPassword(env(), await target(input.login), input.password, ctx.operator.id);
      return operatorRow(storage, input.login);
    },
    'operators:unlock': async (input) => {
      const row = await target(input.login);
      await storage.transaction(async (tx) => {
        await tx.run(unlockQuery(row.id));
        await appendAudit(tx, {
          at: ctx.clock().toISOString(),
          operatorId: ctx.operator.id,
          action: 'auth.unlock-operator',
          entity: 'operator',
          entityId: row.login,
        });
      });
      return operatorRow(storage, input.login);
    },
  };
}
