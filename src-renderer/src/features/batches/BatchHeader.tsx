import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import EditNoteIcon from '@mui/icons-material/EditNote';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
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

/** A service timestamp in the clerk's local time, ISO-like ("2026-11-22 14:05"), or a dash. */
function localTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The batch's header: number, status and type, its figures, and the zero-proof bar. */
export function BatchHeader({
  batch,
  parentNo,
  busy,
  onOpenBatch,
  onEditHeader,
}: {
  batch: BatchDto;
  parentNo: string | null;
  busy: boolean;
  onOpenBatch: (id: number) => void;
  onEditHeader: () => void;
}) {
  const { money } = useAppInfo();
  return (
    <Paper
      variant="outlined"
      sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 1.5 }}
      data-testid="batch-header"
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
        <Typography variant="h6" component="h1" sx={{ fontFamily: 'monospace' }} data-testid="batch-no">
          {batch.batchNo}
        </Typography>
        <StatusPill
          label={batchStatusLabel(batch.status)}
          tone={batchStatusTone(batch.status)}
          testId="batch-status"
        />
        <Typography variant="body2" color="textSecondary">
          {batchTypeLabel(batch.batchType)} batch · {payTypeLabel(batch.payType)} · {batch.currency}
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
      <Box
        sx={{
          display: 'grid',
          gridTemplateColumns: 'repeat(auto-fill, minmax(118px, 1fr))',
          gap: 1.5,
        }}
      >
        <Fact label="Batch date" testId="batch-date">
          {batch.batchDate}
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
          {localTime(batch.validatedAt)}
        </Fact>
        <Fact label="Note" span={2} testId="batch-note">
          <span title={batch.note ?? undefined}>{batch.note ?? '—'}</span>
        </Fact>
      </Box>
      <ZeroProofBar batch={batch} />
    </Paper>
  );
}
