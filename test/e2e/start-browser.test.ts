import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureRendererBuilt, ROOT } from './helpers';

/** Waits until the child's output matches, or fails with what it printed. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`no match for ${String(pattern)} in:\n${out}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('utf8');
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out}`));
    });
  });
}

describe('npm start in browser mode', () => {
  let dir: string;
  let child: ChildProcess;
  let launchUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    ensureRendererBuilt();
    dir = mkdtempSync(join(tmpdir(), 'paydesk-start-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PAYDESK_USER_DATA: dir,
      PAYDESK_DB: join(dir, 'ledger.sqlite'),
    };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    child = spawn(process.execPath, ['scripts/start.mjs', '--browser', '--no-open', '--no-build'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    launchUrl = (
      await waitForOutput(child, /open (http:\/\/127\.0\.0\.1:\d+\/\?launch=[A-Za-z0-9_-]{43})\n/, 60_000)
    )[1]!;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a one-time launch URL whose page gets a session, while the bare URL gets none', async () => {
    const origin = new URL(launchUrl).origin;
    const shim = await (await fetch(`${origin}/paydesk-shim.js`)).text();
    expect(shim).toContain('window.api');
    expect(shim).not.toMatch(/[0-9a-f]{64}|[A-Za-z0-9_-]{43}/);

    const stranger = await browser.newPage();
    await stranger.goto(`${origin}/`);
    const refused = await stranger.evaluate(() =>
      (window as unknown as { api: { invoke: (c: string, i: unknown) => Promise<unknown> } }).api.invoke(
        'auth:status',
        {},
      ),
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // The staged index.html loads the shim itself; no init script here, as in a user's browser.
    const page = await browser.newPage();
    await page.goto(launchUrl);
    expect(page.url()).toBe(`${origin}/`);
    const status = await page.evaluate(() =>
      (window as unknown as { api: { invoke: (c: string, i: unknown) => Promise<unknown> } }).api.invoke(
        'auth:status',
        {},
      ),
    );
    expect(status).toMatchObject({ ok: true, value: { firstRun: true, operator: null } });

    const again = await fetch(launchUrl, { redirect: 'manual' });
    expect(again.status).toBe(403);
  });
});
