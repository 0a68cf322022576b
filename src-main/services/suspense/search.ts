import type Database from 'better-sqlite3';
import type { z } from 'zod';
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
import { exponentOf } from '../../ledger/rates';
import { daysBefore } from '../../ledger/suspense-tally';
import { dayOf } from './case';

/** Parsed search filters. */
export type SuspenseFilters = {
  [K in keyof typeof suspenseFilterShape]?: z.output<(typeof suspenseFilterShape)[K]>;
};

/** Parsed search input. */
export type SuspenseSearchInput = ParsedInput<'suspense:search'>;

const SORT_COLUMNS: Record<SuspenseSearchInput['sortBy'], { sql: string; text: boolean }> = {
  paymentId: { sql: 'q.payment_id', text: false },
  enteredOn: { sql: 'q.entered_on', text: true },
  effectiveDate: { sql: 'q.effective_date', text: true },
  amountMinor: { sql: 'q.amount_minor', text: false },
  currency: { sql: 'q.currency', text: true },
  state: { sql: 'q.state', text: true },
  reasonCode: { sql: 'q.reason_code', text: false },
  actionOwner: { sql: 'coalesce(q.action_owner, -1)', text: false },
  accountHint: { sql: "coalesce(q.account_hint, '')", text: true },
  billNo: { sql: "coalesce(q.bill_no, '')", text: true },
  // payer_sort is coalesce(payer_name, ''), a generated column with indexes that give this order.
  payerName: { sql: 'q.payer_sort', text: true },
  externalRef: { sql: "coalesce(q.external_ref, '')", text: true },
  batchId: { sql: 'coalesce(q.batch_id, -1)', text: false },
  lockboxNo: { sql: "coalesce(q.lockbox_no, '')", text: true },
  channelId: { sql: 'q.channel_id', text: false },
  payType: { sql: 'q.pay_type', text: false },
};

/** The trigram indexes: payer name and reference together, and the payer name alone. */
type FtsTable = 'suspense_fts' | 'suspense_payer_fts';

/** Quotes text as one FTS5 phrase so user input (quotes, stars, operators, SQL) is only ever text. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

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

/** SQL (a CASE) naming the age bucket of an entry-date column, with its parameters. */
function bucketCase(today: string, column: string): { sql: string; params: string[] } {
  return {
    sql: `CASE WHEN ${column} >= ? THEN '0-7' WHEN ${column} >= ? THEN '8-30' WHEN ${column} >= ? THEN '31-60'
               WHEN ${column} >= ? THEN '61-90' ELSE '90+' END`,
    params: [daysBefore(today, 7), daysBefore(today, 30), daysBefore(today, 60), daysBefore(today, 90)],
  };
}

/** Parses an amount filter in the currency's exponent (2 when no currency is chosen). */
function amountFilter(
  db: Database.Database,
  text: string,
  currency: string | undefined,
  path: string,
): number {
  const parsed = parseMinor(text, currency ? exponentOf(db, currency) : 2);
  if (!parsed.ok)
    throw invalidFields(`${path}: ${parsed.error.reason}`, [{ path, message: parsed.error.reason }]);
  return parsed.value;
}

/** Builds the WHERE clause of the filters (always parameterised; text is never spliced into SQL). */
export function whereOf(
  db: Database.Database,
  f: SuspenseFilters,
  today: string,
): {
  sql: string;
  params: (string | number)[];
  narrow: boolean;
  sortAfter: boolean;
  rangeIndex: string;
  /** The trigram query of a broad literal text (checked row by row), or null. */
  broadText: { table: FtsTable; query: string } | null;
  /** The filter key of that text. */
  broadKey: (typeof TEXT_KEYS)[number] | null;
  /** True when a text is too short for the trigram index (checked row by row). */
  shortText: boolean;
} {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  // A contains-text is looked up once; it drives the search only when it picks few payments.
  const matches = new Map<
    string,
    { table: FtsTable; query: string; hits: number[]; broad: boolean; literal: boolean }
  >();
  for (const [key, columns] of [
    ['text', '{payer_name external_ref}'],
    // The payer name has an index of its own (see migration 0013), so no column filter is needed there.
    ['payer', null],
    ['reference', 'external_ref'],
  ] as const) {
    const t = f[key]?.trim();
    // FTS5 reads NUL as the end of the query; the contract refuses it, this keeps direct callers out of SQL errors.
    if (t?.includes('\u0000'))
      throw invalidFields(`${key} contains a NUL character`, [{ path: key, message: 'contains NUL' }]);
    if (!t || [...t].length < 3) continue;
    const table: FtsTable = columns === null ? 'suspense_payer_fts' : 'suspense_fts';
    const query = columns === null ? ftsPhrase(t) : `${columns} : ${ftsPhrase(t)}`;
    // Printable ASCII folds the same way in the trigram index (case_sensitive=0) as in SQLite's lower(), so for
    // such text instr() finds exactly the payments the index would.
    const hits = ftsHits(db, table, query);
    matches.set(key, {
      table,
      query,
      hits,
      broad: hits.length > BROAD_TEXT_HITS,
      literal: /^[\x20-\x7e]+$/.test(t),
    });
  }
  const narrow = isNarrow(f) || [...matches.values()].some((m) => !m.broad);
  // With a narrow filter its own index must drive the search; the unary + keeps SQLite off the state indexes,
  // whose order would otherwise tempt it to walk the whole queue (it cannot tell how selective a prefix is).
  const plus = narrow ? '+' : '';
  const states = statesOf(f);
  if (states === 'active') parts.push(`${plus}q.active = 1`);
  else if (states !== 'all') {
    parts.push(`${plus}q.state IN (${states.map(() => '?').join(', ')})`);
    params.push(...states);
  }
  if (f.from) {
    parts.push('q.effective_date >= ?');
    params.push(f.from);
  }
  if (f.to) {
    parts.push('q.effective_date <= ?');
    params.push(f.to);
  }
  if (f.minAmount !== undefined) {
    parts.push('q.amount_minor >= ?');
    params.push(amountFilter(db, f.minAmount, f.currency, 'minAmount'));
  }
  if (f.maxAmount !== undefined) {
    parts.push('q.amount_minor <= ?');
    params.push(amountFilter(db, f.maxAmount, f.currency, 'maxAmount'));
  }
  if (f.currency) {
    parts.push('q.currency = ?');
    params.push(f.currency);
  }
  if (f.accountHint) {
    // Prefix match on the account number the payer quoted; LIKE is avoided so % and _ stay plain text.
    parts.push('q.account_hint >= ? COLLATE NOCASE AND q.account_hint < ? COLLATE NOCASE');
    params.push(f.accountHint, `${f.accountHint}\u{10FFFF}`);
  }
  if (f.billNo) {
    parts.push('q.bill_no >= ? COLLATE NOCASE AND q.bill_no < ? COLLATE NOCASE');
    params.push(f.billNo, `${f.billNo}\u{10FFFF}`);
  }
  const contains = (key: 'text' | 'payer' | 'reference', columns: string[]): void => {
    const t = f[key]?.trim();
    if (!t) return;
    const match = matches.get(key);
    if (match?.broad && match.literal) {
      // A broad text is checked on each row another index yields: listing its many index hits first (to probe
      // them as a set, or to read their rows) costs far more than a literal test of the few rows a page needs.
      const test = literalTest(columns, t);
      parts.push(test.sql);
      params.push(...test.params);
    } else if (match && !match.broad) {
      // The hits were listed already (at most BROAD_TEXT_HITS): matching the phrase again would cost as much once
      // more, most of it in the long lists of common trigrams.
      parts.push('q.payment_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(match.hits));
    } else if (match) {
      // A broad text that is not plain ASCII (where lower() and the index fold case differently) is only probed
      // (the + keeps it from driving) against its looked-up set: exact, but the set costs one entry per hit.
      parts.push(`+q.payment_id IN (SELECT rowid FROM ${match.table} WHERE ${match.table} MATCH ?)`);
      params.push(match.query);
    } else {
      // Under three characters the trigram index has nothing to match; instr() takes the text literally.
      const test = literalTest(columns, t);
      parts.push(test.sql);
      params.push(...test.params);
    }
  };
  contains('text', ['q.payer_name', 'q.external_ref']);
  contains('payer', ['q.payer_name']);
  contains('reference', ['q.external_ref']);
  if (f.batchId !== undefined) {
    parts.push('q.batch_id = ?');
    params.push(f.batchId);
  }
  if (f.lockboxNo) {
    parts.push('q.lockbox_no = ?');
    params.push(f.lockboxNo);
  }
  if (f.channelId !== undefined) {
    parts.push('q.channel_id = ?');
    params.push(f.channelId);
  }
  if (f.payType !== undefined) {
    parts.push('q.pay_type = ?');
    params.push(f.payType);
  }
  if (f.reasonCode !== undefined) {
    parts.push('q.reason_code = ?');
    params.push(f.reasonCode);
  }
  if (f.owner === 'none') parts.push('q.action_owner IS NULL');
  else if (f.owner !== undefined) {
    parts.push('q.action_owner = ?');
    params.push(f.owner);
  }
  const age = ageCondition(f, today, 'q.entered_on');
  if (age) {
    parts.push(age.sql);
    params.push(...age.params);
  }
  // A received-date range is read from its own (covering) index and its rows sorted after; walking another
  // column's order would look at every older payment first.
  const sortAfter = narrow || f.from !== undefined || f.to !== undefined;
  // The covering index answers a received-date range over the queue without reading the table; SQLite's costing
  // tends to prefer the narrower ordering index there, so it is named.
  // A text that drives reads one queue row per trigram hit: the narrow figures index holds what the page and
  // the totals need at a quarter of the cost of the wide rows.
  const textDrives = narrow && !isNarrow(f);
  const rangeIndex = textDrives
    ? 'INDEXED BY suspense_queue_figures_idx'
    : states === 'active' && !narrow && (f.from !== undefined || f.to !== undefined)
      ? 'INDEXED BY suspense_queue_active_received_cover_idx'
      : '';
  const broadKey = TEXT_KEYS.find((k) => matches.get(k)?.broad && matches.get(k)?.literal) ?? null;
  const broadMatch = broadKey ? matches.get(broadKey) : undefined;
  const broadText = broadMatch ? { table: broadMatch.table, query: broadMatch.query } : null;
  const shortText = TEXT_KEYS.some((k) => isShort(f[k]));
  return {
    sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '',
    params,
    narrow,
    sortAfter,
    rangeIndex,
    broadText,
    broadKey,
    shortText,
  };
}

/** The filters without their contains-texts that are too short for the trigram index. */
function withoutShortTexts(f: SuspenseFilters): SuspenseFilters {
  const out = { ...f };
  for (const k of TEXT_KEYS) if (isShort(f[k])) delete out[k];
  return out;
}

/** The literal test of the short contains-texts on a row (SQL over q.payer_name and q.external_ref). */
function shortTextTest(f: SuspenseFilters): { sql: string; params: string[] } {
  const parts: string[] = [];
  const params: string[] = [];
  for (const k of TEXT_KEYS) {
    const t = f[k]?.trim();
    if (!t || !isShort(t)) continue;
    const test = literalTest(TEXT_COLUMNS[k], t);
    parts.push(test.sql);
    params.push(...test.params);
  }
  return { sql: `(${parts.join(' AND ')})`, params };
}

const TEXT_KEYS = ['text', 'payer', 'reference'] as const;
const TEXT_COLUMNS: Record<(typeof TEXT_KEYS)[number], string[]> = {
  text: ['q.payer_name', 'q.external_ref'],
  payer: ['q.payer_name'],
  reference: ['q.external_ref'],
};

/** True for a contains-text under three characters: the trigram index has nothing to match it with. */
function isShort(text: string | undefined): boolean {
  const t = text?.trim();
  return !!t && [...t].length < 3;
}

/** Case-insensitive literal containment (instr, so % _ * and quotes are plain text). */
function literalTest(columns: string[], text: string): { sql: string; params: string[] } {
  return {
    sql: `(${columns.map((c) => `instr(lower(coalesce(${c}, '')), lower(?)) > 0`).join(' OR ')})`,
    params: columns.map(() => text),
  };
}

/** True when a filter picks few rows through an index of its own: a number tried, a batch, a lockbox. */
function isNarrow(f: SuspenseFilters): boolean {
  return !!f.accountHint || !!f.billNo || f.batchId !== undefined || !!f.lockboxNo;
}

/**
 * Above this many trigram hits a contains-text stops driving the search (see whereOf). Reading one queue row per
 * hit costs about 2 µs, so this many keeps a text-driven first page plus its exact totals near 20-30 ms.
 */
const BROAD_TEXT_HITS = 10_000;

/** How many rows of the other filters a short contains-text is tested on for its totals (see searchSuspense). */
const SHORT_TEXT_ROWS = 10_000;

/**
 * A broad text with other filters is counted exactly by checking the text on each row those filters select when
 * the running tally says they select at most this many (a literal test per row, about 1 µs each).
 */
const EXACT_SCAN_ROWS = 10_000;

/** The payments a trigram query finds (ids ascending), listed only up to just past BROAD_TEXT_HITS. */
function ftsHits(db: Database.Database, table: FtsTable, query: string): number[] {
  return db
    .prepare(`SELECT rowid FROM ${table} WHERE ${table} MATCH ? LIMIT ?`)
    .pluck()
    .all(query, BROAD_TEXT_HITS + 1) as number[];
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

/** The entry-date condition of the age buckets asked for, or null when every age is wanted. */
function ageCondition(
  f: SuspenseFilters,
  today: string,
  column: string,
): { sql: string; params: string[] } | null {
  if (!f.ageBucket || f.ageBucket.length === 0 || new Set(f.ageBucket).size === AGE_BUCKETS.length)
    return null;
  const ors: string[] = [];
  const params: string[] = [];
  for (const b of new Set(f.ageBucket)) {
    const [oldest, newest] = bucketRange(b, today);
    const conds: string[] = [];
    if (oldest) {
      conds.push(`${column} >= ?`);
      params.push(oldest);
    }
    if (newest) {
      conds.push(`${column} <= ?`);
      params.push(newest);
    }
    ors.push(`(${conds.join(' AND ')})`);
  }
  return { sql: `(${ors.join(' OR ')})`, params };
}

/** Filters the running tally can answer alone (everything else needs the queue rows). */
const TALLY_FILTERS: ReadonlySet<string> = new Set([
  'status',
  'currency',
  'owner',
  'reasonCode',
  'ageBucket',
]);

/**
 * The tally's WHERE clause for the filters, or null when a filter needs the queue rows (text, dates, amounts,
 * numbers tried, batch, lockbox, channel, pay type).
 */
function tallyWhere(f: SuspenseFilters, today: string): { sql: string; params: (string | number)[] } | null {
  for (const key of Object.keys(FILTER_KEYS)) {
    if (!TALLY_FILTERS.has(key) && (f as Record<string, unknown>)[key] !== undefined) return null;
  }
  return tallyConditions(f, today);
}

/** At most how many payments the filters select: the tally's count for the filters it knows, ignoring the rest. */
function tallyBound(db: Database.Database, f: SuspenseFilters, today: string): number {
  const t = tallyConditions(f, today);
  return (
    db.prepare(`SELECT coalesce(sum(t.count), 0) AS n FROM suspense_tally t ${t.sql}`).get(...t.params) as {
      n: number;
    }
  ).n;
}

/** The tally's WHERE clause for the filters it can answer (status, currency, owner, reason, age). */
function tallyConditions(f: SuspenseFilters, today: string): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const states = statesOf(f);
  const list = states === 'active' ? ACTIVE_SUSPENSE_STATES : states === 'all' ? null : states;
  if (list) {
    parts.push(`t.state IN (${list.map(() => '?').join(', ')})`);
    params.push(...list);
  }
  if (f.currency) {
    parts.push('t.currency = ?');
    params.push(f.currency);
  }
  if (f.owner !== undefined) {
    parts.push('t.owner = ?');
    params.push(f.owner === 'none' ? -1 : f.owner);
  }
  if (f.reasonCode !== undefined) {
    parts.push('t.reason_code = ?');
    params.push(f.reasonCode);
  }
  const age = ageCondition(f, today, 't.entered_on');
  if (age) {
    parts.push(age.sql);
    params.push(...age.params);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Every filter key (the search input also carries paging keys, which are not filters). */
const FILTER_KEYS: Record<keyof SuspenseFilters, true> = {
  from: true,
  to: true,
  minAmount: true,
  maxAmount: true,
  currency: true,
  accountHint: true,
  billNo: true,
  text: true,
  payer: true,
  reference: true,
  batchId: true,
  lockboxNo: true,
  channelId: true,
  payType: true,
  reasonCode: true,
  owner: true,
  status: true,
  ageBucket: true,
};

type RawRow = Omit<SuspenseRowDto, 'failed' | 'ageDays'> & { failed: number };

const ROW_SQL = `SELECT q.payment_id AS paymentId, q.root_id AS rootId, q.state, q.failed, q.amount_minor AS amountMinor, q.currency,
    q.effective_date AS effectiveDate, q.entered_on AS enteredOn, q.reason_code AS reasonCode,
    (SELECT label FROM reason_codes WHERE domain_id = 14 AND id = q.reason_code) AS reasonLabel,
    q.action_owner AS actionOwner, (SELECT label FROM reason_codes WHERE domain_id = 15 AND id = q.action_owner) AS ownerLabel,
    q.account_hint AS accountHint, q.bill_no AS billNo, q.payer_name AS payerName, q.external_ref AS externalRef,
    q.batch_id AS batchId, q.lockbox_no AS lockboxNo, q.channel_id AS channelId, q.pay_type AS payType
  FROM suspense_queue q`;

/** Turns raw rows into DTOs with their age. */
export function toRows(rows: RawRow[], today: string): SuspenseRowDto[] {
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

const statsCheckedAt = new WeakMap<Database.Database, number>();

/**
 * Lets SQLite refresh its planner statistics (sampled, so it stays cheap) at most once an hour per connection:
 * with a queue of hundreds of thousands of rows the planner needs them to drive a search from the selective
 * filter's index (a number tried, a lockbox) instead of walking the sort order's index.
 */
function keepStatsFresh(db: Database.Database): void {
  const now = Date.now();
  const last = statsCheckedAt.get(db);
  if (last !== undefined && now - last < 3_600_000) return;
  statsCheckedAt.set(db, now);
  let known = 0;
  let analysed = 0;
  try {
    const stats = db
      .prepare(`SELECT stat FROM sqlite_stat1 WHERE tbl = 'suspense_queue' AND idx IS NOT NULL`)
      .all() as { stat: string }[];
    analysed = stats.length;
    known = Number(stats[0]?.stat.split(' ')[0] ?? 0);
  } catch {
    // No sqlite_stat1 yet: nothing was ever analysed.
  }
  const indexes = (
    db.prepare(`SELECT count(*) AS n FROM pragma_index_list('suspense_queue')`).get() as { n: number }
  ).n;
  const rows = (db.prepare('SELECT count(*) AS n FROM suspense_queue').get() as { n: number }).n;
  // An index without statistics (a new migration) is costed as if it were very selective, which misleads the
  // planner as much as stale counts do.
  const fresh = analysed >= indexes && known > 0 && rows <= known * 2 && rows * 2 >= known;
  if (rows < 1000 || fresh) return;
  // A full pass (a second or two for 500,000 rows, once each time the queue doubles or halves): sampled
  // statistics misjudge the low-cardinality leading columns (state, active) and mislead the planner.
  db.pragma('analysis_limit = 0');
  db.exec('ANALYZE suspense_queue');
}

/**
 * Searches the Payment Center work queue. Pages by keyset (`cursor`, from the previous page) or by `offset`
 * (what a grid asks for), sorted by any column with the payment id as tie-breaker. With `totals`, also counts and
 * sums the whole result per currency, age bucket and action owner.
 */
export function searchSuspense(
  db: Database.Database,
  input: SuspenseSearchInput,
  now: Date,
): SuspenseSearchDto {
  const started = performance.now();
  keepStatsFresh(db);
  const today = dayOf(now);
  const where = whereOf(db, input, today);
  const sort = SORT_COLUMNS[input.sortBy];
  const dir = input.sortDir === 'desc' ? 'DESC' : 'ASC';
  const params: (string | number)[] = [...where.params];
  let whereSql = where.sql;
  if (input.cursor !== undefined) {
    if (input.offset !== undefined) throw conflict('paging', 'give either a cursor or an offset, not both');
    const [value, id] = decodeCursor(input.cursor, sort.text);
    const cmp = dir === 'ASC' ? '>' : '<';
    whereSql = `${whereSql ? `${whereSql} AND` : 'WHERE'} (${sort.sql}, q.payment_id) ${cmp} (?, ?)`;
    params.push(value, id);
  }
  // Under a narrow filter the few matching rows are sorted; no index order may be walked instead (see whereOf).
  const plain = !where.sortAfter || (input.sortBy === 'effectiveDate' && !where.narrow);
  const order = plain ? sort.sql : `+${sort.sql}`;
  const sortKey = sort.sql === 'q.payment_id' ? order : `${order} ${dir}, ${plain ? '' : '+'}q.payment_id`;
  // Page keys first (often from an index alone), then the page's rows with their labels.
  const keys = db
    .prepare(
      `SELECT q.payment_id AS id, ${sort.sql} AS sortValue FROM suspense_queue q ${plain ? '' : where.rangeIndex} ${whereSql}
       ORDER BY ${sortKey} ${dir} LIMIT ? OFFSET ?`,
    )
    .all(...params, input.limit + 1, input.offset ?? 0) as { id: number; sortValue: string | number }[];
  const more = keys.length > input.limit;
  const page = more ? keys.slice(0, input.limit) : keys;
  const last = page[page.length - 1];
  const nextCursor = more && last ? encodeCursor(last.sortValue, last.id) : null;
  const byId = new Map(
    (
      db
        .prepare(`${ROW_SQL} WHERE q.payment_id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(page.map((k) => k.id))) as RawRow[]
    ).map((r) => [r.paymentId, r]),
  );
  const rows = toRows(
    page.flatMap((k) => {
      const r = byId.get(k.id);
      return r ? [r] : [];
    }),
    today,
  );
  const out: SuspenseSearchDto = {
    rows,
    nextCursor,
    total: -1,
    totalsByCurrency: [],
    byAge: [],
    byOwner: [],
    totalExact: true,
    elapsedMs: 0,
  };
  if (input.totals) {
    const tally = tallyWhere(input, today);
    const bucket = bucketCase(today, tally ? 'entered_on' : 'q.entered_on');
    // A text checked row by row (broad, or too short for the trigram index) over a large part of the queue
    // cannot be counted exactly in time: every match is a row to read. Its totals then stop at BROAD_TEXT_HITS
    // (index hits of a broad text, or matches of a short one) and say so; a smaller result is still exact.
    const rowByRow =
      !tally &&
      (where.broadText !== null || where.shortText) &&
      !isNarrow(input) &&
      tallyBound(db, input, today) > EXACT_SCAN_ROWS;
    let groups: { currency: string; owner: number | null; bucket: AgeBucket; n: number; amount: number }[];
    if (rowByRow && where.broadText !== null) {
      out.totalExact = false;
      // The hits match the text already; the other filters are checked on the narrow figures of each hit.
      const base = whereOf(db, { ...input, [where.broadKey ?? 'text']: undefined }, today);
      groups = db
        .prepare(
          `SELECT q.currency AS currency, q.action_owner AS owner, ${bucket.sql} AS bucket, count(*) AS n,
                  sum(q.amount_minor) AS amount
           FROM (SELECT rowid AS id FROM ${where.broadText.table} WHERE ${where.broadText.table} MATCH ? LIMIT ?) m
           CROSS JOIN suspense_queue q INDEXED BY suspense_queue_figures_idx ON q.payment_id = m.id ${base.sql}
           GROUP BY 1, 2, 3`,
        )
        .all(...bucket.params, where.broadText.query, BROAD_TEXT_HITS, ...base.params) as typeof groups;
    } else if (rowByRow) {
      // The other filters' rows are read up to SHORT_TEXT_ROWS and the short texts tested on each.
      const base = whereOf(db, withoutShortTexts(input), today);
      const test = shortTextTest(input);
      const counted = db
        .prepare(
          `SELECT q.currency AS currency, q.action_owner AS owner, ${bucket.sql} AS bucket, sum(${test.sql}) AS n,
                  coalesce(sum(CASE WHEN ${test.sql} THEN q.amount_minor END), 0) AS amount, count(*) AS seen
           FROM (SELECT q.currency, q.action_owner, q.entered_on, q.amount_minor, q.payer_name, q.external_ref
                 FROM suspense_queue q ${base.rangeIndex} ${base.sql} LIMIT ?) q
           GROUP BY 1, 2, 3`,
        )
        .all(
          ...bucket.params,
          ...test.params,
          ...test.params,
          ...base.params,
          SHORT_TEXT_ROWS,
        ) as ((typeof groups)[number] & { seen: number })[];
      out.totalExact = counted.reduce((s, g) => s + g.seen, 0) < SHORT_TEXT_ROWS;
      groups = counted.filter((g) => g.n > 0);
    } else {
      groups = (
        tally
          ? db
              .prepare(
                // Per entry day first, in the order of suspense_tally_figures_idx (no sort of the whole tally),
                // then the few hundred days into age buckets.
                `SELECT currency, owner, ${bucket.sql} AS bucket, sum(n) AS n, sum(amount) AS amount
                 FROM (SELECT t.currency AS currency, nullif(t.owner, -1) AS owner, t.entered_on AS entered_on,
                              sum(t.count) AS n, sum(t.amount_minor) AS amount
                       FROM suspense_tally t ${tally.sql} GROUP BY t.currency, t.owner, t.entered_on)
                 GROUP BY 1, 2, 3 HAVING sum(n) <> 0`,
              )
              .all(...bucket.params, ...tally.params)
          : db
              .prepare(
                `SELECT q.currency AS currency, q.action_owner AS owner, ${bucket.sql} AS bucket, count(*) AS n,
                        sum(q.amount_minor) AS amount
                 FROM suspense_queue q ${where.rangeIndex} ${where.sql} GROUP BY 1, 2, 3`,
              )
              .all(...bucket.params, ...where.params)
      ) as typeof groups;
    }
    // Amounts summed exactly (BigInt): closed cases are not bounded by the money ceiling, so a currency
    // total past 2^53 - 1 (or a group sum already past it) is refused rather than shown rounded.
    const byCurrency = new Map<string, { count: number; amountMinor: bigint }>();
    const byAge = new Map<AgeBucket, number>(AGE_BUCKETS.map((b) => [b, 0]));
    const byOwner = new Map<number | null, number>();
    for (const g of groups) {
      const c = byCurrency.get(g.currency) ?? { count: 0, amountMinor: 0n };
      c.count += g.n;
      c.amountMinor += BigInt(
        toMinor(g.amount, `the Payment Center total in ${g.currency} (narrow the search)`),
      );
      byCurrency.set(g.currency, c);
      byAge.set(g.bucket, (byAge.get(g.bucket) ?? 0) + g.n);
      byOwner.set(g.owner, (byOwner.get(g.owner) ?? 0) + g.n);
    }
    const label = db.prepare('SELECT label FROM reason_codes WHERE domain_id = 15 AND id = ?');
    out.total = groups.reduce((s, g) => s + g.n, 0);
    out.totalsByCurrency = [...byCurrency]
      .map(([currency, v]) => ({
        currency,
        count: v.count,
        amountMinor: toMinor(v.amountMinor, `the Payment Center total in ${currency} (narrow the search)`),
      }))
      .sort((a, b) => b.count - a.count || a.currency.localeCompare(b.currency));
    out.byAge = AGE_BUCKETS.map((b) => ({ bucket: b, count: byAge.get(b) ?? 0 }));
    out.byOwner = [...byOwner]
      .map(([owner, count]) => ({
        owner,
        label: owner === null ? null : ((label.get(owner) as { label: string } | undefined)?.label ?? null),
        count,
      }))
      // Biggest first; ties by owner code, unassigned last.
      .sort(
        (a, b) =>
          b.count - a.count || (a.owner ?? Number.MAX_SAFE_INTEGER) - (b.owner ?? Number.MAX_SAFE_INTEGER),
      );
  }
  out.elapsedMs = Math.round((performance.now() - started) * 10) / 10;
  return out;
}

/** One row of the queue by payment id, or undefined. */
export function queueRow(db: Database.Database, paymentId: number, now: Date): SuspenseRowDto | undefined {
  const r = db.prepare(`${ROW_SQL} WHERE q.payment_id = ?`).get(paymentId) as RawRow | undefined;
  return r ? toRows([r], dayOf(now))[0] : undefined;
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
export function exportSuspense(
  db: Database.Database,
  paymentIds: number[],
  now: Date,
): { csv: string; rows: number } {
  const raw = db
    .prepare(`${ROW_SQL} WHERE q.payment_id IN (SELECT value FROM json_each(?)) ORDER BY q.payment_id`)
    .all(JSON.stringify(paymentIds)) as RawRow[];
  if (raw.length === 0) throw notFound('suspended payment', paymentIds.slice(0, 5).join(', '));
  const rows = toRows(raw, dayOf(now));
  const lines = [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(','))];
  return { csv: lines.join('\r\n') + '\r\n', rows: rows.length };
}
