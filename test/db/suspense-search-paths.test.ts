import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SuspenseSearchDto } from '../../src-shared/dto/suspense';
import { APPS, type TestApp } from '../helpers/apps';
import { value } from '../helpers/suspense';

/**
 * The search paths for big results: a contains-text with more index hits than can be counted in time, a text
 * too short for the trigram index, covering indexes for lockboxes and payer-name order. The queue rows are
 * written directly (the read model alone) so a test can hold more than 10,000 of them and stay fast. The searches
 * only read, so the suite shares one ledger.
 */
let app: TestApp;

type Row = {
  id: number;
  state: string;
  owner: number | null;
  payer: string | null;
  ref: string;
  entered: string;
  amount: number;
  lockbox: string;
  channel: number;
  payType: number;
};

const ROWS: Row[] = Array.from({ length: 12_500 }, (_, i) => ({
  id: 1_000_000 + i,
  state: ['suspended', 'suspended', 'partial', 'recycled', 'removed', 'distributed'][i % 6]!,
  owner: [3001, 3002, null][i % 3]!,
  // Every third payer is "Zoë ...": more than 4,000 hits of a non-ASCII text; every 11th has no name.
  payer: i % 11 === 0 ? null : `${i % 3 === 0 ? 'Zoë' : 'Quill'} Payer ${String(i).padStart(5, '0')}`,
  ref: `ZZREF-${i}`,
  entered: `2026-${String(1 + (i % 10)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
  amount: 100 + ((i * 7919) % 100_000),
  lockbox: `LBX-${i % 4}`,
  channel: i % 4,
  payType: i % 5 === 0 ? 10013 : 10012,
}));

/** Writes the queue rows, a few hundred per statement (within both databases' parameter limits). */
async function insertRows(): Promise<void> {
  await app.ctx.storage.transaction(async (tx) => {
    for (let i = 0; i < ROWS.length; i += 500) {
      const values = ROWS.slice(i, i + 500).map(
        (r) =>
          sql`(${r.id}, ${r.id}, ${r.state}, 0, 'USD', ${r.amount}, ${r.entered}, ${r.entered}, 2001, ${r.owner},
               ${r.payer}, ${r.ref}, ${r.lockbox}, ${r.channel}, ${r.payType}, '2026-11-01T00:00:00Z')`,
      );
      await tx.run(
        sql`INSERT INTO suspense_queue (payment_id, root_id, state, failed, currency, amount_minor, effective_date,
              entered_on, reason_code, action_owner, payer_name, external_ref, lockbox_no, channel_id, pay_type,
              updated_at)
            VALUES ${sql.join(values, sql`, `)}`,
      );
    }
  });
}

const search = (input: Record<string, unknown>): Promise<SuspenseSearchDto> =>
  value<SuspenseSearchDto>(app.dispatch('suspense:search', input));

const ACTIVE = new Set(['suspended', 'partial', 'recycled']);
const byEntered = (a: Row, b: Row): number => a.entered.localeCompare(b.entered) || a.id - b.id;

describe.each(APPS.filter((r) => r.available))(
  'Payment Center search paths for big results ($dialect)',
  ({ open, dialect }) => {
    beforeAll(async () => {
      app = await open({ login: 'tester' });
      await insertRows();
    }, 60_000);
    afterAll(async () => {
      await app?.dispose();
    });

    it('bounds the totals of a text with too many hits, says so, and still pages exactly', async () => {
      // Every reference matches: 12,500 hits in all states.
      const out = await search({ text: 'zzref-', status: ['all'], limit: 50 });
      const all = [...ROWS].sort(byEntered);
      if (dialect === 'sqlite') {
        // A lower bound: only the first 10,000 index hits were counted.
        expect(out).toMatchObject({ total: 10_000, totalExact: false });
      } else {
        // PostgreSQL counts over its pg_trgm index exactly, however many hits (README "Storage seam").
        expect(out).toMatchObject({ total: ROWS.length, totalExact: true });
      }
      expect(out.byAge.reduce((s, b) => s + b.count, 0)).toBe(out.total);
      // The page is exact: the first 50 active payments in entry order (every reference matches).
      expect(out.rows.map((r) => r.paymentId)).toEqual(all.slice(0, 50).map((r) => r.id));
      // Paging on by cursor stays on the matches.
      const next = await search({
        text: 'zzref-',
        status: ['all'],
        limit: 50,
        cursor: out.nextCursor,
        totals: false,
      });
      expect(next.rows.map((r) => r.paymentId)).toEqual(all.slice(50, 100).map((r) => r.id));
      // Active payments only are fewer than can be checked row by row: exact.
      const active = await search({ text: 'zzref-' });
      expect(active).toMatchObject({
        total: ROWS.filter((r) => ACTIVE.has(r.state)).length,
        totalExact: true,
      });
    });

    it('counts a broad text exactly when the other filters select few payments', async () => {
      const expected = ROWS.filter(
        (r) => ACTIVE.has(r.state) && r.owner === 3002 && r.ref.includes('ZZREF-'),
      );
      const out = await search({ text: 'ZZREF-', owner: 3002, limit: 10 });
      expect(out.totalExact).toBe(true);
      expect(out.total).toBe(expected.length);
      expect(out.totalsByCurrency).toEqual([
        { currency: 'USD', count: expected.length, amountMinor: expected.reduce((s, r) => s + r.amount, 0) },
      ]);
    });

    it('counts a text with fewer hits exactly, non-ASCII text too', async () => {
      const zoe = ROWS.filter((r) => ACTIVE.has(r.state) && r.payer?.includes('Zoë'));
      const out = await search({ payer: 'ZOË', limit: 5 });
      expect(out.totalExact).toBe(true);
      expect(out.total).toBe(zoe.length);
      const one = await search({ text: 'Payer 01234', status: ['all'] });
      expect(one).toMatchObject({ total: 1, totalExact: true });
    });

    it('bounds the totals of a short text over many payments, exact once other filters narrow it', async () => {
      const wide = await search({ payer: 'r ', status: ['all'], limit: 20 });
      const withName = ROWS.filter((r) => r.payer !== null).sort(byEntered);
      // Too short for SQLite's trigram index: checked row by row and bounded; PostgreSQL counts it exactly.
      if (dialect === 'sqlite') expect(wide.totalExact).toBe(false);
      else expect(wide).toMatchObject({ total: withName.length, totalExact: true });
      expect(wide.rows.map((r) => r.paymentId)).toEqual(withName.slice(0, 20).map((r) => r.id));
      const narrow = ROWS.filter(
        (r) => ACTIVE.has(r.state) && r.owner === 3001 && r.payer?.toLowerCase().includes('zo'),
      );
      const out = await search({ payer: 'zo', owner: 3001 });
      expect(out).toMatchObject({ total: narrow.length, totalExact: true });
    });

    it('totals a lockbox by channel and pay type, and sorts removed payments by payer name', async () => {
      const lb = ROWS.filter(
        (r) => ACTIVE.has(r.state) && r.lockbox === 'LBX-1' && r.channel === 1 && r.payType === 10012,
      );
      const out = await search({ lockboxNo: 'LBX-1', channelId: 1, payType: 10012 });
      expect(out.total).toBe(lb.length);
      expect(out.totalsByCurrency[0]!.amountMinor).toBe(lb.reduce((s, r) => s + r.amount, 0));
      const removed = ROWS.filter((r) => r.state === 'removed').sort(
        (a, b) => (a.payer ?? '').localeCompare(b.payer ?? '') || a.id - b.id,
      );
      for (const sortDir of ['asc', 'desc'] as const) {
        const want = sortDir === 'asc' ? removed : [...removed].reverse();
        const first = await search({ status: ['removed'], sortBy: 'payerName', sortDir, limit: 30 });
        expect(first.rows.map((r) => r.paymentId)).toEqual(want.slice(0, 30).map((r) => r.id));
        const second = await search({
          status: ['removed'],
          sortBy: 'payerName',
          sortDir,
          limit: 30,
          cursor: first.nextCursor,
          totals: false,
        });
        expect(second.rows.map((r) => r.paymentId)).toEqual(want.slice(30, 60).map((r) => r.id));
      }
    });
  },
);
