import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSession, type E2ePage, type E2eSession } from './helpers';

const ALICE = { login: 'alice', password: 'Correct-Horse-41' };
const BOB = { login: 'bob', password: 'Battery-Staple-72' };

type Answer = { ok: boolean; value?: { operator: { login: string } | null }; error?: { code: string } };

/** Runs a command through the page's window.api (the shim over the bridge), as the renderer does. */
function invoke(page: Page, command: string, input: unknown = {}): Promise<Answer> {
  return page.evaluate(
    ([c, i]) =>
      (window as unknown as { api: { invoke: (c: string, i: unknown) => Promise<Answer> } }).api.invoke(c, i),
    [command, input] as const,
  );
}

/** Accounts in the ledger as the trusted in-process caller sees them. */
async function accountCount(s: E2eSession): Promise<number> {
  const r = await s.app.dispatch('app:info', {});
  if (!r.ok) throw new Error(r.error.message);
  return (r.value as { accountCount: number }).accountCount;
}

describe('bridge sessions in Chromium: one client per browser context, nothing for other origins', () => {
  let s: E2eSession;
  let second: E2ePage;
  let evil: Server;
  let evilUrl: string;

  beforeAll(async () => {
    s = await startSession({ login: 'e2e.admin' });
    for (const [who, roles] of [
      [ALICE, ['admin']],
      [BOB, ['supervisor']],
    ] as const) {
      const r = await s.app.dispatch('operators:add', { ...who, name: who.login, roles });
      expect(r.ok).toBe(true);
    }
    second = await s.newPage();
    // The page of the finding: another loopback port that loads the shim and posts text/plain without CORS.
    const target = s.bridge.url;
    // It spies on fetch so that whatever secret the shim sends would be captured, as the finding did.
    const html = `<!doctype html><title>evil</title>
<script>
  window.captured = [];
  const realFetch = window.fetch;
  window.fetch = (url, init) => { window.captured.push(JSON.stringify(init && init.headers)); return realFetch(url, init); };
</script>
<script src="${target}/paydesk-shim.js"></script>
<script>
  window.results = [];
  const post = (type, query) => realFetch('${target}/__api/demo:load' + query, { method: 'POST', mode: 'no-cors',
    credentials: 'include', headers: { 'content-type': type }, body: JSON.stringify({ accounts: 4, seed: 3 }) })
    .then((r) => 'sent ' + r.type, (e) => 'failed ' + e.message);
  window.attack = async () => {
    window.results.push('api ' + typeof window.api);
    if (window.api) await window.api.invoke('auth:status', {});
    const token = (window.captured.join(' ').match(/[0-9a-f]{64}/) || [''])[0];
    window.results.push('token ' + (token ? 'stolen' : 'none'));
    window.results.push(await post('text/plain', '?token=' + token));
    window.results.push(await post('application/x-www-form-urlencoded', '?token=' + token));
    try {
      const r = await realFetch('${target}/__api/auth:status', { method: 'POST', credentials: 'include',
        headers: { 'content-type': 'application/json' }, body: '{}' });
      window.results.push('cors ' + r.status);
    } catch (e) { window.results.push('cors blocked'); }
    return window.results;
  };
</script>`;
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (evil ? evil.close(() => resolve()) : resolve()));
    await s?.close();
  });

  it('loads the app through the launch URL with an HttpOnly cookie and a working shim', async () => {
    expect(new URL(s.page.url()).searchParams.has('launch')).toBe(false);
    expect(s.page.url()).toBe(`${s.bridge.url}/`);
    expect(await s.page.evaluate(() => document.cookie)).toBe('');
    const cookies = await s.context.cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // startSession signed this page in through the sign-in screen, over the cookie session.
    expect(await invoke(s.page, 'auth:status')).toMatchObject({
      ok: true,
      value: { operator: { login: 'e2e.admin' } },
    });
    // A reload keeps the session (the cookie), a fresh context without a launch URL has none.
    await s.page.goto(s.bridge.url);
    expect((await invoke(s.page, 'auth:status')).ok).toBe(true);
    const stranger = await s.browser.newContext();
    try {
      const page = await stranger.newPage();
      await page.goto(s.bridge.url);
      const r = await page.evaluate(async () => {
        const res = await fetch('/__api/auth:status', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        return res.status;
      });
      expect(r).toBe(403);
    } finally {
      await stranger.close();
    }
  });

  it('signs two operators in at once in two browser contexts', async () => {
    expect(await invoke(s.page, 'auth:sign-in', ALICE)).toMatchObject({
      ok: true,
      value: { operator: { login: 'alice' } },
    });
    expect(await invoke(second.page, 'auth:status')).toMatchObject({ ok: true, value: { operator: null } });
    expect(await invoke(second.page, 'app:info')).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    expect(await invoke(second.page, 'auth:sign-in', BOB)).toMatchObject({
      ok: true,
      value: { operator: { login: 'bob' } },
    });
    expect(await invoke(s.page, 'auth:status')).toMatchObject({ value: { operator: { login: 'alice' } } });
    expect(await invoke(second.page, 'auth:status')).toMatchObject({ value: { operator: { login: 'bob' } } });
  });

  it('a page on another loopback port, in the signed-in browser, cannot run commands', async () => {
    expect(await invoke(s.page, 'auth:status')).toMatchObject({ value: { operator: { login: 'alice' } } });
    const before = await accountCount(s);
    // Same context as the signed-in admin: the browser would send her cookie to the other port's requests.
    const page = await s.context.newPage();
    try {
      await page.goto(evilUrl);
      const results = await page.evaluate(() =>
        (window as unknown as { attack: () => Promise<string[]> }).attack(),
      );
      // The shim is not served to another origin (and holds nothing to steal); the posts change nothing.
      expect(results.slice(0, 2)).toEqual(['api undefined', 'token none']);
      expect(results[2]).toMatch(/^(sent opaque|failed)/);
      expect(results[3]).toMatch(/^(sent opaque|failed)/);
      expect(results[4]).toMatch(/^cors (blocked|403)$/);
      await new Promise((r) => setTimeout(r, 300));
      expect(await accountCount(s)).toBe(before);
    } finally {
      await page.close();
    }
    expect(await invoke(s.page, 'auth:status')).toMatchObject({ value: { operator: { login: 'alice' } } });
  });
});
