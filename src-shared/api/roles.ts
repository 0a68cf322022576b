import { COMMANDS, REGISTRY, type CommandName } from './registry';
import type { CommandRoles } from './operator-roles';

export { ROLES, hasRole, type CommandRoles, type Role } from './operator-roles';

/**
 * The guard table, checked in dispatch before any handler runs, for every front door (IPC, CLI, bridge).
 * The renderer reads the same table to hide what the operator cannot do. Each command's roles are declared
 * with it in the registry.
 */
export const COMMAND_ROLES: Readonly<Record<CommandName, CommandRoles>> = Object.fromEntries(
  COMMANDS.map((name) => [name, REGISTRY[name].roles]),
) as Record<CommandName, CommandRoles>;

/**
 * Commands a caller may send before signing in (or while locked). Everything else needs a signed-in,
 * unlocked, active operator.
 */
export const PUBLIC_COMMANDS: ReadonlySet<string> = new Set(COMMANDS.filter((name) => REGISTRY[name].public));

/** True when an operator with these roles may run the command. */
export function mayRun(roles: readonly string[], command: CommandName): boolean {
  const need = COMMAND_ROLES[command];
  return need === 'any' || need.some((r) => roles.includes(r));
}
