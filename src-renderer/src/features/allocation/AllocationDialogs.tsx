import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Snackbar from '@mui/material/Snackbar';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { AllocateLaterDialog } from './AllocateLaterDialog';
import { AllocatePaymentDialog } from './AllocatePaymentDialog';
import type { AllocationDialogState } from '../../components/allocation-dialog-state';
import { RecordPaymentDialog } from './RecordPaymentDialog';
import { UndoAllocationDialog } from './UndoAllocationDialog';

type Notice = { id: number; text: string; allocatePaymentId: number | null };

/**
 * The allocation dialogs of one account and the confirmation shown after each change. The ledger:changed event
 * refreshes the account screen behind them, so nothing here has to refetch the account.
 */
export function AllocationDialogs({
  accountNo,
  currency,
  dialog,
  onDialog,
}: {
  accountNo: string;
  currency: string;
  dialog: AllocationDialogState;
  onDialog: (next: AllocationDialogState) => void;
}) {
  const { money } = useAppInfo();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [noticeOpen, setNoticeOpen] = useState(false);
  const show = (text: string, allocatePaymentId: number | null = null) => {
    setNotice((n) => ({ id: (n?.id ?? 0) + 1, text, allocatePaymentId }));
    setNoticeOpen(true);
  };
  const close = () => onDialog(null);

  const amount = (minor: number) => money(minor, currency, true);

  return (
    <>
      {dialog?.kind === 'record' && (
        <RecordPaymentDialog
          accountNo={accountNo}
          currency={currency}
          onClose={close}
          onRecorded={(r) => {
            close();
            const a = r.allocation;
            const left = a ? a.unallocatedMinor : r.amountMinor;
            const what = r.duplicate
              ? 'was already recorded (same source key)'
              : a
                ? `recorded: ${amount(a.allocatedMinor)} allocated${left > 0 ? `, ${amount(left)} left as account credit` : ''}`
                : `recorded: ${amount(r.amountMinor)} left as unallocated credit`;
            show(`Payment #${r.paymentId} ${what}.`, left > 0 && !r.duplicate ? r.paymentId : null);
          }}
        />
      )}
      {dialog?.kind === 'later' && (
        <AllocateLaterDialog
          accountNo={accountNo}
          onClose={close}
          onAllocatePayment={(paymentId) => onDialog({ kind: 'allocate', paymentId })}
          onDone={(r) => {
            close();
            show(
              r.allocatedMinor > 0
                ? `Allocated ${amount(r.allocatedMinor)} from ${formatCount(r.payments.length)} ${r.payments.length === 1 ? 'payment' : 'payments'}; ${amount(r.unallocatedMinor)} credit left.`
                : `Nothing could be allocated; ${amount(r.unallocatedMinor)} credit left.`,
            );
          }}
        />
      )}
      {dialog?.kind === 'allocate' && (
        <AllocatePaymentDialog
          key={`allocate-${dialog.paymentId}`}
          paymentId={dialog.paymentId}
          onClose={close}
          onSaved={(r) => {
            close();
            const bills = new Set(r.lines.map((l) => l.billNo)).size;
            show(
              `Payment #${r.paymentId}: ${amount(r.allocatedMinor)} allocated to ${formatCount(bills)} ${bills === 1 ? 'bill' : 'bills'}` +
                (r.closedBills > 0 ? ` (${formatCount(r.closedBills)} closed)` : '') +
                (r.unallocatedMinor > 0 ? `; ${amount(r.unallocatedMinor)} left as account credit.` : '.'),
            );
          }}
        />
      )}
      {dialog?.kind === 'undo' && (
        <UndoAllocationDialog
          paymentId={dialog.paymentId}
          currency={currency}
          onClose={close}
          onDone={(r) => {
            close();
            show(
              `Allocation of payment #${r.paymentId} undone: ${amount(-r.allocatedMinor)} is unallocated credit again.`,
            );
          }}
        />
      )}
      <Snackbar
        // Keys must differ from the dialogs' keys: these siblings share one list.
        key={`notice-${notice?.id ?? 0}`}
        open={noticeOpen}
        autoHideDuration={10_000}
        onClose={(_e, reason) => reason !== 'clickaway' && setNoticeOpen(false)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'center' }}
      >
        <Alert
          severity="success"
          variant="filled"
          onClose={() => setNoticeOpen(false)}
          data-testid="allocation-notice"
          action={
            notice?.allocatePaymentId ? (
              <Button
                color="inherit"
                size="small"
                onClick={() => {
                  setNoticeOpen(false);
                  if (notice.allocatePaymentId)
                    onDialog({ kind: 'allocate', paymentId: notice.allocatePaymentId });
                }}
                data-testid="notice-allocate"
              >
                Allocate
              </Button>
            ) : undefined
          }
        >
          {notice?.text}
        </Alert>
      </Snackbar>
    </>
  );
}
