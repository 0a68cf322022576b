import { lazy, Suspense, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import TablePagination from '@mui/material/TablePagination';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import type { PaymentActions } from '../../components/allocation-dialog-state';
import { useApiQuery } from '../../components/query';

// The grid library is loaded only when a history is shown, which keeps the shell quick to start.
const PaymentHistoryGrid = lazy(() =>
  import('./PaymentHistoryGrid').then((m) => ({ default: m.PaymentHistoryGrid })),
);

const PAGE_SIZES = [25, 50, 100, 200];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Payment history of an account: date range, page size, paging, totals, where each payment went, row actions. */
export function PaymentHistory({
  accountNo,
  currency,
  actions,
}: {
  accountNo: string;
  currency: string;
  actions?: PaymentActions;
}) {
  const { money } = useAppInfo();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [pageSize, setPageSize] = useState(50);
  const [page, setPage] = useState(0);

  const fromOk = from === '' || ISO_DATE.test(from);
  const toOk = to === '' || ISO_DATE.test(to);
  const rangeOk = fromOk && toOk && (from === '' || to === '' || from <= to);
  // An impossible range keeps the last page on screen (with the fields marked) instead of asking the service.
  const history = useApiQuery(
    'accounts:payment-history',
    {
      accountNo,
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      limit: pageSize,
      offset: page * pageSize,
    },
    { enabled: rangeOk, keepPrevious: true },
  );

  const data = history.data;
  const loading = rangeOk && history.fetching;
  return (
    <Paper variant="outlined" data-testid="payment-history">
      <Box sx={{ px: 2, pt: 1.5, pb: 1, display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }}>
        <Typography variant="subtitle2">Payment history</Typography>
        <Box sx={{ flex: 1 }} />
        <TextField
          label="From"
          type="date"
          size="small"
          value={from}
          onChange={(e) => {
            setFrom(e.target.value);
            setPage(0);
          }}
          error={!rangeOk}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'history-from' } }}
          sx={{ width: 170 }}
        />
        <TextField
          label="To"
          type="date"
          size="small"
          value={to}
          onChange={(e) => {
            setTo(e.target.value);
            setPage(0);
          }}
          error={!rangeOk}
          helperText={rangeOk ? undefined : 'From must not be after To'}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'history-to' } }}
          sx={{ width: 170 }}
        />
      </Box>
      <LinearProgress sx={{ height: 2, visibility: loading ? 'visible' : 'hidden' }} aria-hidden />
      {history.error && (
        <Alert severity="error" sx={{ m: 2 }}>
          {history.error}
        </Alert>
      )}
      <Box sx={{ px: 2 }}>
        <Suspense fallback={<Box sx={{ height: 150 }} />}>
          <PaymentHistoryGrid rows={data?.rows ?? []} accountCurrency={currency} actions={actions} />
        </Suspense>
      </Box>
      <Box sx={{ display: 'flex', alignItems: 'center', px: 2, flexWrap: 'wrap' }}>
        <Typography variant="body2" color="textSecondary" data-testid="history-totals">
          {data
            ? `${formatCount(data.total)} ${data.total === 1 ? 'payment' : 'payments'} in range · total ${money(data.totalAmountMinor, currency, true)}`
            : ' '}
        </Typography>
        <Box sx={{ flex: 1 }} />
        <TablePagination
          component="div"
          count={data?.total ?? 0}
          page={data && page * pageSize >= data.total && page > 0 ? 0 : page}
          rowsPerPage={pageSize}
          rowsPerPageOptions={PAGE_SIZES}
          onPageChange={(_e, p) => setPage(p)}
          onRowsPerPageChange={(e) => {
            setPageSize(Number(e.target.value));
            setPage(0);
          }}
          labelRowsPerPage="Page size"
          slotProps={{ select: { inputProps: { 'data-testid': 'history-page-size' } } }}
        />
      </Box>
    </Paper>
  );
}
