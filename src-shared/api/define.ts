import type { z } from 'zod';
import type { CommandRoles } from './operator-roles';

/**
 * Everything the front doors and dispatch need to know about one command, declared once in its area's file
 * under commands/; the command list, the schema map, the role table and the lists below are read off it.
 */
export type CommandSpec<I extends z.ZodType> = {
  /** Who may run it; dispatch checks this before the input is parsed (the renderer hides what is refused). */
  readonly roles: CommandRoles;
  /** The schema every front door parses the input with before a service sees it. */
  readonly input: I;
  /**
   * What it changes, as the `what` of the `ledger:changed` event dispatch emits after it succeeds, so open
   * screens reload. Absent for commands that change nothing another screen shows.
   */
  readonly changes?: string;
  /**
   * Writes to the ledger without changing what another screen shows (a keyed entry's draft, a sign-in's audit, a
   * prepared confirmation, the audit row of a file read), or also when `changesNothingWhen` says a run changes
   * nothing. Dispatch waits for the write lock before it, as before a changing command; in tests a
   * command that writes without `changes` or `writes` fails (PAYDESK_STRICT_WRITES=1).
   */
  readonly writes?: true;
  /**
   * Writes only to temporary tables of its own connection (a check's scratch space), never to the ledger: no wait
   * for the write lock, and those rows are not taken for an undeclared write.
   */
  readonly temporaryTables?: true;
  /** A call that changes nothing after all (a dry run, a preview): no `ledger:changed` for it. */
  // Method syntax on purpose: its parameter is checked bivariantly, so any declaration fits AnyCommandDef.
  changesNothingWhen?(input: z.output<I>): boolean;
  /**
   * Runs as a job on the job's own connection, which waits its turn for the ledger's write lock itself (listed as
   * queued meanwhile). Dispatch therefore does not hold such a command back while another writer has the lock,
   * as it does the other changing commands.
   */
  readonly job?: true;
  /**
   * Sends money out: refused without a confirmation prepared with `confirmations:prepare` (its handler checks
   * the confirmation against the selection it is about to send).
   */
  readonly confirm?: true;
  /** May be sent before signing in or while locked (the identity gate lets it through). */
  readonly public?: true;
};

/** A declared command: its spec and, as a type only, its output. */
export type CommandDef<I extends z.ZodType, O> = CommandSpec<I> & {
  /** Type-only: the output is never a value here (always undefined at run time). */
  readonly __output: O;
};

/** Any declared command, whatever its input and output. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommandDef = CommandDef<z.ZodType, any>;

/** The output type of a declared command. */
export type OutputOf<D> = D extends { readonly __output: infer O } ? O : never;

/**
 * Declares a command: `defineCommand({ roles, input, changes, confirm }).output<Dto>()`. The output is given
 * as a type argument of its own call so that the input's type is still inferred from the schema.
 */
export function defineCommand<I extends z.ZodType>(spec: CommandSpec<I>): { output<O>(): CommandDef<I, O> } {
  return {
    output: <O>() => Object.freeze({ ...spec, __output: undefined as O }),
  };
}
