import { useMemo, useState } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { z } from 'zod';
import type { BatchEntryDto } from '../../../../src-shared/dto/batches';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import {
  applyServerProblems,
  countText,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { MANUAL_SUSPEND_REASON, reasonText, SUSPENSE_REASONS } from './labels';

const shape = inputShape('batches:suspend-entry');

/** The reason code as typed: the command's own rule, and a code is required here (null would mean none). */
const suspendSchema = z.object({
  reasonCode: countText(shape.reasonCode.unwrap()).refine(
    (v): v is number => v !== null,
    'Enter a reason code',
  ),
});

type SuspendForm = z.input<typeof suspendSchema>;

/**
 * Suspend by hand: the entry goes to the payment suspense account when the batch is submitted, with the reason
 * code the clerk picks (2007 "Suspended by hand" unless a more precise code applies).
 */
export function SuspendDialog({
  batchId,
  currency,
  entry,
  onClose,
  onDone,
}: {
  batchId: number;
  currency: string;
  entry: BatchEntryDto;
  onClose: () => void;
  onDone: (entry: BatchEntryDto) => void;
}) {
  const { money } = useAppInfo();
  const form = useZodForm(suspendSchema, { reasonCode: String(MANUAL_SUSPEND_REASON) });
  const suspend = useApiMutation('batches:suspend-entry');
  const [error, setError] = useState<string | null>(null);
  // The active codes of domain 14 as the admin keeps them (defaults plus the desk's own, retired ones gone).
  const codes = useApiQuery('codes:list', { domainId: 14 });
  const reasons = useMemo(
    () => codes.data?.map((r) => ({ code: r.id, text: r.label })) ?? SUSPENSE_REASONS,
    [codes.data],
  );
  const code = form.watch('reasonCode').trim();
  const known = reasons.find((r) => String(r.code) === code);

  const submit = form.handleSubmit(async (v) => {
    setError(null);
    try {
      onDone(await suspend.run({ batchId, entryId: entry.id, reasonCode: v.reasonCode }));
    } catch (err) {
      setError(applyServerProblems<SuspendForm>(form, err, ['reasonCode']) ?? errorMessage(err));
    }
  });

  const reason = fieldProps<SuspendForm>(form, 'reasonCode');
  return (
    <FormDialog
      title={`Suspend entry ${entry.seq}`}
      testId="suspend-dialog"
      partsTestId="suspend"
      submitTestId="suspend-confirm"
      submitLabel="Suspend"
      maxWidth="xs"
      onClose={onClose}
      onSubmit={submit}
      busy={suspend.busy}
      error={error ?? codes.error}
    >
      <Typography variant="body2" color="textSecondary">
        {entry.accountNo ?? entry.billNo ?? 'No account'} ·{' '}
        {entry.amountMinor !== null ? money(entry.amountMinor, currency, true) : 'no amount'}. On submit it
        posts to the payment suspense account for Payment Center to resolve.
      </Typography>
      <TextField
        label="Reason code"
        {...reason}
        helperText={
          reason.helperText ?? known?.text ?? reasonText(Number(code)) ?? 'Not an active suspense reason code'
        }
        slotProps={{
          htmlInput: { 'data-testid': 'suspend-reason', inputMode: 'numeric', autoComplete: 'off' },
        }}
      />
      <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap' }}>
        {reasons.map((r) => (
          <Chip
            key={r.code}
            data-testid={`suspend-reason-chip-${r.code}`}
            size="small"
            label={`${r.code} ${r.text}`}
            variant={String(r.code) === code ? 'filled' : 'outlined'}
            color={String(r.code) === code ? 'primary' : 'default'}
            onClick={() => form.setValue('reasonCode', String(r.code), { shouldValidate: true })}
          />
        ))}
      </Box>
    </FormDialog>
  );
}
