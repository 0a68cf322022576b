import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { AllocationViewDto, RecordedPaymentDto } from '../../src-shared/dto/allocation';
import { allocationTokenQuery } from '../../db/repos/allocations';
import { sqliteQuery } from '../../db/storage/sqlite';
import { freshApp } from '../helpers/ledger';

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

let app: ReturnType<typeof freshApp>;
beforeAll(async () => {
  app = freshApp();
  await value(app.dispatch('demo:load', { accounts: 40, seed: 3 }));
});
afterAll(() => app.dispose());

describe('allocation dialog queries', () => {
  it('reads the stale-data token from one index range, not a scan of every allocation', () => {
    const q = sqliteQuery(allocationTokenQuery(1));
    const plan = (
      app.ctx.ledger.sqlite.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as {
        detail: string;
      }[]
    ).map((r) => r.detail);
    expect(plan).toEqual([
      expect.stringMatching(/^SEARCH allocations USING COVERING INDEX allocations_account_idx/),
    ]);
  });

  it('the token changes when the account allocates and when an allocation is undone', async () => {
    const accountNo = (
      app.ctx.ledger.sqlite
        .prepare(
          `SELECT a.account_no AS no FROM accounts a JOIN bill_items i ON i.account_id = a.id AND i.status = 'open'
           JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id AND u.paying = 1
           WHERE a.is_suspense = 0 AND a.status = 'active' GROUP BY a.id ORDER BY a.id LIMIT 1`,
        )
        .get() as { no: string }
    ).no;
    const before = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
    const rec = await value<RecordedPaymentDto>(
      app.dispatch('payments:record', { accountNo, amount: '1.00', allocate: 'none' }),
    );
    await value(
      app.dispatch('allocation:apply', { paymentId: rec.paymentId, policy: 'fifo', token: before.token }),
    );
    const after = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
    expect(after.token).not.toBe(before.token);
    const stale = await app.dispatch('allocation:apply', { paymentId: rec.paymentId, token: before.token });
    expect(stale).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await value(app.dispatch('allocation:undo', { paymentId: rec.paymentId, reasonCode: 4001 }));
    const undone = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
    expect(undone.token).not.toBe(after.token);
  });
});
