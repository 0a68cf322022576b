import type { z } from 'zod';
import { isSqliteBusy } from '../../../db/write-lock';
import {
  currencyExponent,
  ownerLabels,
  plannerStatsStale,
  queueRows,
  refreshPlannerStats,
  searchQueue,
  SORT_COLUMNS,
  TEXT_KEYS,
  type QueueQuery,
  type QueueRow,
} from '../../../db/repos/suspense-queue';
import type { Storage, Tx } from '../../../db/storage/port';
import type { ParsedInput } from '../../../src-shared/api/contract';
import type { suspenseFilterShape } from '../../../src-shared/api/inputs';
import {
  ACTIVE_SUSPENSE_STATES,
  AGE_BUCKETS,
  type AgeBucket,
  type SuspenseRowDto,
  type SuspenseSearchDto,
  type SuspenseState,
} from '../../../src-shared/dto/suspense';
import { parseMinor } from '../../../src-shared/money';
import { toMinor } from '../../ledger/ceiling';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { daysBefore } from '../../ledger/suspense-tally';
import { dayOf } from './case';

/** Parsed search filters. */
export type SuspenseFilters = {
  [K in keyof typeof suspenseFilterShape]?: z.output<(typeof suspenseFilterShape)[K]>;
};

/** Parsed search input. */
export type SuspenseSearchInput = ParsedInput<'suspense:search'>;

/** Whole days between two dates. */
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The entered_on range of an age bucket: [oldest date, newest date] (either may be open). */
function bucketRange(bucket: AgeBucket, today: string): [string | null, string | null] {
  switch (bucket) {
    case '0-7':
      return [daysBefore(today, 7), null];
    case '8-30':
      return [daysBefore(today, 30), daysBefore(today, 8)];
    case '31-60':
      return [daysBefore(today, 60), daysBefore(today, 31)];
    case '61-90':
      return [daysBefore(today, 90), daysBefore(today, 61)];
    case '90+':
      return [null, daysBefore(today, 91)];
  }
}

/** The first entry day of the buckets 0-7, 8-30, 31-60 and 61-90 (older is 90+). */
function bucketBounds(today: string): [string, string, string, string] {
  return [daysBefore(today, 7), daysBefore(today, 30), daysBefore(today, 60), daysBefore(today, 90)];
}

/** The states a filter asks for: the active ones (one index range), all, or a list. */
function statesOf(f: SuspenseFilters): 'active' | 'all' | SuspenseState[] {
  const statuses = f.status ?? ['active'];
  if (statuses.includes('all')) return 'all';
  const states = new Set<SuspenseState>();
  for (const s of statuses) {
    if (s === 'active') ACTIVE_SUSPENSE_STATES.forEach((a) => states.add(a));
    else if (s !== 'all') states.add(s);
  }
  if (states.size === ACTIVE_SUSPENSE_STATES.length && ACTIVE_SUSPENSE_STATES.every((a) => states.has(a)))
    return 'active';
  return [...states];
}

/** Parses an amount filter in the currency's exponent (2 when no currency is chosen). */
async function amountFilter(
  tx: Tx,
  text: string | undefined,
  currency: string | undefined,
  path: string,
): Promise<number | undefined> {
  if (text === undefined) return undefined;
  let exponent = 2;
  if (currency) {
    const known = await currencyExponent(tx, currency);
    if (known === undefined) {
      const message = `currency ${currency} is not set up in this ledger`;
      throw invalidFields(message, [{ path: 'currency', message }]);
    }
    exponent = known;
  }
  const parsed = parseMinor(text, exponent);
  if (!parsed.ok)
    throw invalidFields(`${path}: ${parsed.error.reason}`, [{ path, message: parsed.error.reason }]);
  return parsed.value;
}

/** The operator's filters as the repository's plain query (states, date ranges, amounts in minor units). */
async function queryOf(tx: Tx, f: SuspenseFilters, today: string): Promise<QueueQuery> {
  const texts: Partial<Record<(typeof TEXT_KEYS)[number], string>> = {};
  for (const key of TEXT_KEYS) {
    const t = f[key]?.trim();
    // The trigram index reads NUL as the end of the query; the contract refuses it, this keeps direct callers
    // out of SQL errors.
    if (t?.includes('\u0000'))
      throw invalidFields(`${key} contains a NUL character`, [{ path: key, message: 'contains NUL' }]);
    if (t) texts[key] = t;
  }
  const buckets = new Set(f.ageBucket ?? []);
  return {
    states: statesOf(f),
    from: f.from,
    to: f.to,
    minAmount: await amountFilter(tx, f.minAmount, f.currency, 'minAmount'),
    maxAmount: await amountFilter(tx, f.maxAmount, f.currency, 'maxAmount'),
    currency: f.currency,
    accountHint: f.accountHint || undefined,
    billNo: f.billNo || undefined,
    ...texts,
    batchId: f.batchId,
    lockboxNo: f.lockboxNo || undefined,
    channelId: f.channelId,
    payType: f.payType,
    reasonCode: f.reasonCode,
    owner: f.owner,
    ages:
      buckets.size === 0 || buckets.size === AGE_BUCKETS.length
        ? undefined
        : [...buckets].map((b) => bucketRange(b, today)),
  };
}

/** Turns repository rows into DTOs with their age. */
function toRows(rows: QueueRow[], today: string): SuspenseRowDto[] {
  return rows.map((r) => ({
    ...r,
    failed: r.failed === 1,
    ageDays: Math.max(0, daysBetween(r.enteredOn, today)),
  }));
}

function encodeCursor(value: unknown, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodeCursor(cursor: string, text: boolean): [string | number, number] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      (text ? typeof v[0] === 'string' : typeof v[0] === 'number') &&
      Number.isSafeInteger(v[1])
    )
      return [v[0] as string | number, v[1] as number];
  } catch {
    // fall through to the validation error
  }
  throw invalidFields('the cursor does not belong to this sort order', [
    { path: 'cursor', message: 'not a cursor of this search' },
  ]);
}

const statsCheckedAt = new WeakMap<Storage, number>();

/**
 * Lets SQLite refresh its planner statistics of the queue at most once an hour per ledger (see
 * plannerStatsStale). The refresh writes, so it runs in a transaction of its own before the search; when a job
 * holds the write lock it is left for the next hour's look rather than making the search wait.
 */
async function keepStatsFresh(storage: Storage): Promise<void> {
  if (storage.dialect !== 'sqlite') return;
  const now = Date.now();
  const last = statsCheckedAt.get(storage);
  if (last !== undefined && now - last < 3_600_000) return;
  statsCheckedAt.set(storage, now);
  if (!(await storage.transaction(plannerStatsStale, { readOnly: true }))) return;
  try {
    await storage.transaction(refreshPlannerStats);
  } catch (err) {
    if (!isSqliteBusy(err)) throw err;
  }
}

/**
 * Searches the Payment Center work queue. Pages by keyset (`cursor`, from the previous page) or by `offset`
 * (what a grid asks for), sorted by any column with the payment id as tie-breaker. With `totals`, also counts and
 * sums the whole result per currency, age bucket and action owner. One read-only transaction: the page and its
 * totals see the same queue.
 */
export async function searchSuspense(
  storage: Storage,
  input: SuspenseSearchInput,
  now: Date,
): Promise<SuspenseSearchDto> {
  const started = performance.now();
  const today = dayOf(now);
  const sort = SORT_COLUMNS[input.sortBy];
  if (input.cursor !== undefined && input.offset !== undefined)
    throw conflict('paging', 'give either a cursor or an offset, not both');
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, sort.text);
  await keepStatsFresh(storage);
  const out = await storage.transaction(
    async (tx) => {
      const search = await searchQueue(tx, await queryOf(tx, input, today));
      // Page keys first (often from an index alone), then the page's rows with their labels.
      const keys = await search.page({
        sortBy: input.sortBy,
        desc: input.sortDir === 'desc',
        limit: input.limit + 1,
        offset: input.offset,
        after,
      });
      const more = keys.length > input.limit;
      const page = more ? keys.slice(0, input.limit) : keys;
      const last = page[page.length - 1];
      const byId = new Map(
        (
          await queueRows(
            tx,
            page.map((k) => k.id),
          )
        ).map((r) => [r.paymentId, r]),
      );
      const result: SuspenseSearchDto = {
        rows: toRows(
          page.flatMap((k) => {
            const r = byId.get(k.id);
            return r ? [r] : [];
          }),
          today,
        ),
        nextCursor: more && last ? encodeCursor(last.sortValue, last.id) : null,
        total: -1,
        totalsByCurrency: [],
        byAge: [],
        byOwner: [],
        totalExact: true,
        elapsedMs: 0,
      };
      if (input.totals) {
        const totals = await search.totals({
          bounds: bucketBounds(today),
          activeStates: ACTIVE_SUSPENSE_STATES,
        });
        Object.assign(result, await summarize(tx, totals.groups));
        result.totalExact = totals.exact;
      }
      return result;
    },
    { readOnly: true },
  );
  out.elapsedMs = Math.round((performance.now() - started) * 10) / 10;
  return out;
}

/** The totals of the groups per currency, age bucket and owner (amounts summed exactly, refused past 2^53 - 1). */
async function summarize(
  tx: Tx,
  groups: { currency: string; owner: number | null; bucket: string; n: number; amount: string }[],
): Promise<Pick<SuspenseSearchDto, 'total' | 'totalsByCurrency' | 'byAge' | 'byOwner'>> {
  // Closed cases are not bounded by the money ceiling, so a currency total past 2^53 - 1 is refused rather than
  // shown rounded.
  const byCurrency = new Map<string, { count: number; amountMinor: bigint }>();
  const byAge = new Map<string, number>(AGE_BUCKETS.map((b) => [b, 0]));
  const byOwner = new Map<number | null, number>();
  for (const g of groups) {
    const c = byCurrency.get(g.currency) ?? { count: 0, amountMinor: 0n };
    c.count += g.n;
    c.amountMinor += BigInt(g.amount);
    byCurrency.set(g.currency, c);
    byAge.set(g.bucket, (byAge.get(g.bucket) ?? 0) + g.n);
    byOwner.set(g.owner, (byOwner.get(g.owner) ?? 0) + g.n);
  }
  const labels = await ownerLabels(
    tx,
    [...byOwner.keys()].filter((o): o is number => o !== null),
  );
  return {
    total: groups.reduce((s, g) => s + g.n, 0),
    totalsByCurrency: [...byCurrency]
      .map(([currency, v]) => ({
        currency,
        count: v.count,
        amountMinor: toMinor(v.amountMinor, `the Payment Center total in ${currency} (narrow the search)`),
      }))
      .sort((a, b) => b.count - a.count || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0)),
    byAge: AGE_BUCKETS.map((b) => ({ bucket: b, count: byAge.get(b) ?? 0 })),
    byOwner: [...byOwner]
      .map(([owner, count]) => ({ owner, label: owner === null ? null : (labels.get(owner) ?? null), count }))
      // Biggest first; ties by owner code, unassigned last.
      .sort(
        (a, b) =>
          b.count - a.count || (a.owner ?? Number.MAX_SAFE_INTEGER) - (b.owner ?? Number.MAX_SAFE_INTEGER),
      ),
  };
}

const CSV_COLUMNS: (keyof SuspenseRowDto)[] = [
  'paymentId',
  'state',
  'amountMinor',
  'currency',
  'effectiveDate',
  'enteredOn',
  'ageDays',
  'reasonCode',
  'reasonLabel',
  'actionOwner',
  'ownerLabel',
  'accountHint',
  'billNo',
  'payerName',
  'externalRef',
  'batchId',
  'lockboxNo',
  'channelId',
  'payType',
];

function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  // A leading = + - @ would be run as a formula by spreadsheets; a quote prefix keeps it text.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Exports the selected queue rows as CSV (RFC 4180, header line, amounts in minor units). */
export async function exportSuspense(
  storage: Storage,
  paymentIds: number[],
  now: Date,
): Promise<{ csv: string; rows: number }> {
  const raw = await storage.transaction((tx) => queueRows(tx, paymentIds), { readOnly: true });
  if (raw.length === 0) throw notFound('suspended payment', paymentIds.slice(0, 5).join(', '));
  const rows = toRows(
    raw.sort((a, b) => a.paymentId - b.paymentId),
    dayOf(now),
  );
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(','))];
  return { csv: lines.join('\r\n') + '\r\n', rows: rows.length };
}

/** A queue row as the Payment Center shows it (for the detail, which still reads through the driver). */
export function toQueueRowDto(row: QueueRow, now: Date): SuspenseRowDto {
  return toRows([row], dayOf(now))[0]!;
}
