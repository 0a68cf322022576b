import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import InputAdornment from '@mui/material/InputAdornment';
import LinearProgress from '@mui/material/LinearProgress';
import TextField from '@mui/material/TextField';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import { formatMinor } from '../../../../src-shared/money';
import { formatLocalAmount, parseLocalAmount } from '../../components/amount';
import { call, errorMessage } from '../../api/client';
import { isEditable } from './labels';

/**
 * Edits the batch header: the note at any time; the lockbox number and the control figures (which only feed the
 * zero-proof bar, so a validated batch stays validated) until the batch is submitted.
 */
export function HeaderDialog({
  batch,
  onClose,
  onSaved,
}: {
  batch: BatchDto;
  onClose: () => void;
  onSaved: (b: BatchDto) => void;
}) {
  const figures = isEditable(batch);
  const [note, setNote] = useState(batch.note ?? '');
  const [lockboxNo, setLockboxNo] = useState(batch.lockboxNo ?? '');
  const [count, setCount] = useState(batch.controlCount === null ? '' : String(batch.controlCount));
  const [total, setTotal] = useState(
    batch.controlTotalMinor === null ? '' : formatLocalAmount(batch.controlTotalMinor, batch.exponent),
  );
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const countProblem = count.trim() !== '' && !/^\d{1,9}$/.test(count.trim()) ? 'A whole number' : null;
  const parsedTotal = total.trim() === '' ? null : parseLocalAmount(total, batch.exponent);
  const totalProblem = parsedTotal && !parsedTotal.ok ? parsedTotal.error.reason : null;

  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    if (saving || countProblem || totalProblem) return;
    setSaving(true);
    setError(null);
    try {
      onSaved(
        await call('batches:update-header', {
          batchId: batch.id,
          note: note.trim() === '' ? null : note,
          ...(figures
            ? {
                lockboxNo: lockboxNo.trim() === '' ? null : lockboxNo.trim(),
                controlCount: count.trim() === '' ? null : Number(count.trim()),
                controlTotal: parsedTotal?.ok ? formatMinor(parsedTotal.value, batch.exponent) : null,
              }
            : {}),
        }),
      );
    } catch (err) {
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
      data-testid="header-dialog"
      aria-labelledby="header-title"
    >
      <form
        onSubmit={(e) => void save(e)}
        noValidate
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') void save(e);
        }}
      >
        <DialogTitle id="header-title">Batch header {batch.batchNo}</DialogTitle>
        <LinearProgress sx={{ height: 2, visibility: saving ? 'visible' : 'hidden' }} aria-hidden />
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 2 }}>
            <TextField
              size="small"
              label="Lockbox no"
              value={lockboxNo}
              onChange={(e) => setLockboxNo(e.target.value)}
              disabled={!figures}
              helperText="From the deposit slip"
              slotProps={{ htmlInput: { 'data-testid': 'header-lockbox', maxLength: 64 } }}
            />
            <TextField
              size="small"
              label="Control count"
              value={count}
              onChange={(e) => setCount(e.target.value)}
              disabled={!figures}
              error={countProblem !== null}
              helperText={countProblem ?? 'Empty = no control'}
              slotProps={{
                htmlInput: {
                  'data-testid': 'header-control-count',
                  inputMode: 'numeric',
                  style: { textAlign: 'right' },
                },
              }}
            />
            <TextField
              size="small"
              label="Control total"
              value={total}
              onChange={(e) => setTotal(e.target.value)}
              disabled={!figures}
              error={totalProblem !== null}
              helperText={totalProblem ?? 'Empty = no control'}
              slotProps={{
                input: { endAdornment: <InputAdornment position="end">{batch.currency}</InputAdornment> },
                htmlInput: {
                  'data-testid': 'header-control-total',
                  inputMode: 'decimal',
                  style: { textAlign: 'right' },
                },
              }}
            />
          </Box>
          {!figures && (
            <Alert severity="info" sx={{ py: 0 }}>
              The batch is {batch.status}: only the note can change.
            </Alert>
          )}
          <TextField
            size="small"
            label="Note"
            value={note}
            onChange={(e) => setNote(e.target.value)}
            multiline
            minRows={2}
            autoFocus
            slotProps={{ htmlInput: { 'data-testid': 'header-note', maxLength: 2000 } }}
          />
          {error && (
            <Alert severity="error" data-testid="header-error">
              {error}
            </Alert>
          )}
        </DialogContent>
        <DialogActions sx={{ px: 3, pb: 2 }}>
          <Button onClick={onClose} disabled={saving}>
            Cancel
          </Button>
          <Button type="submit" variant="contained" disabled={saving} data-testid="header-save">
            Save
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
