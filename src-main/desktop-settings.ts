import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { teamServerOrigin } from './services/team-connection';

/** The desktop app's own settings on this computer (userData/desktop.json). */
export type DesktopSettings = {
  /** The team server the window opens at start (issue #17); absent: the ledger file on this computer. */
  teamServer?: string;
};

const FILE = 'desktop.json';

/** The saved settings; a missing or unreadable file (or a bad address in it) reads as none. */
export function readDesktopSettings(dir: string): DesktopSettings {
  const file = join(dir, FILE);
  if (!existsSync(file)) return {};
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { teamServer?: unknown };
    return typeof raw.teamServer === 'string' ? { teamServer: teamServerOrigin(raw.teamServer) } : {};
  } catch {
    return {};
  }
}

/** Saves the settings (written whole, then renamed over the old file). */
export function writeDesktopSettings(dir: string, settings: DesktopSettings): void {
  const file = join(dir, FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/**
 * The team server the desktop opens: `--server URL` on its command line, else PAYDESK_SERVER (as for the CLI),
 * else the saved setting; null for the ledger file on this computer. A bad address given on the command line
 * or in the environment is an error at start, not silently the local ledger.
 */
export function chosenTeamServer(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  dir: string,
): string | null {
  const i = argv.findIndex((a) => a === '--server' || a.startsWith('--server='));
  const fromArgv = i < 0 ? undefined : argv[i]!.startsWith('--server=') ? argv[i]!.slice(9) : argv[i + 1];
  const given = fromArgv ?? (env.PAYDESK_SERVER || undefined);
  if (given !== undefined) return teamServerOrigin(given);
  return readDesktopSettings(dir).teamServer ?? null;
}
