import type { ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { ReportCell, ReportDto, ReportTableDto } from '../../../../src-shared/dto/reports';
import { ReportChart } from './ReportChart';
import { ReportTable } from './ReportTable';
import { formatDateTime, isEmptyReport, isPinnedChart, REPORT_LABELS } from './report-format';

/** A click on a drillable row: the table it is in and the row's cells. */
export type RowDrill = (table: ReportTableDto, row: Record<string, ReportCell>) => void;

/**
 * Any report: title, subtitle and when it was made, then each table with its charts above it. Rows of drillable
 * tables open their drill-down through `onDrill` (when given for that kind of drill).
 */
export function ReportView({
  report,
  canDrill,
  onDrill,
  actions,
}: {
  report: ReportDto;
  actions?: ReactNode;
  canDrill: (table: ReportTableDto) => boolean;
  onDrill: RowDrill;
}) {
  const empty = isEmptyReport(report);
  const emptyText = REPORT_LABELS[report.name].empty;
  return (
    <Box data-testid={`report-${report.name}`} sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Box sx={{ display: 'flex', alignItems: 'flex-start', gap: 1 }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Typography variant="h6" data-testid="report-title" sx={{ lineHeight: 1.3 }}>
            {report.title}
          </Typography>
          <Typography variant="body2" color="textSecondary" data-testid="report-subtitle">
            {report.subtitle}
          </Typography>
          <Typography variant="caption" color="textSecondary" data-testid="report-generated">
            Generated {formatDateTime(report.generatedAt)} UTC
          </Typography>
        </Box>
        {actions && (
          <Box className="no-print" sx={{ display: 'flex', gap: 0.5, flexShrink: 0 }}>
            {actions}
          </Box>
        )}
      </Box>
      {empty && (
        <Alert severity="info" data-testid="report-empty">
          {emptyText}.
        </Alert>
      )}
      {report.tables.map((table) => {
        const charts = report.charts.filter((c) => c.tableId === table.id);
        const drillable = table.drill !== undefined && canDrill(table);
        return (
          <Paper key={table.id} variant="outlined" sx={{ p: 1.5, breakInside: 'avoid' }}>
            {charts.length > 0 && (
              <Box
                sx={{
                  display: 'grid',
                  gridTemplateColumns: { xs: '1fr', lg: charts.length > 1 ? '1fr 1fr' : '1fr' },
                  gap: 2,
                  mb: 1.5,
                }}
              >
                {charts.map((c) => (
                  <ReportChart key={c.id} chart={c} table={table} pinned={isPinnedChart(c, report.charts)} />
                ))}
              </Box>
            )}
            <ReportTable
              table={table}
              empty={emptyText}
              {...(drillable ? { onRowClick: (row: Record<string, ReportCell>) => onDrill(table, row) } : {})}
            />
          </Paper>
        );
      })}
    </Box>
  );
}
