import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ReturnsImportDto } from '../../../../src-shared/dto/returns';
import { PAY_TYPE_NAMES } from '../../../../src-shared/pay-types';
import { errorMessage } from '../../api/client';
import { useApiMutation, useApiQuery } from '../../components/query';

/**
 * Record bounced payment: the clerk picks the reason from the admin's rejection codes (soft or hard, shown with
 * each) and may add the bank's words; the payment goes into a one-entry return batch that validates and submits
 * in the Payment Tool like any return batch.
 */
export function BounceDialog({
  paymentId,
  onClose,
  onRecorded,
}: {
  paymentId: number;
  onClose: () => void;
  onRecorded: (r: ReturnsImportDto) => void;
}) {
  const rejection = useApiQuery('admin:rejection-codes', {});
  const codes = rejection.data;
  const [picked, setCode] = useState('');
  const [text, setText] = useState('');
  const bounce = useApiMutation('returns:bounce');
  const [failed, setFailed] = useState<string | null>(null);
  const busy = bounce.busy;
  const error = failed ?? rejection.error;
  // Until the clerk picks, the reason is NSF (the usual bounce), else the first code.
  const code = picked || (codes?.find((r) => r.code === 'NSF')?.code ?? codes?.[0]?.code ?? '');
  const chosen = codes?.find((c) => c.code === code);
  const record = async () => {
    setFailed(null);
    try {
      onRecorded(await bounce.run({ paymentId, code, ...(text.trim() ? { text: text.trim() } : {}) }));
    } catch (err) {
      setFailed(errorMessage(err));
    }
  };
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      maxWidth="xs"
      fullWidth
      data-testid="bounce-dialog"
      aria-labelledby="bounce-title"
    >
      <DialogTitle id="bounce-title">Record bounced payment #{paymentId}</DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <TextField
          select
          size="small"
          label="Reason (rejection code)"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          slotProps={{ select: { SelectDisplayProps: { 'data-testid': 'bounce-code' } as object } }}
        >
          {(codes ?? []).map((c) => (
            <MenuItem key={c.code} value={c.code} data-testid={`bounce-code-${c.code}`}>
              {c.code} · {c.description} ({c.declineClass})
            </MenuItem>
          ))}
        </TextField>
        {chosen && (
          <Typography variant="body2" color="textSecondary" data-testid="bounce-handling">
            {chosen.declineClass === 'soft'
              ? `Soft: retried up to ${chosen.maxRetries} times; the account is kept out of automatic collection for ${chosen.suspensionDays} days.`
              : `Hard: no retry; the account moves to pay type ${PAY_TYPE_NAMES[chosen.fallbackPayType] ?? chosen.fallbackPayType}.`}
          </Typography>
        )}
        <TextField
          size="small"
          label="Bank's text (optional)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          slotProps={{ htmlInput: { maxLength: 200, 'data-testid': 'bounce-text' } }}
        />
        <Typography variant="body2" color="textSecondary">
          A return batch with this payment is created in the Payment Tool; it is reversed when that batch is
          submitted.
        </Typography>
        {error && (
          <Alert severity="error" data-testid="bounce-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button
          variant="contained"
          onClick={() => void record()}
          disabled={busy || !code}
          data-testid="bounce-record"
        >
          Create return batch
        </Button>
      </DialogActions>
    </Dialog>
  );
}
