import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { CollectRunDto } from '../../../../src-shared/dto/processors';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { useJobProgress } from '../../app/use-job-progress';
import { CancelJobButton, isCancelledError } from '../../app/CancelJobButton';
import { ConfirmationSummary } from '../../components/ConfirmationSummary';
import { formatCount } from '../../components/format';
import type { Prepared } from './use-confirmation';

/** The job kinds a run dialog starts. */
const RUN_KINDS: ReadonlySet<string> = new Set(['collect', 'deposit', 'refund']);

/** The run commands this dialog confirms. */
export type RunCommand = 'collect:run' | 'collect:deposit' | 'collect:refund';

const TITLES: Record<RunCommand, string> = {
  'collect:run': 'Collect now?',
  'collect:deposit': 'Deposit authorizations?',
  'collect:refund': 'Refund credits?',
};

const VERBS: Record<RunCommand, string> = {
  'collect:run': 'Charge',
  'collect:deposit': 'Deposit',
  'collect:refund': 'Refund',
};

/**
 * Previews a collection, deposit or refund run (count and totals per currency and per processor), sends
 * it only on an explicit click of the confirm button (Cancel holds the focus, so Enter never charges), and
 * shows the live count of the run while it goes out. The opener prepares the preview (and again on
 * `onAgain`); the dialog only shows it.
 */
export function RunConfirmDialog({
  command,
  input,
  prepared,
  onAgain,
  onClose,
  onDone,
}: {
  command: RunCommand;
  input: Record<string, unknown>;
  prepared: Prepared;
  onAgain: () => void;
  onClose: () => void;
  onDone: (run: CollectRunDto) => void;
}) {
  const { money } = useAppInfo();
  const progress = useJobProgress();
  const { preview } = prepared;
  const [runError, setError] = useState<string | null>(null);
  const error = runError ?? prepared.error;
  const [stale, setStale] = useState(false);
  const [running, setRunning] = useState(false);
  const [cancelled, setCancelled] = useState<string | null>(null);

  const confirm = async () => {
    if (!preview) return;
    setRunning(true);
    setError(null);
    try {
      onDone(await call(command, { ...input, confirmationId: preview.id }));
    } catch (err) {
      if (isCancelledError(err)) {
        // Stopped at a chunk boundary: what was sent is recorded; the run list shows the cancelled run.
        setCancelled(errorMessage(err));
        setRunning(false);
        return;
      }
      setError(errorMessage(err));
      // A preview that no longer matches (or ran out) can only be previewed again, never forced.
      setStale(err instanceof ApiCallError && err.error.code === 'conflict');
      setRunning(false);
    }
  };

  const runJob = running && progress && RUN_KINDS.has(progress.kind) ? progress : null;
  const live = runJob && runJob.total > 0 ? runJob : null;
  const nothing = preview !== null && preview.count === 0;
  return (
    <Dialog
      open
      onClose={running ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      data-testid="run-confirm-dialog"
      aria-labelledby="run-confirm-title"
    >
      <DialogTitle id="run-confirm-title">{TITLES[command]}</DialogTitle>
      <LinearProgress
        variant={live ? 'determinate' : 'indeterminate'}
        value={live ? Math.min(100, (100 * live.done) / live.total) : 0}
        sx={{ height: 2, visibility: running || !preview ? 'visible' : 'hidden' }}
        aria-hidden
      />
      <DialogContent>
        {preview && <ConfirmationSummary preview={preview} money={money} />}
        {preview && !running && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1.5 }}>
            Money moves when you confirm. This preview stays valid until {preview.expiresAt.slice(11, 16)}{' '}
            UTC; if the selection changes before then, nothing is sent and you are asked to look again.
          </Typography>
        )}
        {running && (
          <Box sx={{ mt: 2, display: 'flex', alignItems: 'center', gap: 1.5 }} data-testid="run-live-count">
            <Typography variant="body2">
              {live
                ? `Sent ${formatCount(live.done)} of ${formatCount(live.total)} · ${formatCount(live.ratePerSec)}/s`
                : 'Starting…'}
            </Typography>
            <CancelJobButton job={runJob} onRefused={setError} testId="run-cancel" />
          </Box>
        )}
        {cancelled && (
          <Alert severity="info" sx={{ mt: 2 }} data-testid="run-cancelled">
            {cancelled}
          </Alert>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="run-confirm-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose} disabled={running} autoFocus data-testid="run-confirm-cancel">
          Cancel
        </Button>
        {stale ? (
          <Button
            variant="outlined"
            onClick={() => {
              setError(null);
              setStale(false);
              onAgain();
            }}
            data-testid="run-confirm-again"
          >
            Preview again
          </Button>
        ) : (
          <Button
            variant="contained"
            color="warning"
            onClick={() => void confirm()}
            disabled={!preview || running || nothing}
            data-testid="run-confirm"
          >
            {preview
              ? `${VERBS[command]} ${formatCount(preview.count)} · ${preview.totals.map((t) => money(t.amountMinor, t.currency, true)).join(' + ') || 'nothing'}`
              : 'Preparing…'}
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
