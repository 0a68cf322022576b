import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import EditNoteIcon from '@mui/icons-material/EditNote';
import ExpandLessIcon from '@mui/icons-material/ExpandLess';
import ExpandMoreIcon from '@mui/icons-material/ExpandMore';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatDate, formatLocalDateTime } from '../../components/format';
import { batchStatusLabel, batchStatusTone, batchTypeLabel, payTypeLabel } from './labels';
import { StatusPill } from './StatusPill';
import { ZeroProofBar } from './ZeroProofBar';

/** A header figure: label above value. */
function Fact({
  label,
  children,
  testId,
  span = 1,
}: {
  label: string;
  children: ReactNode;
  testId?: string;
  span?: number;
}) {
  return (
    <Box sx={{ minWidth: 0, gridColumn: `span ${span}` }}>
      <Typography variant="overline" color="textSecondary" component="div" sx={{ lineHeight: 1.4 }}>
        {label}
      </Typography>
      <Typography
        variant="body2"
        component="div"
        data-testid={testId}
        noWrap
        sx={{ fontVariantNumeric: 'tabular-nums' }}
      >
        {children}
      </Typography>
    </Box>
  );
}

/** The batch's header: number, status and type, its figures, and the zero-proof bar. */
export function BatchHeader({
  batch,
  parentNo,
  busy,
  onOpenBatch,
  onEditHeader,
  collapsed,
  onCollapse,
}: {
  batch: BatchDto;
  parentNo: string | null;
  busy: boolean;
  onOpenBatch: (id: number) => void;
  onEditHeader: () => void;
  /** Folded to one line (number, status, type, date and control figures) above the zero-proof bar. */
  collapsed: boolean;
  onCollapse: (collapsed: boolean) => void;
}) {
  const { money } = useAppInfo();
  const control = [
    batch.controlCount === null ? null : `${formatCount(batch.controlCount)} items`,
    batch.controlTotalMinor === null ? null : money(batch.controlTotalMinor, batch.currency),
  ].filter(Boolean);
  return (
    <Paper
      variant="outlined"
      sx={{ p: collapsed ? 1 : 2, display: 'flex', flexDirection: 'column', gap: collapsed ? 0.75 : 1.5 }}
      data-testid="batch-header"
      data-collapsed={String(collapsed)}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: collapsed ? 1 : 1.5, flexWrap: 'wrap' }}>
        <IconButton
          size="small"
          onClick={() => onCollapse(!collapsed)}
          title={collapsed ? 'Show the whole header' : 'Fold the header to one line (more entry rows)'}
          aria-expanded={!collapsed}
          data-testid="batch-header-toggle"
        >
          {collapsed ? <ExpandMoreIcon fontSize="small" /> : <ExpandLessIcon fontSize="small" />}
        </IconButton>
        <Typography
          variant={collapsed ? 'subtitle1' : 'h6'}
          component="h1"
          sx={{ fontFamily: 'monospace', lineHeight: 1.3 }}
          data-testid="batch-no"
        >
          {batch.batchNo}
        </Typography>
        <StatusPill
          label={batchStatusLabel(batch.status)}
          tone={batchStatusTone(batch.status)}
          testId="batch-status"
        />
        {batch.pushedTo !== null && (
          <span title={`Submitted on the team server ${batch.pushedTo} by batch push; closed here`}>
            <StatusPill
              label={`Pushed to ${new URL(batch.pushedTo).host}`}
              tone="info"
              testId="batch-pushed"
            />
          </span>
        )}
        <Typography variant="body2" color="textSecondary">
          {batchTypeLabel(batch.batchType)} batch · {payTypeLabel(batch.payType)} · {batch.currency}
          {collapsed && (
            <span data-testid="batch-header-summary">
              {' '}
              · {formatDate(batch.batchDate)}
              {control.length ? ` · control ${control.join(', ')}` : ''}
            </span>
          )}
        </Typography>
        {batch.parentBatchId !== null && (
          <Link
            component="button"
            variant="body2"
            onClick={() => onOpenBatch(batch.parentBatchId as number)}
            data-testid="parent-batch-link"
          >
            Exception batch of {parentNo ?? `#${batch.parentBatchId}`}
          </Link>
        )}
        <Button
          size="small"
          startIcon={<EditNoteIcon />}
          onClick={onEditHeader}
          disabled={batch.status === 'discarded' || busy}
          title="Edit the note, lockbox number and control figures"
          sx={{ ml: 'auto' }}
          data-testid="edit-header"
        >
          Edit header
        </Button>
      </Box>
      {!collapsed && (
        <Box
          sx={{
            display: 'grid',
            gridTemplateColumns: 'repeat(auto-fill, minmax(118px, 1fr))',
            gap: 1.5,
          }}
        >
          <Fact label="Batch date" testId="batch-date">
            {formatDate(batch.batchDate)}
          </Fact>
          <Fact label="Channel">{batch.channelId === 0 ? '0 · unspecified' : batch.channelId}</Fact>
          <Fact label="Allocation">{batch.allocationLevel === 'bill' ? 'Bill level' : 'Item level'}</Fact>
          <Fact label="Lockbox no">{batch.lockboxNo ?? '—'}</Fact>
          <Fact label="Control count" testId="batch-control-count">
            {batch.controlCount === null ? '—' : formatCount(batch.controlCount)}
          </Fact>
          <Fact label="Control total" testId="batch-control-total">
            {batch.controlTotalMinor === null ? '—' : money(batch.controlTotalMinor, batch.currency)}
          </Fact>
          <Fact label="Validated" testId="batch-validated-at">
            {formatLocalDateTime(batch.validatedAt)}
          </Fact>
          <Fact label="Note" span={2} testId="batch-note">
            <span title={batch.note ?? undefined}>{batch.note ?? '—'}</span>
          </Fact>
        </Box>
      )}
      <ZeroProofBar batch={batch} />
    </Paper>
  );
}
