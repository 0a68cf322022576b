import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  COMMANDS,
  EVENTS,
  commandChannel,
  eventChannel,
  type CommandInput,
  type CommandName,
  type CommandOutput,
  type PaydeskApi,
} from '../src-shared/api/contract';
import type { Result } from '../src-shared/api/result';

const commands: ReadonlySet<string> = new Set(COMMANDS);
const events: ReadonlySet<string> = new Set(EVENTS);

function unknownCommand(command: unknown): Result<never> {
  return {
    ok: false,
    error: {
      code: 'validation',
      message: `unknown command "${String(command)}"`,
      issues: [{ path: 'command', message: 'unknown command' }],
    },
  };
}

function invoke<K extends CommandName>(
  command: K,
  input: CommandInput<K>,
): Promise<Result<CommandOutput<K>>> {
  // The page is untrusted: check at run time, whatever the types say.
  if (typeof command !== 'string' || !commands.has(command)) return Promise.resolve(unknownCommand(command));
  return ipcRenderer.invoke(commandChannel(command), input ?? {}) as Promise<Result<CommandOutput<K>>>;
}

// The page gets exactly two functions; ipcRenderer itself never crosses the bridge. Refusals mirror the
// browser shim of the loopback bridge, so the renderer behaves the same in Electron and in tests.
const api: PaydeskApi = {
  invoke,
  on: (event, listener) => {
    if (typeof event !== 'string' || !events.has(event) || typeof listener !== 'function') return () => {};
    const channel = eventChannel(event);
    // Drop the IpcRendererEvent: it carries `sender`, which would hand the page an ipcRenderer.
    const forward = (_e: IpcRendererEvent, payload: unknown): void =>
      (listener as (p: unknown) => void)(payload);
    ipcRenderer.on(channel, forward);
    return () => {
      ipcRenderer.removeListener(channel, forward);
    };
  },
};

contextBridge.exposeInMainWorld('api', api);
