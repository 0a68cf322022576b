import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import InputAdornment from '@mui/material/InputAdornment';
import TextField from '@mui/material/TextField';
import { z } from 'zod';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import { formatLocalAmount } from '../../components/amount';
import {
  amountText,
  applyServerProblems,
  countText,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { call, errorMessage } from '../../api/client';
import { isEditable } from './labels';

const shape = inputShape('batches:update-header');

/** The header form: the command's own rules for each field, read from the text the user typed. */
function headerSchema(exponent: number) {
  return z.object({
    note: z.string().pipe(shape.note.unwrap().unwrap()),
    lockboxNo: z.string().pipe(shape.lockboxNo.unwrap().unwrap()),
    controlCount: countText(shape.controlCount.unwrap().unwrap()),
    controlTotal: amountText(exponent, { optional: true }),
  });
}

type HeaderForm = z.input<ReturnType<typeof headerSchema>>;

/**
 * Edits the batch header: the note at any time; the lockbox number and the control figures (which only feed the
 * zero-proof bar, so a validated batch stays validated) until the batch is submitted.
 */
export function HeaderDialog({
  batch,
  onClose,
  onSaved,
}: {
  batch: BatchDto;
  onClose: () => void;
  onSaved: (b: BatchDto) => void;
}) {
  const figures = isEditable(batch);
  const form = useZodForm(headerSchema(batch.exponent), {
    note: batch.note ?? '',
    lockboxNo: batch.lockboxNo ?? '',
    controlCount: batch.controlCount === null ? '' : String(batch.controlCount),
    controlTotal:
      batch.controlTotalMinor === null ? '' : formatLocalAmount(batch.controlTotalMinor, batch.exponent),
  });
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = form.handleSubmit(async (v) => {
    setSaving(true);
    setError(null);
    try {
      onSaved(
        await call('batches:update-header', {
          batchId: batch.id,
          note: v.note.trim() === '' ? null : v.note,
          ...(figures
            ? {
                lockboxNo: v.lockboxNo.trim() === '' ? null : v.lockboxNo.trim(),
                controlCount: v.controlCount,
                controlTotal: v.controlTotal,
              }
            : {}),
        }),
      );
    } catch (err) {
      const fields = ['note', 'lockboxNo', 'controlCount', 'controlTotal'] as const;
      setError(applyServerProblems<HeaderForm>(form, err, fields) ?? errorMessage(err));
      setSaving(false);
    }
  });

  const count = fieldProps<HeaderForm>(form, 'controlCount');
  const total = fieldProps<HeaderForm>(form, 'controlTotal');
  return (
    <FormDialog
      title={`Batch header ${batch.batchNo}`}
      testId="header-dialog"
      partsTestId="header"
      onClose={onClose}
      onSubmit={save}
      busy={saving}
      error={error}
    >
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 2 }}>
        <TextField
          size="small"
          label="Lockbox no"
          {...fieldProps<HeaderForm>(form, 'lockboxNo')}
          disabled={!figures}
          helperText={form.formState.errors.lockboxNo?.message ?? 'From the deposit slip'}
          slotProps={{ htmlInput: { 'data-testid': 'header-lockbox', maxLength: 64 } }}
        />
        <TextField
          size="small"
          label="Control count"
          {...count}
          disabled={!figures}
          helperText={count.helperText ?? 'Empty = no control'}
          slotProps={{
            htmlInput: {
              'data-testid': 'header-control-count',
              inputMode: 'numeric',
              style: { textAlign: 'right' },
            },
          }}
        />
        <TextField
          size="small"
          label="Control total"
          {...total}
          disabled={!figures}
          helperText={total.helperText ?? 'Empty = no control'}
          slotProps={{
            input: { endAdornment: <InputAdornment position="end">{batch.currency}</InputAdornment> },
            htmlInput: {
              'data-testid': 'header-control-total',
              inputMode: 'decimal',
              style: { textAlign: 'right' },
            },
          }}
        />
      </Box>
      {!figures && (
        <Alert severity="info" sx={{ py: 0 }}>
          The batch is {batch.status}: only the note can change.
        </Alert>
      )}
      <TextField
        size="small"
        label="Note"
        {...fieldProps<HeaderForm>(form, 'note')}
        multiline
        minRows={2}
        slotProps={{ htmlInput: { 'data-testid': 'header-note', maxLength: 2000 } }}
      />
    </FormDialog>
  );
}
