import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import PictureAsPdfIcon from '@mui/icons-material/PictureAsPdf';
import TableChartIcon from '@mui/icons-material/TableChart';
import type { BatchDto, BatchReportDto, BatchReportLineDto } from '../../../../src-shared/dto/batches';
import { useApiQuery } from '../../components/query';
import { useAppInfo } from '../../app/app-info';
import { base64Bytes, download } from '../../components/download';
import { formatCount } from '../../components/format';
import { entryStatusLabel } from './labels';

/** A short list of report lines (the files hold all of them). */
function Lines({
  title,
  section,
  currency,
  reason,
  testId,
}: {
  title: string;
  section: BatchReportDto['suspended'];
  currency: string;
  reason: boolean;
  testId: string;
}) {
  const { money } = useAppInfo();
  const shown: BatchReportLineDto[] = section.rows.slice(0, 8);
  return (
    <Box data-testid={testId} data-total={section.total}>
      <Typography variant="subtitle2" sx={{ mt: 2 }}>
        {title}: {formatCount(section.total)} ({money(section.totalMinor, currency, true)})
      </Typography>
      {shown.length > 0 && (
        <Table size="small">
          <TableBody>
            {shown.map((l) => (
              <TableRow key={l.entryId}>
                <TableCell sx={{ width: 48 }}>#{l.seq}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace' }}>{l.accountNo ?? l.billNo ?? '—'}</TableCell>
                <TableCell align="right">
                  {l.amountMinor === null ? '—' : money(l.amountMinor, currency)}
                </TableCell>
                <TableCell>
                  {reason
                    ? `${l.reasonCode ?? ''} ${l.reasonLabel ?? ''}`
                    : (l.problem ?? entryStatusLabel(l.status))}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {section.total > shown.length && (
        <Typography variant="caption" color="textSecondary">
          … {formatCount(section.total - shown.length)} more in the CSV and PDF files.
        </Typography>
      )}
    </Box>
  );
}

/** The batch report: counts and totals per status, suspended entries, exceptions; saved as CSV or PDF. */
export function ReportDialog({ batch, onClose }: { batch: BatchDto; onClose: () => void }) {
  const { money } = useAppInfo();
  const { data: report, error } = useApiQuery('batches:report', { batchId: batch.id, csv: true, pdf: true });

  return (
    <Dialog
      open
      onClose={onClose}
      maxWidth="sm"
      fullWidth
      data-testid="report-dialog"
      aria-labelledby="report-title"
    >
      <DialogTitle id="report-title">Batch report {batch.batchNo}</DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: report || error ? 'hidden' : 'visible' }} aria-hidden />
      <DialogContent>
        {error && <Alert severity="error">{error}</Alert>}
        {report && (
          <>
            <Table size="small" sx={{ tableLayout: 'fixed' }} data-testid="report-by-status">
              <TableHead>
                <TableRow>
                  <TableCell>Status</TableCell>
                  <TableCell align="right">Entries</TableCell>
                  <TableCell align="right">Amount</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {report.byStatus.map((s) => (
                  <TableRow key={s.status} data-testid={`report-status-${s.status}`}>
                    <TableCell>{entryStatusLabel(s.status)}</TableCell>
                    <TableCell align="right">{formatCount(s.count)}</TableCell>
                    <TableCell align="right">{money(s.totalMinor, batch.currency)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Table size="small" sx={{ mt: 2, tableLayout: 'fixed' }} data-testid="report-posted">
              <TableBody>
                {(
                  [
                    ['accounts', 'Posted to accounts', report.postedToAccounts],
                    ['suspense', 'Posted to suspense', report.postedToSuspense],
                  ] as const
                ).map(([key, label, p]) => (
                  <TableRow key={key} data-testid={`report-posted-${key}`}>
                    <TableCell sx={{ fontWeight: 600 }}>{label}</TableCell>
                    <TableCell align="right">{formatCount(p.count)}</TableCell>
                    <TableCell align="right">{money(p.totalMinor, batch.currency)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <Lines
              title="Suspended"
              section={report.suspended}
              currency={batch.currency}
              reason
              testId="report-suspended"
            />
            <Lines
              title="Exceptions"
              section={report.exceptions}
              currency={batch.currency}
              reason={false}
              testId="report-exceptions"
            />
            {report.exceptionBatches.length > 0 && (
              <Typography variant="body2" sx={{ mt: 2 }} data-testid="report-exception-batches">
                Exception batches:{' '}
                {report.exceptionBatches
                  .map((x) => `${x.batchNo} (${formatCount(x.entries)}, ${x.status})`)
                  .join(', ')}
              </Typography>
            )}
          </>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose}>Close</Button>
        <Button
          startIcon={<TableChartIcon />}
          disabled={!report?.csv}
          onClick={() => report?.csv && download(`${batch.batchNo}-report.csv`, 'text/csv', report.csv)}
          data-testid="report-save-csv"
        >
          Save CSV
        </Button>
        <Button
          variant="contained"
          startIcon={<PictureAsPdfIcon />}
          disabled={!report?.pdfBase64}
          onClick={() =>
            report?.pdfBase64 &&
            download(`${batch.batchNo}-report.pdf`, 'application/pdf', base64Bytes(report.pdfBase64))
          }
          data-testid="report-save-pdf"
        >
          Save PDF
        </Button>
      </DialogActions>
    </Dialog>
  );
}
