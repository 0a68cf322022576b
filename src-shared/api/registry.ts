import type { AnyCommandDef } from './define';
import { adminCommands } from './commands/admin';
import { approvalCommands } from './commands/approval';
import { authCommands } from './commands/auth';
import { bankFilesCommands } from './commands/bankfiles';
import { confirmationCommands } from './commands/confirmation';
import { deskCommands } from './commands/desk';
import { deskOpsCommands } from './commands/desk-ops';
import { directDebitCommands } from './commands/directdebit';
import { mandateCommands } from './commands/mandate';
import { processorCommands } from './commands/processor';
import { reportsCommands } from './commands/reports';
import { returnsCommands } from './commands/returns';
import { suspenseCommands } from './commands/suspense';
import { uploadCommands } from './commands/upload';

/**
 * The one command registry (issue #17): every command once, with its input schema, output type, roles, what it
 * changes and whether it needs a confirmation. The order is the order of COMMANDS (the CLI lists them so).
 */
export const REGISTRY = {
  ...deskCommands,
  ...adminCommands,
  ...processorCommands,
  ...bankFilesCommands,
  ...directDebitCommands,
  ...confirmationCommands,
  ...authCommands,
  ...approvalCommands,
  ...uploadCommands,
  ...mandateCommands,
  ...returnsCommands,
  ...reportsCommands,
  ...deskOpsCommands,
  ...suspenseCommands,
} satisfies Record<string, AnyCommandDef>;

/** The registry's type: command name to its declaration. */
export type Registry = typeof REGISTRY;

/** A command name. */
export type CommandName = keyof Registry;

/** Every command name, in registry order. */
export const COMMANDS = Object.keys(REGISTRY) as readonly CommandName[];

/** The declaration of a command. */
export function commandDef(name: CommandName): AnyCommandDef {
  return REGISTRY[name];
}

/** The commands whose declaration says `flag`, sorted (for the derived lists and their tests). */
export function commandsWhere(test: (def: AnyCommandDef) => boolean): CommandName[] {
  return COMMANDS.filter((c) => test(REGISTRY[c])).sort();
}
