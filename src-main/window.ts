import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, net, session, type WebContents } from 'electron';
import { contentSecurityPolicy, hostedPageOrigins } from './electron/csp';
import { mainWindowWebPreferences } from './electron/web-preferences';

/**
 * Where the renderer comes from: the built file, the electron-vite dev server in development, or a team
 * server's own pages (issue #17), which carry their own window.api over HTTPS and never get the preload.
 */
export type RendererTarget =
  | { kind: 'file'; file: string; url: string }
  | { kind: 'dev'; url: string }
  | { kind: 'server'; url: string };

function isLoopbackHttp(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

/**
 * Picks the renderer source: a team server when one is chosen (its origin, checked by teamServerOrigin), else
 * the built file; ELECTRON_RENDERER_URL is honoured only unpackaged and only on loopback.
 */
export function rendererTarget(teamServer: string | null = null): RendererTarget {
  if (teamServer !== null) return { kind: 'server', url: `${teamServer}/` };
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  // A packaged app must never load a page named by an environment variable: that page would get window.api.
  if (devUrl && !app.isPackaged && isLoopbackHttp(devUrl)) return { kind: 'dev', url: devUrl };
  // __dirname is out/main in the bundle (the build keeps every main chunk there).
  const file = join(__dirname, '..', 'renderer', 'index.html');
  return { kind: 'file', file, url: pathToFileURL(file).href };
}

/** True when a URL is our renderer page (same file, or same dev-server origin); query and hash are ignored. */
export function isAppUrl(raw: string, target: RendererTarget = rendererTarget()): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (target.kind !== 'file') return u.origin === new URL(target.url).origin;
  const expected = new URL(target.url);
  return u.protocol === 'file:' && u.pathname === expected.pathname;
}

/** The origins the renderer may frame (the configured processors' hosted card pages); none until set. */
let frameOrigins: string[] = [];

/**
 * Sets the frame-src of the policy from the configured processor URLs (at start and whenever processor
 * settings change); a page loaded from then on gets the new policy.
 */
export function setFrameSources(processorUrls: readonly string[]): void {
  frameOrigins = hostedPageOrigins(processorUrls);
}

/** The policy the renderer gets now. */
export function currentContentSecurityPolicy(target: RendererTarget = rendererTarget()): string {
  return contentSecurityPolicy({ frameOrigins, dev: target.kind === 'dev' });
}

/**
 * Applies the CSP and a deny-by-default permission policy to the default session (call after ready). The
 * policy is a response header: from webRequest for the dev server, and for the built renderer (file://, which
 * webRequest never sees) from a file protocol handler that adds it to our index.html only. index.html also
 * carries a broad meta policy; a page obeys both, so the narrower header decides frame-src.
 */
export function installSessionPolicy(target: RendererTarget = rendererTarget()): void {
  const ses = session.defaultSession;
  // A team server's pages come with the server's own policy (and its processors' card pages to frame).
  if (target.kind !== 'server')
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: {
          ...details.responseHeaders,
          'Content-Security-Policy': [currentContentSecurityPolicy(target)],
        },
      });
    });
  if (target.kind === 'file') {
    ses.protocol.handle('file', async (request) => {
      const response = await net.fetch(request, { bypassCustomProtocolHandlers: true });
      if (!isAppUrl(request.url, target)) return response;
      const headers = new Headers(response.headers);
      headers.set('Content-Security-Policy', currentContentSecurityPolicy(target));
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    });
  }
  // A back office needs no camera, geolocation, notifications...; writing to the clipboard (copy cells) is fine.
  ses.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(permission === 'clipboard-sanitized-write'),
  );
  ses.setPermissionCheckHandler((_wc, permission) => permission === 'clipboard-sanitized-write');
}

/** Locks down any web contents: no new windows, no navigation away from the app, no <webview>. */
export function guardWebContents(contents: WebContents, target: RendererTarget = rendererTarget()): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, target)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, target)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Creates the main window: isolated, sandboxed preload, guarded navigation, shown once painted. */
export function createMainWindow(target: RendererTarget = rendererTarget()): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'Paydesk',
    backgroundColor: '#ffffff',
    webPreferences: {
      // A team server's page talks to its server over HTTPS: it must never reach this computer's IPC.
      ...mainWindowWebPreferences(
        target.kind === 'server' ? undefined : join(__dirname, '..', 'preload', 'index.js'),
        { isPackaged: app.isPackaged },
      ),
      // The same values again, written out where static checkers (electronegativity) look for them.
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      disableBlinkFeatures: 'Auxclick',
    },
  });
  guardWebContents(win.webContents, target);
  win.once('ready-to-show', () => win.show());
  if (target.kind === 'file') void win.loadFile(target.file);
  else void win.loadURL(target.url);
  return win;
}
