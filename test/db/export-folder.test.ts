import { spawnSync } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, type TestApp } from '../helpers/apps';

// A folder that cannot exist (a path under /proc) once made `export` spin forever inside Node's recursive mkdir.
// The export must refuse it at once with the folder named, in a real CLI process (the hang was in the process).
// Issue #17: on a ledger file (`--db`) and on PostgreSQL (`--pg`).

describe.each(APPS.filter((r) => r.available))('export folder ($dialect)', ({ open }) => {
  let app: TestApp;

  beforeAll(async () => {
    app = await open({ login: 'folder-cli', clock: () => new Date('2026-11-22T09:00:00Z') });
    await app.giveTestPassword('folder-cli');
  });
  afterAll(async () => {
    await app.dispose();
  });

  it('refuses a folder that cannot be created, promptly, and records no run', async () => {
    const started = Date.now();
    const r = spawnSync(
      process.execPath,
      [
        'bin/paydesk.cjs',
        ...app.ledgerArgs,
        '--json',
        'export',
        'gl',
        '--period',
        '2026-11',
        '--out',
        '/proc/paydesk-x/y',
      ],
      {
        env: {
          ...process.env,
          ...app.cliEnv,
          PAYDESK_OPERATOR: 'folder-cli',
          PAYDESK_QUIET: '1',
          PAYDESK_CLI_SOURCE: '1',
        },
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.signal, 'the CLI hung and was killed').toBeNull();
    expect(r.status, r.stderr).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({
      error: { code: 'validation', message: expect.stringContaining('/proc/paydesk-x') },
    });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(await app.get(sql`SELECT count(*) AS n FROM export_runs`)).toEqual({ n: 0 });
  }, 30_000);
});
