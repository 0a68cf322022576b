import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import { openLedger } from '../db/client';
import type { EventName, EventPayloads } from '../src-shared/api/contract';
import { createDispatch, type Dispatch, type Handlers } from './ipc/dispatch';
import { createHandlers } from './ipc/handlers';
import { inlineJobRunner, type JobRunner } from './jobs/runner';
import { resolveMigrationsFolder } from './paths';
import { silentLogger, type EventSink, type Logger, type ServiceContext } from './services/context';
import { authorize, ensureOperator } from './services/operators';
import { PAYDESK_VERSION } from './version';

/** How to open the services for one front door. */
export type AppOptions = {
  file: string;
  login?: string;
  clock?: () => Date;
  log?: Logger;
  jobs?: (ctx: Pick<ServiceContext, 'ledger'>) => JobRunner;
  migrationsFolder?: string;
};

/** The services opened on one ledger: context, handler map, dispatcher and an event subscription. */
export type App = {
  ctx: ServiceContext;
  handlers: Handlers;
  dispatch: Dispatch;
  subscribe: (listener: <E extends EventName>(event: E, payload: EventPayloads[E]) => void) => () => void;
  close: () => void;
};

/** The operating-system login the app runs as, unless PAYDESK_OPERATOR overrides it. */
export function osLogin(): string {
  if (process.env.PAYDESK_OPERATOR) return process.env.PAYDESK_OPERATOR;
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

/** Opens the ledger and wires services, handlers and dispatch; shared by Electron main, CLI and bridge. */
export function openApp(opts: AppOptions): App {
  if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true });
  const ledger = openLedger(opts.file, opts.migrationsFolder ?? resolveMigrationsFolder());
  const clock = opts.clock ?? (() => new Date());
  const listeners = new Set<Parameters<App['subscribe']>[0]>();
  const emit: EventSink = (event, payload) => {
    for (const l of listeners) l(event, payload);
  };
  try {
    const operator = ensureOperator(ledger.sqlite, opts.login ?? osLogin(), clock());
    const ctx: ServiceContext = {
      ledger,
      clock,
      operator,
      log: opts.log ?? silentLogger,
      emit,
      jobs: (opts.jobs ?? ((c) => inlineJobRunner(c.ledger)))({ ledger }),
      version: PAYDESK_VERSION,
    };
    const handlers = createHandlers(ctx);
    return {
      ctx,
      handlers,
      dispatch: createDispatch(handlers, ctx.log, (command) => authorize(ctx, command)),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: () => ledger.close(),
    };
  } catch (err) {
    ledger.close();
    throw err;
  }
}
