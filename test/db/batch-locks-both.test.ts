import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitBatchVia } from '../../src-main/services/batches/submit';
import { applySuspended } from '../../src-main/services/suspense/moves';
import type { BatchDto } from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { racing } from '../helpers/racing';
import { expectClean, suspend, usdAccountsVia, value } from '../helpers/suspense';

// Issue #17: a batch's submit holds its batch and its accounts with row locks (db/repos/locks.ts), so an analyst's
// move onto one of those accounts in the middle of it waits for it and lands after it, and the submit is not
// restarted. Under serializable isolation (before) the move committed first and the submit, having read the
// account's bills, was aborted and run again from the start: for 100,000 entries under a team's load, never done.

const NOW = new Date('2026-11-23T09:00:00Z');

describe.each(APPS.filter((r) => r.available))(
  'a batch submit and a move onto its accounts ($dialect)',
  ({ open }) => {
    let app: TestApp;

    beforeAll(async () => {
      app = await open({ login: 'tester', clock: () => NOW });
      await value(app.dispatch('demo:load', { accounts: 40, seed: 31 }));
    });
    afterAll(() => app.dispose());

    const balanceOf = async (accountNo: string): Promise<number> =>
      (await app.get<{ b: number }>(
        sql`SELECT balance_minor AS b FROM accounts WHERE account_no = ${accountNo}`,
      ))!.b;

    it('the move waits for the submit, the submit runs once, both are in the ledger', async () => {
      const [a, b, c] = await usdAccountsVia(app, 3);
      const [suspended] = await suspend(app, [{ amount: '7.00', payerName: 'Unknown payer' }]);
      const batch = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [a!, b!, c!].map((x) => ({ accountNo: x.accountNo, amount: '10.00' })),
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const before = await balanceOf(a!.accountNo);

      // The submit's writing transaction is held after its locks and reads (its 12th statement) for half a second;
      // the move onto account `a` starts meanwhile.
      const held = racing(app.ctx.storage, 2, { holdAt: 12, writesOnly: true });
      const operatorId = app.ctx.operator.id;
      const submitting = submitBatchVia(held.storage, { batchId: batch.id }, NOW, operatorId);
      await new Promise((r) => setTimeout(r, 150));
      const moving = applySuspended(
        app.ctx.storage,
        { paymentId: suspended!, accountNo: a!.accountNo },
        NOW,
        operatorId,
      );
      const [submitted, moved] = await Promise.all([submitting, moving]);

      expect(submitted.posted).toBe(3);
      expect(held.attempts()).toBe(1); // the one submit transaction, never run again
      expect(moved.posted).toEqual([expect.objectContaining({ accountNo: a!.accountNo, amountMinor: 700 })]);
      expect(await balanceOf(a!.accountNo)).toBe(before - 1000 - 700);
      // The move's payment was made after the batch's: it waited for the submit's commit.
      const order = await app.all<{ source: string }>(
        sql`SELECT CASE WHEN batch_id = ${batch.id} THEN 'batch' ELSE 'move' END AS source FROM payments
           WHERE account_id = (SELECT id FROM accounts WHERE account_no = ${a!.accountNo}) ORDER BY id`,
      );
      expect(order.map((r) => r.source).slice(-2)).toEqual(['batch', 'move']);
      await expectClean(app);
    });
  },
);
