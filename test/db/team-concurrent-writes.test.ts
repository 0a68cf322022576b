import { sql } from 'drizzle-orm';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { workerJobRunner } from '../../src-main/jobs/worker-runner';
import type { Result } from '../../src-shared/api/result';
import type { BatchImportDto } from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { tempDir } from '../helpers/temp';

/**
 * Found by bench/soak-team.ts (issue #17): the team server runs long jobs in worker threads, each on its own
 * connection to the ledger file, while the main thread keeps answering other operators on its connection. A
 * command of the main thread that reads and then writes in a deferred transaction (BEGIN, the default of
 * better-sqlite3's db.transaction) while a job's transaction writes cannot upgrade its stale read snapshot once the
 * job commits: SQLite answers SQLITE_BUSY at once (busy_timeout does not help), and the command fails as
 * `internal` ("database is locked"). On the server an analyst's move, a clerk's validate or submit fail that way
 * whenever another clerk's job writes at the same moment. On PostgreSQL the server's jobs run from the durable
 * queue on their own pooled connections while commands run on others: the same work must not fail either.
 */

const ADMIN = { login: 'chief', password: 'marble kettle sunrise' };

describe.each(APPS.filter((r) => r.available))(
  'concurrent writes on one ledger (the team server: jobs off the main thread, commands on it) ($dialect)',
  ({ open, dialect }) => {
    const cleanups: (() => void | Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    it('answers every command of the main thread while a job writes in a worker, never "database is locked"', async () => {
      // SQLite: each job in a worker thread on its own connection to the file; PostgreSQL: the database's queue.
      const app: TestApp = await open({
        login: ADMIN.login,
        ...(dialect === 'sqlite' ? { jobs: (c) => workerJobRunner(c.ledger.file) } : {}),
      });
      cleanups.push(() => app.dispose());
      const must = <T>(r: Result<unknown>): T => {
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
        return r.value as T;
      };
      must(await app.dispatch('operators:set-password', ADMIN));
      must(await app.dispatch('demo:load', { accounts: 500, seed: 3 }));

      const payers = (
        await app.all<{ no: string }>(
          sql`SELECT account_no AS "no" FROM accounts WHERE status = 'active' AND currency = 'USD' AND is_suspense = 0
               ORDER BY id LIMIT 100`,
        )
      ).map((a) => a.no);
      // A bank file of the stock CSV layout, big enough that its validation writes for a while.
      const csv = join(app.dir, 'day.csv');
      const lines = ['account,amount,date,check,payer,reference'];
      for (let i = 0; i < 30_000; i++)
        lines.push(
          `${payers[i % payers.length]},${1 + (i % 90)}.25,2026-11-20,${700_000 + i},Payer ${i % 97},R${i}`,
        );
      writeFileSync(csv, lines.join('\n') + '\n');
      const imported = must<BatchImportDto>(
        await app.dispatch('batches:import-file', { file: csv, templateName: 'Stock CSV', payType: 10012 }),
      );

      // While the job validates, another operator records payments one after another in the main thread.
      let validating = true;
      const validated = app.dispatch('batches:validate', { batchId: imported.batch.id }).finally(() => {
        validating = false;
      });
      const failures: string[] = [];
      let recorded = 0;
      for (let n = 0; validating || n < 5; n++) {
        const r = await app.dispatch('payments:record', {
          accountNo: payers[n % payers.length]!,
          amount: '3',
        });
        if (r.ok) recorded++;
        else failures.push(`payments:record (main) ${r.error.code}: ${r.error.message}`);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const v = await validated;
      if (!v.ok) failures.unshift(`batches:validate (job) ${v.error.code}: ${v.error.message}`);
      expect(recorded + failures.length).toBeGreaterThan(1);
      // Neither side may fail for the other: both are ordinary work of two operators at the same time.
      expect(failures).toEqual([]);
    }, 120_000);

    // SQLite only: one process holding the file's single write lock (BEGIN IMMEDIATE) past busy_timeout; on
    // PostgreSQL a writer waits on the rows it touches, there is no ledger-wide lock to time out on.
    it.runIf(dialect === 'sqlite')(
      'answers a clear, retryable conflict (not internal) when another writer holds the ledger too long',
      async () => {
        // The ledger file itself is the subject here, so this case opens its own.
        const tmp = tempDir('paydesk-busy-');
        cleanups.push(tmp.cleanup);
        const file = join(tmp.dir, 'busy.sqlite');
        const app: App = openApp({
          file,
          login: ADMIN.login,
          migrationsFolder: 'db/migrations',
          writerWaitMs: 100,
        });
        cleanups.push(() => app.close());
        expect((await app.dispatch('operators:set-password', ADMIN)).ok).toBe(true);
        expect((await app.dispatch('demo:load', { accounts: 20, seed: 5 })).ok).toBe(true);
        const accountNo = (
          app.ctx.ledger.sqlite
            .prepare(
              `SELECT account_no AS no FROM accounts WHERE is_suspense = 0 AND status = 'active' LIMIT 1`,
            )
            .get() as { no: string }
        ).no;
        const count = () =>
          (app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM payments').get() as { n: number }).n;
        const before = count();

        // Another process (a job, a second desktop on a shared file) holds the write lock longer than we wait.
        const other = new Database(file);
        cleanups.push(() => {
          other.close();
        });
        other.exec('BEGIN IMMEDIATE');
        app.ctx.ledger.sqlite.pragma('busy_timeout = 100');
        const r = await app.dispatch('payments:record', { accountNo, amount: '7.00' });
        expect(r).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'ledger-busy' } });
        other.exec('ROLLBACK');

        // Nothing of it was kept; the same call goes through once the ledger is free.
        expect(count()).toBe(before);
        expect((await app.dispatch('payments:record', { accountNo, amount: '7.00' })).ok).toBe(true);
        expect(count()).toBe(before + 1);
      },
    );
  },
);
