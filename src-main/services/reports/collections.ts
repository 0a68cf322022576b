import type Database from 'better-sqlite3';
import type {
  ReportCell,
  ReportChartDto,
  ReportDto,
  ReportFiltersDto,
  ReportTableDto,
} from '../../../src-shared/dto/reports';
import { RESULT, resultName } from '../../processors/port';
import { declineRule, rejectionRule } from '../processors/declines';
import { filtersSubtitle, resolveFilters, type ResolvedFilters } from './local-filters';

/** How a collection attempt ended: the decline classes of DOMAIN.md §3.2, plus still-pending outcomes. */
export type CollectionClass = 'approved' | 'soft' | 'hard' | 'communication' | 'error' | 'pending';

/** The class of a processor result: pending while reserved, charged-not-posted or awaiting the processor. */
function classOfResult(db: Database.Database, result: number): CollectionClass {
  if (
    result === RESULT.checkpoint ||
    result === RESULT.depositPending ||
    result === RESULT.authPending ||
    result >= RESULT.offset
  )
    return 'pending';
  return declineRule(db, result).klass;
}

/** Parameterised conditions joined with AND. */
class Where {
  readonly parts: string[] = [];
  readonly params: (string | number)[] = [];
  /** Adds `sql` with its parameter unless the value is null (the filter was not given). */
  add(sql: string, value: string | number | null): this {
    if (value === null) return this;
    this.parts.push(sql);
    this.params.push(value);
    return this;
  }
  get sql(): string {
    return this.parts.length > 0 ? ` AND ${this.parts.join(' AND ')}` : '';
  }
}

/** Conditions on card collection attempts: their run (period, operator, channel) and the attempt itself. */
function cardWhere(r: ResolvedFilters): Where {
  return new Where()
    .add('substr(cr.started_at, 1, 10) >= ?', r.from)
    .add('substr(cr.started_at, 1, 10) <= ?', r.to)
    .add('cr.operator_id = ?', r.operatorId)
    .add('pr.channel_id = ?', r.channelId)
    .add('t.currency = ?', r.currency)
    .add('t.pay_type = ?', r.payType)
    .add('t.account_id = ?', r.accountId);
}

/** Card attempts in scope: collection runs' authorizations (`auth`/`condition`), with their run and processor. */
const CARD_FROM = `FROM processor_txns t JOIN collect_runs cr ON cr.id = t.run_id AND cr.kind = 'collect'
  JOIN processors pr ON pr.id = cr.processor_id WHERE t.command IN ('auth', 'condition')`;

type RunRow = Record<string, ReportCell> & { currency: string | null };

/**
 * The collections report: card collection runs and direct-debit files of the period with what they collected
 * and what was declined or returned; card results by result code and decline class; soft-decline retries
 * (scheduled, done, exhausted) and the amounts recovered by a retry; bank returns by rejection code. Reads only.
 */
export function collectionsReport(db: Database.Database, filters: ReportFiltersDto, now: string): ReportDto {
  const r = resolveFilters(db, filters, now);
  // The batch filter names a return batch: card runs and bank files have none, so it leaves only returns.
  const cardsApply = r.batchId === null;
  const card = cardWhere(r);

  const classes = new Map<number, CollectionClass>();
  const classOf = (result: number): CollectionClass => {
    let c = classes.get(result);
    if (c === undefined) classes.set(result, (c = classOfResult(db, result)));
    return c;
  };
  const allResults = (
    db.prepare('SELECT DISTINCT result FROM processor_txns').all() as { result: number }[]
  ).map((x) => x.result);
  const declinedCodes = JSON.stringify(allResults.filter((x) => ['soft', 'hard'].includes(classOf(x))));

  // Results by code and currency.
  const byResult = cardsApply
    ? (db
        .prepare(
          `SELECT t.result, t.currency, count(*) AS count, sum(t.amount_minor) AS amountMinor, count(DISTINCT t.account_id) AS accounts
           ${CARD_FROM}${card.sql} GROUP BY t.result, t.currency ORDER BY t.currency, t.result`,
        )
        .all(...card.params) as {
        result: number;
        currency: string;
        count: number;
        amountMinor: number;
        accounts: number;
      }[])
    : [];
  const resultRows = byResult.map((x) => ({
    result: x.result,
    name: resultName(x.result),
    class: classOf(x.result),
    currency: x.currency,
    count: x.count,
    amountMinor: x.amountMinor,
  }));

  // Decline classes: approved, soft, hard, communication, processor error, pending.
  const classRows = new Map<
    string,
    { klass: CollectionClass; currency: string; count: number; amountMinor: number }
  >();
  for (const x of byResult) {
    const klass = classOf(x.result);
    const key = `${x.currency}|${klass}`;
    const row = classRows.get(key) ?? { klass, currency: x.currency, count: 0, amountMinor: 0 };
    row.count += x.count;
    row.amountMinor += x.amountMinor;
    classRows.set(key, row);
  }
  const CLASS_ORDER: CollectionClass[] = ['approved', 'soft', 'hard', 'communication', 'error', 'pending'];
  const declineRows = [...classRows.values()]
    .sort(
      (a, b) =>
        a.currency.localeCompare(b.currency) || CLASS_ORDER.indexOf(a.klass) - CLASS_ORDER.indexOf(b.klass),
    )
    .map((x) => ({ class: x.klass, currency: x.currency, count: x.count, amountMinor: x.amountMinor }));

  // Retries: a retry is an attempt on a bill that an earlier collection attempt declined (soft or hard);
  // it recovered the money when it was approved.
  const retryRows = cardsApply
    ? (db
        .prepare(
          `SELECT x.currency, sum(x.declined) AS declined,
             sum(EXISTS (SELECT 1 FROM workflow_items w WHERE w.txn_id = x.id AND w.kind = 'soft-decline')) AS scheduled,
             sum(EXISTS (SELECT 1 FROM workflow_items w WHERE w.txn_id = x.id AND w.kind = 'retries-exhausted')) AS exhausted,
             sum(x.retry) AS done, sum(x.retry AND x.result = 0) AS recovered,
             coalesce(sum(CASE WHEN x.retry AND x.result = 0 THEN x.amountMinor END), 0) AS recoveredMinor
           FROM (SELECT t.id, t.currency, t.result, t.amount_minor AS amountMinor,
                   t.result IN (SELECT value FROM json_each(?)) AS declined,
                   EXISTS (SELECT 1 FROM processor_txns e WHERE e.bill_id = t.bill_id AND e.id < t.id
                     AND e.command IN ('auth', 'condition') AND e.result IN (SELECT value FROM json_each(?))) AS retry
                 ${CARD_FROM}${card.sql}) x
           GROUP BY x.currency ORDER BY x.currency`,
        )
        .all(declinedCodes, declinedCodes, ...card.params) as {
        currency: string;
        declined: number;
        scheduled: number;
        exhausted: number;
        done: number;
        recovered: number;
        recoveredMinor: number;
      }[])
    : [];

  // Each recovered bill: the approved retry and the first decline before it.
  const recovered = cardsApply
    ? (db
        .prepare(
          `SELECT x.runId, x.at AS recoveredAt, b.bill_no AS billNo, a.account_no AS accountNo, x.currency, x.amountMinor,
                  d.result AS declinedResult, d.created_at AS declinedAt
           FROM (SELECT t.id, t.run_id AS runId, t.created_at AS at, t.bill_id, t.account_id, t.currency,
                        t.amount_minor AS amountMinor ${CARD_FROM}${card.sql} AND t.result = 0) x
           JOIN processor_txns d ON d.id = (SELECT min(e.id) FROM processor_txns e WHERE e.bill_id = x.bill_id AND e.id < x.id
                  AND e.command IN ('auth', 'condition') AND e.result IN (SELECT value FROM json_each(?)))
           JOIN bills b ON b.id = x.bill_id JOIN accounts a ON a.id = x.account_id
           ORDER BY x.currency, x.at, x.id`,
        )
        .all(...card.params, declinedCodes) as {
        runId: number;
        recoveredAt: string;
        billNo: string;
        accountNo: string;
        currency: string;
        amountMinor: number;
        declinedResult: number;
        declinedAt: string;
      }[])
    : [];
  const recoveredRows = recovered.map((x) => ({
    ...x,
    declinedName: resultName(x.declinedResult),
  }));

  // Card runs, per currency of their attempts.
  const runWhere = new Where()
    .add('substr(cr.started_at, 1, 10) >= ?', r.from)
    .add('substr(cr.started_at, 1, 10) <= ?', r.to)
    .add('cr.operator_id = ?', r.operatorId)
    .add('pr.channel_id = ?', r.channelId);
  const runs = cardsApply
    ? (db
        .prepare(
          `SELECT cr.id, cr.started_at AS startedAt, cr.status, pr.name AS processor, cr.selected
           FROM collect_runs cr JOIN processors pr ON pr.id = cr.processor_id WHERE cr.kind = 'collect'${runWhere.sql}
           ORDER BY cr.started_at, cr.id`,
        )
        .all(...runWhere.params) as {
        id: number;
        startedAt: string;
        status: string;
        processor: string;
        selected: number;
      }[])
    : [];
  const perRun = cardsApply
    ? (db
        .prepare(
          `SELECT t.run_id AS runId, t.result, t.currency, count(*) AS count, sum(t.amount_minor) AS amountMinor
           ${CARD_FROM}${card.sql} GROUP BY t.run_id, t.result, t.currency`,
        )
        .all(...card.params) as {
        runId: number;
        result: number;
        currency: string;
        count: number;
        amountMinor: number;
      }[])
    : [];
  const attemptFiltered = r.currency !== null || r.payType !== null || r.accountId !== null;
  const runRows: RunRow[] = [];
  const emptyFigures = {
    attempts: 0,
    approved: 0,
    collectedMinor: 0,
    soft: 0,
    hard: 0,
    declinedMinor: 0,
    other: 0,
  };
  for (const run of runs) {
    const mine = perRun.filter((x) => x.runId === run.id);
    const currencies = [...new Set(mine.map((x) => x.currency))].sort();
    // A run that sent nothing still shows (unless the filters are about attempts it never made).
    if (currencies.length === 0 && attemptFiltered) continue;
    const base = {
      label: `card #${run.id} ${run.startedAt.slice(0, 10)}`,
      source: 'card',
      id: run.id,
      startedAt: run.startedAt,
      status: run.status,
      via: run.processor,
      selected: run.selected,
    };
    if (currencies.length === 0) runRows.push({ ...base, ...emptyFigures, currency: null });
    for (const currency of currencies) {
      const f = { ...emptyFigures };
      for (const x of mine.filter((m) => m.currency === currency)) {
        const klass = classOf(x.result);
        f.attempts += x.count;
        if (klass === 'approved') {
          f.approved += x.count;
          f.collectedMinor += x.amountMinor;
        } else if (klass === 'soft' || klass === 'hard') {
          f[klass] += x.count;
          f.declinedMinor += x.amountMinor;
        } else f.other += x.count;
      }
      runRows.push({ ...base, ...f, currency });
    }
  }

  // Direct-debit files: each item collected unless the bank returned it (soft/hard by its rejection code).
  const dd = new Where()
    .add('substr(f.created_at, 1, 10) >= ?', r.from)
    .add('substr(f.created_at, 1, 10) <= ?', r.to)
    .add('f.created_by = ?', r.operatorId)
    .add('f.currency = ?', r.currency)
    .add('p.channel_id = ?', r.channelId)
    .add('p.pay_type = ?', r.payType)
    .add('i.account_id = ?', r.accountId);
  const ddItems = cardsApply
    ? (db
        .prepare(
          `SELECT f.id, f.created_at AS createdAt, f.status AS fileStatus, f.format, f.count AS fileCount, i.status,
                  i.return_code AS returnCode, i.currency, count(*) AS count, sum(i.amount_minor) AS amountMinor
           FROM bank_files_out f JOIN bank_file_items i ON i.file_id = f.id LEFT JOIN payments p ON p.id = i.payment_id
           WHERE f.kind = 'debit'${dd.sql}
           GROUP BY f.id, i.status, i.return_code, i.currency ORDER BY f.created_at, f.id`,
        )
        .all(...dd.params) as {
        id: number;
        createdAt: string;
        fileStatus: string;
        format: string;
        fileCount: number;
        status: string;
        returnCode: string | null;
        currency: string;
        count: number;
        amountMinor: number;
      }[])
    : [];
  for (const id of [...new Set(ddItems.map((x) => x.id))]) {
    const mine = ddItems.filter((x) => x.id === id);
    const first = mine[0]!;
    for (const currency of [...new Set(mine.map((x) => x.currency))].sort()) {
      const f = { ...emptyFigures };
      for (const x of mine.filter((m) => m.currency === currency)) {
        f.attempts += x.count;
        if (x.status === 'sent') {
          f.approved += x.count;
          f.collectedMinor += x.amountMinor;
        } else if (x.status === 'returned') {
          const klass = rejectionRule(db, x.returnCode ?? '').klass === 'soft' ? 'soft' : 'hard';
          f[klass] += x.count;
          f.declinedMinor += x.amountMinor;
        } else f.other += x.count;
      }
      runRows.push({
        label: `debit file #${id} ${first.createdAt.slice(0, 10)}`,
        source: 'direct-debit',
        id,
        startedAt: first.createdAt,
        status: first.fileStatus,
        via: first.format,
        selected: first.fileCount,
        ...f,
        currency,
      });
    }
  }
  runRows.sort((a, b) => String(a.startedAt).localeCompare(String(b.startedAt)));

  // Bank returns (rejects, returns, bounced checks) by the bank's code and the admin's rejection code.
  const ret = new Where()
    .add('substr(br.created_at, 1, 10) >= ?', r.from)
    .add('substr(br.created_at, 1, 10) <= ?', r.to)
    .add('br.batch_id = ?', r.batchId)
    .add('b.created_by = ?', r.operatorId)
    .add('coalesce(p.currency, i.currency) = ?', r.currency)
    .add('p.channel_id = ?', r.channelId)
    .add('p.pay_type = ?', r.payType)
    .add('coalesce(p.account_id, i.account_id) = ?', r.accountId);
  const returns = (
    db
      .prepare(
        `SELECT br.bank_code AS bankCode, max(br.bank_text) AS bankText, br.rejection_code AS rejectionCode, br.kind,
                coalesce(p.currency, i.currency) AS retCurrency, count(*) AS count,
                coalesce(sum(coalesce(p.amount_minor, i.amount_minor)), 0) AS amountMinor
         FROM bank_returns br JOIN batches b ON b.id = br.batch_id
         LEFT JOIN payments p ON p.id = br.payment_id LEFT JOIN bank_file_items i ON i.id = br.file_item_id
         WHERE br.status <> 'discarded'${ret.sql}
         GROUP BY br.bank_code, br.rejection_code, br.kind, retCurrency ORDER BY retCurrency, br.bank_code, br.kind`,
      )
      .all(...ret.params) as {
      bankCode: string;
      bankText: string | null;
      rejectionCode: string | null;
      kind: string;
      retCurrency: string | null;
      count: number;
      amountMinor: number;
    }[]
  ).map(({ retCurrency, ...x }) => ({
    ...x,
    currency: retCurrency,
    class: rejectionRule(db, x.rejectionCode ?? x.bankCode).klass,
  }));

  const sumBy = <T extends { currency: string | null }>(
    rows: T[],
    keys: (keyof T & string)[],
    labelKey: string,
    label: string,
  ): Record<string, ReportCell>[] => {
    const out = new Map<string, Record<string, ReportCell>>();
    for (const row of rows) {
      if (row.currency === null) continue;
      const t = out.get(row.currency) ?? { [labelKey]: label, currency: row.currency };
      for (const k of keys) t[k] = Number(t[k] ?? 0) + Number(row[k] ?? 0);
      out.set(row.currency, t);
    }
    return [...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, t]) => t);
  };

  const currencyCol = { key: 'currency', label: 'Currency', kind: 'text' } as const;
  const int = (key: string, label: string) => ({ key, label, kind: 'int' as const });
  const money = (key: string, label: string) => ({ key, label, kind: 'money' as const });
  const tables: ReportTableDto[] = [
    {
      id: 'runs',
      title: 'Collection runs (card) and direct-debit files',
      columns: [
        { key: 'label', label: 'Run', kind: 'text' },
        { key: 'source', label: 'Kind', kind: 'text' },
        { key: 'startedAt', label: 'Started', kind: 'datetime' },
        { key: 'status', label: 'Status', kind: 'text' },
        { key: 'via', label: 'Processor / format', kind: 'text' },
        int('selected', 'Selected'),
        currencyCol,
        int('attempts', 'Attempts'),
        int('approved', 'Collected'),
        money('collectedMinor', 'Amount collected'),
        int('soft', 'Soft declines'),
        int('hard', 'Hard declines'),
        money('declinedMinor', 'Amount declined'),
        int('other', 'Errors / pending'),
      ],
      rows: runRows,
      totals: sumBy(
        runRows,
        ['attempts', 'approved', 'collectedMinor', 'soft', 'hard', 'declinedMinor', 'other'],
        'label',
        'Total',
      ),
    },
    {
      id: 'results',
      title: 'Card results by result code',
      columns: [
        { key: 'result', label: 'Code', kind: 'code' as const },
        { key: 'name', label: 'Result', kind: 'text' },
        { key: 'class', label: 'Class', kind: 'text' },
        currencyCol,
        int('count', 'Attempts'),
        money('amountMinor', 'Amount'),
      ],
      rows: resultRows,
      totals: sumBy(resultRows, ['count', 'amountMinor'], 'name', 'Total'),
    },
    {
      id: 'classes',
      title: 'Card results by class (soft and hard declines)',
      columns: [
        { key: 'class', label: 'Class', kind: 'text' },
        currencyCol,
        int('count', 'Attempts'),
        money('amountMinor', 'Amount'),
      ],
      rows: declineRows,
    },
    {
      id: 'retries',
      title: 'Retries and recovered amounts (card)',
      columns: [
        currencyCol,
        int('declined', 'Soft/hard declines'),
        int('scheduled', 'Retries scheduled'),
        int('exhausted', 'Retries exhausted'),
        int('done', 'Retries done'),
        int('recovered', 'Recovered'),
        money('recoveredMinor', 'Amount recovered'),
      ],
      rows: retryRows,
    },
    {
      id: 'recovered',
      title: 'Bills recovered by a retry (declined, then paid)',
      columns: [
        { key: 'billNo', label: 'Bill', kind: 'text' },
        { key: 'accountNo', label: 'Account', kind: 'text' },
        { key: 'declinedAt', label: 'Declined', kind: 'datetime' },
        { key: 'declinedName', label: 'Decline', kind: 'text' },
        { key: 'recoveredAt', label: 'Recovered', kind: 'datetime' },
        { key: 'runId', label: 'Run', kind: 'code' as const },
        currencyCol,
        money('amountMinor', 'Amount'),
      ],
      rows: recoveredRows,
      totals: sumBy(recoveredRows, ['amountMinor'], 'billNo', 'Total'),
    },
    {
      id: 'returns',
      title: 'Bank returns by rejection code',
      columns: [
        { key: 'bankCode', label: 'Bank code', kind: 'text' },
        { key: 'bankText', label: 'Bank text', kind: 'text' },
        { key: 'rejectionCode', label: 'Rejection code', kind: 'text' },
        { key: 'kind', label: 'Kind', kind: 'text' },
        { key: 'class', label: 'Class', kind: 'text' },
        currencyCol,
        int('count', 'Returns'),
        money('amountMinor', 'Amount'),
      ],
      rows: returns,
      totals: sumBy(returns, ['count', 'amountMinor'], 'bankCode', 'Total'),
    },
  ];
  const resultCurrencies = [...new Set(resultRows.map((x) => x.currency))].sort();
  const runCurrencies = [
    ...new Set(runRows.map((x) => x.currency).filter((c): c is string => c !== null)),
  ].sort();
  const charts: ReportChartDto[] = [
    ...resultCurrencies.map((currency): ReportChartDto => ({
      id: `results-${currency}`,
      title: `Card results by result code, ${currency}`,
      kind: 'bar',
      tableId: 'results',
      x: 'name',
      series: [{ key: 'count', label: 'Attempts' }],
      currency,
    })),
    ...runCurrencies.map((currency): ReportChartDto => ({
      id: `runs-${currency}`,
      title: `Collected and declined per run, ${currency}`,
      kind: 'bar',
      tableId: 'runs',
      x: 'label',
      series: [
        { key: 'collectedMinor', label: 'Collected' },
        { key: 'declinedMinor', label: 'Declined or returned' },
      ],
      currency,
    })),
  ];
  return {
    name: 'collections',
    title: 'Collections',
    subtitle: `Card collection runs, direct-debit files and bank returns, ${filtersSubtitle(r, {
      operator: 'who started the run, wrote the file or read the returns',
      batchId: 'the return batch: bank returns only',
      channelId: "the processor's channel for card runs",
    })}`,
    filters: r.echo,
    generatedAt: now,
    tables,
    charts,
  };
}
