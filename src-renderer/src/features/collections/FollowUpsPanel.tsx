import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { WorkflowItemDto } from '../../../../src-shared/dto/processors';
import { formatTimestamp } from '../../components/format';
import { useApiQuery } from '../../components/query';

type Status = 'open' | 'done' | 'all';
type Kind = 'retry' | 'all';

/** Soft declines are the retry list: collection charges them again after their suspension. */
const isRetry = (w: WorkflowItemDto): boolean =>
  /soft decline/.test(w.message) && !/exhausted/.test(w.message);

const KIND_COLOR: Readonly<Record<string, 'warning' | 'error' | 'default'>> = {
  'soft-decline': 'warning',
  'hard-decline': 'error',
  'retries-exhausted': 'error',
  'processor-error': 'error',
};

/**
 * The follow-ups collection raised: soft declines waiting for their retry (with the retry number and the date
 * after which the next run charges again), hard declines and exhausted retries that moved an account to a
 * manual pay type, and processor errors.
 */
export function FollowUpsPanel() {
  const [status, setStatus] = useState<Status>('open');
  const [kind, setKind] = useState<Kind>('retry');
  const { data, error } = useApiQuery('collect:workflow', { status, limit: 1000 }, { keepPrevious: true });
  const rows = data?.rows ?? null;
  const shown = (rows ?? []).filter((w) => kind === 'all' || isRetry(w));
  return (
    <Paper variant="outlined" data-testid="follow-ups">
      <Box sx={{ px: 2, py: 1.5, display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Follow-ups ({rows === null ? '…' : shown.length})
        </Typography>
        <TextField
          select
          size="small"
          label="Show"
          value={kind}
          onChange={(e) => setKind(e.target.value as Kind)}
          sx={{ width: 220 }}
          slotProps={{ htmlInput: { 'data-testid': 'follow-ups-kind' } }}
        >
          <MenuItem value="retry">Soft declines to retry</MenuItem>
          <MenuItem value="all">Every follow-up</MenuItem>
        </TextField>
        <TextField
          select
          size="small"
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as Status)}
          sx={{ width: 140 }}
        >
          <MenuItem value="open">Open</MenuItem>
          <MenuItem value="done">Done</MenuItem>
          <MenuItem value="all">All</MenuItem>
        </TextField>
      </Box>
      {error && (
        <Alert severity="error" sx={{ mx: 2, mb: 1 }}>
          {error}
        </Alert>
      )}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: 150 }}>Raised</TableCell>
            <TableCell sx={{ width: 140 }}>Account</TableCell>
            <TableCell sx={{ width: 170 }}>Kind</TableCell>
            <TableCell>What happened</TableCell>
            <TableCell sx={{ width: 100 }}>Request</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rows !== null && shown.length === 0 && (
            <TableRow>
              <TableCell colSpan={5} sx={{ color: 'text.secondary' }}>
                Nothing to follow up.
              </TableCell>
            </TableRow>
          )}
          {shown.map((w) => (
            <TableRow key={w.id} data-testid={`follow-up-${w.id}`}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTimestamp(w.createdAt)}</TableCell>
              <TableCell>{w.accountNo}</TableCell>
              <TableCell>
                <Chip
                  size="small"
                  variant="outlined"
                  color={KIND_COLOR[w.kind] ?? 'default'}
                  label={w.kind}
                />
              </TableCell>
              <TableCell sx={{ whiteSpace: 'normal' }}>{w.message}</TableCell>
              <TableCell>{w.txnId ?? ''}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Paper>
  );
}
