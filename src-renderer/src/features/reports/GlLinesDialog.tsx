import { useState } from 'react';
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
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatDate } from '../../components/format';
import { useApiQuery } from '../../components/query';
import { formatDateTime, sumLines } from './report-format';

/** Journal lines per page of the drill-down. */
export const GL_PAGE = 100;

/** The G/L summary row a drill-down opens on: its G/L ID and currency, the period, and the row's figures. */
export type GlDrill = {
  glId: number;
  label: string;
  currency: string | null;
  from: string;
  to: string;
  debitMinor: number | null;
  creditMinor: number | null;
  lines: number | null;
};

/** The journal lines behind one G/L summary row, paged, with the row's figures and the page's own sums. */
export function GlLinesDialog({ drill, onClose }: { drill: GlDrill; onClose: () => void }) {
  const { money } = useAppInfo();
  const [offset, setOffset] = useState(0);
  // The page on show stays while the next one loads, so the table does not jump.
  const {
    data: page,
    error,
    fetching: loading,
  } = useApiQuery(
    'reports:gl-lines',
    {
      glId: drill.glId,
      from: drill.from,
      to: drill.to,
      ...(drill.currency ? { currency: drill.currency } : {}),
      offset,
      limit: GL_PAGE,
    },
    { keepPrevious: true },
  );
  const sums = page ? sumLines(page.rows) : null;
  const whole = page !== undefined && offset === 0 && page.rows.length === page.total;
  const cur = drill.currency ?? page?.rows[0]?.currency ?? '';
  const ties =
    whole && sums && drill.debitMinor !== null && drill.creditMinor !== null
      ? sums.debitMinor === drill.debitMinor && sums.creditMinor === drill.creditMinor
      : null;

  return (
    <Dialog
      open
      onClose={onClose}
      maxWidth="lg"
      fullWidth
      data-testid="gl-lines-dialog"
      aria-labelledby="gl-title"
    >
      <DialogTitle id="gl-title">
        G/L {drill.glId} {drill.label} {drill.currency ?? ''}
        <Typography variant="body2" color="textSecondary">
          Journal lines {drill.from} to {drill.to}
          {drill.debitMinor !== null && drill.creditMinor !== null && cur && (
            <>
              {' '}
              · summary: debit {money(drill.debitMinor, cur)}, credit {money(drill.creditMinor, cur)}, net{' '}
              {money(drill.debitMinor - drill.creditMinor, cur)}
            </>
          )}
        </Typography>
      </DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: loading ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent sx={{ pt: 0 }}>
        {error && <Alert severity="error">{error}</Alert>}
        {page && (
          <Table
            size="small"
            stickyHeader
            sx={{ '& td, & th': { whiteSpace: 'nowrap', py: 0.5 } }}
            data-testid="gl-lines-table"
            data-total={page.total}
          >
            <TableHead>
              <TableRow>
                <TableCell>Line</TableCell>
                <TableCell>Journal</TableCell>
                <TableCell>Kind</TableCell>
                <TableCell>Posted</TableCell>
                <TableCell>Effective</TableCell>
                <TableCell>Ledger</TableCell>
                <TableCell>Account</TableCell>
                <TableCell>Payment</TableCell>
                <TableCell>Reason</TableCell>
                <TableCell align="right">Debit</TableCell>
                <TableCell align="right">Credit</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {page.rows.length === 0 && (
                <TableRow>
                  <TableCell colSpan={11} sx={{ color: 'text.secondary', fontStyle: 'italic' }}>
                    No journal lines for this G/L ID in this period.
                  </TableCell>
                </TableRow>
              )}
              {page.rows.map((l) => (
                <TableRow key={l.lineId} data-testid="gl-line">
                  <TableCell>{l.lineId}</TableCell>
                  <TableCell>{l.journalId}</TableCell>
                  <TableCell>{l.journalKind}</TableCell>
                  <TableCell>{formatDateTime(l.at)}</TableCell>
                  <TableCell>{formatDate(l.effectiveDate)}</TableCell>
                  <TableCell>{l.glAccount}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{l.accountNo ?? '—'}</TableCell>
                  <TableCell>{l.paymentId ?? '—'}</TableCell>
                  <TableCell>{l.reasonCode ?? '—'}</TableCell>
                  <TableCell align="right" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                    {l.amountMinor > 0 ? money(l.amountMinor, l.currency) : ''}
                  </TableCell>
                  <TableCell align="right" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                    {l.amountMinor < 0 ? money(-l.amountMinor, l.currency) : ''}
                  </TableCell>
                </TableRow>
              ))}
              {sums && page.rows.length > 0 && (
                <TableRow sx={{ bgcolor: 'action.hover' }} data-testid="gl-lines-sums">
                  <TableCell colSpan={9} sx={{ fontWeight: 700 }}>
                    {whole ? 'Total' : 'This page'}
                  </TableCell>
                  <TableCell align="right" sx={{ fontWeight: 700 }} data-testid="gl-lines-debit">
                    {money(sums.debitMinor, cur)}
                  </TableCell>
                  <TableCell align="right" sx={{ fontWeight: 700 }} data-testid="gl-lines-credit">
                    {money(sums.creditMinor, cur)}
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        {page && (
          <Typography variant="body2" color="textSecondary" sx={{ mr: 'auto' }} data-testid="gl-lines-range">
            {page.total === 0
              ? 'No lines'
              : `Lines ${formatCount(offset + 1)}–${formatCount(offset + page.rows.length)} of ${formatCount(page.total)}`}
            {ties === true && ' · ties to the summary row'}
            {ties === false && ' · does NOT tie to the summary row'}
          </Typography>
        )}
        <Box sx={{ display: 'flex', gap: 1 }}>
          <Button
            disabled={offset === 0 || loading}
            onClick={() => setOffset(Math.max(0, offset - GL_PAGE))}
            data-testid="gl-lines-prev"
          >
            Previous
          </Button>
          <Button
            disabled={!page || offset + GL_PAGE >= page.total || loading}
            onClick={() => setOffset(offset + GL_PAGE)}
            data-testid="gl-lines-next"
          >
            Next
          </Button>
          <Button variant="contained" onClick={onClose} data-testid="gl-lines-close">
            Close
          </Button>
        </Box>
      </DialogActions>
    </Dialog>
  );
}
