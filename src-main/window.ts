import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, session, type WebContents } from 'electron';

/** Where the renderer comes from: the built file, or the electron-vite dev server in development. */
export type RendererTarget = { kind: 'file'; file: string; url: string } | { kind: 'dev'; url: string };

/** The Content-Security-Policy of the packaged renderer (MUI/emotion and AG Grid inject <style> tags). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  // The payment processor's hosted card page (V19) is the only thing the renderer may frame.
  'frame-src http://127.0.0.1:* https:',
  "frame-ancestors 'none'",
].join('; ');

/** The dev-server policy: Vite's HMR socket and React Refresh's inline preamble need a little more. */
const DEV_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  'frame-src http://127.0.0.1:* https:',
  "frame-ancestors 'none'",
].join('; ');

function isLoopbackHttp(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

/** Picks the renderer source; ELECTRON_RENDERER_URL is honoured only unpackaged and only on loopback. */
export function rendererTarget(): RendererTarget {
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
  if (target.kind === 'dev') return u.origin === new URL(target.url).origin;
  const expected = new URL(target.url);
  return u.protocol === 'file:' && u.pathname === expected.pathname;
}

/** Applies the CSP header and a deny-by-default permission policy to the default session (call after ready). */
export function installSessionPolicy(target: RendererTarget = rendererTarget()): void {
  const ses = session.defaultSession;
  const csp = target.kind === 'dev' ? DEV_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY;
  // Covers the dev server; file:// pages get no response headers, so index.html also carries the policy as a meta tag.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
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
      preload: join(__dirname, '..', 'preload', 'index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  guardWebContents(win.webContents, target);
  win.once('ready-to-show', () => win.show());
  if (target.kind === 'dev') void win.loadURL(target.url);
  else void win.loadFile(target.file);
  return win;
}
