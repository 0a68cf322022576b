import { useState } from 'react';
import Box from '@mui/material/Box';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import InputAdornment from '@mui/material/InputAdornment';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import { z } from 'zod';
import type { BatchDto, BatchTypeDto } from '../../../../src-shared/dto/batches';
import { KNOWN_EXPONENTS } from '../../../../src-shared/money';
import { PAY_TYPE } from '../../../../src-shared/pay-types';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import {
  amountText,
  applyServerProblems,
  countText,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { BATCH_PAY_TYPES, payTypeLabel } from './labels';

/** Today as yyyy-MM-dd in the clerk's time zone (the day the mail was opened). */
function todayIso(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const shape = inputShape('batches:create');

/** The new-batch form: each field by the command's own rule, read from what the clerk typed or chose. */
function newBatchSchema(exponent: number) {
  const optionalText = (rule: z.ZodType<string, string>) =>
    z
      .string()
      .trim()
      .transform((t) => (t === '' ? undefined : t))
      .pipe(rule.optional());
  return z.object({
    batchType: shape.batchType,
    payType: shape.payType,
    currency: shape.currency,
    channelId: countText(shape.channelId.unwrap())
      .refine((v) => v !== null, 'A channel ID is a whole number (0 = unspecified)')
      .transform((v) => v ?? 0),
    allocationLevel: shape.allocationLevel.unwrap(),
    lockboxNo: optionalText(shape.lockboxNo.unwrap()),
    batchDate: optionalText(shape.batchDate.unwrap()),
    controlCount: countText(shape.controlCount.unwrap()).transform((v) => v ?? undefined),
    controlTotal: amountText(exponent, { optional: true }).transform((v) => v ?? undefined),
    note: optionalText(shape.note.unwrap()),
  });
}

type NewBatchForm = z.input<ReturnType<typeof newBatchSchema>>;

/**
 * New batch: type, pay type (limited to what the type takes), currency, channel, allocation level (fixed for the
 * life of the batch), and the header figures from the deposit slip that the zero-proof bar checks against.
 */
export function NewBatchDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (b: BatchDto) => void;
}) {
  const { info } = useAppInfo();
  const currencies = info?.currencies ?? [];
  const [exponent, setExponent] = useState(2);
  const form = useZodForm(newBatchSchema(exponent), {
    batchType: 'payment',
    payType: PAY_TYPE.check,
    currency: currencies.find((c) => c.code === 'USD')?.code ?? currencies[0]?.code ?? 'USD',
    channelId: '0',
    allocationLevel: 'bill',
    lockboxNo: '',
    batchDate: todayIso(),
    controlCount: '',
    controlTotal: '',
    note: '',
  });
  const create = useApiMutation('batches:create');
  const [error, setError] = useState<string | null>(null);
  const batchType = form.watch('batchType');
  const payType = form.watch('payType');
  const currency = form.watch('currency');
  const level = form.watch('allocationLevel');
  // The control total is read in the chosen currency's decimals.
  const currencyExponent =
    currencies.find((c) => c.code === currency)?.exponent ?? KNOWN_EXPONENTS[currency] ?? 2;
  if (currencyExponent !== exponent) setExponent(currencyExponent);
  const problem = (name: 'payType' | 'currency') => {
    const m = form.formState.errors[name]?.message;
    return typeof m === 'string' ? m : undefined;
  };

  const changeType = (t: BatchTypeDto | null) => {
    if (!t) return;
    form.setValue('batchType', t);
    if (!BATCH_PAY_TYPES[t].includes(payType))
      form.setValue('payType', BATCH_PAY_TYPES[t][0] ?? PAY_TYPE.check);
  };

  const submit = form.handleSubmit(async (v) => {
    setError(null);
    try {
      onCreated(await create.run(v));
    } catch (err) {
      const fields = [
        'payType',
        'currency',
        'channelId',
        'lockboxNo',
        'batchDate',
        'controlCount',
        'controlTotal',
        'note',
      ] as const;
      setError(applyServerProblems<NewBatchForm>(form, err, fields) ?? errorMessage(err));
    }
  });

  const channel = fieldProps<NewBatchForm>(form, 'channelId');
  const date = fieldProps<NewBatchForm>(form, 'batchDate');
  const count = fieldProps<NewBatchForm>(form, 'controlCount');
  const total = fieldProps<NewBatchForm>(form, 'controlTotal');
  return (
    <FormDialog
      title="New batch"
      testId="new-batch-dialog"
      partsTestId="new-batch"
      submitTestId="new-batch-create"
      submitLabel="Create batch"
      onClose={onClose}
      onSubmit={submit}
      busy={create.busy}
      error={error}
      actions={
        <Typography variant="caption" color="textSecondary" sx={{ mr: 'auto' }}>
          Ctrl+Enter creates
        </Typography>
      }
    >
      <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <FormControl>
          <FormLabel sx={{ fontSize: 12, mb: 0.5 }}>Batch type</FormLabel>
          <ToggleButtonGroup
            exclusive
            size="small"
            color="primary"
            value={batchType}
            onChange={(_e, v: BatchTypeDto | null) => changeType(v)}
            aria-label="Batch type"
          >
            <ToggleButton value="payment" data-testid="new-batch-type-payment">
              Payment
            </ToggleButton>
            <ToggleButton value="reversal" data-testid="new-batch-type-reversal">
              Reversal
            </ToggleButton>
            <ToggleButton value="refund" data-testid="new-batch-type-refund">
              Refund
            </ToggleButton>
          </ToggleButtonGroup>
        </FormControl>
        <TextField
          select
          size="small"
          label="Pay type"
          value={payType}
          onChange={(e) => form.setValue('payType', Number(e.target.value))}
          sx={{ minWidth: 220, flex: 1 }}
          error={problem('payType') !== undefined}
          helperText={
            problem('payType') ??
            (batchType === 'reversal'
              ? 'Reversible pay types (cash is reversed through suspense)'
              : batchType === 'refund'
                ? 'Refunds paid out by hand: never by card (V10)'
                : 'Externally initiated payments')
          }
          slotProps={{
            select: { SelectDisplayProps: { 'data-testid': 'new-batch-pay-type' } as object },
          }}
        >
          {BATCH_PAY_TYPES[batchType].map((p) => (
            <MenuItem key={p} value={p} data-testid={`new-batch-pay-type-${p}`}>
              {payTypeLabel(p)} ({p})
            </MenuItem>
          ))}
        </TextField>
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 2 }}>
        <TextField
          select
          size="small"
          label="Currency"
          value={currency}
          onChange={(e) => form.setValue('currency', e.target.value, { shouldValidate: true })}
          error={problem('currency') !== undefined}
          helperText={problem('currency') ?? currencies.find((c) => c.code === currency)?.name ?? ' '}
          slotProps={{
            select: {
              renderValue: (v) => String(v),
              SelectDisplayProps: { 'data-testid': 'new-batch-currency' } as object,
            },
          }}
        >
          {currencies.map((c) => (
            <MenuItem key={c.code} value={c.code} data-testid={`new-batch-currency-${c.code}`}>
              {c.code} · {c.name}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          size="small"
          label="Channel ID"
          {...channel}
          helperText={channel.helperText ?? '0 = unspecified'}
          slotProps={{ htmlInput: { 'data-testid': 'new-batch-channel', inputMode: 'numeric' } }}
        />
        <TextField
          size="small"
          label="Batch date"
          type="date"
          {...date}
          helperText={date.helperText ?? 'For entries without a date'}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'new-batch-date' } }}
        />
      </Box>
      <FormControl>
        <FormLabel sx={{ fontSize: 12 }}>Allocation level</FormLabel>
        <RadioGroup
          row
          value={level}
          onChange={(e) => form.setValue('allocationLevel', e.target.value as 'bill' | 'item')}
        >
          <FormControlLabel
            value="bill"
            control={
              <Radio
                size="small"
                slotProps={{ input: { 'data-testid': 'new-batch-level-bill' } as object }}
              />
            }
            label="Bill level"
          />
          <FormControlLabel
            value="item"
            control={
              <Radio
                size="small"
                slotProps={{ input: { 'data-testid': 'new-batch-level-item' } as object }}
              />
            }
            label="Item level"
          />
        </RadioGroup>
        <FormHelperText sx={{ mx: 0 }} data-testid="new-batch-level-help">
          Fixed when the batch is created: every entry of a batch is allocated to bills, or every entry to
          bill items, never a mix. Choose item level only when payments name the items they pay.
        </FormHelperText>
      </FormControl>
      <Box>
        <Typography variant="overline" color="textSecondary" component="div">
          Deposit slip (header)
        </Typography>
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 2, mt: 0.5 }}>
          <TextField
            size="small"
            label="Lockbox no"
            {...fieldProps<NewBatchForm>(form, 'lockboxNo')}
            helperText={form.formState.errors.lockboxNo?.message ?? 'From the deposit slip'}
            slotProps={{
              htmlInput: { 'data-testid': 'new-batch-lockbox', maxLength: 64, autoComplete: 'off' },
            }}
          />
          <TextField
            size="small"
            label="Control count"
            {...count}
            helperText={count.helperText ?? 'Number of payments'}
            slotProps={{
              htmlInput: {
                'data-testid': 'new-batch-control-count',
                inputMode: 'numeric',
                autoComplete: 'off',
                style: { textAlign: 'right' },
              },
            }}
          />
          <TextField
            size="small"
            label="Control total"
            {...total}
            helperText={total.helperText ?? 'Sum of the payments'}
            slotProps={{
              input: { endAdornment: <InputAdornment position="end">{currency}</InputAdornment> },
              htmlInput: {
                'data-testid': 'new-batch-control-total',
                inputMode: 'decimal',
                autoComplete: 'off',
                style: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
              },
            }}
          />
        </Box>
        <Typography variant="caption" color="textSecondary" component="div">
          The zero-proof bar compares what you key against these figures; a batch submits only when they
          agree. Leave them empty when there is no slip.
        </Typography>
      </Box>
      <TextField
        size="small"
        label="Note"
        {...fieldProps<NewBatchForm>(form, 'note')}
        multiline
        minRows={2}
        slotProps={{ htmlInput: { 'data-testid': 'new-batch-note', maxLength: 2000 } }}
      />
    </FormDialog>
  );
}
