import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import type { SuspenseDetailDto, SuspenseMoveDto } from '../../../../src-shared/dto/suspense';
import { formatMinor } from '../../../../src-shared/money';
import { parseLocalAmount } from '../../components/amount';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';

/** The shell every Payment Center dialog shares: a form, an error line, Cancel and a confirm button. */
function MoveDialog({
  title,
  testId,
  confirm,
  danger,
  valid,
  onClose,
  onSubmit,
  children,
  wide,
}: {
  title: string;
  testId: string;
  confirm: string;
  danger?: boolean;
  valid: boolean;
  onClose: () => void;
  onSubmit: () => Promise<void>;
  children: ReactNode;
  wide?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e?: FormEvent): Promise<void> => {
    e?.preventDefault();
    if (!valid || busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSubmit();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      maxWidth={wide ? 'md' : 'sm'}
      fullWidth
      data-testid={testId}
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle>{title}</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
          {children}
          {error && (
            <Alert severity="error" data-testid={`${testId}-error`}>
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant="contained"
            color={danger ? 'error' : 'primary'}
            disabled={!valid || busy}
            data-testid={`${testId}-confirm`}
          >
            {confirm}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** A line describing the payment a dialog acts on. */
function PaymentLine({ detail }: { detail: SuspenseDetailDto }) {
  const { money } = useAppInfo();
  const p = detail.payment;
  const s = detail.subject;
  return (
    <Typography variant="body2" color="textSecondary">
      Payment {s.paymentId} · {money(s.amountMinor, s.currency, true)}
      {p?.payerName ? ` · ${p.payerName}` : ''}
      {p?.externalRef ? ` · ${p.externalRef}` : ''}
    </Typography>
  );
}

/** Apply the whole payment to one account or bill; the service validates it again. */
export function ApplyDialog({
  detail,
  initial,
  onClose,
  onDone,
}: {
  detail: SuspenseDetailDto;
  initial: { accountNo: string; billNo: string };
  onClose: () => void;
  onDone: (move: SuspenseMoveDto) => void;
}) {
  const [accountNo, setAccountNo] = useState(initial.accountNo);
  const [billNo, setBillNo] = useState(initial.billNo);
  return (
    <MoveDialog
      title="Apply to an account"
      testId="apply-dialog"
      confirm="Apply"
      valid={accountNo.trim() !== '' || billNo.trim() !== ''}
      onClose={onClose}
      onSubmit={async () =>
        onDone(
          await call('suspense:apply', {
            paymentId: detail.subject.paymentId,
            ...(accountNo.trim() ? { accountNo: accountNo.trim() } : {}),
            ...(billNo.trim() ? { billNo: billNo.trim() } : {}),
          }),
        )
      }
    >
      <PaymentLine detail={detail} />
      <TextField
        autoFocus
        label="Account number"
        value={accountNo}
        onChange={(e) => setAccountNo(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'apply-account', maxLength: 64 } }}
      />
      <TextField
        label="Bill number (optional)"
        value={billNo}
        onChange={(e) => setBillNo(e.target.value)}
        helperText="With a bill the payment pays that bill first; what is left stays as account credit."
        slotProps={{ htmlInput: { 'data-testid': 'apply-bill', maxLength: 64 } }}
      />
    </MoveDialog>
  );
}

/** One line of a distribution list as typed. */
export type TargetDraft = { accountNo: string; billNo: string; amount: string };

/**
 * Distribute over several accounts/bills: a small grid of targets with a live remainder. The list succeeds or
 * fails as a whole (G12); what it leaves stays in suspense as a new suspended payment.
 */
export function DistributeDialog({
  detail,
  initial,
  onClose,
  onDone,
}: {
  detail: SuspenseDetailDto;
  initial: TargetDraft[];
  onClose: () => void;
  onDone: (move: SuspenseMoveDto) => void;
}) {
  const { money } = useAppInfo();
  const [rows, setRows] = useState<TargetDraft[]>(
    initial.length ? initial : [{ accountNo: '', billNo: '', amount: '' }],
  );
  const exponent = detail.exponent;
  const currency = detail.subject.currency;
  const parsed = rows.map((r) => (r.amount.trim() ? parseLocalAmount(r.amount, exponent) : null));
  const distributed = parsed.reduce((s, p) => s + (p && p.ok ? p.value : 0), 0);
  const remainder = detail.subject.amountMinor - distributed;
  const rowOk = rows.map((r, i) => {
    const p = parsed[i];
    return (r.accountNo.trim() !== '' || r.billNo.trim() !== '') && !!p && p.ok && p.value > 0;
  });
  const valid = rowOk.every(Boolean) && remainder >= 0 && rows.length > 0;
  const set = (i: number, patch: Partial<TargetDraft>): void =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <MoveDialog
      title="Distribute"
      testId="distribute-dialog"
      confirm="Distribute"
      wide
      valid={valid}
      onClose={onClose}
      onSubmit={async () =>
        onDone(
          await call('suspense:distribute', {
            paymentId: detail.subject.paymentId,
            targets: rows.map((r, i) => {
              const p = parsed[i];
              return {
                ...(r.accountNo.trim() ? { accountNo: r.accountNo.trim() } : {}),
                ...(r.billNo.trim() ? { billNo: r.billNo.trim() } : {}),
                // Typed in the user's locale, sent as the contract's plain decimal.
                amount: p?.ok ? formatMinor(p.value, exponent) : r.amount.trim(),
              };
            }),
          }),
        )
      }
    >
      <PaymentLine detail={detail} />
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Account</TableCell>
            <TableCell>Bill (optional)</TableCell>
            <TableCell align="right">Amount ({currency})</TableCell>
            <TableCell width={48} />
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((r, i) => {
            const p = parsed[i];
            return (
              <TableRow key={i}>
                <TableCell>
                  <TextField
                    size="small"
                    variant="standard"
                    fullWidth
                    autoFocus={i === 0}
                    value={r.accountNo}
                    onChange={(e) => set(i, { accountNo: e.target.value })}
                    slotProps={{ htmlInput: { 'data-testid': `dist-account-${i}`, maxLength: 64 } }}
                  />
                </TableCell>
                <TableCell>
                  <TextField
                    size="small"
                    variant="standard"
                    fullWidth
                    value={r.billNo}
                    onChange={(e) => set(i, { billNo: e.target.value })}
                    slotProps={{ htmlInput: { 'data-testid': `dist-bill-${i}`, maxLength: 64 } }}
                  />
                </TableCell>
                <TableCell align="right">
                  <TextField
                    size="small"
                    variant="standard"
                    value={r.amount}
                    error={!!p && (!p.ok || p.value <= 0)}
                    helperText={p && !p.ok ? p.error.reason : undefined}
                    onChange={(e) => set(i, { amount: e.target.value })}
                    slotProps={{
                      htmlInput: {
                        'data-testid': `dist-amount-${i}`,
                        inputMode: 'decimal',
                        style: { textAlign: 'right' },
                        maxLength: 24,
                      },
                    }}
                  />
                </TableCell>
                <TableCell>
                  <IconButton
                    size="small"
                    aria-label="Remove line"
                    disabled={rows.length === 1}
                    onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}
                  >
                    <DeleteOutlineIcon fontSize="small" />
                  </IconButton>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Button
          size="small"
          startIcon={<AddIcon />}
          onClick={() => setRows((rs) => [...rs, { accountNo: '', billNo: '', amount: '' }])}
          data-testid="dist-add"
        >
          Add line
        </Button>
        <Box sx={{ flex: 1 }} />
        <Typography variant="body2" color="textSecondary">
          Distributed {money(distributed, currency, true)}
        </Typography>
        <Typography
          variant="subtitle2"
          sx={{ color: remainder < 0 ? 'error.main' : remainder > 0 ? 'warning.dark' : 'success.main' }}
          data-testid="dist-remainder"
        >
          {remainder < 0
            ? `${money(-remainder, currency, true)} too much`
            : remainder > 0
              ? `Stays in suspense: ${money(remainder, currency, true)}`
              : 'Nothing left in suspense'}
        </Typography>
      </Box>
    </MoveDialog>
  );
}

/** Picks a code from a list (owners, reasons) and confirms a move with it. */
export function CodeDialog({
  title,
  testId,
  text,
  label,
  confirm,
  danger,
  codes,
  allowNone,
  initial,
  onClose,
  onConfirm,
}: {
  title: string;
  testId: string;
  text: ReactNode;
  label: string;
  confirm: string;
  danger?: boolean;
  codes: readonly ReasonCodeDto[];
  allowNone?: string;
  initial?: string;
  onClose: () => void;
  onConfirm: (code: number | null) => Promise<void>;
}) {
  const [picked, setCode] = useState(initial ?? '');
  // Until the analyst picks, a list without a "none" entry offers its first code (the lists load after opening).
  const code = picked || (allowNone ? '' : String(codes[0]?.id ?? ''));
  return (
    <MoveDialog
      title={title}
      testId={testId}
      confirm={confirm}
      danger={danger ?? false}
      valid={code !== ''}
      onClose={onClose}
      onSubmit={() => onConfirm(code === 'none' ? null : Number(code))}
    >
      {text}
      <TextField
        select
        autoFocus
        label={label}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': `${testId}-code` } }}
      >
        {allowNone && <MenuItem value="none">{allowNone}</MenuItem>}
        {codes.map((c) => (
          <MenuItem key={c.id} value={String(c.id)} data-testid={`${testId}-option-${c.id}`}>
            {c.id} {c.label}
            {c.glId !== null ? ` (G/L ${c.glId})` : ''}
          </MenuItem>
        ))}
      </TextField>
    </MoveDialog>
  );
}

/** Adds a note to the payment's timeline. */
export function NoteDialog({
  detail,
  onClose,
  onDone,
}: {
  detail: SuspenseDetailDto;
  onClose: () => void;
  onDone: () => void;
}) {
  const [text, setText] = useState('');
  return (
    <MoveDialog
      title="Add a note"
      testId="note-dialog"
      confirm="Add note"
      valid={text.trim() !== ''}
      onClose={onClose}
      onSubmit={async () => {
        await call('suspense:note', { paymentId: detail.subject.paymentId, text: text.trim() });
        onDone();
      }}
    >
      <PaymentLine detail={detail} />
      <TextField
        autoFocus
        multiline
        minRows={3}
        label="Note"
        value={text}
        onChange={(e) => setText(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'note-text', maxLength: 2000 } }}
      />
    </MoveDialog>
  );
}

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
  const [paymentId, setPaymentId] = useState(initialPaymentId ? String(initialPaymentId) : '');
  const [found, setFound] = useState<SuspenseDetailDto | null>(null);
  const [lookup, setLookup] = useState<string | null>(null);
  const recycleCodes = codes.filter((c) => c.glId === 113);
  const [picked, setCode] = useState('');
  // "Payment recycled to suspense" (4002) is what recycling usually is; any code with G/L 113 may be picked.
  const code = picked || String((recycleCodes.find((c) => c.id === 4002) ?? recycleCodes[0])?.id ?? '');
  const changeId = (text: string): void => {
    setPaymentId(text);
    setFound(null);
    setLookup(null);
  };
  useEffect(() => {
    if (!/^\d{1,15}$/.test(paymentId.trim())) return;
    let live = true;
    const timer = setTimeout(() => {
      call('suspense:show', { paymentId: Number(paymentId) }).then(
        (d) => {
          if (!live) return;
          setFound(d);
          const recycle = d.allowed.find((a) => a.action === 'recycle');
          setLookup(recycle && !recycle.ok ? `${recycle.rule}: ${recycle.why ?? ''}` : null);
        },
        (err: unknown) => {
          if (live) setLookup(errorMessage(err));
        },
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [paymentId]);
  return (
    <MoveDialog
      title="Recycle a posted payment into suspense"
      testId="recycle-dialog"
      confirm="Recycle"
      valid={found !== null && lookup === null && code !== ''}
      onClose={onClose}
      onSubmit={async () =>
        onDone(await call('suspense:recycle', { paymentIds: [Number(paymentId)], reasonCode: Number(code) }))
      }
    >
      <Typography variant="body2" color="textSecondary">
        The payment&apos;s allocation is undone and its whole amount moves from the account into suspense.
        Apply it to the right account from there.
      </Typography>
      <TextField
        autoFocus
        label="Payment ID"
        value={paymentId}
        onChange={(e) => changeId(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'recycle-payment', inputMode: 'numeric', maxLength: 15 } }}
      />
      {found && (
        <Typography variant="body2" data-testid="recycle-found">
          {found.subject.kind} payment {found.subject.paymentId} on account {found.subject.accountNo} ·{' '}
          {money(found.subject.amountMinor, found.subject.currency, true)}
        </Typography>
      )}
      {lookup && (
        <Alert severity="warning" data-testid="recycle-refused">
          {lookup}
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
    </MoveDialog>
  );
}
