import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatDate } from '../../components/format';
import { useApiQuery } from '../../components/query';

/**
 * The daily processor summary (recovery:daily): what was sent on one day per command and result, with the
 * amounts per currency (never added across currencies), and what is still open now. Yesterday by default.
 */
export function DailySummaryPanel() {
  const { money } = useAppInfo();
  const [date, setDate] = useState('');
  // Until the field holds a whole date the service's default day (yesterday) is read.
  const { data, error } = useApiQuery('recovery:daily', /^\d{4}-\d{2}-\d{2}$/.test(date) ? { date } : {}, {
    keepPrevious: true,
  });
  return (
    <Paper variant="outlined" data-testid="daily-summary">
      <Box sx={{ px: 2, py: 1.5, display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Processor activity on {data ? formatDate(data.date) : '…'}
        </Typography>
        <TextField
          type="date"
          size="small"
          label="Day"
          value={date || data?.date || ''}
          onChange={(e) => setDate(e.target.value)}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'daily-date' } }}
        />
        {data && (
          <>
            <Chip
              size="small"
              variant="outlined"
              color={data.openCheckpoints > 0 ? 'warning' : 'default'}
              label={`open checkpoints ${formatCount(data.openCheckpoints)}`}
              data-testid="daily-open"
            />
            <Chip
              size="small"
              variant="outlined"
              color={data.unposted > 0 ? 'warning' : 'default'}
              label={`charged, not posted ${formatCount(data.unposted)}`}
              data-testid="daily-unposted"
            />
          </>
        )}
      </Box>
      {error && (
        <Alert severity="error" sx={{ mx: 2, mb: 1 }}>
          {error}
        </Alert>
      )}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: 120 }}>Command</TableCell>
            <TableCell sx={{ width: 90 }}>Result</TableCell>
            <TableCell>Meaning</TableCell>
            <TableCell align="right" sx={{ width: 100 }}>
              Count
            </TableCell>
            <TableCell align="right">Amount</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {data?.byCommand.length === 0 && (
            <TableRow>
              <TableCell colSpan={5} sx={{ color: 'text.secondary' }}>
                Nothing was sent to a processor on this day.
              </TableCell>
            </TableRow>
          )}
          {data?.byCommand.map((r) => (
            <TableRow key={`${r.command}:${r.result}`} data-testid={`daily-row-${r.command}-${r.result}`}>
              <TableCell>{r.command}</TableCell>
              <TableCell>{r.result}</TableCell>
              <TableCell>{r.name}</TableCell>
              <TableCell align="right">{formatCount(r.count)}</TableCell>
              <TableCell align="right" sx={{ fontVariantNumeric: 'tabular-nums' }}>
                {r.amounts.map((a) => money(a.amountMinor, a.currency, true)).join(' · ')}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Paper>
  );
}
