import type Database from 'better-sqlite3';
import {
  depositCandidatesQuery,
  refundCandidatesQuery,
  type DepositCandidate,
  type RefundCandidate,
} from '../../../db/repos/measures';
import {
  collectCandidatesQuery,
  neverRetryTokensQuery,
  openCheckpointBillsQuery,
  recentRunIdsQuery,
  runHeadQuery,
  runPostedQuery,
  runTotalsQuery,
  tokenAttemptsQuery,
  workflowItemsQuery,
  runCloseQuery,
  runInsertQuery,
  type CollectCandidate,
  type RunHead,
  type RunPostedRow,
  type RunTotalRow,
} from '../../../db/repos/collect-runs';
import { appendAudit } from '../../../db/repos/audit';
import {
  subjectCount,
  subjectCountsQuery,
  txnReserveUnchangedQuery,
  txnReserveUntakenQuery,
  txnWatermarkQuery,
  type SubjectCountRow,
} from '../../../db/repos/processor-txns';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverGet, driverRun } from '../../../db/storage/sqlite';
import { all, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import type { AmountDto, CollectRunDto, WorkflowItemDto } from '../../../src-shared/dto/processors';
import { addDays, isoDate } from '../../domain/dates';
import { crashPoint } from '../../ledger/crash-point';
import {
  ProcessorTransportError,
  RESULT,
  resultName,
  type PaymentProcessor,
  type ProcessorReply,
  type ProcessorRequestItem,
} from '../../processors/port';
import { writeAudit } from '../../ledger/audit';
import { cancelled, invalidFields, notFound } from '../../ledger/errors';
import { exponentStep } from '../../ledger/rates';
import { getSetting, getSettingIn, settingStep } from '../../ledger/settings';
import {
  connectProcessor,
  findProcessor,
  findProcessorIn,
  merchantFor,
  recordHealth,
  recordHealthIn,
  type ProcessorRow,
} from './config';
import { NEVER_RETRY_RESULTS } from './declines';
import { postRefundTxn, postRefundTxnIn } from './refunds';
import {
  keyPrefix,
  keyPrefixIn,
  postSettled,
  postSettledIn,
  recordReplies,
  recordRepliesIn,
  reserveUntakenTxns,
  settleNotSent,
  settleNotSentIn,
  type TxnDraft,
} from './txns';

/** Options of a collection run (pin_collect, DOMAIN.md §4.1). */
export type CollectOptions = {
  processor?: string | undefined;
  /** First collection date of the window; default yesterday. */
  start?: string | undefined;
  /** Last collection date of the window; default today. */
  end?: string | undefined;
  /** `-start 0`: only the run day. */
  todayOnly?: boolean | undefined;
  /** Collect every outstanding bill whatever its collection date, on active, inactive and closed accounts. */
  rebill?: boolean | undefined;
  /** Override of the minimum amount setting, as a decimal string. */
  minimumAmount?: string | undefined;
  concurrency?: number | undefined;
  batchSize?: number | undefined;
};

/** Progress callback (phase, done, total). */
export type Progress = (phase: string, done: number, total: number) => void;

/** What a run needs from outside: ledger, clock, operator, and optionally a processor port (tests, bench). */
export type RunEnv = {
  db: Database.Database;
  ledgerFile: string;
  now: Date;
  operatorId: number;
  progress: Progress;
  port?: PaymentProcessor | undefined;
  /**
   * Cancels the run at a chunk boundary: no new processor batch is started, the batches in flight are answered,
   * recorded and posted, the run is closed as `cancelled`, and the run throws the `cancelled` failure.
   */
  signal?: AbortSignal | undefined;
};

/**
 * What a run on the storage port needs (a ledger that is not SQLite): RunEnv with the port in place of the driver.
 * Each chunk is reserved in one serializable transaction, sent with none open, and its replies recorded and posted
 * in another.
 */
export type RunEnvVia = Omit<RunEnv, 'db'> & { storage: Storage };

/** One request a run would send: the bill or transaction it follows, the card or bank token, the amount. */
export type SelectedItem = {
  ref: number;
  accountNo: string;
  token: string;
  merchant: string;
  currency: string;
  amountMinor: number;
};

/** Exactly what a run would send, computed without writing anything (the preview of a confirmation). */
export type RunSelection = {
  kind: CollectRunDto['kind'];
  processor: { id: number; name: string };
  window: { start: string | null; end: string | null };
  items: SelectedItem[];
  skipped: Record<string, number>;
};

/** Checks a run's selection before anything is written or sent (the confirm step); throws to refuse. */
export type RunGuard = (selection: RunSelection) => void;

/** RunGuard of a run on the port: it may confirm in a transaction of its own. */
export type RunGuardVia = (selection: RunSelection) => void | Promise<void>;

/** A bill a collection run sends, with the token it charges and the merchant account it goes through. */
type CollectRow = CollectCandidate & { token: string; merchant: string };

/** Minor units of a decimal minimum such as "2.00" in a currency (extra decimals are cut, never rounded up). */
export function minimumMinor(text: string, exponent: number): number {
  const m = /^(\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) return 0;
  const fraction = (m[2] ?? '').padEnd(exponent, '0').slice(0, exponent);
  return Number(m[1]) * 10 ** exponent + (fraction ? Number(fraction) : 0);
}

/**
 * The collection date of a bill under a policy (DOMAIN.md §4.16): finalization (bill date), due date, or N
 * days before due; a date before finalization is ignored (delayed billing) and the bill date used instead.
 */
export function collectionDate(policy: string, billDate: string, dueDate: string): string {
  if (policy === 'due') return dueDate;
  const m = /^before-due:(\d{1,3})$/.exec(policy);
  if (m) {
    const d = addDays(dueDate, -Number(m[1]));
    return d < billDate ? billDate : d;
  }
  return billDate;
}

/** The collection window: two days by default (yesterday and today), `todayOnly` for -start 0. */
export function collectWindow(today: string, o: CollectOptions): { start: string; end: string } {
  if (o.todayOnly) return { start: today, end: o.end ?? today };
  const end = o.end ?? today;
  const start = o.start ?? addDays(today, -1);
  // pin_collect's rule: start == end, or start today without an end, still means the two-day default.
  if (start === end && o.start !== undefined && o.end !== undefined && o.start === o.end)
    return { start: addDays(end, -1), end };
  if (o.start === today && o.end === undefined) return { start: addDays(today, -1), end: today };
  return { start, end };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs tasks with at most `limit` in flight; once the signal is aborted no new task starts. */
async function pool<T>(
  tasks: readonly (() => Promise<T>)[],
  limit: number,
  signal?: AbortSignal,
): Promise<T[]> {
  const out: T[] = new Array<T>(tasks.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, async () => {
    while (next < tasks.length && !signal?.aborted) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  });
  await Promise.all(workers);
  return out;
}

type Chunk = { drafts: TxnDraft[]; items: ProcessorRequestItem[] };

/** The progress phase of a chunk: the run kind, not the processor command. */
function phaseOf(chunk: Chunk): string {
  const command = chunk.drafts[0]?.command;
  return command === 'deposit' ? 'deposit' : command === 'refund' ? 'refund' : 'collect';
}

type Counters = {
  sent: number;
  unresolved: number;
  latencies: number[];
  notSent: number;
  done: number;
  /** Selected, then taken by another run or payment before this run's turn came (never sent by this run). */
  taken: number;
};

const newCounters = (): Counters => ({
  sent: 0,
  unresolved: 0,
  latencies: [],
  notSent: 0,
  done: 0,
  taken: 0,
});

/**
 * A run's selection and the highest processor record id, read in one snapshot: a record above that id was made
 * after the selection, which is how a chunk's reservation tells a subject another run took meanwhile.
 */
function selectInSnapshot<T>(db: Database.Database, select: () => T): { sel: T; watermark: number } {
  return db
    .transaction(() => ({ sel: select(), watermark: driverGet<{ id: number }>(db, txnWatermarkQuery())!.id }))
    .deferred();
}

/**
 * Sends one processor batch: reserve (999, one transaction), send (no transaction), record replies
 * (1000 + code), post (plain code). Transport failures leave 999 unless the request certainly never left.
 * The reservation is the point of truth against another run selecting the same subjects while this one waited
 * for its turn: a draft whose subject got a record after this run's selection (`watermark`) is not reserved,
 * not sent, and counted as taken.
 */
async function sendChunk(
  env: RunEnv,
  port: PaymentProcessor,
  chunk: Chunk,
  c: Counters,
  total: number,
  watermark: number,
): Promise<void> {
  const at = env.now.toISOString();
  const today = isoDate(env.now);
  const reserved = reserveUntakenTxns(env.db, chunk.drafts, at, env.operatorId, watermark);
  crashPoint();
  const ids = reserved.filter((id): id is number => id !== null);
  const items = chunk.items.filter((_, k) => reserved[k] !== null);
  c.taken += chunk.drafts.length - ids.length;
  if (ids.length === 0) {
    c.done += chunk.drafts.length;
    env.progress(phaseOf(chunk), c.done, total);
    return;
  }
  const started = performance.now();
  let replies: ProcessorReply[];
  try {
    replies = await port.batch(chunk.drafts[0]!.batchKey!, items);
  } catch (err) {
    if (err instanceof ProcessorTransportError && err.failure.kind === 'not_sent') {
      settleNotSent(env.db, ids, new Date().toISOString());
      c.notSent += ids.length;
    } else {
      c.unresolved += ids.length;
    }
    c.done += chunk.drafts.length;
    env.progress(phaseOf(chunk), c.done, total);
    return;
  }
  c.latencies.push(performance.now() - started);
  c.sent += ids.length;
  const moved = recordReplies(env.db, replies, new Date().toISOString());
  crashPoint();
  c.unresolved += ids.length - moved.length;
  const refunds = chunk.drafts[0]!.command === 'refund';
  if (refunds) for (const id of moved) postRefundTxn(env.db, id, at, today, env.operatorId);
  else postSettled(env.db, moved, at, today, env.operatorId);
  c.done += chunk.drafts.length;
  env.progress(phaseOf(chunk), c.done, total);
}

function startRun(
  env: RunEnv,
  kind: CollectRunDto['kind'],
  proc: ProcessorRow,
  window: { start: string | null; end: string | null },
  options: unknown,
): number {
  return env.db.transaction(() => {
    const id = driverGet<{ id: number }>(
      env.db,
      runInsertQuery(newRun(env, kind, proc, window, options)),
    )!.id;
    writeAudit(env.db, startAudit(env, kind, proc, window, options, id));
    return id;
  })();
}

function newRun(
  env: Pick<RunEnv, 'now' | 'operatorId'>,
  kind: CollectRunDto['kind'],
  proc: ProcessorRow,
  window: { start: string | null; end: string | null },
  options: unknown,
) {
  return {
    kind,
    processorId: proc.id,
    window,
    optionsJson: JSON.stringify(options),
    at: env.now.toISOString(),
    operatorId: env.operatorId,
  };
}

function startAudit(
  env: Pick<RunEnv, 'now' | 'operatorId'>,
  kind: CollectRunDto['kind'],
  proc: ProcessorRow,
  window: { start: string | null; end: string | null },
  options: unknown,
  runId: number,
) {
  return {
    at: env.now.toISOString(),
    operatorId: env.operatorId,
    action: `${kind}.start`,
    entity: 'collect_run',
    entityId: String(runId),
    after: { processor: proc.name, ...window, options },
  };
}

/** What closing a run writes on its record. */
function runClose(
  status: 'done' | 'failed' | 'cancelled',
  selected: number,
  skipped: Record<string, number>,
  c: Counters,
  startedMs: number,
  finishedAt: string,
) {
  return {
    status,
    selected,
    skippedJson: JSON.stringify(skipped),
    finishedAt,
    totalsJson: JSON.stringify({
      sent: c.sent,
      elapsedMs: Math.round(performance.now() - startedMs),
      latencyMs: latencySummary(c.latencies),
    }),
  };
}

/** The audit row of a cancelled run. */
function cancelAudit(
  env: Pick<RunEnv, 'operatorId'>,
  run: CollectRunDto,
  at: string,
  c: Counters,
  selected: number,
) {
  return {
    at,
    operatorId: env.operatorId,
    action: `${run.kind}.cancel`,
    entity: 'collect_run',
    entityId: String(run.runId),
    after: { selected, done: c.done, sent: c.sent, unresolved: run.unresolved },
  };
}

/** The `cancelled` failure of a run closed at a chunk boundary. */
function cancelledRun(run: CollectRunDto, c: Counters, selected: number) {
  return cancelled(
    `${run.kind} run ${run.runId} cancelled after ${c.done} of ${selected}: what was sent is recorded` +
      (run.unresolved > 0 ? ` (${run.unresolved} unresolved, see recovery)` : '') +
      '; the rest was not sent and a new run picks it up',
  );
}

function finishRun(
  env: RunEnv,
  runId: number,
  selected: number,
  skipped: Record<string, number>,
  c: Counters,
  startedMs: number,
  failed: boolean,
): CollectRunDto {
  // `taken` appears only when it happened, so a run's skip reasons keep their documented shape otherwise.
  if (c.taken > 0) skipped = { ...skipped, taken: c.taken };
  // A cancelled run closes at the chunk boundary it reached, then tells the caller it was cancelled.
  if (env.signal?.aborted) return cancelRun(env, runId, selected, skipped, c, startedMs);
  const finishedAt = new Date(env.now.getTime() + (performance.now() - startedMs)).toISOString();
  driverRun(
    env.db,
    runCloseQuery(runId, runClose(failed ? 'failed' : 'done', selected, skipped, c, startedMs, finishedAt)),
  );
  return getRun(env.db, runId);
}

/** A run cancelled before it started writes nothing: no run record, nothing sent. */
function notCancelled(env: Pick<RunEnv, 'signal'>, kind: CollectRunDto['kind']): void {
  if (env.signal?.aborted) throw cancelled(`${kind} run cancelled before it started: nothing was sent`);
}

/** Closes a cancelled run (what was sent is recorded and posted) and throws the `cancelled` failure. */
function cancelRun(
  env: RunEnv,
  runId: number,
  selected: number,
  skipped: Record<string, number>,
  c: Counters,
  startedMs: number,
): never {
  const at = new Date(env.now.getTime() + (performance.now() - startedMs)).toISOString();
  const run = env.db.transaction(() => {
    driverRun(env.db, runCloseQuery(runId, runClose('cancelled', selected, skipped, c, startedMs, at)));
    const dto = getRun(env.db, runId);
    writeAudit(env.db, cancelAudit(env, dto, at, c, selected));
    return dto;
  })();
  throw cancelledRun(run, c, selected);
}

function latencySummary(l: number[]): CollectRunDto['latencyMs'] {
  if (l.length === 0) return null;
  const s = [...l].sort((a, b) => a - b);
  return {
    p50: Math.round(percentile(s, 50)),
    p95: Math.round(percentile(s, 95)),
    p99: Math.round(percentile(s, 99)),
    max: Math.round(s[s.length - 1]!),
  };
}

/** Groups rows of (key, currency, count, amount) into one entry per key with its amounts per currency. */
export function groupAmounts<T extends { currency: string; count: number; amountMinor: number }, K>(
  rows: readonly T[],
  keyOf: (row: T) => K,
): { key: K; count: number; amounts: AmountDto[]; first: T }[] {
  const out: { key: K; count: number; amounts: AmountDto[]; first: T }[] = [];
  for (const row of rows) {
    const key = keyOf(row);
    let g = out.find((o) => o.key === key);
    if (!g) out.push((g = { key, count: 0, amounts: [], first: row }));
    g.count += row.count;
    g.amounts.push({ currency: row.currency, amountMinor: row.amountMinor });
  }
  return out;
}

/** The reasons a bill can be skipped by a run, each counted (0 when none). */
const SKIP_REASONS_ZERO = {
  belowMinimum: 0,
  openCheckpoint: 0,
  suspended: 0,
  noPaymentMethod: 0,
  neverRetry: 0,
  networkCap: 0,
  noMerchant: 0,
};

/** A run with its totals per result, counted from its transaction records (db/repos/collect-runs.ts). */
function* runSteps(runId: number): Steps<CollectRunDto> {
  const r = yield* get<RunHead>(runHeadQuery(runId));
  if (!r) throw notFound('run', String(runId));
  const totals = groupAmounts(yield* all<RunTotalRow>(runTotalsQuery(runId)), (g) => g.result).map((t) => ({
    result: t.key,
    name: resultName(t.key),
    count: t.count,
    amounts: t.amounts,
  }));
  const postedRows = yield* all<RunPostedRow>(runPostedQuery(runId, r.kind));
  const extra = r.totalsJson
    ? (JSON.parse(r.totalsJson) as { sent: number; elapsedMs: number; latencyMs: CollectRunDto['latencyMs'] })
    : null;
  return {
    runId: r.id,
    kind: r.kind,
    processor: r.processor,
    windowStart: r.windowStart,
    windowEnd: r.windowEnd,
    status: r.status,
    selected: r.selected,
    sent: extra?.sent ?? 0,
    totals,
    postedCount: postedRows.reduce((s, p) => s + p.n, 0),
    posted: postedRows.map((p) => ({ currency: p.currency, amountMinor: p.s })),
    unresolved: totals
      .filter((t) => t.result === RESULT.checkpoint || t.result >= RESULT.offset)
      .reduce((s, t) => s + t.count, 0),
    // Every reason is present (0 when none), so callers read one fixed shape.
    skipped: {
      ...SKIP_REASONS_ZERO,
      ...(r.skippedJson ? (JSON.parse(r.skippedJson) as Record<string, number>) : {}),
    },
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    elapsedMs: extra?.elapsedMs ?? null,
    latencyMs: extra?.latencyMs ?? null,
  };
}

/** A run with its totals, through the driver: the runs (still on it) answer the run they closed. */
export function getRun(db: Database.Database, runId: number): CollectRunDto {
  return stepsOnDriver(db, runSteps(runId));
}

/** getRun in the caller's port transaction. */
export function getRunIn(tx: Tx, runId: number): Promise<CollectRunDto> {
  return stepsIn(tx, runSteps(runId));
}

/** Recent runs, newest first, from one read-only snapshot. */
export function listRuns(storage: Storage, limit: number): Promise<CollectRunDto[]> {
  return storage.transaction(
    async (tx) => {
      const runs: CollectRunDto[] = [];
      for (const r of await tx.all<{ id: number }>(recentRunIdsQuery(limit)))
        runs.push(await getRunIn(tx, r.id));
      return runs;
    },
    { readOnly: true },
  );
}

/** Card-network caps: attempts left per card token, Visa-like per 30 days, Mastercard-like per 24 hours. */
function* networkAllowance(now: Date): Steps<(token: string, brand: string | null) => Steps<number>> {
  const visaCap = Number(yield* settingStep('collect.visaCap30d'));
  const mcCap = Number(yield* settingStep('collect.mastercardCap24h'));
  const since30 = new Date(now.getTime() - 30 * 86_400_000).toISOString();
  const since1 = new Date(now.getTime() - 86_400_000).toISOString();
  const attempts = function* (token: string, since: string): Steps<number> {
    return (yield* get<{ n: number }>(tokenAttemptsQuery(token, since)))!.n;
  };
  return function* (token, brand) {
    if (brand === 'MC') return mcCap - (yield* attempts(token, since1));
    if (brand === 'VI') return visaCap - (yield* attempts(token, since30));
    return Number.POSITIVE_INFINITY;
  };
}

/**
 * Collects due bills of card accounts through one processor (pin_collect; direct-debit and SEPA accounts are
 * collected by bank file, `dd run`): selects by
 * collection date in the window (or every outstanding bill with rebill), skips bills under the minimum, bills
 * with an open checkpoint (V12), suspended accounts, cards over their network cap or after a never-retry
 * decline, then sends processor batches with bounded concurrency and posts each approval as a payment
 * allocated to its bill. The guard sees the exact selection before anything is written (the confirm step).
 */
export async function runCollect(env: RunEnv, o: CollectOptions, guard?: RunGuard): Promise<CollectRunDto> {
  const db = env.db;
  const startedMs = performance.now();
  const proc = findProcessor(db, o.processor);
  const { sel, watermark } = selectInSnapshot(db, () => selectCollect(db, env.now, proc, o));
  guard?.(collectSelection(proc, sel));
  notCancelled(env, 'collect');
  const port = env.port ?? connectProcessor(proc, env.ledgerFile);
  const runId = startRun(env, 'collect', proc, sel.window, o);
  const skipped = sel.skipped;
  const prefix = keyPrefix(db);
  const batchSize = o.batchSize ?? Number(getSetting(db, 'collect.batchSize'));
  const concurrency = o.concurrency ?? Number(getSetting(db, 'collect.concurrency'));
  const chunks = collectChunks(sel.rows, proc, runId, prefix, batchSize);
  const selected = chunks.reduce((s, ch) => s + ch.drafts.length, 0);
  const c = newCounters();
  env.progress('collect', 0, selected);
  await pool(
    chunks.map((ch) => () => sendChunk(env, port, ch, c, selected, watermark)),
    concurrency,
    env.signal,
  );
  noteHealth(db, proc.id, c, env.now);
  return finishRun(env, runId, selected, skipped, c, startedMs, false);
}

/** A collection run's requests in processor batches: per merchant and currency, `batchSize` bills each. */
function collectChunks(
  rows: readonly CollectRow[],
  proc: ProcessorRow,
  runId: number,
  prefix: string,
  batchSize: number,
): Chunk[] {
  const byMerchant = new Map<string, { merchant: string; rows: CollectRow[] }>();
  for (const r of rows) {
    let group = byMerchant.get(`${r.merchant}|${r.currency}`);
    if (!group) byMerchant.set(`${r.merchant}|${r.currency}`, (group = { merchant: r.merchant, rows: [] }));
    group.rows.push(r);
  }
  const chunks: Chunk[] = [];
  for (const { merchant, rows } of byMerchant.values()) {
    for (let i = 0; i < rows.length; i += batchSize) {
      const batchKey = `${prefix}-R${runId}-${merchant}-${chunks.length + 1}`;
      const part = rows.slice(i, i + batchSize);
      const drafts = part.map<TxnDraft>((c) => ({
        idemKey: `${prefix}-col-${runId}-${c.billId}`,
        processorId: proc.id,
        command: 'condition',
        runId,
        batchKey,
        accountId: c.accountId,
        billId: c.billId,
        paymentMethodId: c.methodId,
        token: c.token,
        brand: c.brand,
        merchant,
        amountMinor: c.amountMinor,
        currency: c.currency,
        payType: c.payType,
        relatedTxnId: null,
        description: `collect ${c.billNo}`,
      }));
      chunks.push({
        drafts,
        items: drafts.map((d, k) => ({
          idemKey: d.idemKey,
          command: 'condition',
          merchant,
          token: d.token,
          amountMinor: d.amountMinor,
          currency: d.currency,
          accountNo: part[k]!.accountNo,
          reference: part[k]!.billNo,
        })),
      });
    }
  }
  return chunks;
}

/** What a collection run would send: its window, the bills with token and merchant, and what it skipped, by why. */
export type CollectPicks = {
  window: { start: string | null; end: string | null };
  rows: CollectRow[];
  skipped: Record<string, number>;
};

/**
 * The bills a collection run would send, without writing anything (pin_collect's selection): by collection
 * date in the window (or every outstanding bill with rebill), minus bills under the minimum, bills with an
 * open checkpoint (V12), suspended accounts, cards over their network cap or after a never-retry decline,
 * and currencies without a merchant account. The run and its confirmation preview share it.
 */
export function selectCollect(
  db: Database.Database,
  now: Date,
  proc: ProcessorRow,
  o: CollectOptions,
): CollectPicks {
  return stepsOnDriver(db, selectCollectSteps(now, proc, o));
}

/** selectCollect as steps (db/storage/steps.ts): a confirmation's preview runs it in a port transaction too. */
export function* selectCollectSteps(now: Date, proc: ProcessorRow, o: CollectOptions): Steps<CollectPicks> {
  const today = isoDate(now);
  const window = collectWindow(today, o);
  if (window.start > window.end)
    throw invalidFields(`the window starts (${window.start}) after it ends (${window.end})`, [
      { path: 'start', message: `${window.start} is after the end ${window.end}` },
    ]);
  const policy = String(yield* settingStep('collect.datePolicy'));
  const minimumText = o.minimumAmount ?? String(yield* settingStep('collect.minimumAmount'));
  // Only tokens this processor issued (or tokens not tied to one) can be charged through it.
  const candidates = yield* all<CollectCandidate>(collectCandidatesQuery(proc.id, o.rebill === true));
  const open = new Set((yield* all<{ id: number }>(openCheckpointBillsQuery())).map((r) => r.id));
  const neverRetry = new Set(
    (yield* all<{ token: string }>(neverRetryTokensQuery(NEVER_RETRY_RESULTS))).map((r) => r.token),
  );
  const allowance = yield* networkAllowance(now);
  const minimum = new Map<string, number>();
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  const attemptsThisRun = new Map<string, number>();
  const rows: CollectRow[] = [];
  for (const c of candidates) {
    if (!o.rebill) {
      const date = collectionDate(c.datePolicy ?? policy, c.billDate, c.dueDate);
      if (date < window.start || date > window.end) continue;
    }
    let min = minimum.get(c.currency);
    if (min === undefined)
      minimum.set(c.currency, (min = minimumMinor(minimumText, yield* exponentStep(c.currency))));
    if (c.amountMinor < min) {
      skip('belowMinimum');
      continue;
    }
    if (open.has(c.billId)) {
      skip('openCheckpoint');
      continue;
    }
    if (c.suspendedUntil && c.suspendedUntil > today) {
      skip('suspended');
      continue;
    }
    if (!c.token) {
      skip('noPaymentMethod');
      continue;
    }
    if (neverRetry.has(c.token)) {
      skip('neverRetry');
      continue;
    }
    // Attempts earlier in this run count against the card's cap as well as recorded ones.
    const used = attemptsThisRun.get(c.token) ?? 0;
    if (used >= (yield* allowance(c.token, c.brand))) {
      skip('networkCap');
      continue;
    }
    attemptsThisRun.set(c.token, used + 1);
    let merchant: string;
    try {
      merchant = merchantFor(proc, c.currency).merchant;
    } catch {
      skip('noMerchant');
      continue;
    }
    rows.push({ ...c, token: c.token, merchant });
  }
  return { window: o.rebill ? { start: null, end: null } : window, rows, skipped };
}

/** The processor's health after a run's sends (none when nothing was tried), with its median latency. */
function healthOf(c: Counters): { health: 'up' | 'degraded' | 'down'; p50: number | null } | null {
  if (c.sent === 0 && c.notSent + c.unresolved === 0) return null;
  const health = c.sent === 0 ? 'down' : c.unresolved + c.notSent > 0 ? 'degraded' : 'up';
  return { health, p50: latencySummary(c.latencies)?.p50 ?? null };
}

function noteHealth(db: Database.Database, processorId: number, c: Counters, now: Date): void {
  const h = healthOf(c);
  if (h) recordHealth(db, processorId, h.health, now.toISOString(), h.p50);
}

/**
 * Deposits pre-authorized card payments of the last 30 days counting back from yesterday (pin_deposit): each
 * approved authorization without a deposit is sent for deposit under its own key.
 */
export async function runDeposit(env: RunEnv, o: DepositOptions, guard?: RunGuard): Promise<CollectRunDto> {
  const db = env.db;
  const startedMs = performance.now();
  const proc = findProcessor(db, o.processor);
  const { sel, watermark } = selectInSnapshot(db, () => selectDeposit(db, env.now, proc, o));
  guard?.(followUpSelection('deposit', proc, sel.window, sel.rows));
  notCancelled(env, 'deposit');
  const port = env.port ?? connectProcessor(proc, env.ledgerFile);
  const runId = startRun(env, 'deposit', proc, sel.window, o);
  return sendFollowUps(env, proc, port, runId, startedMs, sel.rows, watermark, DEPOSIT_HOW);
}

/** Options of a deposit run: processor and authorization dates (default the 30 days up to yesterday). */
export type DepositOptions = {
  processor?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
};

/** The approved authorizations a deposit run would send, without writing anything. */
export function selectDeposit(
  db: Database.Database,
  now: Date,
  proc: ProcessorRow,
  o: DepositOptions,
): { window: { start: string; end: string }; rows: FollowUpRow[] } {
  return stepsOnDriver(db, depositSelection(now, proc, o));
}

/** selectDeposit as steps (db/storage/steps.ts): a confirmation's preview runs it in a port transaction too. */
export function* depositSelection(
  now: Date,
  proc: ProcessorRow,
  o: DepositOptions,
): Steps<{ window: { start: string; end: string }; rows: FollowUpRow[] }> {
  const today = isoDate(now);
  // The past 30 days counting back from yesterday (pin_deposit): today's authorizations wait for tomorrow.
  const end = o.end ?? addDays(today, -1);
  const start = o.start ?? addDays(end, -29);
  if (start > end)
    throw invalidFields(`the window starts (${start}) after it ends (${end})`, [
      { path: 'start', message: `${start} is after the end ${end}` },
    ]);
  const auths = yield* all<DepositCandidate>(depositCandidatesQuery(proc.id, start, end));
  return { window: { start, end }, rows: auths };
}

/** A settled processor transaction that a deposit or refund run follows up with the same token. */
type FollowUpRow = {
  id: number;
  idemKey?: string;
  accountId: number;
  accountNo: string;
  billId?: number | null;
  methodId: number | null;
  token: string;
  brand: string | null;
  merchant: string;
  amountMinor: number;
  currency: string;
  payType: number;
  processorRef: string | null;
};

/** The selection of a collection run as the confirmation guard and the preview see it. */
export function collectSelection(proc: ProcessorRow, sel: CollectPicks): RunSelection {
  return {
    kind: 'collect',
    processor: { id: proc.id, name: proc.name },
    window: sel.window,
    items: sel.rows.map((r) => ({
      ref: r.billId,
      accountNo: r.accountNo,
      token: r.token,
      merchant: r.merchant,
      currency: r.currency,
      amountMinor: r.amountMinor,
    })),
    skipped: { ...SKIP_REASONS_ZERO, ...sel.skipped },
  };
}

/** The selection of a deposit or refund run as the confirmation guard and the preview see it. */
export function followUpSelection(
  kind: 'deposit' | 'refund',
  proc: ProcessorRow,
  window: { start: string | null; end: string | null },
  rows: readonly FollowUpRow[],
): RunSelection {
  return {
    kind,
    processor: { id: proc.id, name: proc.name },
    window,
    items: rows.map((r) => ({
      ref: r.id,
      accountNo: r.accountNo,
      token: r.token,
      merchant: r.merchant,
      currency: r.currency,
      amountMinor: r.amountMinor,
    })),
    skipped: {},
  };
}

/**
 * Reserves and sends follow-up requests (deposits of authorizations, refunds of credit) in batches with
 * bounded concurrency, each request keyed by the transaction it follows so a rerun never sends it twice.
 */
async function sendFollowUps(
  env: RunEnv,
  proc: { id: number },
  port: PaymentProcessor,
  runId: number,
  startedMs: number,
  rows: readonly FollowUpRow[],
  watermark: number,
  how: FollowUpHow,
): Promise<CollectRunDto> {
  const db = env.db;
  const chunks = followUpChunks(
    rows,
    proc,
    runId,
    keyPrefix(db),
    Number(getSetting(db, 'collect.batchSize')),
    how,
  );
  const c = newCounters();
  await pool(
    chunks.map((ch) => () => sendChunk(env, port, ch, c, rows.length, watermark)),
    Number(getSetting(db, 'collect.concurrency')),
    env.signal,
  );
  noteHealth(db, proc.id, c, env.now);
  return finishRun(env, runId, rows.length, {}, c, startedMs, false);
}

/** How a follow-up run keys and describes its requests. */
type FollowUpHow = {
  command: 'deposit' | 'refund';
  batchTag: string;
  keyTag: string;
  description: (r: FollowUpRow) => string;
};

const DEPOSIT_HOW: FollowUpHow = {
  command: 'deposit',
  batchTag: 'D',
  keyTag: 'dep',
  description: (a) => `deposit of ${a.idemKey ?? a.id}`,
};

const REFUND_HOW: FollowUpHow = {
  command: 'refund',
  batchTag: 'F',
  keyTag: 'ref',
  description: () => 'refund of unallocated credit',
};

/** A follow-up run's requests in processor batches of `batchSize`, each keyed by the record it follows. */
function followUpChunks(
  rows: readonly FollowUpRow[],
  proc: { id: number },
  runId: number,
  prefix: string,
  batchSize: number,
  how: FollowUpHow,
): Chunk[] {
  const chunks: Chunk[] = [];
  for (let i = 0; i < rows.length; i += batchSize) {
    const batchKey = `${prefix}-${how.batchTag}${runId}-${chunks.length + 1}`;
    const part = rows.slice(i, i + batchSize);
    const drafts = part.map<TxnDraft>((r) => ({
      idemKey: `${prefix}-${how.keyTag}-${runId}-${r.id}`,
      processorId: proc.id,
      command: how.command,
      runId,
      batchKey,
      accountId: r.accountId,
      billId: r.billId ?? null,
      paymentMethodId: r.methodId,
      token: r.token,
      brand: r.brand,
      merchant: r.merchant,
      amountMinor: r.amountMinor,
      currency: r.currency,
      payType: r.payType,
      relatedTxnId: r.id,
      description: how.description(r),
    }));
    chunks.push({
      drafts,
      items: drafts.map((d, k) => ({
        idemKey: d.idemKey,
        command: how.command,
        merchant: d.merchant,
        token: d.token,
        amountMinor: d.amountMinor,
        currency: d.currency,
        accountNo: part[k]!.accountNo,
        ...(part[k]!.processorRef ? { originalRef: part[k]!.processorRef } : {}),
      })),
    });
  }
  return chunks;
}

/**
 * Refunds the unallocated credit of card and direct-debit accounts (pin_refund): each processor payment
 * with unallocated credit on an account in credit is refunded to the same token, up to the credit.
 */
export async function runRefund(
  env: RunEnv,
  o: { processor?: string | undefined },
  guard?: RunGuard,
): Promise<CollectRunDto> {
  const db = env.db;
  const startedMs = performance.now();
  const proc = findProcessor(db, o.processor);
  const { sel: picks, watermark } = selectInSnapshot(db, () => selectRefund(db, proc));
  guard?.(followUpSelection('refund', proc, { start: null, end: null }, picks));
  notCancelled(env, 'refund');
  const port = env.port ?? connectProcessor(proc, env.ledgerFile);
  const runId = startRun(env, 'refund', proc, { start: null, end: null }, o);
  return sendFollowUps(env, proc, port, runId, startedMs, picks, watermark, REFUND_HOW);
}

/** The credit a refund run would pay back, per processor payment and up to the account's credit; writes nothing. */
export function selectRefund(db: Database.Database, proc: ProcessorRow): FollowUpRow[] {
  return stepsOnDriver(db, refundSelection(proc));
}

/** selectRefund as steps (db/storage/steps.ts): a confirmation's preview runs it in a port transaction too. */
export function* refundSelection(proc: ProcessorRow): Steps<FollowUpRow[]> {
  const rows = yield* all<RefundCandidate>(refundCandidatesQuery(proc.id));
  const credit = new Map<number, number>();
  const picks: (RefundCandidate & { amountMinor: number })[] = [];
  for (const r of rows) {
    const left = credit.get(r.accountId) ?? -r.balance;
    const amountMinor = Math.min(left, r.unallocated);
    if (amountMinor <= 0) continue;
    credit.set(r.accountId, left - amountMinor);
    picks.push({ ...r, amountMinor });
  }
  return picks;
}

/** Follow-ups raised by collection, newest first. */
export function workflowItems(
  storage: Storage,
  input: { status: 'open' | 'done' | 'all'; limit: number },
): Promise<WorkflowItemDto[]> {
  return storage.transaction((tx) => tx.all<WorkflowItemDto>(workflowItemsQuery(input.status, input.limit)), {
    readOnly: true,
  });
}

// The runs on the storage port (a ledger that is not SQLite; SQLite keeps the driver forms above, see the README):
// the same selection steps, chunks, keys and postings, each chunk reserved in one serializable transaction, sent
// with no transaction open, its replies recorded and posted in another.

const SERIAL = { serializable: true } as const;

/**
 * What a run's selection saw of its subjects' records, for the reservation to tell a subject taken since: on SQLite
 * the highest record id (ids are handed out in commit order there), elsewhere the records per subject.
 */
type Seen = { watermark: number } | { counts: SubjectCountRow[] };

/** A run's selection, what it saw of the records and the run settings, from one read-only snapshot. */
async function selectVia<T>(
  storage: Storage,
  select: (tx: Tx, proc: ProcessorRow) => Promise<T>,
  accountIds: (sel: T) => number[],
  processor: string | undefined,
): Promise<{ proc: ProcessorRow; sel: T; seen: Seen; batchSize: number; concurrency: number }> {
  return storage.transaction(
    async (tx) => {
      const proc = await findProcessorIn(tx, processor);
      const sel = await select(tx, proc);
      const ids = [...new Set(accountIds(sel))];
      const seen: Seen =
        tx.dialect === 'sqlite'
          ? { watermark: (await tx.get<{ id: number }>(txnWatermarkQuery()))!.id }
          : { counts: ids.length ? await tx.all<SubjectCountRow>(subjectCountsQuery(tx.dialect, ids)) : [] };
      return {
        proc,
        sel,
        seen,
        batchSize: Number(await getSettingIn(tx, 'collect.batchSize')),
        concurrency: Number(await getSettingIn(tx, 'collect.concurrency')),
      };
    },
    { readOnly: true },
  );
}

/** Opens a run's record with its audit row; answers it with the ledger's key prefix (made if it has none). */
async function startRunVia(
  env: RunEnvVia,
  kind: CollectRunDto['kind'],
  proc: ProcessorRow,
  window: { start: string | null; end: string | null },
  options: unknown,
): Promise<{ runId: number; prefix: string }> {
  return env.storage.transaction(async (tx) => {
    const runId = (await tx.get<{ id: number }>(runInsertQuery(newRun(env, kind, proc, window, options))))!
      .id;
    await appendAudit(tx, startAudit(env, kind, proc, window, options, runId));
    return { runId, prefix: await keyPrefixIn(tx) };
  }, SERIAL);
}

/** sendChunk on the port. */
async function sendChunkVia(
  env: RunEnvVia,
  port: PaymentProcessor,
  chunk: Chunk,
  c: Counters,
  total: number,
  seen: Seen,
): Promise<void> {
  const at = env.now.toISOString();
  const today = isoDate(env.now);
  const reserved = await inTurn(c, () =>
    env.storage.transaction(async (tx) => {
      const ids: (number | null)[] = [];
      for (const d of chunk.drafts) {
        const q =
          'watermark' in seen
            ? txnReserveUntakenQuery(d, at, env.operatorId, seen.watermark)
            : txnReserveUnchangedQuery(d, at, env.operatorId, subjectCount(seen.counts, d));
        ids.push((await tx.get<{ id: number }>(q))?.id ?? null);
      }
      return ids;
    }, SERIAL),
  );
  crashPoint();
  const ids = reserved.filter((id): id is number => id !== null);
  const items = chunk.items.filter((_, k) => reserved[k] !== null);
  c.taken += chunk.drafts.length - ids.length;
  if (ids.length === 0) {
    c.done += chunk.drafts.length;
    env.progress(phaseOf(chunk), c.done, total);
    return;
  }
  const started = performance.now();
  let replies: ProcessorReply[];
  try {
    replies = await port.batch(chunk.drafts[0]!.batchKey!, items);
  } catch (err) {
    if (err instanceof ProcessorTransportError && err.failure.kind === 'not_sent') {
      const settledAt = new Date().toISOString();
      await env.storage.transaction((tx) => settleNotSentIn(tx, ids, settledAt), SERIAL);
      c.notSent += ids.length;
    } else {
      c.unresolved += ids.length;
    }
    c.done += chunk.drafts.length;
    env.progress(phaseOf(chunk), c.done, total);
    return;
  }
  c.latencies.push(performance.now() - started);
  c.sent += ids.length;
  const moved = await inTurn(c, () =>
    recordAndPostVia(env, replies, chunk.drafts[0]!.command === 'refund', today),
  );
  // Killed once the replies are recorded and posted (one commit here; the driver's path has a point after each).
  crashPoint();
  c.unresolved += ids.length - moved;
  c.done += chunk.drafts.length;
  env.progress(phaseOf(chunk), c.done, total);
}

/**
 * A run's chunks wait for the processor side by side but write one at a time (on PostgreSQL their serializable
 * reservations and postings otherwise cancel each other as pivots until the retries run out and the whole run
 * fails as "ledger busy"; the driver's path is one writer anyway). Keyed by the run's counters.
 */
const writeTurns = new WeakMap<Counters, Promise<unknown>>();

function inTurn<T>(c: Counters, write: () => Promise<T>): Promise<T> {
  const mine = (writeTurns.get(c) ?? Promise.resolve()).then(write, write);
  writeTurns.set(
    c,
    mine.catch(() => undefined),
  );
  return mine;
}

/**
 * Records a chunk's replies and posts what moved, in one serializable transaction; answers how many moved. When
 * the posting fails (an account that refuses it), the replies are recorded on their own and each record posted in
 * a transaction of its own, as the driver's postSettled falls back; one that still fails stays at 1000 + code,
 * listed by Recovery (a refund too, where the driver's refund run would stop).
 */
async function recordAndPostVia(
  env: RunEnvVia,
  replies: readonly ProcessorReply[],
  refunds: boolean,
  today: string,
): Promise<number> {
  const at = env.now.toISOString();
  const repliedAt = new Date().toISOString();
  const post = async (tx: Tx, ids: readonly number[]): Promise<void> => {
    if (refunds) for (const id of ids) await postRefundTxnIn(tx, id, env.now, today, env.operatorId);
    else await postSettledIn(tx, ids, at, today, env.operatorId);
  };
  try {
    return await env.storage.transaction(async (tx) => {
      const moved = await recordRepliesIn(tx, replies, repliedAt);
      await post(tx, moved);
      return moved.length;
    }, SERIAL);
  } catch {
    const moved = await env.storage.transaction((tx) => recordRepliesIn(tx, replies, repliedAt), SERIAL);
    for (const id of moved) {
      try {
        await env.storage.transaction((tx) => post(tx, [id]), SERIAL);
      } catch {
        // Stays at 1000 + code: charged at the processor, not posted here; Recovery lists it.
      }
    }
    return moved.length;
  }
}

/** Sends a run's chunks, notes the processor's health and closes the run (finishRun, cancelRun on the port). */
async function sendAndCloseVia(
  env: RunEnvVia,
  proc: ProcessorRow,
  port: PaymentProcessor,
  runId: number,
  chunks: readonly Chunk[],
  skipped: Record<string, number>,
  seen: Seen,
  concurrency: number,
  startedMs: number,
  kind: CollectRunDto['kind'],
): Promise<CollectRunDto> {
  const selected = chunks.reduce((s, ch) => s + ch.drafts.length, 0);
  const c = newCounters();
  if (kind === 'collect') env.progress('collect', 0, selected);
  await pool(
    chunks.map((ch) => () => sendChunkVia(env, port, ch, c, selected, seen)),
    concurrency,
    env.signal,
  );
  const health = healthOf(c);
  if (health)
    await env.storage.transaction(
      (tx) => recordHealthIn(tx, proc.id, health.health, env.now.toISOString(), health.p50),
      SERIAL,
    );
  if (c.taken > 0) skipped = { ...skipped, taken: c.taken };
  const aborted = env.signal?.aborted === true;
  const finishedAt = new Date(env.now.getTime() + (performance.now() - startedMs)).toISOString();
  const run = await env.storage.transaction(async (tx) => {
    const close = runClose(aborted ? 'cancelled' : 'done', selected, skipped, c, startedMs, finishedAt);
    await tx.run(runCloseQuery(runId, close));
    const dto = await getRunIn(tx, runId);
    if (aborted) await appendAudit(tx, cancelAudit(env, dto, finishedAt, c, selected));
    return dto;
  }, SERIAL);
  if (aborted) throw cancelledRun(run, c, selected);
  return run;
}

/** runCollect on the storage port: the same selection, requests, postings and run record. */
export async function runCollectVia(
  env: RunEnvVia,
  o: CollectOptions,
  guard?: RunGuardVia,
): Promise<CollectRunDto> {
  const startedMs = performance.now();
  const { proc, sel, seen, ...settings } = await selectVia(
    env.storage,
    (tx, p) => stepsIn(tx, selectCollectSteps(env.now, p, o)),
    (picks) => picks.rows.map((r) => r.accountId),
    o.processor,
  );
  await guard?.(collectSelection(proc, sel));
  notCancelled(env, 'collect');
  const port = env.port ?? connectProcessor(proc, env.ledgerFile);
  const { runId, prefix } = await startRunVia(env, 'collect', proc, sel.window, o);
  const chunks = collectChunks(sel.rows, proc, runId, prefix, o.batchSize ?? settings.batchSize);
  const concurrency = o.concurrency ?? settings.concurrency;
  return sendAndCloseVia(
    env,
    proc,
    port,
    runId,
    chunks,
    sel.skipped,
    seen,
    concurrency,
    startedMs,
    'collect',
  );
}

/** runDeposit on the storage port. */
export async function runDepositVia(
  env: RunEnvVia,
  o: DepositOptions,
  guard?: RunGuardVia,
): Promise<CollectRunDto> {
  const startedMs = performance.now();
  const { proc, sel, seen, batchSize, concurrency } = await selectVia(
    env.storage,
    (tx, p) => stepsIn(tx, depositSelection(env.now, p, o)),
    (picks) => picks.rows.map((r) => r.accountId),
    o.processor,
  );
  await guard?.(followUpSelection('deposit', proc, sel.window, sel.rows));
  notCancelled(env, 'deposit');
  const port = env.port ?? connectProcessor(proc, env.ledgerFile);
  const { runId, prefix } = await startRunVia(env, 'deposit', proc, sel.window, o);
  const chunks = followUpChunks(sel.rows, proc, runId, prefix, batchSize, DEPOSIT_HOW);
  return sendAndCloseVia(env, proc, port, runId, chunks, {}, seen, concurrency, startedMs, 'deposit');
}

/** runRefund on the storage port. */
export async function runRefundVia(
  env: RunEnvVia,
  o: { processor?: string | undefined },
  guard?: RunGuardVia,
): Promise<CollectRunDto> {
  const startedMs = performance.now();
  const window = { start: null, end: null };
  const { proc, sel, seen, batchSize, concurrency } = await selectVia(
    env.storage,
    (tx, p) => stepsIn(tx, refundSelection(p)),
    (picks) => picks.map((r) => r.accountId),
    o.processor,
  );
  await guard?.(followUpSelection('refund', proc, window, sel));
  notCancelled(env, 'refund');
  const port = env.port ?? connectProcessor(proc, env.ledgerFile);
  const { runId, prefix } = await startRunVia(env, 'refund', proc, window, o);
  const chunks = followUpChunks(sel, proc, runId, prefix, batchSize, REFUND_HOW);
  return sendAndCloseVia(env, proc, port, runId, chunks, {}, seen, concurrency, startedMs, 'refund');
}
