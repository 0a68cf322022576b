import { timelineRepo } from '../../../db/repos/timeline';
import type { Storage, Tx } from '../../../db/storage/port';
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

/** Every event of one payment's own life (one source after the other: the order they are added breaks ties). */
async function eventsOf(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  await originEvents(L, p, out);
  await directDebitEvents(L, p, out);
  await postingEvent(L, p, out);
  await allocationEvents(L, p, out);
  await suspenseEvents(L, p, out);
  const txnIds = await processorEvents(L, p, out, resultName);
  const returnIds = await returnEvents(L, p, out);
  await reversalEvents(L, p, out);
  await feeEvents(L, out, returnIds, txnIds);
  await exportEvents(L, p, out);
}

/** Marks an event of another payment of the case with that payment (the subject's own events keep theirs). */
function relatedTo(e: SortableEvent, paymentId: number, self: number): SortableEvent {
  if (paymentId === self) return e;
  return { ...e, ref: { ...e.ref, paymentId } };
}

/** The status a person would say the payment is in now. */
async function statusOf(tx: Tx, p: TimelinePayment): Promise<string> {
  const q = await timelineRepo.suspenseState(tx, p.id);
  if (q !== undefined) return q;
  const reversal = (await timelineRepo.reversal(tx, p.id))?.journalKind;
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
export function paymentTimeline(storage: Storage, paymentId: number): Promise<PaymentTimelineDto> {
  // One read-only transaction: every source reads the same commit, and a job writing meanwhile is not waited for.
  return storage.transaction((tx) => readTimeline(tx, paymentId), { readOnly: true });
}

async function readTimeline(tx: Tx, paymentId: number): Promise<PaymentTimelineDto> {
  const p = await timelineRepo.payment(tx, paymentId);
  if (!p) throw notFound('payment', String(paymentId));
  const L = lookups(tx);
  const all: SortableEvent[] = [];
  const collect = async (q: TimelinePayment, gen: number, until: string | null): Promise<void> => {
    const sink = new EventSink(q.id, gen, until);
    await eventsOf(L, q, sink);
    all.push(...sink.events.map((e) => relatedTo(e, q.id, p.id)));
  };
  await collect(p, 0, null);
  // Where the money came from: each ancestor up to the moment its child was made.
  let child = p;
  for (let gen = -1; child.parentPaymentId !== null && gen >= -MAX_HOPS; gen--) {
    const parent = await timelineRepo.payment(tx, child.parentPaymentId);
    if (!parent) break;
    await collect(parent, gen, child.createdAt);
    child = parent;
  }
  // Where it went: every payment made out of this one, and theirs, in full.
  let level: TimelinePayment[] = [p];
  for (let gen = 1; level.length > 0 && gen <= MAX_HOPS; gen++) {
    const next: TimelinePayment[] = [];
    for (const q of level) next.push(...(await timelineRepo.children(tx, q.id)));
    for (const c of next) await collect(c, gen, null);
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
    status: await statusOf(tx, p),
    events,
  };
}
