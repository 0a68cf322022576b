import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { formatTimestamp } from '../../components/format';
import { useApiQuery } from '../../components/query';

const ENTITIES = [
  ['all', 'Every change'],
  ['setting', 'Settings'],
  ['reason_code', 'Reason codes'],
  ['column_set', 'Column sets'],
  ['custom_field', 'Custom fields'],
  ['operator', 'Operators'],
  ['channel', 'Channels'],
  ['pay_type', 'Pay types'],
  ['payment_term', 'Payment terms'],
  ['exchange_rate', 'Exchange rates'],
  ['config', 'Configuration imports'],
  ['command', 'Refused commands'],
] as const;

const PAGE = 50;

/** Before/after cells stay one line; the whole value is in the cell's tooltip. */
const VALUE_CELL = {
  fontFamily: 'monospace',
  fontSize: 12,
  overflow: 'hidden',
  textOverflow: 'ellipsis',
  whiteSpace: 'nowrap',
} as const;

/** Compact JSON of an audit value (the whole value is in the tooltip). */
function short(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = JSON.stringify(v);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/** The change history: who changed what, when, with the values before and after. */
export function HistoryPanel() {
  const [entity, setEntity] = useState('all');
  const [offset, setOffset] = useState(0);
  const page = useApiQuery(
    'admin:history',
    { ...(entity !== 'all' ? { entity } : {}), limit: PAGE, offset },
    { keepPrevious: true },
  );
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="history-panel">
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'center' }}>
        <TextField
          select
          size="small"
          label="Show"
          value={entity}
          onChange={(e) => {
            setEntity(e.target.value);
            setOffset(0);
          }}
          sx={{ minWidth: 220 }}
        >
          {ENTITIES.map(([value, label]) => (
            <MenuItem key={value} value={value}>
              {label}
            </MenuItem>
          ))}
        </TextField>
        <Typography variant="body2" color="textSecondary">
          {page.data ? `${page.data.total} changes` : ''}
        </Typography>
        <Box sx={{ flex: 1 }} />
        <Button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
          Newer
        </Button>
        <Button
          disabled={!page.data || offset + PAGE >= page.data.total}
          onClick={() => setOffset(offset + PAGE)}
        >
          Older
        </Button>
      </Box>
      {page.error && <Alert severity="error">{page.error}</Alert>}
      <Table size="small" data-testid="history-table" sx={{ tableLayout: 'fixed' }}>
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: 190 }}>When</TableCell>
            <TableCell sx={{ width: 110 }}>Who</TableCell>
            <TableCell sx={{ width: 170 }}>What</TableCell>
            <TableCell sx={{ width: 170 }}>Of</TableCell>
            <TableCell>Before</TableCell>
            <TableCell>After</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {(page.data?.rows ?? []).map((r) => (
            <TableRow key={r.id}>
              <TableCell>{formatTimestamp(r.at, 'second')}</TableCell>
              <TableCell>{r.operatorLogin ?? '—'}</TableCell>
              <TableCell>{r.action}</TableCell>
              <TableCell>
                {r.entity}
                {r.entityId ? ` ${r.entityId}` : ''}
              </TableCell>
              <TableCell title={JSON.stringify(r.before)} sx={VALUE_CELL}>
                {short(r.before)}
              </TableCell>
              <TableCell title={JSON.stringify(r.after)} sx={VALUE_CELL}>
                {short(r.after)}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
