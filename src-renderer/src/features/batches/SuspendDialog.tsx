import { useEffect, useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { BatchEntryDto } from '../../../../src-shared/dto/batches';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { MANUAL_SUSPEND_REASON, reasonText, SUSPENSE_REASONS } from './labels';

/**
 * Suspend by hand: the entry goes to the payment suspense account when the batch is submitted, with the reason
 * code the clerk picks (2007 "Suspended by hand" unless a more precise code applies).
 */
export function SuspendDialog({
  batchId,
  currency,
  entry,
  onClose,
  onDone,
}: {
  batchId: number;
  currency: string;
  entry: BatchEntryDto;
  onClose: () => void;
  onDone: (entry: BatchEntryDto) => void;
}) {
  const { money } = useAppInfo();
  const [code, setCode] = useState(String(MANUAL_SUSPEND_REASON));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const valid = /^\d{1,9}$/.test(code.trim()) && Number(code) >= 1;
  // The active codes of domain 14 as the admin keeps them (defaults plus the desk's own, retired ones gone).
  const [reasons, setReasons] = useState<readonly { code: number; text: string }[]>(SUSPENSE_REASONS);
  useEffect(() => {
    let live = true;
    call('codes:list', { domainId: 14 }).then(
      (rows) => {
        if (live) setReasons(rows.map((r) => ({ code: r.id, text: r.label })));
      },
      (err: unknown) => {
        if (live) setError(errorMessage(err));
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const known = reasons.find((r) => String(r.code) === code.trim());

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!valid || saving) return;
    setSaving(true);
    setError(null);
    try {
      onDone(
        await call('batches:suspend-entry', { batchId, entryId: entry.id, reasonCode: Number(code.trim()) }),
      );
    } catch (err) {
      setError(errorMessage(err));
      setSaving(false);
    }
  };

  return (
    <Dialog open onClose={saving ? undefined : onClose} maxWidth="xs" fullWidth data-testid="suspend-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle>Suspend entry {entry.seq}</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
          <Typography variant="body2" color="textSecondary">
            {entry.accountNo ?? entry.billNo ?? 'No account'} ·{' '}
            {entry.amountMinor !== null ? money(entry.amountMinor, currency, true) : 'no amount'}. On submit
            it posts to the payment suspense account for Payment Center to resolve.
          </Typography>
          <TextField
            autoFocus
            label="Reason code"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={!valid}
            helperText={
              !valid
                ? 'A reason code is a positive whole number'
                : (known?.text ?? reasonText(Number(code)) ?? 'Not an active suspense reason code')
            }
            slotProps={{
              htmlInput: { 'data-testid': 'suspend-reason', inputMode: 'numeric', autoComplete: 'off' },
            }}
          />
          <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap' }}>
            {reasons.map((r) => (
              <Chip
                key={r.code}
                data-testid={`suspend-reason-chip-${r.code}`}
                size="small"
                label={`${r.code} ${r.text}`}
                variant={String(r.code) === code.trim() ? 'filled' : 'outlined'}
                color={String(r.code) === code.trim() ? 'primary' : 'default'}
                onClick={() => setCode(String(r.code))}
              />
            ))}
          </Box>
          {error && (
            <Alert severity="error" data-testid="suspend-error">
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          <Button onClick={onClose} disabled={saving}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={!valid || saving} data-testid="suspend-confirm">
            Suspend
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
