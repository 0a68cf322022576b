import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import IconButton from '@mui/material/IconButton';
import Tooltip from '@mui/material/Tooltip';
import AddIcon from '@mui/icons-material/Add';
import UploadFileIcon from '@mui/icons-material/UploadFile';
import FileOpenIcon from '@mui/icons-material/FileOpen';
import ChevronLeftIcon from '@mui/icons-material/ChevronLeft';
import ChevronRightIcon from '@mui/icons-material/ChevronRight';
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
  onImport,
  onOpenHandOver,
  collapsed,
  onCollapse,
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
  onImport: () => void;
  /** Reopen a hand-over file exported from a batch. */
  onOpenHandOver: () => void;
  collapsed: boolean;
  onCollapse: (collapsed: boolean) => void;
}) {
  const { money } = useAppInfo();
  const shown = batches.filter((b) => matchesFilter(b, filter));
  if (collapsed)
    return (
      <Box
        sx={{
          width: 48,
          flexShrink: 0,
          display: 'flex',
          flexDirection: 'column',
          alignItems: 'center',
          gap: 0.5,
          py: 1,
          borderRight: 1,
          borderColor: 'divider',
          bgcolor: 'background.paper',
        }}
        component="nav"
        aria-label="Batches"
      >
        <Tooltip title="Show the batch list" placement="right">
          <IconButton
            onClick={() => onCollapse(false)}
            data-testid="batch-list-expand"
            aria-label="Show the batch list"
          >
            <ChevronRightIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title="New batch (Alt+N)" placement="right">
          <IconButton onClick={onNew} color="primary" data-testid="new-batch" aria-label="New batch">
            <AddIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title="Import a bank file (Alt+I)" placement="right">
          <IconButton onClick={onImport} data-testid="import-file" aria-label="Import a bank file">
            <UploadFileIcon />
          </IconButton>
        </Tooltip>
        <Tooltip title="Open a hand-over file" placement="right">
          <IconButton onClick={onOpenHandOver} data-testid="open-handover" aria-label="Open a hand-over file">
            <FileOpenIcon />
          </IconButton>
        </Tooltip>
      </Box>
    );
  return (
    <Box
      sx={{
        // Narrow enough that every default grid column of a batch fits beside it at 1600 px.
        width: 256,
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
      <Box sx={{ p: 1.5, display: 'flex', flexDirection: 'column', gap: 1 }}>
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
          <Button
            variant="contained"
            startIcon={<AddIcon />}
            onClick={onNew}
            title="New batch (Alt+N)"
            data-testid="new-batch"
            sx={{ flex: 1, whiteSpace: 'nowrap', px: 1.5 }}
          >
            New batch
          </Button>
          <Tooltip title="Import a bank file (Alt+I)">
            <IconButton
              onClick={onImport}
              color="primary"
              data-testid="import-file"
              aria-label="Import a bank file"
            >
              <UploadFileIcon />
            </IconButton>
          </Tooltip>
          <Tooltip title="Open a hand-over file (a batch exported with Export)">
            <IconButton
              onClick={onOpenHandOver}
              data-testid="open-handover"
              aria-label="Open a hand-over file"
            >
              <FileOpenIcon />
            </IconButton>
          </Tooltip>
          <Tooltip title="Hide the batch list (more room for the grid)">
            <IconButton
              size="small"
              onClick={() => onCollapse(true)}
              data-testid="batch-list-collapse"
              aria-label="Hide the batch list"
            >
              <ChevronLeftIcon />
            </IconButton>
          </Tooltip>
        </Box>
        <TextField
          select
          size="small"
          fullWidth
          value={filter}
          onChange={(e) => onFilter(e.target.value as BatchListFilter)}
          slotProps={{
            select: {
              SelectDisplayProps: { 'data-testid': 'batch-filter', 'aria-label': 'Show batches' } as object,
            },
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
                <StatusPill
                  label={b.pushedTo !== null ? 'Pushed' : batchStatusLabel(b.status)}
                  tone={b.pushedTo !== null ? 'info' : batchStatusTone(b.status)}
                />
              </Box>
            </Box>
            <Typography variant="body2" color="textSecondary" noWrap>
              {batchTypeLabel(b.batchType)} · {payTypeLabel(b.payType)} · {b.currency}
            </Typography>
            <Box sx={{ display: 'flex', gap: 1, fontVariantNumeric: 'tabular-nums' }}>
              <Typography variant="body2" color="textSecondary">
                {formatCount(b.zeroProof.enteredCount)} {b.zeroProof.enteredCount === 1 ? 'entry' : 'entries'}
                {b.zeroProof.movedCount > 0 ? ` + ${formatCount(b.zeroProof.movedCount)} moved` : ''}
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
