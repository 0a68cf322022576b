import { sql, type SQL } from 'drizzle-orm';
import type { SuspenseRowDto } from '../../src-shared/dto/suspense';
import type { Tx } from '../storage/port';
import { binary, inList, likeLiteral } from './dialect';

/**
 * The Payment Center's search over the suspense work queue (issue #17: behind the storage port). A search is
 * asked as plain values (QueueQuery, resolved from the operator's filters by the service); this module turns it
 * into each database's SQL. SQLite keeps its tuned plan (FTS5 trigram lookups, covering indexes named, the
 * planner steered with unary +); PostgreSQL matches text with ILIKE over its pg_trgm indexes and counts exactly.
 */

/** The contains-text filters and the queue columns each one looks in. */
export const TEXT_KEYS = ['text', 'payer', 'reference'] as const;
export type TextKey = (typeof TEXT_KEYS)[number];
const TEXT_COLUMNS: Record<TextKey, SQL[]> = {
  text: [sql`q.payer_name`, sql`q.external_ref`],
  payer: [sql`q.payer_name`],
  reference: [sql`q.external_ref`],
};

/** A search over the queue in plain values (dates YYYY-MM-DD, amounts in minor units). */
export type QueueQuery = {
  /** The active states (one index range), every state, or a list. */
  states: 'active' | 'all' | readonly string[];
  from?: string | undefined;
  to?: string | undefined;
  minAmount?: number | undefined;
  maxAmount?: number | undefined;
  currency?: string | undefined;
  /** Prefixes, case-insensitive. */
  accountHint?: string | undefined;
  billNo?: string | undefined;
  /** Contains-texts (trimmed, not empty), case-insensitive, taken literally. */
  text?: string | undefined;
  payer?: string | undefined;
  reference?: string | undefined;
  batchId?: number | undefined;
  lockboxNo?: string | undefined;
  channelId?: number | undefined;
  payType?: number | undefined;
  reasonCode?: number | undefined;
  owner?: number | 'none' | undefined;
  /** Entry-date ranges, any of which matches: [oldest, newest], either open. Absent: every age. */
  ages?: readonly (readonly [string | null, string | null])[] | undefined;
};

/** The columns a search may be sorted by. */
export const SORT_COLUMNS = {
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
} as const satisfies Record<string, { sql: string; text: boolean }>;
export type QueueSortKey = keyof typeof SORT_COLUMNS;

/** One page request: sort, direction, and either the key after which to go on or an offset. */
export type QueuePage = {
  sortBy: QueueSortKey;
  desc: boolean;
  limit: number;
  offset?: number | undefined;
  after?: readonly [string | number, number] | undefined;
};

/** A queue row as the repository reads it: the DTO's row without its age, failed a 0/1 flag. */
export type QueueRow = Omit<SuspenseRowDto, 'failed' | 'ageDays'> & { failed: number };

/** One group of the totals: count and exact sum (as decimal text: a sum may pass 2^53 - 1) per currency, owner, age. */
export type TotalsGroup = {
  currency: string;
  owner: number | null;
  bucket: string;
  n: number;
  amount: string;
};

const QUEUE_ROW = sql`SELECT q.payment_id AS "paymentId", q.root_id AS "rootId", q.state, q.failed,
    q.amount_minor AS "amountMinor", q.currency, q.effective_date AS "effectiveDate", q.entered_on AS "enteredOn",
    q.reason_code AS "reasonCode",
    (SELECT label FROM reason_codes WHERE domain_id = 14 AND id = q.reason_code) AS "reasonLabel",
    q.action_owner AS "actionOwner",
    (SELECT label FROM reason_codes WHERE domain_id = 15 AND id = q.action_owner) AS "ownerLabel",
    q.account_hint AS "accountHint", q.bill_no AS "billNo", q.payer_name AS "payerName",
    q.external_ref AS "externalRef", q.batch_id AS "batchId", q.lockbox_no AS "lockboxNo",
    q.channel_id AS "channelId", q.pay_type AS "payType"
  FROM suspense_queue q`;

/**
 * Above this many trigram hits a contains-text stops driving a SQLite search (see prepareWhere). Reading one queue
 * row per hit costs about 2 µs, so this many keeps a text-driven first page plus its exact totals near 20-30 ms.
 */
export const BROAD_TEXT_HITS = 10_000;

/** How many rows of the other filters a short contains-text is tested on for its totals (SQLite). */
const SHORT_TEXT_ROWS = 10_000;

/**
 * A broad text with other filters is counted exactly by checking the text on each row those filters select when
 * the running tally says they select at most this many (a literal test per row, about 1 µs each).
 */
const EXACT_SCAN_ROWS = 10_000;

/** The trigram indexes of SQLite: payer name and reference together, and the payer name alone. */
type FtsTable = 'suspense_fts' | 'suspense_payer_fts';

/** A contains-text looked up in SQLite's trigram index. */
type FtsMatch = { table: FtsTable; query: string; hits: string; broad: boolean; literal: boolean };

/** The WHERE clause of a search with what decides its plan. */
type Where = {
  parts: SQL[];
  sql: SQL;
  narrow: boolean;
  sortAfter: boolean;
  /** SQLite: the index named for the search (empty elsewhere). */
  rangeIndex: SQL;
  /** SQLite: the trigram query of a broad literal text (checked row by row), or null. */
  broadText: { table: FtsTable; query: string } | null;
  broadKey: TextKey | null;
  /** SQLite: a text is too short for the trigram index (checked row by row). */
  shortText: boolean;
};

/** Quotes text as one FTS5 phrase so user input (quotes, stars, operators, SQL) is only ever text. */
function ftsPhrase(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** True for a contains-text under three characters: the trigram index has nothing to match it with. */
function isShort(text: string | undefined): boolean {
  return !!text && [...text].length < 3;
}

/** True when a filter picks few rows through an index of its own: a number tried, a batch, a lockbox. */
function isNarrow(q: QueueQuery): boolean {
  return !!q.accountHint || !!q.billNo || q.batchId !== undefined || !!q.lockboxNo;
}

function whereSql(parts: SQL[]): SQL {
  return parts.length ? sql`WHERE ${sql.join(parts, sql` AND `)}` : sql``;
}

/**
 * Case-insensitive literal containment: SQLite's instr over lower() (so % _ * and quotes are plain text),
 * PostgreSQL's ILIKE with its wildcards escaped (served by the pg_trgm indexes).
 */
function literalTest(tx: Tx, columns: SQL[], text: string): SQL {
  const tests =
    tx.dialect === 'postgres'
      ? columns.map((c) => sql`${c} ILIKE ${`%${likeLiteral(text)}%`} ESCAPE '\\'`)
      : columns.map((c) => sql`instr(lower(coalesce(${c}, '')), lower(${text})) > 0`);
  return sql`(${sql.join(tests, sql` OR `)})`;
}

/**
 * The payments a trigram query finds (ids ascending, as a JSON array), listed only up to just past
 * BROAD_TEXT_HITS, and how many. The list stays JSON text from SQLite and back into json_each: ten thousand ids
 * never become JavaScript values.
 */
async function ftsHits(tx: Tx, table: FtsTable, query: string): Promise<{ n: number; json: string }> {
  const row = await tx.get<{ n: number; json: string }>(
    sql`SELECT count(*) AS n, json_group_array(id) AS json FROM (SELECT rowid AS id FROM ${sql.raw(table)}
        WHERE ${sql.raw(table)} MATCH ${query} LIMIT ${BROAD_TEXT_HITS + 1})`,
  );
  return row ?? { n: 0, json: '[]' };
}

/** The entry-date condition of the age ranges asked for, or null when every age is wanted. */
function ageCondition(tx: Tx, q: QueueQuery, column: SQL): SQL | null {
  if (!q.ages) return null;
  const col = binary(tx, column);
  const ors = q.ages.map(([oldest, newest]) => {
    const conds: SQL[] = [];
    if (oldest) conds.push(sql`${col} >= ${oldest}`);
    if (newest) conds.push(sql`${col} <= ${newest}`);
    return sql`(${sql.join(conds, sql` AND `)})`;
  });
  return sql`(${sql.join(ors, sql` OR `)})`;
}

/** The filters every search applies the same way on both databases (equalities, ranges). */
function plainConditions(tx: Tx, q: QueueQuery): SQL[] {
  const parts: SQL[] = [];
  if (q.from) parts.push(sql`${binary(tx, sql`q.effective_date`)} >= ${q.from}`);
  if (q.to) parts.push(sql`${binary(tx, sql`q.effective_date`)} <= ${q.to}`);
  if (q.minAmount !== undefined) parts.push(sql`q.amount_minor >= ${q.minAmount}`);
  if (q.maxAmount !== undefined) parts.push(sql`q.amount_minor <= ${q.maxAmount}`);
  if (q.currency) parts.push(sql`q.currency = ${q.currency}`);
  return parts;
}

function idConditions(tx: Tx, q: QueueQuery): SQL[] {
  const parts: SQL[] = [];
  if (q.batchId !== undefined) parts.push(sql`q.batch_id = ${q.batchId}`);
  if (q.lockboxNo) parts.push(sql`q.lockbox_no = ${q.lockboxNo}`);
  if (q.channelId !== undefined) parts.push(sql`q.channel_id = ${q.channelId}`);
  if (q.payType !== undefined) parts.push(sql`q.pay_type = ${q.payType}`);
  if (q.reasonCode !== undefined) parts.push(sql`q.reason_code = ${q.reasonCode}`);
  if (q.owner === 'none') parts.push(sql`q.action_owner IS NULL`);
  else if (q.owner !== undefined) parts.push(sql`q.action_owner = ${q.owner}`);
  const age = ageCondition(tx, q, sql`q.entered_on`);
  if (age) parts.push(age);
  return parts;
}

/** The state filter; `plus` (SQLite) keeps a narrow search's planner off the state indexes (see sqliteWhere). */
function stateCondition(tx: Tx, q: QueueQuery, plus: SQL): SQL[] {
  if (q.states === 'active') return [sql`${plus}q.active = 1`];
  if (q.states === 'all') return [];
  return [sql`${plus}${stateIn(tx, sql`q.state`, q.states)}`];
}

/**
 * The numbers the payer tried, as case-insensitive prefixes: on SQLite a NOCASE range (its index; LIKE is avoided
 * so % and _ stay plain text), on PostgreSQL ILIKE with the wildcards escaped.
 */
function prefixConditions(tx: Tx, q: QueueQuery): SQL[] {
  const parts: SQL[] = [];
  for (const [key, col] of [
    ['accountHint', sql`q.account_hint`],
    ['billNo', sql`q.bill_no`],
  ] as const) {
    const prefix = q[key];
    if (!prefix) continue;
    parts.push(
      tx.dialect === 'postgres'
        ? sql`${col} ILIKE ${`${likeLiteral(prefix)}%`} ESCAPE '\\'`
        : sql`${col} >= ${prefix} COLLATE NOCASE AND ${col} < ${`${prefix}\u{10FFFF}`} COLLATE NOCASE`,
    );
  }
  return parts;
}

/** PostgreSQL: its planner has the statistics and the pg_trgm indexes, so the filters are stated plainly. */
function postgresWhere(tx: Tx, q: QueueQuery): Where {
  const parts = [...stateCondition(tx, q, sql``), ...plainConditions(tx, q), ...prefixConditions(tx, q)];
  for (const key of TEXT_KEYS) {
    const t = q[key];
    if (t) parts.push(literalTest(tx, TEXT_COLUMNS[key], t));
  }
  parts.push(...idConditions(tx, q));
  return {
    parts,
    sql: whereSql(parts),
    narrow: isNarrow(q),
    sortAfter: true,
    rangeIndex: sql``,
    broadText: null,
    broadKey: null,
    shortText: false,
  };
}

/** SQLite: the filters with the plan its planner would not find alone (see the comments). */
async function sqliteWhere(tx: Tx, q: QueueQuery): Promise<Where> {
  const parts: SQL[] = [];
  // A contains-text is looked up once; it drives the search only when it picks few payments.
  const matches = new Map<TextKey, FtsMatch>();
  for (const [key, columns] of [
    ['text', '{payer_name external_ref}'],
    // The payer name has an index of its own (see migration 0013), so no column filter is needed there.
    ['payer', null],
    ['reference', 'external_ref'],
  ] as const) {
    const t = q[key];
    if (!t || isShort(t)) continue;
    const table: FtsTable = columns === null ? 'suspense_payer_fts' : 'suspense_fts';
    const query = columns === null ? ftsPhrase(t) : `${columns} : ${ftsPhrase(t)}`;
    // Printable ASCII folds the same way in the trigram index (case_sensitive=0) as in SQLite's lower(), so for
    // such text instr() finds exactly the payments the index would.
    const hits = await ftsHits(tx, table, query);
    matches.set(key, {
      table,
      query,
      hits: hits.json,
      broad: hits.n > BROAD_TEXT_HITS,
      literal: /^[\x20-\x7e]+$/.test(t),
    });
  }
  const narrow = isNarrow(q) || [...matches.values()].some((m) => !m.broad);
  // With a narrow filter its own index must drive the search; the unary + keeps SQLite off the state indexes,
  // whose order would otherwise tempt it to walk the whole queue (it cannot tell how selective a prefix is).
  const plus = narrow ? sql.raw('+') : sql``;
  parts.push(...stateCondition(tx, q, plus), ...plainConditions(tx, q), ...prefixConditions(tx, q));
  for (const key of TEXT_KEYS) {
    const t = q[key];
    if (!t) continue;
    const match = matches.get(key);
    if (match?.broad && match.literal) {
      // A broad text is checked on each row another index yields: listing its many index hits first (to probe
      // them as a set, or to read their rows) costs far more than a literal test of the few rows a page needs.
      parts.push(literalTest(tx, TEXT_COLUMNS[key], t));
    } else if (match && !match.broad) {
      // The hits were listed already (at most BROAD_TEXT_HITS): matching the phrase again would cost as much once
      // more, most of it in the long lists of common trigrams.
      parts.push(sql`q.payment_id IN (SELECT value FROM json_each(${match.hits}))`);
    } else if (match) {
      // A broad text that is not plain ASCII (where lower() and the index fold case differently) is only probed
      // (the + keeps it from driving) against its looked-up set: exact, but the set costs one entry per hit.
      const table = sql.raw(match.table);
      parts.push(sql`+q.payment_id IN (SELECT rowid FROM ${table} WHERE ${table} MATCH ${match.query})`);
    } else {
      // Under three characters the trigram index has nothing to match; instr() takes the text literally.
      parts.push(literalTest(tx, TEXT_COLUMNS[key], t));
    }
  }
  parts.push(...idConditions(tx, q));
  // A received-date range is read from its own (covering) index and its rows sorted after; walking another
  // column's order would look at every older payment first.
  const sortAfter = narrow || q.from !== undefined || q.to !== undefined;
  // The covering index answers a received-date range over the queue without reading the table; SQLite's costing
  // tends to prefer the narrower ordering index there, so it is named.
  // A text that drives reads one queue row per trigram hit: the narrow figures index holds what the page and
  // the totals need at a quarter of the cost of the wide rows.
  const textDrives = narrow && !isNarrow(q);
  const rangeIndex = textDrives
    ? sql.raw('INDEXED BY suspense_queue_figures_idx')
    : q.states === 'active' && !narrow && (q.from !== undefined || q.to !== undefined)
      ? sql.raw('INDEXED BY suspense_queue_active_received_cover_idx')
      : sql``;
  const broadKey = TEXT_KEYS.find((k) => matches.get(k)?.broad && matches.get(k)?.literal) ?? null;
  const broadMatch = broadKey ? matches.get(broadKey) : undefined;
  return {
    parts,
    sql: whereSql(parts),
    narrow,
    sortAfter,
    rangeIndex,
    broadText: broadMatch ? { table: broadMatch.table, query: broadMatch.query } : null,
    broadKey,
    shortText: TEXT_KEYS.some((k) => isShort(q[k])),
  };
}

/**
 * A state among a few: on SQLite one placeholder per state (the planner costs an IN list, not a json_each), on
 * PostgreSQL one array parameter.
 */
function stateIn(tx: Tx, column: SQL, states: readonly string[]): SQL {
  if (tx.dialect === 'postgres') return inList(tx, column, states);
  return sql`${column} IN (${sql.join(
    states.map((v) => sql`${v}`),
    sql`, `,
  )})`;
}

function prepareWhere(tx: Tx, q: QueueQuery): Promise<Where> {
  return tx.dialect === 'postgres' ? Promise.resolve(postgresWhere(tx, q)) : sqliteWhere(tx, q);
}

/** The keys of tally-known filters only (status, currency, owner, reason, age); anything else needs the rows. */
function tallyOnly(q: QueueQuery): boolean {
  return (
    q.from === undefined &&
    q.to === undefined &&
    q.minAmount === undefined &&
    q.maxAmount === undefined &&
    !q.accountHint &&
    !q.billNo &&
    TEXT_KEYS.every((k) => !q[k]) &&
    q.batchId === undefined &&
    !q.lockboxNo &&
    q.channelId === undefined &&
    q.payType === undefined
  );
}

/** The tally's WHERE clause for the filters it can answer (status, currency, owner, reason, age). */
function tallyConditions(tx: Tx, q: QueueQuery, activeStates: readonly string[]): SQL {
  const parts: SQL[] = [];
  const list = q.states === 'active' ? activeStates : q.states === 'all' ? null : q.states;
  if (list) parts.push(stateIn(tx, sql`t.state`, list));
  if (q.currency) parts.push(sql`t.currency = ${q.currency}`);
  if (q.owner !== undefined) parts.push(sql`t.owner = ${q.owner === 'none' ? -1 : q.owner}`);
  if (q.reasonCode !== undefined) parts.push(sql`t.reason_code = ${q.reasonCode}`);
  const age = ageCondition(tx, q, sql`t.entered_on`);
  if (age) parts.push(age);
  return whereSql(parts);
}

/** SQL (a CASE) naming the age bucket of an entry-date column; `bounds` are the newest days of 0-7 .. 61-90. */
function bucketCase(tx: Tx, column: SQL, bounds: readonly [string, string, string, string]): SQL {
  const c = binary(tx, column);
  return sql`CASE WHEN ${c} >= ${bounds[0]} THEN '0-7' WHEN ${c} >= ${bounds[1]} THEN '8-30'
    WHEN ${c} >= ${bounds[2]} THEN '31-60' WHEN ${c} >= ${bounds[3]} THEN '61-90' ELSE '90+' END`;
}

/** An exact sum as decimal text on both databases (PostgreSQL's numeric, SQLite's 64-bit integer). */
function sumText(expr: SQL): SQL {
  return sql`CAST(sum(${expr}) AS TEXT)`;
}

/** A prepared search: its page and its totals read in the same transaction. */
export type QueueSearch = {
  page(p: QueuePage): Promise<{ id: number; sortValue: string | number }[]>;
  /**
   * Count and exact sum of the whole result per currency, owner and age bucket. `exact` is false when SQLite had
   * to stop counting a text checked row by row (see BROAD_TEXT_HITS); PostgreSQL always counts exactly.
   */
  totals(opts: {
    bounds: readonly [string, string, string, string];
    activeStates: readonly string[];
  }): Promise<{ groups: TotalsGroup[]; exact: boolean }>;
};

/** Prepares a search of the queue (on SQLite this looks the contains-texts up in the trigram indexes). */
export async function searchQueue(tx: Tx, q: QueueQuery): Promise<QueueSearch> {
  const where = await prepareWhere(tx, q);
  const pg = tx.dialect === 'postgres';
  return {
    async page(p) {
      const sort = SORT_COLUMNS[p.sortBy];
      const dir = sql.raw(p.desc ? 'DESC' : 'ASC');
      const sortCol = sort.text ? binary(tx, sql.raw(sort.sql)) : sql.raw(sort.sql);
      const conds = [...where.parts];
      if (p.after) {
        const cmp = sql.raw(p.desc ? '<' : '>');
        conds.push(sql`(${sortCol}, q.payment_id) ${cmp} (${p.after[0]}, ${p.after[1]})`);
      }
      // SQLite: under a narrow filter the few matching rows are sorted; no index order may be walked instead.
      const plain = pg || !where.sortAfter || (p.sortBy === 'effectiveDate' && !where.narrow);
      const order = plain ? sortCol : sql`+${sortCol}`;
      const idOrder = plain ? sql`q.payment_id` : sql`+q.payment_id`;
      const sortKey =
        sort.sql === 'q.payment_id' ? sql`${order} ${dir}` : sql`${order} ${dir}, ${idOrder} ${dir}`;
      return tx.all<{ id: number; sortValue: string | number }>(
        sql`SELECT q.payment_id AS id, ${sortCol} AS "sortValue" FROM suspense_queue q
            ${plain ? sql`` : where.rangeIndex} ${whereSql(conds)}
            ORDER BY ${sortKey} LIMIT ${p.limit} OFFSET ${p.offset ?? 0}`,
      );
    },
    async totals({ bounds, activeStates }) {
      const useTally = tallyOnly(q);
      const bucket = bucketCase(tx, useTally ? sql`entered_on` : sql`q.entered_on`, bounds);
      if (useTally) {
        // Per entry day first, in the order of suspense_tally_figures_idx (no sort of the whole tally), then the
        // few hundred days into age buckets.
        const groups = await tx.all<TotalsGroup>(
          sql`SELECT currency, owner, ${bucket} AS bucket, sum(n) AS n, ${sumText(sql`amount`)} AS amount
              FROM (SELECT t.currency AS currency, nullif(t.owner, -1) AS owner, t.entered_on AS entered_on,
                           sum(t.count) AS n, sum(t.amount_minor) AS amount
                    FROM suspense_tally t ${tallyConditions(tx, q, activeStates)}
                    GROUP BY t.currency, t.owner, t.entered_on) d
              GROUP BY 1, 2, 3 HAVING sum(n) <> 0`,
        );
        return { groups, exact: true };
      }
      // SQLite: a text checked row by row (broad, or too short for the trigram index) over a large part of the
      // queue cannot be counted exactly in time: every match is a row to read. Its totals then stop at
      // BROAD_TEXT_HITS (index hits of a broad text, or matches of a short one) and say so.
      const rowByRow =
        !pg &&
        (where.broadText !== null || where.shortText) &&
        !isNarrow(q) &&
        (await tallyBound(tx, q, activeStates)) > EXACT_SCAN_ROWS;
      if (rowByRow && where.broadText !== null) {
        // The hits match the text already; the other filters are checked on the narrow figures of each hit.
        const base = await prepareWhere(tx, { ...q, [where.broadKey ?? 'text']: undefined });
        const table = sql.raw(where.broadText.table);
        const groups = await tx.all<TotalsGroup>(
          sql`SELECT q.currency AS currency, q.action_owner AS owner, ${bucket} AS bucket, count(*) AS n,
                     ${sumText(sql`q.amount_minor`)} AS amount
              FROM (SELECT rowid AS id FROM ${table} WHERE ${table} MATCH ${where.broadText.query}
                    LIMIT ${BROAD_TEXT_HITS}) m
              CROSS JOIN suspense_queue q INDEXED BY suspense_queue_figures_idx ON q.payment_id = m.id ${base.sql}
              GROUP BY 1, 2, 3`,
        );
        return { groups, exact: false };
      }
      if (rowByRow) {
        // The other filters' rows are read up to SHORT_TEXT_ROWS and the short texts tested on each.
        const rest = { ...q };
        const tests: SQL[] = [];
        for (const k of TEXT_KEYS) {
          const t = q[k];
          if (!t || !isShort(t)) continue;
          delete rest[k];
          tests.push(literalTest(tx, TEXT_COLUMNS[k], t));
        }
        const test = sql`(${sql.join(tests, sql` AND `)})`;
        const base = await prepareWhere(tx, rest);
        const counted = await tx.all<TotalsGroup & { seen: number }>(
          sql`SELECT q.currency AS currency, q.action_owner AS owner, ${bucket} AS bucket, sum(${test}) AS n,
                     coalesce(${sumText(sql`CASE WHEN ${test} THEN q.amount_minor END`)}, '0') AS amount,
                     count(*) AS seen
              FROM (SELECT q.currency, q.action_owner, q.entered_on, q.amount_minor, q.payer_name, q.external_ref
                    FROM suspense_queue q ${base.rangeIndex} ${base.sql} LIMIT ${SHORT_TEXT_ROWS}) q
              GROUP BY 1, 2, 3`,
        );
        return {
          groups: counted.filter((g) => g.n > 0).map(({ seen: _, ...g }) => g),
          exact: counted.reduce((s, g) => s + g.seen, 0) < SHORT_TEXT_ROWS,
        };
      }
      const groups = await tx.all<TotalsGroup>(
        sql`SELECT q.currency AS currency, q.action_owner AS owner, ${bucket} AS bucket, count(*) AS n,
                   ${sumText(sql`q.amount_minor`)} AS amount
            FROM suspense_queue q ${where.rangeIndex} ${where.sql} GROUP BY 1, 2, 3`,
      );
      return { groups, exact: true };
    },
  };
}

/** At most how many payments the filters select: the tally's count for the filters it knows, ignoring the rest. */
async function tallyBound(tx: Tx, q: QueueQuery, activeStates: readonly string[]): Promise<number> {
  const row = await tx.get<{ n: number }>(
    sql`SELECT coalesce(sum(t.count), 0) AS n FROM suspense_tally t ${tallyConditions(tx, q, activeStates)}`,
  );
  return row?.n ?? 0;
}

/** The queue rows of some payments (in no particular order); unknown ids are left out. */
export async function queueRows(tx: Tx, ids: readonly number[]): Promise<QueueRow[]> {
  if (ids.length === 0) return [];
  return tx.all<QueueRow>(sql`${QUEUE_ROW} WHERE ${inList(tx, sql`q.payment_id`, ids)}`);
}

/** The labels of some action owners (reason-code domain 15). */
export async function ownerLabels(tx: Tx, owners: readonly number[]): Promise<Map<number, string>> {
  if (owners.length === 0) return new Map();
  const rows = await tx.all<{ id: number; label: string }>(
    sql`SELECT id, label FROM reason_codes WHERE domain_id = 15 AND ${inList(tx, sql`id`, owners)}`,
  );
  return new Map(rows.map((r) => [r.id, r.label]));
}

/** The minor-unit exponent of a currency, or undefined when the ledger does not know it. */
export async function currencyExponent(tx: Tx, code: string): Promise<number | undefined> {
  const row = await tx.get<{ exponent: number }>(sql`SELECT exponent FROM currencies WHERE code = ${code}`);
  return row?.exponent;
}

/**
 * SQLite only: true when the planner's statistics of the queue are missing or stale (the queue doubled or halved
 * since, or an index has none). With a queue of hundreds of thousands of rows the planner needs them to drive a
 * search from the selective filter's index (a number tried, a lockbox) instead of walking the sort order's index.
 * PostgreSQL's autovacuum keeps its own.
 */
export async function plannerStatsStale(tx: Tx): Promise<boolean> {
  if (tx.dialect !== 'sqlite') return false;
  let known = 0;
  let analysed = 0;
  try {
    const stats = await tx.all<{ stat: string }>(
      sql`SELECT stat FROM sqlite_stat1 WHERE tbl = 'suspense_queue' AND idx IS NOT NULL`,
    );
    analysed = stats.length;
    known = Number(stats[0]?.stat.split(' ')[0] ?? 0);
  } catch {
    // No sqlite_stat1 yet: nothing was ever analysed.
  }
  const indexes = await tx.get<{ n: number }>(
    sql`SELECT count(*) AS n FROM pragma_index_list('suspense_queue')`,
  );
  const rows = await tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM suspense_queue`);
  const n = rows?.n ?? 0;
  // An index without statistics (a new migration) is costed as if it were very selective, which misleads the
  // planner as much as stale counts do.
  const fresh = analysed >= (indexes?.n ?? 0) && known > 0 && n <= known * 2 && n * 2 >= known;
  return n >= 1000 && !fresh;
}

/**
 * SQLite only: a full statistics pass over the queue (a second or two for 500,000 rows, once each time it doubles
 * or halves): sampled statistics misjudge the low-cardinality leading columns (state, active).
 */
export async function refreshPlannerStats(tx: Tx): Promise<void> {
  if (tx.dialect !== 'sqlite') return;
  await tx.run(sql`PRAGMA analysis_limit = 0`);
  await tx.run(sql`ANALYZE suspense_queue`);
}
