import type { RefObject } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useAppInfo } from '../../app/app-info';
import { stateChip } from './allocate-logic';
import { AllocateBillsTable } from './AllocateBillsTable';
import { AllocateSaveError, AllocateTotals } from './AllocateSummary';
import { AllocateFillBar, AllocatePaymentFacts } from './AllocateToolbar';
import { useAllocatePayment, type AllocateState, type AllocateTarget } from './use-allocate-payment';

export type { EntryAllocationSource } from './allocate-logic';

/** The title: which payment or entry, the account, and the state chip. */
function AllocateTitle({ s }: { s: AllocateState }) {
  const { money } = useAppInfo();
  const chip = s.payment
    ? stateChip(s.payment, s.entry?.status ?? null, s.check, s.filledBy, money, s.currency)
    : null;
  return (
    <DialogTitle id="allocate-title" sx={{ display: 'flex', alignItems: 'center', gap: 1.5, pb: 1 }}>
      <Box component="span" sx={{ flex: 1 }}>
        {s.entry ? `Allocate entry #${s.entry.seq}` : `Allocate payment #${s.paymentId}`}
        {s.view && (
          <Typography component="span" color="textSecondary" sx={{ ml: 1 }}>
            {s.view.accountNo} · {s.view.accountName}
          </Typography>
        )}
      </Box>
      {chip && (
        <Chip
          size="small"
          label={chip.label}
          color={chip.color}
          variant={chip.color === 'info' || chip.color === 'error' ? 'filled' : 'outlined'}
          data-testid="allocation-state"
          data-entry-status={s.entry?.status ?? ''}
        />
      )}
    </DialogTitle>
  );
}

/** Cancel, clearing an entry's manual lines, leaving the remainder as credit, and Save. */
function AllocateActions({
  s,
  onClose,
  saveRef,
  creditRef,
}: {
  s: AllocateState;
  onClose: () => void;
  saveRef: RefObject<HTMLButtonElement | null>;
  creditRef: RefObject<HTMLButtonElement | null>;
}) {
  return (
    <DialogActions sx={{ px: 3, pb: 2 }}>
      <Button onClick={onClose} disabled={s.saving} data-testid="allocate-cancel">
        Cancel
      </Button>
      {s.entry && (s.entryView?.manual.length ?? 0) > 0 && (
        <Button
          color="warning"
          onClick={() => void s.saveEntry(true)}
          disabled={s.saving}
          title="Drop the manual lines: validation plans the allocation by policy again"
          data-testid="allocate-entry-clear"
        >
          Clear manual allocation
        </Button>
      )}
      <Button
        ref={creditRef}
        variant="outlined"
        onClick={() => void s.submit()}
        disabled={!s.canLeaveCredit}
        data-testid="allocate-leave-credit"
      >
        Leave remainder as account credit
      </Button>
      <Button
        ref={saveRef}
        variant="contained"
        onClick={() => void s.submit()}
        disabled={!s.canSave}
        data-testid="allocate-save"
      >
        Save
      </Button>
    </DialogActions>
  );
}

/**
 * Allocate payment: the payment's unallocated credit against the account's open bills, entered per bill or per
 * item, filled by a policy (computed here, never posted until Save) and saved with the view's stale-data token.
 * Given a batch `entry` instead of a posted payment, it allocates the entry before submit: it reads the entry's
 * amount and manual lines with batches:entry-allocation and saves them with batches:allocate-entry (bill lines in a
 * bill-level batch; item lines in an item-level one, V2), and shows "required" vs "suggested" as Payment Tool does.
 * Keyboard: see useApplyKeyboard; Escape closes.
 */
export function AllocatePaymentDialog(props: { onClose: () => void } & AllocateTarget) {
  const { onClose } = props;
  const s = useAllocatePayment(props);
  const { saveRef, creditRef } = s.keyboard;
  return (
    <Dialog
      open
      onClose={s.saving ? undefined : onClose}
      maxWidth="md"
      fullWidth
      aria-labelledby="allocate-title"
      data-testid="allocate-dialog"
      data-token={s.view?.token ?? ''}
      onKeyDown={s.keyboard.onDialogKeyDown}
    >
      <AllocateTitle s={s} />
      <LinearProgress
        sx={{ height: 2, visibility: s.loading || s.saving ? 'visible' : 'hidden' }}
        aria-hidden
      />
      <DialogContent sx={{ pt: 1 }}>
        {s.loadError && !s.loading && (
          <Alert
            severity="error"
            action={
              <Button color="inherit" size="small" onClick={s.reload}>
                Retry
              </Button>
            }
          >
            {s.loadError}
          </Alert>
        )}
        {s.view && s.payment && (
          <>
            <AllocatePaymentFacts payment={s.payment} view={s.view} />
            <AllocateFillBar s={s} />
            <AllocateBillsTable s={s} />
            <AllocateTotals s={s} />
          </>
        )}
        <AllocateSaveError s={s} />
      </DialogContent>
      <AllocateActions s={s} onClose={onClose} saveRef={saveRef} creditRef={creditRef} />
    </Dialog>
  );
}
