import { reportsRepo } from '../../../db/repos/reports';
import { collectionsRepo, type CollectionsScope } from '../../../db/repos/reports-collections';
import type { Storage, Tx } from '../../../db/storage/port';
import type {
  ReportCell,
  ReportChartDto,
  ReportDto,
  ReportFiltersDto,
  ReportTableDto,
} from '../../../src-shared/dto/reports';
import { RESULT, resultName } from '../../processors/port';
import { resultClass } from '../processors/declines';
import { filtersSubtitle, resolveFilters } from './local-filters';

/** How a collection attempt ended: the decline classes of DOMAIN.md §3.2, plus still-pending outcomes. */
export type CollectionClass = 'approved' | 'soft' | 'hard' | 'communication' | 'error' | 'pending';

/** The class of a processor result: pending while reserved, charged-not-posted or awaiting the processor. */
function classOfResult(result: number, configured: 'soft' | 'hard' | undefined): CollectionClass {
  if (
    result === RESULT.checkpoint ||
    result === RESULT.depositPending ||
    result === RESULT.authPending ||
    result >= RESULT.offset
  )
    return 'pending';
  return resultClass(result, configured);
}

type RunRow = Record<string, ReportCell> & { currency: string | null };

/**
 * The collections report: card collection runs and direct-debit files of the period with what they collected
 * and what was declined or returned; card results by result code and decline class; soft-decline retries
 * (scheduled, done, exhausted) and the amounts recovered by a retry; bank returns by rejection code. Reads only.
 */
export function collectionsReport(
  storage: Storage,
  filters: ReportFiltersDto,
  now: string,
): Promise<ReportDto> {
  return storage.transaction((tx) => collections(tx, filters, now), { readOnly: true });
}

async function collections(tx: Tx, filters: ReportFiltersDto, now: string): Promise<ReportDto> {
  const r = await resolveFilters(tx, filters, now);
  // The batch filter names a return batch: card runs and bank files have none, so it leaves only returns.
  const cardsApply = r.batchId === null;
  const scope: CollectionsScope = {
    from: r.from,
    to: r.to,
    currency: r.currency,
    channelId: r.channelId,
    payType: r.payType,
    batchId: r.batchId,
    operatorId: r.operatorId,
    accountId: r.accountId,
  };

  // The admin's rejection codes decide classes; a bank code without one is a hard return.
  const rejections = await reportsRepo.rejectionClasses(tx);
  const returnClass = (code: string): 'soft' | 'hard' => rejections.get(code) ?? 'hard';
  const classOf = (result: number): CollectionClass => classOfResult(result, rejections.get(String(result)));
  const declinedCodes = (await collectionsRepo.results(tx)).filter((x) =>
    ['soft', 'hard'].includes(classOf(x)),
  );

  // Results by code and currency.
  const byResult = cardsApply ? await collectionsRepo.byResult(tx, scope) : [];
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
  const retryRows = cardsApply ? await collectionsRepo.retries(tx, scope, declinedCodes) : [];

  // Each recovered bill: the approved retry and the first decline before it.
  const recovered = cardsApply ? await collectionsRepo.recovered(tx, scope, declinedCodes) : [];
  const recoveredRows = recovered.map((x) => ({
    ...x,
    declinedName: resultName(x.declinedResult),
  }));

  // Card runs, per currency of their attempts.
  const runs = cardsApply ? await collectionsRepo.cardRuns(tx, scope) : [];
  const perRun = cardsApply ? await collectionsRepo.perRun(tx, scope) : [];
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
  const ddItems = cardsApply ? await collectionsRepo.debitItems(tx, scope) : [];
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
          const klass = returnClass(x.returnCode ?? '');
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
  const returns = (await collectionsRepo.returns(tx, scope)).map(({ retCurrency, ...x }) => ({
    ...x,
    currency: retCurrency,
    class: returnClass(x.rejectionCode ?? x.bankCode),
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
