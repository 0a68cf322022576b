import type { ColumnState } from 'ag-grid-community';
import type { BatchTypeDto } from '../../../../src-shared/dto/batches';

/**
 * Each user's column layout (order, width, hidden) of the batch grid, kept per batch type in this profile's
 * localStorage. Admin-configured column sets per pay type and batch type (Payment Tool's /config/paymenttool)
 * come in a later release; they will become the default layout that this per-user state refines.
 */
function storageKey(login: string, batchType: BatchTypeDto): string {
  return `paydesk.batch-grid.columns.${login}.${batchType}`;
}

/** The saved layout, or null when there is none (or storage is unavailable). */
export function loadColumnState(login: string, batchType: BatchTypeDto): ColumnState[] | null {
  try {
    const text = window.localStorage.getItem(storageKey(login, batchType));
    if (!text) return null;
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? (parsed as ColumnState[]) : null;
  } catch {
    // A broken or unreadable layout falls back to the default one.
    return null;
  }
}

/** Saves the layout without the sort, which belongs to the moment and not to the layout. */
export function saveColumnState(login: string, batchType: BatchTypeDto, state: readonly ColumnState[]): void {
  const layout = state.map((c) => ({
    colId: c.colId,
    width: c.width,
    hide: c.hide,
    pinned: c.pinned,
    flex: c.flex,
  }));
  try {
    window.localStorage.setItem(storageKey(login, batchType), JSON.stringify(layout));
  } catch {
    // Not remembering a layout is harmless.
  }
}

/** Forgets the saved layout (back to the default columns). */
export function clearColumnState(login: string, batchType: BatchTypeDto): void {
  try {
    window.localStorage.removeItem(storageKey(login, batchType));
  } catch {
    // Nothing to forget.
  }
}
