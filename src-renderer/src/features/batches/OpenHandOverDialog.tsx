import { useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import type { BatchDto, BatchFileDto } from '../../../../src-shared/dto/batches';
import { call, errorMessage } from '../../api/client';
import { INLINE_FILE_BYTES, readBase64, uploadFile } from '../../api/upload';
import { MAX_UPLOAD_BYTES } from '../../../../src-shared/api/uploads';
import { formatCount, formatDate } from '../../components/format';
import { payTypeLabel } from './labels';

/** Files up to this size are read here to show what they hold (bigger ones are only sent). */
const SUMMARY_BYTES = 16 * 1024 * 1024;

type Summary = Pick<BatchFileDto['batch'], 'batchNo' | 'batchType' | 'payType' | 'currency' | 'batchDate'> & {
  entries: number;
};

/** What a hand-over file says about itself, read as the file is chosen; the main process checks it in full. */
function summarise(text: string): Summary | null {
  try {
    const doc = JSON.parse(text) as Partial<BatchFileDto>;
    if (doc.format !== 'paydesk-batch' || !doc.batch || !Array.isArray(doc.entries)) return null;
    const { batchNo, batchType, payType, currency, batchDate } = doc.batch;
    return { batchNo, batchType, payType, currency, batchDate, entries: doc.entries.length };
  } catch {
    return null;
  }
}

/**
 * Reopens a hand-over file (a batch exported with Export to continue elsewhere): choose it, see the batch it
 * holds, and open it as a new open batch here (validation starts over; a file whose batch is still open here
 * is refused by the main process).
 */
export function OpenHandOverDialog({
  onClose,
  onOpened,
}: {
  onClose: () => void;
  onOpened: (b: BatchDto) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<{
    name: string;
    source: { content: string; fileName: string } | { uploadId: string };
    summary: Summary | null;
  } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const choose = async (f: File | undefined) => {
    if (!f) return;
    setError(null);
    setFile(null);
    if (f.size > MAX_UPLOAD_BYTES) {
      setError(`${f.name} is larger than a hand-over file can be (${formatCount(MAX_UPLOAD_BYTES)} bytes).`);
      return;
    }
    setBusy(true);
    try {
      const summary = f.size <= SUMMARY_BYTES ? summarise(await f.text()) : null;
      const source =
        f.size <= INLINE_FILE_BYTES
          ? { content: await readBase64(f), fileName: f.name }
          : { uploadId: (await uploadFile(f)).uploadId };
      setFile({ name: f.name, source, summary });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };

  const open = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      onOpened(await call('batches:import-batch-file', file.source));
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  const s = file?.summary ?? null;
  return (
    <Dialog open onClose={busy ? undefined : onClose} maxWidth="sm" fullWidth data-testid="handover-dialog">
      <DialogTitle>Open hand-over file</DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: busy ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, pt: '8px !important' }}>
        <Typography variant="body2" color="textSecondary">
          A hand-over file is a batch exported with Export, to be continued on this desk. It opens as a new
          open batch; validate it again before submit.
        </Typography>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1 }}>
          <input
            ref={input}
            type="file"
            accept=".json,application/json"
            hidden
            onChange={(e) => void choose(e.target.files?.[0])}
            data-testid="handover-input"
          />
          <Button variant="outlined" onClick={() => input.current?.click()} disabled={busy}>
            Choose file…
          </Button>
          <Typography variant="body2" sx={{ fontFamily: 'monospace' }} data-testid="handover-file">
            {file?.name ?? 'no file chosen'}
          </Typography>
        </Box>
        {file && s && (
          <Box
            sx={{ display: 'grid', gridTemplateColumns: '120px 1fr', rowGap: 0.5 }}
            data-testid="handover-summary"
          >
            <Typography variant="body2" color="textSecondary">
              Batch
            </Typography>
            <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
              {s.batchNo}
            </Typography>
            <Typography variant="body2" color="textSecondary">
              Type
            </Typography>
            <Typography variant="body2">
              {s.batchType} · {payTypeLabel(s.payType)} · {s.currency}
            </Typography>
            <Typography variant="body2" color="textSecondary">
              Batch date
            </Typography>
            <Typography variant="body2">{formatDate(s.batchDate)}</Typography>
            <Typography variant="body2" color="textSecondary">
              Entries
            </Typography>
            <Typography variant="body2" data-testid="handover-entries">
              {formatCount(s.entries)}
            </Typography>
          </Box>
        )}
        {file && !s && (
          <Alert severity="warning" data-testid="handover-unknown">
            This does not look like a Paydesk hand-over file; opening it will say what is wrong.
          </Alert>
        )}
        {error && (
          <Alert severity="error" data-testid="handover-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Close
        </Button>
        <Button
          variant="contained"
          onClick={() => void open()}
          disabled={!file || busy}
          data-testid="handover-open"
        >
          Open batch
        </Button>
      </DialogActions>
    </Dialog>
  );
}
