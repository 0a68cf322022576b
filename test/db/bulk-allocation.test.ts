import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import { mulberry32 } from '../../src-main/domain/prng';
import { writeAudit } from '../../src-main/ledger/audit';
import { allocateBulk } from '../../src-main/ledger/bulk-allocation';
import { postPaymentsBulk, type BulkPaymentRow } from '../../src-main/ledger/payments';
import { freshApp } from '../helpers/ledger';

type TestApp = ReturnType<typeof freshApp>;
let app: TestApp;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  app = freshApp();
  await value(app.dispatch('demo:load', { accounts: 300, seed: 21 }));
  app.ctx.ledger.sqlite
    .prepare(
      `INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm) VALUES ('USD', 'EUR', '2026-01-01', 900000)`,
    )
    .run();
});
afterAll(() => app.dispose());

function rows(n: number, seed: number): BulkPaymentRow[] {
  const db = app.ctx.ledger.sqlite;
  const accounts = db
    .prepare(
      `SELECT id, currency FROM accounts WHERE is_suspense = 0 AND currency IN ('USD', 'EUR') ORDER BY id`,
    )
    .all() as {
    id: number;
    currency: string;
  }[];
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const a = accounts[Math.floor(rand() * accounts.length)]!;
    const amountMinor = 100 + Math.floor(rand() * 40_000);
    const fx = a.currency === 'EUR' && i % 3 === 0;
    return {
      sourceKey: `t${seed}:${i}`,
      accountId: a.id,
      accountCurrency: a.currency,
      amountMinor,
      currency: fx ? 'USD' : a.currency,
      accountAmountMinor: fx ? Math.round((amountMinor * 9) / 10) : amountMinor,
      ratePpm: fx ? 900_000 : 1_000_000,
      effectiveDate: '2026-11-22',
      payType: 10012,
      channelId: 0,
      externalRef: null,
      billNo: null,
      payerName: null,
      batchId: null,
    };
  });
}

describe('bulk posting and allocation (batch submit path)', () => {
  it('posts and allocates many payments consistently, and a resubmit posts nothing twice', async () => {
    const db = app.ctx.ledger.sqlite;
    const batch = rows(800, 3);
    const post = (): (number | null)[] =>
      db.transaction(() => {
        const auditId = writeAudit(db, { at: 'now', operatorId: null, action: 'test.post', entity: 'batch' });
        return postPaymentsBulk(
          db,
          batch,
          { kind: 'payment', idemKey: null, effectiveDate: '2026-11-22', auditId },
          'now',
          null,
        );
      })();
    const ids = post();
    expect(ids.every((id) => id !== null)).toBe(true);
    db.transaction(() =>
      allocateBulk(
        db,
        batch.map((r, i) => ({
          paymentId: ids[i]!,
          accountId: r.accountId,
          amountMinor: r.accountAmountMinor,
          ratePpm: r.ratePpm,
          billNo: null,
        })),
        { policy: 'fifo', searchBillAmount: false },
        'now',
        null,
      ),
    )();
    const again = post();
    expect(again.every((id) => id === null)).toBe(true);
    expect((db.prepare('SELECT count(*) AS n FROM payments').get() as { n: number }).n).toBe(800);
    const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
    expect(check.violations).toEqual([]);
  });
});
