import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Skeleton from '@mui/material/Skeleton';
import type { AccountDetailDto } from '../../../../src-shared/dto/accounts';
import { call, errorMessage } from '../../api/client';
import { AccountHeader } from './AccountHeader';
import { BillUnitsTable } from './BillUnitsTable';
import { OpenBillsTable } from './OpenBillsTable';
import { PaymentHistory } from './PaymentHistory';
import { BillingCycleCard, PaymentStatusCard } from './SummaryCards';

type DetailState = { key: string; account: AccountDetailDto | null; error: string | null };

/** The right side of Accounts: everything about one account, re-fetched when the ledger changes. */
export function AccountDetail({ accountNo, reloadKey }: { accountNo: string; reloadKey: number }) {
  const [state, setState] = useState<DetailState>({ key: '', account: null, error: null });
  const requestKey = `${accountNo}\u0000${reloadKey}`;

  useEffect(() => {
    let stale = false;
    call('accounts:show', { accountNo }).then(
      (account) => !stale && setState({ key: requestKey, account, error: null }),
      (err: unknown) => !stale && setState({ key: requestKey, account: null, error: errorMessage(err) }),
    );
    return () => {
      stale = true;
    };
  }, [accountNo, requestKey]);

  const loading = state.key !== requestKey;
  // Keep showing the previous account while the next one loads only if it is the same account (a refresh).
  const account =
    state.account && state.account.accountNo === accountNo.trim().toUpperCase() ? state.account : null;

  if (!loading && state.error) {
    return (
      <Box sx={{ p: 3 }}>
        <Alert severity="error" data-testid="account-error">
          {state.error}
        </Alert>
      </Box>
    );
  }
  if (!account) {
    return (
      <Box sx={{ p: 3, display: 'flex', flexDirection: 'column', gap: 2 }} aria-busy>
        <Skeleton variant="rounded" height={96} />
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 2 }}>
          <Skeleton variant="rounded" height={140} />
          <Skeleton variant="rounded" height={140} />
        </Box>
        <Skeleton variant="rounded" height={200} />
      </Box>
    );
  }
  return (
    <Box sx={{ position: 'relative' }} data-testid="account-detail" data-account-no={account.accountNo}>
      <LinearProgress
        sx={{
          position: 'absolute',
          top: 0,
          left: 0,
          right: 0,
          height: 2,
          visibility: loading ? 'visible' : 'hidden',
        }}
        aria-hidden
      />
      <Box sx={{ p: 2.5, display: 'flex', flexDirection: 'column', gap: 2, maxWidth: 1400 }}>
        <AccountHeader account={account} />
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2 }}>
          <PaymentStatusCard account={account} />
          <BillingCycleCard account={account} />
        </Box>
        <OpenBillsTable
          key={account.accountNo}
          bills={account.openBills}
          totalCount={account.openBillCount}
        />
        <BillUnitsTable billUnits={account.billUnits} />
        <PaymentHistory accountNo={account.accountNo} currency={account.currency} reloadKey={reloadKey} />
      </Box>
    </Box>
  );
}
