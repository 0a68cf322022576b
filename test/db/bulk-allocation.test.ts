import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../db/repos/audit';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import { mulberry32 } from '../../src-main/domain/prng';
import { writeAudit } from '../../src-main/ledger/audit';
import { allocateBulk, allocateBulkIn } from '../../src-main/ledger/bulk-allocation';
import { postPaymentsBulk, postPaymentsBulkIn, type BulkPaymentRow } from '../../src-main/ledger/payments';
import { APPS, type TestApp } from '../helpers/apps';
import { value } from '../helpers/suspense';

// Many payments posted under one journal and allocated at once: on a SQLite file by the driver's bulk poster and
// allocator (the batch submit's million-entry path), and on both databases by their port forms (a collection run's
// approvals on PostgreSQL). Issue #17: the port forms run on SQLite and PostgreSQL.

let app: TestApp;

async function rows(n: number, seed: number): Promise<BulkPaymentRow[]> {
  const accounts = await app.all<{ id: number; currency: string }>(
    sql`SELECT id, currency FROM accounts WHERE is_suspense = 0 AND currency IN ('USD', 'EUR') ORDER BY id`,
  );
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

/** The payments a seed's rows posted. */
async function posted(seed: number): Promise<number> {
  const row = await app.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM payments WHERE source_key LIKE ${`t${seed}:%`}`,
  );
  return row!.n;
}

const allocations = (batch: readonly BulkPaymentRow[], ids: readonly (number | null)[]) =>
  batch.map((r, i) => ({
    paymentId: ids[i]!,
    accountId: r.accountId,
    amountMinor: r.accountAmountMinor,
    ratePpm: r.ratePpm,
    billNo: null,
  }));

describe.each(APPS.filter((r) => r.available))(
  'bulk posting and allocation ($dialect)',
  ({ dialect, open }) => {
    beforeAll(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
      await value(app.dispatch('demo:load', { accounts: 300, seed: 21 }));
      await app.ctx.storage.transaction((tx) =>
        tx.run(
          sql`INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm)
              VALUES ('USD', 'EUR', '2026-01-01', 900000)`,
        ),
      );
    }, 120_000);
    afterAll(async () => {
      await app.dispose();
    });

    it('posts and allocates many payments consistently in a port transaction, and a resubmit posts nothing twice', async () => {
      const batch = await rows(800, 3);
      const post = (): Promise<(number | null)[]> =>
        app.ctx.storage.transaction(async (tx) => {
          const auditId = await appendAudit(tx, {
            at: 'now',
            operatorId: null,
            action: 'test.post',
            entity: 'batch',
          });
          return postPaymentsBulkIn(
            tx,
            batch,
            { kind: 'payment', idemKey: null, effectiveDate: '2026-11-22', auditId },
            'now',
            null,
          );
        });
      const ids = await post();
      expect(ids.every((id) => id !== null)).toBe(true);
      await app.ctx.storage.transaction((tx) =>
        allocateBulkIn(tx, allocations(batch, ids), { policy: 'fifo', searchBillAmount: false }, 'now', null),
      );
      const again = await post();
      expect(again.every((id) => id === null)).toBe(true);
      expect(await posted(3)).toBe(800);
      const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
      expect(check.violations).toEqual([]);
    }, 60_000);

    // The driver's poster and allocator (prepared multi-row statements on the one connection) are SQLite's own.
    it.runIf(dialect === 'sqlite')(
      'the driver posts and allocates many payments consistently, and a resubmit posts nothing twice',
      async () => {
        const db = app.ctx.ledger.sqlite!;
        const batch = await rows(800, 4);
        const post = (): (number | null)[] =>
          db.transaction(() => {
            const auditId = writeAudit(db, {
              at: 'now',
              operatorId: null,
              action: 'test.post',
              entity: 'batch',
            });
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
          allocateBulk(db, allocations(batch, ids), { policy: 'fifo', searchBillAmount: false }, 'now', null),
        )();
        const again = post();
        expect(again.every((id) => id === null)).toBe(true);
        expect(await posted(4)).toBe(800);
        const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
        expect(check.violations).toEqual([]);
      },
    );
  },
);
