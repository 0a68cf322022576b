import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../db/storage/port';
import type { App } from '../../src-main/app-context';
import { addNote, assignOwner } from '../../src-main/services/suspense/annotate';
import { suspenseCandidates } from '../../src-main/services/suspense/candidates';
import { suspenseDetail } from '../../src-main/services/suspense/detail';
import { exportSuspense, searchSuspense } from '../../src-main/services/suspense/search';
import { commandInputs } from '../../src-shared/api/inputs';
import type { SuspenseRowDto, SuspenseSearchDto } from '../../src-shared/dto/suspense';
import { ledgerOnBoth, type LedgerOnBoth } from '../helpers/copy-to-postgres';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { buildTimelineScenario } from '../helpers/timeline-scenario';

// Issue #17: the Payment Center search reads through the storage port. SQLite keeps its tuned plan (FTS5 trigram
// lookups, named indexes), PostgreSQL states the filters plainly (ILIKE over pg_trgm): the same queue gives the
// same pages, cursors, totals and refusals on both, checked against an answer computed here from the rows.

const NOW = new Date('2026-12-05T09:00:00Z');
const MAX = Number.MAX_SAFE_INTEGER;

type Row = {
  id: number;
  state: string;
  currency: string;
  amount: number;
  received: string;
  entered: string;
  reason: number;
  owner: number | null;
  hint: string | null;
  bill: string | null;
  payer: string | null;
  ref: string | null;
  batch: number | null;
  lockbox: string | null;
  channel: number;
  payType: number;
};

const STATES = ['suspended', 'partial', 'recycled', 'distributed', 'removed', 'reversed', 'replaced'];
const PAYERS = [
  'Ada Lovelace',
  'ADA LOVELACE Ltd',
  '50%_Off Trading',
  '50 Percent Trading',
  'Zoë Müller',
  'O\'Brien "Quotes" & Co',
  'Émile Zola',
  'zz',
  null,
];

function day(offset: number): string {
  const d = new Date(Date.UTC(2026, 11, 5));
  d.setUTCDate(d.getUTCDate() - offset);
  return d.toISOString().slice(0, 10);
}

/** 240 queue rows spread over every state, currency, owner, age bucket and text shape. */
const ROWS: Row[] = Array.from({ length: 240 }, (_, i) => ({
  id: 500 + i,
  state: STATES[i % 7]!,
  currency: ['USD', 'EUR', 'JPY'][i % 3]!,
  amount: 1 + ((i * 7919) % 250_000),
  received: day((i * 13) % 200),
  entered: day((i * 11) % 150),
  reason: [2001, 2002, 2004][i % 3]!,
  owner: [3001, 3002, null, null][i % 4]!,
  hint: i % 5 === 0 ? null : `${['ACC', 'acc', 'B%'][i % 3]}-${String(i % 40).padStart(3, '0')}`,
  bill: i % 4 === 0 ? null : `BL-${i % 17}`,
  payer: PAYERS[i % PAYERS.length]!,
  ref: i % 6 === 0 ? null : `REF_${i % 23}%x`,
  batch: i % 2 === 0 ? 7 + (i % 3) : null,
  lockbox: i % 3 === 0 ? `LBX-${i % 2}` : null,
  channel: i % 4,
  payType: i % 5 === 0 ? 10013 : 10012,
}));

async function seedQueue(storage: Storage, rows: Row[]): Promise<void> {
  await storage.transaction(async (tx) => {
    for (const r of rows)
      await tx.run(
        sql`INSERT INTO suspense_queue (payment_id, root_id, state, failed, currency, amount_minor, effective_date,
              entered_on, reason_code, action_owner, account_hint, bill_no, payer_name, external_ref, batch_id,
              lockbox_no, channel_id, pay_type, updated_at)
            VALUES (${r.id}, ${r.id}, ${r.state}, 0, ${r.currency}, ${r.amount}, ${r.received}, ${r.entered},
              ${r.reason}, ${r.owner}, ${r.hint}, ${r.bill}, ${r.payer}, ${r.ref}, ${r.batch}, ${r.lockbox},
              ${r.channel}, ${r.payType}, '2026-12-01T00:00:00Z')`,
      );
  });
}

const parse = (input: Record<string, unknown>) => commandInputs['suspense:search'].parse(input);

/** Code-point order, as both databases sort text. */
const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

const ACTIVE = new Set(['suspended', 'partial', 'recycled']);
const contains = (v: string | null, t: string): boolean =>
  v !== null && v.toLowerCase().includes(t.toLowerCase());
const startsWith = (v: string | null, p: string): boolean =>
  v !== null && v.toLowerCase().startsWith(p.toLowerCase());

/** The expected result of some filters, from the rows themselves. */
const FILTERS: [string, Record<string, unknown>, (r: Row) => boolean][] = [
  ['the active queue', {}, (r) => ACTIVE.has(r.state)],
  ['every state', { status: ['all'] }, () => true],
  ['two states', { status: ['removed', 'partial'] }, (r) => r.state === 'removed' || r.state === 'partial'],
  ['payer text, any case', { text: 'lovelace', status: ['all'] }, (r) => contains(r.payer, 'lovelace')],
  ['LIKE wildcards taken literally', { payer: '50%_', status: ['all'] }, (r) => contains(r.payer, '50%_')],
  ['a reference with % and _', { reference: 'ref_1%', status: ['all'] }, (r) => contains(r.ref, 'ref_1%')],
  [
    'text over payer or reference',
    { text: '_2%', status: ['all'] },
    (r) => contains(r.payer, '_2%') || contains(r.ref, '_2%'),
  ],
  ['quotes in the text', { payer: '"quotes"' }, (r) => ACTIVE.has(r.state) && contains(r.payer, '"quotes"')],
  ['non-ASCII text', { payer: 'zoë', status: ['all'] }, (r) => contains(r.payer, 'zoë')],
  ['a short text', { text: 'zz', status: ['all'] }, (r) => contains(r.payer, 'zz') || contains(r.ref, 'zz')],
  [
    'account prefix, any case',
    { accountHint: 'acc-00' },
    (r) => ACTIVE.has(r.state) && startsWith(r.hint, 'acc-00'),
  ],
  ['a prefix with %', { accountHint: 'B%-01', status: ['all'] }, (r) => startsWith(r.hint, 'B%-01')],
  ['bill prefix', { billNo: 'bl-1', status: ['all'] }, (r) => startsWith(r.bill, 'bl-1')],
  [
    'received range and amounts in EUR',
    { from: day(90), to: day(20), minAmount: '100.00', maxAmount: '2000', currency: 'EUR', status: ['all'] },
    (r) =>
      r.received >= day(90) &&
      r.received <= day(20) &&
      r.currency === 'EUR' &&
      r.amount >= 10_000 &&
      r.amount <= 200_000,
  ],
  [
    'amounts in JPY (no minor unit)',
    { minAmount: '100000', currency: 'JPY', status: ['all'] },
    (r) => r.currency === 'JPY' && r.amount >= 100_000,
  ],
  ['unassigned', { owner: 'none', status: ['all'] }, (r) => r.owner === null],
  [
    'an owner and a reason',
    { owner: 3001, reasonCode: 2001 },
    (r) => ACTIVE.has(r.state) && r.owner === 3001 && r.reason === 2001,
  ],
  [
    'age buckets',
    { ageBucket: ['8-30', '90+'], status: ['all'] },
    (r) => (r.entered <= day(8) && r.entered >= day(30)) || r.entered <= day(91),
  ],
  [
    'batch, lockbox, channel, pay type',
    { batchId: 7, lockboxNo: 'LBX-0', channelId: 0, payType: 10012, status: ['all'] },
    (r) => r.batch === 7 && r.lockbox === 'LBX-0' && r.channel === 0 && r.payType === 10012,
  ],
];

const SORTS: [string, (r: Row) => string | number][] = [
  ['paymentId', (r) => r.id],
  ['enteredOn', (r) => r.entered],
  ['effectiveDate', (r) => r.received],
  ['amountMinor', (r) => r.amount],
  ['currency', (r) => r.currency],
  ['state', (r) => r.state],
  ['actionOwner', (r) => r.owner ?? -1],
  ['accountHint', (r) => r.hint ?? ''],
  ['billNo', (r) => r.bill ?? ''],
  ['payerName', (r) => r.payer ?? ''],
  ['externalRef', (r) => r.ref ?? ''],
  ['batchId', (r) => r.batch ?? -1],
  ['lockboxNo', (r) => r.lockbox ?? ''],
];

/** A search's answer without its timing (which differs run to run). */
const strip = (d: SuspenseSearchDto): Omit<SuspenseSearchDto, 'elapsedMs'> => {
  const { elapsedMs: _, ...rest } = d;
  return rest;
};

/** Every page of a search by cursor: the payment ids in order. */
async function allByCursor(storage: Storage, input: Record<string, unknown>): Promise<number[]> {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 100; n++) {
    const page = await searchSuspense(storage, parse({ ...input, cursor, limit: 7, totals: false }), NOW);
    ids.push(...page.rows.map((r) => r.paymentId));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error('no end of pages');
}

/** Both databases, and a PostgreSQL one whose default collation is ICU en-US (an order left to it shows). */
const DATABASES = [
  ...STORAGES.map((r) => ({ ...r, name: r.dialect })),
  {
    name: 'postgres (ICU en-US)',
    available: STORAGES[1]!.available,
    open: () => freshPostgres({ icu: true }),
  },
];

describe.each(DATABASES)('Payment Center search on $name', ({ available, open }) => {
  let db: Awaited<ReturnType<typeof open>> | undefined;
  let storage: Storage;

  beforeAll(async () => {
    if (!available) return;
    db = await open();
    storage = db.storage;
    await seedQueue(storage, ROWS);
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it.runIf(available).each(FILTERS)('finds %s with exact totals', async (_, filters, want) => {
    const expected = ROWS.filter(want);
    expect(expected.length, 'the filter selects something').toBeGreaterThan(0);
    const out = await searchSuspense(storage, parse({ ...filters, limit: 5000 }), NOW);
    expect(out.rows.map((r) => r.paymentId).sort(cmp)).toEqual(expected.map((r) => r.id).sort(cmp));
    expect(out.total).toBe(expected.length);
    expect(out.totalExact).toBe(true);
    const sums = new Map<string, { count: number; amountMinor: number }>();
    for (const r of expected) {
      const s = sums.get(r.currency) ?? { count: 0, amountMinor: 0 };
      s.count++;
      s.amountMinor += r.amount;
      sums.set(r.currency, s);
    }
    expect(out.totalsByCurrency).toEqual(
      [...sums]
        .map(([currency, s]) => ({ currency, ...s }))
        .sort((a, b) => b.count - a.count || cmp(a.currency, b.currency)),
    );
    expect(out.byAge.reduce((s, b) => s + b.count, 0)).toBe(expected.length);
    expect(out.byOwner.reduce((s, b) => s + b.count, 0)).toBe(expected.length);
  });

  it.runIf(available).each(SORTS)('pages by %s both ways, by cursor and by offset', async (sortBy, key) => {
    for (const sortDir of ['asc', 'desc'] as const) {
      const sign = sortDir === 'asc' ? 1 : -1;
      const expected = ROWS.filter((r) => r.state !== 'replaced')
        .sort((a, b) => sign * (cmp(key(a), key(b)) || a.id - b.id))
        .map((r) => r.id);
      const input = { sortBy, sortDir, status: STATES.filter((s) => s !== 'replaced') };
      expect(await allByCursor(storage, input), `${sortBy} ${sortDir}`).toEqual(expected);
      const page = await searchSuspense(storage, parse({ ...input, offset: 50, limit: 20 }), NOW);
      expect(page.rows.map((r) => r.paymentId)).toEqual(expected.slice(50, 70));
    }
  });

  it.runIf(available)('labels owners and reasons, ages rows, and exports them as CSV', async () => {
    const out = await searchSuspense(storage, parse({ owner: 3001, limit: 1 }), NOW);
    const row = out.rows[0]!;
    expect(row).toMatchObject({ actionOwner: 3001, ownerLabel: 'Payments Processing', failed: false });
    expect(row.reasonLabel).toMatch(/not found|closed/);
    const source = ROWS.find((r) => r.id === row.paymentId)!;
    expect(row.ageDays).toBe(
      Math.round((Date.parse('2026-12-05') - Date.parse(source.entered)) / 86_400_000),
    );
    expect(out.byOwner[0]).toEqual({ owner: 3001, label: 'Payments Processing', count: out.total });
    const csv = await exportSuspense(storage, [ROWS[3]!.id, ROWS[1]!.id, 999_999], NOW);
    expect(csv.rows).toBe(2);
    const lines = csv.csv.trimEnd().split('\r\n');
    expect(lines[1]!.startsWith(`${ROWS[1]!.id},`)).toBe(true);
    expect(lines[2]!.startsWith(`${ROWS[3]!.id},`)).toBe(true);
    await expect(exportSuspense(storage, [999_999], NOW)).rejects.toMatchObject({
      error: { code: 'not_found' },
    });
  });

  it.runIf(available)(
    'refuses a bad cursor, cursor with offset, and an unknown currency the same way',
    async () => {
      await expect(searchSuspense(storage, parse({ cursor: 'garbage' }), NOW)).rejects.toMatchObject({
        error: { code: 'validation' },
      });
      const first = await searchSuspense(storage, parse({ limit: 1 }), NOW);
      await expect(
        searchSuspense(storage, parse({ cursor: first.nextCursor, offset: 1 }), NOW),
      ).rejects.toMatchObject({ error: { code: 'conflict' } });
      await expect(
        searchSuspense(storage, parse({ currency: 'XAU', minAmount: '1' }), NOW),
      ).rejects.toMatchObject({ error: { code: 'validation' } });
    },
  );
});

describe.each(STORAGES)('Payment Center totals at the money limit on $dialect', ({ available, open }) => {
  it.runIf(available)('sums exactly to 2^53 - 1 and refuses a total past it', async () => {
    const db = await open();
    try {
      const base: Row = { ...ROWS[0]!, state: 'removed', currency: 'USD', owner: null, entered: day(3) };
      await seedQueue(db.storage, [
        { ...base, id: 1, amount: MAX - 10 },
        { ...base, id: 2, amount: 10 },
        { ...base, id: 3, amount: MAX, currency: 'EUR' },
        { ...base, id: 4, amount: 1, currency: 'EUR' },
      ]);
      const usd = await searchSuspense(db.storage, parse({ status: ['removed'], currency: 'USD' }), NOW);
      expect(usd.totalsByCurrency).toEqual([{ currency: 'USD', count: 2, amountMinor: MAX }]);
      await expect(
        searchSuspense(db.storage, parse({ status: ['removed'], currency: 'EUR' }), NOW),
      ).rejects.toThrow(/Payment Center total in EUR \(narrow the search\)/);
      // Counted from the running tally as well as from the rows.
      await expect(
        searchSuspense(db.storage, parse({ status: ['removed'], payer: 'lovelace' }), NOW),
      ).rejects.toThrow(/narrow the search/);
    } finally {
      await db.dispose();
    }
  });
});

describe.runIf(STORAGES[1]!.available)(
  'Payment Center search on a worked ledger copied to PostgreSQL',
  () => {
    let both: LedgerOnBoth;
    let app: App;
    let pg: Storage;

    beforeAll(async () => {
      both = await ledgerOnBoth(buildTimelineScenario, '2026-11-23T09:00:00Z');
      ({ app, pg } = both);
    }, 120_000);
    afterAll(async () => {
      await both?.dispose();
    });

    it('answers every search as SQLite does', async () => {
      const now = new Date('2026-11-30T09:00:00Z');
      const inputs: Record<string, unknown>[] = [
        {},
        { status: ['all'] },
        { status: ['all'], sortBy: 'amountMinor', sortDir: 'desc' },
        { status: ['all'], sortBy: 'payerName' },
        { status: ['distributed', 'removed', 'recycled'] },
        { owner: 'none', status: ['all'] },
        { ageBucket: ['0-7'], status: ['all'] },
      ];
      const seen = new Set<number>();
      for (const input of inputs) {
        const here = await searchSuspense(app.ctx.storage, parse(input), now);
        const there = await searchSuspense(pg, parse(input), now);
        expect(strip(there), JSON.stringify(input)).toEqual(strip(here));
        here.rows.forEach((r: SuspenseRowDto) => seen.add(r.paymentId));
      }
      // Not trivially equal: the scenario left cases in several states.
      expect(seen.size).toBeGreaterThan(3);
      const ids = [...seen];
      expect(await exportSuspense(pg, ids, now)).toEqual(await exportSuspense(app.ctx.storage, ids, now));
    });

    it('suggests the same accounts and bills for every payment and batch entry', async () => {
      const db = app.ctx.ledger.sqlite;
      const payments = db.prepare('SELECT id FROM payments ORDER BY id').pluck().all() as number[];
      const entries = db.prepare('SELECT batch_id AS batchId, id AS entryId FROM batch_entries').all() as {
        batchId: number;
        entryId: number;
      }[];
      const asks = [
        ...payments.map((paymentId) => ({ paymentId, limit: 50 })),
        ...entries.map((e) => ({ ...e, limit: 50 })),
      ];
      const reasons = new Set<string>();
      for (const ask of asks) {
        const { elapsedMs: _h, ...here } = await suspenseCandidates(app.ctx.storage, ask);
        const { elapsedMs: _t, ...there } = await suspenseCandidates(pg, ask);
        expect(there, JSON.stringify(ask)).toEqual(here);
        here.candidates.forEach((c) => c.reasons.forEach((r) => reasons.add(r.replace(/[\d"].*$/, ''))));
      }
      // Not trivially equal: suggestions by quoted numbers, by amount, and by name were made.
      expect(entries.length).toBeGreaterThan(0);
      expect(reasons.size).toBeGreaterThan(2);
    });

    it('shows every payment of the ledger as its case detail, as SQLite does', async () => {
      const now = new Date('2026-11-30T09:00:00Z');
      const ids = app.ctx.ledger.sqlite
        .prepare('SELECT id FROM payments ORDER BY id')
        .pluck()
        .all() as number[];
      const details = [];
      for (const id of ids) {
        const here = await suspenseDetail(app.ctx.storage, id, now);
        expect(await suspenseDetail(pg, id, now), `payment ${id}`).toEqual(here);
        details.push(here);
      }
      // Not trivially equal: cases of several payments, moves recorded, refusals and permissions both ways.
      expect(details.filter((d) => d.tree.length > 1).length).toBeGreaterThan(2);
      expect(details.filter((d) => d.timeline.length > 2).length).toBeGreaterThan(2);
      expect(
        details.some((d) => d.timeline.some((e) => e.reasonLabel !== null && e.action !== 'entered')),
      ).toBe(true);
      const allowed = details.flatMap((d) => d.allowed);
      expect(allowed.some((a) => a.ok)).toBe(true);
      expect(new Set(allowed.filter((a) => !a.ok).map((a) => a.rule)).size).toBeGreaterThan(3);
      const missing = ids[ids.length - 1]! + 1;
      for (const s of [app.ctx.storage, pg])
        await expect(suspenseDetail(s, missing, now)).rejects.toMatchObject({ error: { code: 'not_found' } });
    });
  },
);

describe.runIf(STORAGES[1]!.available)(
  'Payment Center owners and notes written through the port on both',
  () => {
    let both: LedgerOnBoth;
    let app: App;
    let pg: Storage;
    const now = new Date('2026-11-30T09:00:00Z');

    beforeAll(async () => {
      both = await ledgerOnBoth(buildTimelineScenario, '2026-11-23T09:00:00Z');
      ({ app, pg } = both);
    }, 120_000);
    afterAll(async () => {
      await both?.dispose();
    });

    const failure = (p: Promise<unknown>): Promise<unknown> =>
      p.then(
        () => 'no refusal',
        (e: unknown) => (e as { error?: unknown }).error ?? e,
      );

    it('assigns, clears and notes alike, and refuses alike', async () => {
      const operator = app.ctx.operator.id;
      const active = (await searchSuspense(app.ctx.storage, parse({ limit: 5000 }), now)).rows.map(
        (r) => r.paymentId,
      );
      expect(active.length).toBeGreaterThan(0);
      const closed = (
        await searchSuspense(app.ctx.storage, parse({ status: ['removed'], limit: 1 }), now)
      ).rows.map((r) => r.paymentId);
      expect(closed).toHaveLength(1);
      const posted = app.ctx.ledger.sqlite
        .prepare(
          `SELECT p.id FROM payments p JOIN accounts a ON a.id = p.account_id
         WHERE a.is_suspense = 0 AND p.parent_payment_id IS NULL AND p.pay_type = 10012
           AND p.id NOT IN (SELECT payment_id FROM suspense_queue) LIMIT 1`,
        )
        .pluck()
        .get() as number;
      const same = async (): Promise<void> => {
        for (const input of [{}, { owner: 3002 }, { owner: 'none' }, { status: ['all'] }]) {
          const here = await searchSuspense(app.ctx.storage, parse(input), now);
          expect(strip(await searchSuspense(pg, parse(input), now)), JSON.stringify(input)).toEqual(
            strip(here),
          );
        }
        for (const id of [...active, closed[0]!]) {
          const here = await suspenseDetail(app.ctx.storage, id, now);
          expect(await suspenseDetail(pg, id, now)).toEqual(here);
        }
      };
      for (const s of [app.ctx.storage, pg]) {
        await assignOwner(s, { paymentIds: active, owner: 3002 }, now, operator);
        // A note may be added after the case is closed, to record what was done.
        await addNote(s, { paymentId: closed[0]!, text: 'called the payer: "50%_off" promo' }, now, operator);
      }
      await same();
      expect((await searchSuspense(pg, parse({ owner: 3002 }), now)).total).toBe(active.length);
      const noted = await suspenseDetail(pg, closed[0]!, now);
      expect(noted.timeline[noted.timeline.length - 1]).toMatchObject({
        action: 'note',
        detail: { text: 'called the payer: "50%_off" promo' },
      });
      for (const s of [app.ctx.storage, pg])
        await assignOwner(s, { paymentIds: [active[0]!], owner: null }, now, operator);
      await same();
      const cleared = await suspenseDetail(pg, active[0]!, now);
      expect(
        cleared.timeline
          .filter((e) => e.action === 'owner')
          .map((e) => e.detail)
          .slice(-2),
      ).toEqual([expect.objectContaining({ to: 3002 }), { from: 3002, to: null }]);
      const refusals = [
        (s: Storage) => assignOwner(s, { paymentIds: [closed[0]!], owner: 3001 }, now, operator),
        (s: Storage) => assignOwner(s, { paymentIds: [active[0]!], owner: 987_654 }, now, operator),
        (s: Storage) => assignOwner(s, { paymentIds: [999_999], owner: 3001 }, now, operator),
        (s: Storage) => addNote(s, { paymentId: posted, text: 'x' }, now, operator),
      ];
      for (const refuse of refusals) {
        const here = await failure(refuse(app.ctx.storage));
        expect(here).not.toBe('no refusal');
        expect(await failure(refuse(pg))).toEqual(here);
      }
    });

    it.each([
      ['sqlite', () => app.ctx.storage],
      ['postgres', () => pg],
    ])('loses no owner change when analysts assign the same payments at once (%s)', async (_, storage) => {
      const s = storage();
      const ids = (await searchSuspense(s, parse({ limit: 5000 }), now)).rows.map((r) => r.paymentId);
      const owners = [3001, 3002, null, 3001, 3002, null, 3002, 3001];
      const done = await Promise.allSettled(
        owners.map((owner) => assignOwner(s, { paymentIds: ids, owner }, now, app.ctx.operator.id)),
      );
      expect(done.filter((d) => d.status === 'rejected')).toEqual([]);
      for (const id of ids) {
        const detail = await suspenseDetail(s, id, now);
        const changes = detail.timeline.filter((e) => e.action === 'owner' && e.paymentId === id);
        // Each change starts from the owner the one before left: none was read stale and overwritten.
        for (let i = 1; i < changes.length; i++)
          expect(changes[i]!.detail?.from).toEqual(changes[i - 1]!.detail?.to);
        const last = changes[changes.length - 1]!;
        expect(detail.payment?.actionOwner ?? null).toEqual(last.detail?.to ?? null);
      }
      // The queue's running tally agrees with the rows after the race.
      const byOwner = (await searchSuspense(s, parse({ limit: 1 }), now)).byOwner;
      const counted = (await searchSuspense(s, parse({ limit: 5000, totals: false }), now)).rows;
      for (const o of byOwner)
        expect(o.count).toBe(counted.filter((r) => (r.actionOwner ?? null) === o.owner).length);
    });
  },
);
