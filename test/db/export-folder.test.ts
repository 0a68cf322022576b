import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockedApp, type ClockedApp } from '../helpers/gl-scenario';

// A folder that cannot exist (a path under /proc) once made `export` spin forever inside Node's recursive mkdir.
// The export must refuse it at once with the folder named, in a real CLI process (the hang was in the process).

let app: ClockedApp;

beforeAll(() => {
  app = clockedApp('2026-11-22T09:00:00Z', 'folder-cli');
});
afterAll(() => app.dispose());

describe('export folder', () => {
  it('refuses a folder that cannot be created, promptly, and records no run', () => {
    const started = Date.now();
    const r = spawnSync(
      process.execPath,
      [
        'bin/paydesk.cjs',
        '--db',
        app.file,
        '--json',
        'export',
        'gl',
        '--period',
        '2026-11',
        '--out',
        '/proc/paydesk-x/y',
      ],
      {
        env: { ...process.env, PAYDESK_OPERATOR: 'folder-cli', PAYDESK_QUIET: '1', PAYDESK_CLI_SOURCE: '1' },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.signal, 'the CLI hung and was killed').toBeNull();
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: 'validation', message: expect.stringContaining('/proc/paydesk-x') },
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);
});
