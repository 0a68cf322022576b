import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SuspenseSearchDto } from '../../src-shared/dto/suspense';
import { APPS, type TestApp } from '../helpers/apps';
import { value } from '../helpers/suspense';

/**
 * The counts on top of the Payment Center come from the running tally when the filters allow (status,
 * currency, owner, reason, age) and from the queue rows otherwise. Both must agree: the tally path groups per
 * entry day in the order of suspense_tally_figures_idx, then into age buckets.
 */
let app: TestApp;
const today = new Date('2026-11-22T09:00:00Z');
const day = (back: number): string =>
  new Date(today.getTime() - back * 86_400_000).toISOString().slice(0, 10);

/** Writes the queue rows (the read model alone; its tally follows from the queue's trigger on both databases). */
async function insertRows(): Promise<void> {
  const rows = Array.from({ length: 3000 }, (_, i) => {
    const entered = day((i * 37) % 400);
    const state = ['suspended', 'partial', 'recycled', 'removed', 'distributed', 'reversed'][i % 6]!;
    const owner = [3001, 3002, null, 102001][i % 4]!;
    return sql`(${500_000 + i}, ${500_000 + i}, ${state}, 0, ${i % 7 === 0 ? 'EUR' : 'USD'},
      ${100 + ((i * 7919) % 90_000)}, ${entered}, ${entered}, ${[2001, 2002, 2003][i % 3]!}, ${owner},
      NULL, NULL, NULL, 0, 10012, '2026-11-01T00:00:00Z')`;
  });
  await app.ctx.storage.transaction(async (tx) => {
    for (let i = 0; i < rows.length; i += 500)
      await tx.run(
        sql`INSERT INTO suspense_queue (payment_id, root_id, state, failed, currency, amount_minor, effective_date,
              entered_on, reason_code, action_owner, payer_name, external_ref, lockbox_no, channel_id, pay_type,
              updated_at)
            VALUES ${sql.join(rows.slice(i, i + 500), sql`, `)}`,
      );
  });
}

const search = (input: Record<string, unknown>): Promise<SuspenseSearchDto> =>
  value<SuspenseSearchDto>(app.dispatch('suspense:search', { limit: 5, ...input }));

const figures = (s: SuspenseSearchDto) => ({
  total: s.total,
  totalsByCurrency: s.totalsByCurrency,
  byAge: s.byAge,
  byOwner: s.byOwner,
});

describe.each(APPS.filter((r) => r.available))(
  'Payment Center totals from the tally ($dialect)',
  ({ open }) => {
    beforeAll(async () => {
      app = await open({ login: 'tester', clock: () => today });
      await insertRows();
    }, 60_000);
    afterAll(async () => {
      await app?.dispose();
    });

    it.each([
      [{}],
      [{ status: ['all'] }],
      [{ status: ['removed', 'reversed'] }],
      [{ currency: 'EUR' }],
      [{ owner: 'none' }],
      [{ owner: 3002, reasonCode: 2002 }],
      [{ ageBucket: ['8-30', '90+'] }],
      [{ status: ['all'], currency: 'USD', ageBucket: ['61-90'] }],
    ])('agree with the counts of the queue rows for %j', async (filters) => {
      // A minimum amount of 0.01 keeps every payment but needs the queue rows: the other path.
      const fromTally = await search(filters);
      const fromRows = await search({ ...filters, minAmount: '0.01' });
      expect(fromTally.total).toBeGreaterThan(0);
      expect(figures(fromTally)).toEqual(figures(fromRows));
    });
  },
);
