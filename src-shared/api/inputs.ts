import type { z } from 'zod';
import { COMMANDS, REGISTRY, type CommandName, type Registry } from './registry';

export { suspenseFilterShape } from './commands/suspense';

/** The input schema of each command, as declared in the registry. */
type CommandInputs = { readonly [K in CommandName]: Registry[K]['input'] };

/** One zod schema per command; every front door parses with these before a service sees the input. */
export const commandInputs: CommandInputs = Object.fromEntries(
  COMMANDS.map((name) => [name, REGISTRY[name].input as z.ZodType]),
) as unknown as CommandInputs;

/** Name of every command, derived from the schema map. */
export type InputCommandName = keyof typeof commandInputs;
