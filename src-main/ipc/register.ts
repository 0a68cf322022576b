import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { COMMANDS, EVENTS, commandChannel, eventChannel } from '../../src-shared/api/contract';
import type { Result } from '../../src-shared/api/result';
import type { App } from '../app-context';
import type { Client } from '../services/identity/client';

/** What IPC needs from the opened services: the one dispatch path and the event subscription. */
export type IpcApp = Pick<App, 'dispatch' | 'subscribe' | 'openClient'>;

/** Options for registering IPC. */
export type IpcOptions = {
  /** Decides whether the frame that sent a command is our own renderer (Electron security checklist: validate senders). */
  isTrustedSender: (frameUrl: string) => boolean;
};

const registered: string[] = [];

const untrusted: Result<never> = {
  ok: false,
  error: { code: 'forbidden', message: 'this page is not allowed to call Paydesk commands' },
};

/** Registers one ipcMain handler per contract command and forwards service events to every window; returns an unregister function. */
export function registerIpc(app: IpcApp, opts: IpcOptions): () => void {
  // Each window is its own client: it signs in, locks and signs out on its own; the operator is never a name
  // the renderer sends.
  const clients = new Map<number, Client>();
  const clientOf = (event: IpcMainInvokeEvent): Client => {
    const id = event.sender.id;
    let client = clients.get(id);
    if (!client) {
      client = app.openClient('ipc');
      clients.set(id, client);
      event.sender.once('destroyed', () => clients.delete(id));
    }
    return client;
  };
  for (const name of COMMANDS) {
    const channel = commandChannel(name);
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, input: unknown) => {
      const url = event.senderFrame?.url ?? '';
      if (!opts.isTrustedSender(url)) return untrusted;
      // dispatch parses the input with the command's zod schema and never throws: errors come back as Result.
      return app.dispatch(name, input, clientOf(event));
    });
    registered.push(channel);
  }
  const known: ReadonlySet<string> = new Set(EVENTS);
  const unsubscribe = app.subscribe((event, payload) => {
    if (!known.has(event)) return;
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send(eventChannel(event), payload);
    }
  });
  return () => {
    unsubscribe();
    for (const channel of registered.splice(0)) ipcMain.removeHandler(channel);
  };
}

/** The IPC channels registered so far (the main-bundle smoke test checks them against COMMANDS). */
export function registeredChannels(): string[] {
  return [...registered];
}
