import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src-main/app-context';
import { EXIT_CODES } from '../../src-main/cli/output';
import { giveTestPassword } from '../helpers/passwords';
import { tempDir } from '../helpers/temp';

const CLI = join(process.cwd(), 'bin', 'paydesk.cjs');

/** A ledger file with an operator the CLI signs in as (the test password). */
function ledgerWithOperator(): { file: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir('paydesk-cli-cancel-');
  const file = join(dir, 'ledger.sqlite');
  const app = openApp({ file, login: 'nightly', migrationsFolder: 'db/migrations' });
  giveTestPassword(app.ctx.ledger.sqlite, 'nightly', 'admin');
  app.close();
  return { file, cleanup };
}

/** Starts `paydesk --json demo` on the file; resolves with the child once the CLI says the job started. */
function startDemo(file: string) {
  const child = spawn(process.execPath, [CLI, '--db', file, '--json', 'demo', '--accounts', '200000'], {
    env: { ...process.env, PAYDESK_OPERATOR: 'nightly', PAYDESK_QUIET: '' },
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

function ledgerState(file: string) {
  const app = openApp({ file, login: 'nightly', migrationsFolder: 'db/migrations' });
  try {
    const db = app.ctx.ledger.sqlite;
    return {
      accounts: (
        db.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get() as { n: number }
      ).n,
      journals: (db.prepare('SELECT count(*) AS n FROM journals').get() as { n: number }).n,
      cancels: db.prepare(`SELECT action FROM audit_log WHERE action IN ('job.cancel', 'demo.load')`).all(),
    };
  } finally {
    app.close();
  }
}

describe('Ctrl+C in the CLI', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('cancels the running job: the cancelled error as JSON, exit code 130, the ledger untouched', async () => {
    const { file, cleanup } = ledgerWithOperator();
    cleanups.push(cleanup);
    const { child, started, exited } = startDemo(file);
    await started;
    // Let the worker get into the load (its first chunks commit into the one open transaction).
    await new Promise((r) => setTimeout(r, 1500));
    const sent = performance.now();
    child.kill('SIGINT');
    const out = await exited;
    expect(out.code, out.stderr).toBe(EXIT_CODES.cancelled);
    expect(EXIT_CODES.cancelled).toBe(130);
    expect(JSON.parse(out.stdout)).toMatchObject({ error: { code: 'cancelled', kind: 'demo' } });
    expect(out.stderr).toContain('Ctrl+C again to quit at once');
    console.info(`CLI demo cancelled ${Math.round(out.at - sent)} ms after SIGINT`);
    expect(ledgerState(file)).toEqual({ accounts: 0, journals: 0, cancels: [{ action: 'job.cancel' }] });
  }, 60_000);

  it('a second Ctrl+C quits at once; the uncommitted load is discarded', async () => {
    const { file, cleanup } = ledgerWithOperator();
    cleanups.push(cleanup);
    const { child, started, exited } = startDemo(file);
    await started;
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    child.kill('SIGINT');
    const out = await exited;
    expect(out.code).toBe(EXIT_CODES.cancelled);
    const state = ledgerState(file);
    expect(state).toMatchObject({ accounts: 0, journals: 0 });
  }, 60_000);
});
