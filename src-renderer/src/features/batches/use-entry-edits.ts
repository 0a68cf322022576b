import { useCallback, useRef, useState } from 'react';
import type { Column, IRowNode } from 'ag-grid-community';
import { isPostedEntry, type BatchEntryDto } from '../../../../src-shared/dto/batches';
import { call } from '../../api/client';
import {
  applyFieldLocally,
  fieldPatch,
  fieldText,
  isBlankEntry,
  isEditableField,
  paymentRefProblem,
  UndoStack,
  type EditableField,
} from './entry-fields';
import { settle, type GridCore, type GridRow } from './entries-grid-model';
import type { GridCursor } from './use-grid-cursor';

/**
 * Changes to entries from the grid: a cell saved as it is left (shown at once, the service's verdict applied when
 * it answers), undo, copy down, and deleting entries after the clerk confirms.
 */
export function useEntryEdits(core: GridCore, cursor: GridCursor) {
  const {
    apiRef,
    editableRef,
    draftIdRef,
    focusedIdRef,
    onSavedRef,
    onFocusEntryRef,
    batchId,
    exponent,
    queue,
    setMessage,
    showError,
    refreshTotals,
  } = core;
  const { applyRow, focusCell } = cursor;
  const undo = useRef(new UndoStack());
  const pendingSaves = useRef(new Map<number, number>());
  const [undoSize, setUndoSize] = useState(0);
  const [deleteIds, setDeleteIds] = useState<number[] | null>(null);

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
      const oldText = fieldText(entry, field, { exponent: exponent });
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
            entries: [fieldPatch(id, field, text, { exponent: exponent })],
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
    [
      apiRef,
      focusedIdRef,
      onFocusEntryRef,
      onSavedRef,
      setMessage,
      batchId,
      exponent,
      queue,
      refreshTotals,
      applyRow,
      showError,
    ],
  );

  const reload = useCallback(() => {
    apiRef.current?.refreshInfiniteCache();
    void refreshTotals().catch(showError);
  }, [apiRef, refreshTotals, showError]);

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
  }, [apiRef, draftIdRef, onSavedRef, batchId, queue, reload, showError]);

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
            entries: [fieldPatch(step.entryId, step.field, step.oldText, { exponent: exponent })],
          }),
        )
        .then(() => {
          reload();
          onSavedRef.current();
        }, showError);
    }
  }, [apiRef, onSavedRef, setMessage, batchId, exponent, queue, saveField, focusCell, reload, showError]);

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
        saveField(node, field, fieldText(above, field, { exponent: exponent }), true);
      }
      focusCell(node.rowIndex, field, false);
    },
    [apiRef, setMessage, saveField, focusCell, exponent],
  );

  const requestDelete = useCallback(
    (node: IRowNode<GridRow> | null) => {
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
    },
    [apiRef, editableRef],
  );

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
  }, [
    apiRef,
    draftIdRef,
    onSavedRef,
    deleteIds,
    batchId,
    queue,
    reload,
    refreshTotals,
    focusCell,
    showError,
  ]);

  // The key handler is built once for the column definitions; it reaches the current callbacks through a ref.

  return {
    saveField,
    reload,
    dropBlankDraft,
    undoLast,
    copyDown,
    requestDelete,
    confirmDelete,
    undoSize,
    deleteIds,
    cancelDelete: () => setDeleteIds(null),
  };
}

/** The edit functions the keying hook and the view use. */
export type EntryEdits = ReturnType<typeof useEntryEdits>;
