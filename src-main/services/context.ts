import type { Ledger } from '../../db/client';
import type { Storage } from '../../db/storage/port';
import type { EventName, EventPayloads } from '../../src-shared/api/contract';
import type { OperatorDto } from '../../src-shared/dto/app';
import type { JobRunner } from './job-port';
import type { DesktopPort } from './team-connection';
import type { UploadStore } from './uploads';

/** Minimal structured logger; never given card data or secrets. */
export type Logger = {
  info: (msg: string, data?: Record<string, unknown>) => void;
  error: (msg: string, data?: Record<string, unknown>) => void;
};

/** Pushes events to whichever front door is listening (IPC, bridge SSE, CLI progress). */
export type EventSink = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** Everything a service needs, passed explicitly. */
export type ServiceContext = {
  ledger: Ledger;
  /** The ledger behind the storage seam (db/storage): the services that have moved to repositories use it. */
  storage: Storage;
  /** The desktop app's own settings, only in Electron's main process (see team-connection.ts). */
  desktop?: DesktopPort;
  clock: () => Date;
  operator: OperatorDto;
  log: Logger;
  emit: EventSink;
  jobs: JobRunner;
  version: string;
  /** Files this process received for its clients (bridge stream, desktop chunks), named by upload id. */
  uploads: UploadStore;
};

/** A logger that writes JSON lines to stderr (silent when PAYDESK_QUIET is set). */
export const stderrLogger: Logger = {
  info: (msg, data) => {
    if (!process.env.PAYDESK_QUIET)
      process.stderr.write(JSON.stringify({ level: 'info', msg, ...data }) + '\n');
  },
  error: (msg, data) => {
    process.stderr.write(JSON.stringify({ level: 'error', msg, ...data }) + '\n');
  },
};

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info: () => {}, error: () => {} };
