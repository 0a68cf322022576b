import {
  caseEvents,
  caseRootOf,
  caseTreeQuery,
  paymentOperatorLogin,
  reasonLabels,
} from '../../../db/repos/suspense-case';
import { currencyExponent, queueRows } from '../../../db/repos/suspense-queue';
import type { Storage, Tx } from '../../../db/storage/port';
import type {
  SuspenseCasePaymentDto,
  SuspenseDetailDto,
  SuspenseEventDto,
} from '../../../src-shared/dto/suspense';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { REASON_DOMAIN } from '../../ledger/codes';
import { notFound } from '../../ledger/errors';
import {
  casePaymentIn,
  externalRule,
  failedRule,
  isActiveInSuspense,
  notInSuspenseRefusal,
  propertyRule,
  SUSPENSE_JOURNAL,
  type CasePayment,
  type Refusal,
} from './case';
import { removalRefusal } from './moves';
import { toQueueRowDto } from './search';

function toCaseDto(p: CasePayment): SuspenseCasePaymentDto {
  return {
    paymentId: p.id,
    parentPaymentId: p.parentPaymentId,
    kind: p.kind,
    accountNo: p.accountNo,
    amountMinor: p.amountMinor,
    currency: p.currency,
    status: p.status,
    reversed: p.reversed === 1,
    reversalReason: p.reversalReason,
    state: p.state,
  };
}

/** What may be done with the payment now; each refusal names its rule, exactly as the move would. */
function allowedActions(p: CasePayment, rootId: number, tree: CasePayment[]): SuspenseDetailDto['allowed'] {
  const first = (...rs: (Refusal | null)[]): Refusal | null => rs.find((r) => r !== null) ?? null;
  const active = isActiveInSuspense(p);
  const outOfSuspense = active ? null : notInSuspenseRefusal(p);
  const g1 = externalRule(p);
  const recycle: Refusal | null =
    p.isSuspense === 1
      ? { rule: 'already-in-suspense', message: 'the payment is in suspense already' }
      : p.kind === 'failed'
        ? { rule: 'G6', message: 'a failed payment holds no money to recycle' }
        : p.reversed === 1
          ? p.reversalKind === SUSPENSE_JOURNAL.recycle
            ? {
                rule: 'G3',
                message: 'the payment was already recycled; a recycled payment has exactly one original',
              }
            : { rule: 'already-reversed', message: 'the payment is reversed' }
          : null;
  const reverse: Refusal | null =
    rootId !== p.id
      ? { rule: 'G7', message: `a direct reversal must target the original payment ${rootId}` }
      : (removalRefusal(tree) ??
        (p.payType === PAY_TYPE.cash
          ? { rule: 'V9', message: 'cash is reversed only by recycling it through suspense' }
          : tree.every((t) => t.reversed === 1)
            ? { rule: 'already-reversed', message: 'nothing of the case is left to reverse' }
            : null));
  const rows: [string, Refusal | null][] = [
    ['apply', first(g1, outOfSuspense, failedRule(p))],
    ['distribute', first(g1, outOfSuspense, failedRule(p))],
    ['remove', first(g1, outOfSuspense)],
    ['recycle', first(g1, recycle)],
    ['reverse', first(g1, reverse)],
    ['assign', first(g1, propertyRule(p))],
    ['change-reason', first(g1, propertyRule(p))],
    ['note', g1],
  ];
  return rows.map(([action, r]) => ({
    action,
    ok: r === null,
    rule: r?.rule ?? null,
    why: r?.message ?? null,
  }));
}

/** The reason-code domain of each timeline action's code (moves out of suspense use domain 16). */
const EVENT_DOMAIN: Readonly<Record<string, number>> = {
  entered: REASON_DOMAIN.suspense,
  reason: REASON_DOMAIN.suspense,
  owner: REASON_DOMAIN.actionOwner,
  reversed: REASON_DOMAIN.paymentReversal,
};

/** The timeline of a case: its entry into suspense (or posting), then every recorded move, oldest first. */
async function timeline(tx: Tx, root: CasePayment): Promise<SuspenseEventDto[]> {
  const events = (await caseEvents(tx, root.id)).map((e) => ({
    ...e,
    reasonLabel: null as string | null,
    detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null,
  }));
  const first: SuspenseEventDto = {
    id: 0,
    at: root.createdAt,
    paymentId: root.id,
    action: root.isSuspense === 1 ? 'entered' : 'posted',
    operator: root.createdAt ? await paymentOperatorLogin(tx, root.id) : null,
    reasonCode: root.isSuspense === 1 ? root.reasonCode : null,
    reasonLabel: null,
    amountMinor: root.amountMinor,
    currency: root.currency,
    detail:
      root.isSuspense === 1
        ? { batchId: root.batchId, accountHint: root.accountHint }
        : { accountNo: root.accountNo },
  };
  const all = [first, ...events];
  const domainOf = (e: SuspenseEventDto): number => EVENT_DOMAIN[e.action] ?? REASON_DOMAIN.suspenseReversal;
  const labels = await reasonLabels(
    tx,
    all.flatMap((e) => (e.reasonCode === null ? [] : [{ domain: domainOf(e), code: e.reasonCode }])),
  );
  for (const e of all)
    if (e.reasonCode !== null) e.reasonLabel = labels.get(`${domainOf(e)}:${e.reasonCode}`) ?? null;
  return all;
}

/**
 * Everything the work panel shows for one payment: its row, its case tree, what may be done, its timeline. One
 * read-only transaction, so the tree, the row and the timeline are of the same moment.
 */
export function suspenseDetail(storage: Storage, paymentId: number, now: Date): Promise<SuspenseDetailDto> {
  return storage.transaction(
    async (tx) => {
      const p = await casePaymentIn(tx, paymentId);
      const rootId = await caseRootOf(tx, p.id);
      const tree = await tx.all<CasePayment>(caseTreeQuery(rootId));
      const root = tree.find((t) => t.id === rootId) ?? p;
      const [row] = await queueRows(tx, [p.id]);
      const exponent = await currencyExponent(tx, p.currency);
      if (exponent === undefined) throw notFound('currency', p.currency);
      return {
        subject: toCaseDto(p),
        payment: row ? toQueueRowDto(row, now) : null,
        rootId,
        exponent,
        active: isActiveInSuspense(p),
        allowed: allowedActions(p, rootId, tree),
        tree: tree.map(toCaseDto),
        timeline: await timeline(tx, root),
      };
    },
    { readOnly: true },
  );
}
