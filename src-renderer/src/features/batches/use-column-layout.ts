import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { ColumnEvent, GridApi } from 'ag-grid-community';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import type { GridColumnsDto } from '../../../../src-shared/dto/admin';
import { call } from '../../api/client';
import { layoutFromState, stateFromLayout } from './column-state';
import { isEditableField } from './entry-fields';
import { CLERK_LAYOUT_SOURCES, type GridRow } from './entries-grid-model';

/** Columns whose text is an identifier or a figure: never narrower than what they hold. */
const WHOLE_CONTENT = new Set([
  'seq',
  'accountNo',
  'billNo',
  'amount',
  'paymentDate',
  'checkNo',
  'paymentRef',
  'reasonCode',
  'currency',
]);

/** How narrow "fit columns" may make the other columns (free text is cut and read in its tooltip). */
const FLOOR_WIDTH: Readonly<Record<string, number>> = {
  payerName: 84,
  reference: 76,
  problem: 110,
  allocationState: 76,
  status: 120,
};
const DEFAULT_FLOOR = 80;
/** Columns of short codes, whose header may be cut (its tooltip names it) rather than widen the column. */
const SHORT_CODES = new Set(['seq', 'currency', 'reasonCode']);
/** Identifier columns are at least this wide, so a short sequence number still has room for its header. */
const WHOLE_MIN = 60;
const SCROLLBAR_ROOM = 16;
/** A cell's padding on both sides and its border. */
const CELL_EXTRA = 34;
/** A header cell's padding and its resize handle. */
const HEADER_EXTRA = 32;
/** The totals row's extra padding and rules around the sum. */
const TOTALS_EXTRA = 24;

let measurer: CanvasRenderingContext2D | null = null;

/**
 * The width a column needs for its header and for every value drawn in it now (the totals row aside): the text
 * measured in the cells' own font, plus the cell's padding and, for the header, room for the sort arrow.
 */
function contentWidthOf(frame: HTMLElement, colId: string, withHeader: boolean): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return 0;
  let widest = 0;
  const header = !withHeader
    ? null
    : frame.querySelector<HTMLElement>(`.ag-header-cell[col-id="${colId}"] .ag-header-cell-text`);
  if (header) {
    measurer.font = getComputedStyle(header).font;
    widest = measurer.measureText(header.textContent ?? '').width + HEADER_EXTRA;
  }
  const cells = frame.querySelectorAll<HTMLElement>(
    `.ag-row:not([row-id="totals"]) .ag-cell[col-id="${colId}"]`,
  );
  const first = cells[0];
  if (first) measurer.font = getComputedStyle(first).font;
  for (const cell of cells)
    widest = Math.max(widest, measurer.measureText(cell.textContent ?? '').width + CELL_EXTRA);
  // The batch's sum stands in the totals row under the amounts, with a rule and room on each side.
  const sum =
    colId === 'amount'
      ? frame.querySelector<HTMLElement>('.ag-row[row-id="totals"] .ag-cell[col-id="amount"]')
      : null;
  if (sum) {
    measurer.font = getComputedStyle(sum).font;
    widest = Math.max(widest, measurer.measureText(sum.textContent ?? '').width + CELL_EXTRA + TOTALS_EXTRA);
  }
  return Math.ceil(widest);
}

/** A column as the Columns menu offers it. */
export type MenuColumn = { colId: string; name: string; visible: boolean };

/**
 * The admin's column set for this batch type and pay type with the clerk's own layout (columns:grid): loaded,
 * applied when the grid is ready, kept when the clerk moves, resizes or hides a column, and reset on request.
 */
export function useColumnLayout(
  batch: Pick<BatchDto, 'batchType' | 'payType'>,
  apiRef: RefObject<GridApi<GridRow> | null>,
  boxRef: RefObject<HTMLDivElement | null>,
  showError: (err: unknown) => void,
) {
  const { batchType, payType } = batch;
  const [gridConfig, setGridConfig] = useState<GridColumnsDto | null>(null);
  const [menuColumns, setMenuColumns] = useState<MenuColumn[]>([]);
  useEffect(() => {
    let live = true;
    call('columns:grid', { batchType, payType }).then(
      (g) => {
        if (live) setGridConfig(g);
      },
      (err: unknown) => {
        if (live) showError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [batchType, payType, showError]);
  // The widest content seen per identifier column, so a later block of shorter values never cuts the first ones.
  const contentWidths = useRef(new Map<string, number>());
  const hasOwnWidths = Object.keys(gridConfig?.layout?.widths ?? {}).length > 0;
  const ownWidthsRef = useRef(hasOwnWidths);
  useEffect(() => {
    ownWidthsRef.current = hasOwnWidths;
  }, [hasOwnWidths]);
  const gridColumns = useMemo(
    () => (gridConfig?.columns ?? []).filter((c) => c.purpose !== 'payments_tab' && isEditableField(c.field)),
    [gridConfig],
  );
  // The totals row names the entry count in the first visible column that is not the amount (which shows the sum).
  const labelField =
    (gridColumns.find((c) => c.visible && c.field !== 'amount') ?? gridColumns[0])?.field ?? 'accountNo';

  /** The columns the Columns menu offers, read from the grid when the menu opens or changes. */
  const readMenuColumns = useCallback(() => {
    setMenuColumns(
      (apiRef.current?.getColumns() ?? [])
        .filter((c) => c.getColId() !== 'ag-Grid-SelectionColumn')
        .map((c) => ({ colId: c.getColId(), name: c.getColDef().headerName ?? '', visible: c.isVisible() })),
    );
  }, [apiRef]);

  const persistColumns = useCallback(() => {
    const api = apiRef.current;
    if (!api) return;
    call('columns:save-layout', { batchType, payType, layout: layoutFromState(api.getColumnState()) }).catch(
      showError,
    );
  }, [apiRef, batchType, payType, showError]);

  const onColumnChanged = useCallback(
    (
      e: ColumnEvent<'columnMoved' | 'columnResized' | 'columnVisible' | 'columnPinned', GridRow> & {
        finished?: boolean;
      },
    ) => {
      // Only the clerk's own changes are a layout to keep; the grid's own sizing (flex, first render) is not.
      if (!CLERK_LAYOUT_SOURCES.has(String(e.source))) return;
      if (e.finished === false) return;
      if (e.type === 'columnResized') ownWidthsRef.current = true;
      persistColumns();
    },
    [persistColumns],
  );

  /**
   * "Fit columns": the visible columns share the grid's width. Identifier and amount columns get their content
   * width (measured on the rendered rows) and are never cut; free-text columns grow into what is left, or shrink
   * down to a floor (their text is then read in the tooltip). A clerk who sized columns by hand keeps those widths.
   */
  const fitColumns = useCallback(() => {
    const api = apiRef.current;
    const frame = api && !api.isDestroyed() ? boxRef.current : null;
    if (!api || !frame || ownWidthsRef.current || frame.clientWidth === 0) return;
    const shown = api.getAllDisplayedColumns().filter((c) => c.getColId() !== 'ag-Grid-SelectionColumn');
    const whole = shown.map((c) => c.getColId()).filter((id) => WHOLE_CONTENT.has(id));
    for (const id of whole) {
      const w = Math.max(contentWidthOf(frame, id, !SHORT_CODES.has(id)), WHOLE_MIN);
      contentWidths.current.set(id, Math.max(w, contentWidths.current.get(id) ?? 0));
    }
    const selection = api.getColumn('ag-Grid-SelectionColumn')?.getActualWidth() ?? 0;
    // The frame's borders, a pixel of rounding each side, and a vertical scrollbar where scrollbars take room.
    const avail = frame.clientWidth - selection - 4 - SCROLLBAR_ROOM;
    const fixed = new Map<string, number>();
    const free: { id: string; want: number; floor: number }[] = [];
    for (const c of shown) {
      const id = c.getColId();
      const content = contentWidths.current.get(id);
      if (content !== undefined) fixed.set(id, content);
      else
        free.push({
          id,
          want: c.getColDef().width ?? DEFAULT_FLOOR,
          floor: FLOOR_WIDTH[id] ?? DEFAULT_FLOOR,
        });
    }
    let left = avail - [...fixed.values()].reduce((a, b) => a + b, 0);
    const want = free.reduce((a, f) => a + f.want, 0);
    const floor = free.reduce((a, f) => a + f.floor, 0);
    // Short-code columns show their whole header too when the free columns keep their floors all the same.
    const headed = whole
      .filter((id) => SHORT_CODES.has(id))
      .map((id) => [id, contentWidthOf(frame, id, true)] as const);
    const more = headed.reduce((a, [id, w]) => a + Math.max(0, w - (fixed.get(id) ?? w)), 0);
    if (left - more >= floor) {
      for (const [id, w] of headed) fixed.set(id, Math.max(w, fixed.get(id) ?? 0));
      left -= more;
    }
    const widths = free.map((f) => {
      // Room for more than wanted: share it out; less: shrink each towards its floor alike.
      if (left >= want) return { key: f.id, newWidth: Math.floor(f.want + ((left - want) * f.want) / want) };
      if (left > floor)
        return {
          key: f.id,
          newWidth: Math.floor(f.floor + ((left - floor) * (f.want - f.floor)) / (want - floor)),
        };
      return { key: f.id, newWidth: f.floor };
    });
    api.setColumnWidths(
      [...[...fixed].map(([key, newWidth]) => ({ key, newWidth })), ...widths],
      true,
      'sizeColumnsToFit',
    );
  }, [apiRef, boxRef]);

  /** Applies the clerk's saved layout to a grid that has just been built. */
  const applySavedLayout = useCallback(
    (api: GridApi<GridRow>) => {
      const saved = gridConfig?.layout;
      if (saved) api.applyColumnState({ state: stateFromLayout(saved), applyOrder: true });
    },
    [gridConfig],
  );

  const toggleColumn = (colId: string, visible: boolean) => {
    apiRef.current?.setColumnsVisible([colId], visible);
    persistColumns();
    readMenuColumns();
  };
  const resetColumns = () => {
    call('columns:reset-layout', { batchType, payType }).then(() => {
      ownWidthsRef.current = false;
      apiRef.current?.resetColumnState();
      fitColumns();
    }, showError);
  };

  return {
    gridConfig,
    gridColumns,
    labelField,
    menuColumns,
    readMenuColumns,
    onColumnChanged,
    applySavedLayout,
    fitColumns,
    toggleColumn,
    resetColumns,
  };
}
