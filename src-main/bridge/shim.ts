import { COMMANDS, EVENTS } from '../../src-shared/api/contract';
import { UPLOAD_PATH } from './server';

/**
 * JavaScript source that defines `window.api` (the PaydeskApi the preload exposes in Electron) over the loopback
 * bridge: commands via fetch to /__api/<command>, events via one EventSource on /__events. Only the contract's
 * commands and events are reachable, exactly like the preload; `upload` streams a file to POST /__upload with
 * XMLHttpRequest (for its upload progress events). It holds no secret: the page's HttpOnly session
 * cookie (set when the browser opened its launch URL) goes along with every same-origin request by itself, so
 * any page may load this file and learn nothing.
 */
export function browserShim(): string {
  return `(() => {
  'use strict';
  if (window.api) return;
  const COMMANDS = new Set(${JSON.stringify(COMMANDS)});
  const EVENTS = ${JSON.stringify(EVENTS)};
  const listeners = new Map(EVENTS.map((e) => [e, new Set()]));
  let source = null;
  const bridgeError = (message) => ({ ok: false, error: { code: 'internal', message, correlationId: 'bridge' } });
  const connect = () => {
    if (source) return;
    source = new EventSource('/__events');
    for (const name of EVENTS) {
      source.addEventListener(name, (e) => {
        let payload;
        try { payload = JSON.parse(e.data); } catch { return; }
        for (const l of listeners.get(name)) {
          try { l(payload); } catch (err) { setTimeout(() => { throw err; }); }
        }
      });
    }
  };
  const api = {
    invoke: async (command, input) => {
      if (!COMMANDS.has(command)) {
        return { ok: false, error: { code: 'validation', message: 'unknown command "' + String(command) + '"',
          issues: [{ path: 'command', message: 'unknown command' }] } };
      }
      let res;
      try {
        res = await fetch('/__api/' + encodeURIComponent(command), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          credentials: 'same-origin',
          body: JSON.stringify(input === undefined ? {} : input),
        });
      } catch {
        return bridgeError('The Paydesk service is not reachable.');
      }
      try {
        return await res.json();
      } catch {
        return bridgeError('The Paydesk service answered HTTP ' + res.status + '.');
      }
    },
    upload: (file, fileName, opts) =>
      new Promise((resolve) => {
        const o = opts || {};
        const xhr = new XMLHttpRequest();
        xhr.open('POST', ${JSON.stringify(UPLOAD_PATH)} + '?name=' + encodeURIComponent(String(fileName)));
        xhr.setRequestHeader('content-type', 'application/octet-stream');
        xhr.upload.onprogress = (e) => {
          if (typeof o.onProgress === 'function') o.onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
        };
        xhr.onload = () => {
          try { resolve(JSON.parse(xhr.responseText)); }
          catch { resolve(bridgeError('The Paydesk service answered HTTP ' + xhr.status + '.')); }
        };
        xhr.onerror = () => resolve(bridgeError('The Paydesk service is not reachable.'));
        xhr.onabort = () => resolve({ ok: false, error: { code: 'conflict', rule: 'cancelled', message: 'The upload was cancelled.' } });
        if (o.signal) {
          if (o.signal.aborted) { xhr.abort(); return; }
          o.signal.addEventListener('abort', () => xhr.abort(), { once: true });
        }
        xhr.send(file);
      }),
    on: (event, listener) => {
      const set = listeners.get(event);
      if (!set || typeof listener !== 'function') return () => {};
      connect();
      set.add(listener);
      return () => { set.delete(listener); };
    },
  };
  Object.defineProperty(window, 'api', { value: Object.freeze(api), writable: false, configurable: false });
})();`;
}
