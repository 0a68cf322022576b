import { useCallback, useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
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
import type {
  PaymentMethodDto,
  PendingPaymentDto,
  ProcessorDto,
} from '../../../../src-shared/dto/processors';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import { call, errorMessage, onEvent } from '../../api/client';
import { useAppInfo } from '../../app/app-info';

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

/** Refund of a confirmed payment: full by default, or a part, with a refund reason. */
function RefundDialog({
  pending,
  onClose,
}: {
  pending: PendingPaymentDto | null;
  onClose: (done: boolean) => void;
}) {
  const [amount, setAmount] = useState('');
  const [reasons, setReasons] = useState<ReasonCodeDto[]>([]);
  const [reason, setReason] = useState<number | ''>('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!pending) return;
    void call('codes:list', { domainId: 18 }).then((c) => {
      setAmount('');
      setError(null);
      setReasons(c);
      setReason(c[0]?.id ?? '');
    });
  }, [pending]);
  const submit = async () => {
    if (!pending?.txnId || reason === '') return;
    try {
      await call('pay:refund', { txnId: pending.txnId, reasonCode: reason, ...(amount ? { amount } : {}) });
      onClose(true);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Dialog open={pending !== null} onClose={() => onClose(false)}>
      <DialogTitle>Refund payment {pending?.id}</DialogTitle>
      <DialogContent
        sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important', minWidth: 360 }}
      >
        <TextField
          label="Amount (empty = everything left)"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          size="small"
          autoFocus
          slotProps={{ htmlInput: { 'data-testid': 'refund-amount' } }}
        />
        <TextField
          select
          label="Reason"
          value={reason}
          onChange={(e) => setReason(Number(e.target.value))}
          size="small"
        >
          {reasons.map((r) => (
            <MenuItem key={r.id} value={r.id}>
              {r.id} {r.label}
            </MenuItem>
          ))}
        </TextField>
        {error && <Alert severity="error">{error}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={() => onClose(false)}>Close</Button>
        <Button variant="contained" onClick={() => void submit()} data-testid="refund-submit">
          Refund
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Prepare a one-off payment, confirm or cancel pending ones, refund confirmed ones. */
export function PaymentsPanel({ processors }: { processors: ProcessorDto[] }) {
  const { money } = useAppInfo();
  const [accountNo, setAccountNo] = useState('');
  const [amount, setAmount] = useState('');
  const [methods, setMethods] = useState<PaymentMethodDto[]>([]);
  const [methodId, setMethodId] = useState<number | 'card'>('card');
  const [card, setCard] = useState<CardToken | null>(null);
  const [saveCard, setSaveCard] = useState(false);
  const [pending, setPending] = useState<PendingPaymentDto[]>([]);
  const [recent, setRecent] = useState<PendingPaymentDto[]>([]);
  const [message, setMessage] = useState<{ severity: 'success' | 'error' | 'info'; text: string } | null>(
    null,
  );
  const [refunding, setRefunding] = useState<PendingPaymentDto | null>(null);
  const processor = processors[0] ?? null;

  const load = useCallback(
    () =>
      Promise.all([call('pay:pending', {}), call('pay:pending', { all: true, limit: 20 })]).then(
        ([p, all]) => {
          setPending(p.rows);
          setRecent(all.rows.filter((r) => r.status !== 'pending'));
        },
        (err: unknown) => setMessage({ severity: 'error', text: errorMessage(err) }),
      ),
    [],
  );
  useEffect(() => {
    void load();
    return onEvent('ledger:changed', () => void load());
  }, [load]);
  useEffect(() => {
    const no = accountNo.trim();
    const t = window.setTimeout(() => {
      if (!no) {
        setMethods([]);
        return;
      }
      call('methods:list', { accountNo: no })
        .then((m) => {
          setMethods(m);
          setMethodId(m.find((x) => x.isDefault && x.type !== 'wallet')?.id ?? 'card');
        })
        .catch(() => setMethods([]));
    }, 250);
    return () => window.clearTimeout(t);
  }, [accountNo]);

  const prepare = async () => {
    setMessage(null);
    try {
      // A new card can be kept on the account as a payment method (token and mask only).
      const saved =
        methodId === 'card' && card && saveCard
          ? await call('methods:add', {
              accountNo: accountNo.trim(),
              type: 'card',
              token: card.token,
              ...(processor ? { processor: processor.name } : {}),
              ...(isBrand(card.brand) ? { brand: card.brand } : {}),
            })
          : null;
      const p = await call('pay:prepare', {
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
        setMethods(await call('methods:list', { accountNo: accountNo.trim() }));
        setMethodId(saved.id);
        setSaveCard(false);
      }
      await load();
    } catch (err) {
      setMessage({ severity: 'error', text: errorMessage(err) });
    }
  };
  const decide = async (p: PendingPaymentDto, action: 'confirm' | 'cancel') => {
    setMessage(null);
    try {
      const out =
        action === 'confirm'
          ? await call('pay:confirm', { pendingId: p.id })
          : await call('pay:cancel', { pendingId: p.id, reason: 'cancelled at the desk' });
      setMessage({
        severity: out.status === 'confirmed' || out.status === 'cancelled' ? 'success' : 'error',
        text:
          out.status === 'confirmed'
            ? `Payment ${out.id} charged: auth code ${out.authCode ?? '—'}, ${money(out.amountMinor, out.currency, true)} posted.`
            : `Payment ${out.id} ${out.status}${out.resultName ? ` (${out.resultName})` : ''}.`,
      });
    } catch (err) {
      setMessage({ severity: 'error', text: errorMessage(err) });
    }
    await load();
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
          onChange={(e) => setAccountNo(e.target.value)}
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
          onChange={(e) => setMethodId(e.target.value === 'card' ? 'card' : Number(e.target.value))}
          slotProps={{ htmlInput: { 'data-testid': 'pay-method' } }}
        >
          {methods
            .filter((m) => m.type !== 'wallet')
            .map((m) => (
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
          <Table size="small" data-testid="recent-table">
            <TableBody>
              {recent.map((p) => (
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
                    {p.status === 'confirmed' && (
                      <Button size="small" onClick={() => setRefunding(p)} data-testid={`refund-${p.id}`}>
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
      <RefundDialog
        pending={refunding}
        onClose={(done) => {
          setRefunding(null);
          if (done) setMessage({ severity: 'success', text: 'Refund sent and posted.' });
          void load();
        }}
      />
    </Box>
  );
}
