import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliOn, jsonOf } from '../helpers/cli';
import { freshApp } from '../helpers/ledger';
import { postPayment, usdAccounts, value } from '../helpers/suspense';

// A reversal keyed with its reason (`batch add --payment ID --reason CODE`) was posted with reason 0: the reason the
// operator gave was dropped, so the reversal, its audit row and the payment's timeline said "reason 0".

let app: ReturnType<typeof freshApp>;
const cli = cliOn(() => app.file);
let paid: number[];

beforeAll(async () => {
  app = freshApp();
  await value(app.dispatch('demo:load', { accounts: 60, seed: 5 }));
  const [a, b] = usdAccounts(app, 2);
  paid = [await postPayment(app, a!.accountNo, '12.00'), await postPayment(app, b!.accountNo, '7.50')];
  process.env.PAYDESK_OPERATOR = 'tester';
});
afterAll(() => {
  delete process.env.PAYDESK_OPERATOR;
  app.dispose();
});

type Batch = { id: number };
type Entry = { status: string; problem: string | null; problemColumn: string | null };

describe('reversal reasons', () => {
  it('posts a keyed reversal with the reason the operator gave, and refuses one that is not a reversal reason', async () => {
    const payType = String(
      (
        app.ctx.ledger.sqlite.prepare('SELECT pay_type AS p FROM payments WHERE id = ?').get(paid[0]) as {
          p: number;
        }
      ).p,
    );
    const batch = jsonOf<Batch>(
      await cli(
        '--json',
        'batch',
        'create',
        '--type',
        'reversal',
        '--currency',
        'USD',
        '--pay-type',
        payType,
      ),
    );
    await cli('--json', 'batch', 'add', String(batch.id), '--payment', String(paid[0]), '--reason', '4103');
    const bad = jsonOf<Entry[]>(
      await cli('--json', 'batch', 'add', String(batch.id), '--payment', String(paid[1]), '--reason', '4001'),
    );
    expect(bad).toHaveLength(1);
    await cli('--json', 'batch', 'validate', String(batch.id));
    const rows = app.ctx.ledger.sqlite
      .prepare(
        'SELECT status, problem, problem_column AS problemColumn FROM batch_entries WHERE batch_id = ? ORDER BY seq',
      )
      .all(batch.id) as Entry[];
    expect(rows[0]).toMatchObject({ status: 'valid' });
    // 4001 is a suspense reversal reason (domain 16), not a payment reversal reason (domain 17).
    expect(rows[1]).toMatchObject({ status: 'invalid', problemColumn: 'reasonCode' });
    expect(rows[1]!.problem).toContain('4001');

    await cli('--json', 'batch', 'exception', String(batch.id));
    await cli('--json', 'batch', 'validate', String(batch.id));
    const submitted = await cli('--json', 'batch', 'submit', String(batch.id), '--yes');
    expect(submitted.code, submitted.out).toBe(0);
    const reversal = app.ctx.ledger.sqlite
      .prepare('SELECT reason_code AS reasonCode FROM reversals WHERE payment_id = ?')
      .get(paid[0]) as { reasonCode: number };
    expect(reversal.reasonCode).toBe(4103);
    const timeline = jsonOf<{ events: { kind: string; detail: string }[] }>(
      await cli('--json', 'payment', 'timeline', String(paid[0])),
    );
    expect(timeline.events.find((e) => e.kind === 'reversed')?.detail).toContain('4103');
  });
});
