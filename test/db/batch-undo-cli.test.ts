import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchDto } from '../../src-shared/dto/batches';
import type { BatchUndoDto, BatchUndoPreviewDto } from '../../src-shared/dto/desk-ops';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { dispatchConfirmed } from '../helpers/confirm';
import { value } from '../helpers/suspense';

let app: TestApp;
const cli = cliOnApp(() => app);

/** Active USD accounts, `skip` of them passed over, so each batch pays accounts of its own. */
function usdAccounts(n: number, skip: number): Promise<{ accountNo: string }[]> {
  return app.all<{ accountNo: string }>(
    sql`SELECT account_no AS "accountNo" FROM accounts
         WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 ORDER BY id LIMIT ${n} OFFSET ${skip}`,
  );
}

async function submitted(amounts: string[], skip: number): Promise<BatchDto> {
  const accounts = await usdAccounts(amounts.length, skip);
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
  return batch;
}

describe.each(APPS.filter((r) => r.available))('paydesk batch undo ($dialect)', ({ open }) => {
  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await app.giveTestPassword('tester');
    await value(app.dispatch('demo:load', { accounts: 40, seed: 6 }));
    process.env.PAYDESK_OPERATOR = 'tester';
  });
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app.dispose();
  });

  it('--preview shows what it would reverse; undo reverses it once; a retry says so', async () => {
    const batch = await submitted(['11.00', '4.40'], 0);
    const preview = jsonOf<BatchUndoPreviewDto>(
      await cli('--json', 'batch', 'undo', String(batch.id), '--preview'),
    );
    expect(preview).toMatchObject({ count: 2, canUndo: true, reversalBatchNo: `${batch.batchNo}-U1` });
    const text = await cli('batch', 'undo', String(batch.id), '--preview');
    expect(text.out).toContain('To reverse: 2 payments, 15.40 USD');

    const noReason = await cli('--json', 'batch', 'undo', String(batch.id));
    expect(noReason.code).toBe(2);
    expect(await app.get(sql`SELECT count(*) AS n FROM reversals`)).toEqual({ n: 0 });

    const run = await cli(
      '--json',
      'batch',
      'undo',
      String(batch.id),
      '--reason',
      'posted twice',
      '--reason-code',
      '4103',
    );
    expect(run.code, run.out + run.err).toBe(0);
    const undone = jsonOf<BatchUndoDto>(run);
    expect(undone).toMatchObject({ outcome: 'submitted', reversal: { batchNo: `${batch.batchNo}-U1` } });
    expect(undone.submit?.reversed).toBe(2);
    const codes = await app.all(sql`SELECT DISTINCT reason_code AS c FROM reversals`);
    expect(codes).toEqual([{ c: 4103 }]);

    const again = await cli('batch', 'undo', String(batch.id), '--reason', 'again');
    expect(again.code).toBe(0);
    expect(again.out).toContain('already undone');
  });

  it('exits 9 when the reversal submit waits for approval, and 4 (conflict) for a batch that cannot be undone', async () => {
    await value(
      app.dispatch('policies:save', {
        operation: 'batches:reversal',
        above: '0',
        requirement: 'four_eyes',
        role: 'supervisor',
      }),
    );
    const batch = await submitted(['3.00'], 5);
    const pending = await cli('--json', 'batch', 'undo', String(batch.id), '--reason', 'wrong day');
    expect(pending.code).toBe(9);
    expect(jsonOf<{ error: { code: string } }>(pending).error.code).toBe('approval_required');

    const open = await value<BatchDto>(
      app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
    );
    const refused = await cli('--json', 'batch', 'undo', String(open.id), '--reason', 'r');
    expect(jsonOf<{ error: { code: string; message: string } }>(refused).error).toMatchObject({
      code: 'conflict',
    });
    expect(refused.code).toBe(4);
  });
});
