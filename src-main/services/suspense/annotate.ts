import { appendAudit } from '../../../db/repos/audit';
import {
  appendCaseEvent,
  caseRootOf,
  setActionOwner,
  type CasePayment,
} from '../../../db/repos/suspense-case';
import type { Storage, Tx } from '../../../db/storage/port';
import type { SuspenseMoveDto } from '../../../src-shared/dto/suspense';
import { REASON_DOMAIN, requireReasonCodeIn } from '../../ledger/codes';
import { conflict } from '../../ledger/errors';
import { insertSuspendedIn, suspenseMoveIn, type SuspenseMove } from '../../ledger/suspense-move';
import {
  casePaymentIn,
  dayOf,
  externalRule,
  GL_RECYCLE,
  propertyRule,
  refuse,
  SUSPENSE_JOURNAL,
} from './case';

/**
 * Loads the payments whose properties are to change, each once; one that may not change (G1, G4, G9) refuses the
 * whole list before anything is written.
 */
async function editablePayments(
  tx: Tx,
  paymentIds: readonly number[],
): Promise<{ ids: number[]; payments: CasePayment[] }> {
  const ids = [...new Set(paymentIds)];
  const payments: CasePayment[] = [];
  for (const id of ids) payments.push(await casePaymentIn(tx, id));
  for (const p of payments) {
    refuse(externalRule(p));
    refuse(propertyRule(p));
  }
  return { ids, payments };
}

/**
 * Assigns (or clears) the action owner of suspended payments.
 *
 * G9 reading: the action owner is a work-queue marker with no accounting meaning, so it is changed in place
 * (audited, on the timeline) instead of reversing and re-posting the payment; that keeps the payment id stable
 * while analysts pass work around. It is still a property, so it is frozen exactly where G4 and G9 freeze
 * properties: after removal, direct reversal, recycling, full distribution or replacement.
 *
 * Serializable: two analysts assigning the same payments at once take turns (PostgreSQL retries the loser from
 * the start, which reads the winner's owner), so each change is audited from the owner it really replaced.
 */
export function assignOwner(
  storage: Storage,
  input: { paymentIds: number[]; owner: number | null },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(
    async (tx): Promise<SuspenseMoveDto> => {
      if (input.owner !== null)
        await requireReasonCodeIn(tx, REASON_DOMAIN.actionOwner, input.owner, 'owner');
      const at = now.toISOString();
      const { ids, payments } = await editablePayments(tx, input.paymentIds);
      for (const p of payments) {
        if (p.actionOwner === input.owner) continue;
        const auditId = await appendAudit(tx, {
          at,
          operatorId,
          action: 'suspense.assign',
          entity: 'payment',
          entityId: String(p.id),
          before: { actionOwner: p.actionOwner },
          after: { actionOwner: input.owner },
          reasonCode: input.owner,
        });
        await setActionOwner(tx, p.id, input.owner, at);
        await appendCaseEvent(tx, {
          rootId: p.rootId ?? (await caseRootOf(tx, p.id)),
          paymentId: p.id,
          at,
          operatorId,
          action: 'owner',
          reasonCode: input.owner,
          detail: { from: p.actionOwner, to: input.owner },
          auditId,
        });
      }
      return { action: 'assign', paymentIds: ids, posted: [], suspended: [], reversed: [], journalId: null };
    },
    { serializable: true },
  );
}

/**
 * Adds a note to the timeline of a payment's case. A note is not a property of the payment (it changes
 * nothing posted), so it may be added at any stage, also after the case is closed, to record what was done.
 */
export function addNote(
  storage: Storage,
  input: { paymentId: number; text: string },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(async (tx): Promise<SuspenseMoveDto> => {
    const p = await casePaymentIn(tx, input.paymentId);
    refuse(externalRule(p));
    const rootId = await caseRootOf(tx, p.id);
    if (p.state === null && rootId === p.id && p.isSuspense === 0 && p.reversed === 0)
      throw conflict('not-in-suspense', `payment ${p.id} never went through suspense`);
    const at = now.toISOString();
    const auditId = await appendAudit(tx, {
      at,
      operatorId,
      action: 'suspense.note',
      entity: 'payment',
      entityId: String(p.id),
      after: { note: input.text },
    });
    await appendCaseEvent(tx, {
      rootId,
      paymentId: p.id,
      at,
      operatorId,
      action: 'note',
      detail: { text: input.text },
      auditId,
    });
    return { action: 'note', paymentIds: [p.id], posted: [], suspended: [], reversed: [], journalId: null };
  });
}

/**
 * Changes the suspense reason of suspended payments the way G9 describes: each is reversed out of suspense and
 * a new suspended payment with the new reason takes its place (same case, amount, owner and entry date), in one
 * balanced journal per payment. Serializable, as an assignment: two analysts changing the same payment at once
 * take turns, and the second finds it replaced.
 */
export function changeReason(
  storage: Storage,
  input: { paymentIds: number[]; reasonCode: number },
  now: Date,
  operatorId: number | null,
): Promise<SuspenseMoveDto> {
  return storage.transaction(
    async (tx): Promise<SuspenseMoveDto> => {
      await requireReasonCodeIn(tx, REASON_DOMAIN.suspense, input.reasonCode);
      const at = now.toISOString();
      const { ids, payments } = await editablePayments(tx, input.paymentIds);
      const out: SuspenseMoveDto = {
        action: 'change-reason',
        paymentIds: ids,
        posted: [],
        suspended: [],
        reversed: [],
        journalId: null,
      };
      for (const p of payments) {
        if (p.reasonCode === input.reasonCode) continue;
        const rootId = p.rootId ?? (await caseRootOf(tx, p.id));
        const move: SuspenseMove = {
          at,
          operatorId,
          audit: {
            action: 'suspense.change-reason',
            entityId: String(p.id),
            before: { reasonCode: p.reasonCode },
            after: { reasonCode: input.reasonCode },
            reasonCode: input.reasonCode,
          },
          journal: {
            kind: SUSPENSE_JOURNAL.edit,
            effectiveDate: dayOf(now),
            idemKey: `suspense:edit:${p.id}`,
            reasonCode: input.reasonCode,
            glId: GL_RECYCLE,
            lines: [
              { gl: 'SUSPENSE', accountId: null, amountMinor: p.amountMinor, currency: p.currency },
              { gl: 'SUSPENSE', accountId: null, amountMinor: -p.amountMinor, currency: p.currency },
            ],
          },
          reversed: [{ paymentId: p.id, reasonCode: input.reasonCode }],
          queue: [{ paymentId: p.id, state: 'replaced' }],
        };
        const { auditId, journalId, newId } = await suspenseMoveIn(tx, move, async (posted) => ({
          ...posted,
          newId: await insertSuspendedIn(
            tx,
            {
              kind: p.kind === 'recycled' ? 'recycled' : 'suspended',
              status: p.status,
              reasonCode: input.reasonCode,
              amountMinor: p.amountMinor,
              currency: p.currency,
              effectiveDate: p.effectiveDate,
              payType: p.payType,
              channelId: p.channelId,
              externalRef: p.externalRef,
              billNo: p.billNo,
              accountHint: p.accountHint,
              actionOwner: p.actionOwner,
              payerName: p.payerName,
              batchId: p.batchId,
              parentPaymentId: p.id,
              sourceKey: `suspense:edit:${p.id}`,
              journalId: posted.journalId,
              rootId,
              state: p.state ?? 'suspended',
              enteredOn: p.enteredOn ?? dayOf(now),
            },
            at,
            operatorId,
          ),
        }));
        await appendCaseEvent(tx, {
          rootId,
          paymentId: p.id,
          at,
          operatorId,
          action: 'reason',
          reasonCode: input.reasonCode,
          amountMinor: p.amountMinor,
          currency: p.currency,
          detail: { from: p.reasonCode, to: input.reasonCode, newPaymentId: newId },
          auditId,
        });
        out.reversed.push(p.id);
        out.suspended.push({ paymentId: newId, amountMinor: p.amountMinor, currency: p.currency });
        out.journalId = journalId;
      }
      return out;
    },
    { serializable: true },
  );
}
