import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, type Ref } from 'react';
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
} from 'ag-grid-community';
import { AgGridReact } from 'ag-grid-react';
import type { CommandInput } from '../../../../src-shared/api/contract';
import type { SuspenseRowDto, SuspenseSearchDto } from '../../../../src-shared/dto/suspense';
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { createGridTheme } from '../../components/grid-theme';
import type { QueueFilters } from './FilterPanel';
import { STATE_LABELS, STATE_TONES } from './labels';

ModuleRegistry.registerModules([AllCommunityModule]);

/** Rows per block: the grid asks for the next block (by offset) as the analyst scrolls, to the end of the result. */
const BLOCK_SIZE = 100;

type SortBy = NonNullable<CommandInput<'suspense:search'>['sortBy']>;

const SORTABLE: ReadonlySet<string> = new Set<SortBy>([
  'paymentId',
  'enteredOn',
  'effectiveDate',
  'amountMinor',
  'currency',
  'state',
  'reasonCode',
  'actionOwner',
  'accountHint',
  'billNo',
  'payerName',
  'externalRef',
  'batchId',
  'lockboxNo',
  'channelId',
  'payType',
]);

/** What the page can ask of the grid. */
export type QueueGridHandle = {
  /** Drops every loaded block and fetches the visible ones again (after a move or a filter change). */
  reload: () => void;
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
  const filtersRef = useRef(filters);
  const callbacks = useRef({ onTotals, onError });
  useEffect(() => {
    callbacks.current = { onTotals, onError };
  });

  const datasource = useMemo<IDatasource>(
    () => ({
      getRows: (params: IGetRowsParams) => {
        const sort = params.sortModel[0];
        const first = params.startRow === 0;
        call('suspense:search', {
          ...filtersRef.current,
          limit: params.endRow - params.startRow,
          offset: params.startRow,
          // The totals and counts belong to the whole result; the first block brings them.
          totals: first,
          ...(sort && SORTABLE.has(sort.colId) ? { sortBy: sort.colId as SortBy, sortDir: sort.sort } : {}),
        }).then(
          (page) => {
            const last = page.nextCursor === null ? params.startRow + page.rows.length : -1;
            params.successCallback(page.rows, last);
            if (first) callbacks.current.onTotals(page);
          },
          (err: unknown) => {
            params.failCallback();
            callbacks.current.onError(errorMessage(err));
          },
        );
      },
    }),
    [],
  );

  useEffect(() => {
    if (JSON.stringify(filtersRef.current) === JSON.stringify(filters)) return;
    filtersRef.current = filters;
    apiRef.current?.deselectAll();
    apiRef.current?.purgeInfiniteCache();
  }, [filters]);

  useEffect(() => {
    apiRef.current?.redrawRows();
  }, [selectedId]);

  useImperativeHandle(
    handleRef,
    () => ({
      reload: () => apiRef.current?.purgeInfiniteCache(),
      clearSelection: () => apiRef.current?.deselectAll(),
    }),
    [],
  );

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
      { field: 'effectiveDate', headerName: 'Received', width: 112 },
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
