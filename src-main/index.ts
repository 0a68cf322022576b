import { app, BrowserWindow, dialog, Menu, powerMonitor, safeStorage } from 'electron';
import { LedgerOpenError } from '../db/client';
import { openApp, type App } from './app-context';
import { registerIpc, registeredChannels } from './ipc/register';
import { workerJobRunner } from './jobs/worker-runner';
import { desktopLedgerKey } from './ledger-key';
import { useProtectedSecretKey } from './processors/safe-key';
import { defaultLedgerFile, userDataDir } from './paths';
import { stderrLogger } from './services/context';
import { appMenuTemplate } from './electron/app-menu';
import { processorUrls } from './services/processors/config';
import { chosenTeamServer, readDesktopSettings, writeDesktopSettings } from './desktop-settings';
import type { DesktopPort } from './services/team-connection';
import {
  createMainWindow,
  installSessionPolicy,
  isAppUrl,
  rendererTarget,
  setFrameSources,
  type RendererTarget,
} from './window';

/** How start-up ended: running with a window, quitting after an error, or handed over to the first instance. */
export type StartOutcome = 'running' | 'quit' | 'second-instance';

let services: App | undefined;
let unregisterIpc: (() => void) | undefined;
let mainWindow: BrowserWindow | undefined;
let windowTarget: RendererTarget | undefined;

function showMainWindow(): void {
  if (!windowTarget || (windowTarget.kind !== 'server' && !services)) return;
  if (!mainWindow || mainWindow.isDestroyed()) {
    mainWindow = createMainWindow(windowTarget);
    mainWindow.on('closed', () => (mainWindow = undefined));
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
}

function shutdown(): void {
  unregisterIpc?.();
  unregisterIpc = undefined;
  services?.close();
  services = undefined;
}

/** Protects processor secrets with the OS keychain where Electron offers it (never fatal: the key file remains). */
function protectSecrets(file: string): void {
  try {
    const source = useProtectedSecretKey(file, safeStorage, (message, fields) =>
      stderrLogger.error(message, fields),
    );
    stderrLogger.info('processor secret key', { source });
  } catch (err) {
    stderrLogger.error('safeStorage unavailable; processor secrets use the key file', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

/**
 * Restarts Paydesk onto the saved choice (a team server or this computer). A --server on the command line would
 * win over the saved choice again, so the restart drops it.
 */
function restartOntoSavedChoice(): void {
  const args = process.argv
    .slice(1)
    .filter((a, i, all) => !a.startsWith('--server') && all[i - 1] !== '--server');
  app.relaunch({ args });
  app.exit(0);
}

/** The desktop's team-server setting for the services (desktop:team-server, desktop:connect-server). */
const desktopPort: DesktopPort = {
  teamServer: () => readDesktopSettings(userDataDir()).teamServer ?? null,
  connect: (url) => {
    writeDesktopSettings(userDataDir(), url === null ? {} : { teamServer: url });
    // After the answer has reached the window that asked.
    setTimeout(restartOntoSavedChoice, 300);
  },
};

function openServices(): App | undefined {
  const file = defaultLedgerFile();
  protectSecrets(file);
  try {
    const { key, source } = desktopLedgerKey(file, safeStorage);
    stderrLogger.info('ledger key', { source });
    // Heavy jobs run in worker threads on the same file, so the main thread keeps serving IPC and painting.
    return openApp({
      file,
      log: stderrLogger,
      desktop: desktopPort,
      ...(key !== undefined ? { ledgerKey: key } : {}),
      jobs: (c) =>
        workerJobRunner(c.ledger.file, undefined, c.ledger.key === undefined ? {} : { key: c.ledger.key }),
    });
  } catch (err) {
    const detail =
      err instanceof LedgerOpenError
        ? err.message
        : `Paydesk could not open its ledger ${file}: ${err instanceof Error ? err.message : String(err)}`;
    stderrLogger.error('ledger open failed', { file, error: detail });
    dialog.showErrorBox('Paydesk cannot open the ledger', detail);
    return undefined;
  }
}

function start(): Promise<StartOutcome> {
  // Two instances writing one ledger would fight over the WAL; the second one just focuses the first.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return Promise.resolve('second-instance');
  }
  // One data directory for Electron and the CLI, so both find the same ledger.sqlite.
  app.setName('Paydesk');
  app.setPath('userData', userDataDir());
  app.on('second-instance', showMainWindow);
  app.on('activate', showMainWindow);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', shutdown);

  return app.whenReady().then((): StartOutcome => {
    // A bad --server or PAYDESK_SERVER stops the start with its reason (the catch of `started` shows it).
    const teamServer = chosenTeamServer(process.argv, process.env, userDataDir());
    // Electron's default menu reloads the page and opens DevTools; the packaged app has neither.
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        appMenuTemplate({
          isPackaged: app.isPackaged,
          platform: process.platform,
          appName: 'Paydesk',
          onAbout: () => app.showAboutPanel(),
          ...(teamServer === null
            ? {}
            : {
                teamServer,
                onWorkLocally: () => {
                  writeDesktopSettings(userDataDir(), {});
                  restartOntoSavedChoice();
                },
              }),
        }),
      ),
    );
    const target = rendererTarget(teamServer);
    windowTarget = target;
    installSessionPolicy(target);
    if (target.kind === 'server') {
      // The team server keeps the ledger: no file opens here and no IPC answers (its page has no preload).
      stderrLogger.info('team server', { url: teamServer });
      showMainWindow();
      return 'running';
    }
    services = openServices();
    if (!services) {
      app.quit();
      return 'quit';
    }
    // The window may frame only the configured processors' hosted card pages: now, and after every change.
    const opened = services;
    setFrameSources(processorUrls(opened.ctx.ledger.sqlite));
    opened.subscribe((event) => {
      if (event === 'ledger:changed') setFrameSources(processorUrls(opened.ctx.ledger.sqlite));
    });
    unregisterIpc = registerIpc(services, { isTrustedSender: (url) => isAppUrl(url, target) });
    // Locking the computer locks every Paydesk session: whoever unlocks the OS still needs the password.
    powerMonitor.on('lock-screen', () => services?.lockAll('os lock'));
    showMainWindow();
    return 'running';
  });
}

/** Resolves once start-up has finished (the main-bundle smoke test waits on it). */
export const started: Promise<StartOutcome> = start().catch((err: unknown): StartOutcome => {
  // Never leave a half-started app without a window or a message.
  const detail = err instanceof Error ? err.message : String(err);
  stderrLogger.error('start-up failed', { error: detail });
  dialog.showErrorBox('Paydesk could not start', detail);
  shutdown();
  app.quit();
  return 'quit';
});

export { registeredChannels };
