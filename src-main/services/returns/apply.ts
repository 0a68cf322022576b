import type Database from 'better-sqlite3';
import {
  bankReturnAppliedQuery,
  earlierReturnInBatchQuery,
  fileItemReturnedQuery,
  pendingBankReturnsQuery,
  type PendingReturnRecord,
} from '../../../db/repos/submit';
import type { Tx } from '../../../db/storage/port';
import { all, get, run, stepsIn, stepsOnDriver, DRIVER, type Steps } from '../../../db/storage/steps';
import { applyFailureSteps, rejectionRuleSteps, type DeclineOutcome } from '../processors/declines';

/** What applying a return batch's bank returns did. */
export type AppliedReturns = { applied: number; outcomes: (DeclineOutcome & { returnId: number })[] };

/**
 * Applies the bank returns of a return batch whose reversals were just posted, inside the submit's transaction
 * (so a crash posts all or nothing), as steps: the outgoing debit becomes `returned` with the code, time and batch;
 * the bank code goes through the admin's rejection codes with the same mechanism as card declines (soft: retry and
 * suspension; hard or exhausted: fallback pay type; workflow items with the configured events; the
 * failed-payment fee); the bank_returns row becomes `applied`. Several returns of one account in one batch
 * count as one retry/fallback (each still carries its fee). `paymentIds` limits it to some entries (submit
 * with lock per account posts entry by entry).
 */
export function* applyBankReturnsSteps(
  d: Pick<Tx, 'dialect'>,
  batchId: number,
  at: string,
  operatorId: number | null,
  paymentIds?: readonly number[],
): Steps<AppliedReturns> {
  const today = at.slice(0, 10);
  const rows = yield* all<PendingReturnRecord>(pendingBankReturnsQuery(d, batchId, paymentIds));
  const outcomes: AppliedReturns['outcomes'] = [];
  for (const r of rows) {
    if (r.fileItemId !== null) yield* run(fileItemReturnedQuery(r.fileItemId, r.bankCode, at, batchId));
    const out = yield* applyFailureSteps(
      {
        accountId: r.accountId,
        code: r.bankCode,
        rule: yield* rejectionRuleSteps(r.bankCode),
        txnId: null,
        feeKey: `fee:return:${r.id}`,
        feeBillNo: `FEE-R${r.id}`,
        earlierInGroup: (yield* get(earlierReturnInBatchQuery(batchId, r.accountId))) !== undefined,
        eventKinds: true,
        label: `bank code ${r.bankCode}`,
      },
      at,
      today,
      operatorId,
    );
    yield* run(bankReturnAppliedQuery(r.id, at, batchId, r.seq));
    outcomes.push({ ...out, returnId: r.id });
  }
  return { applied: rows.length, outcomes };
}

/** applyBankReturnsSteps through the driver, in the caller's driver transaction. */
export function applyBankReturns(
  db: Database.Database,
  batchId: number,
  at: string,
  operatorId: number | null,
  paymentIds?: readonly number[],
): AppliedReturns {
  return stepsOnDriver(db, applyBankReturnsSteps(DRIVER, batchId, at, operatorId, paymentIds));
}

/**
 * applyBankReturnsSteps in the caller's serializable port transaction, the one that posted the reversals the
 * returns belong to: a return applies with its reversal or not at all, on either database.
 */
export function applyBankReturnsIn(
  tx: Tx,
  batchId: number,
  at: string,
  operatorId: number | null,
  paymentIds?: readonly number[],
): Promise<AppliedReturns> {
  return stepsIn(tx, applyBankReturnsSteps(tx, batchId, at, operatorId, paymentIds));
}
