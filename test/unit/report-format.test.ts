import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReportChartDto, ReportDto, ReportTableDto } from '../../src-shared/dto/reports';
import {
  cellText,
  chartCurrencies,
  chartCurrencyKey,
  chartData,
  chartTitle,
  defaultChartCurrency,
  exportFileName,
  exportRange,
  formatBasisPoints,
  formatDateTime,
  initialFilters,
  isEmptyReport,
  isPinnedChart,
  labelsItself,
  periodPreset,
  sumLines,
  toReportFilters,
} from '../../src-renderer/src/features/reports/report-format';

/** A plain formatter for the tests: minor units with the exponent of JPY 0, else 2, and the code. */
const money = (m: number, c: string, withCode = false) => {
  const text =
    c === 'JPY'
      ? String(m)
      : `${m < 0 ? '-' : ''}${Math.trunc(Math.abs(m) / 100)}.${String(Math.abs(m) % 100).padStart(2, '0')}`;
  return withCode ? `${text} ${c}` : text;
};

const aging: ReportTableDto = {
  id: 'buckets',
  title: 'Open suspense by age',
  columns: [
    { key: 'bucket', label: 'Age', kind: 'text' },
    { key: 'cur', label: 'Currency', kind: 'text' },
    { key: 'count', label: 'Payments', kind: 'int' },
    { key: 'amountMinor', label: 'Amount', kind: 'money', currencyKey: 'cur' },
  ],
  rows: [
    { bucket: '0-7', cur: 'USD', count: 3, amountMinor: 12345 },
    { bucket: '0-7', cur: 'JPY', count: 1, amountMinor: 5000 },
    { bucket: '8-30', cur: 'USD', count: 2, amountMinor: 99 },
    { bucket: '31+', cur: 'USD', count: 0, amountMinor: null },
  ],
};
const amountChart: ReportChartDto = {
  id: 'aging',
  title: 'Aging',
  kind: 'bar',
  tableId: 'buckets',
  x: 'bucket',
  series: [{ key: 'amountMinor', label: 'Amount' }],
};

describe('report periods', () => {
  it('this month, last month and yesterday, across month and year ends', () => {
    expect(periodPreset('this-month', '2026-12-03')).toEqual({ from: '2026-12-01', to: '2026-12-03' });
    expect(periodPreset('last-month', '2026-12-03')).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(periodPreset('last-month', '2026-01-15')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(periodPreset('this-month', '2028-02-29')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(periodPreset('yesterday', '2026-03-01')).toEqual({ from: '2026-02-28', to: '2026-02-28' });
    expect(periodPreset('yesterday', '2027-01-01')).toEqual({ from: '2026-12-31', to: '2026-12-31' });
  });

  it('starts on this month with every other filter open', () => {
    expect(initialFilters('2026-12-03')).toEqual({
      from: '2026-12-01',
      to: '2026-12-03',
      currency: '',
      channelId: '',
      payType: '',
      batchId: '',
      operator: '',
      accountNo: '',
    });
  });
});

describe('report filters', () => {
  const f = {
    ...initialFilters('2026-12-03'),
    currency: 'EUR',
    channelId: '0',
    payType: '10012',
    batchId: '7',
    operator: ' e2e.clerk ',
    accountNo: ' A-1 ',
  };
  it('drops blanks, reads numbers and keeps channel 0', () => {
    expect(toReportFilters(f, 'history')).toEqual({
      from: '2026-12-01',
      to: '2026-12-03',
      currency: 'EUR',
      channelId: 0,
      payType: 10012,
      batchId: 7,
      operator: 'e2e.clerk',
      accountNo: 'A-1',
    });
  });
  it('sends the account only for the payment history', () => {
    expect(toReportFilters(f, 'gl')).not.toHaveProperty('accountNo');
  });
  it('leaves out empty and malformed fields', () => {
    expect(
      toReportFilters(
        { ...f, from: '', to: '', currency: '', channelId: 'x', payType: '', batchId: '0', operator: ' ' },
        'deposit',
      ),
    ).toEqual({});
  });
});

describe('report cells', () => {
  it('formats basis points exactly', () => {
    expect(formatBasisPoints(10_000)).toBe('100.00 %');
    expect(formatBasisPoints(1234)).toBe('12.34 %');
    expect(formatBasisPoints(5)).toBe('0.05 %');
    expect(formatBasisPoints(-250)).toBe('-2.50 %');
  });
  it('formats money in the row currency and blanks as a dash', () => {
    const col = aging.columns[3]!;
    expect(cellText(col, aging.rows[0]!, money)).toBe('123.45');
    expect(cellText(col, aging.rows[1]!, money)).toBe('5000');
    expect(cellText(col, aging.rows[3]!, money)).toBe('—');
    expect(
      cellText({ key: 'at', label: 'At', kind: 'datetime' }, { at: '2026-12-03T09:15:42.000Z' }, money),
    ).toBe('2026-12-03 09:15');
    expect(cellText({ key: 'day', label: 'Day', kind: 'date' }, { day: '2026-12-03' }, money)).toBe(
      '2026-12-03',
    );
    expect(cellText({ key: 'p', label: 'Rate', kind: 'percent' }, { p: 9950 }, money)).toBe('99.50 %');
    expect(cellText({ key: 'count', label: 'n', kind: 'int' }, { count: 12345 }, money)).toBe('12,345');
    expect(cellText({ key: 'payType', label: 'Pay type', kind: 'code' }, { payType: 10012 }, money)).toBe(
      '10012',
    );
    expect(cellText({ key: 'batchId', label: 'Batch', kind: 'code' }, { batchId: 12345 }, money)).toBe(
      '12345',
    );
  });
});

describe('report charts', () => {
  const exponent = (c: string) => (c === 'JPY' ? 0 : 2);

  it('splits money charts by the currency key of their money column', () => {
    expect(chartCurrencyKey(aging, amountChart)).toBe('cur');
    expect(chartCurrencies(aging, amountChart)).toEqual(['USD', 'JPY']);
    expect(defaultChartCurrency(aging, amountChart)).toBe('USD');
    expect(defaultChartCurrency(aging, { ...amountChart, currency: 'JPY' })).toBe('JPY');
    expect(defaultChartCurrency(aging, { ...amountChart, currency: 'EUR' })).toBe('USD');
  });

  it('draws one currency in major units and keeps the minor units for labels', () => {
    expect(chartData(aging, amountChart, 'USD', exponent)).toEqual({
      x: ['0-7', '8-30', '31+'],
      currency: 'USD',
      series: [
        { key: 'amountMinor', label: 'Amount', money: true, data: [123.45, 0.99, 0], raw: [12345, 99, 0] },
      ],
    });
    expect(chartData(aging, amountChart, 'JPY', exponent).series[0]!.data).toEqual([5000]);
  });

  it('draws counts as they are, and tables without currency unsplit', () => {
    const noCurrency: ReportTableDto = {
      id: 'codes',
      title: 'Codes',
      columns: [
        { key: 'code', label: 'Code', kind: 'text' },
        { key: 'n', label: 'Count', kind: 'int' },
      ],
      rows: [
        { code: 'A', n: 4 },
        { code: 'B', n: 7 },
      ],
    };
    const chart: ReportChartDto = {
      ...amountChart,
      tableId: 'codes',
      x: 'code',
      series: [{ key: 'n', label: 'n' }],
    };
    expect(chartCurrencyKey(noCurrency, chart)).toBeNull();
    expect(chartData(noCurrency, chart, null, exponent)).toEqual({
      x: ['A', 'B'],
      currency: null,
      series: [{ key: 'n', label: 'n', money: false, data: [4, 7], raw: [4, 7] }],
    });
  });
});

describe('report chart titles and totals', () => {
  it('names the currency shown, once', () => {
    const pinned = { ...amountChart, title: 'Amount by age, USD', currency: 'USD' };
    expect(chartTitle(pinned, 'USD', true)).toBe('Amount by age, USD');
    expect(chartTitle(pinned, 'JPY', true)).toBe('Amount by age, JPY');
    expect(chartTitle(amountChart, 'USD', true)).toBe('Aging (USD)');
    expect(chartTitle(amountChart, 'USD', false)).toBe('Aging');
    expect(chartTitle(amountChart, null, true)).toBe('Aging');
  });
  it('pins charts drawn once per currency from the same table', () => {
    const usdChart = { ...amountChart, id: 'u', currency: 'USD' };
    const jpyChart = { ...amountChart, id: 'j', currency: 'JPY' };
    expect(isPinnedChart(usdChart, [usdChart, jpyChart])).toBe(true);
    expect(isPinnedChart(usdChart, [usdChart])).toBe(false);
    expect(isPinnedChart(amountChart, [amountChart, jpyChart])).toBe(false);
  });
  it('knows a totals row that labels itself', () => {
    expect(labelsItself({ glId: null, label: 'Total', currency: 'USD' })).toBe(true);
    expect(labelsItself({ currency: 'USD', amountMinor: 5 })).toBe(false);
  });
});

describe('report helpers', () => {
  it('names export files by report, period and table', () => {
    expect(exportFileName('gl', { from: '2026-12-01', to: '2026-12-31' }, 'csv', 'by gl/id')).toBe(
      'paydesk-gl-2026-12-01_2026-12-31-by-gl-id.csv',
    );
    expect(exportFileName('daily', {}, 'pdf')).toBe('paydesk-daily.pdf');
  });

  it('calls a report empty only when no table has a row', () => {
    const report: ReportDto = {
      name: 'history',
      title: 't',
      subtitle: 's',
      filters: {},
      generatedAt: '2026-12-03T00:00:00.000Z',
      tables: [{ ...aging, rows: [] }],
      charts: [],
    };
    expect(isEmptyReport(report)).toBe(true);
    expect(isEmptyReport({ ...report, tables: [{ ...aging, rows: [] }, aging] })).toBe(false);
  });

  it('sums journal lines into debits and credits', () => {
    const line = {
      lineId: 1,
      journalId: 1,
      journalKind: 'k',
      at: '',
      effectiveDate: '',
      glId: 100,
      glAccount: 'CASH',
      accountNo: null,
      currency: 'USD',
      reasonCode: null,
      paymentId: null,
    };
    expect(
      sumLines([
        { ...line, amountMinor: 500 },
        { ...line, amountMinor: -120 },
        { ...line, amountMinor: 30 },
      ]),
    ).toEqual({ debitMinor: 530, creditMinor: 120 });
  });

  it('describes what an export run covered', () => {
    const run = {
      id: 1,
      kind: 'posted' as const,
      mode: 'watermark' as const,
      records: 3,
      files: [],
      journals: { from: 10, to: 25 },
      allocations: { from: 0, to: 4 },
      fromDate: null,
      toDate: null,
      at: '2026-12-03T00:00:00.000Z',
      operator: null,
    };
    expect(exportRange(run)).toBe('journals 11–25');
    expect(exportRange({ ...run, mode: 'range', fromDate: '2026-11-01', toDate: '2026-11-30' })).toBe(
      '2026-11-01 to 2026-11-30',
    );
  });
});

describe('report dates in the chosen locale (issue #16)', () => {
  afterEach(() => vi.unstubAllGlobals());
  it('writes date and datetime cells and export ranges in the chosen locale, on the ledger clock', () => {
    vi.stubGlobal('window', {
      localStorage: { getItem: (k: string) => (k === 'paydesk.locale' ? 'de-DE' : null) },
    });
    const money = (m: number) => String(m);
    expect(cellText({ key: 'day', label: 'Day', kind: 'date' }, { day: '2026-12-03' }, money)).toBe(
      '03.12.2026',
    );
    expect(
      cellText({ key: 'at', label: 'At', kind: 'datetime' }, { at: '2026-12-03T23:15:42.000Z' }, money),
    ).toBe('03.12.2026, 23:15');
    expect(formatDateTime('2026-12-03T09:15:42.000Z')).toBe('03.12.2026, 09:15');
    expect(
      exportRange({
        id: 1,
        at: '2026-12-03T09:15:42.000Z',
        mode: 'range',
        fromDate: '2026-11-01',
        toDate: null,
        journals: { from: 0, to: 0 },
      } as unknown as Parameters<typeof exportRange>[0]),
    ).toBe('01.11.2026 to …');
  });
});
