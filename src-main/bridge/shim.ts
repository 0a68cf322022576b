import { COMMANDS, EVENTS } from '../../src-shared/api/contract';
import { TOKEN_HEADER } from './server';

/**
 * JavaScript source that defines `window.api` (the PaydeskApi the preload exposes in Electron) over the loopback
 * bridge: commands via fetch to /__api/<command>, events via one EventSource on /__events. Only the contract's
 * commands and events are reachable, exactly like the preload.
 */
export function browserShim(token: string): string {
  return `(() => {
  'use strict';
  if (window.api) return;
  const TOKEN = ${JSON.stringify(token)};
  const HEADER = ${JSON.stringify(TOKEN_HEADER)};
  const COMMANDS = new Set(${JSON.stringify(COMMANDS)});
  const EVENTS = ${JSON.stringify(EVENTS)};
  const listeners = new Map(EVENTS.map((e) => [e, new Set()]));
  let source = null;
  const bridgeError = (message) => ({ ok: false, error: { code: 'internal', message, correlationId: 'bridge' } });
  const connect = () => {
    if (source) return;
    source = new EventSource('/__events?token=' + encodeURIComponent(TOKEN));
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
          headers: { 'content-type': 'application/json', [HEADER]: TOKEN },
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
