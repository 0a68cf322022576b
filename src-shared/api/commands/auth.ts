import type { OperatorAdminDto } from '../../dto/admin';
import type {
  ApiTokenDto,
  AuthStatusDto,
  NewApiTokenDto,
  RecoveryCodesDto,
  TotpEnrolmentDto,
} from '../../dto/auth';
import { z } from 'zod';
import { ROLES } from '../operator-roles';
import { defineCommand } from '../define';
import { id } from './fields';

const login = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits, dot, underscore, @ and dash');

/** A password as typed: never trimmed (spaces count), at least 10 characters for a new one. */
const password = z.string().min(1).max(256);

/** The rules for a new password; checked again in the service for changes made elsewhere. */
export const newPassword = z.string().min(10, 'at least 10 characters').max(256, 'at most 256 characters');

/** A 6-digit TOTP code, or a recovery code (xxxx-xxxx-xxxx). */
const code = z
  .string()
  .trim()
  .regex(/^(\d{6}|[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})$/i, 'a 6-digit code or a recovery code');

/**
 * Sign-in, second factor, API tokens and credential administration (issue #12).
 *
 * Who may run each: one's own credentials need only a sign-in; other people's need an admin.
 *
 * Inputs of the authentication commands.
 */
export const authCommands = {
  'auth:status': defineCommand({
    roles: 'any',
    public: true,
    input: z.strictObject({}),
  }).output<AuthStatusDto>(),
  'auth:sign-in': defineCommand({
    roles: 'any',
    writes: true,
    public: true,
    input: z.strictObject({ login, password, code: code.optional() }),
  }).output<AuthStatusDto>(),
  'auth:sign-out': defineCommand({
    roles: 'any',
    writes: true,
    public: true,
    input: z.strictObject({}),
  }).output<AuthStatusDto>(),
  'auth:lock': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({}),
  }).output<AuthStatusDto>(),
  'auth:unlock': defineCommand({
    roles: 'any',
    writes: true,
    public: true,
    input: z.strictObject({ password, code: code.optional() }),
  }).output<AuthStatusDto>(),
  'auth:first-admin': defineCommand({
    roles: 'any',
    writes: true,
    public: true,
    input: z.strictObject({
      login,
      name: z.string().trim().min(1).max(120).optional(),
      password: newPassword,
    }),
  }).output<AuthStatusDto>(),
  'auth:change-password': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({ currentPassword: password, newPassword }),
  }).output<AuthStatusDto>(),
  'auth:totp-begin': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({}),
  }).output<TotpEnrolmentDto>(),
  'auth:totp-enable': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({
      code: z
        .string()
        .trim()
        .regex(/^\d{6}$/, 'the 6-digit code'),
    }),
  }).output<RecoveryCodesDto>(),
  'auth:totp-disable': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({ password }),
  }).output<AuthStatusDto>(),
  'tokens:create': defineCommand({
    /** Any operator may make a token for themselves; tokens for others need an admin (checked in the service). */
    roles: 'any',
    writes: true,
    input: z.strictObject({
      name: z.string().trim().min(1).max(80),
      /** Whose token (default: the caller's own); another operator's needs an admin. */
      login: login.optional(),
      /** The roles the token may use; default: all of the operator's roles. Never more than they hold. */
      roles: z.array(z.enum(ROLES)).min(1).max(4).optional(),
      expiresInDays: z.int().min(1).max(366).default(90),
    }),
  }).output<NewApiTokenDto>(),
  'tokens:list': defineCommand({
    roles: 'any',
    input: z.strictObject({ login: login.optional(), includeInactive: z.boolean().default(false) }),
  }).output<ApiTokenDto[]>(),
  'tokens:revoke': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({ id }),
  }).output<ApiTokenDto>(),
  'operators:set-password': defineCommand({
    roles: ['admin'],
    writes: true,
    input: z.strictObject({ login, password: newPassword }),
  }).output<OperatorAdminDto>(),
  'operators:unlock': defineCommand({
    roles: ['admin'],
    writes: true,
    input: z.strictObject({ login }),
  }).output<OperatorAdminDto>(),
};
