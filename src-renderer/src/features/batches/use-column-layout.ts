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
  payerName: 100,
  reference: 90,
  problem: 150,
  allocationState: 90,
  status: 150,
};
const DEFAULT_FLOOR = 80;

/** A column as the Columns menu offers it. */
export type MenuColumn = { colId: string; name: string; visible: boolean };

/**
 * The admin's column set for this batch type and pay type with the clerk's own layout (columns:grid): loaded,
 * applied when the grid is ready, kept when the clerk moves, resizes or hides a column, and reset on request.
 */
export function useColumnLayout(
  batch: Pick<BatchDto, 'batchType' | 'payType'>,
  apiRef: RefObject<GridApi<GridRow> | null>,
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
   * "Fit columns": the visible columns share the grid's width, identifier and amount columns never below their
   * content (measured on the rendered rows), free text down to a floor. A clerk who sized columns by hand keeps
   * those widths.
   */
  const fitColumns = useCallback(() => {
    const api = apiRef.current;
    if (!api || api.isDestroyed() || ownWidthsRef.current) return;
    const shown = api.getAllDisplayedColumns().map((c) => c.getColId());
    const whole = shown.filter((id) => WHOLE_CONTENT.has(id));
    if (whole.length) {
      api.autoSizeColumns(whole, false);
      for (const id of whole) {
        const w = api.getColumn(id)?.getActualWidth() ?? 0;
        contentWidths.current.set(id, Math.max(w, contentWidths.current.get(id) ?? 0));
      }
    }
    api.sizeColumnsToFit({
      columnLimits: shown
        .filter((id) => id !== 'ag-Grid-SelectionColumn')
        .map((key) => ({
          key,
          minWidth: contentWidths.current.get(key) ?? FLOOR_WIDTH[key] ?? DEFAULT_FLOOR,
        })),
    });
  }, [apiRef]);

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
