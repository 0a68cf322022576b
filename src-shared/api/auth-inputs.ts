import { z } from 'zod';
import { ROLES } from './roles';

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
const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Inputs of the authentication commands. */
export const authInputs = {
  'auth:status': z.strictObject({}),
  'auth:sign-in': z.strictObject({ login, password, code: code.optional() }),
  'auth:sign-out': z.strictObject({}),
  'auth:lock': z.strictObject({}),
  'auth:unlock': z.strictObject({ password, code: code.optional() }),
  'auth:first-admin': z.strictObject({
    login,
    name: z.string().trim().min(1).max(120).optional(),
    password: newPassword,
  }),
  'auth:change-password': z.strictObject({ currentPassword: password, newPassword }),
  'auth:totp-begin': z.strictObject({}),
  'auth:totp-enable': z.strictObject({
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, 'the 6-digit code'),
  }),
  'auth:totp-disable': z.strictObject({ password }),
  'tokens:create': z.strictObject({
    name: z.string().trim().min(1).max(80),
    /** Whose token (default: the caller's own); another operator's needs an admin. */
    login: login.optional(),
    /** The roles the token may use; default: all of the operator's roles. Never more than they hold. */
    roles: z.array(z.enum(ROLES)).min(1).max(4).optional(),
    expiresInDays: z.int().min(1).max(366).default(90),
  }),
  'tokens:list': z.strictObject({ login: login.optional(), includeInactive: z.boolean().default(false) }),
  'tokens:revoke': z.strictObject({ id }),
  'operators:set-password': z.strictObject({ login, password: newPassword }),
  'operators:unlock': z.strictObject({ login }),
} as const;
