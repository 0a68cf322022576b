import type { ApprovalDto, PolicyDto } from '../../dto/approvals';
import { z } from 'zod';
import { APPROVAL_STATUSES, POLICY_OPERATION_KEYS, REQUIREMENTS } from '../../dto/approvals';
import { ROLES } from '../operator-roles';
import { defineCommand } from '../define';
import { id } from './fields';

/** A 6-digit TOTP code, or a recovery code (xxxx-xxxx-xxxx). */
const code = z
  .string()
  .trim()
  .regex(/^(\d{6}|[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})$/i, 'a 6-digit code or a recovery code');

/**
 * The policy table and the approvals it creates (issue #12: step-up and four eyes).
 *
 * Any operator may list and decide approvals: the service checks the approver's role (four eyes) or
 * identity (second factor, withdrawing). Only admins edit the policy table.
 *
 * Inputs of the policy and approval commands.
 */
export const approvalCommands = {
  'policies:list': defineCommand({
    roles: 'any',
    input: z.strictObject({}),
  }).output<PolicyDto[]>(),
  'policies:save': defineCommand({
    roles: ['admin'],
    writes: true,
    input: z
      .strictObject({
        operation: z.enum(POLICY_OPERATION_KEYS),
        currency: z
          .string()
          .trim()
          .regex(/^([A-Z]{3}|\*)$/, 'an ISO 4217 code or *')
          .default('*'),
        above: z
          .string()
          .trim()
          .regex(/^\d{1,15}(\.\d{1,6})?$/, 'a decimal amount such as 1000.00')
          .default('0'),
        requirement: z.enum(REQUIREMENTS),
        role: z.enum(ROLES).optional(),
      })
      .refine((p) => p.requirement !== 'four_eyes' || p.role !== undefined, {
        message: 'four eyes needs the approver role',
        path: ['role'],
      }),
  }).output<PolicyDto>(),
  'approvals:list': defineCommand({
    roles: 'any',
    input: z.strictObject({
      status: z.enum(APPROVAL_STATUSES).optional(),
      mine: z.boolean().default(false),
      limit: z.int().min(1).max(1000).default(200),
    }),
  }).output<{ rows: ApprovalDto[] }>(),
  'approvals:show': defineCommand({
    roles: 'any',
    input: z.strictObject({ approvalId: id }),
  }).output<ApprovalDto>(),
  'approvals:confirm': defineCommand({
    roles: 'any',
    changes: 'approval',
    input: z.strictObject({ approvalId: id, code: code.optional() }),
  }).output<ApprovalDto>(),
  'approvals:reject': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({ approvalId: id, reason: z.string().trim().min(1).max(500) }),
  }).output<ApprovalDto>(),
};
