import type { TimelineEventDto, TimelineKind } from '../../../src-shared/dto/reports';
import { REASON_DOMAIN } from '../../ledger/codes';
import { SUSPENSE_JOURNAL } from '../suspense/case';
import { codeText, type Lookups } from './lookups';

/** One payment as the timeline reads it. */
export type TimelinePayment = {
  id: number;
  accountId: number;
  kind: 'original' | 'suspended' | 'distributed' | 'recycled' | 'failed';
  accountNo: string;
  accountCurrency: string;
  isSuspense: number;
  payType: number;
  status: number;
  reasonCode: number;
  amountMinor: number;
  currency: string;
  accountHint: string | null;
  batchId: number | null;
  sourceKey: string | null;
  parentPaymentId: number | null;
  journalId: number;
  createdAt: string;
  operatorId: number | null;
};

/** The payment columns every source needs. */
export const PAYMENT_SQL = `SELECT p.id, p.account_id AS accountId, p.kind, a.account_no AS accountNo, a.currency AS accountCurrency, a.is_suspense AS isSuspense,
    p.pay_type AS payType, p.status, p.reason_code AS reasonCode, p.amount_minor AS amountMinor, p.currency,
    p.account_hint AS accountHint, p.batch_id AS batchId, p.source_key AS sourceKey, p.parent_payment_id AS parentPaymentId,
    p.journal_id AS journalId, p.created_at AS createdAt, p.operator_id AS operatorId
  FROM payments p JOIN accounts a ON a.id = p.account_id`;

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
function otherPayment(L: Lookups, id: number): string {
  const r = L.db
    .prepare(
      'SELECT a.account_no AS accountNo FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?',
    )
    .get(id) as { accountNo: string } | undefined;
  return r ? `payment ${id} (${r.accountNo})` : `payment ${id}`;
}

type EntryRow = {
  entryId: number;
  seq: number;
  sourceLine: number | null;
  status: string;
  problem: string | null;
  problemColumn: string | null;
  reasonCode: number | null;
  batchId: number;
  batchNo: string;
  batchType: string;
  sourceFile: string | null;
  templateName: string | null;
  parentBatchId: number | null;
  createdAt: string;
  createdBy: number | null;
};

/** The batch entry a payment was posted from (by its idempotency key), with its batch. */
function entryOf(L: Lookups, p: TimelinePayment): EntryRow | null {
  if (p.sourceKey === null) return null;
  return (
    (L.db
      .prepare(
        `SELECT e.id AS entryId, e.seq, e.source_line AS sourceLine, e.status, e.problem, e.problem_column AS problemColumn,
                e.reason_code AS reasonCode, b.id AS batchId, b.batch_no AS batchNo, b.batch_type AS batchType,
                b.source_file AS sourceFile, b.template_name AS templateName, b.parent_batch_id AS parentBatchId,
                b.created_at AS createdAt, b.created_by AS createdBy
         FROM batch_entries e JOIN batches b ON b.id = e.batch_id WHERE e.entry_key = ?`,
      )
      .get(p.sourceKey) as EntryRow | undefined) ?? null
  );
}

type BatchAudit = { id: number; at: string; operatorId: number | null; action: string; after: string | null };

/** Audit rows of one batch with the given actions, oldest first. */
function batchAudits(L: Lookups, batchId: number, actions: readonly string[]): BatchAudit[] {
  return L.db
    .prepare(
      `SELECT id, at, operator_id AS operatorId, action, after FROM audit_log
       WHERE entity = 'batch' AND entity_id = ? AND action IN (SELECT value FROM json_each(?)) ORDER BY id`,
    )
    .all(String(batchId), JSON.stringify(actions)) as BatchAudit[];
}

/**
 * Where a batch payment came from: the file and line (or who keyed it), every validation of its batch before it
 * was posted (the last with the entry's verdict), and who submitted it.
 */
export function originEvents(L: Lookups, p: TimelinePayment, out: EventSink): void {
  const e = entryOf(L, p);
  if (!e || e.batchType !== 'payment') return;
  const ref = { batchId: e.batchId, batchNo: e.batchNo };
  // An exception batch keeps its entries' lines; the file is named on the batch it was split from.
  let file = e.sourceFile;
  let fileBatchId = e.batchId;
  for (let up = e.parentBatchId, hops = 0; file === null && up !== null && hops < 100; hops++) {
    const b = L.db
      .prepare('SELECT id, source_file AS f, parent_batch_id AS up FROM batches WHERE id = ?')
      .get(up) as { id: number; f: string | null; up: number | null } | undefined;
    if (!b) break;
    file = b.f;
    fileBatchId = b.id;
    up = b.up;
  }
  if (file !== null) {
    const imported = batchAudits(L, fileBatchId, ['batch.import', 'batch.load'])[0];
    const line = e.sourceLine !== null ? `, line ${e.sourceLine}` : '';
    const template = e.templateName ? ` with template ${e.templateName}` : '';
    out.add({
      at: imported?.at ?? e.createdAt,
      kind: 'received',
      operator: L.login(imported?.operatorId ?? e.createdBy),
      detail: `Received in file ${file}${line}${template}, into batch ${e.batchNo} as entry ${e.seq}`,
      ref: { ...ref, file, ...(e.sourceLine !== null ? { line: e.sourceLine } : {}) },
    });
  } else {
    // Keyed by hand: the first save of entries into its batch (or the batch's creation).
    const saved = batchAudits(L, e.batchId, ['batch.entries.save'])[0];
    const operator = L.login(saved?.operatorId ?? e.createdBy);
    out.add({
      at: saved?.at ?? e.createdAt,
      kind: 'keyed',
      operator,
      detail: `Keyed by ${operator ?? 'the system'} into batch ${e.batchNo} as entry ${e.seq}`,
      ref,
    });
  }
  const validations = batchAudits(L, e.batchId, ['batch.validate']).filter((v) => v.at <= p.createdAt);
  validations.forEach((v, i) => {
    const last = i === validations.length - 1;
    let verdict: string;
    if (!last) verdict = `Batch ${e.batchNo} validated`;
    else if (p.isSuspense === 1) {
      const reason = L.reasonLabel(REASON_DOMAIN.suspense, p.reasonCode);
      const why = e.problem ? `: ${e.problem}${e.problemColumn ? ` (${e.problemColumn})` : ''}` : '';
      verdict = `Validated: to be suspended, reason ${codeText(p.reasonCode, reason)}${why}`;
    } else verdict = `Validated: valid for account ${p.accountNo}`;
    out.add({ at: v.at, kind: 'validated', operator: L.login(v.operatorId), detail: verdict, ref });
  });
  const submit = L.audit(
    (L.db.prepare('SELECT audit_id FROM journals WHERE id = ?').pluck().get(p.journalId) as
      number | undefined) ?? null,
  );
  if (submit && submit.action === 'batch.submit')
    out.add({
      at: submit.at,
      kind: 'submitted',
      operator: L.login(submit.operatorId),
      detail: `Submitted with batch ${e.batchNo}`,
      ref: { ...ref, journalId: p.journalId },
    });
}

/** How the payment itself came to be: posted to its account or into suspense, or made by a suspense move. */
export function postingEvent(L: Lookups, p: TimelinePayment, out: EventSink): void {
  const operator = L.login(p.operatorId);
  const base = { at: p.createdAt, operator, amountMinor: p.amountMinor, currency: p.currency };
  const ref = { journalId: p.journalId, ...(p.batchId !== null ? { batchId: p.batchId } : {}) };
  const parent = p.parentPaymentId;
  const reason = codeText(p.reasonCode, L.reasonLabel(REASON_DOMAIN.suspense, p.reasonCode));
  if (parent !== null && p.kind === 'distributed') {
    out.add({
      ...base,
      kind: 'posted',
      detail: `Distributed from suspended ${otherPayment(L, parent)} to account ${p.accountNo}`,
      ref: { ...ref, paymentId: parent },
    });
    return;
  }
  if (parent !== null && p.kind === 'recycled') {
    out.add({
      ...base,
      kind: 'suspended',
      detail: `Recycled into suspense from ${otherPayment(L, parent)}`,
      ref: { ...ref, paymentId: parent },
    });
    return;
  }
  if (parent !== null && p.isSuspense === 1) {
    const how = p.sourceKey?.startsWith('suspense:edit:')
      ? `Replaced ${otherPayment(L, parent)} in suspense after a reason change`
      : `Remainder of ${otherPayment(L, parent)} left in suspense`;
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

type AllocationGroup = {
  at: string;
  operatorId: number | null;
  sign: number;
  amountMinor: number;
  /** JSON [{bill, item}] of the allocation rows. */
  lines: string;
};

/** "bill B1 (items I1, I2), bill B2": the bills (and items) allocation rows name, in row order. */
function targetsText(linesJson: string): string {
  const byBill = new Map<string, string[]>();
  for (const l of JSON.parse(linesJson) as { bill: string | null; item: string | null }[]) {
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
export function allocationEvents(L: Lookups, p: TimelinePayment, out: EventSink): void {
  const groups = L.db
    .prepare(
      `SELECT x.created_at AS at, x.operator_id AS operatorId, sign(x.amount_minor) AS sign, sum(x.amount_minor) AS amountMinor,
              json_group_array(json_object('bill', b.bill_no, 'item', i.item_no)) AS lines
       FROM allocations x LEFT JOIN bills b ON b.id = x.bill_id LEFT JOIN bill_items i ON i.id = x.item_id
       WHERE x.payment_id = ? GROUP BY x.created_at, x.operator_id, sign(x.amount_minor) ORDER BY min(x.id)`,
    )
    .all(p.id) as AllocationGroup[];
  const undoAudit = L.db.prepare(
    `SELECT reason_code AS reasonCode FROM audit_log WHERE entity = 'payment' AND entity_id = ? AND action = 'allocation.undo' AND at = ?`,
  );
  for (const g of groups) {
    const named = targetsText(g.lines);
    const targets = named ? ` ${g.sign > 0 ? 'to' : 'from'} ${named}` : '';
    const money = L.money(Math.abs(g.amountMinor), p.accountCurrency);
    if (g.sign > 0) {
      out.add({
        at: g.at,
        kind: 'allocated',
        operator: L.login(g.operatorId),
        detail: `Allocated ${money}${targets}`,
        amountMinor: g.amountMinor,
        currency: p.accountCurrency,
      });
      continue;
    }
    const undo = undoAudit.get(String(p.id), g.at) as { reasonCode: number | null } | undefined;
    const why = undo
      ? `, reason ${codeText(undo.reasonCode, L.reasonLabel(REASON_DOMAIN.suspenseReversal, undo.reasonCode))}`
      : ' (unwound by the move that took the payment back)';
    out.add({
      at: g.at,
      kind: 'allocation-undone',
      operator: L.login(g.operatorId),
      detail: `Allocation undone: ${money}${targets}${why}`,
      amountMinor: -Math.abs(g.amountMinor),
      currency: p.accountCurrency,
    });
  }
}

type MoveRow = {
  at: string;
  operatorId: number | null;
  action: string;
  reasonCode: number | null;
  amountMinor: number | null;
  currency: string | null;
  detail: string | null;
};

/** Payment Center moves and notes recorded for this payment (the case's own timeline rows). */
export function suspenseEvents(L: Lookups, p: TimelinePayment, out: EventSink): void {
  const rows = L.db
    .prepare(
      `SELECT at, operator_id AS operatorId, action, reason_code AS reasonCode, amount_minor AS amountMinor, currency, detail
       FROM suspense_events WHERE payment_id = ? ORDER BY id`,
    )
    .all(p.id) as MoveRow[];
  for (const r of rows) {
    const d = r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : {};
    const moveReason = codeText(r.reasonCode, L.reasonLabel(REASON_DOMAIN.suspenseReversal, r.reasonCode));
    const money = r.amountMinor !== null && r.currency !== null ? L.money(r.amountMinor, r.currency) : '';
    const base = {
      at: r.at,
      operator: L.login(r.operatorId),
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
        const label = L.reasonLabel(REASON_DOMAIN.actionOwner, owner);
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

type ReversalRow = {
  at: string;
  operatorId: number | null;
  reasonCode: number;
  journalId: number;
  journalKind: string;
  auditId: number;
};

/** Journal kinds whose reversal row is told by the suspense move's own event (distribute, recycle, remove, edit). */
const MOVE_KINDS: ReadonlySet<string> = new Set([
  SUSPENSE_JOURNAL.distribute,
  SUSPENSE_JOURNAL.recycle,
  SUSPENSE_JOURNAL.remove,
  SUSPENSE_JOURNAL.edit,
]);

/** The reversal of the payment: by a reversal (or return) batch, a declined deposit or a suspense case reversal. */
export function reversalEvents(L: Lookups, p: TimelinePayment, out: EventSink): void {
  const r = L.db
    .prepare(
      `SELECT r.created_at AS at, r.operator_id AS operatorId, r.reason_code AS reasonCode, r.journal_id AS journalId,
              j.kind AS journalKind, j.audit_id AS auditId
       FROM reversals r JOIN journals j ON j.id = r.journal_id WHERE r.payment_id = ?`,
    )
    .get(p.id) as ReversalRow | undefined;
  if (!r || MOVE_KINDS.has(r.journalKind)) return;
  const reason = codeText(r.reasonCode, L.reasonLabel(REASON_DOMAIN.paymentReversal, r.reasonCode));
  const audit = L.audit(r.auditId);
  const ref: TimelineEventDto['ref'] = { journalId: r.journalId };
  let how: string;
  if (audit?.action === 'batch.submit' && audit.entityId !== null) {
    const b = L.db
      .prepare('SELECT id, batch_no AS batchNo FROM batches WHERE id = ?')
      .get(Number(audit.entityId)) as { id: number; batchNo: string } | undefined;
    how = b ? ` by reversal batch ${b.batchNo}` : '';
    if (b) Object.assign(ref, { batchId: b.id, batchNo: b.batchNo });
  } else if (r.journalKind === SUSPENSE_JOURNAL.reverse) how = ' with its suspense case (money returned)';
  else how = audit ? ` (${audit.action})` : '';
  out.add({
    at: r.at,
    kind: 'reversed',
    operator: L.login(r.operatorId),
    detail: `Reversed${how}, reason ${reason}`,
    amountMinor: -p.amountMinor,
    currency: p.currency,
    ref,
  });
}

type TxnRow = {
  id: number;
  command: string;
  runId: number | null;
  runKind: string | null;
  processor: string;
  amountMinor: number;
  currency: string;
  result: number;
  authCode: string | null;
  processorRef: string | null;
  createdAt: string;
  settledAt: string | null;
  operatorId: number | null;
  feeBillId: number | null;
};

/** Processor calls for the payment (and the deposits and refunds of its authorization): checkpoints and replies. */
export function processorEvents(
  L: Lookups,
  p: TimelinePayment,
  out: EventSink,
  resultName: (code: number) => string,
): number[] {
  const txns = L.db
    .prepare(
      `SELECT t.id, t.command, t.run_id AS runId, r.kind AS runKind, pr.name AS processor, t.amount_minor AS amountMinor, t.currency,
              t.result, t.auth_code AS authCode, t.processor_ref AS processorRef, t.created_at AS createdAt,
              t.settled_at AS settledAt, t.operator_id AS operatorId, t.fee_bill_id AS feeBillId
       FROM processor_txns t JOIN processors pr ON pr.id = t.processor_id LEFT JOIN collect_runs r ON r.id = t.run_id
       WHERE t.account_id = @account AND (t.payment_id = @id OR t.idem_key = @idem
          OR t.related_txn_id IN (SELECT id FROM processor_txns WHERE account_id = @account AND payment_id = @id))
       ORDER BY t.id`,
    )
    // Records are read through the account's index (a payment is posted to its record's account); a collected
    // payment is posted under `proc:<idem key>` of its record (found even before payment_id is set).
    .all({
      account: p.accountId,
      id: p.id,
      idem: p.sourceKey?.startsWith('proc:') ? p.sourceKey.slice(5) : null,
    }) as TxnRow[];
  for (const t of txns) {
    const money = L.money(t.amountMinor, t.currency);
    const run = t.runId !== null ? ` in ${t.runKind ?? 'collect'} run #${t.runId}` : '';
    const base = { operator: L.login(t.operatorId), amountMinor: t.amountMinor, currency: t.currency };
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
    const recovery = L.db
      .prepare(
        `SELECT at, operator_id AS operatorId, action, entity_id AS entityId FROM audit_log
         WHERE entity = 'processor_txn' AND action LIKE 'recovery.%' ORDER BY id`,
      )
      .all() as { at: string; operatorId: number | null; action: string; entityId: string | null }[];
    for (const a of recovery) {
      const hit = (a.entityId ?? '').split(',').map(Number);
      const mine = ids.filter((id) => hit.includes(id));
      if (mine.length === 0) continue;
      out.add({
        at: a.at,
        kind: 'checkpoint',
        operator: L.login(a.operatorId),
        detail: `Recovery: ${a.action.slice('recovery.'.length)} of record ${mine.join(', ')}`,
      });
    }
  }
  return ids;
}

/** Bank returns of the payment (returns file, pain.002, bounce): read, and what the bank said. */
export function returnEvents(L: Lookups, p: TimelinePayment, out: EventSink): number[] {
  const rows = L.db
    .prepare(
      `SELECT br.id, br.kind, br.bank_code AS bankCode, br.bank_text AS bankText, br.rejection_code AS rejectionCode,
              br.source_format AS sourceFormat, br.status, br.created_at AS createdAt, b.id AS batchId, b.batch_no AS batchNo,
              b.created_by AS operatorId
       FROM bank_returns br JOIN batches b ON b.id = br.batch_id WHERE br.payment_id = ? ORDER BY br.id`,
    )
    .all(p.id) as {
    id: number;
    kind: string;
    bankCode: string;
    bankText: string | null;
    rejectionCode: string | null;
    sourceFormat: string;
    status: string;
    createdAt: string;
    batchId: number;
    batchNo: string;
    operatorId: number | null;
  }[];
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
      operator: L.login(r.operatorId),
      detail: `${r.kind === 'bounced' ? 'Bounced' : `Bank ${r.kind}`} ${r.bankCode}${text}${mapped}, read from ${r.sourceFormat} into return batch ${r.batchNo}${state}`,
      amountMinor: -p.amountMinor,
      currency: p.currency,
      ref: { batchId: r.batchId, batchNo: r.batchNo },
    });
  }
  return rows.map((r) => r.id);
}

/** Failed-payment fees billed because the payment (or its processor record) failed. */
export function feeEvents(L: Lookups, out: EventSink, returnIds: number[], txnIds: number[]): void {
  const keys = [...returnIds.map((id) => `fee:return:${id}`), ...txnIds.map((id) => `fee:${id}`)];
  if (keys.length === 0) return;
  const rows = L.db
    .prepare(
      `SELECT j.id, j.at, j.audit_id AS auditId, l.amount_minor AS amountMinor, l.currency
       FROM journals j JOIN journal_lines l ON l.journal_id = j.id AND l.gl_account = 'AR'
       WHERE j.idem_key IN (SELECT value FROM json_each(?)) ORDER BY j.id`,
    )
    .all(JSON.stringify(keys)) as {
    id: number;
    at: string;
    auditId: number;
    amountMinor: number;
    currency: string;
  }[];
  for (const f of rows) {
    const audit = L.audit(f.auditId);
    out.add({
      at: f.at,
      kind: 'fee',
      operator: L.login(audit?.operatorId ?? null),
      detail: `Failed-payment fee of ${L.money(f.amountMinor, f.currency)} billed${audit?.entityId ? ` on bill ${audit.entityId}` : ''}`,
      amountMinor: f.amountMinor,
      currency: f.currency,
      ref: { journalId: f.id },
    });
  }
}

/** Direct debits: the outgoing bank file item the payment was collected with. */
export function directDebitEvents(L: Lookups, p: TimelinePayment, out: EventSink): void {
  const rows = L.db
    .prepare(
      `SELECT i.end_to_end_id AS e2e, i.status, i.return_code AS returnCode, f.message_id AS messageId, f.format, f.path,
              f.created_at AS createdAt, f.created_by AS createdBy, f.sent_at AS sentAt, f.sent_by AS sentBy
       FROM bank_file_items i JOIN bank_files_out f ON f.id = i.file_id WHERE i.payment_id = ? ORDER BY i.id`,
    )
    .all(p.id) as {
    e2e: string;
    status: string;
    returnCode: string | null;
    messageId: string;
    format: string;
    path: string | null;
    createdAt: string;
    createdBy: number | null;
    sentAt: string | null;
    sentBy: number | null;
  }[];
  for (const r of rows) {
    out.add({
      at: r.createdAt,
      kind: 'submitted',
      operator: L.login(r.createdBy),
      detail: `Collected by direct debit in bank file ${r.messageId} (${r.format}), end-to-end id ${r.e2e}`,
      ref: { file: r.messageId },
    });
    if (r.sentAt !== null)
      out.add({
        at: r.sentAt,
        kind: 'submitted',
        operator: L.login(r.sentBy),
        detail: `Bank file ${r.messageId} confirmed as sent to the bank`,
        ref: { file: r.messageId },
      });
  }
}

/** The journals and allocation ids that carry this payment's money (what an export would have taken). */
function postedIds(L: Lookups, p: TimelinePayment): { journals: number[]; allocations: number[] } {
  const reversal = L.db
    .prepare('SELECT journal_id FROM reversals WHERE payment_id = ?')
    .pluck()
    .all(p.id) as number[];
  const allocations = L.db
    .prepare('SELECT id FROM allocations WHERE payment_id = ? ORDER BY id')
    .pluck()
    .all(p.id) as number[];
  return { journals: [p.journalId, ...reversal], allocations };
}

type ExportRow = {
  id: number;
  mode: string;
  fromJournalId: number;
  toJournalId: number;
  fromAllocationId: number;
  toAllocationId: number;
  fromDate: string | null;
  toDate: string | null;
  at: string;
  operatorId: number | null;
};

/** Exports to billing (`export posted`) that took the payment's posting, allocations or reversal. */
export function exportEvents(L: Lookups, p: TimelinePayment, out: EventSink): void {
  const runs = L.db
    .prepare(
      `SELECT id, mode, from_journal_id AS fromJournalId, to_journal_id AS toJournalId, from_allocation_id AS fromAllocationId,
              to_allocation_id AS toAllocationId, from_date AS fromDate, to_date AS toDate, at, operator_id AS operatorId
       FROM export_runs WHERE kind = 'posted' ORDER BY id`,
    )
    .all() as ExportRow[];
  if (runs.length === 0) return;
  const ids = postedIds(L, p);
  const dayOf = L.db.prepare('SELECT substr(at, 1, 10) FROM journals WHERE id = ?').pluck();
  const days = new Map(ids.journals.map((j) => [j, dayOf.get(j) as string]));
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
      operator: L.login(run.operatorId),
      detail: `Exported to billing in export #${run.id}${range}: ${names(journals, allocations)}`,
    });
  }
}
