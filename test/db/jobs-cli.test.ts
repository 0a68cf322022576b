import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import type { JobRunDto } from '../../src-shared/dto/app';
import type { BatchDto } from '../../src-shared/dto/batches';
import { cliOn, jsonOf } from '../helpers/cli';
import { freshApp } from '../helpers/ledger';
import { giveTestPassword } from '../helpers/passwords';
import { value } from '../helpers/suspense';

// Issue #17: the ledger keeps a record of every job (`jobs list`), after it ended and after a restart.

let app: ReturnType<typeof freshApp>;
let other: App;
let batchId: number;
const cli = cliOn(() => app.file);

beforeAll(async () => {
  app = freshApp();
  await value(app.dispatch('demo:load', { accounts: 40, seed: 5 }));
  const batch = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
  );
  batchId = batch.id;
  const accountNo = (
    app.ctx.ledger.sqlite
      .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active' LIMIT 1`)
      .get() as { no: string }
  ).no;
  await value(app.dispatch('batches:save-entries', { batchId, entries: [{ accountNo, amount: '12.50' }] }));
  await value(app.dispatch('batches:validate', { batchId }));
  // A job that fails: the batch does not exist.
  const missing = await app.dispatch('batches:validate', { batchId: 999_999 });
  expect(missing.ok).toBe(false);
  // Someone else's job.
  other = openApp({ file: app.file, login: 'colleague', migrationsFolder: 'db/migrations' });
  giveTestPassword(other.ctx.ledger.sqlite, 'colleague');
  await value(other.dispatch('batches:validate', { batchId }));
}, 60_000);
afterAll(() => {
  other?.close();
  app?.dispose();
});

describe('jobs list', () => {
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
