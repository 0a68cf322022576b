import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { batchStatusLabel, batchStatusTone, batchTypeLabel, payTypeLabel } from './labels';
import { StatusPill } from './StatusPill';

/** Which batches the list shows. */
export type BatchListFilter = 'active' | 'all' | BatchDto['status'];

/** True when the batch belongs in the list under this filter. */
export function matchesFilter(b: BatchDto, filter: BatchListFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'active') return b.status === 'open' || b.status === 'validated';
  return b.status === filter;
}

/** The left pane: batches newest first, with type, pay type, currency, status and figures. */
export function BatchList({
  batches,
  total,
  selectedId,
  filter,
  loading,
  error,
  onFilter,
  onSelect,
  onNew,
}: {
  batches: BatchDto[];
  total: number;
  selectedId: number | null;
  filter: BatchListFilter;
  loading: boolean;
  error: string | null;
  onFilter: (f: BatchListFilter) => void;
  onSelect: (id: number) => void;
  onNew: () => void;
}) {
  const { money } = useAppInfo();
  const shown = batches.filter((b) => matchesFilter(b, filter));
  return (
    <Box
      sx={{
        width: { xs: 300, xl: 340 },
        flexShrink: 0,
        display: 'flex',
        flexDirection: 'column',
        borderRight: 1,
        borderColor: 'divider',
        bgcolor: 'background.paper',
        minHeight: 0,
      }}
      component="nav"
      aria-label="Batches"
    >
      <Box sx={{ p: 1.5, display: 'flex', gap: 1, alignItems: 'center' }}>
        <Button
          variant="contained"
          startIcon={<AddIcon />}
          onClick={onNew}
          title="New batch (Alt+N)"
          data-testid="new-batch"
        >
          New batch
        </Button>
        <TextField
          select
          size="small"
          value={filter}
          onChange={(e) => onFilter(e.target.value as BatchListFilter)}
          sx={{ flex: 1, minWidth: 0 }}
          slotProps={{
            select: { SelectDisplayProps: { 'data-testid': 'batch-filter', 'aria-label': 'Show batches' } as object },
          }}
        >
          <MenuItem value="active">Open and validated</MenuItem>
          <MenuItem value="submitted">Submitted</MenuItem>
          <MenuItem value="discarded">Discarded</MenuItem>
          <MenuItem value="all">All batches</MenuItem>
        </TextField>
      </Box>
      <LinearProgress sx={{ height: 2, visibility: loading ? 'visible' : 'hidden' }} aria-hidden />
      {error && (
        <Alert severity="error" sx={{ m: 1 }}>
          {error}
        </Alert>
      )}
      <List dense disablePadding sx={{ flex: 1, overflowY: 'auto' }} data-testid="batch-list">
        {shown.map((b) => (
          <ListItemButton
            key={b.id}
            selected={b.id === selectedId}
            onClick={() => onSelect(b.id)}
            data-testid={`batch-item-${b.batchNo}`}
            data-batch-id={b.id}
            sx={{ display: 'block', py: 1, borderBottom: 1, borderColor: 'divider' }}
          >
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
              <Typography sx={{ fontFamily: 'monospace', fontWeight: 600, fontSize: 13 }} noWrap>
                {b.batchNo}
              </Typography>
              <Box sx={{ ml: 'auto' }}>
                <StatusPill label={batchStatusLabel(b.status)} tone={batchStatusTone(b.status)} />
              </Box>
            </Box>
            <Typography variant="body2" color="textSecondary" noWrap>
              {batchTypeLabel(b.batchType)} · {payTypeLabel(b.payType)} · {b.currency}
            </Typography>
            <Box sx={{ display: 'flex', gap: 1, fontVariantNumeric: 'tabular-nums' }}>
              <Typography variant="body2" color="textSecondary">
                {formatCount(b.zeroProof.enteredCount)} {b.zeroProof.enteredCount === 1 ? 'entry' : 'entries'}
                {b.zeroProof.expectedCount !== null ? ` of ${formatCount(b.zeroProof.expectedCount)}` : ''}
              </Typography>
              <Typography variant="body2" sx={{ ml: 'auto' }}>
                {money(b.zeroProof.enteredTotalMinor, b.currency)}
              </Typography>
            </Box>
          </ListItemButton>
        ))}
        {!loading && shown.length === 0 && (
          <Box sx={{ p: 3, textAlign: 'center' }} data-testid="batch-list-empty">
            <Typography variant="body2" color="textSecondary">
              {total === 0
                ? 'No batches yet. Start one for the payments in today’s mail with New batch.'
                : 'No batches match this filter.'}
            </Typography>
          </Box>
        )}
      </List>
    </Box>
  );
}
