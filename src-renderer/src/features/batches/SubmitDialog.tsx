import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { z } from 'zod';
import type { BatchDto, BatchSubmitDto } from '../../../../src-shared/dto/batches';
import type { ConfirmationDto } from '../../../../src-shared/dto/confirmations';
import { ApiCallError, errorMessage } from '../../api/client';
import { ConfirmationSummary } from '../../components/ConfirmationSummary';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { ENTRY_STATUSES, entryStatusLabel } from './labels';
import { zeroProofProblem } from './ZeroProofBar';

const shape = inputShape('batches:submit');

/**
 * The override fields, by the command's own rules: a reason is required only when the figures differ (the
 * service refuses a differing batch without one); the note is optional.
 */
function submitSchema(differs: boolean) {
  return z.object({
    overrideReasonCode: z
      .string()
      .refine((t) => !differs || t !== '', 'Choose the reason for submitting although the figures differ.')
      .transform((t) => (t === '' ? undefined : Number(t)))
      .pipe(shape.overrideReasonCode),
    overrideNote: z
      .string()
      .pipe(shape.overrideNote.unwrap())
      .transform((t) => (t === '' ? undefined : t)),
  });
}

type SubmitForm = z.input<ReturnType<typeof submitSchema>>;

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
  const rows = ENTRY_STATUSES.filter((s) => (batch.countsByStatus[s] ?? 0) > 0);
  // Differing figures submit only as an override: a supervisor's reason (domain 19) and note, audited.
  const differs = zeroProofProblem(batch, money);
  const reasons = useApiQuery(
    'codes:list',
    { domainId: ZERO_PROOF_OVERRIDE_DOMAIN },
    { enabled: differs !== null },
  );
  const form = useZodForm(submitSchema(differs !== null), { overrideReasonCode: '', overrideNote: '' });
  const submitBatch = useApiMutation('batches:submit');
  const prepare = useApiMutation('confirmations:prepare');
  const [error, setError] = useState<string | null>(null);

  // Over the confirmation limit the service asks for a prepared confirmation: show it, then confirm it.
  const [confirmation, setConfirmation] = useState<ConfirmationDto | null>(null);
  const submit = form.handleSubmit(async (v) => {
    setError(null);
    const input = {
      batchId: batch.id,
      ...(differs && v.overrideReasonCode !== undefined ? { overrideReasonCode: v.overrideReasonCode } : {}),
      ...(differs && v.overrideNote !== undefined ? { overrideNote: v.overrideNote } : {}),
    };
    try {
      onSubmitted(
        await submitBatch.run({ ...input, ...(confirmation ? { confirmationId: confirmation.id } : {}) }),
      );
    } catch (err) {
      const needed =
        err instanceof ApiCallError &&
        err.error.code === 'conflict' &&
        err.error.rule === 'confirmation-required';
      try {
        if (needed) setConfirmation(await prepare.run({ operation: 'batches:submit', input }));
        else {
          setConfirmation(null);
          setError(
            applyServerProblems<SubmitForm>(form, err, ['overrideReasonCode', 'overrideNote']) ??
              errorMessage(err),
          );
        }
      } catch (prepareErr) {
        setError(errorMessage(prepareErr));
      }
    }
  });
  // A missing reason is said where the clerk looks before submitting, as the service would say it.
  const reasonProblem = form.formState.errors.overrideReasonCode?.message;

  return (
    <FormDialog
      title={`Submit batch ${batch.batchNo}?`}
      testId="submit-dialog"
      partsTestId="submit"
      onClose={onClose}
      onSubmit={submit}
      busy={submitBatch.busy || prepare.busy}
      error={error ?? (typeof reasonProblem === 'string' ? reasonProblem : null)}
      // Once a confirmation shows, Cancel takes the focus so Enter never confirms by accident.
      focusButton={confirmation ? 'cancel' : differs ? undefined : 'submit'}
      submitTestId={confirmation ? 'submit-confirm-amount' : 'submit-confirm'}
      submitColor={confirmation ? 'warning' : undefined}
      submitLabel={
        confirmation
          ? `Confirm and submit ${confirmation.totals.map((t) => money(t.amountMinor, t.currency, true)).join(' + ')}`
          : differs
            ? 'Override and submit'
            : 'Submit batch'
      }
    >
      <Typography variant="body2">
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
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }} data-testid="submit-override">
          <Alert severity="warning">
            {differs}. As a supervisor you may submit anyway: the override is recorded with its reason in the
            audit log.
          </Alert>
          <Box sx={{ display: 'flex', gap: 2 }}>
            <TextField
              select
              size="small"
              label="Override reason"
              value={form.watch('overrideReasonCode')}
              onChange={(e) => form.setValue('overrideReasonCode', e.target.value, { shouldValidate: true })}
              error={typeof reasonProblem === 'string'}
              sx={{ minWidth: 260 }}
              slotProps={{
                select: { SelectDisplayProps: { 'data-testid': 'submit-override-reason' } as object },
              }}
            >
              {(reasons.data ?? []).map((r) => (
                <MenuItem key={r.id} value={String(r.id)} data-testid={`submit-override-reason-${r.id}`}>
                  {r.id} · {r.label}
                </MenuItem>
              ))}
            </TextField>
            <TextField
              size="small"
              label="Note"
              {...fieldProps<SubmitForm>(form, 'overrideNote')}
              sx={{ flex: 1 }}
              slotProps={{ htmlInput: { 'data-testid': 'submit-override-note', maxLength: 500 } }}
            />
          </Box>
        </Box>
      )}
      {confirmation && (
        <Box sx={{ display: 'flex', flexDirection: 'column', gap: 1 }} data-testid="submit-confirmation">
          <Alert severity="warning">
            This batch is over the confirmation limit. Check the count and the total, then confirm.
          </Alert>
          <ConfirmationSummary preview={confirmation} money={money} />
        </Box>
      )}
    </FormDialog>
  );
}
