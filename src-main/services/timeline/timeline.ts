import type Database from 'better-sqlite3';
import type { PaymentTimelineDto, TimelineEventDto } from '../../../src-shared/dto/reports';
import { notFound } from '../../ledger/errors';
import { resultName } from '../../processors/port';
import { lookups, type Lookups } from './lookups';
import {
  allocationEvents,
  compareEvents,
  directDebitEvents,
  EventSink,
  exportEvents,
  feeEvents,
  originEvents,
  PAYMENT_SQL,
  postingEvent,
  processorEvents,
  returnEvents,
  reversalEvents,
  suspenseEvents,
  type SortableEvent,
  type TimelinePayment,
} from './sources';

/** How far up and down a case the timeline follows related payments (a case is never this deep). */
const MAX_HOPS = 1000;

function loadPayment(db: Database.Database, id: number): TimelinePayment | undefined {
  return db.prepare(`${PAYMENT_SQL} WHERE p.id = ?`).get(id) as TimelinePayment | undefined;
}

/** Every event of one payment's own life. */
function eventsOf(L: Lookups, p: TimelinePayment, out: EventSink): void {
  originEvents(L, p, out);
  directDebitEvents(L, p, out);
  postingEvent(L, p, out);
  allocationEvents(L, p, out);
  suspenseEvents(L, p, out);
  const txnIds = processorEvents(L, p, out, resultName);
  const returnIds = returnEvents(L, p, out);
  reversalEvents(L, p, out);
  feeEvents(L, out, returnIds, txnIds);
  exportEvents(L, p, out);
}

/** Marks an event of another payment of the case with that payment (the subject's own events keep theirs). */
function relatedTo(e: SortableEvent, paymentId: number, self: number): SortableEvent {
  if (paymentId === self) return e;
  return { ...e, ref: { ...e.ref, paymentId } };
}

/** The status a person would say the payment is in now. */
function statusOf(db: Database.Database, p: TimelinePayment): string {
  const q = db.prepare('SELECT state FROM suspense_queue WHERE payment_id = ?').pluck().get(p.id) as
    string | undefined;
  if (q !== undefined) return q;
  const reversal = db
    .prepare('SELECT j.kind FROM reversals r JOIN journals j ON j.id = r.journal_id WHERE r.payment_id = ?')
    .pluck()
    .get(p.id) as string | undefined;
  if (reversal === 'suspense_recycle') return 'recycled';
  if (reversal !== undefined) return 'reversed';
  if (p.kind === 'failed' || (p.status >= 30 && p.status <= 44)) return 'failed';
  return 'posted';
}

/**
 * The one timeline of a payment: where it came from (file and line, or who keyed it), validation, submit,
 * posting, allocations and their undo, suspense moves, processor calls and checkpoints, returns, reversals,
 * fees and exports, oldest first (ties in causal order). The payments it came from (up to the move that made
 * it) and the payments its money went on to (distributed, recycled, remainders) are followed, their events
 * pointing at them with `ref.paymentId`. Reads only. Unknown id: not_found.
 */
export function paymentTimeline(db: Database.Database, paymentId: number): PaymentTimelineDto {
  const p = loadPayment(db, paymentId);
  if (!p) throw notFound('payment', String(paymentId));
  const L = lookups(db);
  const all: SortableEvent[] = [];
  const collect = (q: TimelinePayment, gen: number, until: string | null): void => {
    const sink = new EventSink(q.id, gen, until);
    eventsOf(L, q, sink);
    all.push(...sink.events.map((e) => relatedTo(e, q.id, p.id)));
  };
  collect(p, 0, null);
  // Where the money came from: each ancestor up to the moment its child was made.
  let child = p;
  for (let gen = -1; child.parentPaymentId !== null && gen >= -MAX_HOPS; gen--) {
    const parent = loadPayment(db, child.parentPaymentId);
    if (!parent) break;
    collect(parent, gen, child.createdAt);
    child = parent;
  }
  // Where it went: every payment made out of this one, and theirs, in full.
  const children = db.prepare(`${PAYMENT_SQL} WHERE p.parent_payment_id = ? ORDER BY p.id`);
  let level: TimelinePayment[] = [p];
  for (let gen = 1; level.length > 0 && gen <= MAX_HOPS; gen++) {
    const next: TimelinePayment[] = [];
    for (const q of level) next.push(...(children.all(q.id) as TimelinePayment[]));
    for (const c of next) collect(c, gen, null);
    level = next;
  }
  all.sort(compareEvents);
  // One key order for every event (the CLI's JSON reads the same each time): at, kind, operator, detail, money, ref.
  const events = all.map((e): TimelineEventDto => {
    const out: TimelineEventDto = { at: e.at, kind: e.kind, operator: e.operator, detail: e.detail };
    if (e.amountMinor !== undefined && e.currency !== undefined) {
      out.amountMinor = e.amountMinor;
      out.currency = e.currency;
    }
    if (e.ref !== undefined) out.ref = e.ref;
    return out;
  });
  return {
    paymentId: p.id,
    accountNo: p.accountNo,
    amountMinor: p.amountMinor,
    currency: p.currency,
    status: statusOf(db, p),
    events,
  };
}
