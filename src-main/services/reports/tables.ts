import type {
  ReportCell,
  ReportChartDto,
  ReportColumnDto,
  ReportColumnKind,
} from '../../../src-shared/dto/reports';

/** A column in one line: key, label, kind. */
export const col = (key: string, label: string, kind: ReportColumnKind = 'text'): ReportColumnDto => ({
  key,
  label,
  kind,
});

/**
 * Totals rows, one per currency (in order of first appearance): each listed key summed exactly (BigInt; null
 * cells skipped, a column with only nulls stays null), the label in `labelKey`.
 */
export function totalsPerCurrency(
  rows: Record<string, ReportCell>[],
  keys: readonly string[],
  labelKey: string,
  label = 'Total',
  currencyKey = 'currency',
): Record<string, ReportCell>[] {
  const byCurrency = new Map<string, Map<string, bigint | null>>();
  for (const r of rows) {
    const c = String(r[currencyKey] ?? '');
    let sums = byCurrency.get(c);
    if (!sums) {
      sums = new Map(keys.map((k) => [k, null]));
      byCurrency.set(c, sums);
    }
    for (const k of keys) {
      const v = r[k];
      if (typeof v === 'number') sums.set(k, (sums.get(k) ?? 0n) + BigInt(v));
    }
  }
  return [...byCurrency].map(([c, sums]) => {
    const t: Record<string, ReportCell> = { [labelKey]: label, [currencyKey]: c };
    for (const [k, v] of sums) t[k] = v === null ? null : Number(v);
    return t;
  });
}

/** The currencies of a table's rows, in order of first appearance. */
export function currenciesOf(rows: Record<string, ReportCell>[], currencyKey = 'currency'): string[] {
  return [...new Set(rows.map((r) => r[currencyKey]).filter((c): c is string => typeof c === 'string'))];
}

/** One money chart per currency of the table (money charts draw one currency at a time). */
export function chartPerCurrency(
  rows: Record<string, ReportCell>[],
  base: Omit<ReportChartDto, 'id' | 'title' | 'currency'> & { id: string; title: string },
): ReportChartDto[] {
  const currencies = currenciesOf(rows);
  return currencies.map((currency) => ({
    ...base,
    id: currencies.length > 1 ? `${base.id}-${currency}` : base.id,
    title: `${base.title} (${currency})`,
    currency,
  }));
}

/** Integer average rounded half away from zero (exact for any sum). */
export function averageMinor(sum: number | bigint, count: number): number | null {
  if (count === 0) return null;
  const s = BigInt(sum);
  const n = BigInt(count);
  const neg = s < 0n;
  const a = neg ? -s : s;
  const q = (2n * a + n) / (2n * n);
  return Number(neg ? -q : q);
}
