import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControl from '@mui/material/FormControl';
import FormControlLabel from '@mui/material/FormControlLabel';
import FormHelperText from '@mui/material/FormHelperText';
import FormLabel from '@mui/material/FormLabel';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { BatchDto, BatchTypeDto } from '../../../../src-shared/dto/batches';
import { formatMinor, KNOWN_EXPONENTS } from '../../../../src-shared/money';
import { parseLocalAmount } from '../../components/amount';
import { PAY_TYPE } from '../../../../src-shared/pay-types';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { BATCH_PAY_TYPES, payTypeLabel } from './labels';

/** Today as yyyy-MM-dd in the clerk's time zone (the day the mail was opened). */
function todayIso(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

type Problems = Partial<Record<'channelId' | 'controlCount' | 'controlTotal' | 'batchDate', string>>;

/** Checks the typed header fields before anything is sent. */
function problemsOf(
  f: { channel: string; controlCount: string; controlTotal: string; batchDate: string },
  exponent: number,
): Problems {
  const p: Problems = {};
  if (!/^\d{1,9}$/.test(f.channel.trim())) p.channelId = 'A channel ID is a whole number (0 = unspecified)';
  if (f.controlCount.trim() !== '' && !/^\d{1,9}$/.test(f.controlCount.trim()))
    p.controlCount = 'The number of payments, a whole number';
  if (f.controlTotal.trim() !== '') {
    const r = parseLocalAmount(f.controlTotal, exponent);
    if (!r.ok) p.controlTotal = r.error.reason;
  }
  if (f.batchDate !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(f.batchDate)) p.batchDate = 'A date (yyyy-MM-dd)';
  return p;
}

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
  const [batchType, setBatchType] = useState<BatchTypeDto>('payment');
  const [payType, setPayType] = useState<number>(PAY_TYPE.check);
  const [currency, setCurrency] = useState(
    currencies.find((c) => c.code === 'USD')?.code ?? currencies[0]?.code ?? 'USD',
  );
  const [channel, setChannel] = useState('0');
  const [level, setLevel] = useState<'bill' | 'item'>('bill');
  const [lockboxNo, setLockboxNo] = useState('');
  const [batchDate, setBatchDate] = useState(todayIso);
  const [controlCount, setControlCount] = useState('');
  const [controlTotal, setControlTotal] = useState('');
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [serverProblems, setServerProblems] = useState<Record<string, string>>({});

  const exponent = currencies.find((c) => c.code === currency)?.exponent ?? KNOWN_EXPONENTS[currency] ?? 2;
  const problems = problemsOf({ channel, controlCount, controlTotal, batchDate }, exponent);
  const shown = (k: keyof Problems | 'payType' | 'currency' | 'note' | 'lockboxNo'): string | undefined =>
    (touched ? (problems as Record<string, string | undefined>)[k] : undefined) ?? serverProblems[k];

  const changeType = (t: BatchTypeDto | null) => {
    if (!t) return;
    setBatchType(t);
    if (!BATCH_PAY_TYPES[t].includes(payType)) setPayType(BATCH_PAY_TYPES[t][0] ?? PAY_TYPE.check);
  };

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    setTouched(true);
    if (saving || Object.keys(problems).length > 0) return;
    setSaving(true);
    setError(null);
    setServerProblems({});
    const total = controlTotal.trim() === '' ? null : parseLocalAmount(controlTotal, exponent);
    try {
      const created = await call('batches:create', {
        batchType,
        payType,
        currency,
        channelId: Number(channel.trim()),
        allocationLevel: level,
        ...(lockboxNo.trim() ? { lockboxNo: lockboxNo.trim() } : {}),
        ...(batchDate ? { batchDate } : {}),
        ...(controlCount.trim() ? { controlCount: Number(controlCount.trim()) } : {}),
        ...(total?.ok ? { controlTotal: formatMinor(total.value, exponent) } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues) {
        setServerProblems(
          Object.fromEntries(err.error.issues.map((i) => [i.path.split('.')[0] ?? '', i.message])),
        );
      }
      setError(errorMessage(err));
      setSaving(false);
    }
  };

  return (
    <Dialog
      open
      onClose={saving ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="new-batch-title"
      data-testid="new-batch-dialog"
    >
      <form
        onSubmit={(e) => void submit(e)}
        noValidate
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') void submit(e);
        }}
      >
        <DialogTitle id="new-batch-title">New batch</DialogTitle>
        <LinearProgress sx={{ height: 2, visibility: saving ? 'visible' : 'hidden' }} aria-hidden />
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
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
              onChange={(e) => setPayType(Number(e.target.value))}
              sx={{ minWidth: 220, flex: 1 }}
              error={shown('payType') !== undefined}
              helperText={
                shown('payType') ??
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
              onChange={(e) => setCurrency(e.target.value)}
              helperText={currencies.find((c) => c.code === currency)?.name ?? ' '}
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
              value={channel}
              onChange={(e) => setChannel(e.target.value)}
              error={shown('channelId') !== undefined}
              helperText={shown('channelId') ?? '0 = unspecified'}
              slotProps={{ htmlInput: { 'data-testid': 'new-batch-channel', inputMode: 'numeric' } }}
            />
            <TextField
              size="small"
              label="Batch date"
              type="date"
              value={batchDate}
              onChange={(e) => setBatchDate(e.target.value)}
              error={shown('batchDate') !== undefined}
              helperText={shown('batchDate') ?? 'For entries without a date'}
              slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'new-batch-date' } }}
            />
          </Box>
          <FormControl>
            <FormLabel sx={{ fontSize: 12 }}>Allocation level</FormLabel>
            <RadioGroup row value={level} onChange={(e) => setLevel(e.target.value as 'bill' | 'item')}>
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
                value={lockboxNo}
                onChange={(e) => setLockboxNo(e.target.value)}
                helperText="From the deposit slip"
                slotProps={{
                  htmlInput: { 'data-testid': 'new-batch-lockbox', maxLength: 64, autoComplete: 'off' },
                }}
              />
              <TextField
                size="small"
                label="Control count"
                value={controlCount}
                onChange={(e) => setControlCount(e.target.value)}
                error={shown('controlCount') !== undefined}
                helperText={shown('controlCount') ?? 'Number of payments'}
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
                value={controlTotal}
                onChange={(e) => setControlTotal(e.target.value)}
                error={shown('controlTotal') !== undefined}
                helperText={shown('controlTotal') ?? 'Sum of the payments'}
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
            value={note}
            onChange={(e) => setNote(e.target.value)}
            multiline
            minRows={2}
            slotProps={{ htmlInput: { 'data-testid': 'new-batch-note', maxLength: 2000 } }}
          />
          {error && (
            <Alert severity="error" data-testid="new-batch-error">
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          <Typography variant="caption" color="textSecondary" sx={{ mr: 'auto' }}>
            Ctrl+Enter creates
          </Typography>
          <Button onClick={onClose} disabled={saving}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={saving} data-testid="new-batch-create">
            Create batch
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
