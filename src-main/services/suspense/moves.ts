import { lockAccountsIn } from '../../../db/repos/locks';
import type { SuspenseMoveDto } from '../../../src-shared/dto/suspense';
import { formatMinor, parseMinor } from '../../../src-shared/money';
import { distributedInsertQuery } from '../../../db/repos/journals';
import {
  appendCaseEvent,
  caseRootOf,
  recycledChildQuery,
  targetAccountQuery,
  targetBillQuery,
  type TargetAccount,
  type TargetBill,
} from '../../../db/repos/suspense-case';
import type { Storage, Tx } from '../../../db/storage/port';
import { allocatePaymentIn, unwindAllocationsIn } from '../../ledger/allocation';
import { REASON_DOMAIN, requireReasonCodeIn } from '../../ledger/codes';
import { AppFailure, conflict, invalidFields } from '../../ledger/errors';
import { sumMinor, toMinor } from '../../ledger/ceiling';
import { offAccountLines, type JournalLine } from '../../ledger/journal';
import { convertOnIn, exponentOfIn } from '../../ledger/rates';
import {
  insertSuspendedIn,
  suspenseMoveIn,
  type PostedMove,
  type SuspenseMove,
} from '../../ledger/suspense-move';
import {
  casePaymentIn,
  caseTreeIn,
  dayOf,
  externalRule,
  failedRule,
  GL_RECYCLE,
  GL_UNALLOCATABLE,
  isActiveInSuspense,
  notInSuspenseRefusal,
  refuse,
  REVERSAL_REASON_DISTRIBUTED,
  SUSPENSE_JOURNAL,
  SUSPENSE_REASON_RECYCLED,
  SUSPENSE_REASON_REMAINDER,
  type CasePayment,
} from './case';

/** One target of a distribution list: an account, a bill (which names its account), or both. */
export type DistributionTarget = {
  accountNo?: string | undefined;
  billNo?: string | undefined;
  amount: string;
};

type ResolvedTarget = {
  accountId: number;
  accountNo: string;
  accountCurrency: string;
  billNo: string | null;
  billDueMinor: number | null;
  amountMinor: number;
  accountAmountMinor: number;
  ratePpm: number;
};

/** Checks a reversal reason of domain 16 and that it maps to the G/L ID the move needs. */
async function reversalReasonIn(tx: Tx, reasonCode: number, glId: number, what: string): Promise<void> {
  const code = await requireReasonCodeIn(tx, REASON_DOMAIN.suspenseReversal, reasonCode);
  if (code.glId !== glId) {
    const message = `reason ${reasonCode} (${code.label}) maps to G/L ${code.glId ?? 'none'}; ${what} needs a reason with G/L ${glId}`;
    throw invalidFields(message, [{ path: 'reasonCode', message }]);
  }
}

/**
 * Re-validates one target as the ledger is now: the account exists and is open, a bill belongs to it and is
 * open and payable, and the amount converts to the account's currency. Returns the problem as text.
 */
async function resolveTarget(
  tx: Tx,
  s: CasePayment,
  t: DistributionTarget,
  exponent: number,
): Promise<ResolvedTarget | string> {
  const parsed = parseMinor(t.amount, exponent);
  if (!parsed.ok) return parsed.error.reason;
  if (parsed.value <= 0) return `the amount ${t.amount} must be positive`;
  let bill: TargetBill | undefined;
  if (t.billNo !== undefined && t.billNo.trim() !== '') {
    bill = await tx.get<TargetBill>(targetBillQuery(t.billNo.trim()));
    if (!bill) return `bill ${t.billNo} not found`;
  }
  const account =
    t.accountNo !== undefined && t.accountNo.trim() !== ''
      ? await tx.get<TargetAccount>(targetAccountQuery({ key: t.accountNo.trim().toUpperCase() }))
      : bill
        ? await tx.get<TargetAccount>(targetAccountQuery({ id: bill.accountId }))
        : undefined;
  if (!account) return t.accountNo ? `account ${t.accountNo} not found` : 'give an account or a bill number';
  if (account.isSuspense === 1) return 'the payment suspense account cannot be a target';
  if (account.status === 'closed') return `account ${account.no} is closed`;
  if (bill) {
    if (bill.accountId !== account.id) return `bill ${bill.no} belongs to another account than ${account.no}`;
    if (bill.status !== 'open') return `bill ${bill.no} is closed`;
    if (bill.paying !== 1) return `bill ${bill.no} belongs to a nonpaying bill unit (V7)`;
  }
  let converted: { amountMinor: number; ratePpm: number };
  try {
    converted = await convertOnIn(tx, parsed.value, s.currency, account.currency, s.effectiveDate);
  } catch (err) {
    if (err instanceof AppFailure) return err.message;
    throw err;
  }
  return {
    accountId: account.id,
    accountNo: account.no,
    accountCurrency: account.currency,
    billNo: bill?.no ?? null,
    billDueMinor: bill?.due ?? null,
    amountMinor: parsed.value,
    accountAmountMinor: converted.amountMinor,
    ratePpm: converted.ratePpm,
  };
}

/** The checks every move out of suspense makes on the suspended payment itself. */
function requireDistributable(s: CasePayment): void {
  refuse(externalRule(s));
  if (!isActiveInSuspense(s)) refuse(notInSuspenseRefusal(s));
  refuse(failedRule(s));
}

/**
 * Posts a distribution: the suspended payment leaves suspense (reversal row, G/L 113), each target gets a
 * distributed payment (AR credit, allocated to its bill or by policy), and a remainder stays in suspense as a
 * new suspended payment of the same case. One balanced journal; runs in the caller's transaction.
 */
async function postDistribution(
  tx: Tx,
  s: CasePayment,
  targets: ResolvedTarget[],
  action: 'apply' | 'distribute',
  reasonCode: number,
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  // Before the first write: a batch submit paying these accounts holds them until it commits (then this
  // serializable move starts again, seeing the batch's postings), and two moves onto one account take turns.
  await lockAccountsIn(
    tx,
    targets.map((t) => t.accountId),
  );
  const at = now.toISOString();
  const rootId = s.rootId ?? (await caseRootOf(tx, s.id));
  // Targets never add up to more than the suspended payment, so the sum fits a number.
  const distributedMinor = toMinor(
    sumMinor(targets.map((t) => t.amountMinor)),
    `the distribution of payment ${s.id}`,
  );
  const remainderMinor = s.amountMinor - distributedMinor;
  const lines: JournalLine[] = [
    { gl: 'SUSPENSE', accountId: null, amountMinor: s.amountMinor, currency: s.currency },
  ];
  if (remainderMinor > 0)
    lines.push({ gl: 'SUSPENSE', accountId: null, amountMinor: -remainderMinor, currency: s.currency });
  for (const t of targets) {
    if (t.accountCurrency !== s.currency) {
      lines.push({ gl: 'FX', accountId: null, amountMinor: -t.amountMinor, currency: s.currency });
      lines.push({
        gl: 'FX',
        accountId: null,
        amountMinor: t.accountAmountMinor,
        currency: t.accountCurrency,
      });
    }
    lines.push({
      gl: 'AR',
      accountId: t.accountId,
      amountMinor: -t.accountAmountMinor,
      currency: t.accountCurrency,
    });
  }
  return suspenseMoveIn(
    tx,
    {
      at,
      operatorId,
      audit: {
        action: `suspense.${action}`,
        entityId: String(s.id),
        before: { state: s.state, amountMinor: s.amountMinor },
        after: {
          targets: targets.map((t) => ({
            accountNo: t.accountNo,
            billNo: t.billNo,
            amountMinor: t.amountMinor,
          })),
          remainderMinor,
        },
        reasonCode,
      },
      journal: {
        kind: SUSPENSE_JOURNAL.distribute,
        effectiveDate: dayOf(now),
        idemKey: `suspense:distribute:${s.id}`,
        reasonCode,
        glId: GL_RECYCLE,
        lines,
      },
      reversed: [{ paymentId: s.id, reasonCode }],
      queue: [{ paymentId: s.id, state: 'distributed' }],
    },
    ({ auditId, journalId }) =>
      postTargets(
        tx,
        s,
        targets,
        { action, reasonCode, rootId, remainderMinor, distributedMinor },
        now,
        operatorId,
        {
          auditId,
          journalId,
        },
      ),
  );
}

/** The distributed payments (allocated), the remainder left in suspense and the timeline event of a distribution. */
async function postTargets(
  tx: Tx,
  s: CasePayment,
  targets: ResolvedTarget[],
  m: {
    action: 'apply' | 'distribute';
    reasonCode: number;
    rootId: number;
    remainderMinor: number;
    distributedMinor: number;
  },
  now: Date,
  operatorId: number | null,
  { auditId, journalId }: PostedMove,
): Promise<SuspenseMoveDto> {
  const { action, reasonCode, rootId, remainderMinor, distributedMinor } = m;
  const at = now.toISOString();
  const posted: SuspenseMoveDto['posted'] = [];
  for (const [i, t] of targets.entries()) {
    const row = await tx.get<{ id: number }>(
      distributedInsertQuery(
        {
          accountId: t.accountId,
          payType: s.payType,
          channelId: s.channelId,
          reasonCode,
          amountMinor: t.amountMinor,
          currency: s.currency,
          accountAmountMinor: t.accountAmountMinor,
          ratePpm: t.ratePpm,
          effectiveDate: s.effectiveDate,
          externalRef: s.externalRef,
          billNo: t.billNo,
          payerName: s.payerName,
          batchId: s.batchId,
          sourceKey: `suspense:${s.id}:d${i + 1}`,
          parentPaymentId: s.id,
          journalId,
        },
        at,
        operatorId,
      ),
    );
    const paymentId = row!.id;
    const exponent = await exponentOfIn(tx, t.accountCurrency);
    const billAmount = t.billDueMinor === null ? 0 : Math.min(t.billDueMinor, t.accountAmountMinor);
    const allocation = await allocatePaymentIn(
      tx,
      t.billNo !== null && billAmount > 0
        ? { paymentId, bills: [{ billNo: t.billNo, amount: formatMinor(billAmount, exponent) }] }
        : { paymentId },
      now,
      operatorId,
    );
    posted.push({
      paymentId,
      accountNo: t.accountNo,
      billNo: t.billNo,
      amountMinor: t.amountMinor,
      allocatedMinor: allocation.allocatedMinor,
    });
  }
  const suspended: SuspenseMoveDto['suspended'] = [];
  if (remainderMinor > 0) {
    const remainderId = await insertSuspendedIn(
      tx,
      {
        kind: 'suspended',
        status: s.status,
        reasonCode: SUSPENSE_REASON_REMAINDER,
        amountMinor: remainderMinor,
        currency: s.currency,
        effectiveDate: s.effectiveDate,
        payType: s.payType,
        channelId: s.channelId,
        externalRef: s.externalRef,
        billNo: s.billNo,
        accountHint: s.accountHint,
        actionOwner: s.actionOwner,
        payerName: s.payerName,
        batchId: s.batchId,
        parentPaymentId: s.id,
        sourceKey: `suspense:${s.id}:rest`,
        journalId,
        rootId,
        state: 'partial',
        enteredOn: s.enteredOn ?? dayOf(now),
      },
      at,
      operatorId,
    );
    suspended.push({ paymentId: remainderId, amountMinor: remainderMinor, currency: s.currency });
  }
  await appendCaseEvent(tx, {
    rootId,
    paymentId: s.id,
    at,
    operatorId,
    action: action === 'apply' ? 'applied' : 'distributed',
    reasonCode,
    amountMinor: distributedMinor,
    currency: s.currency,
    detail: {
      targets: posted.map((p) => ({
        paymentId: p.paymentId,
        accountNo: p.accountNo,
        billNo: p.billNo,
        amountMinor: p.amountMinor,
      })),
      remainderPaymentId: suspended[0]?.paymentId ?? null,
      remainderMinor,
    },
    auditId,
  });
  return {
    action,
    paymentIds: [s.id],
    posted,
    suspended,
    reversed: [s.id],
    journalId,
  };
}

/**
 * What applying and distributing start from: the reversal reason (G/L 113) checked, the suspended payment that may
 * still be distributed, and its currency's exponent.
 */
async function distributableIn(
  tx: Tx,
  input: { paymentId: number; reasonCode?: number | undefined },
  what: string,
): Promise<{ s: CasePayment; reasonCode: number; exponent: number }> {
  const reasonCode = input.reasonCode ?? REVERSAL_REASON_DISTRIBUTED;
  await reversalReasonIn(tx, reasonCode, GL_RECYCLE, what);
  const s = await casePaymentIn(tx, input.paymentId);
  requireDistributable(s);
  return { s, reasonCode, exponent: await exponentOfIn(tx, s.currency) };
}

/**
 * Applies a suspended payment to the right account or bill (re-validated now). On success the whole amount
 * posts there and the suspended payment is reversed out of suspense; on any failure nothing changes.
 */
export function applySuspended(
  storage: Storage,
  input: {
    paymentId: number;
    accountNo?: string | undefined;
    billNo?: string | undefined;
    reasonCode?: number | undefined;
  },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(
    async (tx): Promise<SuspenseMoveDto> => {
      const { s, reasonCode, exponent } = await distributableIn(tx, input, 'applying a suspended payment');
      const target = await resolveTarget(
        tx,
        s,
        { accountNo: input.accountNo, billNo: input.billNo, amount: formatMinor(s.amountMinor, exponent) },
        exponent,
      );
      if (typeof target === 'string')
        throw conflict('revalidation', `payment ${s.id} stays in suspense: ${target}`);
      return postDistribution(tx, s, [target], 'apply', reasonCode, now, operatorId);
    },
    { serializable: true },
  );
}

/**
 * Distributes a suspended payment over several accounts/bills. The list is validated as one unit (G12): if
 * any entry fails, nothing is posted and the payment stays in suspense. What the list leaves stays in
 * suspense as a new suspended payment of the same case.
 */
export function distributeSuspended(
  storage: Storage,
  input: { paymentId: number; targets: DistributionTarget[]; reasonCode?: number | undefined },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(
    async (tx): Promise<SuspenseMoveDto> => {
      const { s, reasonCode, exponent } = await distributableIn(tx, input, 'a distribution');
      if (input.targets.length === 0)
        throw invalidFields('a distribution list needs at least one entry', [
          { path: 'targets', message: 'add at least one account or bill' },
        ]);
      const problems: string[] = [];
      const resolved: ResolvedTarget[] = [];
      for (const [i, t] of input.targets.entries()) {
        const r = await resolveTarget(tx, s, t, exponent);
        if (typeof r === 'string') problems.push(`entry ${i + 1} (${t.accountNo ?? t.billNo ?? '?'}): ${r}`);
        else resolved.push(r);
      }
      if (problems.length > 0)
        throw conflict(
          'G12',
          `the distribution list is refused as a whole and payment ${s.id} stays in suspense: ${problems.join('; ')}`,
        );
      // Exact: a long list of large amounts may pass 2^53 before it is compared.
      const total = sumMinor(resolved.map((t) => t.amountMinor));
      if (total > BigInt(s.amountMinor))
        throw conflict(
          'G12',
          `the distribution list adds up to ${formatMinor(Number(total), exponent)} but payment ${s.id} holds ${formatMinor(s.amountMinor, exponent)} ${s.currency}; nothing was distributed`,
        );
      return postDistribution(tx, s, resolved, 'distribute', reasonCode, now, operatorId);
    },
    { serializable: true },
  );
}

/**
 * Recycles posted payments from a wrong account back into suspense: undoes their allocations, reverses them
 * (G/L 113) and puts their whole amount (G14), in their own currency (G2), into suspense as a recycled payment
 * with exactly one original (G3). Several payments in one operation must be distributed payments of the same
 * suspended payment (G8). Applying to the right account is a separate move (G13).
 */
export function recyclePayments(
  storage: Storage,
  input: {
    paymentIds: number[];
    reasonCode: number;
    amount?: string | undefined;
    currency?: string | undefined;
  },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(
    async (tx): Promise<SuspenseMoveDto> => {
      await reversalReasonIn(tx, input.reasonCode, GL_RECYCLE, 'recycling');
      const ids = [...new Set(input.paymentIds)];
      const payments: CasePayment[] = [];
      for (const id of ids) payments.push(await casePaymentIn(tx, id));
      // As a distribution: the accounts the payments leave are locked before anything is written.
      await lockAccountsIn(
        tx,
        payments.map((p) => p.accountId),
      );
      for (const p of payments) {
        if (p.isSuspense === 1)
          throw conflict(
            'already-in-suspense',
            `payment ${p.id} is already in suspense; apply or distribute it instead`,
          );
        if (p.kind === 'failed')
          throw conflict('G6', `payment ${p.id} failed; a failed payment holds no money to recycle`);
        refuse(externalRule(p));
        if (p.reversed === 1) {
          if (p.reversalKind === SUSPENSE_JOURNAL.recycle)
            throw conflict(
              'G3',
              `payment ${p.id} was already recycled into suspense as payment ${
                (await tx.get<{ id: number }>(recycledChildQuery(p.id)))?.id ?? '?'
              }; a recycled payment has exactly one original`,
            );
          throw conflict('already-reversed', `payment ${p.id} is reversed and cannot be recycled`);
        }
        if (input.currency !== undefined && input.currency !== p.currency)
          throw conflict(
            'G2',
            `payment ${p.id} is in ${p.currency}; a recycled payment keeps its original's currency, not ${input.currency}`,
          );
        if (input.amount !== undefined) {
          const exponent = await exponentOfIn(tx, p.currency);
          const parsed = parseMinor(input.amount, exponent);
          if (!parsed.ok || parsed.value !== p.amountMinor)
            throw conflict(
              'G14',
              `recycling moves the whole amount of payment ${p.id} (${formatMinor(p.amountMinor, exponent)} ${p.currency}), never a part`,
            );
        }
      }
      if (payments.length > 1) {
        const parents = new Set(payments.map((p) => (p.kind === 'distributed' ? p.parentPaymentId : -p.id)));
        if (parents.size > 1)
          throw conflict(
            'G8',
            'one operation may return only distributed payments of the same suspended payment; recycle the others separately',
          );
      }
      const at = now.toISOString();
      const lines: JournalLine[] = [];
      for (const p of payments) {
        await unwindAllocationsIn(tx, p, at, operatorId);
        lines.push(...offAccountLines(p));
        lines.push({ gl: 'SUSPENSE', accountId: null, amountMinor: -p.amountMinor, currency: p.currency });
      }
      const move: SuspenseMove = {
        at,
        operatorId,
        audit: {
          action: 'suspense.recycle',
          entityId: ids.join(','),
          before: payments.map((p) => ({
            paymentId: p.id,
            accountNo: p.accountNo,
            amountMinor: p.amountMinor,
          })),
          reasonCode: input.reasonCode,
        },
        journal: {
          kind: SUSPENSE_JOURNAL.recycle,
          effectiveDate: dayOf(now),
          idemKey: `suspense:recycle:${ids.join(',')}`,
          reasonCode: input.reasonCode,
          glId: GL_RECYCLE,
          lines,
        },
        reversed: payments.map((p) => ({ paymentId: p.id, reasonCode: input.reasonCode })),
      };
      return suspenseMoveIn(tx, move, async ({ auditId, journalId }): Promise<SuspenseMoveDto> => {
        const suspended: SuspenseMoveDto['suspended'] = [];
        for (const p of payments) {
          const rootId = await caseRootOf(tx, p.id);
          const recycledId = await insertSuspendedIn(
            tx,
            {
              kind: 'recycled',
              status: 15,
              reasonCode: SUSPENSE_REASON_RECYCLED,
              amountMinor: p.amountMinor,
              currency: p.currency,
              effectiveDate: p.effectiveDate,
              payType: p.payType,
              channelId: p.channelId,
              externalRef: p.externalRef,
              billNo: p.billNo,
              accountHint: p.accountNo,
              actionOwner: null,
              payerName: p.payerName,
              batchId: p.batchId,
              parentPaymentId: p.id,
              sourceKey: `suspense:recycle:${p.id}`,
              journalId,
              rootId,
              state: 'recycled',
              enteredOn: dayOf(now),
            },
            at,
            operatorId,
          );
          suspended.push({ paymentId: recycledId, amountMinor: p.amountMinor, currency: p.currency });
          await appendCaseEvent(tx, {
            rootId,
            paymentId: p.id,
            at,
            operatorId,
            action: 'recycled',
            reasonCode: input.reasonCode,
            amountMinor: p.amountMinor,
            currency: p.currency,
            detail: { fromAccountNo: p.accountNo, recycledPaymentId: recycledId },
            auditId,
          });
        }
        return { action: 'recycle', paymentIds: ids, posted: [], suspended, reversed: ids, journalId };
      });
    },
    { serializable: true },
  );
}

/**
 * Removes an active suspended (or recycled) payment from suspense as unallocatable (G/L 112). Irreversible:
 * there is no command that brings it back, and its case can no longer be reversed (G5, G15).
 * Serializable: two analysts removing the same payment at once take turns, and the second finds it removed.
 */
export function removeSuspended(
  storage: Storage,
  input: { paymentId: number; reasonCode: number },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(
    async (tx): Promise<SuspenseMoveDto> => {
      await reversalReasonIn(tx, input.reasonCode, GL_UNALLOCATABLE, 'removal as unallocatable');
      const s = await casePaymentIn(tx, input.paymentId);
      refuse(externalRule(s));
      if (s.isSuspense === 0)
        throw conflict(
          'remove-active-only',
          `payment ${s.id} is a ${s.kind} payment on account ${s.accountNo}; only the active suspended payment can be removed as unallocatable (recycle it first)`,
        );
      if (!isActiveInSuspense(s)) refuse(notInSuspenseRefusal(s));
      const at = now.toISOString();
      const rootId = s.rootId ?? (await caseRootOf(tx, s.id));
      const move: SuspenseMove = {
        at,
        operatorId,
        audit: {
          action: 'suspense.remove',
          entityId: String(s.id),
          before: { state: s.state, amountMinor: s.amountMinor },
          after: { state: 'removed' },
          reasonCode: input.reasonCode,
        },
        journal: {
          kind: SUSPENSE_JOURNAL.remove,
          effectiveDate: dayOf(now),
          idemKey: `suspense:remove:${s.id}`,
          reasonCode: input.reasonCode,
          glId: GL_UNALLOCATABLE,
          lines: [
            { gl: 'SUSPENSE', accountId: null, amountMinor: s.amountMinor, currency: s.currency },
            { gl: 'UNALLOCATABLE', accountId: null, amountMinor: -s.amountMinor, currency: s.currency },
          ],
        },
        reversed: [{ paymentId: s.id, reasonCode: input.reasonCode }],
        queue: [{ paymentId: s.id, state: 'removed' }],
      };
      return suspenseMoveIn(tx, move, async ({ auditId, journalId }): Promise<SuspenseMoveDto> => {
        await appendCaseEvent(tx, {
          rootId,
          paymentId: s.id,
          at,
          operatorId,
          action: 'removed',
          reasonCode: input.reasonCode,
          amountMinor: s.amountMinor,
          currency: s.currency,
          auditId,
        });
        return {
          action: 'remove',
          paymentIds: [s.id],
          posted: [],
          suspended: [],
          reversed: [s.id],
          journalId,
        };
      });
    },
    { serializable: true },
  );
}

/** Why the case of `root` cannot be reversed because part of it was removed as unallocatable (G5, G15). */
export function removalRefusal(tree: CasePayment[]): { rule: string; message: string } | null {
  const byId = new Map(tree.map((p) => [p.id, p]));
  for (const p of tree) {
    if (p.reversalKind !== SUSPENSE_JOURNAL.remove) continue;
    let viaDistributed = false;
    for (let up = p.parentPaymentId; up !== null;) {
      const parent = byId.get(up);
      if (!parent) break;
      if (parent.kind === 'distributed') viaDistributed = true;
      up = parent.parentPaymentId;
    }
    return viaDistributed
      ? {
          rule: 'G15',
          message: `a distributed payment of this case went back to suspense and was removed as unallocatable (payment ${p.id}); the original payment cannot be reversed`,
        }
      : {
          rule: 'G5',
          message: `part of this suspended payment was removed as unallocatable (payment ${p.id}); it cannot be reversed`,
        };
  }
  return null;
}

/**
 * Reverses a suspense case directly (the money goes back: CASH credit). It must target the original payment
 * (G7); every posted payment of the case is reversed first, then what is still in suspense. Refused when any
 * part was removed as unallocatable (G5, G15) and for cash (V9: cash is reversed only by recycling).
 */
export function reverseSuspenseCase(
  storage: Storage,
  input: { paymentId: number; reasonCode: number },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(
    async (tx): Promise<SuspenseMoveDto> => {
      await requireReasonCodeIn(tx, REASON_DOMAIN.paymentReversal, input.reasonCode);
      const p = await casePaymentIn(tx, input.paymentId);
      refuse(externalRule(p));
      const rootId = await caseRootOf(tx, p.id);
      if (rootId !== p.id)
        throw conflict(
          'G7',
          `payment ${p.id} is part of the suspense case of payment ${rootId}; a direct reversal must target the original payment ${rootId}`,
        );
      const tree = await caseTreeIn(tx, rootId);
      if (tree.length === 1 && p.isSuspense === 0)
        throw conflict(
          'not-a-suspense-case',
          `payment ${p.id} never went through suspense; reverse it with a reversal batch in Payment Tool`,
        );
      refuse(removalRefusal(tree));
      if (p.payType === 10011)
        throw conflict(
          'V9',
          `payment ${p.id} is cash; cash is reversed only by recycling it through suspense`,
        );
      const active = tree.filter((t) => t.reversed === 0);
      if (active.length === 0)
        throw conflict('already-reversed', `nothing of the case of payment ${p.id} is left to reverse`);
      // G7: posted payments first, then the suspended ones.
      const ordered = [
        ...active.filter((t) => t.isSuspense === 0),
        ...active.filter((t) => t.isSuspense === 1),
      ];
      const at = now.toISOString();
      const lines: JournalLine[] = [];
      for (const t of ordered) {
        if (t.isSuspense === 0) {
          await unwindAllocationsIn(tx, t, at, operatorId);
          lines.push(...offAccountLines(t));
        } else {
          lines.push({ gl: 'SUSPENSE', accountId: null, amountMinor: t.amountMinor, currency: t.currency });
        }
        lines.push({ gl: 'CASH', accountId: null, amountMinor: -t.amountMinor, currency: t.currency });
      }
      const move: SuspenseMove = {
        at,
        operatorId,
        audit: {
          action: 'suspense.reverse',
          entityId: String(p.id),
          before: ordered.map((t) => ({
            paymentId: t.id,
            kind: t.kind,
            accountNo: t.accountNo,
            amountMinor: t.amountMinor,
          })),
          reasonCode: input.reasonCode,
        },
        journal: {
          kind: SUSPENSE_JOURNAL.reverse,
          effectiveDate: dayOf(now),
          idemKey: `suspense:reverse:${p.id}`,
          reasonCode: input.reasonCode,
          lines,
        },
        reversed: ordered.map((t) => ({ paymentId: t.id, reasonCode: input.reasonCode })),
        queue: ordered
          .filter((t) => t.isSuspense === 1)
          .map((t) => ({ paymentId: t.id, state: 'reversed' as const })),
      };
      return suspenseMoveIn(tx, move, async ({ auditId, journalId }): Promise<SuspenseMoveDto> => {
        await appendCaseEvent(tx, {
          rootId,
          paymentId: p.id,
          at,
          operatorId,
          action: 'reversed',
          reasonCode: input.reasonCode,
          // The case's payments come from one suspended payment, so their sum fits a number.
          amountMinor: toMinor(sumMinor(ordered.map((t) => t.amountMinor)), `the case of payment ${p.id}`),
          currency: p.currency,
          detail: { reversedPaymentIds: ordered.map((t) => t.id) },
          auditId,
        });
        return {
          action: 'reverse',
          paymentIds: [p.id],
          posted: [],
          suspended: [],
          reversed: ordered.map((t) => t.id),
          journalId,
        };
      });
    },
    { serializable: true },
  );
}
