import { join } from 'node:path';
import { openApp, type App } from '../../src-main/app-context';
import { giveTestPassword } from './passwords';
import { tempDir } from './temp';

export { tempDir };

/** Opens the services on a fresh ledger file in a temp dir, with a fixed clock. */
export function freshApp(
  now = new Date('2026-11-22T09:00:00Z'),
  login = 'tester',
): App & { dir: string; file: string; dispose: () => void } {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'ledger.sqlite');
  const app = openApp({ file, login, clock: () => now, migrationsFolder: 'db/migrations' });
  // The in-process caller is this operator; with the test password the CLI can sign in as them too.
  giveTestPassword(app.ctx.ledger.sqlite, login);
  return {
    ...app,
    dir,
    file,
    dispose: () => {
      app.close();
      cleanup();
    },
  };
}
