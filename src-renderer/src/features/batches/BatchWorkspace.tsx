import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Link from '@mui/material/Link';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import CallSplitIcon from '@mui/icons-material/CallSplit';
import DeleteForeverIcon from '@mui/icons-material/DeleteForever';
import DownloadIcon from '@mui/icons-material/Download';
import FactCheckIcon from '@mui/icons-material/FactCheck';
import PauseCircleOutlineIcon from '@mui/icons-material/PauseCircleOutlined';
import PlayCircleOutlineIcon from '@mui/icons-material/PlayCircleOutlined';
import SendIcon from '@mui/icons-material/Send';
import AccountTreeIcon from '@mui/icons-material/AccountTree';
import AssessmentIcon from '@mui/icons-material/Assessment';
import EditNoteIcon from '@mui/icons-material/EditNote';
import UndoIcon from '@mui/icons-material/Undo';
import {
  isPostedEntry,
  type BatchDto,
  type BatchEntryDto,
  type BatchSubmitDto,
  type EntryStatusDto,
} from '../../../../src-shared/dto/batches';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { useJobProgress } from '../../app/use-job-progress';
import { CancelJobButton, isCancelledError } from '../../app/CancelJobButton';
import { formatCount } from '../../components/format';
import { AllocatePaymentDialog } from '../allocation';
import { CustomFieldFilter, type EntryCustomFilter } from './CustomFieldFilter';
import { DuplicatePanel } from './DuplicatePanel';
import { EntriesGrid, type EntriesGridHandle } from './EntriesGrid';
import {
  batchStatusLabel,
  batchStatusTone,
  batchTypeLabel,
  ENTRY_STATUSES,
  entryStatusLabel,
  entryStatusTone,
  isEditable,
  payTypeLabel,
} from './labels';
import { StatusPill } from './StatusPill';
import { HeaderDialog } from './HeaderDialog';
import { ReportDialog } from './ReportDialog';
import { UndoBatchDialog } from './UndoBatchDialog';
import { SubmitDialog } from './SubmitDialog';
import { SuspendDialog } from './SuspendDialog';
import { useSerialQueue } from './use-serial-queue';
import { zeroProofProblem, ZeroProofBar } from './ZeroProofBar';
import { download } from '../../components/download';
import { useShortcuts, type Shortcut } from '../../components/shortcuts';

/** The open batch's keys for the shortcut sheet (handled below and by the entries grid). */
const BATCH_SHORTCUTS: readonly Shortcut[] = [
  { keys: 'F7', label: 'Validate the batch' },
  { keys: 'F6', label: 'Allocate the focused entry' },
  { keys: 'F8', label: 'Suspend the focused entry' },
  { keys: 'Shift+F8', label: 'Release the focused entry from suspense' },
  { keys: 'F9', label: 'Split off the exception batch' },
  { keys: 'F4', label: 'Submit the batch' },
  { keys: 'Ctrl+Shift+E', label: 'Export the hand-over file' },
  { keys: 'Ctrl+Enter', label: 'New entry' },
  { keys: 'Ctrl+D', label: 'Copy the value from the entry above (in the grid)' },
  { keys: 'Ctrl+Z', label: 'Undo the last change (in the grid)' },
  { keys: 'Delete', label: 'Delete the focused entry (in the grid)' },
];

/** A header figure: label above value. */
function Fact({
  label,
  children,
  testId,
  span = 1,
}: {
  label: string;
  children: ReactNode;
  testId?: string;
  span?: number;
}) {
  return (
    <Box sx={{ minWidth: 0, gridColumn: `span ${span}` }}>
      <Typography variant="overline" color="textSecondary" component="div" sx={{ lineHeight: 1.4 }}>
        {label}
      </Typography>
      <Typography
        variant="body2"
        component="div"
        data-testid={testId}
        noWrap
        sx={{ fontVariantNumeric: 'tabular-nums' }}
      >
        {children}
      </Typography>
    </Box>
  );
}

/** An outcome or refusal shown above the grid until the clerk closes it or does something else. */
type Notice =
  | { kind: 'error'; text: string; rule?: string | undefined }
  | { kind: 'validated'; text: string }
  | { kind: 'cancelled'; text: string }
  | { kind: 'exception'; moved: number; batch: BatchDto }
  | { kind: 'submitted'; result: BatchSubmitDto };

/** Why the batch cannot be submitted now, or null when it can. */
function submitBlocker(
  batch: BatchDto,
  money: (minor: number, currency: string, withCode?: boolean) => string,
  supervisor: boolean,
): string | null {
  if (batch.status === 'submitted') return 'The batch is submitted.';
  if (batch.status === 'discarded') return 'The batch was discarded.';
  if (batch.zeroProof.enteredCount === 0) return 'The batch has no entries.';
  if (batch.status !== 'validated')
    return 'Validate the batch first (F7): it changed since it was last validated.';
  const z = zeroProofProblem(batch, money);
  // With zeroProof.override on, a supervisor submits differing figures with a reason (asked in the dialog).
  if (z && !(batch.zeroProof.overrideAllowed && supervisor))
    return `${z}. Key the missing entries or correct the amounts.`;
  const blocking =
    (batch.countsByStatus.new ?? 0) +
    (batch.countsByStatus.invalid ?? 0) +
    (batch.countsByStatus.allocation_required ?? 0);
  if (blocking > 0)
    return `${formatCount(blocking)} ${blocking === 1 ? 'entry is' : 'entries are'} invalid or need allocation: fix them or move them to an exception batch (F9).`;
  return null;
}

/** A service timestamp in the clerk's local time, ISO-like ("2026-11-22 14:05"), or a dash. */
function localTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * One batch: its header, the zero-proof bar, status chips that filter the grid, the entries grid and the batch
 * actions (validate, suspend or release an entry, exception batch, submit, export, discard).
 */
export function BatchWorkspace({
  batchId,
  login,
  active,
  startKeying,
  onChanged,
  onOpenBatch,
}: {
  batchId: number;
  login: string;
  active: boolean;
  startKeying: boolean;
  onChanged: (batch?: BatchDto) => void;
  onOpenBatch: (id: number) => void;
}) {
  const { money, info } = useAppInfo();
  const queue = useSerialQueue();
  const grid = useRef<EntriesGridHandle>(null);
  const [batch, setBatch] = useState<BatchDto | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [statusFilter, setStatusFilter] = useState<readonly EntryStatusDto[]>([]);
  const [customFilter, setCustomFilter] = useState<EntryCustomFilter | null>(null);
  const [focused, setFocused] = useState<BatchEntryDto | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [dialog, setDialog] = useState<
    'suspend' | 'submit' | 'discard' | 'allocate' | 'header' | 'report' | 'undo' | null
  >(null);
  const progress = useJobProgress();
  const [parentNo, setParentNo] = useState<string | null>(null);
  const parentId = batch?.parentBatchId ?? null;

  useEffect(() => {
    if (parentId === null) return;
    let live = true;
    call('batches:get', { batchId: parentId }).then(
      (p) => live && setParentNo(p.batchNo),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [parentId]);

  const refresh = useCallback(async () => {
    try {
      const b = await call('batches:get', { batchId });
      setBatch(b);
      setLoadError(null);
      return b;
    } catch (err) {
      setLoadError(errorMessage(err));
      return null;
    }
  }, [batchId]);

  useEffect(() => {
    let live = true;
    call('batches:get', { batchId }).then(
      (b) => live && setBatch(b),
      (err: unknown) => live && setLoadError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [batchId]);

  // Header figures follow every save, but a burst of cell edits asks for them once.
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onSaved = useCallback(() => {
    clearTimeout(refreshTimer.current);
    refreshTimer.current = setTimeout(() => {
      void refresh().then((b) => b && onChanged(b));
    }, 60);
  }, [refresh, onChanged]);
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  const showError = (err: unknown) => {
    if (isCancelledError(err)) {
      // A cancelled validate or submit: say what stayed, and show the batch as the ledger now has it.
      setNotice({ kind: 'cancelled', text: errorMessage(err) });
      void refresh().then((b) => b && onChanged(b));
      return;
    }
    setNotice({
      kind: 'error',
      text: errorMessage(err),
      rule: err instanceof ApiCallError && err.error.code === 'conflict' ? err.error.rule : undefined,
    });
  };

  /** Runs a batch action after pending saves, with the busy state on and errors shown where they can be acted on. */
  const act = async (name: string, action: () => Promise<void>) => {
    if (busy) return;
    setBusy(name);
    setNotice(null);
    try {
      await grid.current?.flush();
      await grid.current?.dropBlankDraft();
      await action();
    } catch (err) {
      showError(err);
    } finally {
      setBusy(null);
    }
  };

  const validate = () =>
    act('Validating', async () => {
      const r = await queue.run(() => call('batches:validate', { batchId }));
      setBatch(r.batch);
      grid.current?.reload();
      onChanged(r.batch);
      const counts = ENTRY_STATUSES.filter((s) => (r.batch.countsByStatus[s] ?? 0) > 0)
        .map((s) => `${formatCount(r.batch.countsByStatus[s] ?? 0)} ${entryStatusLabel(s).toLowerCase()}`)
        .join(', ');
      setNotice({ kind: 'validated', text: `Validated in ${r.elapsedMs} ms: ${counts || 'no entries'}.` });
    });

  const release = () =>
    act('Releasing', async () => {
      if (!focused) return;
      const entry = await queue.run(() =>
        call('batches:suspend-entry', { batchId, entryId: focused.id, reasonCode: null }),
      );
      grid.current?.updateEntry(entry);
      setFocused(entry);
      const b = await refresh();
      if (b) onChanged(b);
    });

  const exception = () =>
    act('Moving entries', async () => {
      const r = await queue.run(() => call('batches:exception', { batchId }));
      setStatusFilter([]);
      grid.current?.reload();
      await refresh();
      onChanged();
      setNotice({ kind: 'exception', moved: r.moved, batch: r.exception });
    });

  const exportFile = () =>
    act('Exporting', async () => {
      const doc = await call('batches:export', { batchId });
      download(`${doc.batch.batchNo}.pmt.json`, 'application/json', JSON.stringify(doc, null, 2));
    });

  const discard = () =>
    act('Discarding', async () => {
      setDialog(null);
      const b = await queue.run(() => call('batches:discard', { batchId }));
      setBatch(b);
      grid.current?.reload();
      onChanged(b);
    });

  const afterSubmit = (result: BatchSubmitDto) => {
    setDialog(null);
    setBatch(result.batch);
    setStatusFilter([]);
    grid.current?.reload();
    onChanged();
    setNotice({ kind: 'submitted', result });
  };

  // A refused submit may have stored new verdicts (the ledger moved on): show them once the dialog closes.
  const closeSubmit = () => {
    closeDialog();
    void refresh();
    grid.current?.reload();
    onChanged();
  };

  const openSubmit = () =>
    act('Preparing submit', async () => {
      const b = await refresh();
      if (b) setDialog('submit');
    });

  const editable = batch !== null && isEditable(batch);
  const canSuspend =
    editable &&
    batch.batchType === 'payment' &&
    focused !== null &&
    !isPostedEntry(focused.status) &&
    !focused.manualSuspend &&
    focused.amountMinor !== null &&
    focused.amountMinor > 0;
  const canRelease = editable && focused !== null && focused.manualSuspend && !isPostedEntry(focused.status);
  // Any entry validation could resolve to an account may be allocated by hand before submit (V5, V8).
  const canAllocate =
    editable &&
    batch.batchType === 'payment' &&
    focused !== null &&
    ['valid', 'allocation_required', 'allocation_suggested'].includes(focused.status);
  const exceptionCount = batch
    ? (batch.countsByStatus.invalid ?? 0) +
      (batch.countsByStatus.allocation_required ?? 0) +
      (batch.countsByStatus.duplicate_suspected ?? 0)
    : 0;
  const roles = info?.operator.roles ?? [];
  const blocker = batch
    ? submitBlocker(batch, money, roles.includes('supervisor') || roles.includes('admin'))
    : null;

  // Batch shortcuts: F7 validate, F6 allocate, F8 suspend, Shift+F8 release, F9 exception batch, F4 submit,
  // Ctrl+Shift+E export.
  const shortcuts = useRef<(e: KeyboardEvent) => void>(() => {});
  useEffect(() => {
    shortcuts.current = (e: KeyboardEvent) => {
      if (dialog || busy) return;
      const plain = !e.ctrlKey && !e.metaKey && !e.altKey;
      if (e.key === 'F7' && plain && !e.shiftKey && editable) void validate();
      else if (e.key === 'F8' && plain && !e.shiftKey && canSuspend) setDialog('suspend');
      else if (e.key === 'F8' && plain && e.shiftKey && canRelease) void release();
      else if (e.key === 'F6' && plain && !e.shiftKey && canAllocate) setDialog('allocate');
      else if (e.key === 'F9' && plain && !e.shiftKey && editable && exceptionCount > 0) void exception();
      else if (e.key === 'F4' && plain && !e.shiftKey && editable && !blocker) void openSubmit();
      else if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'e') void exportFile();
      else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key === 'Enter' && editable) {
        // Inside the grid, the grid handles Ctrl+Enter itself.
        if ((e.target as HTMLElement | null)?.closest?.('[data-testid="entries-grid"]')) return;
        grid.current?.appendEntry();
      } else return;
      e.preventDefault();
    };
  });
  useShortcuts('Batches', BATCH_SHORTCUTS, active);
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => shortcuts.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active]);

  const closeDialog = () => {
    setDialog(null);
    setTimeout(() => grid.current?.focus(), 0);
  };

  if (loadError && !batch)
    return (
      <Alert severity="error" sx={{ m: 2 }}>
        {loadError}
      </Alert>
    );
  if (!batch) return <LinearProgress sx={{ height: 2 }} aria-label="Loading batch" />;

  const job =
    progress && (progress.kind === 'batch-validate' || progress.kind === 'batch-submit') ? progress : null;
  const chipStatuses = ENTRY_STATUSES.filter(
    (s) => (batch.countsByStatus[s] ?? 0) > 0 || statusFilter.includes(s),
  );
  const toggleStatus = (s: EntryStatusDto) =>
    setStatusFilter((f) => (f.includes(s) ? f.filter((x) => x !== s) : [...f, s]));

  return (
    <Box
      sx={{ display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0, p: 2, gap: 1.5 }}
      data-testid="batch-workspace"
      data-batch-id={batch.id}
      data-batch-no={batch.batchNo}
      data-status={batch.status}
    >
      <Paper
        variant="outlined"
        sx={{ p: 2, display: 'flex', flexDirection: 'column', gap: 1.5 }}
        data-testid="batch-header"
      >
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, flexWrap: 'wrap' }}>
          <Typography variant="h6" component="h1" sx={{ fontFamily: 'monospace' }} data-testid="batch-no">
            {batch.batchNo}
          </Typography>
          <StatusPill
            label={batchStatusLabel(batch.status)}
            tone={batchStatusTone(batch.status)}
            testId="batch-status"
          />
          <Typography variant="body2" color="textSecondary">
            {batchTypeLabel(batch.batchType)} batch · {payTypeLabel(batch.payType)} · {batch.currency}
          </Typography>
          {batch.parentBatchId !== null && (
            <Link
              component="button"
              variant="body2"
              onClick={() => onOpenBatch(batch.parentBatchId as number)}
              data-testid="parent-batch-link"
            >
              Exception batch of {parentNo ?? `#${batch.parentBatchId}`}
            </Link>
          )}
          <Button
            size="small"
            startIcon={<EditNoteIcon />}
            onClick={() => setDialog('header')}
            disabled={batch.status === 'discarded' || busy !== null}
            title="Edit the note, lockbox number and control figures"
            sx={{ ml: 'auto' }}
            data-testid="edit-header"
          >
            Edit header
          </Button>
        </Box>
        <Box
          sx={{
            display: 'grid',
            gridTemplateColumns: 'repeat(auto-fill, minmax(118px, 1fr))',
            gap: 1.5,
          }}
        >
          <Fact label="Batch date" testId="batch-date">
            {batch.batchDate}
          </Fact>
          <Fact label="Channel">{batch.channelId === 0 ? '0 · unspecified' : batch.channelId}</Fact>
          <Fact label="Allocation">{batch.allocationLevel === 'bill' ? 'Bill level' : 'Item level'}</Fact>
          <Fact label="Lockbox no">{batch.lockboxNo ?? '—'}</Fact>
          <Fact label="Control count" testId="batch-control-count">
            {batch.controlCount === null ? '—' : formatCount(batch.controlCount)}
          </Fact>
          <Fact label="Control total" testId="batch-control-total">
            {batch.controlTotalMinor === null ? '—' : money(batch.controlTotalMinor, batch.currency)}
          </Fact>
          <Fact label="Validated" testId="batch-validated-at">
            {localTime(batch.validatedAt)}
          </Fact>
          <Fact label="Note" span={2} testId="batch-note">
            <span title={batch.note ?? undefined}>{batch.note ?? '—'}</span>
          </Fact>
        </Box>
        <ZeroProofBar batch={batch} />
      </Paper>

      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
        <Button
          variant="contained"
          startIcon={<FactCheckIcon />}
          onClick={() => void validate()}
          disabled={!editable || busy !== null}
          title="Validate every entry (F7)"
          data-testid="validate"
        >
          Validate
        </Button>
        {batch.batchType === 'payment' && (
          <Button
            startIcon={<AccountTreeIcon />}
            onClick={() => setDialog('allocate')}
            disabled={!canAllocate || busy !== null}
            title="Allocate the focused entry to bills or items by hand (F6)"
            data-testid="allocate-entry"
          >
            Allocate
          </Button>
        )}
        {batch.batchType === 'payment' && (
          <Button
            startIcon={<PauseCircleOutlineIcon />}
            onClick={() => setDialog('suspend')}
            disabled={!canSuspend || busy !== null}
            title="Suspend the focused entry with a reason code (F8)"
            data-testid="suspend-entry"
          >
            Suspend
          </Button>
        )}
        {batch.batchType === 'payment' && (
          <Button
            onClick={() => {
              if (focused) window.location.hash = `#/suspense/entry:${batchId}:${focused.id}`;
            }}
            disabled={focused?.status !== 'to_be_suspended' || !editable}
            title="Look the focused entry up in Payment Center, correct it there and come back to validate"
            data-testid="entry-to-payment-center"
          >
            Payment Center
          </Button>
        )}
        {batch.batchType === 'payment' && (
          <Button
            startIcon={<PlayCircleOutlineIcon />}
            onClick={() => void release()}
            disabled={!canRelease || busy !== null}
            title="Release the focused entry from manual suspense (Shift+F8)"
            data-testid="release-entry"
          >
            Release
          </Button>
        )}
        <Button
          startIcon={<CallSplitIcon />}
          onClick={() => void exception()}
          disabled={!editable || exceptionCount === 0 || busy !== null}
          title="Move invalid, allocation-required and suspected-duplicate entries to a new linked batch (F9)"
          data-testid="exception-batch"
        >
          Exception batch{exceptionCount > 0 ? ` (${formatCount(exceptionCount)})` : ''}
        </Button>
        <Button
          variant="contained"
          color="success"
          startIcon={<SendIcon />}
          onClick={() => void openSubmit()}
          disabled={blocker !== null || busy !== null}
          title="Submit the batch to the ledger (F4)"
          data-testid="submit-batch"
        >
          Submit
        </Button>
        <Box sx={{ ml: 'auto', display: 'flex', gap: 1 }}>
          <Button
            startIcon={<AssessmentIcon />}
            onClick={() => setDialog('report')}
            disabled={busy !== null}
            title="Batch report: counts and totals per status, suspended list, exceptions (CSV, PDF)"
            data-testid="batch-report"
          >
            Report
          </Button>
          {batch.status === 'submitted' &&
            batch.batchType === 'payment' &&
            (roles.includes('supervisor') || roles.includes('admin')) && (
              <Button
                startIcon={<UndoIcon />}
                onClick={() => setDialog('undo')}
                disabled={busy !== null}
                title="Reverse every payment of this batch through a reversal batch, under the approval rules"
                data-testid="undo-batch"
              >
                Undo batch…
              </Button>
            )}
          <Button
            startIcon={<DownloadIcon />}
            onClick={() => void exportFile()}
            disabled={busy !== null}
            title="Download the hand-over file to continue elsewhere (Ctrl+Shift+E)"
            data-testid="export-batch"
          >
            Export
          </Button>
          <Button
            color="error"
            startIcon={<DeleteForeverIcon />}
            onClick={() => setDialog('discard')}
            disabled={!editable || busy !== null}
            data-testid="discard-batch"
          >
            Discard
          </Button>
        </Box>
      </Box>
      {blocker && editable && (
        <Typography
          variant="body2"
          color="textSecondary"
          sx={{ mt: -0.5 }}
          data-testid="submit-blocked-reason"
        >
          Submit is not possible yet: {blocker}
        </Typography>
      )}
      {editable && focused?.status === 'allocation_required' && (
        <Alert severity="warning" sx={{ py: 0 }} data-testid="allocation-status" data-kind="required">
          Payment allocation required for entry #{focused.seq}: allocate it (F6) before submit, or move it to
          an exception batch (F9).
        </Alert>
      )}
      <DuplicatePanel
        batchId={batchId}
        entry={focused}
        editable={editable}
        supervisor={roles.includes('supervisor') || roles.includes('admin')}
        onReleased={(entry) =>
          void act('Releasing', async () => {
            grid.current?.updateEntry(entry);
            setFocused(entry);
            const b = await refresh();
            if (b) onChanged(b);
          })
        }
      />
      {editable && focused?.status === 'allocation_suggested' && (
        <Alert severity="info" sx={{ py: 0 }} data-testid="allocation-status" data-kind="suggested">
          Allocation suggested for entry #{focused.seq}: it posts as planned by policy; allocate by hand (F6)
          to change it.
        </Alert>
      )}
      {busy && (
        <Box data-testid="batch-busy">
          <LinearProgress
            variant={job && job.total > 0 ? 'determinate' : 'indeterminate'}
            value={job && job.total > 0 ? (100 * job.done) / job.total : 0}
            sx={{ height: 3 }}
          />
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, mt: 0.5 }}>
            <Typography variant="caption" color="textSecondary">
              {busy}…
              {job && job.total > 0
                ? ` ${formatCount(job.done)} of ${formatCount(job.total)} entries, ${formatCount(Math.round(job.ratePerSec))}/s`
                : ''}
            </Typography>
            <CancelJobButton
              job={job}
              onRefused={(text) => setNotice({ kind: 'error', text })}
              testId="batch-job-cancel"
            />
          </Box>
        </Box>
      )}
      {notice?.kind === 'cancelled' && (
        <Alert severity="info" onClose={() => setNotice(null)} data-testid="batch-cancelled">
          {notice.text}
        </Alert>
      )}
      {notice?.kind === 'error' && (
        <Alert
          severity="error"
          onClose={() => setNotice(null)}
          data-testid="batch-error"
          data-rule={notice.rule ?? ''}
        >
          {notice.text}
        </Alert>
      )}
      {notice?.kind === 'validated' && (
        <Alert severity="info" onClose={() => setNotice(null)} data-testid="validate-result">
          {notice.text}
        </Alert>
      )}
      {notice?.kind === 'exception' && (
        <Alert severity="success" onClose={() => setNotice(null)} data-testid="exception-result">
          Moved {formatCount(notice.moved)} {notice.moved === 1 ? 'entry' : 'entries'} to exception batch{' '}
          <Link
            component="button"
            onClick={() => onOpenBatch(notice.batch.id)}
            sx={{ fontFamily: 'monospace', verticalAlign: 'baseline' }}
            data-testid="exception-link"
          >
            {notice.batch.batchNo}
          </Link>
          . This batch keeps its control figures and its zero proof counts what moved; the exception batch
          carries what the slip leaves for it. Validate again before submitting.
        </Alert>
      )}
      {notice?.kind === 'submitted' && (
        <Alert severity="success" onClose={() => setNotice(null)} data-testid="submit-result">
          Submitted in {notice.result.elapsedMs} ms:{' '}
          {batch.batchType === 'refund' ? (
            <>
              <span data-testid="submit-refunded">{formatCount(notice.result.refunded)} refunded</span> (
              {money(notice.result.refundedMinor, batch.currency, true)})
            </>
          ) : (
            <>
              <span data-testid="submit-posted">{formatCount(notice.result.posted)} posted</span> (
              {money(notice.result.postedMinor, batch.currency, true)}),{' '}
              <span data-testid="submit-suspended">{formatCount(notice.result.suspended)} suspended</span> (
              {money(notice.result.suspendedMinor, batch.currency, true)})
            </>
          )}
          {notice.result.reversed > 0 && (
            <>
              , <span data-testid="submit-reversed">{formatCount(notice.result.reversed)} reversed</span>
            </>
          )}
          {notice.result.alreadyPosted > 0 &&
            `, ${formatCount(notice.result.alreadyPosted)} were already posted`}
          .
        </Alert>
      )}
      {notice?.kind === 'submitted' && notice.result.duplicates > 0 && (
        <Alert severity="warning" data-testid="submit-duplicates">
          {formatCount(notice.result.duplicates)}{' '}
          {notice.result.duplicates === 1 ? 'suspected duplicate was' : 'suspected duplicates were'} not
          posted and stay in the batch: a supervisor may release them, or move them to an exception batch.
        </Alert>
      )}
      {notice?.kind === 'submitted' && notice.result.failed.length > 0 && (
        <Alert severity="warning" data-testid="submit-failed">
          {formatCount(notice.result.failed.length)}{' '}
          {notice.result.failed.length === 1 ? 'entry was' : 'entries were'} not posted and stay in the batch
          (marked invalid with the reason): fix them or move them to an exception batch, validate and submit
          again.
          <Box component="ul" sx={{ m: 0, pl: 2 }}>
            {notice.result.failed.slice(0, 5).map((f) => (
              <li key={f.entryId}>
                #{f.seq}: {f.message}
              </li>
            ))}
          </Box>
        </Alert>
      )}

      <Box
        sx={{ display: 'flex', alignItems: 'center', gap: 0.75, flexWrap: 'wrap' }}
        data-testid="status-chips"
      >
        <Typography variant="body2" color="textSecondary" sx={{ mr: 0.5 }}>
          Show
        </Typography>
        <Chip
          size="small"
          label={`All ${formatCount(batch.zeroProof.enteredCount)}`}
          color={statusFilter.length === 0 ? 'primary' : 'default'}
          variant={statusFilter.length === 0 ? 'filled' : 'outlined'}
          onClick={() => setStatusFilter([])}
          aria-pressed={statusFilter.length === 0}
          data-testid="status-chip-all"
        />
        {chipStatuses.map((s) => {
          const on = statusFilter.includes(s);
          const tone = entryStatusTone(s);
          return (
            <Chip
              key={s}
              size="small"
              label={`${entryStatusLabel(s)} ${formatCount(batch.countsByStatus[s] ?? 0)}`}
              color={tone === 'default' ? (on ? 'primary' : 'default') : tone}
              variant={on ? 'filled' : 'outlined'}
              onClick={() => toggleStatus(s)}
              aria-pressed={on}
              data-testid={`status-chip-${s}`}
              data-count={batch.countsByStatus[s] ?? 0}
            />
          );
        })}
        <CustomFieldFilter batch={batch} value={customFilter} onChange={setCustomFilter} />
      </Box>

      <EntriesGrid
        ref={grid}
        batch={batch}
        statusFilter={statusFilter}
        customFilter={customFilter}
        login={login}
        queue={queue}
        startKeying={startKeying}
        onSaved={onSaved}
        onFocusEntry={setFocused}
        onViewReset={() => {
          setStatusFilter([]);
          setCustomFilter(null);
        }}
      />

      {dialog === 'suspend' && focused && (
        <SuspendDialog
          batchId={batch.id}
          currency={batch.currency}
          entry={focused}
          onClose={closeDialog}
          onDone={(entry) => {
            grid.current?.updateEntry(entry);
            setFocused(entry);
            closeDialog();
            void refresh().then((b) => b && onChanged(b));
          }}
        />
      )}
      {dialog === 'allocate' && focused && (
        <AllocatePaymentDialog
          entry={{
            batchId: batch.id,
            entryId: focused.id,
            seq: focused.seq,
            status: focused.status,
            billNo: focused.billNo,
            paymentDate: focused.paymentDate,
            batchDate: batch.batchDate,
          }}
          onClose={closeDialog}
          onEntrySaved={() => {
            closeDialog();
            // The manual lines change the entry's verdict: validate again so the grid shows it.
            void validate();
          }}
        />
      )}
      {dialog === 'header' && (
        <HeaderDialog
          batch={batch}
          onClose={closeDialog}
          onSaved={(b) => {
            setBatch(b);
            onChanged(b);
            closeDialog();
          }}
        />
      )}
      {dialog === 'report' && <ReportDialog batch={batch} onClose={closeDialog} />}
      {dialog === 'undo' && (
        <UndoBatchDialog
          batch={batch}
          onClose={closeDialog}
          onOpenBatch={onOpenBatch}
          onUndone={() => void refresh().then((b) => b && onChanged(b))}
        />
      )}
      {dialog === 'submit' && <SubmitDialog batch={batch} onClose={closeSubmit} onSubmitted={afterSubmit} />}
      {dialog === 'discard' && (
        <Dialog open onClose={closeDialog} data-testid="discard-dialog">
          <DialogTitle>Discard batch {batch.batchNo}?</DialogTitle>
          <DialogContent>
            <Typography variant="body2">
              Nothing of it is posted. Its {formatCount(batch.zeroProof.enteredCount)} entries stay on record
              but the batch can no longer be edited or submitted.
            </Typography>
          </DialogContent>
          <DialogActions>
            <Button onClick={closeDialog}>Keep it</Button>
            <Button
              color="error"
              variant="contained"
              onClick={() => void discard()}
              data-testid="discard-confirm"
            >
              Discard
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </Box>
  );
}
