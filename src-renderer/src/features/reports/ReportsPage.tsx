import { useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Divider from '@mui/material/Divider';
import GlobalStyles from '@mui/material/GlobalStyles';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import ListSubheader from '@mui/material/ListSubheader';
import PictureAsPdfIcon from '@mui/icons-material/PictureAsPdf';
import PrintIcon from '@mui/icons-material/Print';
import TableChartIcon from '@mui/icons-material/TableChart';
import { hasRole } from '../../../../src-shared/api/roles';
import {
  REPORT_NAMES,
  type ReportCell,
  type ReportDto,
  type ReportName,
  type ReportTableDto,
} from '../../../../src-shared/dto/reports';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { base64Bytes, download } from '../../components/download';
import { PaymentTimelineDialog } from '../../components/PaymentTimelineDialog';
import { useApiQuery } from '../../components/query';
import { useDebouncedValue } from '../../components/use-debounced-value';
import { ExportsPanel } from './ExportsPanel';
import { GlLinesDialog, type GlDrill } from './GlLinesDialog';
import { ReportFilterBar } from './ReportFilterBar';
import { ReportView } from './ReportView';
import {
  exportFileName,
  initialFilters,
  localDay,
  numberCell,
  REPORT_LABELS,
  toReportFilters,
  type FilterState,
} from './report-format';

/** When printing (Electron's webContents printing, or a browser's), only the report is put on paper. */
const PRINT_STYLES = (
  <GlobalStyles
    styles={{
      '@media print': {
        'html, body, #root': { height: 'auto !important', overflow: 'visible !important' },
        '#root *': { overflow: 'visible !important' },
        'body *': { visibility: 'hidden' },
        '.report-print-root, .report-print-root *': {
          visibility: 'visible',
          printColorAdjust: 'exact',
          WebkitPrintColorAdjust: 'exact',
        },
        '.report-print-root': {
          position: 'absolute',
          left: 0,
          top: 0,
          width: '100%',
          height: 'auto !important',
          padding: '0 !important',
        },
        '.report-print-root .MuiTableContainer-root': { maxHeight: 'none !important' },
        '.report-print-root .no-print': { display: 'none !important' },
      },
    }}
  />
);

/** Every problem of a failed call as one line each (a validation error names each field). */
function problemText(err: unknown): string {
  if (err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues?.length)
    return err.error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return errorMessage(err);
}

/** What the page shows on the right: a report, or (supervisors) the list of integration exports. */
type View = ReportName | 'exports';

/**
 * The Reports area: the list of reports, a filter bar they share, the report (charts over the tables behind
 * them) with drill-down to G/L journal lines and to a payment's timeline, CSV/PDF/print, and for supervisors
 * the integration exports.
 */
export function ReportsPage() {
  const { info } = useAppInfo();
  const supervisor = hasRole(info?.operator.roles ?? [], 'supervisor');
  const [view, setView] = useState<View>('gl');
  const name: ReportName = view === 'exports' ? 'gl' : view;
  const [filters, setFilters] = useState<FilterState>(() => initialFilters(localDay(new Date())));
  const wanted = useMemo(() => toReportFilters(filters, name), [filters, name]);
  const wantedKey = useDebouncedValue(JSON.stringify(wanted), 300);
  const [busy, setBusy] = useState<'csv' | 'pdf' | null>(null);
  const [message, setMessage] = useState<{ severity: 'success' | 'error'; text: string } | null>(null);
  const [glDrill, setGlDrill] = useState<GlDrill | null>(null);
  const [timelineId, setTimelineId] = useState<number | null>(null);
  const run = useApiQuery(
    'reports:run',
    { name, filters: JSON.parse(wantedKey) as ReportDto['filters'] },
    { enabled: view !== 'exports', keepPrevious: true },
  );
  const loading = run.fetching;
  const error = run.cause ? problemText(run.cause) : null;
  // A refused filter keeps the last report on show under the error, as the analyst fixes the filter.
  const [report, setReport] = useState<ReportDto | null>(null);
  if (run.data && run.data !== report) setReport(run.data);

  const shown = report && report.name === name && view !== 'exports' ? report : null;

  const saveCsv = async () => {
    setBusy('csv');
    setMessage(null);
    try {
      const out = await call('reports:export', { name, filters: wanted, csv: true });
      const tables = Object.entries(out.csv ?? {});
      for (const [tableId, text] of tables)
        download(exportFileName(name, wanted, 'csv', tableId), 'text/csv', text);
      setMessage({
        severity: 'success',
        text: `Saved ${tables.length} CSV file${tables.length === 1 ? '' : 's'} (one per table).`,
      });
    } catch (err) {
      setMessage({ severity: 'error', text: problemText(err) });
    } finally {
      setBusy(null);
    }
  };

  const savePdf = async () => {
    setBusy('pdf');
    setMessage(null);
    try {
      const out = await call('reports:export', { name, filters: wanted, pdf: true });
      if (!out.pdfBase64) throw new Error('The report service returned no PDF.');
      download(exportFileName(name, wanted, 'pdf'), 'application/pdf', base64Bytes(out.pdfBase64));
      setMessage({ severity: 'success', text: 'Saved the PDF.' });
    } catch (err) {
      setMessage({ severity: 'error', text: problemText(err) });
    } finally {
      setBusy(null);
    }
  };

  const canDrill = (table: ReportTableDto) =>
    table.drill === 'gl-lines' || table.drill === 'payment-timeline';

  const onDrill = (table: ReportTableDto, row: Record<string, ReportCell>) => {
    if (table.drill === 'payment-timeline') {
      const paymentId = numberCell(row, 'paymentId');
      if (paymentId !== null) setTimelineId(paymentId);
      return;
    }
    const glId = numberCell(row, 'glId');
    if (glId === null || !shown) return;
    const today = localDay(new Date());
    const currency = row.currency;
    const label = row.label;
    setGlDrill({
      glId,
      label: typeof label === 'string' ? label : '',
      currency: typeof currency === 'string' && currency ? currency : null,
      from: shown.filters.from ?? wanted.from ?? '1970-01-01',
      to: shown.filters.to ?? wanted.to ?? today,
      debitMinor: numberCell(row, 'debitMinor'),
      creditMinor: numberCell(row, 'creditMinor'),
      lines: numberCell(row, 'lines'),
    });
  };

  const actions = (
    <>
      <Button
        size="small"
        startIcon={<TableChartIcon />}
        disabled={!shown || busy !== null}
        onClick={() => void saveCsv()}
        data-testid="report-export-csv"
      >
        CSV
      </Button>
      <Button
        size="small"
        startIcon={<PictureAsPdfIcon />}
        disabled={!shown || busy !== null}
        onClick={() => void savePdf()}
        data-testid="report-export-pdf"
      >
        PDF
      </Button>
      <Button
        size="small"
        startIcon={<PrintIcon />}
        disabled={!shown}
        onClick={() => window.print()}
        data-testid="report-print"
      >
        Print
      </Button>
    </>
  );

  const item = (id: View, label: string, hint: string) => (
    <ListItemButton
      key={id}
      selected={view === id}
      onClick={() => {
        setView(id);
        setMessage(null);
      }}
      data-testid={`report-item-${id}`}
      sx={{ py: 0.5 }}
    >
      <ListItemText
        primary={label}
        secondary={hint}
        slotProps={{
          primary: { variant: 'body2', sx: { fontWeight: 500 } },
          secondary: { variant: 'caption' },
        }}
      />
    </ListItemButton>
  );

  return (
    <Box sx={{ height: '100%', display: 'flex', minHeight: 0 }} data-testid="reports-page">
      {PRINT_STYLES}
      <Box
        component="nav"
        aria-label="Reports"
        className="no-print"
        sx={{ width: 210, flexShrink: 0, borderRight: 1, borderColor: 'divider', overflowY: 'auto' }}
      >
        <List dense subheader={<ListSubheader sx={{ lineHeight: '36px' }}>Reports</ListSubheader>}>
          {REPORT_NAMES.map((n) => item(n, REPORT_LABELS[n].label, REPORT_LABELS[n].hint))}
        </List>
        {supervisor && (
          <>
            <Divider />
            <List dense>{item('exports', 'Exports', 'Runs to billing and the G/L')}</List>
          </>
        )}
      </Box>
      <Box sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column', minHeight: 0 }}>
        {view !== 'exports' && <ReportFilterBar name={name} filters={filters} onChange={setFilters} />}
        <LinearProgress
          sx={{ height: 2, visibility: loading || busy ? 'visible' : 'hidden' }}
          aria-hidden
          className="no-print"
        />
        <Box sx={{ flex: 1, overflow: 'auto', p: 2, minHeight: 0 }} className="report-print-root">
          {message && (
            <Alert
              severity={message.severity}
              onClose={() => setMessage(null)}
              sx={{ mb: 2 }}
              className="no-print"
              data-testid="report-message"
            >
              {message.text}
            </Alert>
          )}
          {view === 'exports' ? (
            <ExportsPanel />
          ) : (
            <>
              {error && (
                <Alert severity="error" sx={{ mb: 2 }} data-testid="report-error" className="no-print">
                  {error}
                </Alert>
              )}
              {shown && (
                <Box sx={{ opacity: loading ? 0.6 : 1, transition: 'opacity 120ms' }}>
                  <ReportView report={shown} canDrill={canDrill} onDrill={onDrill} actions={actions} />
                </Box>
              )}
            </>
          )}
        </Box>
      </Box>
      {glDrill && <GlLinesDialog drill={glDrill} onClose={() => setGlDrill(null)} />}
      <PaymentTimelineDialog paymentId={timelineId} onClose={() => setTimelineId(null)} />
    </Box>
  );
}
