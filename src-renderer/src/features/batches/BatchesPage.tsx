import { useCallback, useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import ReceiptLongIcon from '@mui/icons-material/ReceiptLong';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import type { CommandOutput } from '../../../../src-shared/api/contract';
import { apiQueryKey, putAnswer, useApiQuery } from '../../components/query';
import { useAppInfo } from '../../app/app-info';
import { BatchList, type BatchListFilter } from './BatchList';
import { BatchWorkspace } from './BatchWorkspace';
import { ImportFileDialog } from './ImportFileDialog';
import { OpenHandOverDialog } from './OpenHandOverDialog';
import { NewBatchDialog } from './NewBatchDialog';
import { isKeyingEvent } from '../../app/keying-zone';
import type { NavigateOptions } from '../../app/use-hash-route';
import { useShortcuts } from '../../components/shortcuts';

/** The newest batches the list holds; older ones are reached through the status filter. */
const LIST_INPUT = { limit: 500 };
const NO_BATCHES: BatchDto[] = [];

const LIST_COLLAPSED_KEY = 'paydesk.batches.list-collapsed';

/** Whether the clerk last hid the batch list. */
function initialCollapsed(): boolean {
  try {
    return window.localStorage.getItem(LIST_COLLAPSED_KEY) === 'true';
  } catch {
    // Storage can be unavailable; the list is shown then.
    return false;
  }
}

/**
 * The Batches area (Payment Tool): the batch list on the left, the open batch on the right. The open batch is
 * the route's (`#/batches/<id>`), so opening one is a history step and a reload keeps it.
 */
export function BatchesPage({
  active = true,
  batchId,
  onOpenBatch,
}: {
  active?: boolean;
  batchId: number | null;
  onOpenBatch: (id: number | null, options?: NavigateOptions) => void;
}) {
  const { info } = useAppInfo();
  const [filter, setFilter] = useState<BatchListFilter>('active');
  const selectedId = batchId;
  const [keyingId, setKeyingId] = useState<number | null>(null);
  const [creating, setCreating] = useState(false);
  const [importing, setImporting] = useState(false);
  const [reopening, setReopening] = useState(false);
  const [collapsed, setCollapsed] = useState(initialCollapsed);

  const collapse = useCallback((next: boolean) => {
    setCollapsed(next);
    try {
      window.localStorage.setItem(LIST_COLLAPSED_KEY, String(next));
    } catch {
      // Not remembering the choice is harmless.
    }
  }, []);

  // The list through the shared cache: every ledger change refreshes it.
  const queryClient = useQueryClient();
  const list = useApiQuery('batches:list', LIST_INPUT);
  const batches = list.data?.rows ?? NO_BATCHES;
  const load = list.refetch;

  // A batch's own figures change with every keyed cell; the list takes them over without asking again.
  const patch = useCallback(
    (b: BatchDto) =>
      void putAnswer<CommandOutput<'batches:list'>>(
        queryClient,
        apiQueryKey('batches:list', LIST_INPUT),
        (old) => (old ? { ...old, rows: old.rows.map((x) => (x.id === b.id ? b : x)) } : old),
      ),
    [queryClient],
  );

  const select = useCallback((id: number) => onOpenBatch(id), [onOpenBatch]);

  const openBatch = useCallback(
    (id: number) => {
      // A linked batch may be hidden by the list filter; show everything so the selection stays visible.
      setFilter('all');
      select(id);
    },
    [select],
  );

  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (isKeyingEvent(e)) return;
      if (e.altKey && !e.ctrlKey && !e.metaKey && e.key.toLowerCase() === 'n') {
        e.preventDefault();
        setCreating(true);
      } else if (e.altKey && !e.ctrlKey && !e.metaKey && e.code === 'KeyI') {
        e.preventDefault();
        setImporting(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [active]);

  useShortcuts(
    'Batches',
    [
      { keys: 'Alt+N', label: 'New batch' },
      { keys: 'Alt+I', label: 'Import a bank file' },
    ],
    active,
  );

  const login = info?.operator.login ?? 'operator';
  return (
    <Box sx={{ display: 'flex', height: '100%', minHeight: 0 }} data-testid="batches-page">
      <BatchList
        batches={batches}
        total={list.data?.total ?? 0}
        selectedId={selectedId}
        filter={filter}
        loading={list.loading}
        error={list.error}
        onFilter={setFilter}
        onSelect={select}
        onNew={() => setCreating(true)}
        onImport={() => setImporting(true)}
        onOpenHandOver={() => setReopening(true)}
        collapsed={collapsed}
        onCollapse={collapse}
      />
      <Box sx={{ flex: 1, minWidth: 0, minHeight: 0 }} component="section" aria-label="Batch">
        {selectedId !== null ? (
          <BatchWorkspace
            key={selectedId}
            batchId={selectedId}
            login={login}
            active={active && !creating && !importing && !reopening}
            startKeying={keyingId === selectedId}
            onChanged={(b) => (b ? patch(b) : void load())}
            onOpenBatch={openBatch}
          />
        ) : (
          <Box
            sx={{
              height: '100%',
              display: 'flex',
              flexDirection: 'column',
              alignItems: 'center',
              justifyContent: 'center',
              gap: 1,
              color: 'text.secondary',
              p: 4,
              textAlign: 'center',
            }}
            data-testid="no-batch-selected"
          >
            <ReceiptLongIcon sx={{ fontSize: 48, color: 'text.disabled' }} />
            <Typography color="textPrimary">No batch open</Typography>
            <Typography variant="body2">
              Open a batch from the list, or start a new one for the payments in today’s mail (Alt+N).
            </Typography>
            <Button variant="outlined" sx={{ mt: 1 }} onClick={() => setCreating(true)}>
              New batch
            </Button>
          </Box>
        )}
      </Box>
      {reopening && (
        <OpenHandOverDialog
          onClose={() => setReopening(false)}
          onOpened={(b) => {
            setReopening(false);
            setFilter('active');
            select(b.id);
            void load();
          }}
        />
      )}
      {importing && (
        <ImportFileDialog
          onClose={() => setImporting(false)}
          onImported={(b) => {
            setImporting(false);
            setFilter('active');
            select(b.id);
            void load();
          }}
        />
      )}
      {creating && (
        <NewBatchDialog
          onClose={() => setCreating(false)}
          onCreated={(b) => {
            setCreating(false);
            setFilter('active');
            setKeyingId(b.id);
            select(b.id);
            void load();
          }}
        />
      )}
    </Box>
  );
}
