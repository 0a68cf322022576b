import { createServer, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { startTeamServer, type TeamServer } from '../../src-main/bridge/team-server';
import { chosenTeamServer, readDesktopSettings, writeDesktopSettings } from '../../src-main/desktop-settings';
import type { DesktopPort } from '../../src-main/services/team-connection';
import type { AppError } from '../../src-shared/api/result';
import type { TeamServerDto } from '../../src-shared/dto/app';
import { APPS, type TestApp } from '../helpers/apps';
import { tempDir } from '../helpers/temp';

// Issue #17: the desktop app connects to a team server from a settings dialog. The check and the saved choice
// are services (Electron's main process only provides where the choice is kept and the restart). The desktop's
// own ledger is a file; the team server's is a file or PostgreSQL.

describe.each(APPS.filter((r) => r.available))(
  'desktop:connect-server (team server on $dialect)',
  ({ open }) => {
    let dir: string;
    let cleanup: () => void;
    let desktopApp: App;
    let plainApp: App;
    let team: TeamServer;
    let teamApp: TestApp;
    let notPaydesk: Server;
    let notPaydeskUrl: string;
    let closedPort: number;
    let saved: (string | null)[];
    let current: string | null;

    beforeAll(async () => {
      ({ dir, cleanup } = tempDir());
      saved = [];
      current = null;
      const port: DesktopPort = {
        teamServer: () => current,
        connect: (url) => {
          saved.push(url);
          current = url;
        },
      };
      desktopApp = openApp({
        file: join(dir, 'desk.sqlite'),
        login: 'desk',
        desktop: port,
        migrationsFolder: 'db/migrations',
      });
      plainApp = openApp({ file: join(dir, 'cli.sqlite'), login: 'cli', migrationsFolder: 'db/migrations' });
      teamApp = await open({ login: 'team' });
      mkdirSync(join(dir, 'static'));
      writeFileSync(join(dir, 'static', 'index.html'), '<!doctype html><title>Paydesk</title>');
      team = await startTeamServer({
        app: teamApp,
        staticDir: join(dir, 'static'),
        port: 0,
        log: () => undefined,
      });
      notPaydesk = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>router admin</html>');
      });
      await new Promise<void>((r) => notPaydesk.listen(0, '127.0.0.1', r));
      notPaydeskUrl = `http://127.0.0.1:${(notPaydesk.address() as { port: number }).port}`;
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      closedPort = (probe.address() as { port: number }).port;
      await new Promise((r) => probe.close(r));
    });

    afterAll(async () => {
      await team?.close();
      await new Promise((r) => notPaydesk?.close(r));
      for (const a of [desktopApp, plainApp]) a?.close();
      await teamApp?.dispose();
      cleanup?.();
    });

    const fail = async (app: App, input: unknown): Promise<AppError> => {
      const r = await app.dispatch('desktop:connect-server', input);
      if (r.ok) throw new Error(`connected unexpectedly: ${JSON.stringify(r.value)}`);
      return r.error;
    };

    it('checks the server at its /healthz, keeps its origin and restarts onto it', async () => {
      const r = await desktopApp.dispatch('desktop:connect-server', { url: `  ${team.url}/  ` });
      expect(r).toMatchObject({
        ok: true,
        value: { available: true, url: team.url, restarting: true, version: expect.any(String) as string },
      });
      expect(saved).toEqual([team.url]);
      expect(
        (await desktopApp.dispatch('desktop:team-server', {})) as { value: TeamServerDto },
      ).toMatchObject({
        ok: true,
        value: { available: true, url: team.url },
      });
      // Back to this computer: nothing to check.
      expect(await desktopApp.dispatch('desktop:connect-server', { url: null })).toMatchObject({
        ok: true,
        value: { url: null, restarting: true },
      });
      expect(saved).toEqual([team.url, null]);
    });

    it('refuses an address it cannot use, saying why on the url field, and saves nothing', async () => {
      saved.length = 0;
      const cases: [string, RegExp][] = [
        ['paydesk.example.com', /not a URL/],
        ['http://paydesk.example.com', /https:\/\//],
        ['ftp://127.0.0.1', /https:\/\//],
        [`${team.url}/v1/commands`, /no path/],
        [`http://kim:secret@127.0.0.1:${closedPort}`, /no user name or password/],
        [`http://127.0.0.1:${closedPort}`, /cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/],
        [notPaydeskUrl, /is not a Paydesk team server \(its \/healthz answered 200\)/],
      ];
      for (const [url, why] of cases) {
        const err = await fail(desktopApp, { url });
        expect(err.code, url).toBe('validation');
        expect(err.message, url).toMatch(why);
        expect(err.code === 'validation' && err.issues?.map((i) => i.path), url).toEqual(['url']);
      }
      expect(saved).toEqual([]);
    });

    it('is a desktop setting: the CLI and a browser have none to change', async () => {
      expect(await plainApp.dispatch('desktop:team-server', {})).toMatchObject({
        ok: true,
        value: { available: false, url: null },
      });
      expect(await fail(plainApp, { url: team.url })).toMatchObject({
        code: 'conflict',
        rule: 'desktop-only',
      });
    });
  },
);

describe('the team server the desktop opens at start', () => {
  it('takes --server, then PAYDESK_SERVER, then the saved choice; a bad one given is an error', () => {
    const { dir, cleanup } = tempDir();
    try {
      expect(chosenTeamServer(['electron', '.'], {}, dir)).toBeNull();
      writeDesktopSettings(dir, { teamServer: 'https://team.example:8443' });
      expect(readDesktopSettings(dir)).toEqual({ teamServer: 'https://team.example:8443' });
      expect(chosenTeamServer(['electron', '.'], {}, dir)).toBe('https://team.example:8443');
      expect(chosenTeamServer(['electron', '.'], { PAYDESK_SERVER: 'https://env.example' }, dir)).toBe(
        'https://env.example',
      );
      expect(
        chosenTeamServer(
          ['electron', '.', '--server', 'https://argv.example/'],
          { PAYDESK_SERVER: 'https://env.example' },
          dir,
        ),
      ).toBe('https://argv.example');
      expect(chosenTeamServer(['electron', '--server=http://localhost:8080'], {}, dir)).toBe(
        'http://localhost:8080',
      );
      expect(() => chosenTeamServer(['electron', '--server', 'http://team.example'], {}, dir)).toThrow(
        /https:\/\//,
      );
      // A hand-edited file with a bad address reads as no choice (the desktop opens its own ledger).
      writeFileSync(join(dir, 'desktop.json'), '{"teamServer":"javascript:alert(1)"}');
      expect(chosenTeamServer(['electron'], {}, dir)).toBeNull();
      writeFileSync(join(dir, 'desktop.json'), 'not json');
      expect(readDesktopSettings(dir)).toEqual({});
    } finally {
      cleanup();
    }
  });
});
