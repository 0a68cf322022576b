import type { WebPreferences } from 'electron';

/**
 * The main window's web preferences (Electron security checklist): an isolated, sandboxed renderer with no
 * Node, no <webview>, no insecure content, no navigation by dropping a file or middle click, and DevTools only
 * when unpackaged. No preload for a team server's page (its window.api is the server's own).
 */
export function mainWindowWebPreferences(
  preload: string | undefined,
  opts: { isPackaged: boolean },
): WebPreferences {
  return {
    ...(preload === undefined ? {} : { preload }),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: !opts.isPackaged,
    // A middle click must not open a link in a new window (setWindowOpenHandler denies those anyway).
    disableBlinkFeatures: 'Auxclick',
  };
}
