import Chip from '@mui/material/Chip';
import type { AccountSummaryDto } from '../../../src-shared/dto/accounts';

const STATUS_COLORS: Record<AccountSummaryDto['status'], 'success' | 'default' | 'warning'> = {
  active: 'success',
  inactive: 'warning',
  closed: 'default',
};

/** A small chip for an account status. */
export function AccountStatusChip({ status }: { status: AccountSummaryDto['status'] }) {
  return (
    <Chip
      label={status}
      size="small"
      color={STATUS_COLORS[status]}
      variant="outlined"
      sx={{ height: 20, fontSize: 11, textTransform: 'capitalize' }}
      data-testid="account-status"
    />
  );
}
