import type { CommandName } from './contract';
import { ADMIN_COMMAND_ROLES } from './admin-contract';
import { PROCESSOR_COMMAND_ROLES } from './processor-contract';
import { BANKFILE_COMMAND_ROLES } from './bankfiles-contract';
import { DIRECTDEBIT_COMMAND_ROLES } from './directdebit-contract';
import { RETURNS_COMMAND_ROLES } from './returns-contract';
import { REPORTS_COMMAND_ROLES } from './reports-contract';
import { CONFIRMATION_COMMAND_ROLES } from './confirmation-contract';
import { AUTH_COMMAND_ROLES } from './auth-contract';
import { APPROVAL_COMMAND_ROLES } from './approval-contract';
import { UPLOAD_COMMAND_ROLES } from './upload-contract';
import { MANDATE_COMMAND_ROLES } from './mandate-contract';
import { DESK_OPS_COMMAND_ROLES } from './desk-ops-contract';

/** Operator roles (DOMAIN.md §1.1): clerks key batches, analysts work suspense, supervisors approve, admins configure. */
export const ROLES = ['clerk', 'analyst', 'supervisor', 'admin'] as const;

/** One role. */
export type Role = (typeof ROLES)[number];

/** Who may run a command: any operator, or one holding at least one of the roles. */
export type CommandRoles = 'any' | readonly Role[];

const ANY = 'any' as const;
/** Posting money from batches and allocations. */
const DESK: readonly Role[] = ['clerk', 'analyst', 'supervisor', 'admin'];
/** Loading data wholesale and configuring the desk. */
const ADMIN: readonly Role[] = ['admin'];
/** Correcting suspended payments in Payment Center (DOMAIN.md §1.1: payment analysts). */
const SUSPENSE: readonly Role[] = ['analyst', 'supervisor', 'admin'];

/**
 * The guard table, checked in dispatch before any handler runs, for every front door (IPC, CLI, bridge).
 * The renderer reads the same table to hide what the operator cannot do.
 */
export const COMMAND_ROLES: Record<CommandName, CommandRoles> = {
  'app:info': ANY,
  'demo:load': ADMIN,
  'ar:import': ['supervisor', 'admin'],
  'accounts:search': ANY,
  'accounts:show': ANY,
  'accounts:bill-items': ANY,
  'accounts:payment-history': ANY,
  'ledger:check': ANY,
  'allocation:view': ANY,
  'allocation:apply': DESK,
  'allocation:undo': DESK,
  'allocation:account-credit': DESK,
  'payments:allocations': ANY,
  'bills:payments': ANY,
  'payments:record': DESK,
  'batches:create': DESK,
  'batches:list': ANY,
  'batches:get': ANY,
  'batches:entries': ANY,
  'batches:save-entries': DESK,
  'batches:delete-entries': DESK,
  'batches:validate': DESK,
  'batches:suspend-entry': DESK,
  /** Only a supervisor lets a suspected duplicate post. */
  'batches:release-duplicate': ['supervisor', 'admin'],
  'batches:exception': DESK,
  'batches:submit': DESK,
  'batches:discard': DESK,
  'batches:export': ANY,
  'batches:import-batch-file': DESK,
  'batches:preview-file': ANY,
  'batches:import-file': DESK,
  'batches:entry-allocation': ANY,
  'batches:allocate-entry': DESK,
  'batches:update-header': DESK,
  'batches:report': ANY,
  'codes:list': ANY,
  'templates:list': ANY,
  'templates:save': DESK,
  'templates:detect': ANY,
  /** The handler decides: whoever may run that job's command, whoever started it, and admins. */
  'jobs:cancel': ANY,
  ...ADMIN_COMMAND_ROLES,
  ...PROCESSOR_COMMAND_ROLES,
  ...BANKFILE_COMMAND_ROLES,
  ...DIRECTDEBIT_COMMAND_ROLES,
  ...RETURNS_COMMAND_ROLES,
  ...REPORTS_COMMAND_ROLES,
  ...CONFIRMATION_COMMAND_ROLES,
  ...AUTH_COMMAND_ROLES,
  ...APPROVAL_COMMAND_ROLES,
  ...UPLOAD_COMMAND_ROLES,
  ...MANDATE_COMMAND_ROLES,
  ...DESK_OPS_COMMAND_ROLES,
  'suspense:search': ANY,
  'suspense:show': ANY,
  'suspense:candidates': ANY,
  'suspense:apply': SUSPENSE,
  'suspense:distribute': SUSPENSE,
  'suspense:recycle': SUSPENSE,
  'suspense:remove': SUSPENSE,
  'suspense:reverse': SUSPENSE,
  'suspense:assign': SUSPENSE,
  'suspense:note': SUSPENSE,
  'suspense:change-reason': SUSPENSE,
  'suspense:export': ANY,
  'suspense:saved-searches': ANY,
  'suspense:save-search': ANY,
  'suspense:delete-search': ANY,
  'suspense:rename-search': ANY,
};

/** True when an operator with these roles may run the command. */
export function mayRun(roles: readonly string[], command: CommandName): boolean {
  const need = COMMAND_ROLES[command];
  return need === 'any' || need.some((r) => roles.includes(r));
}

/** True when the operator holds the role (admins hold every role's rights except four-eyes separation). */
export function hasRole(roles: readonly string[], role: Role): boolean {
  return roles.includes(role) || roles.includes('admin');
}
