import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../db/repos/audit';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import { writeAudit } from '../../src-main/ledger/audit';
import {
  entryPoster,
  postEntry,
  postEntryIn,
  type EntryToPost,
  type PostedEntry,
} from '../../src-main/ledger/post-entry';
import { APPS, type TestApp } from '../helpers/apps';
import { value } from '../helpers/suspense';

// The ledger kernel's posting of one batch entry (to its account with its allocation, or to suspense), once per
// source key. Issue #17: its port form (postEntryIn, a batch submit entry by entry on either database) runs on SQLite
// and PostgreSQL; the driver's forms (postEntry, entryPoster) are SQLite's.

let app: TestApp;

/** A USD account with an open bill of at least 10.00 that has open items. */
async function billed(): Promise<{ accountId: number; billId: number; dueMinor: number }> {
  const row = await app.get<{ accountId: number; billId: number; dueMinor: number }>(
    sql`SELECT b.account_id AS "accountId", b.id AS "billId", b.amount_due_minor AS "dueMinor"
        FROM bills b JOIN accounts a ON a.id = b.account_id
        WHERE a.currency = 'USD' AND a.status = 'active' AND b.status = 'open' AND b.amount_due_minor >= 1000
          AND EXISTS (SELECT 1 FROM bill_items i WHERE i.bill_id = b.id AND i.status = 'open')
        ORDER BY b.id LIMIT 1`,
  );
  return row!;
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

/** Posts one entry in a transaction of its own, under the journal key `test:<key>`. */
type Post = (e: EntryToPost, key: string) => Promise<PostedEntry>;

const JOURNAL = { effectiveDate: '2026-11-22' };
const AUDIT = { at: 'now', operatorId: null, action: 'test.post', entity: 'batch' };

/** postEntryIn in a port transaction. */
const portPost: Post = (e, key) =>
  app.ctx.storage.transaction(async (tx) => {
    const auditId = await appendAudit(tx, AUDIT);
    return postEntryIn(tx, e, { ...JOURNAL, idemKey: `test:${key}`, auditId }, 'now', null);
  });

/** The driver's postEntry in a driver transaction. */
const driverPost: Post = (e, key) => {
  const db = app.ctx.ledger.sqlite!;
  return Promise.resolve(
    db.transaction(() => {
      const auditId = writeAudit(db, AUDIT);
      return postEntry(db, e, { ...JOURNAL, idemKey: `test:${key}`, auditId }, 'now', null);
    })(),
  );
};

/** Posts to an account and to suspense, each twice, with `post`; its source and journal keys start with `p`. */
async function postsOncePerKey(post: Post, p: string): Promise<void> {
  const { accountId, billId, dueMinor } = await billed();
  const due = async (): Promise<unknown> =>
    app.get(sql`SELECT amount_due_minor AS d FROM bills WHERE id = ${billId}`);
  const first = await post(toAccount(`${p}pe-1`, accountId, billId, 1000), `${p}pe-1`);
  expect(first).toMatchObject({ to: 'account', fresh: true });
  expect(await due()).toEqual({ d: dueMinor - 1000 });
  expect(
    await app.get(sql`SELECT sum(amount_minor) AS s FROM allocations WHERE payment_id = ${first.paymentId}`),
  ).toEqual({ s: 1000 });
  // The same entry again: nothing posts, the payment it holds is named.
  const again = await post(toAccount(`${p}pe-1`, accountId, billId, 1000), `${p}pe-1b`);
  expect(again).toEqual({ to: 'account', paymentId: first.paymentId, fresh: false });
  expect(await due()).toEqual({ d: dueMinor - 1000 });
  const s1 = await post(toSuspense(`${p}pe-2`, 750), `${p}pe-2`);
  expect(s1).toMatchObject({ to: 'suspense', fresh: true });
  expect(await app.get(sql`SELECT kind, status FROM payments WHERE id = ${s1.paymentId}`)).toEqual({
    kind: 'suspended',
    status: 15,
  });
  expect(await post(toSuspense(`${p}pe-2`, 750), `${p}pe-2b`)).toEqual({
    to: 'suspense',
    paymentId: s1.paymentId,
    fresh: false,
  });
  // A repeat opens no journal.
  expect(
    await app.get(sql`SELECT count(*) AS n FROM journals WHERE idem_key LIKE ${`test:${p}pe-%b:%`}`),
  ).toEqual({ n: 0 });
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
}

describe.each(APPS.filter((r) => r.available))(
  'postEntry (ledger kernel) ($dialect)',
  ({ dialect, open }) => {
    beforeAll(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
      await value(app.dispatch('demo:load', { accounts: 40, seed: 8 }));
    });
    afterAll(async () => {
      await app.dispose();
    });

    it('posts one entry to its account with its allocation, or to suspense, once per key, in a port transaction', () =>
      postsOncePerKey(portPost, 'port-'));

    // postEntry and entryPoster write through the SQLite driver (prepared statements on the one connection).
    it.runIf(dialect === 'sqlite')(
      'the driver posts one entry to its account with its allocation, or to suspense, once per key',
      () => postsOncePerKey(driverPost, 'driver-'),
    );

    // entryPoster is the driver's chunk poster; on PostgreSQL a batch posts set-based (test/db/set-posting.test.ts).
    it.runIf(dialect === 'sqlite')(
      'posts chunks of mixed entries under one journal per destination',
      async () => {
        const db = app.ctx.ledger.sqlite!;
        const { accountId, billId } = await billed();
        const out = db.transaction(() => {
          const auditId = writeAudit(db, AUDIT);
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
      },
    );
  },
);
