import { useMemo, useState } from 'react';
import Box from '@mui/material/Box';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { BarChart } from '@mui/x-charts/BarChart';
import { LineChart } from '@mui/x-charts/LineChart';
import { PieChart } from '@mui/x-charts/PieChart';
import { KNOWN_EXPONENTS } from '../../../../src-shared/money';
import type { ReportChartDto, ReportTableDto } from '../../../../src-shared/dto/reports';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { formatIsoDate } from '../../components/locale';
import {
  chartCurrencies,
  chartData,
  chartTitle,
  defaultChartCurrency,
  type ChartSeriesData,
} from './report-format';

const HEIGHT = 240;

const compact = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });

/** The value axis: compact figures (12K, 1.5M) in a fixed width, so long amounts are never cut. */
const VALUE_AXIS = [
  { width: 52, valueFormatter: (v: number | null) => (v === null ? '' : compact.format(v)) },
];

/**
 * One chart of a report, drawn from its table: money in major units of one currency at a time (a switch when the
 * table holds several), labels and tooltips formatted from the exact minor units.
 */
export function ReportChart({
  chart,
  table,
  pinned,
}: {
  chart: ReportChartDto;
  table: ReportTableDto;
  pinned: boolean;
}) {
  const { info, money } = useAppInfo();
  const currencies = useMemo(() => chartCurrencies(table, chart), [table, chart]);
  const [picked, setPicked] = useState<string | null>(null);
  const currency =
    !pinned && picked && currencies.includes(picked) ? picked : defaultChartCurrency(table, chart);
  const exponentOf = useMemo(() => {
    const known = new Map((info?.currencies ?? []).map((c) => [c.code, c.exponent]));
    return (code: string) => known.get(code) ?? KNOWN_EXPONENTS[code] ?? 2;
  }, [info]);
  const data = useMemo(
    () => chartData(table, chart, currency, exponentOf),
    [table, chart, currency, exponentOf],
  );
  // Day axes come as ISO dates: written in the chosen locale like every other date (other labels pass through).
  const xLabels = useMemo(() => data.x.map((x) => formatIsoDate(x)), [data.x]);
  const label = (s: ChartSeriesData, i: number) =>
    s.money && data.currency ? money(s.raw[i] ?? 0, data.currency, true) : formatCount(s.raw[i] ?? 0);
  const anyMoney = data.series.some((s) => s.money);

  return (
    <Box
      data-testid={`chart-${chart.id}`}
      data-kind={chart.kind}
      data-currency={data.currency ?? ''}
      data-points={data.x.length}
      sx={{ breakInside: 'avoid' }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, minHeight: 32 }}>
        <Typography variant="subtitle2">{chartTitle(chart, data.currency, anyMoney)}</Typography>
        <Box sx={{ flex: 1 }} />
        {!pinned && currencies.length > 1 && (
          <ToggleButtonGroup
            size="small"
            exclusive
            value={currency}
            onChange={(_e, v: string | null) => v && setPicked(v)}
            aria-label="Chart currency"
            className="no-print"
          >
            {currencies.map((c) => (
              <ToggleButton
                key={c}
                value={c}
                sx={{ py: 0.25, px: 1 }}
                data-testid={`chart-${chart.id}-currency-${c}`}
              >
                {c}
              </ToggleButton>
            ))}
          </ToggleButtonGroup>
        )}
      </Box>
      {data.x.length === 0 ? (
        <Typography variant="body2" color="textSecondary" sx={{ py: 2 }}>
          No figures to draw for this period.
        </Typography>
      ) : chart.kind === 'pie' ? (
        <PieChart
          height={HEIGHT}
          skipAnimation
          series={[
            {
              data: xLabels.map((x, i) => ({ id: i, label: x, value: data.series[0]?.data[i] ?? 0 })),
              valueFormatter: (_v, ctx) => (data.series[0] ? label(data.series[0], ctx.dataIndex) : ''),
              innerRadius: 40,
              paddingAngle: 1,
              cornerRadius: 3,
            },
          ]}
        />
      ) : chart.kind === 'line' ? (
        <LineChart
          height={HEIGHT}
          skipAnimation
          xAxis={[{ scaleType: 'point', data: xLabels }]}
          yAxis={VALUE_AXIS}
          series={data.series.map((s) => ({
            data: s.data,
            label: s.label,
            showMark: data.x.length <= 40,
            valueFormatter: (_v: number | null, ctx: { dataIndex: number }) => label(s, ctx.dataIndex),
            ...(chart.stacked ? { stack: 'all', area: true } : {}),
          }))}
        />
      ) : (
        <BarChart
          height={HEIGHT}
          skipAnimation
          xAxis={[{ scaleType: 'band', data: xLabels }]}
          yAxis={VALUE_AXIS}
          series={data.series.map((s) => ({
            data: s.data,
            label: s.label,
            valueFormatter: (_v: number | null, ctx: { dataIndex: number }) => label(s, ctx.dataIndex),
            ...(chart.stacked ? { stack: 'all' } : {}),
          }))}
        />
      )}
    </Box>
  );
}
