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
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import type { ReasonCodeDto } from '../../../../src-shared/dto/codes';
import type { BatchUndoDto } from '../../../../src-shared/dto/desk-ops';
import { ApiCallError, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { useApiMutation, useApiQuery } from '../../components/query';

/** Payment reversal reasons (reason domain 17); the undo posts every reversal with the one chosen. */
const PAYMENT_REVERSAL_DOMAIN = 17;
/** "Posted in error", what an undone import usually was. */
const DEFAULT_REASON = 4102;
const NO_CODES: readonly ReasonCodeDto[] = [];
/** The preview lists at most this many entries (the service's cap). */
const PREVIEW_ROWS = 1000;

/**
 * Undo of a whole submitted batch: the preview of every payment its reversal batch reverses (account, amount,
 * what is allocated, whether it went to suspense) and what stops it; a reason; then the reversal batch is built
 * and submitted under the reversal approval rules. A submit that needs a second operator ends pending approval.
 */
export function UndoBatchDialog({
  batch,
  onClose,
  onOpenBatch,
  onUndone,
}: {
  batch: BatchDto;
  onClose: () => void;
  onOpenBatch: (id: number) => void;
  onUndone: () => void;
}) {
  const { money } = useAppInfo();
  const previewQuery = useApiQuery('batches:undo-preview', { batchId: batch.id });
  const preview = previewQuery.data ?? null;
  const codes = useApiQuery('codes:list', { domainId: PAYMENT_REVERSAL_DOMAIN }).data ?? NO_CODES;
  const undoBatch = useApiMutation('batches:undo');
  const [reason, setReason] = useState('');
  const [reasonCode, setReasonCode] = useState(DEFAULT_REASON);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [result, setResult] = useState<BatchUndoDto | null>(null);

  const undo = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await undoBatch.run({ batchId: batch.id, reason: reason.trim(), reasonCode }));
      onUndone();
    } catch (err) {
      if (err instanceof ApiCallError && err.error.code === 'approval_required') {
        setPending(errorMessage(err));
        onUndone();
      } else setError(errorMessage(err));
    } finally {
      setBusy(false);
      // An undo waiting for approval changed the ledger too: the preview says what stands now.
      previewQuery.refetch();
    }
  };

  const reversal = result?.reversal ?? null;
  const reversalId = reversal?.id ?? preview?.reversal?.batchId ?? null;
  const finished = result !== null || pending !== null;
  const amount = (minor: number, currency: string) => money(minor, currency, true);
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      maxWidth="lg"
      fullWidth
      data-testid="undo-dialog"
      aria-labelledby="undo-title"
    >
      <DialogTitle id="undo-title">Undo batch {batch.batchNo}</DialogTitle>
      <LinearProgress sx={{ height: 2, visibility: busy || !preview ? 'visible' : 'hidden' }} aria-hidden />
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, pt: '8px !important' }}>
        {preview && (
          <Box
            sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center' }}
            data-testid="undo-summary"
          >
            <Typography variant="body2">
              Reversal batch <b data-testid="undo-reversal-no">{preview.reversalBatchNo}</b> reverses
            </Typography>
            <Chip
              size="small"
              color="primary"
              label={`${formatCount(preview.count)} payment${preview.count === 1 ? '' : 's'}`}
              data-testid="undo-count"
            />
            {preview.totals.map((t) => (
              <Typography
                key={t.currency}
                variant="body2"
                sx={{ fontWeight: 600 }}
                data-testid={`undo-total-${t.currency}`}
              >
                {amount(t.amountMinor, t.currency)}
              </Typography>
            ))}
            <Typography variant="body2" color="textSecondary">
              Allocations are undone and the bills reopen, as if the payments never posted.
            </Typography>
          </Box>
        )}
        {preview && preview.refusals.length > 0 && !finished && (
          <Alert
            severity={preview.reversal?.status === 'submitted' ? 'info' : 'error'}
            data-testid="undo-refusals"
          >
            {preview.refusals.map((r, i) => (
              <div key={i}>{r.reason}</div>
            ))}
          </Alert>
        )}
        {preview?.reversal && preview.reversal.status !== 'submitted' && !finished && (
          <Alert severity="info" data-testid="undo-existing">
            Reversal batch {preview.reversal.batchNo} is {preview.reversal.status}
            {preview.reversal.pendingApprovalId !== null
              ? `, waiting for approval #${preview.reversal.pendingApprovalId}`
              : ''}
            ; undoing again continues it and never posts twice.
          </Alert>
        )}
        {preview && (
          <TableContainer sx={{ maxHeight: 340 }}>
            <Table
              size="small"
              stickyHeader
              aria-label="Payments the undo reverses"
              data-testid="undo-entries"
            >
              <TableHead>
                <TableRow>
                  <TableCell>#</TableCell>
                  <TableCell align="right">Payment</TableCell>
                  <TableCell>Account</TableCell>
                  <TableCell align="right">Amount</TableCell>
                  <TableCell>Posted to</TableCell>
                  <TableCell align="right">Allocated now</TableCell>
                  <TableCell>Undo</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {preview.entries.map((e) => (
                  <TableRow key={e.entryId} data-testid={`undo-entry-${e.seq}`} data-action={e.action}>
                    <TableCell>{e.seq}</TableCell>
                    <TableCell align="right">{e.paymentId}</TableCell>
                    <TableCell sx={{ fontFamily: 'monospace' }}>{e.accountNo}</TableCell>
                    <TableCell align="right">{amount(e.amountMinor, e.currency)}</TableCell>
                    <TableCell>{e.placement === 'suspense' ? 'suspense' : 'account'}</TableCell>
                    <TableCell align="right">{amount(e.allocatedMinor, e.accountCurrency)}</TableCell>
                    <TableCell
                      sx={{
                        color:
                          e.action === 'reverse'
                            ? 'text.primary'
                            : e.action === 'refused'
                              ? 'error.main'
                              : 'text.secondary',
                      }}
                    >
                      {e.action === 'reverse' ? 'reverse' : e.action === 'skip' ? 'skip' : 'refused'}
                      {e.note ? ` (${e.note})` : ''}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        )}
        {preview && preview.entries.length >= PREVIEW_ROWS && (
          <Typography variant="caption" color="textSecondary">
            The first {formatCount(preview.entries.length)} entries are listed; the counts and totals cover
            all.
          </Typography>
        )}
        {!finished && preview?.canUndo && (
          <Box sx={{ display: 'flex', gap: 2 }}>
            <TextField
              label="Why is the batch undone?"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              required
              autoFocus
              size="small"
              sx={{ flex: 2 }}
              slotProps={{ htmlInput: { maxLength: 500, 'data-testid': 'undo-reason' } }}
            />
            <TextField
              select
              label="Reversal reason"
              value={codes.some((c) => c.id === reasonCode) ? reasonCode : ''}
              onChange={(e) => setReasonCode(Number(e.target.value))}
              size="small"
              sx={{ flex: 1 }}
              data-testid="undo-reason-code"
            >
              {codes.map((c) => (
                <MenuItem key={c.id} value={c.id}>
                  {c.id} {c.label}
                </MenuItem>
              ))}
            </TextField>
          </Box>
        )}
        {(error ?? previewQuery.error) && (
          <Alert severity="error" data-testid="undo-error">
            {error ?? previewQuery.error}
          </Alert>
        )}
        {pending && (
          <Alert severity="warning" data-testid="undo-pending">
            The reversal batch is built and validated. {pending}
          </Alert>
        )}
        {result && (
          <Alert severity="success" data-testid="undo-done">
            {result.outcome === 'already_undone'
              ? `Batch ${result.original.batchNo} was already undone by ${result.reversal.batchNo}; nothing posted again.`
              : `Reversal batch ${result.reversal.batchNo} submitted: ${formatCount(result.submit?.reversed ?? 0)} payment(s) reversed.`}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        {reversalId !== null && (
          <Button onClick={() => onOpenBatch(reversalId)} disabled={busy} data-testid="undo-open-reversal">
            Open reversal batch
          </Button>
        )}
        <Button onClick={onClose} disabled={busy}>
          Close
        </Button>
        {!finished && (
          <Button
            variant="contained"
            color="warning"
            onClick={() => void undo()}
            disabled={busy || !preview?.canUndo || reason.trim() === ''}
            data-testid="undo-confirm"
          >
            Undo batch
          </Button>
        )}
      </DialogActions>
    </Dialog>
  );
}
