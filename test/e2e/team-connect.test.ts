import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { startTeamServer, type TeamServer } from '../../src-main/bridge/team-server';
import { RENDERER_DIR, startSession, type E2eSession } from './helpers';

// Issue #17: a desktop is pointed at the team server from its account menu. The desktop's settings store is
// the recorded port below (Electron's main process keeps it in desktop.json and restarts onto the server).

describe('Team server… in the account menu of the desktop', () => {
  let s: E2eSession;
  let dir: string;
  let teamApp: App;
  let team: TeamServer;
  const chosen: (string | null)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'paydesk-team-connect-'));
    teamApp = openApp({ file: join(dir, 'team.sqlite'), login: 'team.admin' });
    team = await startTeamServer({ app: teamApp, staticDir: RENDERER_DIR, port: 0, log: () => undefined });
    s = await startSession({
      desktop: { teamServer: () => chosen.at(-1) ?? null, connect: (url) => void chosen.push(url) },
    });
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await team?.close();
    teamApp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is offered at first run; an address it cannot use is refused on the field and nothing is kept', async () => {
    const page = s.page;
    // A new desktop of a team: the welcome dialog offers the team's server next to the demo data.
    await page.getByTestId('first-run-team-server').click();
    const dialog = page.getByTestId('team-server-dialog');
    await dialog.waitFor();
    expect(await page.getByTestId('team-server-ledger').textContent()).toBe(s.app.ctx.ledger.file);
    await s.screenshot('team-server-first-run');

    // Plain http to another machine: refused by the service on the field, nothing kept.
    await page.getByTestId('team-server-url').fill('http://paydesk.example.com');
    await page.getByTestId('team-server-save').click();
    await dialog.getByText('a team server is reached over https://').waitFor();
    // Nothing listens there: the service says it could not reach it.
    await page.getByTestId('team-server-url').fill('http://127.0.0.1:9');
    await page.getByTestId('team-server-save').click();
    await dialog.getByText(/cannot reach http:\/\/127\.0\.0\.1:9/).waitFor();
    expect(chosen).toEqual([]);
    await page.getByTestId('team-server-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('start-empty').click();
  }, 60_000);

  it('connects from the account menu and restarts onto a server that answered', async () => {
    const page = s.page;
    await page.getByTestId('account-menu').click();
    await page.getByTestId('account-team-server').click();
    const dialog = page.getByTestId('team-server-dialog');
    await dialog.waitFor();

    // A server that answers as Paydesk: kept, and the desktop restarts onto it.
    await page.getByTestId('team-server-url').fill(team.url);
    await page.getByTestId('team-server-save').click();
    await page.getByTestId('team-server-restarting').waitFor();
    expect(chosen).toEqual([team.url]);
    await s.screenshot('team-server-dialog');
    expect(s.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  }, 60_000);
});
