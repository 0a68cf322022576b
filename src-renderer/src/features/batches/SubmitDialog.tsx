import { useEffect, useState } from 'react';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { BatchDto, BatchSubmitDto } from '../../../../src-shared/dto/batches';
import type { ConfirmationDto } from '../../../../src-shared/dto/confirmations';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { ConfirmationSummary } from '../../components/ConfirmationSummary';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { ENTRY_STATUSES, entryStatusLabel } from './labels';
import { zeroProofProblem } from './ZeroProofBar';

/** Reason domain of zero-proof overrides. */
const ZERO_PROOF_OVERRIDE_DOMAIN = 19;

/** What submitting will do, by entry status: post, suspend or reverse. */
function outcomeOf(batch: BatchDto, status: string): string {
  if (status === 'posted') return 'Already posted';
  if (status === 'posted_suspense') return 'Already posted to suspense';
  if (batch.batchType === 'reversal') return status === 'valid' ? 'Reversed' : 'Blocks submit';
  if (batch.batchType === 'refund') return status === 'valid' ? 'Refunded from the account' : 'Blocks submit';
  if (status === 'valid' || status === 'allocation_suggested') return 'Posted to the account';
  if (status === 'to_be_suspended') return 'Posted to suspense';
  return 'Blocks submit';
}

/** Confirms a submit with the counts and totals per status; shows service refusals where the clerk can act. */
export function SubmitDialog({
  batch,
  onClose,
  onSubmitted,
}: {
  batch: BatchDto;
  onClose: () => void;
  onSubmitted: (result: BatchSubmitDto) => void;
}) {
  const { money } = useAppInfo();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const rows = ENTRY_STATUSES.filter((s) => (batch.countsByStatus[s] ?? 0) > 0);
  // Differing figures submit only as an override: a supervisor's reason (domain 19) and note, audited.
  const differs = zeroProofProblem(batch, money);
  const [reasons, setReasons] = useState<ReasonCodeDto[]>([]);
  const [reason, setReason] = useState<number | ''>('');
  const [note, setNote] = useState('');
  useEffect(() => {
    if (!differs) return;
    let live = true;
    call('codes:list', { domainId: ZERO_PROOF_OVERRIDE_DOMAIN }).then(
      (r) => live && setReasons(r),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [differs]);

  // Over the confirmation limit the service asks for a prepared confirmation: show it, then confirm it.
  const [confirmation, setConfirmation] = useState<ConfirmationDto | null>(null);
  const submit = async () => {
    if (differs && reason === '') {
      setError('Choose the reason for submitting although the figures differ.');
      return;
    }
    setSaving(true);
    setError(null);
    const input = {
      batchId: batch.id,
      ...(differs && reason !== '' ? { overrideReasonCode: reason } : {}),
      ...(differs && note.trim() ? { overrideNote: note.trim() } : {}),
    };
    try {
      onSubmitted(
        await call('batches:submit', {
          ...input,
          ...(confirmation ? { confirmationId: confirmation.id } : {}),
        }),
      );
    } catch (err) {
      const needed =
        err instanceof ApiCallError &&
        err.error.code === 'conflict' &&
        err.error.rule === 'confirmation-required';
      try {
        if (needed)
          setConfirmation(await call('confirmations:prepare', { operation: 'batches:submit', input }));
        else {
          setConfirmation(null);
          setError(errorMessage(err));
        }
      } catch (prepareErr) {
        setError(errorMessage(prepareErr));
      }
      setSaving(false);
    }
  };

  return (
    <Dialog
      open
      onClose={saving ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      data-testid="submit-dialog"
      aria-labelledby="submit-title"
    >
      <DialogTitle id="submit-title">Submit batch {batch.batchNo}?</DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: saving ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent>
        <Typography variant="body2" sx={{ mb: 1.5 }}>
          {batch.lockMode === 'account'
            ? 'Submitting posts the entries one by one (lock per account): an entry that fails stays in the batch with the reason, and the rest post.'
            : 'Submitting posts the batch to the ledger in one step.'}{' '}
          Posted entries can no longer change;{' '}
          {batch.batchType === 'refund'
            ? 'refunds cannot be reversed (a mistaken refund is corrected with an adjustment).'
            : 'a mistake is corrected later with a reversal batch.'}
        </Typography>
        <Table size="small" data-testid="submit-summary">
          <TableHead>
            <TableRow>
              <TableCell>Status</TableCell>
              <TableCell align="right">Entries</TableCell>
              <TableCell align="right">Amount</TableCell>
              <TableCell>On submit</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((s) => (
              <TableRow key={s} data-testid={`submit-row-${s}`}>
                <TableCell>{entryStatusLabel(s)}</TableCell>
                <TableCell align="right">{formatCount(batch.countsByStatus[s] ?? 0)}</TableCell>
                <TableCell align="right">{money(batch.totalsByStatus[s] ?? 0, batch.currency)}</TableCell>
                <TableCell>{outcomeOf(batch, s)}</TableCell>
              </TableRow>
            ))}
            <TableRow>
              <TableCell sx={{ fontWeight: 600 }}>Total</TableCell>
              <TableCell align="right" sx={{ fontWeight: 600 }}>
                {formatCount(batch.zeroProof.enteredCount)}
              </TableCell>
              <TableCell align="right" sx={{ fontWeight: 600 }}>
                {money(batch.zeroProof.enteredTotalMinor, batch.currency, true)}
              </TableCell>
              <TableCell />
            </TableRow>
          </TableBody>
        </Table>
        {differs && (
          <Box
            sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 1.5 }}
            data-testid="submit-override"
          >
            <Alert severity="warning">
              {differs}. As a supervisor you may submit anyway: the override is recorded with its reason in
              the audit log.
            </Alert>
            <Box sx={{ display: 'flex', gap: 2 }}>
              <TextField
                select
                size="small"
                label="Override reason"
                value={reason}
                onChange={(e) => setReason(Number(e.target.value))}
                sx={{ minWidth: 260 }}
                slotProps={{
                  select: { SelectDisplayProps: { 'data-testid': 'submit-override-reason' } as object },
                }}
              >
                {reasons.map((r) => (
                  <MenuItem key={r.id} value={r.id} data-testid={`submit-override-reason-${r.id}`}>
                    {r.id} · {r.label}
                  </MenuItem>
                ))}
              </TextField>
              <TextField
                size="small"
                label="Note"
                value={note}
                onChange={(e) => setNote(e.target.value)}
                sx={{ flex: 1 }}
                slotProps={{ htmlInput: { 'data-testid': 'submit-override-note', maxLength: 500 } }}
              />
            </Box>
          </Box>
        )}
        {confirmation && (
          <Box
            sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 1 }}
            data-testid="submit-confirmation"
          >
            <Alert severity="warning">
              This batch is over the confirmation limit. Check the count and the total, then confirm.
            </Alert>
            <ConfirmationSummary preview={confirmation} money={money} />
          </Box>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="submit-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        {/* Once a confirmation shows, Cancel takes the focus so Enter never confirms by accident. */}
        <Button
          key={confirmation ? 'cancel-confirm' : 'cancel'}
          onClick={onClose}
          disabled={saving}
          autoFocus={!!confirmation}
        >
          Cancel
        </Button>
        {confirmation ? (
          <Button
            key="confirm"
            variant="contained"
            color="warning"
            onClick={() => void submit()}
            disabled={saving}
            data-testid="submit-confirm-amount"
          >
            {`Confirm and submit ${confirmation.totals.map((t) => money(t.amountMinor, t.currency, true)).join(' + ')}`}
          </Button>
        ) : (
          <Button
            variant="contained"
            onClick={() => void submit()}
            disabled={saving}
            autoFocus
            data-testid="submit-confirm"
          >
            {differs ? 'Override and submit' : 'Submit batch'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
