import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import type { MandateScheme, MandateStatus } from '../../../../src-shared/dto/mandates';
import { formatDate } from '../../components/format';
import { useApiQuery } from '../../components/query';
import { MandateHistoryDialog } from './AccountMandates';
import { bankLines, SCHEME_LABELS } from './labels';
import { MandateStatusChip } from './MandateStatusChip';

type Filters = {
  accountNo: string;
  creditor: string;
  scheme: '' | MandateScheme;
  status: '' | MandateStatus;
  reference: string;
};

/** Every mandate with filters (account, creditor, scheme, status, reference prefix), paged. */
export function MandatesPanel() {
  const [filters, setFilters] = useState<Filters>({
    accountNo: '',
    creditor: '',
    scheme: '',
    status: '',
    reference: '',
  });
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(25);
  const [history, setHistory] = useState<number | null>(null);
  const creditors = useApiQuery('creditors:list', {}).data ?? [];
  const t = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());
  const { data, error } = useApiQuery(
    'mandates:list',
    {
      accountNo: t(filters.accountNo)?.toUpperCase(),
      creditor: t(filters.creditor),
      scheme: filters.scheme || undefined,
      status: filters.status || undefined,
      referencePrefix: t(filters.reference),
      limit: size,
      offset: page * size,
    },
    { keepPrevious: true },
  );
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => {
    setFilters({ ...filters, [k]: e.target.value });
    setPage(0);
  };
  return (
    <Paper variant="outlined" data-testid="mandates-panel">
      <Box sx={{ p: 1.5, display: 'flex', gap: 1.5, flexWrap: 'wrap' }}>
        <TextField
          size="small"
          label="Account"
          value={filters.accountNo}
          onChange={set('accountNo')}
          sx={{ width: 140 }}
        />
        <TextField
          size="small"
          label="Reference starts with"
          value={filters.reference}
          onChange={set('reference')}
          sx={{ width: 200 }}
        />
        <TextField
          select
          size="small"
          label="Creditor"
          value={filters.creditor}
          onChange={set('creditor')}
          sx={{ width: 150 }}
        >
          <MenuItem value="">All</MenuItem>
          {creditors.map((c) => (
            <MenuItem key={c.code} value={c.code}>
              {c.code}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label="Scheme"
          value={filters.scheme}
          onChange={set('scheme')}
          sx={{ width: 140 }}
        >
          <MenuItem value="">All</MenuItem>
          {(Object.keys(SCHEME_LABELS) as MandateScheme[]).map((s) => (
            <MenuItem key={s} value={s}>
              {SCHEME_LABELS[s]}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          size="small"
          label="Status"
          value={filters.status}
          onChange={set('status')}
          sx={{ width: 140 }}
        >
          <MenuItem value="">All</MenuItem>
          {['pending', 'active', 'cancelled', 'expired'].map((s) => (
            <MenuItem key={s} value={s}>
              {s}
            </MenuItem>
          ))}
        </TextField>
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      <TableContainer sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label="Mandates" sx={{ '& th, & td': { px: 1 } }}>
          <TableHead>
            <TableRow>
              <TableCell>Reference</TableCell>
              <TableCell>Account</TableCell>
              <TableCell>Scheme</TableCell>
              <TableCell>Creditor</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Debtor</TableCell>
              <TableCell>Bank account</TableCell>
              <TableCell>Last collected</TableCell>
              <TableCell align="right">Collections</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {data?.rows.map((m) => (
              <TableRow key={m.id} hover data-testid={`mandates-row-${m.reference}`}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{m.reference}</TableCell>
                <TableCell>
                  <a href={`#/accounts/${encodeURIComponent(m.accountNo)}`}>{m.accountNo}</a>
                </TableCell>
                <TableCell>{SCHEME_LABELS[m.scheme]}</TableCell>
                <TableCell>{m.creditorCode}</TableCell>
                <TableCell>
                  <MandateStatusChip status={m.status} />
                </TableCell>
                <TableCell>{m.debtorName}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, lineHeight: 1.3 }}>
                  <BankLines lines={bankLines(m)} />
                </TableCell>
                <TableCell>{formatDate(m.lastCollectedOn)}</TableCell>
                <TableCell align="right">{m.collections}</TableCell>
                <TableCell>
                  <Button size="small" onClick={() => setHistory(m.id)}>
                    History
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      <TablePagination
        component="div"
        count={data?.total ?? 0}
        page={page}
        rowsPerPage={size}
        rowsPerPageOptions={[25, 50, 100]}
        onPageChange={(_e, p) => setPage(p)}
        onRowsPerPageChange={(e) => {
          setSize(Number(e.target.value));
          setPage(0);
        }}
      />
      {history !== null && <MandateHistoryDialog mandateId={history} onClose={() => setHistory(null)} />}
    </Paper>
  );
}

/** The account on the first line, its qualifiers below, so the table fits a 1280 px window. */
function BankLines({ lines: [account, detail] }: { lines: [string, string | null] }) {
  return (
    <>
      <Box component="span" sx={{ display: 'block', whiteSpace: 'nowrap' }}>
        {account}
      </Box>
      {detail && (
        <Box component="span" sx={{ display: 'block', whiteSpace: 'nowrap', color: 'text.secondary' }}>
          {detail}
        </Box>
      )}
    </>
  );
}
