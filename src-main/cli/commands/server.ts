import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openApp, type App } from '../../app-context';
import type { LedgerPlace } from '../../services/context';
import { maskedPgUrl, openPostgresLedger, pgUrlOf } from '../postgres';
import { workerJobRunner } from '../../jobs/worker-runner';
import { defaultLedgerFile } from '../../paths';
import { stderrLogger } from '../../services/context';
import type { CliKit, GlobalOptions } from '../kit';
import { printError } from '../output';
import { cliLedgerKey } from './ledger';
import { checkServerConfig, parseListen, ServerConfigError, startTeamServer } from '../../bridge/team-server';

type ServerFlags = { listen: string; tlsCert?: string; tlsKey?: string; publicUrl?: string };

/** The built renderer: PAYDESK_RENDERER_DIR, else out/renderer of the checkout or app this code runs from. */
export function rendererDir(): string {
  const fromEnv = process.env.PAYDESK_RENDERER_DIR;
  if (fromEnv) return resolve(fromEnv);
  for (const start of [process.env.PAYDESK_APP_ROOT, __dirname, process.cwd()]) {
    if (!start) continue;
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'out', 'renderer', 'index.html'))) return join(dir, 'out', 'renderer');
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return join(process.env.PAYDESK_APP_ROOT ?? process.cwd(), 'out', 'renderer');
}

/**
 * `paydesk server`: one process owns the ledger file and serves the command registry to a team over HTTP(S):
 * the app's pages for browsers, the /v1 API for programs and the CLI (--server), /healthz and /metrics. It runs
 * until SIGINT or SIGTERM, then stops accepting, lets running requests finish and closes the ledger.
 */
export function registerServerCommands(kit: CliKit): void {
  const { program, io } = kit;
  program
    .command('server')
    .description(
      'serve this ledger (--db FILE or --pg URL) to a team over HTTPS: the app in a browser, the API for `--server` (issue #17)',
    )
    .option(
      '--listen <host:port>',
      'address to listen on (a non-loopback address needs TLS)',
      '127.0.0.1:8443',
    )
    .option('--tls-cert <file>', 'PEM certificate (chain) for HTTPS')
    .option('--tls-key <file>', 'PEM private key for HTTPS')
    .option('--public-url <url>', 'the URL people open, when not the listen address (DNS name, proxy)')
    .action(async (o: ServerFlags, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const json = Boolean(opts.json);
      const readPem = (file: string, option: string): Buffer => {
        try {
          return readFileSync(resolve(file));
        } catch (err) {
          throw new ServerConfigError(`${option} ${file} cannot be read: ${(err as Error).message}`);
        }
      };
      const refuse = (path: string, message: string): void =>
        kit.setExitCode(printError(io, json, { code: 'validation', message, issues: [{ path, message }] }));
      if (opts.server !== undefined || process.env.PAYDESK_SERVER)
        return refuse('server', '`paydesk server` serves a local ledger; it does not run with --server');
      let app: App<LedgerPlace> | undefined;
      try {
        const { host, port } = parseListen(o.listen);
        if (Boolean(o.tlsCert) !== Boolean(o.tlsKey))
          throw new ServerConfigError('give both --tls-cert and --tls-key, or neither');
        const tls =
          o.tlsCert && o.tlsKey
            ? { cert: readPem(o.tlsCert, '--tls-cert'), key: readPem(o.tlsKey, '--tls-key') }
            : undefined;
        const staticDir = rendererDir();
        // Refused before the ledger is opened: nothing is created for a server that cannot start.
        checkServerConfig({
          host,
          staticDir,
          ...(tls ? { tls } : {}),
          ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
        });
        const pgUrl = pgUrlOf(opts);
        const file = opts.db ? resolve(opts.db) : defaultLedgerFile();
        const ledgerKey = cliLedgerKey();
        app =
          pgUrl !== undefined
            ? await openPostgresLedger(pgUrl, stderrLogger)
            : openApp({
                file,
                log: stderrLogger,
                ...(ledgerKey !== undefined ? { ledgerKey } : {}),
                // Long jobs run in a worker thread, so the server keeps answering others while one runs.
                jobs: (c) =>
                  workerJobRunner(
                    c.ledger.file,
                    undefined,
                    c.ledger.key === undefined ? {} : { key: c.ledger.key },
                  ),
              });
        const server = await startTeamServer({
          app,
          staticDir,
          host,
          port,
          ...(tls ? { tls } : {}),
          ...(o.publicUrl !== undefined ? { publicUrl: o.publicUrl } : {}),
        });
        const value = {
          listening: server.url,
          publicUrl: o.publicUrl ?? null,
          database: app.ctx.storage.dialect,
          ledgerFile: pgUrl !== undefined ? null : file,
        };
        const ledgerName = pgUrl !== undefined ? `PostgreSQL ${maskedPgUrl(pgUrl)}` : file;
        io.out(
          json
            ? JSON.stringify(value) + '\n'
            : `Paydesk server on ${server.url}${o.publicUrl ? ` (opened as ${o.publicUrl})` : ''}, ledger ${ledgerName}\nCtrl+C (or SIGTERM) stops it.\n`,
        );
        await new Promise<void>((stopped) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            kit.onInterrupt(undefined);
            stopped();
          };
          kit.onInterrupt(stop);
          process.on('SIGTERM', stop);
          // Under runCli's own SIGINT handling the kit hook hears Ctrl+C; without it, listen here.
          if (!kit.handlesSigint) process.on('SIGINT', stop);
        });
        io.err('paydesk server: stopping (finishing running requests)\n');
        await server.close();
      } catch (err) {
        if (err instanceof ServerConfigError) return refuse('server', err.message);
        throw err;
      } finally {
        app?.close();
      }
    });
}
