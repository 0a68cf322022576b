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

/** Reason-code domain of duplicate releases. */
const RELEASE_DOMAIN = 20;

/** Where the focused entry's look-alike is: a posted payment, or an entry not posted yet. */
function matchText(entry: BatchEntryDto): string {
  const m = entry.duplicateOf;
  if (!m) return '';
  const where = `entry #${m.seq} of batch ${m.batchNo}`;
  return m.paymentId !== null ? `payment ${m.paymentId} (${where})` : `${where}, not posted yet`;
}

/**
 * The focused entry's duplicate status: what it matches (same payer, number, amount, date and lockbox), the
 * supervisor's release if there is one, and the Release action for supervisors.
 */
export function DuplicatePanel({
  batchId,
  entry,
  editable,
  supervisor,
  onReleased,
}: {
  batchId: number;
  entry: BatchEntryDto | null;
  editable: boolean;
  supervisor: boolean;
  onReleased: (entry: BatchEntryDto) => void;
}) {
  const [open, setOpen] = useState(false);
  if (!entry?.duplicateOf) return null;
  const suspected = entry.status === 'duplicate_suspected';
  return (
    <>
      <Alert
        severity={suspected ? 'warning' : 'info'}
        sx={{ py: 0 }}
        data-testid="duplicate-status"
        action={
          suspected && editable && supervisor ? (
            <Button
              color="inherit"
              size="small"
              onClick={() => setOpen(true)}
              data-testid="release-duplicate"
            >
              Release
            </Button>
          ) : undefined
        }
      >
        {suspected
          ? `Suspected duplicate: entry #${entry.seq} looks like ${matchText(entry)}. It does not post unless a supervisor releases it.`
          : `Entry #${entry.seq} looks like ${matchText(entry)}`}
        {entry.duplicateRelease &&
          ` Released by a supervisor (reason ${entry.duplicateRelease.reasonCode}${entry.duplicateRelease.note ? `: ${entry.duplicateRelease.note}` : ''}).`}
      </Alert>
      {open && (
        <ReleaseDuplicateDialog
          batchId={batchId}
          entry={entry}
          onClose={() => setOpen(false)}
          onDone={(e) => {
            setOpen(false);
            onReleased(e);
          }}
        />
      )}
    </>
  );
}

/** A supervisor lets a suspected duplicate post: a reason of domain 20 and an optional note (both audited). */
function ReleaseDuplicateDialog({
  batchId,
  entry,
  onClose,
  onDone,
}: {
  batchId: number;
  entry: BatchEntryDto;
  onClose: () => void;
  onDone: (entry: BatchEntryDto) => void;
}) {
  const [code, setCode] = useState('');
  const [note, setNote] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reasons, setReasons] = useState<readonly { code: number; text: string }[]>([]);
  useEffect(() => {
    let live = true;
    call('codes:list', { domainId: RELEASE_DOMAIN }).then(
      (rows) => {
        if (!live) return;
        setReasons(rows.map((r) => ({ code: r.id, text: r.label })));
        setCode((c) => c || String(rows[0]?.id ?? ''));
      },
      (err: unknown) => {
        if (live) setError(errorMessage(err));
      },
    );
    return () => {
      live = false;
    };
  }, []);
  const valid = /^\d{1,9}$/.test(code.trim()) && Number(code) >= 1;
  const known = reasons.find((r) => String(r.code) === code.trim());

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!valid || saving) return;
    setSaving(true);
    setError(null);
    try {
      onDone(
        await call('batches:release-duplicate', {
          batchId,
          entryId: entry.id,
          reasonCode: Number(code.trim()),
          ...(note.trim() ? { note: note.trim() } : {}),
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
      maxWidth="xs"
      fullWidth
      data-testid="release-duplicate-dialog"
    >
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle>Release suspected duplicate #{entry.seq}</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
          <Typography variant="body2" color="textSecondary">
            It looks like {matchText(entry)}. Released, it validates and posts as a payment of its own.
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
                : (known?.text ?? 'Not an active release reason')
            }
            slotProps={{ htmlInput: { 'data-testid': 'release-duplicate-reason', inputMode: 'numeric' } }}
          />
          <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap' }}>
            {reasons.map((r) => (
              <Chip
                key={r.code}
                size="small"
                label={`${r.code} ${r.text}`}
                variant={String(r.code) === code.trim() ? 'filled' : 'outlined'}
                color={String(r.code) === code.trim() ? 'primary' : 'default'}
                onClick={() => setCode(String(r.code))}
              />
            ))}
          </Box>
          <TextField
            label="Note"
            value={note}
            onChange={(e) => setNote(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'release-duplicate-note', maxLength: 500 } }}
          />
          {error && (
            <Alert severity="error" data-testid="release-duplicate-error">
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
            disabled={!valid || saving}
            data-testid="release-duplicate-confirm"
          >
            Release
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
