import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import type { ReturnsPreviewDto } from '../../../../src-shared/dto/returns';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';

/** The file fields of the returns commands: bytes inline or an upload id. */
export type ReturnsFileSource = { content: string; fileName: string } | { uploadId: string };

/**
 * A returns file chosen in the import dialog (detected by its content): what it would reverse — each line
 * matched to its debit and payment or the reason it is not, the bank's code mapped to the admin's rejection code
 * and its class — and the notifications of change it carries. Nothing is written until "Create return batch".
 */
export function ReturnsImportDialog({
  source,
  preview,
  onBack,
  onClose,
  onImported,
}: {
  source: ReturnsFileSource;
  preview: ReturnsPreviewDto;
  onBack: () => void;
  onClose: () => void;
  onImported: (b: BatchDto) => void;
}) {
  const { money } = useAppInfo();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await call('returns:import', source);
      if (r.batch) onImported(r.batch);
      else {
        setDone(
          `No return batch was created (nothing to reverse); ${r.changes.filter((c) => c.applied).length} notification(s) of change applied.`,
        );
        setBusy(false);
      }
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };
  const amount = (minor: number | null, currency: string | null) =>
    minor === null || currency === null ? '—' : money(minor, currency, true);
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      maxWidth="lg"
      fullWidth
      data-testid="returns-dialog"
      aria-labelledby="returns-title"
    >
      <DialogTitle id="returns-title">Returns file {preview.fileName ?? ''}</DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: busy ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
        <Box
          sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}
          data-testid="returns-summary"
        >
          <Chip size="small" label={`Format ${preview.format}`} />
          <Chip
            size="small"
            color="primary"
            label={`${formatCount(preview.matched)} to reverse`}
            data-testid="returns-matched"
          />
          <Chip
            size="small"
            color={preview.unmatched > 0 ? 'warning' : 'default'}
            label={`${formatCount(preview.unmatched)} not matched`}
            data-testid="returns-unmatched"
          />
          {preview.alreadyReturned > 0 && (
            <Chip size="small" label={`${formatCount(preview.alreadyReturned)} already returned`} />
          )}
          {preview.accepted > 0 && <Chip size="small" label={`${formatCount(preview.accepted)} accepted`} />}
          {preview.totals.map((t) => (
            <Typography
              key={t.currency}
              variant="body2"
              sx={{ fontWeight: 600 }}
              data-testid={`returns-total-${t.currency}`}
            >
              {formatCount(t.count)} totalling {money(t.amountMinor, t.currency, true)}
            </Typography>
          ))}
        </Box>
        {preview.problems.length > 0 && (
          <Alert severity="error" data-testid="returns-problems">
            The file cannot be imported:
            {preview.problems.map((p, i) => (
              <div key={i}>
                {p.line !== undefined ? `line ${p.line}` : ''} {p.path ?? ''}: {p.reason}
              </div>
            ))}
          </Alert>
        )}
        <TableContainer sx={{ maxHeight: 360 }}>
          <Table size="small" stickyHeader aria-label="Returns in the file" data-testid="returns-lines">
            <TableHead>
              <TableRow>
                <TableCell>Line</TableCell>
                <TableCell>Reference</TableCell>
                <TableCell>Account</TableCell>
                <TableCell align="right">Payment</TableCell>
                <TableCell align="right">Amount</TableCell>
                <TableCell>Bank code</TableCell>
                <TableCell>Rejection code</TableCell>
                <TableCell>Result</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {preview.lines.map((l) => (
                <TableRow key={l.n} data-testid={`returns-line-${l.n}`} data-matched={l.matched}>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{l.line ?? l.path ?? `#${l.n}`}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{l.reference}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{l.accountNo ?? '—'}</TableCell>
                  <TableCell align="right">{l.paymentId ?? '—'}</TableCell>
                  <TableCell align="right">{amount(l.amountMinor, l.currency)}</TableCell>
                  <TableCell title={l.bankText ?? undefined}>{l.bankCode}</TableCell>
                  <TableCell>
                    {l.rejectionCode ?? 'unknown'}{' '}
                    <Chip
                      size="small"
                      variant="outlined"
                      color={l.declineClass === 'soft' ? 'info' : 'error'}
                      label={l.declineClass}
                    />
                  </TableCell>
                  <TableCell sx={{ color: l.matched ? 'success.main' : 'warning.main' }}>
                    {l.matched ? 'will be reversed' : l.reason}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
        {preview.changes.length > 0 && (
          <Box data-testid="returns-changes">
            <Typography variant="subtitle2">
              Notifications of change (applied to mandates on import)
            </Typography>
            {preview.changes.map((c, i) => (
              <Typography key={i} variant="body2" sx={{ fontFamily: 'monospace' }}>
                {c.code} {c.reference} → mandate {c.mandateReference ?? '—'}:{' '}
                {c.reason ??
                  Object.entries(c.after ?? {})
                    .map(([k, v]) => `${k}=${v ?? ''}`)
                    .join(', ')}
              </Typography>
            ))}
          </Box>
        )}
        {error && (
          <Alert severity="error" data-testid="returns-error">
            {error}
          </Alert>
        )}
        {done && (
          <Alert severity="info" data-testid="returns-done">
            {done}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onBack} disabled={busy}>
          Choose another file
        </Button>
        <Button onClick={onClose} disabled={busy}>
          Close
        </Button>
        <Button
          variant="contained"
          onClick={() => void create()}
          disabled={
            busy ||
            done !== null ||
            preview.problems.length > 0 ||
            (preview.matched === 0 && preview.changes.length === 0)
          }
          data-testid="returns-create"
        >
          Create return batch
        </Button>
      </DialogActions>
    </Dialog>
  );
}
