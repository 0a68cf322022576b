import { useEffect, useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { AllocationResultDto, AllocationRowDto } from '../../../../src-shared/dto/allocation';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { DEFAULT_UNDO_REASON } from './labels';

const MAX_REASON = 2_147_483_647;

/** What an undo would reverse: the net allocation per bill and item (undo rows already cancel earlier ones). */
function netByItem(
  rows: readonly AllocationRowDto[],
): { billNo: string; itemNo: string; amountMinor: number }[] {
  const net = new Map<string, { billNo: string; itemNo: string; amountMinor: number }>();
  for (const r of rows) {
    const key = `${r.billNo ?? ''}\u0000${r.itemNo ?? ''}`;
    const cur = net.get(key) ?? { billNo: r.billNo ?? '—', itemNo: r.itemNo ?? '—', amountMinor: 0 };
    cur.amountMinor += r.amountMinor;
    net.set(key, cur);
  }
  return [...net.values()].filter((n) => n.amountMinor !== 0);
}

/** Parses the reason code field: a whole number 0 … 2^31-1, else null. */
function parseReason(text: string): number | null {
  if (!/^\d{1,10}$/.test(text.trim())) return null;
  const n = Number(text.trim());
  return n <= MAX_REASON ? n : null;
}

/** Undo allocation: asks for a reason code and returns every allocation of the payment to unallocated credit. */
export function UndoAllocationDialog({
  paymentId,
  currency,
  onClose,
  onDone,
}: {
  paymentId: number;
  currency: string;
  onClose: () => void;
  onDone: (result: AllocationResultDto) => void;
}) {
  const { money } = useAppInfo();
  const [rows, setRows] = useState<AllocationRowDto[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [reasonText, setReasonText] = useState(String(DEFAULT_UNDO_REASON));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const reason = parseReason(reasonText);

  useEffect(() => {
    let stale = false;
    call('payments:allocations', { paymentId }).then(
      (r) => !stale && setRows(r),
      (err: unknown) => !stale && setLoadError(errorMessage(err)),
    );
    return () => {
      stale = true;
    };
  }, [paymentId]);

  const net = rows ? netByItem(rows) : [];
  const totalMinor = net.reduce((s, n) => s + n.amountMinor, 0);
  const canUndo = !saving && reason !== null && net.length > 0;

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!canUndo || reason === null) return;
    setSaving(true);
    setError(null);
    try {
      onDone(await call('allocation:undo', { paymentId, reasonCode: reason }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog
      open
      onClose={saving ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="undo-title"
      data-testid="undo-dialog"
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle id="undo-title">Undo allocation of payment #{paymentId}</DialogTitle>
        <LinearProgress sx={{ height: 2, visibility: rows || loadError || saving ? 'hidden' : 'visible' }} />
        <DialogContent sx={{ pt: 1 }}>
          <Typography variant="body2" sx={{ mb: 2 }}>
            The amounts below go back to the payment as unallocated credit, and the items and bills they paid
            open again. The original allocation rows stay in the history with undo rows against them.
          </Typography>
          {loadError && <Alert severity="error">{loadError}</Alert>}
          {rows && net.length === 0 && (
            <Alert severity="info" data-testid="undo-nothing">
              This payment has no allocation to undo.
            </Alert>
          )}
          {net.length > 0 && (
            <Box
              sx={{
                border: 1,
                borderColor: 'divider',
                borderRadius: 1,
                mb: 2,
                maxHeight: 240,
                overflow: 'auto',
              }}
            >
              <Table size="small" aria-label="Allocations to undo" data-testid="undo-lines">
                <TableHead>
                  <TableRow>
                    <TableCell>Bill</TableCell>
                    <TableCell>Item</TableCell>
                    <TableCell align="right">Amount</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {net.map((n) => (
                    <TableRow key={`${n.billNo}-${n.itemNo}`}>
                      <TableCell sx={{ fontFamily: 'monospace' }}>{n.billNo}</TableCell>
                      <TableCell sx={{ fontFamily: 'monospace' }}>{n.itemNo}</TableCell>
                      <TableCell align="right">{money(n.amountMinor, currency)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          )}
          {net.length > 0 && (
            <Typography variant="body2" sx={{ mb: 2.5, textAlign: 'right' }}>
              Back to unallocated credit:{' '}
              <Box
                component="span"
                sx={{ fontWeight: 600, fontVariantNumeric: 'tabular-nums' }}
                data-testid="undo-total"
                data-minor={totalMinor}
              >
                {money(totalMinor, currency, true)}
              </Box>
            </Typography>
          )}
          <TextField
            autoFocus
            required
            label="Reason code"
            value={reasonText}
            onChange={(e) => setReasonText(e.target.value)}
            onFocus={(e) => e.target.select()}
            error={reason === null}
            helperText={
              reason === null
                ? 'A reason code is required: a whole number'
                : reason === DEFAULT_UNDO_REASON
                  ? `${DEFAULT_UNDO_REASON}: reversal reason`
                  : 'Reason code recorded in the audit trail'
            }
            size="small"
            sx={{ width: 260 }}
            slotProps={{
              htmlInput: { 'data-testid': 'undo-reason', inputMode: 'numeric', autoComplete: 'off' },
            }}
          />
          {error && (
            <Alert severity="error" sx={{ mt: 2 }} data-testid="undo-error">
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          <Button onClick={onClose} disabled={saving}>
            Cancel
          </Button>
          <Button
            type="submit"
            variant="contained"
            color="warning"
            disabled={!canUndo}
            data-testid="undo-submit"
          >
            Undo allocation
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
