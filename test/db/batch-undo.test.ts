import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src-main/app-context';
import { workerJobRunner } from '../../src-main/jobs/worker-runner';
import type { AppError, Result } from '../../src-shared/api/result';
import type { ApprovalDto } from '../../src-shared/dto/approvals';
import type { BatchDto } from '../../src-shared/dto/batches';
import type { BatchUndoDto, BatchUndoPreviewDto } from '../../src-shared/dto/desk-ops';
import { APPS, type TestApp } from '../helpers/apps';
import { dispatchConfirmed } from '../helpers/confirm';
import { tempDir } from '../helpers/ledger';
import { addOperatorClientVia } from '../helpers/operators';
import { expectClean, setSettingVia, suspend, usdAccounts, usdAccountsVia, value } from '../helpers/suspense';

let app: TestApp;

async function failure(p: Promise<Result<unknown>>): Promise<AppError> {
  const r = await p;
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value).slice(0, 200)}`);
  return r.error;
}

/** Keys, validates and submits a check batch of one payment per account; returns the submitted batch. */
async function submittedBatch(amounts: string[], skip = 0): Promise<BatchDto> {
  const accounts = await usdAccountsVia(app, amounts.length, skip);
  const batch = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
  );
  await value(
    app.dispatch('batches:save-entries', {
      batchId: batch.id,
      entries: amounts.map((amount, i) => ({ accountNo: accounts[i]!.accountNo, amount })),
    }),
  );
  await value(app.dispatch('batches:validate', { batchId: batch.id }));
  await value(dispatchConfirmed(app, 'batches:submit', { batchId: batch.id }));
  return value<BatchDto>(app.dispatch('batches:get', { batchId: batch.id }));
}

/** Account balances and open bill items, which an undo must bring back to what they were. */
async function balances(): Promise<string> {
  return JSON.stringify([
    await app.get(sql`SELECT sum(balance_minor * id) AS b FROM accounts`),
    await app.get(sql`SELECT sum(open_minor * id) AS o FROM bill_items`),
  ]);
}

const count = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;

describe.each(APPS.filter((r) => r.available))('undo a submitted batch ($dialect)', ({ dialect, open }) => {
  describe('on a demo ledger', () => {
    beforeEach(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
      await value(app.dispatch('demo:load', { accounts: 60, seed: 4 }));
    }, 60_000);
    afterEach(async () => {
      await app?.dispose();
    });

    it('previews, reverses every payment through a reversal batch, and a retry posts nothing twice', async () => {
      const before = await balances();
      const batch = await submittedBatch(['12.00', '7.50', '30.25']);
      expect(await balances()).not.toBe(before);

      const preview = await value<BatchUndoPreviewDto>(
        app.dispatch('batches:undo-preview', { batchId: batch.id }),
      );
      expect(preview).toMatchObject({
        reversalBatchNo: `${batch.batchNo}-U1`,
        reversal: null,
        count: 3,
        totals: [{ currency: 'USD', count: 3, amountMinor: 4975 }],
        refusals: [],
        canUndo: true,
      });
      expect(preview.entries.map((e) => [e.seq, e.amountMinor, e.placement, e.action])).toEqual([
        [1, 1200, 'account', 'reverse'],
        [2, 750, 'account', 'reverse'],
        [3, 3025, 'account', 'reverse'],
      ]);
      expect(preview.entries.some((e) => e.allocatedMinor > 0)).toBe(true);
      // A preview writes nothing.
      expect(await count(sql`SELECT count(*) AS n FROM batches WHERE batch_type = 'reversal'`)).toBe(0);

      const undone = await value<BatchUndoDto>(
        app.dispatch('batches:undo', { batchId: batch.id, reason: 'file loaded twice' }),
      );
      expect(undone.outcome).toBe('submitted');
      expect(undone.reversal).toMatchObject({
        batchNo: `${batch.batchNo}-U1`,
        batchType: 'reversal',
        status: 'submitted',
      });
      expect(undone.reversal.note).toContain('file loaded twice');
      expect(undone.submit?.reversed).toBe(3);
      expect(await balances()).toBe(before);
      const reasons = await app.all<{ code: number }>(
        sql`SELECT r.reason_code AS code FROM reversals r JOIN payments p ON p.id = r.payment_id
           WHERE p.batch_id = ${batch.id} ORDER BY r.id`,
      );
      expect(reasons.map((r) => r.code)).toEqual([4102, 4102, 4102]);
      expect(
        await count(
          sql`SELECT count(*) AS n FROM audit_log WHERE action = 'batch.undo' AND entity_id = ${String(batch.id)}`,
        ),
      ).toBe(1);
      await expectClean(app);

      const journals = await count(sql`SELECT count(*) AS n FROM journals`);
      const again = await value<BatchUndoDto>(
        app.dispatch('batches:undo', { batchId: batch.id, reason: 'clicked twice' }),
      );
      expect(again.outcome).toBe('already_undone');
      expect(again.reversal.id).toBe(undone.reversal.id);
      expect(await count(sql`SELECT count(*) AS n FROM journals`)).toBe(journals);
      expect(await count(sql`SELECT count(*) AS n FROM batches WHERE batch_type = 'reversal'`)).toBe(1);

      const after = await value<BatchUndoPreviewDto>(
        app.dispatch('batches:undo-preview', { batchId: batch.id }),
      );
      expect(after.canUndo).toBe(false);
      expect(after.reversal).toMatchObject({ batchNo: `${batch.batchNo}-U1`, status: 'submitted' });
      expect(after.refusals[0]?.reason).toContain('already undone');
      expect(after.entries.every((e) => e.action === 'skip')).toBe(true);
    });

    it('under a reversal policy the submit waits for a second supervisor, and a retry waits on the same approval', async () => {
      await value(
        app.dispatch('policies:save', {
          operation: 'batches:reversal',
          above: '0',
          requirement: 'four_eyes',
          role: 'supervisor',
        }),
      );
      const before = await balances();
      const batch = await submittedBatch(['40.00', '2.00']);
      const stopped = await failure(
        app.dispatch('batches:undo', { batchId: batch.id, reason: 'wrong lockbox' }),
      );
      expect(stopped.code).toBe('approval_required');
      const approvalId = stopped.code === 'approval_required' ? stopped.approvalId : 0;
      const reversal = (await app.get<{ id: number; status: string }>(
        sql`SELECT id, status FROM batches WHERE batch_no = ${`${batch.batchNo}-U1`}`,
      ))!;
      expect(reversal.status).toBe('validated');
      expect(await count(sql`SELECT count(*) AS n FROM reversals`)).toBe(0);

      const retry = await failure(
        app.dispatch('batches:undo', { batchId: batch.id, reason: 'wrong lockbox' }),
      );
      expect(retry).toMatchObject({ code: 'approval_required', approvalId });
      expect(await count(sql`SELECT count(*) AS n FROM approvals`)).toBe(1);
      const preview = await value<BatchUndoPreviewDto>(
        app.dispatch('batches:undo-preview', { batchId: batch.id }),
      );
      expect(preview.reversal).toMatchObject({ batchId: reversal.id, pendingApprovalId: approvalId });

      const sue = await addOperatorClientVia(app, 'sue', ['supervisor']);
      const done = await value<ApprovalDto>(app.dispatch('approvals:confirm', { approvalId }, sue));
      expect(done.status).toBe('executed');
      expect(await balances()).toBe(before);
      const last = await value<BatchUndoDto>(
        app.dispatch('batches:undo', { batchId: batch.id, reason: 'x' }),
      );
      expect(last.outcome).toBe('already_undone');
      await expectClean(app);
    });

    it('over the confirmation limit the reversal submit needs its confirmation, passed on a retry', async () => {
      await setSettingVia(app, 'confirm.submitAboveAmount', '10.00');
      const batch = await submittedBatch(['8.00', '9.00'], 10);
      const refused = await failure(
        app.dispatch('batches:undo', { batchId: batch.id, reason: 'keyed twice' }),
      );
      expect(refused.message).toContain('confirm');
      expect(await count(sql`SELECT count(*) AS n FROM reversals`)).toBe(0);
      const reversal = (await app.get<{ id: number; status: string }>(
        sql`SELECT id, status FROM batches WHERE batch_no = ${`${batch.batchNo}-U1`}`,
      ))!;
      expect(reversal.status).toBe('validated');
      const prepared = await value<{ id: number }>(
        app.dispatch('confirmations:prepare', {
          operation: 'batches:submit',
          input: { batchId: reversal.id },
        }),
      );
      const undone = await value<BatchUndoDto>(
        app.dispatch('batches:undo', {
          batchId: batch.id,
          reason: 'keyed twice',
          confirmationId: prepared.id,
        }),
      );
      expect(undone.outcome).toBe('submitted');
      expect(undone.reversal.id).toBe(reversal.id);
      expect(await count(sql`SELECT count(*) AS n FROM reversals`)).toBe(2);
      await expectClean(app);
    });

    it('refuses what cannot be undone and changes nothing', async () => {
      const open = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      const notSubmitted = await failure(app.dispatch('batches:undo', { batchId: open.id, reason: 'r' }));
      expect(notSubmitted.code).toBe('conflict');
      expect(notSubmitted.message).toContain('only a submitted batch');

      const blank = await failure(app.dispatch('batches:undo', { batchId: open.id, reason: '  ' }));
      expect(blank.code).toBe('validation');

      const batch = await submittedBatch(['5.00'], 5);
      const badReason = await failure(
        app.dispatch('batches:undo', { batchId: batch.id, reason: 'r', reasonCode: 4001 }),
      );
      expect(badReason.code).toBe('validation');
      expect(badReason.message).toContain('4001');

      const clerk = await addOperatorClientVia(app, 'kim', ['clerk']);
      expect(
        (await failure(app.dispatch('batches:undo', { batchId: batch.id, reason: 'r' }, clerk))).code,
      ).toBe('forbidden');

      // A payment that went to suspense must be dealt with in Payment Center first.
      const [suspended] = await suspend(app, [{ amount: '9.99' }]);
      const suspendedBatch = (await app.get<{ id: number }>(
        sql`SELECT batch_id AS id FROM payments WHERE id = ${suspended}`,
      ))!;
      const p = await value<BatchUndoPreviewDto>(
        app.dispatch('batches:undo-preview', { batchId: suspendedBatch.id }),
      );
      expect(p.canUndo).toBe(false);
      expect(p.entries[0]).toMatchObject({ placement: 'suspense', action: 'refused' });
      expect(p.refusals[0]?.reason).toContain('Payment Center');
      const refused = await failure(
        app.dispatch('batches:undo', { batchId: suspendedBatch.id, reason: 'r' }),
      );
      expect(refused.code).toBe('conflict');

      const reversalBatch = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'reversal', payType: 10012, currency: 'USD' }),
      );
      const rp = await value<BatchUndoPreviewDto>(
        app.dispatch('batches:undo-preview', { batchId: reversalBatch.id }),
      );
      expect(rp.refusals.map((r) => r.reason).join(' ')).toContain('only a payment batch');
      expect(await count(sql`SELECT count(*) AS n FROM batches WHERE batch_no LIKE '%-U%'`)).toBe(0);
      await expectClean(app);
    });
  });

  describe('undo with jobs in worker threads (the desktop and the team server)', () => {
    // An undo is an interactive write that runs the reversal batch's submit as a job. Interactive writers go first
    // (db/write-priority.ts); an undo that kept its turn while it waited for that job made the job hold back for it
    // until the job's longest yield (60 s) ran out.
    // SQLite-only: worker threads open the ledger file; on PostgreSQL every undo above runs its job through the queue.
    it.runIf(dialect === 'sqlite')(
      'runs its submit job at once',
      async () => {
        const tmp = tempDir('paydesk-undo-worker-');
        const workers = openApp({
          file: join(tmp.dir, 'ledger.sqlite'),
          login: 'tester',
          migrationsFolder: 'db/migrations',
          jobs: (c) => workerJobRunner(c.ledger.file),
        });
        try {
          await value(workers.dispatch('demo:load', { accounts: 30, seed: 4 }));
          const accounts = usdAccounts(workers, 2, 0);
          const batch = await value<BatchDto>(
            workers.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
          );
          await value(
            workers.dispatch('batches:save-entries', {
              batchId: batch.id,
              entries: accounts.map((a) => ({ accountNo: a.accountNo, amount: '9.00' })),
            }),
          );
          await value(workers.dispatch('batches:validate', { batchId: batch.id }));
          await value(dispatchConfirmed(workers, 'batches:submit', { batchId: batch.id }));
          const started = performance.now();
          const undone = await value<BatchUndoDto>(
            workers.dispatch('batches:undo', { batchId: batch.id, reason: 'loaded twice' }),
          );
          expect(undone.outcome).toBe('submitted');
          expect(performance.now() - started).toBeLessThan(15_000);
        } finally {
          workers.close();
          tmp.cleanup();
        }
      },
      90_000,
    );
  });
});
