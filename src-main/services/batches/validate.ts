import { lockBatchIn } from '../../../db/repos/locks';
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import type { BatchDto } from '../../../src-shared/dto/batches';
import { appendAudit, type AuditEntry } from '../../../db/repos/audit';
import type { FingerprintSource } from '../../../db/repos/batches';
import { rateOnQuery } from '../../../db/repos/currencies';
import { reasonCodeQuery, type ReasonCodeRecord } from '../../../db/repos/reason-codes';
import {
  accountFactsQuery,
  accountStampsQuery,
  allocTargetsQuery,
  batchValidatedQuery,
  fingerprintsUpdateQuery,
  keysAccountsQuery,
  keysCreateQueries,
  keysDropQueries,
  keysFillQuery,
  keysIndexQueries,
  keysOfAccountsQuery,
  keysRowProblemsQuery,
  keysSharedAccountsQuery,
  keysStampQuery,
  keysUnresolvedQuery,
  lastPostingsQuery,
  missingFingerprintsQuery,
  planDeleteQuery,
  planInsertQuery,
  planTablesQuery,
  reversalPaymentQuery,
  rowProblemEntriesQuery,
  signatureQueries,
  entryCurrenciesQuery,
  unpostedCountQuery,
  unpostedEntriesQuery,
  verdictsUpdateQuery,
  type VerdictRow,
} from '../../../db/repos/validation';
import type { Dialect, Storage, Tx } from '../../../db/storage/port';
import { driverQuery } from '../../../db/storage/sqlite';
import { all, call, DRIVER, get, run, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import {
  convertMinor,
  type AllocTarget,
  type AutoPolicy,
  type OverpaymentPolicy,
  type UnderpaymentPolicy,
} from '../../domain/allocation';
import {
  BATCH_PAY_TYPES,
  validatePaymentEntries,
  type AccountFacts,
  type EntryVerdict,
  type PaymentEntryInput,
  type ValidationSettings,
} from '../../domain/batch-rules';
import { paymentFingerprint } from '../../domain/fingerprint';
import { writeAudit } from '../../ledger/audit';
import { REASON_DOMAIN } from '../../ledger/codes';
import { exponentOf, exponentOfIn, type RateConverter } from '../../ledger/rates';
import { getSetting, getSettingIn, type SettingKey } from '../../ledger/settings';
import { columnRulesSteps } from '../admin/columns';
import { assertEditable, getBatch, getBatchIn, loadBatchRow, loadBatchRowIn } from './batch-store';
import { duplicatesRuleSteps, refreshFingerprints } from './duplicates';
import { entryCurrencyRuleOf, rowProblemsOf, rowProblemsRuleOf, verdictProblemsJson } from './entry-problems';
import { validateRefundsSteps } from './refunds';

// Batch validation runs through the storage port (issue #17) and, for the code that still runs on better-sqlite3
// (submit's stored plan, undo's reversal batch), through the driver: the rules interleave reads with their own
// decisions, so they are written once as steps (db/storage/steps.ts) over the SQL of db/repos/validation.ts.

/** Which dialect a computation's SQL is built for. */
type On = { readonly dialect: Dialect };

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

const setting = (key: SettingKey) =>
  call(
    (db) => getSetting(db, key),
    (tx) => getSettingIn(tx, key),
  );

function* settingsSteps(): Steps<ValidationSettings> {
  return {
    allowAccountDup: (yield* setting('ALLOWACCOUNTDUP')) === true,
    noManualAllocation: (yield* setting('NoManualAllocation')) === true,
    searchBillAmount: (yield* setting('SearchBillAmount')) === true,
    paymentSuspense: (yield* setting('PaymentSuspense')) === true,
    policy: String(yield* setting('allocation.policy')) as AutoPolicy,
    overpayment: String(yield* setting('allocation.overpayment')) as OverpaymentPolicy,
    underpayment: String(yield* setting('allocation.underpayment')) as UnderpaymentPolicy,
  };
}

/** The validation settings in force (DOMAIN.md §5 defaults until an admin changes them). */
export function validationSettings(db: Database.Database): ValidationSettings {
  return stepsOnDriver(db, settingsSteps());
}

const exponent = (currency: string) =>
  call(
    (db) => exponentOf(db, currency),
    (tx) => exponentOfIn(tx, currency),
  );

/**
 * Conversion out of the batch currency on its date. The rules convert synchronously, so each chunk's account
 * currencies are loaded first (a rate and exponent per currency, read once per validation).
 */
function* rateTable(
  from: string,
  onDate: string,
): Steps<{ load: (currencies: Iterable<string>) => Steps<void>; convert: RateConverter }> {
  const fromExponent = yield* exponent(from);
  const cache = new Map<string, { ratePpm: number; toExponent: number } | null>();
  function* load(currencies: Iterable<string>): Steps<void> {
    for (const to of currencies) {
      if (to === from || cache.has(to)) continue;
      const row = yield* get<{ ratePpm: number }>(rateOnQuery(from, to, onDate));
      cache.set(to, row ? { ratePpm: row.ratePpm, toExponent: yield* exponent(to) } : null);
    }
  }
  const convert: RateConverter = (amountMinor, to) => {
    if (to === from) return { amountMinor, ratePpm: 1_000_000 };
    const rate = cache.get(to);
    if (rate === undefined) throw new Error(`no rate to ${to} was loaded before the rules ran`);
    if (!rate) return null;
    return {
      amountMinor: convertMinor(amountMinor, {
        ratePpm: rate.ratePpm,
        fromExponent,
        toExponent: rate.toExponent,
      }),
      ratePpm: rate.ratePpm,
    };
  };
  return { load, convert };
}

/** The reason code keyed with an entry (its `reasonCode` field), trimmed; null when none was keyed. */
function keyedReason(customJson: string | null): string | null {
  if (!customJson) return null;
  const v = (JSON.parse(customJson) as Record<string, unknown>).reasonCode;
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

/** Verdicts for reversal entries: the payment must exist, be of a reversible pay type, and not be reversed (V9). */
function* reversalVerdicts(entries: readonly RawEntry[], batchPayType: number): Steps<EntryVerdict[]> {
  const seen = new Set<number>();
  const out: EntryVerdict[] = [];
  for (const e of entries) {
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
    out.push(yield* reversalVerdict(e, base, batchPayType, seen));
  }
  return out;
}

function* reversalVerdict(
  e: RawEntry,
  base: EntryVerdict,
  batchPayType: number,
  seen: Set<number>,
): Steps<EntryVerdict> {
  if (e.problem) return { ...base, problem: e.problem, problemColumn: e.problemColumn };
  if (e.paymentRef === null) return { ...base, problem: 'a reversal entry needs the payment ID (V1)' };
  const p = yield* get<{
    id: number;
    accountId: number;
    payType: number;
    kind: string;
    isSuspense: number;
    reversed: number;
  }>(reversalPaymentQuery(e.paymentRef));
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
  if (keyed !== null) {
    const code = /^\d{1,9}$/.test(keyed)
      ? yield* get<ReasonCodeRecord>(reasonCodeQuery(REASON_DOMAIN.paymentReversal, Number(keyed)))
      : undefined;
    if (code?.active !== 1)
      return {
        ...base,
        problem: `reason code ${keyed} is not an active payment reversal reason (reason domain 17)`,
        problemColumn: 'reasonCode',
      };
  }
  return {
    ...base,
    status: 'valid',
    problemColumn: null,
    accountId: p.accountId,
    reasonCode: keyed !== null ? Number(keyed) : e.reasonCode,
  };
}

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

/**
 * Rows of the keys copy read as arrays on the driver and made into objects of one literal shape: much cheaper per
 * row than the driver's named-column objects on a million entries (the port reads them named, as it reads
 * everything).
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

const keyed = (query: SQL) =>
  call(
    (db) => {
      const { stmt, params } = driverQuery(db, query);
      return keyedRows(stmt.raw(true).all(...params) as unknown[][]);
    },
    (tx) => tx.all<KeyedEntry>(query),
  );

/** A chunk's consumer: it writes as steps (validation) or only collects (submit, the allocation dialog). */
type OnChunk = (chunk: VerdictChunk) => Steps<void> | void;

/**
 * Runs every rule over the unposted entries of a batch (or only the given ones) and hands the verdicts over chunk
 * by chunk. Payment entries are resolved set-based first (a temp table of entry to account by number and through
 * the bill, probed through the accounts and bills indexes), then planned a chunk of accounts at a time: every
 * entry of an account is in the same chunk, in entry order, so running open amounts and the one-entry-per-account
 * rule see the whole account. `progress` is called once per chunk; a throw from it (cancel) rolls back the
 * caller's transaction.
 */
function* verdictChunks(
  d: On,
  batchId: number,
  onlyEntries: readonly number[] | null,
  progress: (phase: string, done: number, total: number) => void,
  onChunk: OnChunk,
): Steps<void> {
  const batch = yield* call(
    (db) => loadBatchRow(db, batchId),
    (tx) => loadBatchRowIn(tx, batchId),
  );
  let rowRule =
    batch.batchType === 'payment'
      ? (v: EntryVerdict[]) => v
      : rowProblemsRuleOf(
          yield* all<{ id: number; problemsJson: string }>(rowProblemEntriesQuery(d, batchId)),
        );
  const currencyRule = entryCurrencyRuleOf(
    batch,
    yield* all<{ id: number; currency: string; known: number }>(entryCurrenciesQuery(batch)),
  );
  const dupRule = yield* duplicatesRuleSteps(d, batch);
  function* finish(verdicts: EntryVerdict[]): Steps<EntryVerdict[]> {
    return dupRule(currencyRule(yield* columnRulesSteps(d, batch, rowRule(verdicts))));
  }
  if (batch.batchType !== 'payment') {
    const rows = yield* all<StoredEntry>(unpostedEntriesQuery(d, batchId, onlyEntries));
    progress('checking', 0, rows.length);
    const verdicts =
      batch.batchType === 'reversal'
        ? yield* reversalVerdicts(rows, batch.payType)
        : yield* validateRefundsSteps(d, rows, batch);
    const writes = onChunk({
      verdicts: yield* finish(verdicts),
      stored: new Map(rows.map((r) => [r.id, r])),
      byAccount: new Map(),
      stamps: new Map(),
    });
    if (writes) yield* writes;
    progress('checking', rows.length, rows.length);
    return;
  }
  for (const q of keysDropQueries(d)) yield* run(q);
  for (const q of keysCreateQueries(d)) yield* run(q);
  const total = yield* run(keysFillQuery(d, batchId, onlyEntries));
  for (const q of keysIndexQueries(d)) yield* run(q);
  // The entries with problems of their own values, from the copy rather than another pass over the batch.
  rowRule = rowProblemsRuleOf(yield* all<{ id: number; problemsJson: string }>(keysRowProblemsQuery(d)));
  progress('checking', 0, total);
  const settings = yield* settingsSteps();
  const rates = yield* rateTable(batch.currency, batch.batchDate);
  const accounts = (yield* all<{ acct: number }>(keysAccountsQuery())).map((r) => r.acct);
  // A bill number named by entries of several accounts is counted across them (V5), so those accounts are
  // planned together in one chunk.
  const shared = new Set((yield* all<{ acct: number }>(keysSharedAccountsQuery())).map((r) => r.acct));
  const chunks: number[][] = shared.size ? [[...shared]] : [];
  const rest = accounts.filter((a) => !shared.has(a));
  for (let i = 0; i < rest.length; i += ACCOUNT_CHUNK) chunks.push(rest.slice(i, i + ACCOUNT_CHUNK));
  const keepsStamps = yield* hasPlanTablesSteps(d);
  let done = 0;
  function* plan(rows: KeyedEntry[], ids: number[]): Steps<void> {
    const others = new Set<number>();
    for (const r of rows) {
      if (r.byAccount !== null) others.add(r.byAccount);
      if (r.byBill !== null) others.add(r.byBill);
    }
    for (const id of ids) others.add(id);
    const facts = new Map<number, AccountFacts>();
    if (others.size)
      for (const a of yield* all<Omit<AccountFacts, 'targets'>>(accountFactsQuery(d, [...others])))
        facts.set(a.id, { ...a, targets: [] });
    if (ids.length)
      for (const t of yield* all<AllocTarget & { accountId: number; paying: number }>(
        allocTargetsQuery(d, batch.allocationLevel, ids),
      ))
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
    yield* rates.load(new Set([...facts.values()].map((a) => a.currency)));
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
        convert: rates.convert,
      },
      settings,
    );
    const stamps = new Map<number, number>(ids.map((id) => [id, 0]));
    if (ids.length && keepsStamps)
      for (const s of yield* all<{ id: number; rev: number }>(accountStampsQuery(d, ids)))
        stamps.set(s.id, s.rev);
    const writes = onChunk({
      verdicts: yield* finish(verdicts),
      stored: new Map(rows.map((r) => [r.id, r])),
      byAccount,
      stamps,
    });
    if (writes) yield* writes;
    done += rows.length;
    progress('checking', done, total);
  }
  for (const ids of chunks) yield* plan(yield* keyed(keysOfAccountsQuery(d, ids)), ids);
  for (let after = -1; ;) {
    const rows = yield* keyed(keysUnresolvedQuery(after, ENTRY_CHUNK));
    if (rows.length === 0) break;
    yield* plan(rows, []);
    after = (rows[rows.length - 1] as KeyedEntry).seq;
  }
  // SQLite keeps a temp table for the connection's life; PostgreSQL's goes with the commit.
  if (d.dialect === 'sqlite') for (const q of keysDropQueries(d)) yield* run(q);
}

/**
 * The verdicts of a batch's unposted entries (or only the given ones), chunk by chunk, through the driver (no
 * writes; the caller's transaction). A throw from `progress` (cancel) rolls back the caller's transaction.
 */
export function eachVerdictChunk(
  db: Database.Database,
  batchId: number,
  onlyEntries: readonly number[] | null,
  progress: (phase: string, done: number, total: number) => void,
  onChunk: (chunk: VerdictChunk) => void,
): void {
  stepsOnDriver(
    db,
    verdictChunks(DRIVER, batchId, onlyEntries, progress, (chunk) => onChunk(chunk)),
  );
}

function* verdictsSteps(d: On, batchId: number): Steps<EntryVerdict[]> {
  const out: { seq: number; v: EntryVerdict }[] = [];
  yield* verdictChunks(
    d,
    batchId,
    null,
    () => {},
    (c) => {
      for (const v of c.verdicts) out.push({ seq: (c.stored.get(v.id) as StoredEntry).seq, v });
    },
  );
  return out.sort((a, b) => a.seq - b.seq).map((x) => x.v);
}

/** Runs the batch rules, the admin's column rules, the currency rule and duplicate detection over every entry of a batch (no writes), in entry order. */
export function computeVerdicts(db: Database.Database, batchId: number): EntryVerdict[] {
  return stepsOnDriver(db, verdictsSteps(DRIVER, batchId));
}

/**
 * computeVerdicts in a port transaction. It writes the keys copy of a payment batch (a temporary table), so the
 * transaction may not be read-only on PostgreSQL. Every rule, a refund batch's included, runs on the port.
 */
export function computeVerdictsIn(tx: Tx, batchId: number): Promise<EntryVerdict[]> {
  return stepsIn(tx, verdictsSteps(tx, batchId));
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

function verdictRow(v: EntryVerdict): VerdictRow {
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

/**
 * Writes verdicts to the entries (status, reason, problem, resolved account). The planned allocation lines are
 * kept in batch_plans by validation; this writes every verdict given (submit's refusal path).
 */
export function writeVerdicts(db: Database.Database, verdicts: readonly EntryVerdict[]): void {
  if (verdicts.length) stepsOnDriver(db, run(verdictsUpdateQuery(DRIVER, verdicts.map(verdictRow))));
}

/** writeVerdicts in a port transaction. */
export async function writeVerdictsIn(tx: Tx, verdicts: readonly EntryVerdict[]): Promise<void> {
  if (verdicts.length) await tx.run(verdictsUpdateQuery(tx, verdicts.map(verdictRow)));
}

/** Whether a verdict says something else than what is stored on its entry. */
function differs(row: VerdictRow, s: StoredEntry): boolean {
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

function* signatureSteps(d: On): Steps<string> {
  const hash = createHash('sha256');
  for (const q of signatureQueries(d))
    hash.update(JSON.stringify((yield* all<Record<string, unknown>>(q)).map((r) => Object.values(r))));
  return hash.digest('hex');
}

/** A digest of everything batch-wide the verdicts read: settings, column and custom-field rules, currencies and rates. */
export function planSignature(db: Database.Database): string {
  return stepsOnDriver(db, signatureSteps(DRIVER));
}

function* planMetaSteps(d: On, validatedAt: string, lockboxNo: string | null): Steps<PlanMeta> {
  const m = (yield* get<{ payments: number; reversals: number }>(lastPostingsQuery()))!;
  return {
    validatedAt,
    lockboxNo,
    sig: yield* signatureSteps(d),
    payments: m.payments,
    reversals: m.reversals,
  };
}

/** The batch-wide facts a plan is stamped with (duplicates look at posted payments and reversals). */
export function planMeta(db: Database.Database, validatedAt: string, lockboxNo: string | null): PlanMeta {
  return stepsOnDriver(db, planMetaSteps(DRIVER, validatedAt, lockboxNo));
}

function* hasPlanTablesSteps(d: On): Steps<boolean> {
  return (yield* get(planTablesQuery(d))) !== undefined;
}

/**
 * Whether the ledger has the plan tables (migration 0023). A ledger migrated only that far is what a test of
 * older migrations drives with today's code; without them validation keeps no plan and submit plans afresh.
 */
export function hasPlanTables(db: Database.Database): boolean {
  return stepsOnDriver(db, hasPlanTablesSteps(DRIVER));
}

function* keysStampSteps(): Steps<number> {
  return (yield* get<{ rev: number }>(keysStampQuery()))?.rev ?? 0;
}

/** The stamp of the account and bill numbers (account_stamps row 0). */
export function keysStamp(db: Database.Database): number {
  return stepsOnDriver(db, keysStampSteps());
}

function* storePlanSteps(d: On, batchId: number, chunk: VerdictChunk): Steps<void> {
  const byId = new Map(chunk.verdicts.map((v) => [v.id, v]));
  const rows: [number, number, string][] = [];
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
    rows.push([accountId, chunk.stamps.get(accountId) ?? 0, JSON.stringify(plan)]);
  }
  if (rows.length) yield* run(planInsertQuery(d, batchId, rows));
}

/** Stores the plan of one chunk: per account, its entries and their planned amounts and lines. */
export function storePlanChunk(db: Database.Database, batchId: number, chunk: VerdictChunk): void {
  stepsOnDriver(db, storePlanSteps(DRIVER, batchId, chunk));
}

/** Writes a chunk's verdicts where they differ from what is stored. */
function* writeChangedSteps(d: On, chunk: VerdictChunk): Steps<void> {
  const rows: VerdictRow[] = [];
  for (const v of chunk.verdicts) {
    const row = verdictRow(v);
    const s = chunk.stored.get(v.id);
    if (!s || differs(row, s)) rows.push(row);
  }
  if (rows.length) yield* run(verdictsUpdateQuery(d, rows));
}

/**
 * The fingerprints validation fills (entries that have none yet), computed here rather than by the driver's SQL
 * function: PostgreSQL has none, and the port has no connection to register one on.
 */
async function refreshMissingIn(tx: Tx, batchId: number): Promise<void> {
  const rows = await tx.all<Omit<FingerprintSource, 'fingerprint'>>(missingFingerprintsQuery(batchId));
  const found: [string, number][] = [];
  for (const { id, ...r } of rows) {
    const fp = paymentFingerprint(r);
    if (fp !== null) found.push([fp, id]);
  }
  if (found.length) await tx.run(fingerprintsUpdateQuery(tx, found));
}

function* validateSteps(
  d: On,
  batchId: number,
  at: string,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void,
): Steps<BatchDto> {
  const batch = yield* call(
    (db) => loadBatchRow(db, batchId),
    (tx) => loadBatchRowIn(tx, batchId),
  );
  assertEditable(batch);
  // The progress bar shows the entries to check from the start (counted on the status index).
  progress('checking', 0, (yield* get<{ n: number }>(unpostedCountQuery(batchId)))!.n);
  yield* call(
    (db) => refreshFingerprints(db, batchId, 'missing'),
    (tx) => refreshMissingIn(tx, batchId),
  );
  // Statuses by exception: only entries whose verdict differs from the stored one are written; the plan
  // (lines per entry, stamped per account) is stored for submit.
  const keepPlan = yield* hasPlanTablesSteps(d);
  if (keepPlan) yield* run(planDeleteQuery(batchId));
  yield* verdictChunks(d, batchId, null, progress, function* (chunk) {
    yield* writeChangedSteps(d, chunk);
    if (keepPlan) yield* storePlanSteps(d, batchId, chunk);
  });
  if (keepPlan)
    yield* run(
      planInsertQuery(d, batchId, [
        [0, yield* keysStampSteps(), JSON.stringify(yield* planMetaSteps(d, at, batch.lockboxNo))],
      ]),
    );
  yield* run(batchValidatedQuery(batchId, at));
  const dto = yield* call(
    (db) => getBatch(db, batchId),
    (tx) => getBatchIn(tx, batchId),
  );
  const audit: AuditEntry = {
    at,
    operatorId,
    action: 'batch.validate',
    entity: 'batch',
    entityId: String(batchId),
    after: dto.countsByStatus,
  };
  yield* call(
    (db) => writeAudit(db, audit),
    (tx) => appendAudit(tx, audit),
  );
  return dto;
}

/** Validates a batch through the driver (undo's reversal batch): every entry gets a status; the batch becomes "validated". */
export function validateBatch(
  db: Database.Database,
  batchId: number,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): { batch: BatchDto; elapsedMs: number } {
  const started = performance.now();
  const batch = db.transaction(() =>
    stepsOnDriver(db, validateSteps(DRIVER, batchId, now.toISOString(), operatorId, progress)),
  )();
  return { batch, elapsedMs: Math.round(performance.now() - started) };
}

/**
 * Validates a batch (`batches:validate`, the 'batch-validate' job) in one locking port transaction: the batch's row
 * is locked first, so a save into the batch or another validation waits for it (or it for them), and then it
 * reads the batch and the accounts it names and writes the verdicts and the plan. Postings to its accounts go on
 * meanwhile (on PostgreSQL each read sees the latest commit; a serializable validation of 100,000 entries was
 * restarted by every concurrent writer): the verdicts are advice, which submit checks again against the ledger
 * under the accounts' locks. A throw from `progress` (cancel) rolls it back.
 */
export async function validateBatchVia(
  storage: Storage,
  batchId: number,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): Promise<{ batch: BatchDto; elapsedMs: number }> {
  const started = performance.now();
  const batch = await storage.transaction(
    async (tx) => {
      await lockBatchIn(tx, batchId);
      return stepsIn(tx, validateSteps(tx, batchId, now.toISOString(), operatorId, progress));
    },
    { locking: true },
  );
  return { batch, elapsedMs: Math.round(performance.now() - started) };
}

/** Validation in the caller's port transaction (an undo builds and validates its reversal batch in one). */
export function validateBatchIn(
  tx: Tx,
  batchId: number,
  now: Date,
  operatorId: number | null,
): Promise<BatchDto> {
  return stepsIn(
    tx,
    validateSteps(tx, batchId, now.toISOString(), operatorId, () => {}),
  );
}
