import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import { writeAudit } from '../../src-main/ledger/audit';
import { entryPoster, postEntry, type EntryToPost } from '../../src-main/ledger/post-entry';
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
  await value(app.dispatch('demo:load', { accounts: 40, seed: 8 }));
});
afterAll(() => app.dispose());

/** A USD account with an open bill of at least 10.00 that has open items. */
function billed(): { accountId: number; billId: number; dueMinor: number } {
  return app.ctx.ledger.sqlite
    .prepare(
      `SELECT b.account_id AS accountId, b.id AS billId, b.amount_due_minor AS dueMinor FROM bills b JOIN accounts a ON a.id = b.account_id
       WHERE a.currency = 'USD' AND a.status = 'active' AND b.status = 'open' AND b.amount_due_minor >= 1000
         AND EXISTS (SELECT 1 FROM bill_items i WHERE i.bill_id = b.id AND i.status = 'open')
       ORDER BY b.id LIMIT 1`,
    )
    .get() as { accountId: number; billId: number; dueMinor: number };
}

function toAccount(key: string, accountId: number, billId: number, amountMinor: number): EntryToPost {
  return {
    to: 'account',
    level: 'bill',
    lines: [{ targetId: billId, billId, amountMinor }],
    payment: {
      sourceKey: key,
      accountId,
      accountCurrency: 'USD',
      amountMinor,
      currency: 'USD',
      accountAmountMinor: amountMinor,
      ratePpm: 1_000_000,
      effectiveDate: '2026-11-22',
      payType: 10012,
      channelId: 0,
      externalRef: null,
      billNo: null,
      payerName: null,
      batchId: null,
    },
  };
}

function toSuspense(key: string, amountMinor: number): EntryToPost {
  return {
    to: 'suspense',
    payment: {
      sourceKey: key,
      amountMinor,
      currency: 'USD',
      effectiveDate: '2026-11-22',
      payType: 10012,
      channelId: 0,
      reasonCode: 2001,
      accountHint: 'NOBODY',
      billNo: null,
      externalRef: null,
      payerName: null,
      batchId: null,
    },
  };
}

describe('postEntry (ledger kernel)', () => {
  it('posts one entry to its account with its allocation, or to suspense, once per key', async () => {
    const db = app.ctx.ledger.sqlite;
    const { accountId, billId, dueMinor } = billed();
    const post = (e: EntryToPost, key: string) =>
      db.transaction(() => {
        const auditId = writeAudit(db, { at: 'now', operatorId: null, action: 'test.post', entity: 'batch' });
        return postEntry(
          db,
          e,
          { idemKey: `test:${key}`, effectiveDate: '2026-11-22', auditId },
          'now',
          null,
        );
      })();
    const first = post(toAccount('pe-1', accountId, billId, 1000), 'pe-1');
    expect(first).toMatchObject({ to: 'account', fresh: true });
    expect(
      db.prepare('SELECT amount_due_minor AS d FROM bills WHERE id = ?').get(billId) as { d: number },
    ).toEqual({ d: dueMinor - 1000 });
    expect(
      (
        db
          .prepare('SELECT sum(amount_minor) AS s FROM allocations WHERE payment_id = ?')
          .get(first.paymentId) as { s: number }
      ).s,
    ).toBe(1000);
    // The same entry again: nothing posts, the payment it holds is named.
    const again = post(toAccount('pe-1', accountId, billId, 1000), 'pe-1b');
    expect(again).toEqual({ to: 'account', paymentId: first.paymentId, fresh: false });
    expect(
      db.prepare('SELECT amount_due_minor AS d FROM bills WHERE id = ?').get(billId) as { d: number },
    ).toEqual({ d: dueMinor - 1000 });
    const s1 = post(toSuspense('pe-2', 750), 'pe-2');
    expect(s1).toMatchObject({ to: 'suspense', fresh: true });
    expect(db.prepare('SELECT kind, status FROM payments WHERE id = ?').get(s1.paymentId)).toEqual({
      kind: 'suspended',
      status: 15,
    });
    expect(post(toSuspense('pe-2', 750), 'pe-2b')).toEqual({
      to: 'suspense',
      paymentId: s1.paymentId,
      fresh: false,
    });
    // A repeat opens no journal.
    expect(
      (
        db.prepare(`SELECT count(*) AS n FROM journals WHERE idem_key LIKE 'test:pe-%b:%'`).get() as {
          n: number;
        }
      ).n,
    ).toBe(0);
    const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
    expect(check.violations).toEqual([]);
  });

  it('posts chunks of mixed entries under one journal per destination', async () => {
    const db = app.ctx.ledger.sqlite;
    const { accountId, billId } = billed();
    const out = db.transaction(() => {
      const auditId = writeAudit(db, { at: 'now', operatorId: null, action: 'test.post', entity: 'batch' });
      const poster = entryPoster(
        db,
        { idemKey: 'test:chunks', effectiveDate: '2026-11-22', auditId },
        'now',
        null,
      );
      const a = poster.post([toAccount('pc-1', accountId, billId, 100), toSuspense('pc-2', 200)]);
      const b = poster.post([toSuspense('pc-3', 300), toAccount('pc-4', accountId, billId, 400)]);
      poster.finish();
      return [...a, ...b];
    })();
    expect(out.map((p) => [p.to, p.fresh])).toEqual([
      ['account', true],
      ['suspense', true],
      ['suspense', true],
      ['account', true],
    ]);
    const journals = db
      .prepare(
        `SELECT j.idem_key AS k, sum(CASE WHEN l.gl_account = 'CASH' THEN l.amount_minor END) AS cash
         FROM journals j JOIN journal_lines l ON l.journal_id = j.id WHERE j.idem_key LIKE 'test:chunks:%' GROUP BY j.id ORDER BY k`,
      )
      .all();
    expect(journals).toEqual([
      { k: 'test:chunks:payments', cash: 500 },
      { k: 'test:chunks:suspense', cash: 500 },
    ]);
    const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
    expect(check.violations).toEqual([]);
  });
});
