import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import Skeleton from '@mui/material/Skeleton';
import Tooltip from '@mui/material/Tooltip';
import AddCardIcon from '@mui/icons-material/AddCard';
import CallSplitIcon from '@mui/icons-material/CallSplit';
import { useApiQuery } from '../../components/query';
import type { AllocationDialogState, PaymentActions } from '../../components/allocation-dialog-state';
import { BounceDialog } from '../returns';
import { AccountHeader } from '../../components/AccountHeader';
import { AccountMandates } from '../mandates';
import { BillUnitsTable } from './BillUnitsTable';
import { OpenBillsTable } from './OpenBillsTable';
import { PaymentHistory } from './PaymentHistory';
import { PaymentMethodsCard } from './PaymentMethodsCard';
import { BillingCycleCard, PaymentStatusCard } from './SummaryCards';
import { useShortcuts } from '../../components/shortcuts';

// The allocation dialogs load on first use of the account screen, after the account itself has painted.
const AllocationDialogs = lazy(() => import('../allocation').then((m) => ({ default: m.AllocationDialogs })));

type BounceState = { accountNo: string; paymentId: number | null; batchNo: string | null };

/**
 * The right side of Accounts: everything about one account, re-read when the ledger changes (the query cache), with the
 * allocation actions (Alt+R record payment, Alt+A allocate credit; A / U on a payment history row).
 */
export function AccountDetail({ accountNo, active = true }: { accountNo: string; active?: boolean }) {
  const detail = useApiQuery('accounts:show', { accountNo });
  // A dialog belongs to the account it was opened on; switching accounts drops it.
  const [opened, setOpened] = useState<{ accountNo: string; dialog: AllocationDialogState }>({
    accountNo,
    dialog: null,
  });
  const dialog = opened.accountNo === accountNo ? opened.dialog : null;
  const setDialog = useCallback(
    (next: AllocationDialogState) => setOpened({ accountNo, dialog: next }),
    [accountNo],
  );
  // A bounced payment being recorded, and the return batch it became (shown until the account changes).
  const [bounce, setBounce] = useState<BounceState | null>(null);
  const paymentActions = useMemo<PaymentActions>(
    () => ({
      allocate: (paymentId) => setDialog({ kind: 'allocate', paymentId }),
      undo: (paymentId) => setDialog({ kind: 'undo', paymentId }),
      bounce: (paymentId) => setBounce({ accountNo, paymentId, batchNo: null }),
    }),
    [setDialog, accountNo],
  );

  // A refresh keeps the account on screen; another account starts from the skeleton (the cache is per account).
  const loading = detail.fetching;
  const account = detail.data ?? null;
  const hasCredit = (account?.unallocatedMinor ?? 0) > 0;
  const canAct = account !== null && !account.isSuspense;

  useShortcuts(
    'Accounts',
    [
      { keys: 'Alt+R', label: 'Record a payment', enabled: canAct },
      { keys: 'Alt+A', label: 'Allocate unallocated credit later', enabled: canAct && hasCredit },
    ],
    active,
  );
  useEffect(() => {
    if (!active || !canAct) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented || !e.altKey || e.ctrlKey || e.metaKey || dialog !== null) return;
      if (e.code === 'KeyR') {
        e.preventDefault();
        setDialog({ kind: 'record' });
      } else if (e.code === 'KeyA' && hasCredit) {
        e.preventDefault();
        setDialog({ kind: 'later' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active, canAct, hasCredit, dialog, setDialog]);

  if (!loading && detail.error) {
    return (
      <Box sx={{ p: 3 }}>
        <Alert severity="error" data-testid="account-error">
          {detail.error}
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
        <AccountHeader
          account={account}
          actions={
            canAct && (
              <>
                {hasCredit && (
                  <Tooltip title="Alt+A" enterDelay={500}>
                    <Button
                      size="small"
                      variant="outlined"
                      startIcon={<CallSplitIcon />}
                      onClick={() => setDialog({ kind: 'later' })}
                      data-testid="allocate-later"
                    >
                      Allocate credit…
                    </Button>
                  </Tooltip>
                )}
                <Tooltip title="Alt+R" enterDelay={500}>
                  <Button
                    size="small"
                    variant="contained"
                    startIcon={<AddCardIcon />}
                    onClick={() => setDialog({ kind: 'record' })}
                    data-testid="record-payment"
                  >
                    Record payment…
                  </Button>
                </Tooltip>
              </>
            )
          }
        />
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
        {!account.isSuspense && <PaymentMethodsCard accountNo={account.accountNo} />}
        {!account.isSuspense && <AccountMandates accountNo={account.accountNo} currency={account.currency} />}
        <PaymentHistory
          accountNo={account.accountNo}
          currency={account.currency}
          actions={canAct ? paymentActions : undefined}
        />
      </Box>
      {bounce?.accountNo === accountNo && bounce.paymentId !== null && (
        <BounceDialog
          paymentId={bounce.paymentId}
          onClose={() => setBounce(null)}
          onRecorded={(r) => setBounce({ accountNo, paymentId: null, batchNo: r.batch?.batchNo ?? null })}
        />
      )}
      {bounce?.accountNo === accountNo && bounce.batchNo !== null && (
        <Alert
          severity="success"
          onClose={() => setBounce(null)}
          sx={{ position: 'fixed', bottom: 16, right: 16, zIndex: 1400 }}
          data-testid="bounce-recorded"
        >
          Return batch {bounce.batchNo} created: validate and submit it in the Payment Tool.
        </Alert>
      )}
      <Suspense fallback={null}>
        <AllocationDialogs
          key={account.accountNo}
          accountNo={account.accountNo}
          currency={account.currency}
          dialog={dialog}
          onDialog={setDialog}
        />
      </Suspense>
    </Box>
  );
}
