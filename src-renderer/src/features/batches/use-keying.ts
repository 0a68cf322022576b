import { useCallback, useEffect, useRef, type FocusEvent as ReactFocusEvent } from 'react';
import type { CellPosition, SuppressKeyboardEventParams, TabToNextCellParams } from 'ag-grid-community';
import { call, errorMessage } from '../../api/client';
import { formatCount } from '../../components/format';
import { isBlankEntry } from './entry-fields';
import { keyingKey, settle, type GridCore, type GridRow } from './entries-grid-model';
import type { GridCursor } from './use-grid-cursor';
import type { EntryEdits } from './use-entry-edits';

/**
 * Heads-down keyed entry: Enter at the end of an entry goes to the next one (or a new one), Ctrl+Enter adds one,
 * Ctrl+D copies down, Ctrl+Z undoes, Delete removes; keys typed while the cursor moves to another entry are held and
 * applied there in order.
 */
export function useKeying(core: GridCore, cursor: GridCursor, edits: EntryEdits, onViewReset: () => void) {
  const {
    apiRef,
    boxRef,
    editableRef,
    filterRef,
    customRef,
    draftIdRef,
    onSavedRef,
    batchId,
    queue,
    setMessage,
    refreshTotals,
  } = core;
  const {
    editableColumns,
    focusCell,
    waitForRow,
    editorInput,
    isEndColumn,
    moveEditor,
    waitEditorFocus,
    holdFocus,
    revealEditor,
  } = cursor;
  const { undoLast, copyDown, requestDelete } = edits;
  // Keys of the keying path held while the cursor moves to another entry (null: keys go straight to the cells).
  const typeAhead = useRef<string[] | null>(null);

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
    apiRef,
    customRef,
    draftIdRef,
    filterRef,
    onSavedRef,
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
    [apiRef, editorInput, editableColumns, focusCell, waitEditorFocus, newEntry],
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
    [apiRef, editorInput, advance, isEndColumn, moveEditor, waitEditorFocus],
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
  }, [boxRef, setMessage, applyKey]);

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
  }, [apiRef, editableRef, feed, holdFocus]);

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
  }, [boxRef, editableRef]);

  // A cell that is redrawn under the focus drops it on the page body; the grid's frame takes it back, so the next
  // key still reaches the grid (and not the page, where it would be lost).
  const onFocusOut = useCallback(
    (e: ReactFocusEvent) => {
      if (e.relatedTarget !== null) return;
      const left = e.target;
      setTimeout(() => {
        const box = boxRef.current;
        if (box && !left.isConnected && (document.activeElement === document.body || !document.activeElement))
          box.focus({ preventScroll: true });
      }, 0);
    },
    [boxRef],
  );

  /** Tab stays in the grid: at the first or last cell it stays where it is instead of leaving for the page. */
  const tabToNextCell = useCallback(
    (p: TabToNextCellParams<GridRow>): CellPosition | boolean => {
      const next = p.nextCellPosition;
      if (!editableRef.current) return next ?? false;
      if (!next || next.rowPinned) return true;
      return next;
    },
    [editableRef],
  );

  return { appendEntry, suppressKeyboardEvent, onFocusOut, tabToNextCell };
}
