import { useState } from 'react';
import { Controller, useWatch } from 'react-hook-form';
import { z } from 'zod';
import Box from '@mui/material/Box';
import FormControlLabel from '@mui/material/FormControlLabel';
import InputAdornment from '@mui/material/InputAdornment';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { RecordedPaymentDto } from '../../../../src-shared/dto/allocation';
import { KNOWN_EXPONENTS, parseMinor } from '../../../../src-shared/money';
import { PAY_TYPE } from '../../../../src-shared/pay-types';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import {
  amountText,
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { RECORDABLE_PAY_TYPES } from './labels';

/** What was recorded, for the confirmation shown after the dialog closes. */
export type RecordedPayment = RecordedPaymentDto & { amountMinor: number; currency: string };

const shape = inputShape('payments:record');

/** The form: the command's own rules for each field, read from what the clerk typed. */
export function recordPaymentSchema(exponent: number) {
  return z.object({
    amount: z
      .string()
      .refine((t) => t.trim() !== '', 'Enter the amount received')
      .pipe(amountText(exponent))
      .transform((a, ctx) => {
        if (a === null || a.startsWith('-') || !/[1-9]/.test(a)) {
          ctx.addIssue({ code: 'custom', message: 'A payment must be more than zero' });
          return z.NEVER;
        }
        return a;
      })
      .pipe(shape.amount),
    payType: shape.payType.unwrap(),
    externalRef: z.string().trim().pipe(shape.externalRef.unwrap()),
    // Optional: empty is no bill number; anything else must be a bill number the service could look up.
    billNo: z
      .string()
      .trim()
      .pipe(z.union([z.literal(''), shape.billNo.unwrap()])),
    allocate: z.boolean(),
  });
}

type RecordForm = z.input<ReturnType<typeof recordPaymentSchema>>;
const SERVER_FIELDS = ['amount', 'payType', 'externalRef', 'billNo'] as const;

/**
 * Record payment: one external payment (check, cash, wire, payment order, postal order) on the account, allocated
 * automatically by the configured rules or left as unallocated credit to allocate by hand.
 */
export function RecordPaymentDialog({
  accountNo,
  currency,
  onClose,
  onRecorded,
}: {
  accountNo: string;
  currency: string;
  onClose: () => void;
  onRecorded: (recorded: RecordedPayment) => void;
}) {
  const { info } = useAppInfo();
  const exponent =
    info?.currencies.find((c) => c.code === currency)?.exponent ?? KNOWN_EXPONENTS[currency] ?? 2;
  const form = useZodForm(recordPaymentSchema(exponent), {
    amount: '',
    payType: PAY_TYPE.check,
    externalRef: '',
    billNo: '',
    allocate: true,
  });
  const record = useApiMutation('payments:record');
  const [error, setError] = useState<string | null>(null);
  const allocate = useWatch({ control: form.control, name: 'allocate' });

  const save = form.handleSubmit(async (v) => {
    setError(null);
    try {
      const recorded = await record.run({
        accountNo,
        amount: v.amount,
        payType: v.payType,
        ...(v.externalRef ? { externalRef: v.externalRef } : {}),
        ...(v.billNo ? { billNo: v.billNo } : {}),
        allocate: v.allocate ? 'auto' : 'none',
      });
      const amountMinor = parseMinor(v.amount, exponent);
      onRecorded({ ...recorded, amountMinor: amountMinor.ok ? amountMinor.value : 0, currency });
    } catch (err) {
      setError(applyServerProblems<RecordForm>(form, err, SERVER_FIELDS) ?? errorMessage(err));
    }
  });

  const amount = fieldProps<RecordForm>(form, 'amount');
  const reference = fieldProps<RecordForm>(form, 'externalRef');
  const billNo = fieldProps<RecordForm>(form, 'billNo');
  return (
    <FormDialog
      title={`Record payment · ${accountNo}`}
      testId="record-payment-dialog"
      partsTestId="record"
      submitTestId="record-submit"
      submitLabel="Record payment"
      maxWidth="xs"
      onClose={onClose}
      onSubmit={save}
      busy={record.busy}
      error={error}
    >
      <TextField
        required
        label="Amount"
        {...amount}
        helperText={amount.helperText ?? `In ${currency}, up to ${exponent} decimals`}
        slotProps={{
          input: { endAdornment: <InputAdornment position="end">{currency}</InputAdornment> },
          htmlInput: {
            'data-testid': 'record-amount',
            inputMode: 'decimal',
            autoComplete: 'off',
            style: { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
          },
        }}
      />
      <Controller
        control={form.control}
        name="payType"
        render={({ field }) => (
          <TextField
            select
            label="Pay type"
            value={field.value}
            onChange={(e) => field.onChange(Number(e.target.value))}
            onBlur={field.onBlur}
            slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'record-pay-type' } as object } }}
          >
            {RECORDABLE_PAY_TYPES.map((p) => (
              <MenuItem key={p.payType} value={p.payType} data-testid={`pay-type-${p.payType}`}>
                {p.label}
              </MenuItem>
            ))}
          </TextField>
        )}
      />
      <TextField
        label="Reference"
        {...reference}
        helperText={reference.helperText ?? 'Check number, bank reference…'}
        slotProps={{ htmlInput: { 'data-testid': 'record-reference', maxLength: 120, autoComplete: 'off' } }}
      />
      <TextField
        label="Bill number (optional)"
        {...billNo}
        helperText={billNo.helperText ?? 'Used by automatic allocation to find the bill'}
        slotProps={{ htmlInput: { 'data-testid': 'record-bill-no', maxLength: 64, autoComplete: 'off' } }}
      />
      <Box>
        <Controller
          control={form.control}
          name="allocate"
          render={({ field }) => (
            <FormControlLabel
              control={
                <Switch
                  checked={field.value}
                  onChange={(e) => field.onChange(e.target.checked)}
                  slotProps={{ input: { 'data-testid': 'record-allocate' } as object }}
                />
              }
              label="Allocate automatically"
            />
          )}
        />
        <Typography variant="caption" color="textSecondary" component="div">
          {allocate
            ? 'Applied to open bills by the configured rules; anything left stays as account credit.'
            : 'Left as unallocated credit: allocate it by hand from the payment history.'}
        </Typography>
      </Box>
    </FormDialog>
  );
}
