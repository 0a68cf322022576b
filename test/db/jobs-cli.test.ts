import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import type { JobRunDto } from '../../src-shared/dto/app';
import type { BatchDto } from '../../src-shared/dto/batches';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { value } from '../helpers/suspense';

// Issue #17: the ledger keeps a record of every job (`jobs list`), after it ended and after a restart; on a SQLite
// file and on PostgreSQL (`--pg`, jobs run through the queue in the database).

const NOW = new Date('2026-11-22T09:00:00Z');

describe.each(APPS.filter((r) => r.available))('jobs list ($dialect)', ({ open }) => {
  let app: TestApp;
  let other: App<LedgerPlace>;
  let batchId: number;
  const cli = cliOnApp(() => app);

  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => NOW });
    // The in-process caller is this operator; with the test password the CLI can sign in as them too.
    await app.giveTestPassword('tester');
    await value(app.dispatch('demo:load', { accounts: 40, seed: 5 }));
    const batch = await value<BatchDto>(
      app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
    );
    batchId = batch.id;
    const { no: accountNo } = (await app.get<{ no: string }>(
      sql`SELECT account_no AS "no" FROM accounts WHERE currency = 'USD' AND status = 'active' ORDER BY id LIMIT 1`,
    ))!;
    await value(app.dispatch('batches:save-entries', { batchId, entries: [{ accountNo, amount: '12.50' }] }));
    await value(app.dispatch('batches:validate', { batchId }));
    // A job that fails: the batch does not exist.
    const missing = await app.dispatch('batches:validate', { batchId: 999_999 });
    expect(missing.ok).toBe(false);
    // Someone else's job.
    other = await app.again({ login: 'colleague' });
    await app.giveTestPassword('colleague');
    await value(other.dispatch('batches:validate', { batchId }));
  }, 60_000);
  afterAll(async () => {
    await app?.dispose();
  });

  it('lists your jobs, most recent first, with what they worked on and how they ended', async () => {
    const jobs = jsonOf<JobRunDto[]>(await cli('--json', '--operator', 'tester', 'jobs', 'list'));
    expect(jobs.map((j) => [j.kind, j.label, j.subject, j.status])).toEqual([
      ['batch-validate', 'validation', 'batch 999999', 'failed'],
      ['batch-validate', 'validation', `batch ${batchId}`, 'finished'],
      ['demo', 'demo load', '40 accounts', 'finished'],
    ]);
    expect(jobs[0]!.message).toMatch(/999999/);
    expect(jobs.every((j) => j.startedBy.login === 'tester' && j.finishedAt !== null)).toBe(true);
    expect(jobs.every((j) => j.progress === null)).toBe(true);
  });

  it("shows everyone's with --all, filters by status and limits", async () => {
    const all = jsonOf<JobRunDto[]>(await cli('--json', '--operator', 'tester', 'jobs', 'list', '--all'));
    expect(all.map((j) => j.startedBy.login)).toEqual(['colleague', 'tester', 'tester', 'tester']);
    const failed = jsonOf<JobRunDto[]>(
      await cli('--json', '--operator', 'tester', 'jobs', 'list', '--all', '--status', 'failed'),
    );
    expect(failed.map((j) => j.subject)).toEqual(['batch 999999']);
    const one = jsonOf<JobRunDto[]>(
      await cli('--json', '--operator', 'colleague', 'jobs', 'list', '--limit', '1'),
    );
    expect(one.map((j) => [j.startedBy.login, j.subject])).toEqual([['colleague', `batch ${batchId}`]]);
  });

  it('prints a table, and refuses an unknown status or a limit out of range without listing', async () => {
    const human = await cli('--operator', 'tester', 'jobs', 'list');
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/failed\s+validation\s+batch 999999\s+tester/);
    const bad = await cli('--json', '--operator', 'tester', 'jobs', 'list', '--status', 'lost');
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/status/);
    const big = await cli('--json', '--operator', 'tester', 'jobs', 'list', '--limit', '5000');
    expect(big.code).toBe(2);
    expect(big.out).toMatch(/limit/);
  });
});
