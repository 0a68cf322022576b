import type { ApprovalDto, PolicyDto } from '../dto/approvals';
import type { CommandRoles } from './roles';

/** The policy table and the approvals it creates (issue #12: step-up and four eyes). */
export const APPROVAL_COMMANDS = [
  'policies:list',
  'policies:save',
  'approvals:list',
  'approvals:show',
  'approvals:confirm',
  'approvals:reject',
] as const;

/** An approval command name. */
export type ApprovalCommandName = (typeof APPROVAL_COMMANDS)[number];

/** The output type of each approval command. */
export type ApprovalCommandOutputs = {
  'policies:list': PolicyDto[];
  'policies:save': PolicyDto;
  'approvals:list': { rows: ApprovalDto[] };
  'approvals:show': ApprovalDto;
  'approvals:confirm': ApprovalDto;
  'approvals:reject': ApprovalDto;
};

/**
 * Any operator may list and decide approvals: the service checks the approver's role (four eyes) or
 * identity (second factor, withdrawing). Only admins edit the policy table.
 */
export const APPROVAL_COMMAND_ROLES: Record<ApprovalCommandName, CommandRoles> = {
  'policies:list': 'any',
  'policies:save': ['admin'],
  'approvals:list': 'any',
  'approvals:show': 'any',
  'approvals:confirm': 'any',
  'approvals:reject': 'any',
};
