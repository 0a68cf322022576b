import type { ColumnState } from 'ag-grid-community';
import type { ColumnLayoutDto } from '../../../../src-shared/dto/admin';

/**
 * A clerk's own arrangement of the batch grid (order, widths, hidden columns), kept in the ledger per
 * operator, batch type and pay type (`columns:save-layout`); the admin's column set is the default it
 * refines, and "reset" goes back to it. The grid's selection column is the grid's, not the layout's.
 */
export function layoutFromState(state: readonly ColumnState[]): ColumnLayoutDto {
  const own = state.filter((c) => c.colId !== 'ag-Grid-SelectionColumn');
  return {
    order: own.map((c) => c.colId),
    widths: Object.fromEntries(
      own.filter((c) => typeof c.width === 'number').map((c) => [c.colId, Math.round(c.width as number)]),
    ),
    hidden: own.filter((c) => c.hide).map((c) => c.colId),
  };
}

/** The grid column state of a saved layout; columns the admin added since keep their default place. */
export function stateFromLayout(layout: ColumnLayoutDto): ColumnState[] {
  const hidden = new Set(layout.hidden);
  return layout.order.map((colId) => ({
    colId,
    hide: hidden.has(colId),
    ...(layout.widths[colId] !== undefined ? { width: layout.widths[colId] } : {}),
  }));
}
