import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type Ref } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import { alpha, useTheme } from '@mui/material/styles';
import {
  AllCommunityModule,
  ModuleRegistry,
  type ColDef,
  type GetRowIdParams,
  type GridApi,
  type GridReadyEvent,
  type ICellRendererParams,
  type IDatasource,
  type IGetRowsParams,
  type RowSelectionOptions,
  type SortChangedEvent,
} from 'ag-grid-community';
import { AgGridReact } from 'ag-grid-react';
import type { CommandInput } from '../../../../src-shared/api/contract';
import type { SuspenseRowDto, SuspenseSearchDto } from '../../../../src-shared/dto/suspense';
import { SUSPENSE_SORTS } from '../../../../src-shared/dto/suspense';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatDate } from '../../components/format';
import { createGridTheme } from '../../components/grid-theme';
import { useApiFetch, useApiQuery } from '../../components/query';
import type { QueueFilters } from './FilterPanel';
import { STATE_LABELS, STATE_TONES } from './labels';

ModuleRegistry.registerModules([AllCommunityModule]);

/** Rows per block: the grid asks for the next block (by offset) as the analyst scrolls, to the end of the result. */
const BLOCK_SIZE = 100;

type SortBy = NonNullable<CommandInput<'suspense:search'>['sortBy']>;
type Sort = { sortBy: SortBy; sortDir: 'asc' | 'desc' } | null;

const SORTABLE: ReadonlySet<string> = new Set<SortBy>(SUSPENSE_SORTS);

/** The grid's sort as the search takes it (a column the service cannot sort by is left to its default). */
function sortOf(colId: string | undefined, dir: 'asc' | 'desc' | null | undefined): Sort {
  return colId && dir && SORTABLE.has(colId) ? { sortBy: colId as SortBy, sortDir: dir } : null;
}

/**
 * One block of the search. The first block brings the totals and counts of the whole result; the page's read of
 * it and the grid's share one cache entry, so they must be built alike.
 */
function blockInput(
  filters: QueueFilters,
  sort: Sort,
  offset: number,
  limit: number,
): CommandInput<'suspense:search'> {
  return { ...filters, limit, offset, totals: offset === 0, ...(sort ?? {}) };
}

/** What the page can ask of the grid. */
export type QueueGridHandle = {
  /** Clears the row selection. */
  clearSelection: () => void;
};

/** The Payment Center result grid: every payment the filters find, paged from the service as it scrolls. */
export function QueueGrid({
  filters,
  selectedId,
  onSelect,
  onSelection,
  onTotals,
  onError,
  handleRef,
}: {
  filters: QueueFilters;
  selectedId: number | null;
  onSelect: (paymentId: number) => void;
  onSelection: (ids: number[]) => void;
  onTotals: (totals: SuspenseSearchDto) => void;
  onError: (message: string) => void;
  handleRef: Ref<QueueGridHandle>;
}) {
  const theme = useTheme();
  const gridTheme = useMemo(() => createGridTheme(theme), [theme]);
  const { money } = useAppInfo();
  const apiRef = useRef<GridApi<SuspenseRowDto> | null>(null);
  const fetchBlock = useApiFetch();
  const [sort, setSort] = useState<Sort>(null);
  // The first block is read through the shared cache like every screen's data: a new filter keeps the rows on
  // show while it loads, and a ledger event (another window, the CLI, a move made here) reads it again.
  const first = useApiQuery('suspense:search', blockInput(filters, sort, 0, BLOCK_SIZE), {
    keepPrevious: true,
  });
  // The filters the rows on show belong to; the grid's later blocks are read with them.
  const filtersRef = useRef(filters);
  const callbacks = useRef({ onTotals, onError, filters });
  useEffect(() => {
    callbacks.current = { onTotals, onError, filters };
  });

  const datasource = useMemo<IDatasource>(
    () => ({
      getRows: (params: IGetRowsParams) => {
        const column = params.sortModel[0];
        const input = blockInput(
          filtersRef.current,
          sortOf(column?.colId, column?.sort),
          params.startRow,
          params.endRow - params.startRow,
        );
        fetchBlock('suspense:search', input).then(
          (page) => {
            const last = page.nextCursor === null ? params.startRow + page.rows.length : -1;
            params.successCallback(page.rows, last);
            if (input.totals) callbacks.current.onTotals(page);
          },
          (err: unknown) => {
            params.failCallback();
            callbacks.current.onError(errorMessage(err));
          },
        );
      },
    }),
    [fetchBlock],
  );

  // Each time a read of the first block settles (new filters, a new sort, or fresh data after the ledger changed),
  // the grid reads its blocks again from the cache: the rows on show stay until theirs arrive, so nothing blanks.
  useEffect(() => {
    const api = apiRef.current;
    if (first.fetching || !api) return;
    const next = callbacks.current.filters;
    if (JSON.stringify(filtersRef.current) !== JSON.stringify(next)) {
      filtersRef.current = next;
      api.deselectAll();
    }
    api.refreshInfiniteCache();
  }, [first.fetching]);

  useEffect(() => {
    apiRef.current?.redrawRows();
  }, [selectedId]);

  useImperativeHandle(handleRef, () => ({ clearSelection: () => apiRef.current?.deselectAll() }), []);

  const columns = useMemo<ColDef<SuspenseRowDto>[]>(
    () => [
      { field: 'paymentId', headerName: 'Payment', width: 100, type: 'rightAligned' },
      {
        field: 'amountMinor',
        headerName: 'Amount',
        width: 130,
        type: 'rightAligned',
        valueFormatter: (p) => (p.data ? money(p.data.amountMinor, p.data.currency) : ''),
        cellStyle: { fontVariantNumeric: 'tabular-nums' },
      },
      { field: 'currency', headerName: 'Cur', width: 72 },
      {
        field: 'enteredOn',
        headerName: 'Days',
        width: 84,
        type: 'rightAligned',
        valueFormatter: (p) => (p.data ? String(p.data.ageDays) : ''),
        headerTooltip: 'Days in suspense (sorts by the date it entered)',
      },
      { field: 'payerName', headerName: 'Payer', width: 190, tooltipField: 'payerName' },
      {
        field: 'state',
        headerName: 'Status',
        width: 150,
        cellRenderer: (p: ICellRendererParams<SuspenseRowDto>) =>
          p.data ? (
            <Chip
              size="small"
              variant="outlined"
              color={STATE_TONES[p.data.state]}
              label={`${STATE_LABELS[p.data.state]}${p.data.failed ? ' · failed' : ''}`}
            />
          ) : null,
      },
      {
        field: 'reasonCode',
        headerName: 'Reason',
        width: 200,
        valueFormatter: (p) => (p.data ? `${p.data.reasonCode} ${p.data.reasonLabel ?? ''}` : ''),
        tooltipValueGetter: (p) => (p.data ? `${p.data.reasonCode} ${p.data.reasonLabel ?? ''}` : ''),
      },
      {
        field: 'actionOwner',
        headerName: 'Owner',
        width: 140,
        valueFormatter: (p) => (p.data ? (p.data.ownerLabel ?? '—') : ''),
      },
      { field: 'accountHint', headerName: 'Account tried', width: 130 },
      { field: 'externalRef', headerName: 'Reference', width: 170, tooltipField: 'externalRef' },
      { field: 'billNo', headerName: 'Bill tried', width: 120 },
      {
        field: 'effectiveDate',
        headerName: 'Received',
        width: 112,
        valueFormatter: (p) => (p.data ? formatDate(p.data.effectiveDate) : ''),
      },
      { field: 'batchId', headerName: 'Batch', width: 84, type: 'rightAligned' },
      { field: 'lockboxNo', headerName: 'Lockbox', width: 100 },
      { field: 'channelId', headerName: 'Channel', width: 90, type: 'rightAligned' },
      { field: 'payType', headerName: 'Pay type', width: 96, type: 'rightAligned' },
    ],
    [money],
  );

  const defaultColDef = useMemo<ColDef<SuspenseRowDto>>(
    () => ({ sortable: true, resizable: true, suppressHeaderMenuButton: true }),
    [],
  );
  const rowSelection = useMemo<RowSelectionOptions<SuspenseRowDto>>(
    () => ({ mode: 'multiRow', checkboxes: true, headerCheckbox: false, enableClickSelection: false }),
    [],
  );
  const getRowId = useCallback((p: GetRowIdParams<SuspenseRowDto>) => String(p.data.paymentId), []);
  const onGridReady = useCallback((e: GridReadyEvent<SuspenseRowDto>) => {
    apiRef.current = e.api;
  }, []);
  // The grid reloads its own blocks on a new sort; the first-block read follows it so both share the cache.
  const onSortChanged = useCallback((e: SortChangedEvent<SuspenseRowDto>) => {
    const column = e.api.getColumnState().find((c) => c.sort);
    setSort(sortOf(column?.colId, column?.sort));
  }, []);

  return (
    <Box
      sx={{
        flex: 1,
        minHeight: 0,
        '& .suspense-row-open': { bgcolor: alpha(theme.palette.primary.main, 0.1) },
      }}
      data-testid="suspense-grid"
    >
      <AgGridReact<SuspenseRowDto>
        theme={gridTheme}
        rowModelType="infinite"
        datasource={datasource}
        cacheBlockSize={BLOCK_SIZE}
        maxBlocksInCache={100}
        columnDefs={columns}
        defaultColDef={defaultColDef}
        getRowId={getRowId}
        rowSelection={rowSelection}
        selectionColumnDef={{ width: 44, pinned: 'left' }}
        suppressMultiSort
        tooltipShowDelay={400}
        onGridReady={onGridReady}
        onSortChanged={onSortChanged}
        onRowClicked={(e) => {
          if (e.data) onSelect(e.data.paymentId);
        }}
        onCellKeyDown={(e) => {
          const key = (e.event as KeyboardEvent | null)?.key;
          if (key === 'Enter' && e.data) onSelect(e.data.paymentId);
        }}
        onSelectionChanged={(e) => onSelection(e.api.getSelectedRows().map((r) => r.paymentId))}
        rowClassRules={{ 'suspense-row-open': (p) => !!p.data && p.data.paymentId === selectedId }}
      />
    </Box>
  );
}
