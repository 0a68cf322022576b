import Chip from '@mui/material/Chip';
import type { MandateStatus } from '../../../../src-shared/dto/mandates';
import { STATUS_COLORS } from './labels';

/** A mandate's status as a small coloured chip. */
export function MandateStatusChip({ status }: { status: MandateStatus }) {
  return (
    <Chip
      label={status}
      size="small"
      color={STATUS_COLORS[status]}
      variant={status === 'active' ? 'filled' : 'outlined'}
      sx={{ height: 20, fontSize: 11, textTransform: 'capitalize' }}
      data-testid={`mandate-status-${status}`}
    />
  );
}
