import { useState } from 'react';
import Alert from '@mui/material/Alert';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import type { SuspenseMoveDto } from '../../../../src-shared/dto/suspense';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { z } from 'zod';
import {
  applyServerProblems,
  countText,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { useDebouncedValue } from '../../components/use-debounced-value';

const recycleSchema = z.object({
  paymentId: countText(inputShape('suspense:recycle').paymentIds.element).refine((v) => v !== null, {
    message: 'Enter the payment ID',
  }),
});

type RecycleForm = z.input<typeof recycleSchema>;

/** Moves a payment posted to the wrong account back into suspense (its whole amount), with a reason. */
export function RecycleDialog({
  codes,
  initialPaymentId,
  onClose,
  onDone,
}: {
  codes: readonly ReasonCodeDto[];
  initialPaymentId?: number;
  onClose: () => void;
  onDone: (move: SuspenseMoveDto) => void;
}) {
  const { money } = useAppInfo();
  const form = useZodForm(recycleSchema, { paymentId: initialPaymentId ? String(initialPaymentId) : '' });
  const paymentId = form.watch('paymentId');
  // The payment is looked up once typing pauses, so each keystroke does not ask the service.
  const typed = useDebouncedValue(paymentId.trim(), 250);
  const wellFormed = /^\d{1,15}$/.test(typed) && typed === paymentId.trim();
  const lookup = useApiQuery('suspense:show', { paymentId: Number(typed) }, { enabled: wellFormed });
  const found = wellFormed ? lookup.data : undefined;
  const recycleRule = found?.allowed.find((a) => a.action === 'recycle');
  const refused = !wellFormed
    ? null
    : (lookup.error ??
      (recycleRule && !recycleRule.ok ? `${recycleRule.rule}: ${recycleRule.why ?? ''}` : null));
  const recycle = useApiMutation('suspense:recycle');
  const [error, setError] = useState<string | null>(null);
  const recycleCodes = codes.filter((c) => c.glId === 113);
  const [picked, setCode] = useState('');
  // "Payment recycled to suspense" (4002) is what recycling usually is; any code with G/L 113 may be picked.
  const code = picked || String((recycleCodes.find((c) => c.id === 4002) ?? recycleCodes[0])?.id ?? '');

  const submit = form.handleSubmit(async (v) => {
    if (v.paymentId === null) return;
    setError(null);
    try {
      onDone(await recycle.run({ paymentIds: [v.paymentId], reasonCode: Number(code) }));
    } catch (err) {
      setError(applyServerProblems<RecycleForm>(form, err, ['paymentId']) ?? errorMessage(err));
    }
  });
  return (
    <FormDialog
      title="Recycle a posted payment into suspense"
      testId="recycle-dialog"
      submitTestId="recycle-dialog-confirm"
      submitLabel="Recycle"
      submitDisabled={!found || refused !== null || code === ''}
      onClose={onClose}
      onSubmit={submit}
      busy={recycle.busy}
      error={error}
    >
      <Typography variant="body2" color="textSecondary">
        The payment&apos;s allocation is undone and its whole amount moves from the account into suspense.
        Apply it to the right account from there.
      </Typography>
      <TextField
        label="Payment ID"
        {...fieldProps<RecycleForm>(form, 'paymentId')}
        slotProps={{ htmlInput: { 'data-testid': 'recycle-payment', inputMode: 'numeric', maxLength: 15 } }}
      />
      {found && (
        <Typography variant="body2" data-testid="recycle-found">
          {found.subject.kind} payment {found.subject.paymentId} on account {found.subject.accountNo} ·{' '}
          {money(found.subject.amountMinor, found.subject.currency, true)}
        </Typography>
      )}
      {refused && (
        <Alert severity="warning" data-testid="recycle-refused">
          {refused}
        </Alert>
      )}
      <TextField
        select
        label="Reversal reason"
        value={code}
        onChange={(e) => setCode(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'recycle-reason' } }}
      >
        {recycleCodes.map((c) => (
          <MenuItem key={c.id} value={String(c.id)}>
            {c.id} {c.label} (G/L {c.glId})
          </MenuItem>
        ))}
      </TextField>
    </FormDialog>
  );
}
