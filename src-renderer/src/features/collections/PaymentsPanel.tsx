import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { z } from 'zod';
import type { PendingPaymentDto, ProcessorDto } from '../../../../src-shared/dto/processors';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import { KNOWN_EXPONENTS } from '../../../../src-shared/money';
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
import { useApiMutation, useApiQuery } from '../../components/query';
import { useDebouncedValue } from '../../components/use-debounced-value';

type CardToken = { token: string; last4: string; brand: string };

const BRANDS = ['VI', 'MC', 'AX', 'DI'] as const;
const isBrand = (b: string): b is (typeof BRANDS)[number] => (BRANDS as readonly string[]).includes(b);

const URGENCY: Record<PendingPaymentDto['urgency'], 'default' | 'warning' | 'error' | 'info'> = {
  normal: 'default',
  soon: 'info',
  urgent: 'warning',
  expired: 'error',
};

/**
 * The processor's hosted card page in a frame (V19): the number is typed into the processor's page and goes
 * straight to it; only the token comes back, by postMessage from the processor's origin.
 */
function SecureCardEntry({
  processor,
  onToken,
}: {
  processor: ProcessorDto;
  onToken: (t: CardToken) => void;
}) {
  const origin = new URL(processor.url).origin;
  useEffect(() => {
    const onMessage = (e: MessageEvent) => {
      const d = e.data as Partial<CardToken> & { type?: string };
      if (e.origin !== origin || d?.type !== 'paydesk-card-token' || typeof d.token !== 'string') return;
      onToken({ token: d.token, last4: String(d.last4 ?? ''), brand: String(d.brand ?? '') });
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [origin, onToken]);
  return (
    <Box
      component="iframe"
      title="Secure card entry"
      src={`${origin}/hosted-card`}
      data-testid="secure-card-frame"
      sx={{
        width: '100%',
        height: 205,
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        bgcolor: 'background.paper',
      }}
    />
  );
}

/** Refund reasons (code domain 18). */
const REFUND_REASON_DOMAIN = 18;

const refundShape = inputShape('pay:refund');

/** The refund form: an optional part amount in the payment's currency, and a refund reason. */
function refundSchema(exponent: number) {
  return z.object({
    amount: amountText(exponent, { optional: true }),
    reasonCode: z.string().transform(Number).pipe(refundShape.reasonCode),
  });
}

type RefundForm = z.input<ReturnType<typeof refundSchema>>;

/** Refund of a confirmed payment: full by default, or a part, with a refund reason. */
function RefundDialog({
  pending,
  reasons,
  onClose,
}: {
  pending: PendingPaymentDto & { txnId: number };
  reasons: ReasonCodeDto[];
  onClose: (done: boolean) => void;
}) {
  const { info } = useAppInfo();
  const exponent =
    info?.currencies.find((c) => c.code === pending.currency)?.exponent ??
    KNOWN_EXPONENTS[pending.currency] ??
    2;
  const form = useZodForm(refundSchema(exponent), {
    amount: '',
    reasonCode: String(reasons[0]?.id ?? ''),
  });
  const refund = useApiMutation('pay:refund');
  const [error, setError] = useState<string | null>(null);
  const submit = form.handleSubmit(async (v) => {
    setError(null);
    try {
      await refund.run({
        txnId: pending.txnId,
        reasonCode: v.reasonCode,
        ...(v.amount === null ? {} : { amount: v.amount }),
      });
      onClose(true);
    } catch (err) {
      setError(applyServerProblems<RefundForm>(form, err, ['amount', 'reasonCode']) ?? errorMessage(err));
    }
  });
  const amount = fieldProps<RefundForm>(form, 'amount');
  return (
    <FormDialog
      title={`Refund payment ${pending.id}`}
      testId="refund-dialog"
      partsTestId="refund"
      submitTestId="refund-submit"
      submitLabel="Refund"
      cancelLabel="Close"
      maxWidth="xs"
      onClose={() => onClose(false)}
      onSubmit={submit}
      busy={refund.busy}
      error={error}
    >
      <TextField
        label="Amount (empty = everything left)"
        size="small"
        {...amount}
        slotProps={{ htmlInput: { 'data-testid': 'refund-amount', inputMode: 'decimal' } }}
      />
      <TextField
        select
        label="Reason"
        size="small"
        value={form.watch('reasonCode')}
        onChange={(e) => form.setValue('reasonCode', e.target.value, { shouldValidate: true })}
        error={Boolean(form.formState.errors.reasonCode)}
        helperText={form.formState.errors.reasonCode?.message}
        slotProps={{ htmlInput: { 'data-testid': 'refund-reason' } }}
      >
        {reasons.map((r) => (
          <MenuItem key={r.id} value={String(r.id)}>
            {r.id} {r.label}
          </MenuItem>
        ))}
      </TextField>
    </FormDialog>
  );
}

/** Prepare a one-off payment, confirm or cancel pending ones, refund confirmed ones. */
export function PaymentsPanel({ processors }: { processors: ProcessorDto[] }) {
  const { money } = useAppInfo();
  const [accountNo, setAccountNo] = useState('');
  const [amount, setAmount] = useState('');
  // null: the account's default method (a card or bank account), else a new card.
  const [picked, setPicked] = useState<number | 'card' | null>(null);
  const [card, setCard] = useState<CardToken | null>(null);
  const [saveCard, setSaveCard] = useState(false);
  const [message, setMessage] = useState<{ severity: 'success' | 'error' | 'info'; text: string } | null>(
    null,
  );
  const [refunding, setRefunding] = useState<(PendingPaymentDto & { txnId: number }) | null>(null);
  const processor = processors[0] ?? null;
  const pendingQuery = useApiQuery('pay:pending', {});
  const recentQuery = useApiQuery('pay:pending', { all: true, limit: 20 });
  const pending = pendingQuery.data?.rows ?? [];
  const recent = (recentQuery.data?.rows ?? []).filter((r) => r.status !== 'pending');
  const listError = pendingQuery.error ?? recentQuery.error;
  const typedAccount = useDebouncedValue(accountNo.trim(), 250);
  const methodsQuery = useApiQuery(
    'methods:list',
    { accountNo: typedAccount },
    { enabled: typedAccount !== '' },
  );
  const methods = typedAccount === '' ? [] : (methodsQuery.data ?? []);
  const usable = methods.filter((m) => m.type !== 'wallet');
  const fallback = usable.find((m) => m.isDefault)?.id ?? 'card';
  // A method not (yet) in the list, e.g. a card just kept while the list re-reads, shows as a new card.
  const methodId = picked === 'card' || usable.some((m) => m.id === picked) ? (picked ?? fallback) : fallback;
  const reasons = useApiQuery(
    'codes:list',
    { domainId: REFUND_REASON_DOMAIN },
    { enabled: refunding !== null },
  );
  const addMethod = useApiMutation('methods:add');
  const preparePayment = useApiMutation('pay:prepare');
  const confirmPayment = useApiMutation('pay:confirm');
  const cancelPayment = useApiMutation('pay:cancel');

  const prepare = async () => {
    setMessage(null);
    try {
      // A new card can be kept on the account as a payment method (token and mask only).
      const saved =
        methodId === 'card' && card && saveCard
          ? await addMethod.run({
              accountNo: accountNo.trim(),
              type: 'card',
              token: card.token,
              ...(processor ? { processor: processor.name } : {}),
              ...(isBrand(card.brand) ? { brand: card.brand } : {}),
            })
          : null;
      const p = await preparePayment.run({
        accountNo: accountNo.trim(),
        amount: amount.trim(),
        ...(saved
          ? { methodId: saved.id }
          : methodId === 'card'
            ? card
              ? { card: { token: card.token, brand: card.brand } }
              : {}
            : { methodId }),
      });
      setMessage({
        severity: 'info',
        text: `Payment ${p.id} is pending until ${p.expiresAt.slice(11, 16)} UTC; nothing is charged until it is confirmed.`,
      });
      setAmount('');
      setCard(null);
      if (saved) {
        setPicked(saved.id);
        setSaveCard(false);
      }
    } catch (err) {
      setMessage({ severity: 'error', text: errorMessage(err) });
    }
  };
  const decide = async (p: PendingPaymentDto, action: 'confirm' | 'cancel') => {
    setMessage(null);
    try {
      const out =
        action === 'confirm'
          ? await confirmPayment.run({ pendingId: p.id })
          : await cancelPayment.run({ pendingId: p.id, reason: 'cancelled at the desk' });
      setMessage({
        severity: out.status === 'confirmed' || out.status === 'cancelled' ? 'success' : 'error',
        text:
          out.status === 'confirmed'
            ? `Payment ${out.id} charged: auth code ${out.authCode ?? '—'}, ${money(out.amountMinor, out.currency, true)} posted.`
            : `Payment ${out.id} ${out.status}${out.resultName ? ` (${out.resultName})` : ''}.`,
      });
    } catch (err) {
      setMessage({ severity: 'error', text: errorMessage(err) });
      // A refused decision may still have changed the payment (declined, expired): show it as it is now.
      pendingQuery.refetch();
      recentQuery.refetch();
    }
  };

  return (
    <Box sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap' }}>
      <Paper
        variant="outlined"
        sx={{ p: 2, width: 380, display: 'flex', flexDirection: 'column', gap: 1.5 }}
        data-testid="pay-form"
      >
        <Typography variant="subtitle2">New one-off payment</Typography>
        <TextField
          size="small"
          label="Account"
          value={accountNo}
          onChange={(e) => {
            setAccountNo(e.target.value);
            setPicked(null);
          }}
          slotProps={{ htmlInput: { 'data-testid': 'pay-account' } }}
        />
        <TextField
          size="small"
          label="Amount"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          slotProps={{ htmlInput: { 'data-testid': 'pay-amount', inputMode: 'decimal' } }}
        />
        <TextField
          select
          size="small"
          label="Pay with"
          value={methodId}
          onChange={(e) => setPicked(e.target.value === 'card' ? 'card' : Number(e.target.value))}
          slotProps={{ htmlInput: { 'data-testid': 'pay-method' } }}
        >
          {usable.map((m) => (
            <MenuItem key={m.id} value={m.id}>
              {m.type === 'card' ? `${m.brand ?? 'Card'} ${m.mask}` : `Bank ${m.mask}`}
              {m.isDefault ? ' (default)' : ''}
            </MenuItem>
          ))}
          <MenuItem value="card">A different card…</MenuItem>
        </TextField>
        {methodId === 'card' &&
          (card ? (
            <Alert severity="success" data-testid="card-token" onClose={() => setCard(null)}>
              Card {card.brand} ****{card.last4} ready (token from the processor)
            </Alert>
          ) : processor ? (
            <SecureCardEntry processor={processor} onToken={setCard} />
          ) : (
            <Alert severity="warning">No processor is set up.</Alert>
          ))}
        {methodId === 'card' && (
          <FormControlLabel
            control={
              <Checkbox
                checked={saveCard}
                onChange={(e) => setSaveCard(e.target.checked)}
                data-testid="pay-save-card"
              />
            }
            label="Keep this card on the account"
          />
        )}
        <Button
          variant="contained"
          onClick={() => void prepare()}
          disabled={!accountNo.trim() || !amount.trim() || (methodId === 'card' && !card)}
          data-testid="pay-prepare"
        >
          Prepare payment
        </Button>
        {message && (
          <Alert severity={message.severity} data-testid="pay-message">
            {message.text}
          </Alert>
        )}
      </Paper>
      <Box sx={{ flex: 1, minWidth: 520, display: 'flex', flexDirection: 'column', gap: 2 }}>
        {listError && <Alert severity="error">{listError}</Alert>}
        {refunding && reasons.error && (
          <Alert severity="error" onClose={() => setRefunding(null)}>
            {reasons.error}
          </Alert>
        )}
        <Paper variant="outlined" sx={{ overflow: 'auto' }}>
          <Typography variant="subtitle2" sx={{ p: 1.5, pb: 0 }}>
            Pending payments
          </Typography>
          <Table size="small" data-testid="pending-table">
            <TableHead>
              <TableRow>
                <TableCell>Id</TableCell>
                <TableCell>Account</TableCell>
                <TableCell align="right">Amount</TableCell>
                <TableCell>Card</TableCell>
                <TableCell>Expires</TableCell>
                <TableCell>By</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {pending.map((p) => (
                <TableRow key={p.id} data-testid={`pending-${p.id}`}>
                  <TableCell>{p.id}</TableCell>
                  <TableCell>
                    {p.accountNo} · {p.accountName}
                  </TableCell>
                  <TableCell align="right">{money(p.amountMinor, p.currency, true)}</TableCell>
                  <TableCell>
                    {p.brand ?? ''} {p.mask}
                  </TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      color={URGENCY[p.urgency]}
                      label={p.urgency === 'expired' ? 'expired' : `${p.minutesLeft} min left`}
                    />
                    {p.needsSupervisor && (
                      <Chip size="small" sx={{ ml: 0.5 }} label="four-eyes" color="secondary" />
                    )}
                  </TableCell>
                  <TableCell>{p.createdBy}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    <Button
                      size="small"
                      variant="contained"
                      onClick={() => void decide(p, 'confirm')}
                      data-testid={`confirm-${p.id}`}
                    >
                      Confirm
                    </Button>{' '}
                    <Button
                      size="small"
                      onClick={() => void decide(p, 'cancel')}
                      data-testid={`cancel-${p.id}`}
                    >
                      Cancel
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
              {pending.length === 0 && (
                <TableRow>
                  <TableCell colSpan={7}>
                    <Typography variant="body2" color="text.secondary">
                      No payments are waiting for confirmation.
                    </Typography>
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </Paper>
        <Paper variant="outlined" sx={{ overflow: 'auto' }}>
          <Typography variant="subtitle2" sx={{ p: 1.5, pb: 0 }}>
            Recently decided
          </Typography>
          {recent.length === 0 && (
            <Typography variant="body2" color="text.secondary" sx={{ px: 2, py: 1.5 }}>
              No payment confirmed, declined or cancelled yet.
            </Typography>
          )}
          <Table size="small" data-testid="recent-table">
            <TableBody>
              {recent.map(({ txnId, ...p }) => (
                <TableRow key={p.id}>
                  <TableCell>{p.id}</TableCell>
                  <TableCell>{p.accountNo}</TableCell>
                  <TableCell align="right">{money(p.amountMinor, p.currency, true)}</TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      label={p.status}
                      color={
                        p.status === 'confirmed' ? 'success' : p.status === 'declined' ? 'error' : 'default'
                      }
                    />
                  </TableCell>
                  <TableCell>{p.authCode ? `auth ${p.authCode}` : (p.resultName ?? '')}</TableCell>
                  <TableCell>{p.decidedBy}</TableCell>
                  <TableCell>
                    {p.status === 'confirmed' && txnId !== null && (
                      <Button
                        size="small"
                        onClick={() => setRefunding({ ...p, txnId })}
                        data-testid={`refund-${p.id}`}
                      >
                        Refund…
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      </Box>
      {refunding && reasons.data && (
        <RefundDialog
          pending={refunding}
          reasons={reasons.data}
          onClose={(done) => {
            setRefunding(null);
            if (done) setMessage({ severity: 'success', text: 'Refund sent and posted.' });
          }}
        />
      )}
    </Box>
  );
}
