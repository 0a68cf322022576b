import { useCallback } from 'react';
import type { Column, IRowNode } from 'ag-grid-community';
import type { BatchEntryDto } from '../../../../src-shared/dto/batches';
import { isEditableField } from './entry-fields';
import type { GridCore, GridRow } from './entries-grid-model';

/**
 * Where the cursor is and how it moves: the editable cells of a row, focusing and editing a cell, waiting for a row
 * or an editor to appear, keeping the keyboard focus in the grid while rows are redrawn.
 */
export function useGridCursor({
  apiRef,
  boxRef,
  loadingRef,
}: Pick<GridCore, 'apiRef' | 'boxRef' | 'loadingRef'>) {
  const editableColumns = useCallback(
    (node: IRowNode<GridRow>): Column[] => {
      const api = apiRef.current;
      if (!api) return [];
      return api
        .getAllDisplayedColumns()
        .filter((c) => isEditableField(c.getColId()) && c.isCellEditable(node));
    },
    [apiRef],
  );

  const focusCell = useCallback(
    (rowIndex: number, colId: string, edit: boolean) => {
      const api = apiRef.current;
      if (!api) return;
      api.ensureIndexVisible(rowIndex);
      api.ensureColumnVisible(colId);
      api.setFocusedCell(rowIndex, colId);
      if (edit) api.startEditingCell({ rowIndex, colKey: colId });
    },
    [apiRef],
  );

  /** Waits until no block is loading (a block that arrives later re-renders its rows and closes an editor). */
  const waitLoaded = useCallback(async (): Promise<void> => {
    // The grid may ask for a block a moment after a refresh or a scroll, so quiet means quiet twice in a row.
    for (let i = 0, quiet = 0; i < 250 && quiet < 2; i++) {
      quiet = loadingRef.current > 0 ? 0 : quiet + 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  }, [loadingRef]);

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
    [apiRef, loadingRef, waitLoaded],
  );

  /**
   * Shows new data in a row without disturbing a cell editor that is open in it: the row object is updated in
   * place and every cell but the one being edited is refreshed (replacing the data would restart the editor and
   * lose what the clerk is typing after Tab).
   */

  const applyRow = useCallback(
    (node: IRowNode<GridRow>, data: BatchEntryDto) => {
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
    },
    [apiRef],
  );
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
    [apiRef, editableColumns, focusCell],
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
  }, [boxRef]);

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

  return {
    editableColumns,
    focusCell,
    waitLoaded,
    waitForRow,
    applyRow,
    editorInput,
    isEndColumn,
    moveEditor,
    waitEditorFocus,
    holdFocus,
    revealEditor,
  };
}

/** The cursor functions the other grid hooks use. */
export type GridCursor = ReturnType<typeof useGridCursor>;
