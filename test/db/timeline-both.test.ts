import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../db/storage/port';
import type { App } from '../../src-main/app-context';
import { paymentTimeline } from '../../src-main/services/timeline/timeline';
import type { PaymentTimelineDto, TimelineKind } from '../../src-shared/dto/reports';
import { ledgerOnBoth, type LedgerOnBoth } from '../helpers/copy-to-postgres';
import { STORAGES } from '../helpers/storages';
import { buildTimelineScenario } from '../helpers/timeline-scenario';

// Issue #17: the payment timeline reads through the storage port. On a worked ledger (the report scenario and
// what it leaves out: files, exception batches, direct debits, returns, suspense cases, processor records,
// exports) copied row for row into PostgreSQL, every payment's timeline, its case followed both ways, reads the
// same as on SQLite, and an unknown payment is refused the same way.

describe.runIf(STORAGES[1]!.available)('payment timeline on a worked ledger copied to PostgreSQL', () => {
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

  it('tells every payment of the ledger as SQLite does', async () => {
    const ids = app.ctx.ledger.sqlite
      .prepare('SELECT id FROM payments ORDER BY id')
      .pluck()
      .all() as number[];
    const timelines: PaymentTimelineDto[] = [];
    for (const id of ids) {
      const here = await paymentTimeline(app.ctx.storage, id);
      const there = await paymentTimeline(pg, id);
      expect(there, `payment ${id}`).toEqual(here);
      timelines.push(here);
    }
    // Not trivially equal: every source had rows, and cases were followed to other payments.
    const kinds = new Set(timelines.flatMap((t) => t.events.map((e) => e.kind)));
    const sources: TimelineKind[] = [
      ...['received', 'keyed', 'validated', 'submitted', 'posted', 'suspended', 'allocated'],
      ...['allocation-undone', 'suspense-moved', 'note', 'checkpoint', 'processor-call'],
      ...['returned', 'reversed', 'exported'],
    ] as TimelineKind[];
    expect([...kinds]).toEqual(expect.arrayContaining(sources));
    const statuses = new Set(timelines.map((t) => t.status));
    for (const s of ['posted', 'reversed', 'removed', 'distributed']) expect(statuses).toContain(s);
    const followed = timelines.filter((t) =>
      t.events.some((e) => e.ref?.paymentId !== undefined && e.ref.paymentId !== t.paymentId),
    );
    expect(followed.length).toBeGreaterThan(2);
    expect(timelines.filter((t) => t.events.length >= 6).length).toBeGreaterThan(3);
  });

  it('refuses an unknown payment with the same not_found on both', async () => {
    const missing = app.ctx.ledger.sqlite.prepare('SELECT max(id) + 1 FROM payments').pluck().get() as number;
    const refusal = (s: Storage): Promise<unknown> =>
      paymentTimeline(s, missing).then(
        () => 'answered',
        (err: unknown) => ({ message: (err as Error).message, error: (err as { error?: unknown }).error }),
      );
    const here = await refusal(app.ctx.storage);
    expect(here).toMatchObject({ error: { code: 'not_found', entity: 'payment', key: String(missing) } });
    expect(await refusal(pg)).toEqual(here);
  });
});
