import type Database from 'better-sqlite3';
import type { BatchDto } from '../../../src-shared/dto/batches';
import type { AllocTarget, AutoPolicy, OverpaymentPolicy, UnderpaymentPolicy } from '../../domain/allocation';
import {
  BATCH_PAY_TYPES,
  validatePaymentEntries,
  type AccountFacts,
  type EntryVerdict,
  type PaymentEntryInput,
  type ValidationSettings,
} from '../../domain/batch-rules';
import { writeAudit } from '../../ledger/audit';
import { applyColumnRules } from '../admin/columns';
import { rateFor } from '../../ledger/rates';
import { getSetting } from '../../ledger/settings';
import { assertEditable, getBatch, loadBatchRow } from './batch-store';
import {
  applyEntryCurrencyRule,
  keepRowProblems,
  rowProblemsOf,
  verdictProblemsJson,
} from './entry-problems';
import { flagDuplicates, refreshFingerprints } from './duplicates';
import { validateRefunds } from './refunds';

type RawEntry = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number | null;
  paymentDate: string | null;
  paymentRef: number | null;
  problem: string | null;
  problemColumn: string | null;
  problemsJson: string | null;
  status: string;
  manualSuspend: number;
  reasonCode: number | null;
  allocationJson: string | null;
  customJson: string | null;
};

/** The validation settings in force (DOMAIN.md §5 defaults until an admin changes them). */
export function validationSettings(db: Database.Database): ValidationSettings {
  return {
    allowAccountDup: getSetting(db, 'ALLOWACCOUNTDUP') === true,
    noManualAllocation: getSetting(db, 'NoManualAllocation') === true,
    searchBillAmount: getSetting(db, 'SearchBillAmount') === true,
    paymentSuspense: getSetting(db, 'PaymentSuspense') === true,
    policy: String(getSetting(db, 'allocation.policy')) as AutoPolicy,
    overpayment: String(getSetting(db, 'allocation.overpayment')) as OverpaymentPolicy,
    underpayment: String(getSetting(db, 'allocation.underpayment')) as UnderpaymentPolicy,
  };
}

/** Loads the facts of every account the entries name (by number or through a bill) in a few set queries. */
function loadAccounts(
  db: Database.Database,
  entries: readonly { accountNo: string | null; billNo: string | null }[],
  level: 'bill' | 'item',
): { byNo: Map<string, AccountFacts>; byBill: Map<string, AccountFacts> } {
  const accountKeys = [
    ...new Set(entries.map((e) => e.accountNo?.toUpperCase()).filter((v): v is string => !!v)),
  ];
  const billNos = [...new Set(entries.map((e) => e.billNo).filter((v): v is string => !!v))];
  const accounts = db
    .prepare(
      `SELECT id, account_no AS accountNo, account_key AS accountKey, status, currency,
              (SELECT count(*) FROM bill_units u WHERE u.account_id = a.id AND u.paying = 1) AS payingBillUnits
       FROM accounts a WHERE is_suspense = 0 AND (account_key IN (SELECT value FROM json_each(?))
         OR id IN (SELECT account_id FROM bills WHERE bill_no IN (SELECT value FROM json_each(?))))`,
    )
    .all(JSON.stringify(accountKeys), JSON.stringify(billNos)) as (Omit<AccountFacts, 'targets'> & {
    accountKey: string;
  })[];
  const byId = new Map<number, AccountFacts>();
  for (const a of accounts)
    byId.set(a.id, {
      id: a.id,
      accountNo: a.accountNo,
      status: a.status,
      currency: a.currency,
      payingBillUnits: a.payingBillUnits,
      targets: [],
    });
  const ids = JSON.stringify([...byId.keys()]);
  const targetRows =
    level === 'item'
      ? (db
          .prepare(
            `SELECT i.id, i.bill_id AS billId, i.account_id AS accountId, i.open_minor AS openMinor, b.bill_no AS billNo,
                    b.bill_date AS billDate, b.due_date AS dueDate, b.amount_due_minor AS billDueMinor, u.paying
             FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id
             WHERE i.account_id IN (SELECT value FROM json_each(?)) AND i.status = 'open'`,
          )
          .all(ids) as (AllocTarget & { accountId: number; paying: number })[])
      : (db
          .prepare(
            `SELECT b.id, b.id AS billId, b.account_id AS accountId, b.amount_due_minor AS openMinor, b.bill_no AS billNo,
                    b.bill_date AS billDate, b.due_date AS dueDate, b.amount_due_minor AS billDueMinor, u.paying
             FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
             WHERE b.account_id IN (SELECT value FROM json_each(?)) AND b.status = 'open'`,
          )
          .all(ids) as (AllocTarget & { accountId: number; paying: number })[]);
  for (const t of targetRows) {
    byId.get(t.accountId)?.targets.push({
      id: t.id,
      billId: t.billId,
      billNo: t.billNo,
      billDate: t.billDate,
      dueDate: t.dueDate,
      openMinor: t.openMinor,
      billDueMinor: t.billDueMinor,
      payable: t.paying === 1,
    });
  }
  const byNo = new Map<string, AccountFacts>();
  for (const a of accounts) byNo.set(a.accountKey, byId.get(a.id) as AccountFacts);
  const byBill = new Map<string, AccountFacts>();
  if (billNos.length) {
    const rows = db
      .prepare(
        `SELECT bill_no AS billNo, account_id AS accountId FROM bills WHERE bill_no IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(billNos)) as {
      billNo: string;
      accountId: number;
    }[];
    for (const r of rows) {
      const a = byId.get(r.accountId);
      if (a) byBill.set(r.billNo.toUpperCase(), a);
    }
  }
  return { byNo, byBill };
}

/** Verdicts for reversal entries: the payment must exist, be of a reversible pay type, and not be reversed (V9). */
function validateReversals(
  db: Database.Database,
  entries: readonly RawEntry[],
  batchPayType: number,
): EntryVerdict[] {
  const seen = new Set<number>();
  const q = db.prepare(
    `SELECT p.id, p.account_id AS accountId, p.pay_type AS payType, p.kind, a.is_suspense AS isSuspense,
            EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed
     FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?`,
  );
  return entries.map((e): EntryVerdict => {
    const base: EntryVerdict = {
      id: e.id,
      status: 'invalid',
      reasonCode: null,
      problem: null,
      problemColumn: 'paymentRef',
      accountId: null,
      accountAmountMinor: null,
      ratePpm: 1_000_000,
      lines: [],
    };
    if (e.problem) return { ...base, problem: e.problem, problemColumn: e.problemColumn };
    if (e.paymentRef === null) return { ...base, problem: 'a reversal entry needs the payment ID (V1)' };
    const p = q.get(e.paymentRef) as
      | { id: number; accountId: number; payType: number; kind: string; isSuspense: number; reversed: number }
      | undefined;
    if (!p) return { ...base, problem: `payment ${e.paymentRef} not found` };
    if (p.reversed === 1) return { ...base, problem: `payment ${e.paymentRef} is already reversed` };
    if (seen.has(p.id)) return { ...base, problem: `payment ${e.paymentRef} appears twice in this batch` };
    seen.add(p.id);
    if (!BATCH_PAY_TYPES.reversal.includes(p.payType))
      return {
        ...base,
        problem: `payment ${e.paymentRef} has a pay type that cannot be reversed directly (V9)`,
      };
    if (p.payType !== batchPayType)
      return { ...base, problem: `payment ${e.paymentRef} is not of this batch's pay type` };
    if (p.isSuspense === 1 || p.kind !== 'original')
      return {
        ...base,
        problem: `payment ${e.paymentRef} is a ${p.kind} payment; reverse it from Payment Center`,
      };
    return { ...base, status: 'valid', problemColumn: null, accountId: p.accountId };
  });
}

/** Runs the batch rules, the admin's column rules, the currency rule and duplicate detection over every entry of a batch (no writes). */
export function computeVerdicts(db: Database.Database, batchId: number): EntryVerdict[] {
  const batch = loadBatchRow(db, batchId);
  const verdicts = keepRowProblems(db, batchId, computeRuleVerdicts(db, batchId));
  return flagDuplicates(db, batch, applyEntryCurrencyRule(db, batch, applyColumnRules(db, batch, verdicts)));
}

/** The validator's input for one stored payment entry. */
function paymentInput(e: RawEntry): PaymentEntryInput {
  const manual = e.allocationJson
    ? (JSON.parse(e.allocationJson) as {
        manual?: boolean;
        lines?: { targetId: number; amountMinor: number }[];
      })
    : null;
  return {
    id: e.id,
    accountNo: e.accountNo,
    billNo: e.billNo,
    amountMinor: e.amountMinor,
    rowProblems: rowProblemsOf(e),
    manualSuspend: e.manualSuspend === 1 ? { reasonCode: e.reasonCode ?? 2007 } : null,
    manualAllocation: manual?.manual ? (manual.lines ?? []) : null,
  };
}

/** Runs the batch rules over every entry of a batch and returns the verdicts (no writes). */
function computeRuleVerdicts(db: Database.Database, batchId: number): EntryVerdict[] {
  const batch = loadBatchRow(db, batchId);
  const query = db.prepare(
    `SELECT id, account_no AS accountNo, bill_no AS billNo, amount_minor AS amountMinor, payment_date AS paymentDate,
            payment_ref AS paymentRef, problem, problem_column AS problemColumn, problems_json AS problemsJson, status, manual_suspend AS manualSuspend,
            reason_code AS reasonCode, allocation_json AS allocationJson, custom_json AS customJson
     FROM batch_entries WHERE batch_id = ? AND status NOT IN ('posted', 'posted_suspense') ORDER BY seq`,
  );
  if (batch.batchType === 'reversal')
    return validateReversals(db, query.all(batchId) as RawEntry[], batch.payType);
  if (batch.batchType === 'refund') return validateRefunds(db, query.all(batchId) as RawEntry[], batch);
  // Payment entries are read row by row straight into the validator's inputs: a million-entry batch never
  // holds its raw rows and the inputs at the same time.
  const inputs: PaymentEntryInput[] = [];
  for (const row of query.iterate(batchId)) inputs.push(paymentInput(row as RawEntry));
  const { byNo, byBill } = loadAccounts(db, inputs, batch.allocationLevel);
  const settings = validationSettings(db);
  return validatePaymentEntries(
    inputs,
    {
      accountByNo: (no) => byNo.get(no.toUpperCase()),
      accountByBillNo: (no) => byBill.get(no.toUpperCase()),
      convert: rateFor(db, batch.currency, batch.batchDate),
    },
    settings,
  );
}

/**
 * Writes verdicts to the entries (status, reason, problem, resolved account). The planned allocation itself is
 * not stored: submit plans again against the ledger as it is then; only manual allocations are kept.
 */
export function writeVerdicts(
  db: Database.Database,
  verdicts: readonly EntryVerdict[],
  progress: (done: number) => void = () => {},
): void {
  const upd = db.prepare(
    `UPDATE batch_entries SET status = ?, reason_code = ?, problem = ?, problem_column = ?, problems_json = ?, account_id = ?,
       duplicate_of_entry_id = ?, duplicate_of_payment_id = ? WHERE id = ?`,
  );
  for (const [n, v] of verdicts.entries()) {
    if (n % 10_000 === 0) progress(n);
    upd.run(
      v.status,
      v.reasonCode,
      v.problem,
      v.problemColumn,
      verdictProblemsJson(v),
      v.accountId,
      v.duplicateOf?.entryId ?? null,
      v.duplicateOf?.paymentId ?? null,
      v.id,
    );
  }
}

/** Validates a batch: every entry gets a status; the batch becomes "validated". */
export function validateBatch(
  db: Database.Database,
  batchId: number,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): { batch: BatchDto; elapsedMs: number } {
  const started = performance.now();
  return db.transaction(() => {
    const batch = loadBatchRow(db, batchId);
    assertEditable(batch);
    progress('checking', 0, 1);
    refreshFingerprints(db, batchId, 'missing');
    const verdicts = computeVerdicts(db, batchId);
    progress('writing', 0, verdicts.length);
    writeVerdicts(db, verdicts, (n) => progress('writing', n, verdicts.length));
    progress('writing', verdicts.length, verdicts.length);
    const at = now.toISOString();
    db.prepare(`UPDATE batches SET status = 'validated', validated_at = ?, updated_at = ? WHERE id = ?`).run(
      at,
      at,
      batchId,
    );
    const dto = getBatch(db, batchId);
    writeAudit(db, {
      at,
      operatorId,
      action: 'batch.validate',
      entity: 'batch',
      entityId: String(batchId),
      after: dto.countsByStatus,
    });
    return { batch: dto, elapsedMs: Math.round(performance.now() - started) };
  })();
}
