import { timelineRepo, type AllocationRow, type TimelinePayment } from '../../../db/repos/timeline';
import type { TimelineEventDto, TimelineKind } from '../../../src-shared/dto/reports';
import { sumMinor, toMinor } from '../../ledger/ceiling';
import { REASON_DOMAIN } from '../../ledger/codes';
import { SUSPENSE_JOURNAL } from '../suspense/case';
import { codeText, type Lookups } from './lookups';

export type { TimelinePayment } from '../../../db/repos/timeline';

/**
 * Causal rank of a kind among events at the same instant: where a posting, its allocation, an unwind and the
 * move that caused it share one transaction (and one time), this is the order they happened in.
 */
const CAUSAL_RANK: Readonly<Record<TimelineKind, number>> = {
  received: 0,
  keyed: 0,
  validated: 1,
  submitted: 2,
  checkpoint: 3,
  'processor-call': 4,
  posted: 5,
  suspended: 5,
  allocated: 6,
  'allocation-undone': 7,
  returned: 8,
  'suspense-moved': 9,
  reversed: 9,
  fee: 10,
  note: 11,
  exported: 12,
};

/** An event with what orders it: time, generation in the case (parents first), payment, causal rank, source order. */
export type SortableEvent = TimelineEventDto & { gen: number; pid: number; seq: number };

/** Collects the events of one payment (its generation relative to the payment asked for). */
export class EventSink {
  readonly events: SortableEvent[] = [];
  private seq = 0;
  constructor(
    readonly pid: number,
    readonly gen: number,
    /** Events of an ancestor are kept up to the moment the payment asked for came out of it. */
    readonly until: string | null,
  ) {}

  /** Adds one event (dropped when after the cut-off of an ancestor). */
  add(e: TimelineEventDto): void {
    if (this.until !== null && e.at > this.until) return;
    this.events.push({ ...e, gen: this.gen, pid: this.pid, seq: this.seq++ });
  }
}

/**
 * Orders events: by time; at one instant parents before children (a move makes its payments), sibling payments
 * one after the other, then causal rank, then the order they were read in.
 */
export function compareEvents(a: SortableEvent, b: SortableEvent): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.gen !== b.gen) return a.gen - b.gen;
  if (a.pid !== b.pid) return a.pid - b.pid;
  const r = CAUSAL_RANK[a.kind] - CAUSAL_RANK[b.kind];
  return r !== 0 ? r : a.seq - b.seq;
}

/** `payment 12` with its account, for events that point at another payment of the case. */
async function otherPayment(L: Lookups, id: number): Promise<string> {
  const accountNo = await timelineRepo.accountNoOfPayment(L.tx, id);
  return accountNo !== undefined ? `payment ${id} (${accountNo})` : `payment ${id}`;
}

/**
 * Where a batch payment came from: the file and line (or who keyed it), every validation of its batch before it
 * was posted (the last with the entry's verdict), and who submitted it.
 */
export async function originEvents(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  const e = p.sourceKey !== null ? await timelineRepo.entry(L.tx, p.sourceKey) : undefined;
  if (!e || e.batchType !== 'payment') return;
  const ref = { batchId: e.batchId, batchNo: e.batchNo };
  // An exception batch keeps its entries' lines; the file is named on the batch it was split from.
  let file = e.sourceFile;
  let fileBatchId = e.batchId;
  for (let up = e.parentBatchId, hops = 0; file === null && up !== null && hops < 100; hops++) {
    const b = await timelineRepo.batchFile(L.tx, up);
    if (!b) break;
    file = b.file;
    fileBatchId = b.id;
    up = b.up;
  }
  if (file !== null) {
    const imported = (await timelineRepo.batchAudits(L.tx, fileBatchId, ['batch.import', 'batch.load']))[0];
    const line = e.sourceLine !== null ? `, line ${e.sourceLine}` : '';
    const template = e.templateName ? ` with template ${e.templateName}` : '';
    out.add({
      at: imported?.at ?? e.createdAt,
      kind: 'received',
      operator: await L.login(imported?.operatorId ?? e.createdBy),
      detail: `Received in file ${file}${line}${template}, into batch ${e.batchNo} as entry ${e.seq}`,
      ref: { ...ref, file, ...(e.sourceLine !== null ? { line: e.sourceLine } : {}) },
    });
  } else {
    // Keyed by hand: the first save of entries into its batch (or the batch's creation).
    const saved = (await timelineRepo.batchAudits(L.tx, e.batchId, ['batch.entries.save']))[0];
    const operator = await L.login(saved?.operatorId ?? e.createdBy);
    out.add({
      at: saved?.at ?? e.createdAt,
      kind: 'keyed',
      operator,
      detail: `Keyed by ${operator ?? 'the system'} into batch ${e.batchNo} as entry ${e.seq}`,
      ref,
    });
  }
  const validations = (await timelineRepo.batchAudits(L.tx, e.batchId, ['batch.validate'])).filter(
    (v) => v.at <= p.createdAt,
  );
  for (const [i, v] of validations.entries()) {
    const last = i === validations.length - 1;
    let verdict: string;
    if (!last) verdict = `Batch ${e.batchNo} validated`;
    else if (p.isSuspense === 1) {
      const reason = await L.reasonLabel(REASON_DOMAIN.suspense, p.reasonCode);
      const why = e.problem ? `: ${e.problem}${e.problemColumn ? ` (${e.problemColumn})` : ''}` : '';
      verdict = `Validated: to be suspended, reason ${codeText(p.reasonCode, reason)}${why}`;
    } else verdict = `Validated: valid for account ${p.accountNo}`;
    out.add({ at: v.at, kind: 'validated', operator: await L.login(v.operatorId), detail: verdict, ref });
  }
  const submit = await L.audit((await timelineRepo.journalAuditId(L.tx, p.journalId)) ?? null);
  if (submit && submit.action === 'batch.submit')
    out.add({
      at: submit.at,
      kind: 'submitted',
      operator: await L.login(submit.operatorId),
      detail: `Submitted with batch ${e.batchNo}`,
      ref: { ...ref, journalId: p.journalId },
    });
}

/** How the payment itself came to be: posted to its account or into suspense, or made by a suspense move. */
export async function postingEvent(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  const operator = await L.login(p.operatorId);
  const base = { at: p.createdAt, operator, amountMinor: p.amountMinor, currency: p.currency };
  const ref = { journalId: p.journalId, ...(p.batchId !== null ? { batchId: p.batchId } : {}) };
  const parent = p.parentPaymentId;
  const reason = codeText(p.reasonCode, await L.reasonLabel(REASON_DOMAIN.suspense, p.reasonCode));
  if (parent !== null && p.kind === 'distributed') {
    out.add({
      ...base,
      kind: 'posted',
      detail: `Distributed from suspended ${await otherPayment(L, parent)} to account ${p.accountNo}`,
      ref: { ...ref, paymentId: parent },
    });
    return;
  }
  if (parent !== null && p.kind === 'recycled') {
    out.add({
      ...base,
      kind: 'suspended',
      detail: `Recycled into suspense from ${await otherPayment(L, parent)}`,
      ref: { ...ref, paymentId: parent },
    });
    return;
  }
  if (parent !== null && p.isSuspense === 1) {
    const how = p.sourceKey?.startsWith('suspense:edit:')
      ? `Replaced ${await otherPayment(L, parent)} in suspense after a reason change`
      : `Remainder of ${await otherPayment(L, parent)} left in suspense`;
    out.add({
      ...base,
      kind: 'suspended',
      detail: `${how}, reason ${reason}`,
      ref: { ...ref, paymentId: parent },
    });
    return;
  }
  if (p.isSuspense === 1) {
    const hint = p.accountHint ? ` (account tried: ${p.accountHint})` : '';
    out.add({ ...base, kind: 'suspended', detail: `Posted to suspense, reason ${reason}${hint}`, ref });
    return;
  }
  const failed = p.kind === 'failed' ? ' as a failed payment' : '';
  out.add({ ...base, kind: 'posted', detail: `Posted to account ${p.accountNo}${failed}`, ref });
}

/** The allocation rows one operator made (or undid) at one instant: one event. */
type AllocationGroup = {
  at: string;
  operatorId: number | null;
  sign: number;
  amountMinor: number;
  lines: AllocationRow[];
};

/**
 * Allocation rows grouped by instant, operator and direction, in the order each group's first row was made
 * (an allocation and its undo at one instant are two events).
 */
function allocationGroups(rows: readonly AllocationRow[]): AllocationGroup[] {
  const groups = new Map<string, AllocationRow[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.at, r.operatorId, Math.sign(r.amountMinor)]);
    const lines = groups.get(key) ?? [];
    lines.push(r);
    groups.set(key, lines);
  }
  return [...groups.values()].map((lines) => {
    const first = lines[0]!;
    return {
      at: first.at,
      operatorId: first.operatorId,
      sign: Math.sign(first.amountMinor),
      // Refused past the ledger's limit rather than rounded (the rows of one payment never get there).
      amountMinor: toMinor(
        sumMinor(lines.map((l) => l.amountMinor)),
        'allocations of the payment at one instant',
      ),
      lines,
    };
  });
}

/** "bill B1 (items I1, I2), bill B2": the bills (and items) allocation rows name, in row order. */
function targetsText(lines: readonly AllocationRow[]): string {
  const byBill = new Map<string, string[]>();
  for (const l of lines) {
    const key = l.bill ?? '';
    const items = byBill.get(key) ?? [];
    if (l.item !== null && !items.includes(l.item)) items.push(l.item);
    byBill.set(key, items);
  }
  return [...byBill]
    .map(([bill, items]) => {
      const head = bill === '' ? 'items' : `bill ${bill}`;
      if (items.length === 0) return head;
      if (bill === '') return `${head} ${items.join(', ')}`;
      return `${head} (${items.length === 1 ? 'item' : 'items'} ${items.join(', ')})`;
    })
    .join(', ');
}

/** Allocations and their undo, one event per allocation (or undo) as it was made. */
export async function allocationEvents(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  // Grouped here rather than in SQL: one query for both databases, each group's lines in the order they were made.
  const groups = allocationGroups(await timelineRepo.allocations(L.tx, p.id));
  for (const g of groups) {
    const named = targetsText(g.lines);
    const targets = named ? ` ${g.sign > 0 ? 'to' : 'from'} ${named}` : '';
    const money = await L.money(Math.abs(g.amountMinor), p.accountCurrency);
    if (g.sign > 0) {
      out.add({
        at: g.at,
        kind: 'allocated',
        operator: await L.login(g.operatorId),
        detail: `Allocated ${money}${targets}`,
        amountMinor: g.amountMinor,
        currency: p.accountCurrency,
      });
      continue;
    }
    const undo = await timelineRepo.undoReason(L.tx, p.id, g.at);
    const why = undo
      ? `, reason ${codeText(undo.reasonCode, await L.reasonLabel(REASON_DOMAIN.suspenseReversal, undo.reasonCode))}`
      : ' (unwound by the move that took the payment back)';
    out.add({
      at: g.at,
      kind: 'allocation-undone',
      operator: await L.login(g.operatorId),
      detail: `Allocation undone: ${money}${targets}${why}`,
      amountMinor: -Math.abs(g.amountMinor),
      currency: p.accountCurrency,
    });
  }
}

/** Payment Center moves and notes recorded for this payment (the case's own timeline rows). */
export async function suspenseEvents(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  for (const r of await timelineRepo.suspenseMoves(L.tx, p.id)) {
    const d = r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : {};
    const moveReason = codeText(
      r.reasonCode,
      await L.reasonLabel(REASON_DOMAIN.suspenseReversal, r.reasonCode),
    );
    const money =
      r.amountMinor !== null && r.currency !== null ? await L.money(r.amountMinor, r.currency) : '';
    const base = {
      at: r.at,
      operator: await L.login(r.operatorId),
      ...(r.amountMinor !== null && r.currency !== null
        ? { amountMinor: r.amountMinor, currency: r.currency }
        : {}),
    };
    switch (r.action) {
      case 'applied':
      case 'distributed': {
        const targets = Array.isArray(d.targets)
          ? (d.targets as { paymentId: number; accountNo: string }[])
          : [];
        const list = targets.map((t) => `${t.accountNo} (payment ${t.paymentId})`).join(', ');
        const rest =
          typeof d.remainderPaymentId === 'number'
            ? `; the rest stays in suspense as payment ${d.remainderPaymentId}`
            : '';
        out.add({
          ...base,
          kind: 'suspense-moved',
          detail: `${r.action === 'applied' ? 'Applied' : 'Distributed'} ${money} from suspense to ${list} (G/L 113, reason ${moveReason})${rest}`,
          ...(targets[0] ? { ref: { paymentId: targets[0].paymentId } } : {}),
        });
        break;
      }
      case 'recycled':
        out.add({
          ...base,
          kind: 'suspense-moved',
          detail: `Recycled ${money} from account ${typeof d.fromAccountNo === 'string' ? d.fromAccountNo : p.accountNo} into suspense as payment ${String(d.recycledPaymentId)} (G/L 113, reason ${moveReason})`,
          ...(typeof d.recycledPaymentId === 'number' ? { ref: { paymentId: d.recycledPaymentId } } : {}),
        });
        break;
      case 'removed':
        out.add({
          ...base,
          kind: 'suspense-moved',
          detail: `Removed ${money} from suspense as unallocatable (G/L 112, reason ${moveReason})`,
        });
        break;
      case 'reason':
        out.add({
          ...base,
          kind: 'suspense-moved',
          detail: `Suspense reason changed from ${String(d.from)} to ${String(d.to)}; replaced by payment ${String(d.newPaymentId)}`,
          ...(typeof d.newPaymentId === 'number' ? { ref: { paymentId: d.newPaymentId } } : {}),
        });
        break;
      case 'owner': {
        const owner = typeof d.to === 'number' ? d.to : null;
        const label = await L.reasonLabel(REASON_DOMAIN.actionOwner, owner);
        out.add({
          ...base,
          kind: 'note',
          detail:
            owner === null ? 'Action owner cleared' : `Assigned to action owner ${codeText(owner, label)}`,
        });
        break;
      }
      case 'note':
        out.add({ ...base, kind: 'note', detail: `Note: ${typeof d.text === 'string' ? d.text : ''}` });
        break;
      // A case reversal is told by the reversal row of each payment it reversed (reversalEvents).
      default:
        break;
    }
  }
}

/** Journal kinds whose reversal row is told by the suspense move's own event (distribute, recycle, remove, edit). */
const MOVE_KINDS: ReadonlySet<string> = new Set([
  SUSPENSE_JOURNAL.distribute,
  SUSPENSE_JOURNAL.recycle,
  SUSPENSE_JOURNAL.remove,
  SUSPENSE_JOURNAL.edit,
]);

/** The reversal of the payment: by a reversal (or return) batch, a declined deposit or a suspense case reversal. */
export async function reversalEvents(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  const r = await timelineRepo.reversal(L.tx, p.id);
  if (!r || MOVE_KINDS.has(r.journalKind)) return;
  const reason = codeText(r.reasonCode, await L.reasonLabel(REASON_DOMAIN.paymentReversal, r.reasonCode));
  const audit = await L.audit(r.auditId);
  const ref: TimelineEventDto['ref'] = { journalId: r.journalId };
  let how: string;
  if (audit?.action === 'batch.submit' && audit.entityId !== null) {
    const b = await timelineRepo.batch(L.tx, Number(audit.entityId));
    how = b ? ` by reversal batch ${b.batchNo}` : '';
    if (b) Object.assign(ref, { batchId: b.id, batchNo: b.batchNo });
  } else if (r.journalKind === SUSPENSE_JOURNAL.reverse) how = ' with its suspense case (money returned)';
  else how = audit ? ` (${audit.action})` : '';
  out.add({
    at: r.at,
    kind: 'reversed',
    operator: await L.login(r.operatorId),
    detail: `Reversed${how}, reason ${reason}`,
    amountMinor: -p.amountMinor,
    currency: p.currency,
    ref,
  });
}

/** Processor calls for the payment (and the deposits and refunds of its authorization): checkpoints and replies. */
export async function processorEvents(
  L: Lookups,
  p: TimelinePayment,
  out: EventSink,
  resultName: (code: number) => string,
): Promise<number[]> {
  const txns = await timelineRepo.processorTxns(L.tx, {
    accountId: p.accountId,
    paymentId: p.id,
    idemKey: p.sourceKey?.startsWith('proc:') ? p.sourceKey.slice(5) : null,
  });
  for (const t of txns) {
    const money = await L.money(t.amountMinor, t.currency);
    const run = t.runId !== null ? ` in ${t.runKind ?? 'collect'} run #${t.runId}` : '';
    const base = { operator: await L.login(t.operatorId), amountMinor: t.amountMinor, currency: t.currency };
    out.add({
      ...base,
      at: t.createdAt,
      kind: 'checkpoint',
      detail: `Checkpoint 999 reserved: ${t.command} of ${money} at ${t.processor}${run} (record ${t.id})`,
    });
    if (t.settledAt !== null) {
      const auth = t.authCode ? `, auth code ${t.authCode}` : '';
      const pref = t.processorRef ? `, reference ${t.processorRef}` : '';
      const code = t.result >= 1000 ? t.result - 1000 : t.result;
      const pending = t.result >= 1000 ? '; not posted yet (Recovery)' : '';
      out.add({
        ...base,
        at: t.settledAt,
        kind: 'processor-call',
        detail: `${t.processor} answered the ${t.command}: ${resultName(code)}${auth}${pref}${pending}`,
      });
    }
  }
  const ids = txns.map((t) => t.id);
  if (ids.length > 0) {
    for (const a of await timelineRepo.recoveries(L.tx)) {
      const hit = (a.entityId ?? '').split(',').map(Number);
      const mine = ids.filter((id) => hit.includes(id));
      if (mine.length === 0) continue;
      out.add({
        at: a.at,
        kind: 'checkpoint',
        operator: await L.login(a.operatorId),
        detail: `Recovery: ${a.action.slice('recovery.'.length)} of record ${mine.join(', ')}`,
      });
    }
  }
  return ids;
}

/** Bank returns of the payment (returns file, pain.002, bounce): read, and what the bank said. */
export async function returnEvents(L: Lookups, p: TimelinePayment, out: EventSink): Promise<number[]> {
  const rows = await timelineRepo.bankReturns(L.tx, p.id);
  for (const r of rows) {
    const text = r.bankText ? ` (${r.bankText})` : '';
    const mapped = r.rejectionCode
      ? `, rejection code ${r.rejectionCode}`
      : ', unknown code (handled as hard)';
    const state =
      r.status === 'pending' ? '; not applied yet' : r.status === 'discarded' ? '; discarded' : '';
    out.add({
      at: r.createdAt,
      kind: 'returned',
      operator: await L.login(r.operatorId),
      detail: `${r.kind === 'bounced' ? 'Bounced' : `Bank ${r.kind}`} ${r.bankCode}${text}${mapped}, read from ${r.sourceFormat} into return batch ${r.batchNo}${state}`,
      amountMinor: -p.amountMinor,
      currency: p.currency,
      ref: { batchId: r.batchId, batchNo: r.batchNo },
    });
  }
  return rows.map((r) => r.id);
}

/** Failed-payment fees billed because the payment (or its processor record) failed. */
export async function feeEvents(
  L: Lookups,
  out: EventSink,
  returnIds: number[],
  txnIds: number[],
): Promise<void> {
  const keys = [...returnIds.map((id) => `fee:return:${id}`), ...txnIds.map((id) => `fee:${id}`)];
  if (keys.length === 0) return;
  const rows = await timelineRepo.fees(L.tx, keys);
  for (const f of rows) {
    const audit = await L.audit(f.auditId);
    out.add({
      at: f.at,
      kind: 'fee',
      operator: await L.login(audit?.operatorId ?? null),
      detail: `Failed-payment fee of ${await L.money(f.amountMinor, f.currency)} billed${audit?.entityId ? ` on bill ${audit.entityId}` : ''}`,
      amountMinor: f.amountMinor,
      currency: f.currency,
      ref: { journalId: f.id },
    });
  }
}

/** Direct debits: the outgoing bank file item the payment was collected with. */
export async function directDebitEvents(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  const rows = await timelineRepo.bankFileItems(L.tx, p.id);
  for (const r of rows) {
    out.add({
      at: r.createdAt,
      kind: 'submitted',
      operator: await L.login(r.createdBy),
      detail: `Collected by direct debit in bank file ${r.messageId} (${r.format}), end-to-end id ${r.e2e}`,
      ref: { file: r.messageId },
    });
    if (r.sentAt !== null)
      out.add({
        at: r.sentAt,
        kind: 'submitted',
        operator: await L.login(r.sentBy),
        detail: `Bank file ${r.messageId} confirmed as sent to the bank`,
        ref: { file: r.messageId },
      });
  }
}

/** The journals and allocation ids that carry this payment's money (what an export would have taken). */
async function postedIds(
  L: Lookups,
  p: TimelinePayment,
): Promise<{ journals: number[]; allocations: number[] }> {
  const reversal = await timelineRepo.reversalJournals(L.tx, p.id);
  const allocations = await timelineRepo.allocationIds(L.tx, p.id);
  return { journals: [p.journalId, ...reversal], allocations };
}

/** Exports to billing (`export posted`) that took the payment's posting, allocations or reversal. */
export async function exportEvents(L: Lookups, p: TimelinePayment, out: EventSink): Promise<void> {
  const runs = await timelineRepo.postedExports(L.tx);
  if (runs.length === 0) return;
  const ids = await postedIds(L, p);
  const days = new Map<number, string | undefined>();
  for (const j of ids.journals) days.set(j, await timelineRepo.journalDay(L.tx, j));
  const names = (journals: number[], allocations: number[]): string => {
    const what: string[] = [];
    if (journals.includes(p.journalId)) what.push('posting');
    if (allocations.length > 0)
      what.push(allocations.length === 1 ? 'allocation' : `${allocations.length} allocations`);
    if (journals.some((j) => j !== p.journalId)) what.push('reversal');
    return what.join(', ');
  };
  for (const run of runs) {
    let journals: number[];
    let allocations: number[];
    if (run.mode === 'range') {
      const inRange = (d: string | undefined): boolean =>
        d !== undefined &&
        run.fromDate !== null &&
        run.toDate !== null &&
        d >= run.fromDate &&
        d <= run.toDate;
      journals = ids.journals.filter((j) => inRange(days.get(j)));
      allocations = [];
    } else {
      journals = ids.journals.filter((j) => j > run.fromJournalId && j <= run.toJournalId);
      allocations = ids.allocations.filter((a) => a > run.fromAllocationId && a <= run.toAllocationId);
    }
    if (journals.length === 0 && allocations.length === 0) continue;
    const range = run.mode === 'range' ? ` (re-export of ${run.fromDate ?? ''}..${run.toDate ?? ''})` : '';
    out.add({
      at: run.at,
      kind: 'exported',
      operator: await L.login(run.operatorId),
      detail: `Exported to billing in export #${run.id}${range}: ${names(journals, allocations)}`,
    });
  }
}
