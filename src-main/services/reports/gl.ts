import type Database from 'better-sqlite3';
import type {
  GlLineDto,
  GlLinesDto,
  GlSummaryDto,
  GlSummaryRowDto,
  GlTotalsDto,
} from '../../../src-shared/dto/reports';

/** G/L ID of recycling to and from suspense: it has no ledger side of its own, so no row in gl_chart. */
export const GL_RECYCLED = 113;
/** The label of G/L 113. */
export const GL_RECYCLED_LABEL = 'Recycled payments (suspense)';

/**
 * The G/L ID one journal line is reported under: its journal's own G/L ID (suspense moves: 113 recycled or
 * distributed, 112 unallocatable, for every line of the journal), else the chart's G/L ID of the line's ledger side,
 * else 0 (unmapped). Needs `j` (journals), `l` (journal_lines) and `c` (gl_chart LEFT JOINed on l.gl_account).
 */
export const GL_ID_SQL = 'COALESCE(j.gl_id, c.gl_id, 0)';

/** The joins GL_ID_SQL needs, from journal_lines `l`. */
export const GL_JOINS_SQL =
  'JOIN journals j ON j.id = l.journal_id LEFT JOIN gl_chart c ON c.gl_account = l.gl_account';

/**
 * A period of posting dates (inclusive, YYYY-MM-DD), optionally one currency, and the report filters that select
 * journals by what they posted: the operator who posted them (their audit row), and a batch, channel or pay type of
 * a payment they posted or reversed.
 */
export type GlPeriod = {
  from: string;
  to: string;
  currency?: string | undefined;
  operator?: string | undefined;
  batchId?: number | undefined;
  channelId?: number | undefined;
  payType?: number | undefined;
};

/** The day after a YYYY-MM-DD day. */
export function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** A journal posts or reverses a payment that matches `cond` (on payments `p`). */
const journalOfPayment = (cond: string): string =>
  `(EXISTS (SELECT 1 FROM payments p WHERE p.journal_id = j.id AND ${cond})
    OR EXISTS (SELECT 1 FROM reversals r JOIN payments p ON p.id = r.payment_id WHERE r.journal_id = j.id AND ${cond}))`;

/**
 * The WHERE clause of a period on journals `j` and lines `l` by posting date (journals.at, an ISO instant in UTC):
 * every instant from the first day's start up to, not including, the start of the day after the last. It is the
 * same as `substr(j.at, 1, 10) BETWEEN from AND to` but reads the journals(at) index.
 */
export function periodWhere(p: GlPeriod): { sql: string; args: (string | number)[] } {
  const parts = ['j.at >= ?', 'j.at < ?'];
  const args: (string | number)[] = [p.from, nextDay(p.to)];
  const add = (sql: string, ...values: (string | number)[]): void => {
    parts.push(sql);
    args.push(...values);
  };
  if (p.currency !== undefined) add('l.currency = ?', p.currency);
  if (p.operator !== undefined)
    add(
      'EXISTS (SELECT 1 FROM audit_log au JOIN operators o ON o.id = au.operator_id WHERE au.id = j.audit_id AND o.login = ?)',
      p.operator,
    );
  if (p.batchId !== undefined) add(journalOfPayment('p.batch_id = ?'), p.batchId, p.batchId);
  if (p.channelId !== undefined) add(journalOfPayment('p.channel_id = ?'), p.channelId, p.channelId);
  if (p.payType !== undefined) add(journalOfPayment('p.pay_type = ?'), p.payType, p.payType);
  return { sql: parts.join(' AND '), args };
}

/** A SQLite integer read with safeIntegers, as a number; a sum beyond 2^53 is refused, never rounded. */
export function safeNumber(v: bigint | number | null): number {
  if (v === null) return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`a G/L sum (${String(v)}) is beyond 2^53 - 1 minor units`);
  return n;
}

/** The label of every G/L ID the chart knows, plus 113. */
export function glLabels(db: Database.Database): Map<number, string> {
  const rows = db.prepare('SELECT gl_id AS glId, min(label) AS label FROM gl_chart GROUP BY gl_id').all() as {
    glId: number;
    label: string;
  }[];
  const labels = new Map(rows.map((r) => [r.glId, r.label]));
  if (!labels.has(GL_RECYCLED)) labels.set(GL_RECYCLED, GL_RECYCLED_LABEL);
  return labels;
}

/** The label of a G/L ID: the chart's, 113's own, "Unmapped" for 0, else "G/L <id>". */
export function glLabel(labels: Map<number, string>, glId: number): string {
  return labels.get(glId) ?? (glId === 0 ? 'Unmapped (no G/L ID)' : `G/L ${glId}`);
}

type SumRow = { currency: string; debit: bigint; credit: bigint };

function totalsOf(rows: SumRow[]): GlTotalsDto[] {
  return rows.map((r) => {
    const debitMinor = safeNumber(r.debit);
    const creditMinor = safeNumber(r.credit);
    return { currency: r.currency, debitMinor, creditMinor, netMinor: safeNumber(r.debit - r.credit) };
  });
}

/**
 * Debits, credits and net per G/L ID and currency of the journal lines posted in a period (posting date, so a
 * back-dated payment never changes a closed period), with their grand totals per currency and the journal's own
 * totals of the same lines summed without the G/L mapping: `tiesOut` when they agree in every currency.
 */
export function glSummary(db: Database.Database, p: GlPeriod): GlSummaryDto {
  const where = periodWhere(p);
  const rows = db
    .prepare(
      `SELECT ${GL_ID_SQL} AS glId, l.currency AS currency,
              sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor ELSE 0 END) AS debit,
              sum(CASE WHEN l.amount_minor < 0 THEN -l.amount_minor ELSE 0 END) AS credit,
              count(*) AS lines
       FROM journal_lines l ${GL_JOINS_SQL}
       WHERE ${where.sql}
       GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .safeIntegers(true)
    .all(...where.args) as (SumRow & { glId: bigint; lines: bigint })[];
  const labels = glLabels(db);
  const out: GlSummaryRowDto[] = rows.map((r) => {
    const glId = safeNumber(r.glId);
    const debitMinor = safeNumber(r.debit);
    const creditMinor = safeNumber(r.credit);
    return {
      glId,
      label: glLabel(labels, glId),
      currency: r.currency,
      debitMinor,
      creditMinor,
      netMinor: safeNumber(r.debit - r.credit),
      lines: safeNumber(r.lines),
    };
  });
  // Grand totals: the rows summed per currency, exactly.
  const grand = new Map<string, SumRow>();
  for (const r of rows) {
    const g = grand.get(r.currency) ?? { currency: r.currency, debit: 0n, credit: 0n };
    g.debit += r.debit;
    g.credit += r.credit;
    grand.set(r.currency, g);
  }
  const totals = totalsOf([...grand.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)));
  // The journal's own totals: straight from journal_lines, no chart, no G/L IDs.
  const jWhere = periodWhere(p);
  const journal = db
    .prepare(
      `SELECT l.currency AS currency,
              sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor ELSE 0 END) AS debit,
              sum(CASE WHEN l.amount_minor < 0 THEN -l.amount_minor ELSE 0 END) AS credit
       FROM journal_lines l JOIN journals j ON j.id = l.journal_id
       WHERE ${jWhere.sql}
       GROUP BY l.currency ORDER BY l.currency`,
    )
    .safeIntegers(true)
    .all(...jWhere.args) as SumRow[];
  const journalTotals = totalsOf(journal);
  return {
    from: p.from,
    to: p.to,
    currency: p.currency ?? null,
    rows: out,
    totals,
    journalTotals,
    tiesOut: JSON.stringify(totals) === JSON.stringify(journalTotals),
  };
}

/** A drill-down request: one G/L ID's lines in a period (one currency or all), a page of them. */
export type GlLinesQuery = GlPeriod & { glId: number; offset: number; limit: number };

/**
 * The journal lines behind one G/L summary row, in posting order: journal kind and dates, ledger side, account
 * number, amount, currency, reason code and the payment the journal belongs to (a payment posted by it, or the
 * payment a reversal in it reverses), with the total count for paging.
 */
export function glLines(db: Database.Database, q: GlLinesQuery): GlLinesDto {
  const where = periodWhere(q);
  const filter = `${where.sql} AND ${GL_ID_SQL} = ?`;
  const args = [...where.args, q.glId];
  const total = (
    db.prepare(`SELECT count(*) AS n FROM journal_lines l ${GL_JOINS_SQL} WHERE ${filter}`).get(...args) as {
      n: number;
    }
  ).n;
  const rows = db
    .prepare(
      `SELECT l.id AS lineId, j.id AS journalId, j.kind AS journalKind, j.at, j.effective_date AS effectiveDate,
              ${GL_ID_SQL} AS glId, l.gl_account AS glAccount, a.account_no AS accountNo, l.amount_minor AS amountMinor,
              l.currency, j.reason_code AS reasonCode, l.account_id AS accountId
       FROM journal_lines l ${GL_JOINS_SQL} LEFT JOIN accounts a ON a.id = l.account_id
       WHERE ${filter}
       ORDER BY j.at, j.id, l.id LIMIT ? OFFSET ?`,
    )
    .all(...args, q.limit, q.offset) as (Omit<GlLineDto, 'paymentId'> & { accountId: number | null })[];
  const owners = paymentsOfJournals(db, [...new Set(rows.map((r) => r.journalId))]);
  // A SUSPENSE line carries no account: its payments sit on the suspense account.
  const suspense = db.prepare('SELECT id FROM accounts WHERE is_suspense = 1').get() as
    { id: number } | undefined;
  const accountOf = (r: { accountId: number | null; glAccount: string }): number | null =>
    r.accountId ?? (r.glAccount === 'SUSPENSE' ? (suspense?.id ?? null) : null);
  return {
    glId: q.glId,
    currency: q.currency ?? null,
    rows: rows.map(({ accountId, ...r }) => ({
      ...r,
      paymentId: paymentOfLine(owners, r.journalId, accountOf({ accountId, glAccount: r.glAccount })),
    })),
    total,
  };
}

/** A payment a journal posted or reversed, with the account it sits on. */
export type JournalPayment = { journalId: number; paymentId: number; accountId: number };

/** The payments posted by (payments.journal_id) or reversed in (reversals.journal_id) each of some journals. */
export function paymentsOfJournals(
  db: Database.Database,
  journalIds: number[],
): Map<number, JournalPayment[]> {
  const out = new Map<number, JournalPayment[]>();
  if (journalIds.length === 0) return out;
  const list = journalIds.map(() => '?').join(',');
  const rows = db
    .prepare(
      `SELECT p.journal_id AS journalId, p.id AS paymentId, p.account_id AS accountId FROM payments p WHERE p.journal_id IN (${list})
       UNION
       SELECT r.journal_id, p.id, p.account_id FROM reversals r JOIN payments p ON p.id = r.payment_id WHERE r.journal_id IN (${list})
       ORDER BY 1, 2`,
    )
    .all(...journalIds, ...journalIds) as JournalPayment[];
  for (const r of rows) {
    const list2 = out.get(r.journalId) ?? [];
    list2.push(r);
    out.set(r.journalId, list2);
  }
  return out;
}

/**
 * The payment one journal line belongs to: the one payment of its journal on the line's account (or the journal's
 * only payment, for a line on no account); null when none or several fit.
 */
export function paymentOfLine(
  owners: Map<number, JournalPayment[]>,
  journalId: number,
  accountId: number | null,
): number | null {
  const all = owners.get(journalId) ?? [];
  const fit = accountId === null ? all : all.filter((p) => p.accountId === accountId);
  const ids = new Set((fit.length > 0 ? fit : all).map((p) => p.paymentId));
  return ids.size === 1 ? [...ids][0]! : null;
}
