import { Command, CommanderError } from 'commander';
import type { CommandName } from '../../src-shared/api/contract';
import type { App } from '../app-context';
import type { LedgerPlace } from '../services/context';
import type { CliIo } from './output';

/** Global options every subcommand sees. */
export type GlobalOptions = {
  db?: string;
  /** A PostgreSQL ledger's URL (or PAYDESK_PG) instead of the SQLite file. */
  pg?: string;
  json?: boolean;
  operator?: string;
  token?: string;
  otp?: string;
  /** A team server's URL (or PAYDESK_SERVER): commands run there instead of on a local ledger. */
  server?: string;
};

/** What a command group needs to register its subcommands (one file per area under cli/commands). */
export type CliKit = {
  program: Command;
  io: CliIo;
  /** Dispatches one command and prints its result; `human` renders the non-JSON form. */
  run: <T>(cmd: Command, command: CommandName, input: unknown, human: (value: T) => string) => Promise<void>;
  /** Opens (once) the ledger the global options name: the SQLite file, a PostgreSQL database or a team server. */
  withApp: (opts: GlobalOptions) => Promise<App<LedgerPlace>>;
  /** Sets the process exit code (for commands that print errors themselves). */
  setExitCode: (code: number) => void;
  /** Takes over Ctrl+C while set (a long-running command such as `server` stops gracefully instead). */
  onInterrupt: (handler: (() => void) | undefined) => void;
  /** True when runCli listens for SIGINT itself (then onInterrupt hears it). */
  handlesSigint: boolean;
};

/** Parses an integer option strictly (commander hands strings). */
export function intOption(value: string): number {
  if (!/^-?\d+$/.test(value.trim()))
    throw new CommanderError(2, 'paydesk.invalidInt', `"${value}" is not an integer`);
  return Number(value);
}

/** Drops undefined values so zod's strict objects see only given options. */
export function dropUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Pretty JSON as the human form when nothing better exists. */
export const humanJson = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';
