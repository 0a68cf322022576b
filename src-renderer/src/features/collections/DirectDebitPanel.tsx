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
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { z } from 'zod';
import type { DdFileDto, DdRunDto, DdScheme } from '../../../../src-shared/dto/directdebit';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { CancelJobButton, isCancelledError } from '../../app/CancelJobButton';
import { useJobProgress } from '../../app/use-job-progress';
import { ConfirmationSummary } from '../../components/ConfirmationSummary';
import { formatCount, formatDate } from '../../components/format';
import { download } from '../../components/download';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { useConfirmation, type Prepared } from './use-confirmation';

type RunForm = { scheme: DdScheme; collectionDate: string; kind: 'debit' | 'credit'; creditor: string };

const STATUS_COLOR: Record<DdFileDto['status'], 'warning' | 'success' | 'default' | 'info'> = {
  ready: 'warning',
  sent: 'success',
  cancelled: 'default',
  preview: 'info',
};

/** The run input of the form (an empty creditor means every creditor of the scheme). */
type RunInput = {
  scheme: DdScheme;
  collectionDate: string;
  kind: 'debit' | 'credit';
  creditor?: string;
};

function inputOf(f: RunForm): RunInput {
  return {
    scheme: f.scheme,
    collectionDate: f.collectionDate,
    kind: f.kind,
    ...(f.creditor.trim() ? { creditor: f.creditor.trim() } : {}),
  };
}

/** A week from today, as the default collection date. */
function defaultDate(): string {
  return new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
}

/** Files of a run or of the registry, with their status, count, total and sha256; actions where allowed. */
function FilesTable({
  files,
  canRun,
  onOpen,
  onAction,
  testId,
}: {
  files: DdFileDto[];
  canRun: boolean;
  onOpen?: (id: number) => void;
  onAction?: (action: 'save' | 'sent' | 'cancel', f: DdFileDto) => void;
  testId: string;
}) {
  const { money } = useAppInfo();
  return (
    // Tighter cells so the Actions column fits the card in a 1280-wide window.
    <Table
      size="small"
      data-testid={testId}
      sx={{
        '& .MuiTableCell-sizeSmall': { px: 1 },
        '& .MuiTableCell-sizeSmall:first-of-type': { pl: 2 },
      }}
    >
      <TableHead>
        <TableRow>
          <TableCell>File</TableCell>
          <TableCell>Status</TableCell>
          <TableCell>Format</TableCell>
          <TableCell>Creditor</TableCell>
          <TableCell>Date</TableCell>
          <TableCell align="right">Count</TableCell>
          <TableCell align="right">Total</TableCell>
          <TableCell>sha256</TableCell>
          {onAction && <TableCell align="right">Actions</TableCell>}
        </TableRow>
      </TableHead>
      <TableBody>
        {files.map((f) => (
          <TableRow
            key={f.id ?? f.messageId}
            hover={f.id !== null}
            onClick={() => f.id !== null && onOpen?.(f.id)}
            sx={{ cursor: f.id !== null && onOpen ? 'pointer' : 'default' }}
            data-testid={`dd-file-${f.id ?? f.messageId}`}
          >
            <TableCell>{f.messageId}</TableCell>
            <TableCell>
              <Chip size="small" label={f.status} color={STATUS_COLOR[f.status]} />
            </TableCell>
            <TableCell>
              {f.kind === 'credit' ? 'credit · ' : ''}
              {f.format}
            </TableCell>
            <TableCell>{f.creditor}</TableCell>
            <TableCell>{formatDate(f.collectionDate)}</TableCell>
            <TableCell align="right">{formatCount(f.count)}</TableCell>
            <TableCell align="right">{money(f.totalMinor, f.currency, true)}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace' }} title={f.sha256}>
              {f.sha256.slice(0, 12)}
            </TableCell>
            {onAction && (
              <TableCell align="right" onClick={(e) => e.stopPropagation()} sx={{ whiteSpace: 'nowrap' }}>
                {f.status !== 'cancelled' && (
                  <Button size="small" onClick={() => onAction('save', f)} data-testid={`dd-save-${f.id}`}>
                    Save
                  </Button>
                )}
                {canRun && f.status === 'ready' && (
                  <>
                    <Button size="small" onClick={() => onAction('sent', f)} data-testid={`dd-sent-${f.id}`}>
                      Mark sent
                    </Button>
                    <Button
                      size="small"
                      color="error"
                      onClick={() => onAction('cancel', f)}
                      data-testid={`dd-cancel-${f.id}`}
                    >
                      Cancel
                    </Button>
                  </>
                )}
              </TableCell>
            )}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * The confirmation of a run: the server's preview (prepared by the opener), then Run only on an explicit click
 * (Cancel has focus).
 */
function DdConfirmDialog({
  input,
  prepared,
  onClose,
  onDone,
}: {
  input: RunInput;
  prepared: Prepared;
  onClose: () => void;
  onDone: (r: DdRunDto) => void;
}) {
  const { money } = useAppInfo();
  const progress = useJobProgress();
  const { preview } = prepared;
  const [runError, setError] = useState<string | null>(null);
  const error = runError ?? prepared.error;
  const [running, setRunning] = useState(false);
  const [cancelled, setCancelled] = useState<string | null>(null);
  const job = running && progress?.kind === 'dd-run' ? progress : null;
  const posting = job && job.phase === 'post' && job.total > 0 ? job : null;
  const confirm = async () => {
    if (!preview) return;
    setRunning(true);
    setError(null);
    try {
      onDone(await call('dd:run', { ...input, confirmationId: preview.id }));
    } catch (err) {
      // A cancelled run rolled back whole: nothing posted, no file; the same preview cannot run again.
      if (isCancelledError(err)) setCancelled(errorMessage(err));
      else setError(errorMessage(err));
      setRunning(false);
    }
  };
  return (
    <Dialog
      open
      onClose={running ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      data-testid="dd-confirm-dialog"
    >
      <DialogTitle>Post and write the bank files?</DialogTitle>
      <LinearProgress
        variant={posting ? 'determinate' : 'indeterminate'}
        value={posting ? Math.min(100, (100 * posting.done) / posting.total) : 0}
        sx={{ height: 2, visibility: running ? 'visible' : 'hidden' }}
        aria-hidden
      />
      <DialogContent>
        {preview && <ConfirmationSummary preview={preview} money={money} />}
        {preview && (
          <Typography variant="body2" color="text.secondary" sx={{ mt: 1.5 }}>
            Each bill is posted as paid and goes into a file for the bank. Nothing reaches the bank until the
            file is delivered and marked sent; a ready file can still be cancelled.
          </Typography>
        )}
        {running && (
          <Box sx={{ mt: 2, display: 'flex', alignItems: 'center', gap: 1.5 }} data-testid="dd-run-progress">
            <Typography variant="body2">
              {posting
                ? `Posted ${formatCount(posting.done)} of ${formatCount(posting.total)}`
                : 'Selecting the bills…'}
            </Typography>
            <CancelJobButton job={job} onRefused={setError} testId="dd-run-cancel" />
          </Box>
        )}
        {cancelled && (
          <Alert severity="info" sx={{ mt: 2 }} data-testid="dd-run-cancelled">
            {cancelled}
          </Alert>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="dd-confirm-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose} disabled={running} autoFocus data-testid="dd-confirm-cancel">
          Cancel
        </Button>
        <Button
          variant="contained"
          color="warning"
          onClick={() => void confirm()}
          disabled={!preview || running || preview.count === 0 || cancelled !== null}
          data-testid="dd-confirm"
        >
          {preview
            ? `Run ${formatCount(preview.count)} · ${preview.totals.map((t) => money(t.amountMinor, t.currency, true)).join(' + ') || 'nothing'}`
            : 'Preparing…'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const cancelSchema = z.object({ reason: inputShape('dd:cancel-file').reason });
type CancelForm = z.input<typeof cancelSchema>;

/** Cancels a ready file with a reason: its payments are reversed and its bills reopen. */
function CancelFileDialog({
  file,
  onClose,
  onCancelled,
}: {
  file: DdFileDto & { id: number };
  onClose: () => void;
  onCancelled: () => void;
}) {
  const cancel = useApiMutation('dd:cancel-file');
  const form = useZodForm(cancelSchema, { reason: '' });
  const [error, setError] = useState<string | null>(null);
  const submit = form.handleSubmit(async (v) => {
    setError(null);
    try {
      await cancel.run({ id: file.id, reason: v.reason });
      onCancelled();
    } catch (err) {
      setError(applyServerProblems<CancelForm>(form, err, ['reason']) ?? errorMessage(err));
    }
  });
  return (
    <FormDialog
      title={`Cancel ${file.messageId}?`}
      testId="dd-cancel-dialog"
      partsTestId="dd-cancel"
      submitTestId="dd-cancel-confirm"
      submitLabel="Cancel file"
      cancelLabel="Keep it"
      submitDisabled={form.watch('reason').trim() === ''}
      onClose={onClose}
      onSubmit={submit}
      busy={cancel.busy}
      error={error}
    >
      <Typography variant="body2">
        Its {formatCount(file.count)} payments are reversed and the bills reopen. Only a file that was never
        sent can be cancelled.
      </Typography>
      <TextField
        fullWidth
        size="small"
        label="Reason"
        {...fieldProps<CancelForm>(form, 'reason')}
        slotProps={{ htmlInput: { 'data-testid': 'dd-cancel-reason', maxLength: 500 } }}
      />
    </FormDialog>
  );
}

/**
 * Direct debit: a run form with a dry-run preview (files, counts, totals, skipped reasons), the run through
 * the confirmation dialog (approvals apply as for collection runs), the outgoing file registry with save,
 * mark-sent and cancel, and a file's items.
 */
export function DirectDebitPanel({ canRun }: { canRun: boolean }) {
  const { money } = useAppInfo();
  const [form, setForm] = useState<RunForm>({
    scheme: 'sepa',
    collectionDate: defaultDate(),
    kind: 'debit',
    creditor: '',
  });
  const [preview, setPreview] = useState<DdRunDto | null>(null);
  const [confirming, setConfirming] = useState<RunInput | null>(null);
  const confirmation = useConfirmation();
  const [openId, setOpenId] = useState<number | null>(null);
  const [cancelling, setCancelling] = useState<(DdFileDto & { id: number }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const filesQuery = useApiQuery('dd:files', { limit: 200 });
  const files = filesQuery.data?.rows ?? [];
  const detailQuery = useApiQuery(
    'dd:show-file',
    { id: openId ?? 0 },
    { enabled: openId !== null, keepPrevious: true },
  );
  const detail = openId === null ? null : (detailQuery.data ?? null);
  const markSent = useApiMutation('dd:mark-sent');
  const shownError = error ?? filesQuery.error ?? detailQuery.error;

  const dryRun = async () => {
    setError(null);
    setNotice(null);
    try {
      setPreview(await call('dd:run', { ...inputOf(form), dryRun: true }));
    } catch (err) {
      setPreview(null);
      setError(errorMessage(err));
    }
  };
  const action = async (what: 'save' | 'sent' | 'cancel', f: DdFileDto) => {
    if (f.id === null) return;
    const id = f.id;
    setError(null);
    setNotice(null);
    if (what === 'cancel') {
      setCancelling({ ...f, id });
      return;
    }
    try {
      if (what === 'save') {
        const t = await call('dd:file-text', { id });
        download(t.name, 'application/octet-stream', t.text);
        setNotice(`${t.name} regenerated (sha256 ${t.sha256.slice(0, 12)}… matches the registry)`);
      } else {
        // The mutation refreshes the registry and the open file.
        await markSent.run({ id });
        setNotice(`${f.messageId} marked sent`);
      }
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const skipped = Object.entries(preview?.skipped ?? {});

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="dd-panel">
      <Paper
        variant="outlined"
        sx={{ p: 2, display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}
      >
        <TextField
          select
          size="small"
          label="Scheme"
          value={form.scheme}
          onChange={(e) => setForm({ ...form, scheme: e.target.value as DdScheme })}
          sx={{ width: 120 }}
          slotProps={{ htmlInput: { 'data-testid': 'dd-scheme' } }}
        >
          <MenuItem value="sepa">SEPA</MenuItem>
          <MenuItem value="ach">ACH</MenuItem>
        </TextField>
        <TextField
          size="small"
          type="date"
          label="Collection date"
          value={form.collectionDate}
          onChange={(e) => setForm({ ...form, collectionDate: e.target.value })}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'dd-date' } }}
        />
        <TextField
          select
          size="small"
          label="Kind"
          value={form.kind}
          onChange={(e) => setForm({ ...form, kind: e.target.value as RunForm['kind'] })}
          sx={{ width: 170 }}
        >
          <MenuItem value="debit">Collect (debits)</MenuItem>
          <MenuItem value="credit">Refund credits out</MenuItem>
        </TextField>
        <TextField
          size="small"
          label="Creditor (all)"
          value={form.creditor}
          onChange={(e) => setForm({ ...form, creditor: e.target.value })}
          sx={{ width: 150 }}
          slotProps={{ htmlInput: { 'data-testid': 'dd-creditor' } }}
        />
        <Button variant="outlined" onClick={() => void dryRun()} data-testid="dd-preview">
          Preview
        </Button>
        <Button
          variant="contained"
          disabled={!canRun}
          onClick={() => {
            const input = inputOf(form);
            setError(null);
            setConfirming(input);
            confirmation.prepare('dd:run', input);
          }}
          data-testid="dd-run"
        >
          Run…
        </Button>
      </Paper>
      {shownError && (
        <Alert severity="error" onClose={() => setError(null)} data-testid="dd-error">
          {shownError}
        </Alert>
      )}
      {notice && (
        <Alert severity="success" onClose={() => setNotice(null)} data-testid="dd-notice">
          {notice}
        </Alert>
      )}
      {preview && (
        <Paper variant="outlined" sx={{ p: 2 }} data-testid="dd-preview-result">
          <Typography variant="subtitle2" gutterBottom>
            Dry run: {preview.files.length} file{preview.files.length === 1 ? '' : 's'},{' '}
            {formatCount(preview.files.reduce((s, f) => s + f.count, 0))} transactions — nothing posted or
            written
          </Typography>
          {preview.files.length > 0 && (
            <FilesTable files={preview.files} canRun={false} testId="dd-preview-files" />
          )}
          {skipped.length > 0 && (
            <Box sx={{ mt: 1, display: 'flex', gap: 1, flexWrap: 'wrap' }} data-testid="dd-skipped">
              <Typography variant="body2" color="text.secondary">
                Skipped:
              </Typography>
              {skipped.map(([why, n]) => (
                <Chip key={why} size="small" variant="outlined" label={`${why}: ${formatCount(n)}`} />
              ))}
            </Box>
          )}
        </Paper>
      )}
      <Paper variant="outlined" sx={{ p: 2 }}>
        <Typography variant="subtitle2" gutterBottom>
          Bank files
        </Typography>
        {filesQuery.loading ? null : files.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            No files yet.
          </Typography>
        ) : (
          <FilesTable
            files={files}
            canRun={canRun}
            onOpen={setOpenId}
            onAction={(a, f) => void action(a, f)}
            testId="dd-files"
          />
        )}
      </Paper>
      {detail && (
        <Paper variant="outlined" sx={{ p: 2 }} data-testid="dd-file-detail">
          <Typography variant="subtitle2" gutterBottom>
            {detail.messageId} · {detail.format} · {formatCount(detail.count)} items ·{' '}
            {money(detail.totalMinor, detail.currency, true)}
          </Typography>
          <Table size="small" data-testid="dd-items">
            <TableHead>
              <TableRow>
                <TableCell>#</TableCell>
                <TableCell>Account</TableCell>
                <TableCell>Bill</TableCell>
                <TableCell>Debtor</TableCell>
                <TableCell>Mandate</TableCell>
                <TableCell>Seq</TableCell>
                <TableCell>End-to-end / trace</TableCell>
                <TableCell align="right">Amount</TableCell>
                <TableCell>Status</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {detail.items.slice(0, 200).map((i) => (
                <TableRow key={i.seq}>
                  <TableCell>{i.seq}</TableCell>
                  <TableCell>{i.accountNo}</TableCell>
                  <TableCell>{i.billNo ?? ''}</TableCell>
                  <TableCell>{i.debtorName}</TableCell>
                  <TableCell>{i.mandateReference ?? ''}</TableCell>
                  <TableCell>{i.seqType ?? ''}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{i.traceNumber ?? i.endToEndId}</TableCell>
                  <TableCell align="right">{money(i.amountMinor, i.currency, true)}</TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      label={i.status}
                      color={i.status === 'sent' ? 'success' : i.status === 'returned' ? 'error' : 'default'}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Paper>
      )}
      {confirming && (
        <DdConfirmDialog
          input={confirming}
          prepared={confirmation.prepared}
          onClose={() => {
            setConfirming(null);
            confirmation.clear();
          }}
          onDone={(r) => {
            setConfirming(null);
            confirmation.clear();
            setPreview(null);
            setNotice(
              `${r.files.length} file${r.files.length === 1 ? '' : 's'} written, ${formatCount(r.payments)} payments posted`,
            );
            filesQuery.refetch();
            const first = r.files[0]?.id;
            if (first) setOpenId(first);
          }}
        />
      )}
      {cancelling && (
        <CancelFileDialog
          file={cancelling}
          onClose={() => setCancelling(null)}
          onCancelled={() => {
            setNotice(`${cancelling.messageId} cancelled: its payments are reversed and the bills reopen`);
            setCancelling(null);
            setOpenId(cancelling.id);
          }}
        />
      )}
    </Box>
  );
}
