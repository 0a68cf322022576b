import { sql } from 'drizzle-orm';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src-main/cli/output';
import { inlineJobRunner } from '../../src-main/jobs/runner';
import { APPS, type AppRow, type TestApp } from '../helpers/apps';

const CLI = join(process.cwd(), 'bin', 'paydesk.cjs');

/**
 * A ledger with an operator the CLI signs in as (the test password). Its own jobs run inline, so on PostgreSQL
 * this process never claims the job the CLI queues: the CLI's own runner runs it, and hears its Ctrl+C.
 */
async function ledgerWithOperator(open: AppRow['open']): Promise<TestApp> {
  const app = await open({
    login: 'nightly',
    jobs: (c) => inlineJobRunner(c.ledger, undefined, c.storage),
  });
  await app.giveTestPassword('nightly', 'admin');
  return app;
}

/** Starts `paydesk --json demo` on the ledger; resolves with the child once the CLI says the job started. */
function startDemo(app: TestApp) {
  const child = spawn(process.execPath, [CLI, ...app.ledgerArgs, '--json', 'demo', '--accounts', '200000'], {
    env: { ...process.env, ...app.cliEnv, PAYDESK_OPERATOR: 'nightly', PAYDESK_QUIET: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string; at: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr, at: performance.now() })),
  );
  const started = new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('"job started"')) resolve();
    });
    void exited.then(() => reject(new Error(`the CLI ended before the job started: ${stderr}`)));
  });
  return { child, started, exited };
}

async function ledgerState(app: TestApp) {
  return {
    accounts: (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM accounts WHERE is_suspense = 0`))!
      .n,
    journals: (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM journals`))!.n,
    cancels: await app.all(
      sql`SELECT action FROM audit_log WHERE action IN ('job.cancel', 'demo.load') ORDER BY id`,
    ),
  };
}

describe.each(APPS.filter((r) => r.available))('Ctrl+C in the CLI ($dialect)', ({ open }) => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.dispose();
    app = undefined;
  });

  it('cancels the running job: the cancelled error as JSON, exit code 130, the ledger untouched', async () => {
    app = await ledgerWithOperator(open);
    const { child, started, exited } = startDemo(app);
    await started;
    // Let the job get into the load (its first chunks commit into the one open transaction).
    await new Promise((r) => setTimeout(r, 1500));
    const sent = performance.now();
    child.kill('SIGINT');
    const out = await exited;
    expect(out.code, out.stderr).toBe(EXIT_CODES.cancelled);
    expect(EXIT_CODES.cancelled).toBe(130);
    expect(JSON.parse(out.stdout)).toMatchObject({ error: { code: 'cancelled', kind: 'demo' } });
    expect(out.stderr).toContain('Ctrl+C again to quit at once');
    console.info(`CLI demo cancelled ${Math.round(out.at - sent)} ms after SIGINT (${app.dialect})`);
    expect(await ledgerState(app)).toEqual({ accounts: 0, journals: 0, cancels: [{ action: 'job.cancel' }] });
  }, 60_000);

  it('a second Ctrl+C quits at once; the uncommitted load is discarded', async () => {
    app = await ledgerWithOperator(open);
    const { child, started, exited } = startDemo(app);
    await started;
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    child.kill('SIGINT');
    const out = await exited;
    expect(out.code).toBe(EXIT_CODES.cancelled);
    const state = await ledgerState(app);
    expect(state).toMatchObject({ accounts: 0, journals: 0 });
  }, 60_000);
});
