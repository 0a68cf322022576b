import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homedir, platform } from 'node:os';

function walkUpFor(start: string, relative: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Where the SQLite migrations live: env override, packaged resources, or the source tree. */
export function resolveMigrationsFolder(): string {
  return resolveFolder('migrations', process.env.PAYDESK_MIGRATIONS, 'PAYDESK_MIGRATIONS');
}

/** Where the PostgreSQL migrations live (db/migrations-pg): env override, packaged resources, or the source tree. */
export function resolvePgMigrationsFolder(): string {
  return resolveFolder('migrations-pg', process.env.PAYDESK_PG_MIGRATIONS, 'PAYDESK_PG_MIGRATIONS');
}

function resolveFolder(name: string, fromEnv: string | undefined, envName: string): string {
  if (fromEnv) return fromEnv;
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, name, 'meta', '_journal.json'))) {
    return join(resources, name);
  }
  const starts = [
    typeof __dirname === 'string' ? __dirname : undefined,
    process.env.PAYDESK_APP_ROOT,
    process.cwd(),
  ];
  for (const start of starts) {
    if (!start) continue;
    const found = walkUpFor(start, join('db', name, 'meta', '_journal.json'));
    if (found) return dirname(dirname(found));
  }
  throw new Error(`Paydesk ${name} folder not found (set ${envName})`);
}

/** The per-user data directory Electron would use for "Paydesk", computed without Electron. */
export function userDataDir(): string {
  if (process.env.PAYDESK_USER_DATA) return process.env.PAYDESK_USER_DATA;
  const home = homedir();
  switch (platform()) {
    case 'win32':
      return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Paydesk');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Paydesk');
    default:
      return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Paydesk');
  }
}

/** The default ledger file: ledger.sqlite in the user data directory. */
export function defaultLedgerFile(): string {
  return process.env.PAYDESK_DB ?? join(userDataDir(), 'ledger.sqlite');
}
