import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { RecordedPaymentDto } from '../../../../src-shared/dto/allocation';
import { formatMinor, KNOWN_EXPONENTS } from '../../../../src-shared/money';
import { parseLocalAmount } from '../../components/amount';
import { PAY_TYPE } from '../../../../src-shared/pay-types';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { RECORDABLE_PAY_TYPES } from './labels';

/** What was recorded, for the confirmation shown after the dialog closes. */
export type RecordedPayment = RecordedPaymentDto & { amountMinor: number; currency: string };

/** Checks the amount field: a positive decimal with at most the currency's decimals. */
function amountProblem(text: string, exponent: number): string | null {
  if (text.trim() === '') return 'Enter the amount received';
  const r = parseLocalAmount(text, exponent);
  if (!r.ok) return r.error.reason;
  if (r.value <= 0) return 'A payment must be more than zero';
  return null;
}

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
  const [amount, setAmount] = useState('');
  const [payType, setPayType] = useState<number>(PAY_TYPE.check);
  const [reference, setReference] = useState('');
  const [billNo, setBillNo] = useState('');
  const [allocate, setAllocate] = useState(true);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const problem = amountProblem(amount, exponent);

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setTouched(true);
    if (problem || saving) return;
    const parsed = parseLocalAmount(amount, exponent);
    if (!parsed.ok) return;
    setSaving(true);
    setError(null);
    setFieldErrors({});
    try {
      const recorded = await call('payments:record', {
        accountNo,
        amount: formatMinor(parsed.value, exponent),
        payType,
        ...(reference.trim() ? { externalRef: reference.trim() } : {}),
        ...(billNo.trim() ? { billNo: billNo.trim() } : {}),
        allocate: allocate ? 'auto' : 'none',
      });
      onRecorded({ ...recorded, amountMinor: parsed.value, currency });
    } catch (err) {
      if (err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues) {
        setFieldErrors(
          Object.fromEntries(err.error.issues.map((i) => [i.path.split('.')[0] ?? '', i.message])),
        );
      }
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const showProblem = touched || amount !== '' ? (problem ?? fieldErrors.amount ?? null) : null;
  return (
    <Dialog
      open
      onClose={saving ? undefined : onClose}
      maxWidth="xs"
      fullWidth
      aria-labelledby="record-title"
      data-testid="record-payment-dialog"
    >
      <form
        onSubmit={(e) => void submit(e)}
        noValidate
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') void submit(e);
        }}
      >
        <DialogTitle id="record-title">Record payment · {accountNo}</DialogTitle>
        <LinearProgress sx={{ height: 2, visibility: saving ? 'visible' : 'hidden' }} aria-hidden />
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          <TextField
            autoFocus
            required
            label="Amount"
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            error={showProblem !== null}
            helperText={showProblem ?? `In ${currency}, up to ${exponent} decimals`}
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
          <TextField
            select
            label="Pay type"
            value={payType}
            onChange={(e) => setPayType(Number(e.target.value))}
            slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'record-pay-type' } as object } }}
          >
            {RECORDABLE_PAY_TYPES.map((p) => (
              <MenuItem key={p.payType} value={p.payType} data-testid={`pay-type-${p.payType}`}>
                {p.label}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            label="Reference"
            value={reference}
            onChange={(e) => setReference(e.target.value)}
            helperText={fieldErrors.externalRef ?? 'Check number, bank reference…'}
            error={fieldErrors.externalRef !== undefined}
            slotProps={{
              htmlInput: { 'data-testid': 'record-reference', maxLength: 120, autoComplete: 'off' },
            }}
          />
          <TextField
            label="Bill number (optional)"
            value={billNo}
            onChange={(e) => setBillNo(e.target.value)}
            helperText={fieldErrors.billNo ?? 'Used by automatic allocation to find the bill'}
            error={fieldErrors.billNo !== undefined}
            slotProps={{ htmlInput: { 'data-testid': 'record-bill-no', maxLength: 64, autoComplete: 'off' } }}
          />
          <Box>
            <FormControlLabel
              control={
                <Switch
                  checked={allocate}
                  onChange={(e) => setAllocate(e.target.checked)}
                  slotProps={{ input: { 'data-testid': 'record-allocate' } as object }}
                />
              }
              label="Allocate automatically"
            />
            <Typography variant="caption" color="textSecondary" component="div">
              {allocate
                ? 'Applied to open bills by the configured rules; anything left stays as account credit.'
                : 'Left as unallocated credit: allocate it by hand from the payment history.'}
            </Typography>
          </Box>
          {error && (
            <Alert severity="error" data-testid="record-error">
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          <Button onClick={onClose} disabled={saving}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={saving} data-testid="record-submit">
            Record payment
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
