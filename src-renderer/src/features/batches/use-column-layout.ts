import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { ColDef, ColumnEvent, GridApi } from 'ag-grid-community';
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
  payerName: 80,
  reference: 64,
  problem: 76,
  allocationState: 68,
  status: 96,
};
const DEFAULT_FLOOR = 80;
/**
 * Free-text columns in the order they get room beyond their floor, each up to its content: the payer's name is
 * what the clerk reads most, the verdict columns say little until the batch is validated.
 */
const FREE_PRIORITY = ['payerName', 'reference', 'problem', 'allocationState', 'status'];
/** Room a column draws beside its text: the status pill's own padding and the payment timeline button. */
const BESIDE_TEXT: Readonly<Record<string, number>> = { status: 44 };
/** A free column never grows past this for its content alone (a long name is read in full in its cell editor). */
const FREE_MAX = 420;
/** Columns of short codes, whose header may be cut (its tooltip names it) rather than widen the column. */
const SHORT_CODES = new Set(['seq', 'currency', 'reasonCode']);
/** Identifier columns are at least this wide, so a short sequence number still has room for its header. */
const WHOLE_MIN = 52;
const SCROLLBAR_ROOM = 16;
/** A cell's border, on top of its padding (which follows the grid density). */
const CELL_BORDER = 2;
/** Room to spare beside the totals row's sum, so a rounding of the measured text never cuts it. */
const TOTALS_SLACK = 4;

let measurer: CanvasRenderingContext2D | null = null;

/** An element's left and right padding together, in px. */
function paddingOf(el: Element): number {
  const style = getComputedStyle(el);
  // Computed paddings are pixel lengths ('8px'); Number() of the digits reads them.
  const px = (v: string) => Number(v.replace('px', '')) || 0;
  return px(style.paddingLeft) + px(style.paddingRight);
}

/**
 * The width a column needs for its header and for every value drawn in it now (the totals row aside): the text
 * measured in the cells' own font, plus the cell's padding and, for the header, room for the sort arrow. Zero
 * for the cells when none holds any text.
 */
function contentWidthOf(frame: HTMLElement, colId: string, withHeader: boolean): number {
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return 0;
  let widest = 0;
  const headerCell = !withHeader
    ? null
    : frame.querySelector<HTMLElement>(`.ag-header-cell[col-id="${colId}"]`);
  const header = headerCell?.querySelector<HTMLElement>('.ag-header-cell-text');
  if (headerCell && header) {
    measurer.font = getComputedStyle(header).font;
    widest = measurer.measureText(header.textContent ?? '').width + paddingOf(headerCell);
  }
  const cells = frame.querySelectorAll<HTMLElement>(
    `.ag-row:not([row-id="totals"]) .ag-cell[col-id="${colId}"]`,
  );
  const first = cells[0];
  if (first) measurer.font = getComputedStyle(first).font;
  const extra = first ? paddingOf(first) + CELL_BORDER : 0;
  for (const cell of cells) {
    const text = cell.textContent ?? '';
    if (text !== '') widest = Math.max(widest, measurer.measureText(text).width + extra);
  }
  // The batch's sum stands in the totals row under the amounts, with a rule and room on each side.
  const sum =
    colId === 'amount'
      ? frame.querySelector<HTMLElement>('.ag-row[row-id="totals"] .ag-cell[col-id="amount"]')
      : null;
  if (sum) {
    measurer.font = getComputedStyle(sum).font;
    widest = Math.max(
      widest,
      measurer.measureText(sum.textContent ?? '').width + paddingOf(sum) + CELL_BORDER + TOTALS_SLACK,
    );
  }
  return Math.ceil(widest);
}

/** Whether any entry row shows text in this column (an empty Problem column needs no room). */
function hasContent(frame: HTMLElement, colId: string): boolean {
  for (const cell of frame.querySelectorAll<HTMLElement>(
    `.ag-row:not([row-id="totals"]) .ag-cell[col-id="${colId}"]`,
  ))
    if ((cell.textContent ?? '').trim() !== '') return true;
  return false;
}

/** A free-text column as "fit columns" sizes it: its default width, its floor, what its content needs. */
type FreeColumn = { id: string; want: number; floor: number; need: number; filled: boolean };

/**
 * Shares `left` px among the free columns: each gets its floor; what remains goes to the columns with content,
 * in FREE_PRIORITY order, each up to what its content needs; anything beyond that is shared out by the default
 * widths among the columns with content (or all, when none has any).
 */
export function shareFreeWidth(
  free: readonly FreeColumn[],
  left: number,
): { key: string; newWidth: number }[] {
  const width = new Map(free.map((f) => [f.id, f.floor]));
  let rest = left - free.reduce((a, f) => a + f.floor, 0);
  const rank = (id: string) => {
    const i = FREE_PRIORITY.indexOf(id);
    // Custom fields are free text the admin added: after the payer and reference, before the verdicts.
    return i < 0 ? 1.5 : i;
  };
  const ordered = [...free].filter((f) => f.filled).sort((a, b) => rank(a.id) - rank(b.id));
  for (const f of ordered) {
    if (rest <= 0) break;
    const grow = Math.min(rest, Math.max(0, f.need - f.floor));
    width.set(f.id, f.floor + grow);
    rest -= grow;
  }
  if (rest > 0) {
    const takers = ordered.length > 0 ? ordered : free;
    const want = takers.reduce((a, f) => a + f.want, 0);
    let given = 0;
    takers.forEach((f, i) => {
      const share = i === takers.length - 1 ? rest - given : Math.floor((rest * f.want) / want);
      given += share;
      width.set(f.id, (width.get(f.id) ?? f.floor) + share);
    });
  }
  return free.map((f) => ({ key: f.id, newWidth: Math.floor(width.get(f.id) ?? f.floor) }));
}

/** The whole caption of a column (its header may show a shorter one). */
function menuName(def: ColDef): string {
  const context: unknown = def.context;
  if (context && typeof context === 'object' && 'caption' in context && typeof context.caption === 'string')
    return context.caption;
  return def.headerName ?? '';
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
        .map((c) => ({ colId: c.getColId(), name: menuName(c.getColDef()), visible: c.isVisible() })),
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
   * width (measured on the rendered rows) and are never cut; free-text columns with content grow into what is
   * left (the payer first), empty ones keep their floor, and all shrink down to a floor when room is short (their
   * text is then read in the tooltip). A clerk who sized columns by hand keeps those widths.
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
    const free: FreeColumn[] = [];
    for (const c of shown) {
      const id = c.getColId();
      const content = contentWidths.current.get(id);
      if (content !== undefined) fixed.set(id, content);
      else {
        const floor = FLOOR_WIDTH[id] ?? DEFAULT_FLOOR;
        const filled = hasContent(frame, id);
        free.push({
          id,
          want: c.getColDef().width ?? DEFAULT_FLOOR,
          floor,
          filled,
          need: filled
            ? Math.min(Math.max(contentWidthOf(frame, id, true) + (BESIDE_TEXT[id] ?? 0), floor), FREE_MAX)
            : floor,
        });
      }
    }
    let left = avail - [...fixed.values()].reduce((a, b) => a + b, 0);
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
    const widths = shareFreeWidth(free, left);
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
