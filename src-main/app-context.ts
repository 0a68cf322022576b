import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { userInfo } from 'node:os';
import { openLedger, type Ledger } from '../db/client';
import type { EventName, EventPayloads } from '../src-shared/api/contract';
import { createDispatch, type Dispatch, type Handlers, type WriterWatch } from './ipc/dispatch';
import { createHandlers } from './ipc/handlers';
import { inlineJobRunner, type JobRunner } from './jobs/runner';
import { queueJobRunner, type QueueRunner } from './jobs/queue-runner';
import { resolveMigrationsFolder, resolvePgMigrationsFolder } from './paths';
import {
  silentLogger,
  type EventSink,
  type LedgerPlace,
  type Logger,
  type ServiceContext,
} from './services/context';
import { ensureOperator, ensureOperatorVia } from './services/operators';
import { currentClient, newClient, withClient, type Client, type Door } from './services/identity/client';
import { authorizeCall, lockClient } from './services/identity/gate';
import { unauthenticated } from './ledger/errors';
import { approvalGuard, bindExecutor } from './services/approvals/approvals';
import { PAYDESK_VERSION } from './version';
import { seedStockTemplates, seedStockTemplatesVia } from './services/batches/templates';
import { createUploadStore, uploadsRootFor, type UploadStore } from './services/uploads';
import type { Storage, Tx, TxOptions } from '../db/storage/port';
import { sqliteStorage } from '../db/storage/sqlite';
import { postgresStorage } from '../db/storage/postgres';
import { migratePostgres } from '../db/storage/postgres-migrate';
import type { OperatorDto } from '../src-shared/dto/app';
import { waitForWriteLock } from '../db/write-lock';
import { interactiveTurn, writePriorityFor } from '../db/write-priority';
import type { DesktopPort } from './services/team-connection';

/** How to open the services for one front door. */
export type AppOptions = {
  file: string;
  /**
   * The trusted in-process caller (tests, benchmarks): dispatch without a client acts as this operator,
   * created on first use. Front doors never pass it: they sign clients in by password or token.
   */
  login?: string;
  clock?: () => Date;
  log?: Logger;
  jobs?: (ctx: { ledger: Ledger }) => JobRunner;
  migrationsFolder?: string;
  /** The passphrase of an encrypted ledger (PAYDESK_LEDGER_KEY); the ledger keeps it in memory for job workers. */
  ledgerKey?: string;
  /** Where received uploads go (default: an `uploads` folder beside the ledger file). */
  uploadsRoot?: string;
  /** The largest upload accepted (default MAX_STREAMED_UPLOAD_BYTES); tests lower it. */
  uploadsMaxBytes?: number;
  /** The desktop app's settings (Electron main only): which team server its window opens. */
  desktop?: DesktopPort;
  /**
   * How long a writing command waits, off the thread, while another connection (a job) holds the write lock,
   * before it answers ledger-busy (default WRITER_WAIT_MS). The thread itself never waits longer than busy_timeout.
   */
  writerWaitMs?: number;
};

/**
 * A submit holds SQLite's one write lock for its whole batch (all or nothing), tens of seconds for a large one on
 * a busy team server; an analyst's move or a clerk's confirmation waits that long rather than being refused.
 */
export const WRITER_WAIT_MS = 30_000;

/**
 * The services opened on one ledger: context, handler map, dispatcher and an event subscription. An app opened on
 * a SQLite file (openApp) has its connection in `ctx.ledger.sqlite`; one on PostgreSQL (openPostgresApp) has none.
 */
export type App<L extends LedgerPlace = Ledger> = {
  ctx: ServiceContext & { ledger: L };
  handlers: Handlers;
  /** Runs a command as a client (a window, a browser page, a CLI process); without one, as the in-process caller. */
  dispatch: (command: string, input: unknown, client?: Client) => ReturnType<Dispatch>;
  /** A new client of a front door, signed out; it is locked with the others on an OS lock. */
  openClient: (door: Door) => Client;
  /** Locks every signed-in desktop and browser client (OS lock); emits auth:changed. */
  lockAll: (why: string) => void;
  subscribe: (listener: <E extends EventName>(event: E, payload: EventPayloads[E]) => void) => () => void;
  /** Files received for clients (the bridge streams into it; commands name them by upload id). */
  uploads: UploadStore;
  close: () => void;
};

/** The operating-system login (the CLI's default --operator), unless PAYDESK_OPERATOR overrides it. */
export function osLogin(): string {
  if (process.env.PAYDESK_OPERATOR) return process.env.PAYDESK_OPERATOR;
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

/**
 * The services' port writes as interactive writers, like the commands that write through the driver: dispatch's turn
 * covers a command's synchronous run only, and a port transaction begins after it (queued, then waiting for the lock
 * off the thread), so without a turn of its own it lost the lock to the jobs queued in worker threads and was
 * refused ledger-busy. The turn lasts until the transaction has begun, when it holds the lock.
 */
function interactiveWrites(storage: Storage, priority: SharedArrayBuffer): Storage {
  return {
    dialect: storage.dialect,
    transaction<T>(fn: (tx: Tx) => Promise<T>, txOpts?: TxOptions): Promise<T> {
      if (txOpts?.readOnly) return storage.transaction(fn, txOpts);
      const release = interactiveTurn(priority);
      return storage
        .transaction((tx) => {
          release();
          return fn(tx);
        }, txOpts)
        .finally(release);
    },
    close: () => storage.close(),
  };
}

/** Opens the ledger and wires services, handlers and dispatch; shared by Electron main, CLI and bridge. */
export function openApp(opts: AppOptions): App {
  if (opts.file !== ':memory:') mkdirSync(dirname(opts.file), { recursive: true });
  const ledger = openLedger(
    opts.file,
    opts.migrationsFolder ?? resolveMigrationsFolder(),
    opts.ledgerKey === undefined ? {} : { key: opts.ledgerKey },
  );
  const clock = opts.clock ?? (() => new Date());
  try {
    // A fresh ledger reads the usual bank files at once; names already taken are left alone.
    seedStockTemplates(ledger.sqlite, clock());
    const inProcess = opts.login === undefined ? null : ensureOperator(ledger.sqlite, opts.login, clock());
    const writtenRows = ledger.sqlite.prepare('SELECT total_changes()').pluck();
    const writePriority = writePriorityFor(ledger.file);
    return wireApp(opts, clock, inProcess, {
      ledger,
      storage: interactiveWrites(sqliteStorage(ledger.sqlite), writePriority),
      jobs: (opts.jobs ?? ((c) => inlineJobRunner(c.ledger)))({ ledger }),
      writer: {
        waitForWriter: async () => {
          const release = interactiveTurn(writePriority);
          if (await waitForWriteLock(ledger.sqlite, opts.writerWaitMs ?? WRITER_WAIT_MS)) return release;
          release();
          return false;
        },
        writtenRows: () => writtenRows.get() as number,
        strict: process.env.PAYDESK_STRICT_WRITES === '1',
      },
      close: () => ledger.close(),
    });
  } catch (err) {
    ledger.close();
    throw err;
  }
}

/** How to open the services on a PostgreSQL ledger (a team server's). */
export type PostgresAppOptions = Pick<AppOptions, 'login' | 'clock' | 'log' | 'uploadsMaxBytes'> & {
  /** postgres://user:password@host:port/database */
  url: string;
  /**
   * The server's home path: its secret key (`<home>.key`), uploads (beside it) and default output folders are
   * kept here as beside a ledger file; nothing of the ledger itself is.
   */
  home: string;
  uploadsRoot?: string;
  migrationsFolder?: string;
  /** Connections in the pool (default 10). */
  poolMax?: number;
  /** The job runner over the ledger's port (default: the durable queue in the database, see queue-runner.ts). */
  jobs?: (ctx: Pick<ServiceContext, 'ledger' | 'storage'>) => JobRunner;
  /** How many queued jobs this process runs at once (default 2). */
  jobWorkers?: number;
};

/**
 * Opens the services on a PostgreSQL ledger: migrates it (two servers starting at once take turns), seeds the
 * stock templates, and wires the same handlers and dispatch as on SQLite. Commands whose code still writes
 * through the SQLite driver answer `not-on-postgres` (README "Storage seam", "Not yet").
 */
export async function openPostgresApp(opts: PostgresAppOptions): Promise<App<LedgerPlace>> {
  mkdirSync(dirname(opts.home), { recursive: true });
  await migratePostgres(opts.url, opts.migrationsFolder ?? resolvePgMigrationsFolder());
  const storage = postgresStorage(opts.url, {
    ...(opts.poolMax === undefined ? {} : { max: opts.poolMax }),
    applicationName: 'paydesk-server',
  });
  const clock = opts.clock ?? (() => new Date());
  let queue: QueueRunner | undefined;
  try {
    await seedStockTemplatesVia(storage, clock());
    const inProcess = opts.login === undefined ? null : await ensureOperatorVia(storage, opts.login, clock());
    const ledger: LedgerPlace = { file: opts.home, name: postgresName(opts.url) };
    if (!opts.jobs) {
      // Jobs are queued in the database: one left by a stopped server is picked up by the next (or marked
      // interrupted if it was running), and servers sharing the database never run one job twice.
      queue = queueJobRunner({ storage, ledger, ...(opts.jobWorkers ? { workers: opts.jobWorkers } : {}) });
      await queue.start();
    }
    const jobs = opts.jobs ? opts.jobs({ ledger, storage }) : queue!;
    return wireApp({ ...opts, file: opts.home }, clock, inProcess, {
      ledger,
      storage,
      jobs,
      // PostgreSQL has no single write lock to queue for: a writer waits on the rows it touches.
      writer: {},
      close: () => {
        void (queue ? queue.stop() : Promise.resolve())
          .catch(() => undefined)
          .finally(() => storage.close().catch(() => undefined));
      },
    });
  } catch (err) {
    await queue?.stop();
    await storage.close();
    throw err;
  }
}

/** How screens name a PostgreSQL ledger: server and database, never the user or password. */
function postgresName(url: string): string {
  try {
    const u = new URL(url);
    return `PostgreSQL ${u.host}${u.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** What differs between the two databases: the ledger, its port, the job runner and how writers take turns. */
type Backend<L extends LedgerPlace> = {
  ledger: L;
  storage: Storage;
  jobs: JobRunner;
  writer: WriterWatch;
  close: () => void;
};

/** Wires services, handlers and dispatch over an opened ledger. */
function wireApp<L extends LedgerPlace>(
  opts: Pick<AppOptions, 'file' | 'log' | 'desktop' | 'uploadsRoot' | 'uploadsMaxBytes'>,
  clock: () => Date,
  inProcessOperator: OperatorDto | null,
  backend: Backend<L>,
): App<L> {
  const listeners = new Set<Parameters<App<L>['subscribe']>[0]>();
  const emit: EventSink = (event, payload) => {
    for (const l of listeners) l(event, payload);
  };
  const inProcess = newClient(
    'in-process',
    inProcessOperator === null ? null : { operator: inProcessOperator, via: 'in-process' },
  );
  const clients = new Set<Client>();
  const ctx: ServiceContext & { ledger: L } = {
    ledger: backend.ledger,
    storage: backend.storage,
    ...(opts.desktop ? { desktop: opts.desktop } : {}),
    clock,
    // The operator of the call being served: dispatch sets the client, whose principal the gate checked.
    get operator() {
      const principal = (currentClient() ?? inProcess).principal;
      if (!principal) throw unauthenticated('sign_in', 'sign in first');
      return principal.operator;
    },
    log: opts.log ?? silentLogger,
    emit,
    jobs: backend.jobs,
    version: PAYDESK_VERSION,
    uploads: createUploadStore({
      root: opts.uploadsRoot ?? uploadsRootFor(opts.file),
      ...(opts.uploadsMaxBytes === undefined ? {} : { maxBytes: opts.uploadsMaxBytes }),
    }),
  };
  const handlers = createHandlers(ctx);
  const dispatch = createDispatch(
    handlers,
    ctx.log,
    (command) => authorizeCall(ctx.storage, currentClient() ?? inProcess, command, clock()),
    approvalGuard(ctx),
    (what) => emit('ledger:changed', { what }),
    backend.writer,
  );
  // An approved operation runs through the same dispatch (gate, parse, guard), as its preparer.
  bindExecutor(ctx, (client, command, input) => withClient(client, () => dispatch(command, input)));
  return {
    ctx,
    handlers,
    dispatch: (command, input, client) => {
      const caller = client ?? currentClient() ?? inProcess;
      return withClient(caller, () => dispatch(command, input));
    },
    openClient: (door) => {
      const client = newClient(door);
      clients.add(client);
      return client;
    },
    lockAll: (why) => {
      // Each client is locked at once; the audit rows follow through the port.
      const at = clock();
      Promise.all([...clients].map((c) => lockClient(ctx.storage, c, at, why))).catch((err: unknown) =>
        ctx.log.error('the session locks were not audited', { error: String(err) }),
      );
      emit('auth:changed', { locked: true });
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uploads: ctx.uploads,
    close: () => {
      ctx.uploads.close();
      backend.close();
    },
  };
}
