import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
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
import { apiQueryKey, putAnswer, useApiQuery } from '../../components/query';
import { AllocatePaymentDialog } from '../allocation';
import type { EntryCustomFilter } from './CustomFieldFilter';
import { DuplicatePanel } from './DuplicatePanel';
import { EntriesGrid, type EntriesGridHandle } from './EntriesGrid';
import { ENTRY_STATUSES, entryStatusLabel, isEditable } from './labels';
import { HeaderDialog } from './HeaderDialog';
import { ReportDialog } from './ReportDialog';
import { UndoBatchDialog } from './UndoBatchDialog';
import { SubmitDialog } from './SubmitDialog';
import { SuspendDialog } from './SuspendDialog';
import { useSerialQueue } from './use-serial-queue';
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
import { BatchHeader } from './BatchHeader';
import { BatchActions } from './BatchActions';
import { BatchNotices, type Notice } from './BatchNotices';
import { StatusChips } from './StatusChips';
import { submitBlocker } from './batch-rules';
import { useHeaderCollapsed } from './use-desk-prefs';

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
  const [statusFilter, setStatusFilter] = useState<readonly EntryStatusDto[]>([]);
  const [customFilter, setCustomFilter] = useState<EntryCustomFilter | null>(null);
  const [focused, setFocused] = useState<BatchEntryDto | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [dialog, setDialog] = useState<
    'suspend' | 'submit' | 'discard' | 'allocate' | 'header' | 'report' | 'undo' | null
  >(null);
  const progress = useJobProgress();
  const [headerCollapsed, setHeaderCollapsed] = useHeaderCollapsed(login);
  // The batch through the shared cache: a ledger change refreshes it (entries keep their own load in the grid,
  // so unsaved edits never depend on this read); an action's answer is put in the cache as it comes.
  const queryClient = useQueryClient();
  const batchInput = useMemo(() => ({ batchId }), [batchId]);
  const batchQuery = useApiQuery('batches:get', batchInput);
  const batch = batchQuery.data ?? null;
  const loadError = batchQuery.error;
  const setBatch = useCallback(
    (b: BatchDto) => void putAnswer(queryClient, apiQueryKey('batches:get', batchInput), b),
    [queryClient, batchInput],
  );
  const parentId = batch?.parentBatchId ?? null;
  const parent = useApiQuery('batches:get', { batchId: parentId ?? 0 }, { enabled: parentId !== null });
  const parentNo = parentId !== null ? (parent.data?.batchNo ?? null) : null;

  /** Reads the batch again now (figures the next step depends on); null when the read failed. */
  const refresh = useCallback(async () => {
    try {
      return await queryClient.fetchQuery({
        queryKey: apiQueryKey('batches:get', batchInput),
        queryFn: () => call('batches:get', batchInput),
      });
    } catch {
      // The failure is the query's error now, shown where the batch would be.
      return null;
    }
  }, [queryClient, batchInput]);

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
  return (
    <Box
      sx={{
        display: 'flex',
        flexDirection: 'column',
        height: '100%',
        minHeight: 0,
        p: headerCollapsed ? 1 : 2,
        gap: headerCollapsed ? 0.75 : 1.5,
      }}
      data-testid="batch-workspace"
      data-batch-id={batch.id}
      data-batch-no={batch.batchNo}
      data-status={batch.status}
    >
      <BatchHeader
        batch={batch}
        parentNo={parentNo}
        busy={busy !== null}
        onOpenBatch={onOpenBatch}
        onEditHeader={() => setDialog('header')}
        collapsed={headerCollapsed}
        onCollapse={setHeaderCollapsed}
      />
      <BatchActions
        batch={batch}
        focused={focused}
        editable={editable}
        busy={busy}
        canAllocate={canAllocate}
        canSuspend={canSuspend}
        canRelease={canRelease}
        exceptionCount={exceptionCount}
        blocker={blocker}
        onValidate={() => void validate()}
        onAllocate={() => setDialog('allocate')}
        onSuspend={() => setDialog('suspend')}
        onRelease={() => void release()}
        onException={() => void exception()}
        onSubmit={() => void openSubmit()}
        onReport={() => setDialog('report')}
        onUndo={
          batch.status === 'submitted' &&
          batch.batchType === 'payment' &&
          (roles.includes('supervisor') || roles.includes('admin'))
            ? () => setDialog('undo')
            : undefined
        }
        onExport={() => void exportFile()}
        onDiscard={() => setDialog('discard')}
        dense={headerCollapsed}
      />
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
      <BatchNotices notice={notice} batch={batch} onClose={() => setNotice(null)} onOpenBatch={onOpenBatch} />
      <StatusChips
        batch={batch}
        statusFilter={statusFilter}
        setStatusFilter={setStatusFilter}
        customFilter={customFilter}
        setCustomFilter={setCustomFilter}
      />

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
