import { randomUUID } from 'node:crypto';
import type { ZodError } from 'zod';
import type { CommandName, CommandOutput, ParsedInput } from '../../src-shared/api/contract';
import { COMMANDS, commandDef } from '../../src-shared/api/registry';
import type { AppError, FieldIssue, Result } from '../../src-shared/api/result';
import { textIssues } from '../../src-shared/text';
import { AppFailure, LEDGER_BUSY, ledgerBusy } from '../ledger/errors';
import type { Logger } from '../services/context';

/** The one handler map: every command, its parsed input, its output. */
export type Handlers = {
  [K in CommandName]: (input: ParsedInput<K>) => CommandOutput<K> | Promise<CommandOutput<K>>;
};

/** Calls a command by name with untrusted input; the single path shared by IPC, CLI and bridge. */
export type Dispatch = (command: string, input: unknown) => Promise<Result<unknown>>;

const commandSet: ReadonlySet<string> = new Set(COMMANDS);

/** True when the name is a known command. */
export function isCommandName(name: string): name is CommandName {
  return commandSet.has(name);
}

/** Turns zod issues into field issues with dotted paths ("(root)" for the object itself). */
export function zodIssues(error: ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }));
}

/** Maps any thrown value to an AppError; unknown errors become `internal` with a correlation id only. */
export function toAppError(err: unknown, log: Logger, command: string): AppError {
  if (err instanceof AppFailure) return err.error;
  const busy = ledgerBusy(err);
  if (busy) return busy;
  const correlationId = randomUUID();
  log.error('command failed', {
    command,
    correlationId,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  return { code: 'internal', message: `Something went wrong (reference ${correlationId})`, correlationId };
}

/** Decides whether the current operator may run a command; throws a forbidden AppFailure (and audits it) if not. */
export type Authorize = (command: CommandName) => void | Promise<void>;

/**
 * Runs after the input is parsed and before the handler (issue #12 approvals): throws (e.g.
 * approval_required, after storing the operation) when the call may not run now; the raw input is what an
 * approval stores and executes later.
 */
export type Guard = (command: CommandName, parsed: unknown, raw: unknown) => void | Promise<void>;

/** Tells open screens what a successful command changed (the app emits it as `ledger:changed`). */
export type Changed = (what: string) => void;

/** How the ledger's writer is waited for and watched; absent parts do nothing (unit tests of dispatch). */
export type WriterWatch = {
  /**
   * Waits, without blocking the thread, until the ledger could be written, and answers the release of this
   * writer's turn (jobs let it go first until then), or false: it stayed locked by another writer as long as a
   * command waits. Called before every writing command that is not a job.
   */
  waitForWriter?: () => Promise<(() => void) | false>;
  /** Rows written so far on this thread's connection (SQLite's total_changes): finds a command that writes undeclared. */
  writtenRows?: () => number;
  /** An undeclared write fails the command (tests) instead of only being logged. */
  strict?: boolean;
};

/** True when the command changes what screens show for this input (a dry run changes nothing). */
function declaresChange(def: ReturnType<typeof commandDef>, input: unknown): boolean {
  return def.changes !== undefined && !def.changesNothingWhen?.(input);
}

/**
 * Builds the dispatcher: unknown command → validation; role check; text check (control characters, lone
 * surrogates); zod parse; the wait for the write lock (writing commands that are not jobs); guard (approvals);
 * handler; `changed` when the registry says the command changes something; errors mapped to Result.
 */
export function createDispatch(
  handlers: Handlers,
  log: Logger,
  authorize: Authorize = () => {},
  guard: Guard = () => {},
  changed: Changed = () => {},
  writer: WriterWatch = {},
): Dispatch {
  const undeclaredWrite = (command: string, before: number): void => {
    const written = (writer.writtenRows?.() ?? before) - before;
    if (written === 0) return;
    log.error('a command wrote to the ledger without declaring it (writes or changes in the registry)', {
      command,
      written,
    });
    if (writer.strict) {
      // Tests run quiet, so the reason is printed where the failing test shows it.
      process.stderr.write(`undeclared write: ${command} wrote ${written} rows\n`);
      throw new Error(`${command} wrote ${written} rows but does not declare writes`);
    }
  };
  return async (command, input) => {
    if (!isCommandName(command)) {
      return {
        ok: false,
        error: {
          code: 'validation',
          message: `unknown command "${command}"`,
          issues: [{ path: 'command', message: 'unknown command' }],
        },
      };
    }
    try {
      // Awaited only when the gate reads through the storage port: a synchronous gate keeps the command's run in
      // one turn of the event loop (what the writer's turn below relies on).
      const gate = authorize(command);
      if (gate instanceof Promise) await gate;
    } catch (err) {
      return { ok: false, error: toAppError(err, log, command) };
    }
    const raw = input === undefined ? {} : input;
    // Text is checked once here, for every command and every field (object keys too), before any schema runs.
    const textual = textIssues(raw);
    const def = commandDef(command);
    const parsed = def.input.safeParse(raw);
    if (!parsed.success || textual.length > 0) {
      const issues = [...textual, ...(parsed.success ? [] : zodIssues(parsed.error))];
      return {
        ok: false,
        error: {
          code: 'validation',
          message: `invalid input for ${command}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          issues,
        },
      };
    }
    const changes = declaresChange(def, parsed.data);
    const writes = changes || def.writes === true;
    // A job waits for the lock on its own connection (queued meanwhile); any other writer waits here, off the thread.
    const turn = writes && !def.job && writer.waitForWriter ? await writer.waitForWriter() : undefined;
    if (turn === false) return { ok: false, error: LEDGER_BUSY };
    let endTurn = turn;
    try {
      const guarded = guard(command, parsed.data, raw);
      if (guarded instanceof Promise) await guarded;
      const handler = handlers[command] as (i: unknown) => unknown;
      const before = writes || def.temporaryTables ? undefined : writer.writtenRows?.();
      const pending = handler(parsed.data);
      // The turn covers the command's synchronous run (all of a synchronous command's writes). A command that then
      // awaits (an undo or an approval waiting for the submit job it started) must not keep jobs holding back.
      endTurn?.();
      endTurn = undefined;
      // Only a synchronous handler is watched: nothing else can write on this thread while it runs.
      if (before !== undefined && !(pending instanceof Promise)) undeclaredWrite(command, before);
      const value = await pending;
      // Declared once in the registry rather than in each handler, so no changing command can forget it.
      if (changes && def.changes !== undefined) changed(def.changes);
      return { ok: true, value };
    } catch (err) {
      return { ok: false, error: toAppError(err, log, command) };
    } finally {
      endTurn?.();
    }
  };
}
