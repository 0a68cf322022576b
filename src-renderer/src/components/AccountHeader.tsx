import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { AccountDetailDto } from '../../../src-shared/dto/accounts';
import { useAppInfo } from '../app/app-info';
import { AccountStatusChip } from './AccountStatusChip';
import { payTypeName } from './account-labels';

/** Label above a value, used in the header and the cards. */
export function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Box sx={{ minWidth: 0 }}>
      <Typography variant="overline" color="textSecondary" component="div">
        {label}
      </Typography>
      <Typography
        variant="body2"
        component="div"
        data-testid={testId}
        sx={{ fontVariantNumeric: 'tabular-nums' }}
      >
        {children}
      </Typography>
    </Box>
  );
}

/**
 * The account header: name, number, status, currency, default pay type, balance and unallocated credit, with the
 * account's actions (record a payment, allocate credit) under the figures.
 */
export function AccountHeader({ account, actions }: { account: AccountDetailDto; actions?: ReactNode }) {
  const { money } = useAppInfo();
  return (
    <Paper
      variant="outlined"
      sx={{ p: 2.5, display: 'flex', gap: 3, alignItems: 'flex-start', flexWrap: 'wrap' }}
      data-testid="account-header"
    >
      <Box sx={{ flex: '1 1 320px', minWidth: 0 }}>
        <Typography variant="h5" component="h1" data-testid="account-name" noWrap title={account.name}>
          {account.name}
        </Typography>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, mt: 0.75, flexWrap: 'wrap' }}>
          <Typography sx={{ fontFamily: 'monospace', fontWeight: 600 }} data-testid="account-number">
            {account.accountNo}
          </Typography>
          <AccountStatusChip status={account.status} />
          <Typography variant="body2" color="textSecondary">
            {account.currency}
          </Typography>
          <Typography variant="body2" color="textSecondary" data-testid="account-pay-type">
            Pay type: {payTypeName(account.defaultPayType)}
          </Typography>
          {account.isSuspense && (
            <Typography variant="body2" color="warning">
              · Payment suspense account
            </Typography>
          )}
        </Box>
      </Box>
      <Box sx={{ ml: 'auto', display: 'flex', flexDirection: 'column', alignItems: 'flex-end', gap: 1.5 }}>
        <Box sx={{ display: 'flex', gap: 4, textAlign: 'right' }}>
          <Box>
            <Typography variant="overline" color="textSecondary" component="div">
              Unallocated credit
            </Typography>
            <Typography
              variant="h6"
              component="div"
              data-testid="account-unallocated"
              data-minor={account.unallocatedMinor}
              sx={{ fontVariantNumeric: 'tabular-nums', fontWeight: 500 }}
            >
              {money(account.unallocatedMinor, account.currency, true)}
            </Typography>
          </Box>
          <Box>
            <Typography variant="overline" color="textSecondary" component="div">
              Balance
            </Typography>
            <Typography
              variant="h5"
              component="div"
              data-testid="account-balance"
              data-minor={account.balanceMinor}
              color={account.balanceMinor < 0 ? 'success' : 'textPrimary'}
              sx={{ fontVariantNumeric: 'tabular-nums' }}
            >
              {money(account.balanceMinor, account.currency, true)}
            </Typography>
          </Box>
        </Box>
        {actions && (
          <Box sx={{ display: 'flex', gap: 1 }} data-testid="account-actions">
            {actions}
          </Box>
        )}
      </Box>
    </Paper>
  );
}
