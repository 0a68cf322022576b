import type { z } from 'zod';
import type { OutputOf } from './define';
import { COMMANDS, type CommandName, type Registry } from './registry';
import type { Result } from './result';
import type { UploadDto } from '../dto/uploads';
import type { JobFinishedDto, JobProgressDto, LedgerViolationDto } from '../dto/app';

/** Every command name, as a runtime list (the preload, the bridge and the CLI allow only these). */
export { COMMANDS };

/** A command name. */
export type { CommandName };

/** The output type of each command (declared with `.output<Dto>()` in the registry). */
export type CommandOutputs = { [K in CommandName]: OutputOf<Registry[K]> };

/** What a caller may pass (defaults still optional). */
export type CommandInput<K extends CommandName> = z.input<Registry[K]['input']>;

/** What a handler receives after parsing (defaults applied). */
export type ParsedInput<K extends CommandName> = z.output<Registry[K]['input']>;

/** What a command returns. */
export type CommandOutput<K extends CommandName> = CommandOutputs[K];

/** Events pushed from main to the renderer. */
export const EVENTS = [
  'job:progress',
  'job:finished',
  'ledger:changed',
  'auth:changed',
  'ledger:violation',
] as const;

/** An event name. */
export type EventName = (typeof EVENTS)[number];

/** The payload of each event. */
export type EventPayloads = {
  'job:progress': JobProgressDto;
  'job:finished': JobFinishedDto;
  'ledger:changed': { what: string };
  /** Sessions were locked (OS lock) or signed out: re-read auth:status. */
  /** `clientId` names the one session whose sign-in changed; without it every session is concerned (lock all). */
  'auth:changed': { locked: boolean; clientId?: string };
  /** A running ledger check found a violation (streamed as found; the command's result lists them too). */
  'ledger:violation': LedgerViolationDto;
};

/** How a streamed upload reports and stops: bytes sent so far of the total, and a signal that cancels it. */
export type UploadOptions = {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
};

/** The typed client the renderer sees as window.api. */
export type PaydeskApi = {
  invoke<K extends CommandName>(command: K, input: CommandInput<K>): Promise<Result<CommandOutput<K>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /**
   * Streams a file to the main process as one upload (the bridge: POST /__upload). Absent in the desktop
   * window, which sends large files in chunks with the files:upload-* commands instead.
   */
  upload?: (file: Blob, fileName: string, opts?: UploadOptions) => Promise<Result<UploadDto>>;
};

/** The IPC channel for a command. */
export const commandChannel = (name: CommandName): string => `cmd:${name}`;

/** The IPC channel for an event. */
export const eventChannel = (name: EventName): string => `evt:${name}`;
