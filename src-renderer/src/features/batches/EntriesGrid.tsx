import {
  useCallback,
  useEffect,
  useImperativeHandle,
  useMemo,
  useRef,
  useState,
  type FocusEvent as ReactFocusEvent,
  type Ref,
} from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Menu from '@mui/material/Menu';
import MenuItem from '@mui/material/MenuItem';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import TimelineIcon from '@mui/icons-material/Timeline';
import UndoIcon from '@mui/icons-material/Undo';
import ViewColumnIcon from '@mui/icons-material/ViewColumn';
import {
  AllCommunityModule,
  ModuleRegistry,
  type CellEditRequestEvent,
  type CellPosition,
  type CellFocusedEvent,
  type Column,
  type ColDef,
  type ColumnEvent,
  type GridApi,
  type GetRowIdParams,
  type GridReadyEvent,
  type ICellRendererParams,
  type IDatasource,
  type IGetRowsParams,
  type IRowNode,
  type RowSelectionOptions,
  type SelectionColumnDef,
  type SuppressKeyboardEventParams,
  type TabToNextCellParams,
} from 'ag-grid-community';
import { AgGridReact } from 'ag-grid-react';
import {
  isPostedEntry,
  type BatchDto,
  type BatchEntryDto,
  type EntryStatusDto,
} from '../../../../src-shared/dto/batches';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { createGridTheme } from '../../components/grid-theme';
import { layoutFromState, stateFromLayout } from './column-state';
import type { ColumnConfig } from '../../../../src-shared/columns';
import type { GridColumnsDto } from '../../../../src-shared/dto/admin';
import {
  applyFieldLocally,
  fieldPatch,
  fieldText,
  isBlankEntry,
  isEditableField,
  paymentRefProblem,
  sortKeyOf,
  UndoStack,
  type EditableField,
} from './entry-fields';
import { allocationStateLabel, entryStatusLabel, entryStatusTone, reasonText } from './labels';
import { StatusPill } from './StatusPill';
import { KeyedCodeEditor } from './keyed-code-editor';
import { KeyedTextEditor } from './keyed-text-editor';
import type { SerialQueue } from './use-serial-queue';
import type { EntryCustomFilter } from './CustomFieldFilter';
import { hasProblemOn, problemSummary, problemsOnText, problemsTooltip } from './entry-problems';
import { usePaymentTimeline } from '../../components/PaymentTimelineDialog';

ModuleRegistry.registerModules([AllCommunityModule]);

/** Column events caused by the clerk (header drag, resize, the column menu), as opposed to the grid's own sizing. */
const CLERK_LAYOUT_SOURCES: ReadonlySet<string> = new Set([
  'uiColumnMoved',
  'uiColumnResized',
  'uiColumnDragged',
  'columnMenu',
  'contextMenu',
  'toolPanelUi',
]);

/** Rows the service sends per block; the grid asks for the next block as the clerk scrolls. */
const BLOCK_SIZE = 200;

/**
 * Resolves after the grid's pending events: AG Grid hands cell edits to the app asynchronously (on a zero timeout),
 * so a key action waits for them, or it would act before the edit it follows (an undo would miss the last edit,
 * a new entry would be added before the value typed into the last cell was seen).
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * The keying-path name of a key (a character, Backspace, Tab, Shift+Tab, Enter, Ctrl+Enter), or null for a key
 * that is not part of keying (shortcuts, arrows, Escape): those are never held.
 */
function keyingKey(e: KeyboardEvent): string | null {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key === 'Enter') return 'Ctrl+Enter';
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === 'Tab') return e.shiftKey ? 'Shift+Tab' : 'Tab';
  if (e.key === 'Enter') return e.shiftKey ? null : 'Enter';
  if (e.key === 'Backspace' || e.key.length === 1) return e.key;
  return null;
}

/** A grid row: an entry, or (with `totals`) the pinned totals row under the entries. */
type GridRow = BatchEntryDto & { totals?: { count: number; amountMinor: number } };

/** What the workspace can ask of the grid. */
export type EntriesGridHandle = {
  /** Fetches every loaded block again (after Validate, Exception batch, Submit). */
  reload: () => void;
  /** Replaces one entry's row with what the service returned (after Suspend or Release). */
  updateEntry: (entry: BatchEntryDto) => void;
  /** Commits the cell being edited and waits until every save reached the service. */
  flush: () => Promise<void>;
  /** Deletes the blank entry that "new entry" added if nothing was keyed into it. */
  dropBlankDraft: () => Promise<void>;
  /** Appends an entry and puts the cursor in its first editable cell. */
  appendEntry: () => void;
  /** Puts the keyboard focus back on the grid's focused cell (after a dialog). */
  focus: () => void;
};

const EMPTY_ENTRY: BatchEntryDto = {
  id: 0,
  seq: 0,
  sourceLine: null,
  accountNo: null,
  billNo: null,
  amountText: null,
  amountMinor: null,
  currency: '',
  paymentDate: null,
  checkNo: null,
  payerName: null,
  reference: null,
  channelId: null,
  paymentRef: null,
  custom: {},
  status: 'new',
  reasonCode: null,
  problem: null,
  problemColumn: null,
  problems: [],
  manualSuspend: false,
  allocationState: 'none',
  postedPaymentId: null,
  duplicateOf: null,
  duplicateRelease: null,
};

function StatusCell(p: ICellRendererParams<GridRow, unknown, { timeline: (paymentId: number) => void }>) {
  const row = p.data;
  if (!row || row.totals) return null;
  const paymentId = row.postedPaymentId;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', height: '100%' }}>
      <StatusPill
        label={
          entryStatusLabel(row.status) + (row.manualSuspend && row.status !== 'posted' ? ' (by hand)' : '')
        }
        tone={entryStatusTone(row.status)}
        testId={`entry-status-${row.id}`}
      />
      {paymentId !== null && (
        <IconButton
          size="small"
          tabIndex={-1}
          title={`Timeline of payment ${paymentId}`}
          onClick={() => p.context.timeline(paymentId)}
          data-testid={`entry-timeline-${row.id}`}
        >
          <TimelineIcon fontSize="inherit" />
        </IconButton>
      )}
    </Box>
  );
}

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
  const { money } = useAppInfo();
  const gridTheme = useMemo(() => createGridTheme(theme), [theme]);
  const timeline = usePaymentTimeline();
  const gridContext = useMemo(() => ({ timeline: timeline.open }), [timeline.open]);
  const apiRef = useRef<GridApi<GridRow> | null>(null);
  const filterRef = useRef(statusFilter);
  const customRef = useRef(customFilter);
  const editable = batch.status === 'open' || batch.status === 'validated';
  const editableRef = useRef(editable);
  const undo = useRef(new UndoStack());
  const draftIdRef = useRef<number | null>(null);
  const pendingSaves = useRef(new Map<number, number>());
  const focusedIdRef = useRef<number | null>(null);
  const loadingRef = useRef(0);
  // Keys of the keying path held while the cursor moves to another entry (null: keys go straight to the cells).
  const typeAhead = useRef<string[] | null>(null);
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
  const [undoSize, setUndoSize] = useState(0);
  const [message, setMessage] = useState<{ severity: 'error' | 'info'; text: string } | null>(null);
  const [deleteIds, setDeleteIds] = useState<number[] | null>(null);
  const [columnsAnchor, setColumnsAnchor] = useState<HTMLElement | null>(null);
  const [menuColumns, setMenuColumns] = useState<{ colId: string; name: string; visible: boolean }[]>([]);
  const batchId = batch.id;
  // The admin's column set for this batch type and pay type, with the clerk's own layout (columns:grid).
  const [gridConfig, setGridConfig] = useState<GridColumnsDto | null>(null);
  useEffect(() => {
    let live = true;
    call('columns:grid', { batchType: batch.batchType, payType: batch.payType }).then(
      (g) => {
        if (live) setGridConfig(g);
      },
      (err: unknown) => {
        if (live) setMessage({ severity: 'error', text: errorMessage(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [batch.batchType, batch.payType]);
  const gridColumns = useMemo(
    () => (gridConfig?.columns ?? []).filter((c) => c.purpose !== 'payments_tab' && isEditableField(c.field)),
    [gridConfig],
  );
  // The totals row names the entry count in the first visible column that is not the amount (which shows the sum).
  const labelField =
    (gridColumns.find((c) => c.visible && c.field !== 'amount') ?? gridColumns[0])?.field ?? 'accountNo';

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

  const editableColumns = useCallback((node: IRowNode<GridRow>): Column[] => {
    const api = apiRef.current;
    if (!api) return [];
    return api
      .getAllDisplayedColumns()
      .filter((c) => isEditableField(c.getColId()) && c.isCellEditable(node));
  }, []);

  const focusCell = useCallback((rowIndex: number, colId: string, edit: boolean) => {
    const api = apiRef.current;
    if (!api) return;
    api.ensureIndexVisible(rowIndex);
    api.ensureColumnVisible(colId);
    api.setFocusedCell(rowIndex, colId);
    if (edit) api.startEditingCell({ rowIndex, colKey: colId });
  }, []);

  /** Waits until no block is loading (a block that arrives later re-renders its rows and closes an editor). */
  const waitLoaded = useCallback(async (): Promise<void> => {
    // The grid may ask for a block a moment after a refresh or a scroll, so quiet means quiet twice in a row.
    for (let i = 0, quiet = 0; i < 250 && quiet < 2; i++) {
      quiet = loadingRef.current > 0 ? 0 : quiet + 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  }, []);

  /** Waits until the row of this entry is loaded in the grid (after a cache refresh) and returns it. */
  const waitForRow = useCallback(
    async (entryId: number, rowIndex?: number): Promise<IRowNode<GridRow> | null> => {
      for (let i = 0; i < 150; i++) {
        if (rowIndex !== undefined) apiRef.current?.ensureIndexVisible(rowIndex, 'bottom');
        await waitLoaded();
        const node = apiRef.current?.getRowNode(String(entryId));
        // A block that arrives after the editor opened would redraw the row and close it: wait for all of them.
        if (node?.data && node.rowIndex !== null && !node.data.totals && loadingRef.current === 0)
          return node;
        await new Promise((r) => setTimeout(r, 20));
      }
      return null;
    },
    [waitLoaded],
  );

  /**
   * Shows new data in a row without disturbing a cell editor that is open in it: the row object is updated in
   * place and every cell but the one being edited is refreshed (replacing the data would restart the editor and
   * lose what the clerk is typing after Tab).
   */
  const applyRow = useCallback((node: IRowNode<GridRow>, data: BatchEntryDto) => {
    const api = apiRef.current;
    if (!api || !node.data || node.data.id !== data.id) return;
    Object.assign(node.data, data);
    const editing = new Set(
      api
        .getEditingCells()
        .filter((c) => c.rowIndex === node.rowIndex && !c.rowPinned)
        .map((c) => c.column?.getColId()),
    );
    const columns = api.getAllDisplayedColumns().filter((c) => !editing.has(c.getColId()));
    api.refreshCells({ rowNodes: [node], columns, force: true });
  }, []);

  /** Saves one field of one entry (optimistically shown) and applies the service's verdict on the row. */
  const saveField = useCallback(
    (node: IRowNode<GridRow>, field: EditableField, text: string, remember: boolean) => {
      const entry = node.data;
      if (!entry || entry.totals) return;
      if (field === 'paymentRef') {
        const problem = paymentRefProblem(text);
        if (problem) {
          setMessage({ severity: 'error', text: problem });
          return;
        }
      }
      const oldText = fieldText(entry, field, { exponent: batch.exponent });
      if (oldText.trim() === text.trim()) return;
      if (remember) {
        undo.current.push({ entryId: entry.id, field, oldText });
        setUndoSize(undo.current.size);
      }
      setMessage(null);
      const before: BatchEntryDto = { ...entry };
      applyRow(node, applyFieldLocally(before, field, text));
      const id = entry.id;
      pendingSaves.current.set(id, (pendingSaves.current.get(id) ?? 0) + 1);
      queue
        .run(() =>
          call('batches:save-entries', {
            batchId,
            // The amount is read in the user's locale and sent in the contract's style.
            entries: [fieldPatch(id, field, text, { exponent: batch.exponent })],
          }),
        )
        .then(
          ([saved]) => {
            const left = (pendingSaves.current.get(id) ?? 1) - 1;
            pendingSaves.current.set(id, left);
            // A later save of the same entry is on its way and will bring the fresher row.
            const current = apiRef.current?.getRowNode(String(id));
            if (saved && left === 0 && current) {
              applyRow(current, saved);
              if (focusedIdRef.current === id) onFocusEntryRef.current(saved);
            }
            onSavedRef.current();
            return refreshTotals();
          },
          (err: unknown) => {
            pendingSaves.current.set(id, (pendingSaves.current.get(id) ?? 1) - 1);
            const current = apiRef.current?.getRowNode(String(id));
            if (current) applyRow(current, before);
            showError(err);
          },
        )
        .catch(showError);
    },
    [batchId, batch.exponent, queue, refreshTotals, applyRow, showError],
  );

  const reload = useCallback(() => {
    apiRef.current?.refreshInfiniteCache();
    void refreshTotals().catch(showError);
  }, [refreshTotals, showError]);

  const dropBlankDraft = useCallback(async () => {
    await settle();
    const id = draftIdRef.current;
    if (id === null) return;
    const data = apiRef.current?.getRowNode(String(id))?.data;
    draftIdRef.current = null;
    if (data && !isBlankEntry(data)) return;
    try {
      await queue.run(() => call('batches:delete-entries', { batchId, ids: [id] }));
      reload();
      onSavedRef.current();
    } catch (err) {
      showError(err);
    }
  }, [batchId, queue, reload, showError]);

  /** The input of the cell editor that has the keyboard focus, or null when no cell is being edited. */
  const editorInput = useCallback((): HTMLInputElement | null => {
    const a = document.activeElement;
    return a instanceof HTMLInputElement && a.closest('.ag-cell-inline-editing') ? a : null;
  }, []);

  /**
   * True when Enter in this cell ends the entry: the amount completes a payment, so Enter on the amount or on any
   * keyed cell after it (in the clerk's column order) saves the entry and starts the next one; so does the last
   * editable cell when there is no amount column.
   */
  const isEndColumn = useCallback(
    (node: IRowNode<GridRow>, column: Column): boolean => {
      const cols = editableColumns(node);
      const at = cols.indexOf(column);
      if (at < 0) return false;
      const amountAt = cols.findIndex((c) => c.getColId() === 'amount');
      return at === cols.length - 1 || (amountAt >= 0 && at >= amountAt);
    },
    [editableColumns],
  );

  /** Tab or Shift+Tab for held keys: commits the cell and edits the next (or previous) editable cell of the row. */
  const moveEditor = useCallback(
    (step: 1 | -1): boolean => {
      const api = apiRef.current;
      const cell = api?.getFocusedCell();
      const node = api && cell && !cell.rowPinned ? api.getDisplayedRowAtIndex(cell.rowIndex) : undefined;
      if (!api || !cell || !node || node.rowIndex === null) return false;
      const cols = editableColumns(node);
      const target = cols[cols.indexOf(cell.column) + step];
      if (!target) return false;
      api.stopEditing();
      focusCell(node.rowIndex, target.getColId(), true);
      return true;
    },
    [editableColumns, focusCell],
  );

  /** Waits until a cell editor other than `previous` has the keyboard focus (editors open a moment after asking). */
  const waitEditorFocus = useCallback(
    async (previous: Element | null): Promise<boolean> => {
      for (let i = 0; i < 100; i++) {
        const input = editorInput();
        if (input && input !== previous) return true;
        await new Promise((r) => setTimeout(r, 10));
      }
      return false;
    },
    [editorInput],
  );

  /**
   * Keeps the keyboard focus inside the grid while rows are redrawn: a redrawn row takes the focused cell's
   * element out of the page, which would leave the focus on the page body (and the next keys nowhere).
   */
  const holdFocus = useCallback(() => {
    const box = boxRef.current;
    const a = document.activeElement;
    if (box && !(a && box.contains(a) && a !== box && !a.closest('.ag-cell')))
      box.focus({ preventScroll: true });
  }, []);

  /**
   * Scrolls until the cell being edited can be seen whole: where scrollbars overlay the content (as in headless
   * Chromium), the horizontal scrollbar's strip covers the bottom of the last row after ensureIndexVisible.
   */
  const revealEditor = useCallback(() => {
    const cell = editorInput()?.closest('.ag-cell');
    const scroller = cell?.closest('.ag-grid-viewport, .ag-body-viewport');
    if (!cell || !(scroller instanceof HTMLElement)) return;
    for (let i = 0; i < 4; i++) {
      const r = cell.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + Math.min(24, r.width / 2), r.bottom - 3);
      if (!hit || cell.contains(hit)) return;
      const before = scroller.scrollTop;
      scroller.scrollTop = before + Math.ceil(r.height / 2);
      if (scroller.scrollTop === before) return;
    }
  }, [editorInput]);

  /** Opens a new entry after the last one (or the untouched one already there) with the cursor in its first cell. */
  const newEntry = useCallback(async (): Promise<void> => {
    const api = apiRef.current;
    if (!api) return;
    // The cell just left is saved first: its edit request arrives on a zero timeout and queues its save.
    await settle();
    holdFocus();
    // Keyed entry happens in entry order: a sort or a status filter would hide where the new entry goes.
    const sorted = api.getColumnState().some((c) => c.sort && !(c.colId === 'seq' && c.sort === 'asc'));
    if (sorted) api.applyColumnState({ defaultState: { sort: null } });
    if (filterRef.current.length || customRef.current) {
      filterRef.current = [];
      customRef.current = null;
      onViewReset();
      api.purgeInfiniteCache();
    }
    const draftId = draftIdRef.current;
    const draft = draftId === null ? undefined : api.getRowNode(String(draftId))?.data;
    let entryId: number;
    if (draft && isBlankEntry(draft)) entryId = draft.id;
    else {
      const [created] = await queue.run(() => call('batches:save-entries', { batchId, entries: [{}] }));
      if (!created) throw new Error('The service did not return the new entry.');
      entryId = created.id;
      draftIdRef.current = created.id;
      onSavedRef.current();
    }
    const count = await refreshTotals();
    // The new entry is the last one; in a long batch its block is not loaded yet, so scroll there first.
    holdFocus();
    api.setRowCount(count, true);
    api.refreshInfiniteCache();
    const node = await waitForRow(entryId, count - 1);
    if (!node || node.rowIndex === null) throw new Error('The new entry did not appear in the grid.');
    const first = editableColumns(node)[0];
    if (!first) return;
    focusCell(node.rowIndex, first.getColId(), true);
    await waitEditorFocus(null);
    // The grid grew by a row after it scrolled: bring the new row fully into view above the totals row.
    if (node.rowIndex !== null) api.ensureIndexVisible(node.rowIndex, 'bottom');
    revealEditor();
  }, [
    revealEditor,
    batchId,
    queue,
    refreshTotals,
    waitForRow,
    editableColumns,
    focusCell,
    waitEditorFocus,
    holdFocus,
    onViewReset,
  ]);

  /**
   * Ends the entry being keyed: the next entry's first cell, or (after the last entry, or with `toNew`, which is
   * Ctrl+Enter) a new entry.
   */
  const advance = useCallback(
    async (toNew: boolean): Promise<void> => {
      const api = apiRef.current;
      if (!api) return;
      const cell = api.getFocusedCell();
      const previous = editorInput();
      api.stopEditing();
      if (!toNew && cell && !cell.rowPinned && cell.rowIndex < api.getDisplayedRowCount() - 1) {
        const next = api.getDisplayedRowAtIndex(cell.rowIndex + 1);
        const first = next ? editableColumns(next)[0] : undefined;
        if (next?.data && !next.data.totals && first && next.rowIndex !== null) {
          focusCell(next.rowIndex, first.getColId(), true);
          await waitEditorFocus(previous);
          return;
        }
      }
      await newEntry();
    },
    [editorInput, editableColumns, focusCell, waitEditorFocus, newEntry],
  );

  /** Applies one key of the keying path to the grid as the grid itself would, waiting for the editor it opens. */
  const applyKey = useCallback(
    async (key: string): Promise<void> => {
      const api = apiRef.current;
      if (!api) return;
      const cell = api.getFocusedCell();
      const node = cell && !cell.rowPinned ? api.getDisplayedRowAtIndex(cell.rowIndex) : undefined;
      const input = editorInput();
      if (key === 'Ctrl+Enter') return advance(true);
      if (key === 'Enter') {
        if (input && node && cell && isEndColumn(node, cell.column)) return advance(false);
        api.stopEditing();
        return;
      }
      if (key === 'Tab' || key === 'Shift+Tab') {
        const step = key === 'Tab' ? 1 : -1;
        if (input) {
          if (moveEditor(step)) await waitEditorFocus(input);
        } else if (step === 1) api.tabToNextCell();
        else api.tabToPreviousCell();
        return;
      }
      if (input) {
        // A character (or Backspace) goes where the caret is, over the selection as a keystroke would.
        const start = input.selectionStart ?? input.value.length;
        const end = input.selectionEnd ?? start;
        if (key === 'Backspace') {
          if (start !== end) input.setRangeText('', start, end, 'end');
          else if (start > 0) input.setRangeText('', start - 1, start, 'end');
        } else input.setRangeText(key, start, end, 'end');
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return;
      }
      // No editor open: the key starts editing the focused cell, as typing on a cell does.
      if (
        node?.data &&
        !node.data.totals &&
        cell &&
        node.rowIndex !== null &&
        cell.column.isCellEditable(node)
      ) {
        api.startEditingCell({ rowIndex: node.rowIndex, colKey: cell.column, key });
        await waitEditorFocus(null);
      }
    },
    [editorInput, advance, isEndColumn, moveEditor, waitEditorFocus],
  );

  /**
   * Works off the held keys in the order they were typed. A key that moves the cursor to another entry (Enter at
   * the end of an entry, Ctrl+Enter) may wait for the service; keys typed meanwhile join the same list, so nothing
   * overtakes what came before it and nothing lands anywhere but in its cell. When the list is empty, keys go
   * straight to the cells again.
   */
  const pump = useCallback(async (): Promise<void> => {
    const held = typeAhead.current;
    if (!held) return;
    // The grid's frame says how many keys wait (for tests and benchmarks that key faster than entries are made).
    const box = boxRef.current;
    try {
      for (let key = held.shift(); key !== undefined; key = held.shift()) {
        if (box) box.dataset.heldKeys = String(held.length + 1);
        await applyKey(key);
      }
    } catch (err) {
      const lost = held.length;
      held.length = 0;
      setMessage({
        severity: 'error',
        text: `${errorMessage(err)}${lost ? ` ${formatCount(lost)} keys typed after it were not applied.` : ''}`,
      });
    } finally {
      if (typeAhead.current === held) typeAhead.current = null;
      if (box) box.dataset.heldKeys = '0';
    }
  }, [applyKey]);

  /** Takes a key of the keying path: queued behind held keys, or applied now (with the keys typed after it held). */
  const feed = useCallback(
    (key: string) => {
      const held = typeAhead.current;
      if (held) {
        held.push(key);
        return;
      }
      typeAhead.current = [key];
      void pump();
    },
    [pump],
  );

  /** Appends an entry (or goes back to the untouched new one) with the cursor in its first editable cell. */
  const appendEntry = useCallback(() => {
    if (!apiRef.current || !editableRef.current) return;
    // Keys typed from here on belong to the new entry: the grid takes the focus so that they are held for it.
    holdFocus();
    feed('Ctrl+Enter');
  }, [feed, holdFocus]);

  const undoLast = useCallback(async () => {
    await settle();
    const step = undo.current.pop();
    setUndoSize(undo.current.size);
    if (!step) {
      setMessage({ severity: 'info', text: 'Nothing to undo.' });
      return;
    }
    const node = apiRef.current?.getRowNode(String(step.entryId));
    if (node?.data) {
      saveField(node, step.field, step.oldText, false);
      if (node.rowIndex !== null) focusCell(node.rowIndex, step.field, false);
    } else {
      // The row is not loaded (scrolled away or filtered out): save it anyway and fetch again.
      queue
        .run(() =>
          call('batches:save-entries', {
            batchId,
            entries: [fieldPatch(step.entryId, step.field, step.oldText, { exponent: batch.exponent })],
          }),
        )
        .then(() => {
          reload();
          onSavedRef.current();
        }, showError);
    }
  }, [batchId, batch.exponent, queue, saveField, focusCell, reload, showError]);

  const copyDown = useCallback(
    async (node: IRowNode<GridRow>, column: Column, editing: boolean) => {
      const api = apiRef.current;
      const field = column.getColId();
      if (!api || node.rowIndex === null || !isEditableField(field) || !column.isCellEditable(node)) return;
      if (editing) api.stopEditing(true);
      await settle();
      if (node.rowIndex === null) return;
      const above = node.rowIndex > 0 ? api.getDisplayedRowAtIndex(node.rowIndex - 1)?.data : undefined;
      if (!above) {
        setMessage({ severity: 'info', text: 'There is no entry above to copy from.' });
      } else {
        saveField(node, field, fieldText(above, field, { exponent: batch.exponent }), true);
      }
      focusCell(node.rowIndex, field, false);
    },
    [saveField, focusCell, batch.exponent],
  );

  const requestDelete = useCallback((node: IRowNode<GridRow> | null) => {
    const api = apiRef.current;
    if (!api || !editableRef.current) return;
    const selected = api
      .getSelectedNodes()
      .map((n) => n.data)
      .filter((d): d is GridRow => !!d && !isPostedEntry(d.status));
    const ids = selected.length
      ? selected.map((d) => d.id)
      : node?.data && !isPostedEntry(node.data.status)
        ? [node.data.id]
        : [];
    if (ids.length) setDeleteIds(ids);
  }, []);

  const confirmDelete = useCallback(async () => {
    const ids = deleteIds;
    setDeleteIds(null);
    if (!ids) return;
    const api = apiRef.current;
    const focused = api?.getFocusedCell();
    try {
      await queue.run(() => call('batches:delete-entries', { batchId, ids }));
      undo.current.forget(new Set(ids));
      setUndoSize(undo.current.size);
      if (draftIdRef.current !== null && ids.includes(draftIdRef.current)) draftIdRef.current = null;
      api?.deselectAll();
      reload();
      onSavedRef.current();
      const count = await refreshTotals();
      if (focused && count > 0)
        focusCell(Math.min(focused.rowIndex, count - 1), focused.column.getColId(), false);
    } catch (err) {
      showError(err);
    }
  }, [deleteIds, batchId, queue, reload, refreshTotals, focusCell, showError]);

  // The key handler is built once for the column definitions; it reaches the current callbacks through a ref.
  const keys = useRef({ appendEntry, undoLast, copyDown, requestDelete, feed, isEndColumn });
  useEffect(() => {
    keys.current = { appendEntry, undoLast, copyDown, requestDelete, feed, isEndColumn };
  }, [appendEntry, undoLast, copyDown, requestDelete, feed, isEndColumn]);
  const handled = useRef(new WeakSet<KeyboardEvent>());

  const suppressKeyboardEvent = useCallback((p: SuppressKeyboardEventParams<GridRow>): boolean => {
    const e = p.event;
    if (e.type !== 'keydown' || p.node.rowPinned) return false;
    if (handled.current.has(e)) return true;
    const ctrl = e.ctrlKey || e.metaKey;
    const k = keys.current;
    const take = (action: () => void): boolean => {
      handled.current.add(e);
      e.preventDefault();
      action();
      return true;
    };
    if (ctrl && !e.altKey && e.key === 'Enter') return take(k.appendEntry);
    if (ctrl && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'd')
      return take(() => void k.copyDown(p.node, p.column, p.editing));
    if (ctrl && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'z' && !p.editing)
      return take(() => void k.undoLast());
    if (!ctrl && !e.altKey && e.key === 'Delete' && !p.editing) return take(() => k.requestDelete(p.node));
    if (
      !ctrl &&
      !e.altKey &&
      !e.shiftKey &&
      e.key === 'Enter' &&
      p.editing &&
      k.isEndColumn(p.node, p.column)
    )
      return take(() => k.feed('Enter'));
    return false;
  }, []);

  // While the cursor moves to another entry, every key of the keying path is held for it, wherever the browser
  // would send it meanwhile (the cell left behind, a row being redrawn, the page body); a key on the grid's own
  // frame (where the focus waits while rows are redrawn) goes to the focused cell the same way.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const box = boxRef.current;
      if (!box || e.defaultPrevented || !editableRef.current) return;
      const target = e.target instanceof Element ? e.target : null;
      const holding = typeAhead.current !== null;
      if (!holding && target !== box) return;
      if (target && target !== document.body && !box.contains(target)) return;
      const key = keyingKey(e);
      if (!key) return;
      e.preventDefault();
      e.stopPropagation();
      keys.current.feed(key);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  // A cell that is redrawn under the focus drops it on the page body; the grid's frame takes it back, so the next
  // key still reaches the grid (and not the page, where it would be lost).
  const onFocusOut = useCallback((e: ReactFocusEvent) => {
    if (e.relatedTarget !== null) return;
    const left = e.target;
    setTimeout(() => {
      const box = boxRef.current;
      if (box && !left.isConnected && (document.activeElement === document.body || !document.activeElement))
        box.focus({ preventScroll: true });
    }, 0);
  }, []);

  /** Tab stays in the grid: at the first or last cell it stays where it is instead of leaving for the page. */
  const tabToNextCell = useCallback((p: TabToNextCellParams<GridRow>): CellPosition | boolean => {
    const next = p.nextCellPosition;
    if (!editableRef.current) return next ?? false;
    if (!next || next.rowPinned) return true;
    return next;
  }, []);

  const cellEditable = useCallback(
    (p: { node: IRowNode<GridRow>; data: GridRow | undefined }) =>
      editableRef.current && !p.node.rowPinned && !!p.data && !p.data.totals && !isPostedEntry(p.data.status),
    [],
  );

  const columns = useMemo<ColDef<GridRow>[]>(() => {
    const problemRules = (field: EditableField) => ({
      'batch-cell-invalid': (p: { data: GridRow | undefined }) =>
        !!p.data && !p.data.totals && hasProblemOn(p.data, field) && p.data.status === 'invalid',
      'batch-cell-warning': (p: { data: GridRow | undefined }) =>
        !!p.data &&
        !p.data.totals &&
        hasProblemOn(p.data, field) &&
        p.data.problem !== null &&
        p.data.status !== 'invalid' &&
        !isPostedEntry(p.data.status),
    });
    const keyed = (column: ColumnConfig): ColDef<GridRow> => {
      const field = column.field as EditableField;
      const custom = (gridConfig?.customFields ?? []).find((f) => `custom:${f.key}` === field);
      const codes = new Map(custom?.codes.map((c) => [c.code, c.label]) ?? []);
      return {
        colId: field,
        headerName: column.caption + (column.required ? ' *' : ''),
        headerTooltip:
          [
            column.required ? 'Required' : '',
            column.purpose === 'display' ? 'Read-only' : '',
            codes.size ? `Codes: ${[...codes].map(([c, l]) => `${c} ${l}`).join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' · ') || undefined,
        width: column.width,
        hide: !column.visible,
        editable: column.purpose === 'entry' ? cellEditable : false,
        ...(custom?.type === 'code'
          ? { cellEditor: KeyedCodeEditor, cellEditorParams: { codes: custom.codes } }
          : { cellEditor: KeyedTextEditor }),
        sortable: sortKeyOf(field) !== undefined,
        cellClassRules: {
          ...problemRules(field),
          // The count and the sum sit in neighbouring columns; a rule and spacing keep them from reading as one.
          'batch-totals-label': (p: { data: GridRow | undefined }) =>
            !!p.data?.totals && field === labelField,
          'batch-totals-amount': (p: { data: GridRow | undefined }) => !!p.data?.totals && field === 'amount',
        },
        valueGetter: (p) =>
          p.data && !p.data.totals ? fieldText(p.data, field, { exponent: batch.exponent }) : '',
        valueFormatter: (p) => {
          const row = p.data;
          if (!row) return '';
          if (row.totals) {
            if (field === 'amount') return money(row.totals.amountMinor, batch.currency);
            if (field === labelField)
              return `Total of ${formatCount(row.totals.count)} ${row.totals.count === 1 ? 'entry' : 'entries'}`;
            return '';
          }
          // An entry in another currency than its batch shows its code, so it cannot pass for the batch's.
          if (field === 'amount')
            return row.amountMinor !== null
              ? money(row.amountMinor, row.currency || batch.currency, row.currency !== batch.currency)
              : (row.amountText ?? '');
          const text = String(p.value ?? '');
          if (column.format === 'code-label' && codes.has(text)) return `${text} ${codes.get(text)}`;
          return text;
        },
        tooltipValueGetter: (p) => (p.data && !p.data.totals ? problemsOnText(p.data, field) : undefined),
        ...(field === 'amount' || field === 'paymentRef' ? { type: 'rightAligned' } : {}),
      };
    };
    return [
      {
        colId: 'seq',
        headerName: 'Seq',
        width: 68,
        type: 'rightAligned',
        valueGetter: (p) => (p.data && !p.data.totals ? p.data.seq : null),
      },
      ...gridColumns.map(keyed),
      {
        colId: 'currency',
        headerName: 'Currency',
        width: 92,
        sortable: false,
        valueGetter: (p) => (p.data && !p.data.totals ? p.data.currency : null),
        tooltipValueGetter: (p) =>
          p.data && !p.data.totals ? problemsOnText(p.data, 'currency') : undefined,
        cellClassRules: {
          'batch-cell-invalid': (p) => !!p.data && !p.data.totals && hasProblemOn(p.data, 'currency'),
        },
      },
      {
        colId: 'problem',
        headerName: 'Problem',
        flex: 1,
        minWidth: 200,
        sortable: false,
        valueGetter: (p) => (p.data && !p.data.totals ? problemSummary(p.data) : null),
        tooltipValueGetter: (p) => (p.data && !p.data.totals ? problemsTooltip(p.data) : null),
        cellClassRules: {
          'batch-problem-error': (p) =>
            p.data?.status === 'invalid' || p.data?.status === 'allocation_required',
        },
      },
      {
        colId: 'reasonCode',
        headerName: 'Reason',
        width: 84,
        type: 'rightAligned',
        valueGetter: (p) => (p.data && !p.data.totals ? p.data.reasonCode : null),
        tooltipValueGetter: (p) => (p.data ? reasonText(p.data.reasonCode) : null),
      },
      {
        colId: 'allocationState',
        headerName: 'Allocation',
        width: 104,
        sortable: false,
        valueGetter: (p) => (p.data && !p.data.totals ? allocationStateLabel(p.data.allocationState) : ''),
      },
      {
        // Pinned right so the verdict stays in view however far the clerk has scrolled along the row.
        colId: 'status',
        headerName: 'Status',
        width: 176,
        pinned: 'right',
        valueGetter: (p) => p.data?.status,
        tooltipValueGetter: (p) => (p.data && !p.data.totals ? problemsTooltip(p.data) : null),
        cellRenderer: StatusCell,
      },
    ];
  }, [gridColumns, gridConfig, labelField, money, batch.currency, batch.exponent, cellEditable]);

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
    () => ({ suppressKeyboardEvent, width: 44, pinned: 'left' }),
    [suppressKeyboardEvent],
  );
  const getRowId = useCallback(
    (p: GetRowIdParams<GridRow>) => (p.data.totals ? 'totals' : String(p.data.id)),
    [],
  );

  /** The columns the Columns menu offers, read from the grid when the menu opens or changes. */
  const readMenuColumns = useCallback(() => {
    setMenuColumns(
      (apiRef.current?.getColumns() ?? [])
        .filter((c) => c.getColId() !== 'ag-Grid-SelectionColumn')
        .map((c) => ({ colId: c.getColId(), name: c.getColDef().headerName ?? '', visible: c.isVisible() })),
    );
  }, []);

  const persistColumns = useCallback(() => {
    const api = apiRef.current;
    if (!api) return;
    call('columns:save-layout', {
      batchType: batch.batchType,
      payType: batch.payType,
      layout: layoutFromState(api.getColumnState()),
    }).catch(showError);
  }, [batch.batchType, batch.payType, showError]);

  const onColumnChanged = useCallback(
    (
      e: ColumnEvent<'columnMoved' | 'columnResized' | 'columnVisible' | 'columnPinned', GridRow> & {
        finished?: boolean;
      },
    ) => {
      // Only the clerk's own changes are a layout to keep; the grid's own sizing (flex, first render) is not.
      if (!CLERK_LAYOUT_SOURCES.has(String(e.source))) return;
      if (e.finished === false) return;
      persistColumns();
    },
    [persistColumns],
  );

  const onGridReady = useCallback(
    (e: GridReadyEvent<GridRow>) => {
      apiRef.current = e.api;
      const saved = gridConfig?.layout;
      if (saved) e.api.applyColumnState({ state: stateFromLayout(saved), applyOrder: true });
    },
    [gridConfig],
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

  const toggleColumn = (colId: string, visible: boolean) => {
    apiRef.current?.setColumnsVisible([colId], visible);
    persistColumns();
    readMenuColumns();
  };
  const resetColumns = () => {
    call('columns:reset-layout', { batchType: batch.batchType, payType: batch.payType }).then(
      () => apiRef.current?.resetColumnState(),
      showError,
    );
    setColumnsAnchor(null);
  };

  const dark = theme.palette.mode === 'dark';
  const err = theme.palette.error;
  const warn = theme.palette.warning;
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', flex: 1, minHeight: 0, gap: 1 }}>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
        <Button
          size="small"
          variant="outlined"
          startIcon={<AddIcon />}
          onClick={appendEntry}
          disabled={!editable}
          title="New entry (Ctrl+Enter)"
          data-testid="new-entry"
        >
          New entry
        </Button>
        <Button
          size="small"
          startIcon={<DeleteOutlineIcon />}
          onClick={() => {
            const cell = apiRef.current?.getFocusedCell();
            requestDelete(
              cell && !cell.rowPinned
                ? (apiRef.current?.getDisplayedRowAtIndex(cell.rowIndex) ?? null)
                : null,
            );
          }}
          disabled={!editable}
          title="Delete the selected entries, or the focused one (Delete)"
          data-testid="delete-entries"
        >
          Delete
        </Button>
        <Button
          size="small"
          startIcon={<UndoIcon />}
          onClick={() => void undoLast()}
          disabled={!editable || undoSize === 0}
          title="Undo the last cell edit (Ctrl+Z)"
          data-testid="undo-edit"
        >
          Undo{undoSize > 0 ? ` (${undoSize})` : ''}
        </Button>
        <Button
          size="small"
          startIcon={<ViewColumnIcon />}
          onClick={(e) => {
            readMenuColumns();
            setColumnsAnchor(e.currentTarget);
          }}
          title="Show, hide and reset columns; drag headers to reorder, drag their edges to resize"
          data-testid="grid-columns"
        >
          Columns
        </Button>
        {editable && (
          <Typography variant="caption" color="textSecondary" sx={{ ml: 'auto' }} data-testid="keying-help">
            Tab next cell · Enter on the amount: next entry · Ctrl+Enter new entry · Ctrl+D copy down · Ctrl+Z
            undo · Space select · Del delete
          </Typography>
        )}
      </Box>
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
      <Box
        sx={{
          flex: 1,
          minHeight: 240,
          position: 'relative',
          '& .batch-cell-invalid': {
            bgcolor: alpha(err.main, dark ? 0.22 : 0.1),
            boxShadow: `inset 0 0 0 1px ${err.main}`,
            color: dark ? err.light : err.dark,
          },
          '& .batch-cell-warning': { bgcolor: alpha(warn.main, dark ? 0.2 : 0.12) },
          '& .batch-problem-error': { color: dark ? err.light : err.dark },
          '& .ag-row[row-id="totals"]': { fontWeight: 600 },
          // Overlay scrollbars lay the horizontal scrollbar's strip over the last row: room under the rows lets
          // the row being keyed scroll clear of it.
          '& .ag-root:has(> .ag-body-horizontal-scroll.ag-scrollbar-invisible:not(.ag-hidden)) .ag-grid-scrolling-rows':
            {
              marginBottom: '16px',
            },
          // The pinned row's cells come out content-box (30px wider than their columns), so the right-aligned
          // sum spilled into the next column and ran into the count; border-box keeps each inside its column.
          '& .ag-row[row-id="totals"] .ag-cell': { boxSizing: 'border-box' },
          '& .ag-row[row-id="totals"] .ag-cell.batch-totals-label': {
            fontWeight: 400,
            color: theme.palette.text.secondary,
            borderLeft: `1px solid ${theme.palette.divider}`,
            borderRight: `1px solid ${theme.palette.divider}`,
            paddingLeft: '18px',
          },
          '& .ag-row[row-id="totals"] .ag-cell.batch-totals-amount': {
            borderLeft: `1px solid ${theme.palette.divider}`,
            borderRight: `1px solid ${theme.palette.divider}`,
            paddingRight: '18px',
          },
        }}
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
            onColumnMoved={onColumnChanged}
            onColumnResized={onColumnChanged}
            onColumnVisible={onColumnChanged}
            onColumnPinned={onColumnChanged}
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
      <Menu anchorEl={columnsAnchor} open={columnsAnchor !== null} onClose={() => setColumnsAnchor(null)}>
        {menuColumns.map((c) => (
          <MenuItem
            key={c.colId}
            dense
            onClick={() => toggleColumn(c.colId, !c.visible)}
            data-testid={`column-toggle-${c.colId}`}
          >
            <ListItemIcon>
              <Checkbox size="small" edge="start" checked={c.visible} tabIndex={-1} disableRipple />
            </ListItemIcon>
            <ListItemText primary={c.name} />
          </MenuItem>
        ))}
        <Divider />
        <MenuItem dense onClick={resetColumns} data-testid="columns-reset">
          <ListItemText primary="Reset to the default layout" />
        </MenuItem>
      </Menu>
      <Dialog
        open={deleteIds !== null}
        onClose={() => setDeleteIds(null)}
        data-testid="delete-entries-dialog"
        aria-labelledby="delete-entries-title"
      >
        <DialogTitle id="delete-entries-title">
          Delete {deleteIds?.length === 1 ? 'this entry' : `${deleteIds?.length ?? 0} entries`}?
        </DialogTitle>
        <DialogContent>
          <Typography variant="body2">
            The {deleteIds?.length === 1 ? 'entry leaves' : 'entries leave'} the batch; the count and total of
            the zero-proof bar go down accordingly. Posted entries are never deleted.
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeleteIds(null)}>Cancel</Button>
          <Button
            color="error"
            variant="contained"
            autoFocus
            onClick={() => void confirmDelete()}
            data-testid="delete-entries-confirm"
          >
            Delete
          </Button>
        </DialogActions>
      </Dialog>
      {timeline.dialog}
    </Box>
  );
}
