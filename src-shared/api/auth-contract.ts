import type { OperatorAdminDto } from '../dto/admin';
import type {
  ApiTokenDto,
  AuthStatusDto,
  NewApiTokenDto,
  RecoveryCodesDto,
  TotpEnrolmentDto,
} from '../dto/auth';
import type { CommandRoles } from './roles';

/** Sign-in, second factor, API tokens and credential administration (issue #12). */
export const AUTH_COMMANDS = [
  'auth:status',
  'auth:sign-in',
  'auth:sign-out',
  'auth:lock',
  'auth:unlock',
  'auth:first-admin',
  'auth:change-password',
  'auth:totp-begin',
  'auth:totp-enable',
  'auth:totp-disable',
  'tokens:create',
  'tokens:list',
  'tokens:revoke',
  'operators:set-password',
  'operators:unlock',
] as const;

/** An authentication command name. */
export type AuthCommandName = (typeof AUTH_COMMANDS)[number];

/** The output type of each authentication command. */
export type AuthCommandOutputs = {
  'auth:status': AuthStatusDto;
  'auth:sign-in': AuthStatusDto;
  'auth:sign-out': AuthStatusDto;
  'auth:lock': AuthStatusDto;
  'auth:unlock': AuthStatusDto;
  'auth:first-admin': AuthStatusDto;
  'auth:change-password': AuthStatusDto;
  'auth:totp-begin': TotpEnrolmentDto;
  'auth:totp-enable': RecoveryCodesDto;
  'auth:totp-disable': AuthStatusDto;
  'tokens:create': NewApiTokenDto;
  'tokens:list': ApiTokenDto[];
  'tokens:revoke': ApiTokenDto;
  'operators:set-password': OperatorAdminDto;
  'operators:unlock': OperatorAdminDto;
};

/**
 * Commands a caller may send before signing in (or while locked). Everything else needs a signed-in,
 * unlocked, active operator.
 */
export const PUBLIC_COMMANDS: ReadonlySet<string> = new Set([
  'auth:status',
  'auth:sign-in',
  'auth:sign-out',
  'auth:unlock',
  'auth:first-admin',
]);

/** Who may run each: one's own credentials need only a sign-in; other people's need an admin. */
export const AUTH_COMMAND_ROLES: Record<AuthCommandName, CommandRoles> = {
  'auth:status': 'any',
  'auth:sign-in': 'any',
  'auth:sign-out': 'any',
  'auth:lock': 'any',
  'auth:unlock': 'any',
  'auth:first-admin': 'any',
  'auth:change-password': 'any',
  'auth:totp-begin': 'any',
  'auth:totp-enable': 'any',
  'auth:totp-disable': 'any',
  /** Any operator may make a token for themselves; tokens for others need an admin (checked in the service). */
  'tokens:create': 'any',
  'tokens:list': 'any',
  'tokens:revoke': 'any',
  'operators:set-password': ['admin'],
  'operators:unlock': ['admin'],
};
