import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { jsonOf } from '../helpers/cli';
import { postPayment, usdAccountsVia, value } from '../helpers/suspense';

// A reversal keyed with its reason (`batch add --payment ID --reason CODE`) was posted with reason 0: the reason the
// operator gave was dropped, so the reversal, its audit row and the payment's timeline said "reason 0".

let app: TestApp;
const cli = cliOnApp(() => app);
let paid: number[];

type Batch = { id: number };
type Entry = { status: string; problem: string | null; problemColumn: string | null };

describe.each(APPS.filter((r) => r.available))('reversal reasons ($dialect)', ({ open }) => {
  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await app.giveTestPassword('tester');
    await value(app.dispatch('demo:load', { accounts: 60, seed: 5 }));
    const [a, b] = await usdAccountsVia(app, 2);
    paid = [await postPayment(app, a!.accountNo, '12.00'), await postPayment(app, b!.accountNo, '7.50')];
    process.env.PAYDESK_OPERATOR = 'tester';
  });
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    await app.dispose();
  });

  it('posts a keyed reversal with the reason the operator gave, and refuses one that is not a reversal reason', async () => {
    const payType = String(
      (await app.get<{ p: number }>(sql`SELECT pay_type AS p FROM payments WHERE id = ${paid[0]}`))!.p,
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
    const rows = await app.all<Entry>(
      sql`SELECT status, problem, problem_column AS "problemColumn" FROM batch_entries
          WHERE batch_id = ${batch.id} ORDER BY seq`,
    );
    expect(rows[0]).toMatchObject({ status: 'valid' });
    // 4001 is a suspense reversal reason (domain 16), not a payment reversal reason (domain 17).
    expect(rows[1]).toMatchObject({ status: 'invalid', problemColumn: 'reasonCode' });
    expect(rows[1]!.problem).toContain('4001');

    await cli('--json', 'batch', 'exception', String(batch.id));
    await cli('--json', 'batch', 'validate', String(batch.id));
    const submitted = await cli('--json', 'batch', 'submit', String(batch.id), '--yes');
    expect(submitted.code, submitted.out).toBe(0);
    const reversal = await app.get<{ reasonCode: number }>(
      sql`SELECT reason_code AS "reasonCode" FROM reversals WHERE payment_id = ${paid[0]}`,
    );
    expect(reversal!.reasonCode).toBe(4103);
    const timeline = jsonOf<{ events: { kind: string; detail: string }[] }>(
      await cli('--json', 'payment', 'timeline', String(paid[0])),
    );
    expect(timeline.events.find((e) => e.kind === 'reversed')?.detail).toContain('4103');
  });
});
