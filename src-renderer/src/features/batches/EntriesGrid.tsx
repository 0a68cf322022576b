import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import ToggleButton from '@mui/material/ToggleButton';
import Typography from '@mui/material/Typography';
import DensitySmallIcon from '@mui/icons-material/DensitySmall';
import ReportProblemIcon from '@mui/icons-material/ReportProblemOutlined';
import { useTheme } from '@mui/material/styles';
import {
  AllCommunityModule,
  ModuleRegistry,
  type CellEditRequestEvent,
  type CellFocusedEvent,
  type ColDef,
  type GetRowIdParams,
  type GridApi,
  type GridReadyEvent,
  type IDatasource,
  type IGetRowsParams,
  type RowSelectionOptions,
  type SelectionColumnDef,
} from 'ag-grid-community';
import { AgGridReact } from 'ag-grid-react';
import {
  isPostedEntry,
  type BatchDto,
  type BatchEntryDto,
  type EntryStatusDto,
} from '../../../../src-shared/dto/batches';
import { call, errorMessage } from '../../api/client';
import { createGridTheme } from '../../components/grid-theme';
import { usePaymentTimeline } from '../../components/PaymentTimelineDialog';
import { isEditableField, sortKeyOf } from './entry-fields';
import { isEditable } from './labels';
import type { SerialQueue } from './use-serial-queue';
import type { EntryCustomFilter } from './CustomFieldFilter';
import {
  BLOCK_SIZE,
  EMPTY_ENTRY,
  settle,
  type EntriesGridHandle,
  type GridCore,
  type GridMessage,
  type GridRow,
} from './entries-grid-model';
import { useColumnLayout } from './use-column-layout';
import { useEntryColumns } from './entry-columns';
import { useGridCursor } from './use-grid-cursor';
import { useEntryEdits } from './use-entry-edits';
import { useKeying } from './use-keying';
import { EntriesToolbar } from './EntriesToolbar';
import { DeleteEntriesDialog } from './DeleteEntriesDialog';
import { entriesGridSx } from './entries-grid-sx';
import { ProblemsPanel, type ProblemItem } from './ProblemsPanel';
import { GRID_DENSITY, useGridDensity } from './use-desk-prefs';

export type { EntriesGridHandle } from './entries-grid-model';

ModuleRegistry.registerModules([AllCommunityModule]);

/**
 * The batch entries in an AG Grid over the infinite row model: pages of `batches:entries` sorted and filtered
 * by the service, inline editing that saves each cell as it is left, and the keys of heads-down keyed entry
 * (Enter at the end of the last row adds an entry, Ctrl+Enter anywhere, Ctrl+D copies down, Ctrl+Z undoes,
 * Delete removes the selected entries).
 */
export function EntriesGrid({
  batch,
  statusFilter,
  customFilter,
  queue,
  startKeying,
  onSaved,
  onFocusEntry,
  onViewReset,
  login,
  ref,
}: {
  batch: BatchDto;
  statusFilter: readonly EntryStatusDto[];
  /** Only entries whose custom field holds a value (null: every entry). */
  customFilter: EntryCustomFilter | null;
  /** The operator (layouts are kept per operator by the service, which knows who is asking). */
  login: string;
  queue: SerialQueue;
  startKeying: boolean;
  onSaved: () => void;
  onFocusEntry: (entry: BatchEntryDto | null) => void;
  onViewReset: () => void;
  ref?: Ref<EntriesGridHandle>;
}) {
  const theme = useTheme();
  const [density, setDensity] = useGridDensity(login);
  const gridTheme = useMemo(() => createGridTheme(theme).withParams(GRID_DENSITY[density]), [theme, density]);
  const timeline = usePaymentTimeline();
  const gridContext = useMemo(() => ({ timeline: timeline.open }), [timeline.open]);
  const apiRef = useRef<GridApi<GridRow> | null>(null);
  const filterRef = useRef(statusFilter);
  const customRef = useRef(customFilter);
  const editable = isEditable(batch);
  const editableRef = useRef(editable);
  const draftIdRef = useRef<number | null>(null);
  const focusedIdRef = useRef<number | null>(null);
  const loadingRef = useRef(0);
  const boxRef = useRef<HTMLDivElement | null>(null);
  const startedRef = useRef(false);
  const [totals, setTotalsState] = useState<{ count: number; amountMinor: number } | null>(null);
  // Same figures keep the same object, so the pinned totals row is not rebuilt on every page or save.
  const setTotals = useCallback(
    (next: { count: number; amountMinor: number }) =>
      setTotalsState((prev) =>
        prev && prev.count === next.count && prev.amountMinor === next.amountMinor ? prev : next,
      ),
    [],
  );
  const [message, setMessage] = useState<GridMessage | null>(null);
  const batchId = batch.id;

  useEffect(() => {
    editableRef.current = editable;
  }, [editable]);

  const onSavedRef = useRef(onSaved);
  const onFocusEntryRef = useRef(onFocusEntry);
  useEffect(() => {
    onSavedRef.current = onSaved;
    onFocusEntryRef.current = onFocusEntry;
  }, [onSaved, onFocusEntry]);

  const showError = useCallback(
    (err: unknown) => setMessage({ severity: 'error', text: errorMessage(err) }),
    [],
  );

  /** Count and amount of the entries the filter shows, from the service (a zero-row page). */
  const refreshTotals = useCallback(async () => {
    const page = await call('batches:entries', {
      batchId,
      startRow: 0,
      endRow: 0,
      ...(filterRef.current.length ? { status: [...filterRef.current] } : {}),
      ...(customRef.current ? { custom: customRef.current } : {}),
    });
    setTotals({ count: page.total, amountMinor: page.totalAmountMinor });
    return page.total;
  }, [batchId, setTotals]);

  const datasource = useMemo<IDatasource>(
    () => ({
      rowCount: undefined,
      getRows: (params: IGetRowsParams) => {
        loadingRef.current++;
        const sort = params.sortModel[0];
        const sortBy = sort ? sortKeyOf(sort.colId) : undefined;
        call('batches:entries', {
          batchId,
          startRow: params.startRow,
          endRow: params.endRow,
          ...(sort && sortBy ? { sortBy, sortDir: sort.sort } : {}),
          ...(filterRef.current.length ? { status: [...filterRef.current] } : {}),
          ...(customRef.current ? { custom: customRef.current } : {}),
        }).then(
          (page) => {
            loadingRef.current--;
            params.successCallback(page.rows, page.total);
            // The first block decides the identifier columns' content widths (a moment later, once drawn).
            if (params.startRow === 0) setTimeout(fitRef.current, 0);
            setTotals({ count: page.total, amountMinor: page.totalAmountMinor });
          },
          (err: unknown) => {
            loadingRef.current--;
            params.failCallback();
            showError(err);
          },
        );
      },
    }),
    [batchId, showError, setTotals],
  );

  // A click on a status chip filters on the service side: the cache starts over with the new filter.
  useEffect(() => {
    if (filterRef.current === statusFilter && customRef.current === customFilter) return;
    filterRef.current = statusFilter;
    customRef.current = customFilter;
    apiRef.current?.purgeInfiniteCache();
  }, [statusFilter, customFilter]);

  const core: GridCore = {
    apiRef,
    boxRef,
    editableRef,
    filterRef,
    customRef,
    draftIdRef,
    focusedIdRef,
    loadingRef,
    onSavedRef,
    onFocusEntryRef,
    batchId,
    exponent: batch.exponent,
    queue,
    setMessage,
    showError,
    refreshTotals,
  };
  const layout = useColumnLayout(batch, apiRef, boxRef, showError);
  const { gridConfig, gridColumns, applySavedLayout, fitColumns } = layout;
  const fitRef = useRef(fitColumns);
  useEffect(() => {
    fitRef.current = fitColumns;
  }, [fitColumns]);
  const cursor = useGridCursor(core);
  const edits = useEntryEdits(core, cursor);
  const { saveField, reload, dropBlankDraft } = edits;
  const { appendEntry, suppressKeyboardEvent, onFocusOut, tabToNextCell } = useKeying(
    core,
    cursor,
    edits,
    onViewReset,
  );
  const { applyRow } = cursor;
  const columns = useEntryColumns({
    gridConfig,
    gridColumns,
    labelField: layout.labelField,
    editableRef,
    currency: batch.currency,
    exponent: batch.exponent,
  });

  const defaultColDef = useMemo<ColDef<GridRow>>(
    () => ({ sortable: true, resizable: true, suppressKeyboardEvent }),
    [suppressKeyboardEvent],
  );

  // Grid options are passed as stable objects: a new object on every render would make the grid rebuild its
  // columns, which closes the cell editor under the clerk's fingers.
  const rowSelection = useMemo<RowSelectionOptions<GridRow>>(
    () => ({
      mode: 'multiRow',
      checkboxes: true,
      headerCheckbox: false,
      enableClickSelection: false,
      isRowSelectable: (n) => !!n.data && !n.data.totals && !isPostedEntry(n.data.status),
    }),
    [],
  );
  const selectionColumnDef = useMemo<SelectionColumnDef>(
    () => ({ suppressKeyboardEvent, width: 40, pinned: 'left' }),
    [suppressKeyboardEvent],
  );
  const getRowId = useCallback(
    (p: GetRowIdParams<GridRow>) => (p.data.totals ? 'totals' : String(p.data.id)),
    [],
  );

  const onGridReady = useCallback(
    (e: GridReadyEvent<GridRow>) => {
      apiRef.current = e.api;
      applySavedLayout(e.api);
    },
    [applySavedLayout],
  );

  const onCellEditRequest = useCallback(
    (e: CellEditRequestEvent<GridRow>) => {
      const field = e.column.getColId();
      if (!isEditableField(field) || !e.data || e.data.totals) return;
      const typed =
        e.newValue === null || e.newValue === undefined ? '' : String(e.newValue as string | number);
      const upper = gridColumns.find((c) => c.field === field)?.format === 'uppercase';
      saveField(e.node, field, upper ? typed.toUpperCase() : typed, true);
    },
    [saveField, gridColumns],
  );

  const onCellFocused = useCallback(
    (e: CellFocusedEvent<GridRow>) => {
      if (e.rowPinned || e.rowIndex === null) return;
      const data = apiRef.current?.getDisplayedRowAtIndex(e.rowIndex)?.data ?? null;
      focusedIdRef.current = data?.id ?? null;
      onFocusEntryRef.current(data && !data.totals ? data : null);
      // Leaving an untouched new entry takes it away again, so the count stays what was keyed.
      if (draftIdRef.current !== null && data && data.id !== draftIdRef.current) void dropBlankDraft();
    },
    [dropBlankDraft],
  );

  // A new batch opens ready for keying: the first entry exists and the cursor is in its first cell.
  useEffect(() => {
    if (!startKeying || startedRef.current || totals === null) return;
    startedRef.current = true;
    if (totals.count === 0) appendEntry();
  }, [startKeying, totals, appendEntry]);

  useImperativeHandle(
    ref,
    () => ({
      reload,
      updateEntry: (entry) => {
        const node = apiRef.current?.getRowNode(String(entry.id));
        if (node) applyRow(node, entry);
        void refreshTotals().catch(showError);
      },
      flush: async () => {
        apiRef.current?.stopEditing();
        await settle();
        await queue.idle();
      },
      dropBlankDraft,
      appendEntry,
      focus: () => {
        const api = apiRef.current;
        const cell = api?.getFocusedCell();
        if (api && cell) api.setFocusedCell(cell.rowIndex, cell.column, cell.rowPinned);
      },
    }),
    [reload, refreshTotals, queue, dropBlankDraft, appendEntry, applyRow, showError],
  );

  const pinned = useMemo<GridRow[]>(() => (totals ? [{ ...EMPTY_ENTRY, id: -1, totals }] : []), [totals]);

  const [problemsOpen, setProblemsOpen] = useState(false);
  const pickProblem = (p: ProblemItem) => {
    const api = apiRef.current;
    const col = p.column && api?.getColumn(p.column)?.isVisible() ? p.column : 'problem';
    cursor.focusCell(p.rowIndex, col, false);
    // A row scrolled into view is drawn a frame later; focusing again puts the keyboard on its cell.
    requestAnimationFrame(() => apiRef.current?.setFocusedCell(p.rowIndex, col));
  };

  const deleteFocused = () => {
    const api = apiRef.current;
    const cell = api?.getFocusedCell();
    edits.requestDelete(
      cell && !cell.rowPinned ? (api?.getDisplayedRowAtIndex(cell.rowIndex) ?? null) : null,
    );
  };

  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, gap: 1 }}>
      <EntriesToolbar
        editable={editable}
        undoSize={edits.undoSize}
        menuColumns={layout.menuColumns}
        onNewEntry={appendEntry}
        onDelete={deleteFocused}
        onUndo={() => void edits.undoLast()}
        onOpenColumns={layout.readMenuColumns}
        onToggleColumn={layout.toggleColumn}
        onResetColumns={layout.resetColumns}
        compactHelp={density === 'compact'}
      >
        <ToggleButton
          size="small"
          value="compact"
          selected={density === 'compact'}
          onChange={() => setDensity(density === 'compact' ? 'comfortable' : 'compact')}
          title="Compact rows: more entries on the screen"
          sx={{ py: 0.25, px: 1, textTransform: 'none' }}
          data-testid="grid-density"
          data-density={density}
        >
          <DensitySmallIcon fontSize="small" sx={{ mr: 0.5 }} />
          Compact
        </ToggleButton>
        <ToggleButton
          size="small"
          value="problems"
          selected={problemsOpen}
          onChange={() => setProblemsOpen(!problemsOpen)}
          title="List every problem of the entries shown; a click goes to its cell"
          sx={{ py: 0.25, px: 1, textTransform: 'none' }}
          data-testid="problems-toggle"
        >
          <ReportProblemIcon fontSize="small" sx={{ mr: 0.5 }} />
          Problems
        </ToggleButton>
      </EntriesToolbar>
      {message && (
        <Alert
          severity={message.severity}
          onClose={() => setMessage(null)}
          data-testid="grid-message"
          sx={{ py: 0 }}
        >
          {message.text}
        </Alert>
      )}
      <Box sx={{ display: 'flex', flex: 1, minHeight: 0, gap: 1 }}>
        <Box
          sx={{ flex: 1, minHeight: 240, ...entriesGridSx(theme) }}
          ref={boxRef}
          tabIndex={-1}
          onBlur={onFocusOut}
          data-keying-zone
          data-testid="entries-grid"
          data-batch-id={batch.id}
          data-total={totals?.count ?? ''}
          data-total-minor={totals?.amountMinor ?? ''}
        >
          {gridConfig && (
            <AgGridReact<GridRow>
              theme={gridTheme}
              context={gridContext}
              rowModelType="infinite"
              datasource={datasource}
              cacheBlockSize={BLOCK_SIZE}
              maxBlocksInCache={50}
              suppressNoRowsOverlay
              suppressColumnVirtualisation
              columnDefs={columns}
              defaultColDef={defaultColDef}
              getRowId={getRowId}
              pinnedBottomRowData={pinned}
              readOnlyEdit
              onCellEditRequest={onCellEditRequest}
              stopEditingWhenCellsLoseFocus
              suppressMultiSort
              rowSelection={rowSelection}
              selectionColumnDef={selectionColumnDef}
              tooltipShowDelay={300}
              onGridReady={onGridReady}
              onCellFocused={onCellFocused}
              tabToNextCell={tabToNextCell}
              onColumnMoved={layout.onColumnChanged}
              onColumnResized={layout.onColumnChanged}
              onColumnVisible={layout.onColumnChanged}
              onColumnPinned={layout.onColumnChanged}
              onGridSizeChanged={fitColumns}
              onFirstDataRendered={fitColumns}
            />
          )}
          {totals?.count === 0 && (
            <Box
              sx={{
                position: 'absolute',
                inset: '40px 0 40px 0',
                display: 'flex',
                alignItems: 'center',
                justifyContent: 'center',
                pointerEvents: 'none',
              }}
              data-testid="entries-empty"
            >
              <Typography variant="body2" color="textSecondary">
                {statusFilter.length
                  ? 'No entries with this status.'
                  : editable
                    ? 'No entries yet. Press Ctrl+Enter or New entry and start keying.'
                    : 'This batch has no entries.'}
              </Typography>
            </Box>
          )}
        </Box>
        {problemsOpen && (
          <ProblemsPanel
            batchId={batchId}
            apiRef={apiRef}
            statusFilter={statusFilter}
            customFilter={customFilter}
            version={totals}
            onPick={pickProblem}
          />
        )}
      </Box>
      <DeleteEntriesDialog
        ids={edits.deleteIds}
        onCancel={edits.cancelDelete}
        onConfirm={() => void edits.confirmDelete()}
      />
      {timeline.dialog}
    </Box>
  );
}
