import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { POSTED_ENTRY_STATUSES, type BatchDto } from '../../../src-shared/dto/batches';
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
import { REASON_DOMAIN, findReasonCode } from '../../ledger/codes';
import { getSetting } from '../../ledger/settings';
import { assertEditable, getBatch, loadBatchRow } from './batch-store';
import {
  entryCurrencyRule,
  rowProblemsOf,
  rowProblemsRule,
  rowProblemsRuleOf,
  verdictProblemsJson,
} from './entry-problems';
import { duplicatesRule, refreshFingerprints } from './duplicates';
import { validateRefunds } from './refunds';

/** SQL list of the posted statuses. */
const POSTED = `(${POSTED_ENTRY_STATUSES.map((x) => `'${x}'`).join(', ')})`;

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

/** The reason code keyed with an entry (its `reasonCode` field), trimmed; null when none was keyed. */
function keyedReason(customJson: string | null): string | null {
  if (!customJson) return null;
  const v = (JSON.parse(customJson) as Record<string, unknown>).reasonCode;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function isReversalReason(db: Database.Database, code: number): boolean {
  return findReasonCode(db, REASON_DOMAIN.paymentReversal, code)?.active === true;
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
    // The reason keyed with the entry (the reasonCode field) must be an active payment reversal reason (domain 17);
    // without one, the reason a return batch set on the entry stays with it.
    const keyed = keyedReason(e.customJson);
    if (keyed !== null && !(/^\d{1,9}$/.test(keyed) && isReversalReason(db, Number(keyed))))
      return {
        ...base,
        problem: `reason code ${keyed} is not an active payment reversal reason (reason domain 17)`,
        problemColumn: 'reasonCode',
      };
    return {
      ...base,
      status: 'valid',
      problemColumn: null,
      accountId: p.accountId,
      reasonCode: keyed !== null ? Number(keyed) : e.reasonCode,
    };
  });
}

/** Columns of an unposted entry that the rules read, with what the last validation stored on it. */
const ENTRY_SQL = `e.id, e.seq, e.account_no AS accountNo, e.bill_no AS billNo, e.amount_minor AS amountMinor, e.payment_date AS paymentDate,
  e.payment_ref AS paymentRef, e.problem, e.problem_column AS problemColumn, e.problems_json AS problemsJson, e.status,
  e.manual_suspend AS manualSuspend, e.reason_code AS reasonCode, e.allocation_json AS allocationJson, e.custom_json AS customJson,
  e.account_id AS accountId, e.duplicate_of_entry_id AS dupEntryId, e.duplicate_of_payment_id AS dupPaymentId`;

/** An unposted entry as stored: its values and the verdict the last validation wrote. */
export type StoredEntry = RawEntry & {
  seq: number;
  accountId: number | null;
  dupEntryId: number | null;
  dupPaymentId: number | null;
};

type KeyedEntry = StoredEntry & { byAccount: number | null; byBill: number | null; acct: number | null };

/** One part of a batch's verdicts, with the stored entries they came from and their accounts' stamps. */
export type VerdictChunk = {
  verdicts: EntryVerdict[];
  stored: Map<number, StoredEntry>;
  /** The entries of each account the rules resolved them to (account number, else bill number). */
  byAccount: Map<number, number[]>;
  /** Each of those accounts' stamp (account_stamps.rev) as read in this transaction. */
  stamps: Map<number, number>;
};

/** Accounts per chunk of a payment batch: bounds the entries, targets and verdicts held at once. */
const ACCOUNT_CHUNK = 10_000;
/** Unresolved entries (no account by number or bill) per chunk. */
const ENTRY_CHUNK = 20_000;

/** The temp copy of an entry as the payment rules read it (payment_date, payment_ref and custom_json are not copied). */
const KEYED_SQL = `k.entry_id AS id, k.seq, k.account_no AS accountNo, k.bill_no AS billNo, k.amount_minor AS amountMinor,
  NULL AS paymentDate, NULL AS paymentRef, k.problem, k.problem_column AS problemColumn, k.problems_json AS problemsJson,
  k.status, k.manual_suspend AS manualSuspend, k.reason_code AS reasonCode, k.allocation_json AS allocationJson,
  NULL AS customJson, k.account_id AS accountId, k.dup_entry AS dupEntryId, k.dup_payment AS dupPaymentId,
  k.by_account AS byAccount, k.by_bill AS byBill`;

/**
 * Rows of KEYED_SQL (plus acct) read as arrays and made into objects of one literal shape: much cheaper per row
 * than the driver's named-column objects on a million entries.
 */
function keyedRows(raw: unknown[][]): KeyedEntry[] {
  return raw.map((r) => ({
    id: r[0] as number,
    seq: r[1] as number,
    accountNo: r[2] as string | null,
    billNo: r[3] as string | null,
    amountMinor: r[4] as number | null,
    paymentDate: null,
    paymentRef: null,
    problem: r[7] as string | null,
    problemColumn: r[8] as string | null,
    problemsJson: r[9] as string | null,
    status: r[10] as string,
    manualSuspend: r[11] as number,
    reasonCode: r[12] as number | null,
    allocationJson: r[13] as string | null,
    customJson: null,
    accountId: r[15] as number | null,
    dupEntryId: r[16] as number | null,
    dupPaymentId: r[17] as number | null,
    byAccount: r[18] as number | null,
    byBill: r[19] as number | null,
    acct: r[20] as number | null,
  }));
}

/** SQL of the account an entry resolved to: by account number, else through its bill. */
const ACCT = 'coalesce(k.by_account, k.by_bill)';

/**
 * Runs every rule over the unposted entries of a batch (or only the given ones) and hands the verdicts over chunk
 * by chunk (no writes). Payment entries are resolved set-based first (a temp table of entry to account by number
 * and through the bill, probed through the accounts and bills indexes), then planned a chunk of accounts at a
 * time: every entry of an account is in the same chunk, in entry order, so running open amounts and the
 * one-entry-per-account rule see the whole account. `progress` is called once per chunk; a throw from it (cancel)
 * rolls back the caller's transaction.
 */
export function eachVerdictChunk(
  db: Database.Database,
  batchId: number,
  onlyEntries: readonly number[] | null,
  progress: (phase: string, done: number, total: number) => void,
  onChunk: (chunk: VerdictChunk) => void,
): void {
  const batch = loadBatchRow(db, batchId);
  let rowRule = batch.batchType === 'payment' ? (v: EntryVerdict[]) => v : rowProblemsRule(db, batchId);
  const currencyRule = entryCurrencyRule(db, batch);
  const dupRule = duplicatesRule(db, batch);
  const finish = (verdicts: EntryVerdict[]) =>
    dupRule(currencyRule(applyColumnRules(db, batch, rowRule(verdicts))));
  const only = onlyEntries ? 'AND e.id IN (SELECT value FROM json_each(@only))' : '';
  const onlyArg = onlyEntries ? { only: JSON.stringify(onlyEntries) } : {};
  if (batch.batchType !== 'payment') {
    const rows = db
      .prepare(
        `SELECT ${ENTRY_SQL} FROM batch_entries e WHERE e.batch_id = @batchId AND e.status NOT IN ${POSTED} ${only} ORDER BY e.seq`,
      )
      .all({ batchId, ...onlyArg }) as StoredEntry[];
    progress('checking', 0, rows.length);
    const verdicts =
      batch.batchType === 'reversal'
        ? validateReversals(db, rows, batch.payType)
        : validateRefunds(db, rows, batch);
    onChunk({
      verdicts: finish(verdicts),
      stored: new Map(rows.map((r) => [r.id, r])),
      byAccount: new Map(),
      stamps: new Map(),
    });
    progress('checking', rows.length, rows.length);
    return;
  }
  db.exec('DROP TABLE IF EXISTS temp.validate_keys');
  db.exec(
    `CREATE TEMP TABLE validate_keys (entry_id INTEGER PRIMARY KEY, seq INTEGER, account_no TEXT, bill_no TEXT,
       amount_minor INTEGER, problem TEXT, problem_column TEXT, problems_json TEXT, status TEXT, manual_suspend INTEGER,
       reason_code INTEGER, allocation_json TEXT, account_id INTEGER, dup_entry INTEGER, dup_payment INTEGER,
       by_account INTEGER, by_bill INTEGER)`,
  );
  // The suspense accounts are few: excluding their ids keeps the account lookup on the account_key index alone.
  db.exec('DROP TABLE IF EXISTS temp.validate_suspense');
  db.exec('CREATE TEMP TABLE validate_suspense AS SELECT id FROM accounts WHERE is_suspense = 1');
  try {
    // One sequential pass copies what the rules read (not the payer, reference or custom fields) and resolves
    // every entry through the accounts and bills indexes; the chunks below read this in-memory copy by account.
    const total = db
      .prepare(
        `INSERT INTO temp.validate_keys
         SELECT e.id, e.seq, e.account_no, e.bill_no, e.amount_minor, e.problem, e.problem_column, e.problems_json, e.status,
           e.manual_suspend, e.reason_code, e.allocation_json, e.account_id, e.duplicate_of_entry_id, e.duplicate_of_payment_id,
           (SELECT a.id FROM accounts a WHERE a.account_key = upper(e.account_no) AND a.id NOT IN (SELECT id FROM temp.validate_suspense)
            ORDER BY a.id DESC LIMIT 1),
           (SELECT b.account_id FROM bills b WHERE b.bill_no = e.bill_no AND b.account_id NOT IN (SELECT id FROM temp.validate_suspense))
         FROM batch_entries e WHERE e.batch_id = @batchId AND e.status NOT IN ${POSTED} ${only}`,
      )
      .run({ batchId, ...onlyArg }).changes;
    db.exec(`CREATE INDEX temp.validate_keys_acct ON validate_keys (coalesce(by_account, by_bill), seq)`);
    // The entries with problems of their own values, from the copy rather than another pass over the batch.
    rowRule = rowProblemsRuleOf(
      db
        .prepare(
          `SELECT entry_id AS id, problems_json AS problemsJson FROM temp.validate_keys
           WHERE status <> 'posted' AND instr(problems_json, '"row":true') > 0`,
        )
        .all() as { id: number; problemsJson: string }[],
    );
    progress('checking', 0, total);
    const settings = validationSettings(db);
    const convert = rateFor(db, batch.currency, batch.batchDate);
    const accounts = (
      db
        .prepare(
          `SELECT DISTINCT ${ACCT} AS acct FROM temp.validate_keys k WHERE ${ACCT} IS NOT NULL ORDER BY 1`,
        )
        .all() as { acct: number }[]
    ).map((r) => r.acct);
    // A bill number named by entries of several accounts is counted across them (V5), so those accounts are
    // planned together in one chunk. Only a bill number that does not resolve (typed with an account number)
    // can be named under two accounts: the accounts of every entry naming such a number go in that chunk.
    const shared = new Set(
      (
        db
          .prepare(
            `SELECT DISTINCT ${ACCT} AS acct FROM temp.validate_keys k
             WHERE k.bill_no IS NOT NULL AND ${ACCT} IS NOT NULL AND upper(k.bill_no) IN (
               SELECT upper(k2.bill_no) FROM temp.validate_keys k2
               WHERE k2.bill_no IS NOT NULL AND k2.by_bill IS NULL AND k2.by_account IS NOT NULL)`,
          )
          .all() as { acct: number }[]
      ).map((r) => r.acct),
    );
    const chunks: number[][] = shared.size ? [[...shared]] : [];
    const rest = accounts.filter((a) => !shared.has(a));
    for (let i = 0; i < rest.length; i += ACCOUNT_CHUNK) chunks.push(rest.slice(i, i + ACCOUNT_CHUNK));

    const entriesOf = db.prepare(
      `SELECT ${KEYED_SQL}, ${ACCT} AS acct FROM temp.validate_keys k
       WHERE ${ACCT} IN (SELECT value FROM json_each(?)) ORDER BY ${ACCT}, k.seq`,
    );
    const factsOf = db.prepare(
      `SELECT a.id, a.account_no AS accountNo, a.status, a.currency, coalesce(u.n, 0) AS payingBillUnits
       FROM accounts a LEFT JOIN (SELECT account_id, count(*) AS n FROM bill_units
                                  WHERE paying = 1 AND account_id IN (SELECT value FROM json_each(@ids)) GROUP BY account_id) u
         ON u.account_id = a.id
       WHERE a.id IN (SELECT value FROM json_each(@ids))`,
    );
    const targetsOf = db.prepare(
      batch.allocationLevel === 'item'
        ? `SELECT i.id, i.bill_id AS billId, i.account_id AS accountId, i.open_minor AS openMinor, b.bill_no AS billNo,
                  b.bill_date AS billDate, b.due_date AS dueDate, b.amount_due_minor AS billDueMinor, u.paying
           FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id
           WHERE i.account_id IN (SELECT value FROM json_each(?)) AND i.status = 'open'`
        : `SELECT b.id, b.id AS billId, b.account_id AS accountId, b.amount_due_minor AS openMinor, b.bill_no AS billNo,
                  b.bill_date AS billDate, b.due_date AS dueDate, b.amount_due_minor AS billDueMinor, u.paying
           FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
           WHERE b.account_id IN (SELECT value FROM json_each(?)) AND b.status = 'open'`,
    );
    const stampsOf = hasPlanTables(db)
      ? db.prepare(
          `SELECT account_id AS id, rev FROM account_stamps WHERE account_id IN (SELECT value FROM json_each(?))`,
        )
      : null;
    let done = 0;
    const plan = (rows: KeyedEntry[], ids: number[]) => {
      const idsJson = JSON.stringify(ids);
      const others = new Set<number>();
      for (const r of rows) {
        if (r.byAccount !== null) others.add(r.byAccount);
        if (r.byBill !== null) others.add(r.byBill);
      }
      for (const id of ids) others.add(id);
      const facts = new Map<number, AccountFacts>();
      for (const a of factsOf.all({ ids: JSON.stringify([...others]) }) as Omit<AccountFacts, 'targets'>[])
        facts.set(a.id, { ...a, targets: [] });
      if (ids.length)
        for (const t of targetsOf.all(idsJson) as (AllocTarget & { accountId: number; paying: number })[])
          facts.get(t.accountId)?.targets.push({
            id: t.id,
            billId: t.billId,
            billNo: t.billNo,
            billDate: t.billDate,
            dueDate: t.dueDate,
            openMinor: t.openMinor,
            billDueMinor: t.billDueMinor,
            payable: t.paying === 1,
          });
      // The lookups answer for the numbers of this chunk's entries, as resolved in SQL above.
      const byNo = new Map<string, AccountFacts>();
      const byBill = new Map<string, AccountFacts>();
      const byAccount = new Map<number, number[]>();
      for (const r of rows) {
        const a = r.byAccount !== null ? facts.get(r.byAccount) : undefined;
        if (a && r.accountNo) byNo.set(r.accountNo.toUpperCase(), a);
        const b = r.byBill !== null ? facts.get(r.byBill) : undefined;
        if (b && r.billNo) byBill.set(r.billNo.toUpperCase(), b);
        if (r.acct !== null) {
          const list = byAccount.get(r.acct);
          if (list) list.push(r.id);
          else byAccount.set(r.acct, [r.id]);
        }
      }
      const verdicts = validatePaymentEntries(
        rows.map(paymentInput),
        {
          accountByNo: (no) => byNo.get(no.toUpperCase()),
          accountByBillNo: (no) => byBill.get(no.toUpperCase()),
          convert,
        },
        settings,
      );
      const stamps = new Map<number, number>(ids.map((id) => [id, 0]));
      if (ids.length && stampsOf)
        for (const s of stampsOf.all(idsJson) as { id: number; rev: number }[]) stamps.set(s.id, s.rev);
      onChunk({ verdicts: finish(verdicts), stored: new Map(rows.map((r) => [r.id, r])), byAccount, stamps });
      done += rows.length;
      progress('checking', done, total);
    };
    for (const ids of chunks)
      plan(keyedRows(entriesOf.raw(true).all(JSON.stringify(ids)) as unknown[][]), ids);
    const unresolved = db.prepare(
      `SELECT ${KEYED_SQL}, NULL AS acct FROM temp.validate_keys k
       WHERE ${ACCT} IS NULL AND k.seq > ? ORDER BY ${ACCT}, k.seq LIMIT ${ENTRY_CHUNK}`,
    );
    for (let after = -1; ;) {
      const rows = keyedRows(unresolved.raw(true).all(after) as unknown[][]);
      if (rows.length === 0) break;
      plan(rows, []);
      after = (rows[rows.length - 1] as KeyedEntry).seq;
    }
  } finally {
    db.exec('DROP TABLE IF EXISTS temp.validate_keys');
    db.exec('DROP TABLE IF EXISTS temp.validate_suspense');
  }
}

/** Runs the batch rules, the admin's column rules, the currency rule and duplicate detection over every entry of a batch (no writes), in entry order. */
export function computeVerdicts(db: Database.Database, batchId: number): EntryVerdict[] {
  const all: { seq: number; v: EntryVerdict }[] = [];
  eachVerdictChunk(
    db,
    batchId,
    null,
    () => {},
    (c) => {
      for (const v of c.verdicts) all.push({ seq: (c.stored.get(v.id) as StoredEntry).seq, v });
    },
  );
  return all.sort((a, b) => a.seq - b.seq).map((x) => x.v);
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

const UPDATE_VERDICT = `UPDATE batch_entries SET status = ?, reason_code = ?, problem = ?, problem_column = ?, problems_json = ?, account_id = ?,
       duplicate_of_entry_id = ?, duplicate_of_payment_id = ? WHERE id = ?`;

/**
 * Writes verdicts to the entries (status, reason, problem, resolved account). The planned allocation lines are
 * kept in batch_plans by validation; this writes every verdict given (submit's refusal path).
 */
export function writeVerdicts(db: Database.Database, verdicts: readonly EntryVerdict[]): void {
  const upd = db.prepare(UPDATE_VERDICT);
  for (const v of verdicts) upd.run(...verdictRow(v));
}

function verdictRow(
  v: EntryVerdict,
): [
  string,
  number | null,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  number | null,
  number,
] {
  return [
    v.status,
    v.reasonCode,
    v.problem,
    v.problemColumn,
    verdictProblemsJson(v),
    v.accountId,
    v.duplicateOf?.entryId ?? null,
    v.duplicateOf?.paymentId ?? null,
    v.id,
  ];
}

/** Whether a verdict says something else than what is stored on its entry. */
function differs(row: ReturnType<typeof verdictRow>, s: StoredEntry): boolean {
  return (
    row[0] !== s.status ||
    row[1] !== s.reasonCode ||
    row[2] !== s.problem ||
    row[3] !== s.problemColumn ||
    row[4] !== s.problemsJson ||
    row[5] !== s.accountId ||
    row[6] !== s.dupEntryId ||
    row[7] !== s.dupPaymentId
  );
}

/** The stored plan of one account: its entries, and for each planned one its amount, rate and lines. */
export type AccountPlan = {
  /** Every entry resolved to the account. */
  e: number[];
  /** [entryId, accountAmountMinor, ratePpm, then targetId, billId, amountMinor per line]. */
  p: number[][];
};

/** What a batch's plan depends on besides its accounts: the row of batch_plans with account_id 0. */
export type PlanMeta = {
  validatedAt: string;
  lockboxNo: string | null;
  sig: string;
  payments: number;
  reversals: number;
};

/** A digest of everything batch-wide the verdicts read: settings, column and custom-field rules, currencies and rates. */
export function planSignature(db: Database.Database): string {
  const hash = createHash('sha256');
  for (const table of ['settings', 'column_configs', 'custom_fields', 'currencies', 'exchange_rates'])
    hash.update(JSON.stringify(db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).raw().all()));
  return hash.digest('hex');
}

/** The batch-wide facts a plan is stamped with (duplicates look at posted payments and reversals). */
export function planMeta(db: Database.Database, validatedAt: string, lockboxNo: string | null): PlanMeta {
  const m = db
    .prepare(
      `SELECT (SELECT coalesce(max(id), 0) FROM payments) AS payments, (SELECT coalesce(max(id), 0) FROM reversals) AS reversals`,
    )
    .get() as { payments: number; reversals: number };
  return { validatedAt, lockboxNo, sig: planSignature(db), ...m };
}

/**
 * Whether the ledger has the plan tables (migration 0023). A ledger migrated only that far is what a test of
 * older migrations drives with today's code; without them validation keeps no plan and submit plans afresh.
 */
export function hasPlanTables(db: Database.Database): boolean {
  return (
    db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'batch_plans'`).get() !==
    undefined
  );
}

/** The stamp of the account and bill numbers (account_stamps row 0). */
export function keysStamp(db: Database.Database): number {
  return (
    (db.prepare('SELECT rev FROM account_stamps WHERE account_id = 0').get() as { rev: number } | undefined)
      ?.rev ?? 0
  );
}

/** Stores the plan of one chunk: per account, its entries and their planned amounts and lines. */
export function storePlanChunk(db: Database.Database, batchId: number, chunk: VerdictChunk): void {
  const ins = db.prepare('INSERT INTO batch_plans (batch_id, account_id, rev, plan) VALUES (?, ?, ?, ?)');
  const byId = new Map(chunk.verdicts.map((v) => [v.id, v]));
  for (const [accountId, ids] of chunk.byAccount) {
    const p: number[][] = [];
    for (const id of ids) {
      const v = byId.get(id);
      if (!v || v.accountAmountMinor === null) continue;
      const row = [id, v.accountAmountMinor, v.ratePpm];
      for (const l of v.lines) row.push(l.targetId, l.billId, l.amountMinor);
      p.push(row);
    }
    const plan: AccountPlan = { e: ids, p };
    ins.run(batchId, accountId, chunk.stamps.get(accountId) ?? 0, JSON.stringify(plan));
  }
}

/** Writes a chunk's verdicts where they differ from what is stored; returns how many entries changed. */
function writeChangedVerdicts(db: Database.Database, chunk: VerdictChunk): number {
  const upd = db.prepare(UPDATE_VERDICT);
  let changed = 0;
  for (const v of chunk.verdicts) {
    const row = verdictRow(v);
    const s = chunk.stored.get(v.id);
    if (s && !differs(row, s)) continue;
    upd.run(...row);
    changed++;
  }
  return changed;
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
    // The progress bar shows the entries to check from the start (counted on the status index).
    const toCheck = (
      db
        .prepare(`SELECT count(*) AS n FROM batch_entries WHERE batch_id = ? AND status NOT IN ${POSTED}`)
        .get(batchId) as { n: number }
    ).n;
    progress('checking', 0, toCheck);
    refreshFingerprints(db, batchId, 'missing');
    const at = now.toISOString();
    // Statuses by exception: only entries whose verdict differs from the stored one are written; the plan
    // (lines per entry, stamped per account) is stored for submit.
    const keepPlan = hasPlanTables(db);
    if (keepPlan) db.prepare('DELETE FROM batch_plans WHERE batch_id = ?').run(batchId);
    eachVerdictChunk(db, batchId, null, progress, (chunk) => {
      writeChangedVerdicts(db, chunk);
      if (keepPlan) storePlanChunk(db, batchId, chunk);
    });
    if (keepPlan)
      db.prepare('INSERT INTO batch_plans (batch_id, account_id, rev, plan) VALUES (?, 0, ?, ?)').run(
        batchId,
        keysStamp(db),
        JSON.stringify(planMeta(db, at, batch.lockboxNo)),
      );
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
