import { useCallback, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import LinearProgress from '@mui/material/LinearProgress';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import KeyboardArrowDownIcon from '@mui/icons-material/KeyboardArrowDown';
import KeyboardArrowRightIcon from '@mui/icons-material/KeyboardArrowRight';
import {
  AllCommunityModule,
  ModuleRegistry,
  type CellKeyDownEvent,
  type ColDef,
  type ICellRendererParams,
} from 'ag-grid-community';
import { AgGridReact } from 'ag-grid-react';
import type { PaymentHistoryRowDto } from '../../../../src-shared/dto/accounts';
import { useAppInfo } from '../../app/app-info';
import { formatDate } from '../../components/format';
import { createGridTheme } from '../../components/grid-theme';
import { usePaymentTimeline } from '../../components/PaymentTimelineDialog';
import { AllocationRowsTable } from '../../components/AllocationRowsTable';
import type { PaymentActions } from '../../components/allocation-dialog-state';
import { paymentKindName, paymentStatusName, payTypeName } from '../../components/account-labels';
import { usePaymentAllocations, type PaymentAllocations } from './use-payment-allocations';

ModuleRegistry.registerModules([AllCommunityModule]);

/** Where a payment went, as loaded for an expanded row. */
type Detail = PaymentAllocations;

/** A grid row: a payment, or (with `detail`) the full-width row under an expanded payment. */
type HistoryGridRow = PaymentHistoryRowDto & {
  expanded: boolean;
  canAllocate: boolean;
  canUndo: boolean;
  detail?: Detail;
};

/** What the cell renderers need besides the row. */
type GridContext = {
  toggle: (paymentId: number) => void;
  actions?: PaymentActions;
  currency: string;
  timeline: (paymentId: number) => void;
};

/** Height of a detail row: title, table header and one line per allocation row, capped (it scrolls inside). */
function detailHeight(detail: Detail): number {
  const lines = detail.rows ? Math.max(detail.rows.length, 1) : 1;
  return Math.min(40 + 33 * (lines + 1) + 16, 320);
}

/** True when the payment may still hold credit to allocate (amounts in another currency cannot be compared). */
function mayHaveCredit(row: PaymentHistoryRowDto, accountCurrency: string): boolean {
  if (row.reversed || row.kind === 'failed' || row.kind === 'suspended') return false;
  return row.currency !== accountCurrency || row.allocatedMinor < row.amountMinor;
}

function ExpandCell(p: ICellRendererParams<HistoryGridRow, unknown, GridContext>) {
  const row = p.data;
  if (!row) return null;
  return (
    <IconButton
      size="small"
      tabIndex={-1}
      aria-label={
        row.expanded ? `Hide where payment ${row.paymentId} went` : `Show where payment ${row.paymentId} went`
      }
      aria-expanded={row.expanded}
      onClick={() => p.context.toggle(row.paymentId)}
      data-testid={`history-expand-${row.paymentId}`}
    >
      {row.expanded ? (
        <KeyboardArrowDownIcon fontSize="small" />
      ) : (
        <KeyboardArrowRightIcon fontSize="small" />
      )}
    </IconButton>
  );
}

function ActionsCell(p: ICellRendererParams<HistoryGridRow, unknown, GridContext>) {
  const row = p.data;
  const actions = p.context.actions;
  if (!row || !actions) return null;
  return (
    <Box sx={{ display: 'flex', gap: 0.5, alignItems: 'center', height: '100%' }}>
      {row.canAllocate && (
        <Button
          size="small"
          tabIndex={-1}
          sx={{ minWidth: 0, py: 0 }}
          onClick={() => actions.allocate(row.paymentId)}
          title="Allocate (A)"
          data-testid={`history-allocate-${row.paymentId}`}
        >
          Allocate
        </Button>
      )}
      {row.canUndo && (
        <Button
          size="small"
          tabIndex={-1}
          color="warning"
          sx={{ minWidth: 0, py: 0 }}
          onClick={() => actions.undo(row.paymentId)}
          title="Undo allocation (U)"
          data-testid={`history-undo-${row.paymentId}`}
        >
          Undo
        </Button>
      )}
      {actions.bounce && !row.reversed && row.kind === 'original' && (
        <Button
          size="small"
          tabIndex={-1}
          color="error"
          sx={{ minWidth: 0, py: 0 }}
          onClick={() => actions.bounce?.(row.paymentId)}
          title="Record bounced payment"
          data-testid={`history-bounce-${row.paymentId}`}
        >
          Bounced…
        </Button>
      )}
    </Box>
  );
}

function TimelineCell(p: ICellRendererParams<HistoryGridRow, unknown, GridContext>) {
  const row = p.data;
  if (!row) return null;
  return (
    <Button
      size="small"
      tabIndex={-1}
      sx={{ minWidth: 0, py: 0 }}
      onClick={() => p.context.timeline(row.paymentId)}
      title="Timeline (T)"
      data-testid={`history-timeline-${row.paymentId}`}
    >
      Timeline
    </Button>
  );
}

function DetailRow(p: ICellRendererParams<HistoryGridRow, unknown, GridContext>) {
  const row = p.data;
  const detail = row?.detail;
  if (!row || !detail) return null;
  return (
    <Box
      sx={{ px: 6, py: 1, height: '100%', overflow: 'auto', bgcolor: 'action.hover' }}
      data-testid={`payment-allocations-${row.paymentId}`}
    >
      <Typography variant="caption" color="textSecondary" component="div" sx={{ fontWeight: 600, mb: 0.5 }}>
        Where payment #{row.paymentId} went
      </Typography>
      {detail.error && <Alert severity="error">{detail.error}</Alert>}
      {!detail.rows && !detail.error && <LinearProgress sx={{ my: 1 }} />}
      {detail.rows && detail.rows.length === 0 && (
        <Typography variant="body2" color="textSecondary" data-testid="payment-allocations-empty">
          Not allocated: the whole payment is unallocated account credit.
        </Typography>
      )}
      {detail.rows && detail.rows.length > 0 && (
        <AllocationRowsTable
          rows={detail.rows}
          currency={p.context.currency}
          by="payment"
          testId={`payment-allocation-rows-${row.paymentId}`}
          label={`Allocations of payment ${row.paymentId}`}
        />
      )}
    </Box>
  );
}

/**
 * One page of payment history in an AG Grid; money stays integer in rows and is formatted in cells. A payment row
 * expands (Enter, or the arrow) to show where it went; A allocates and U undoes the focused payment's allocation, T opens its timeline.
 */
export function PaymentHistoryGrid({
  rows,
  accountCurrency,
  actions,
}: {
  rows: PaymentHistoryRowDto[];
  accountCurrency: string;
  actions?: PaymentActions;
}) {
  const theme = useTheme();
  const { money } = useAppInfo();
  const gridTheme = useMemo(() => createGridTheme(theme), [theme]);
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const expandedIds = useMemo(() => [...expanded], [expanded]);
  // Read through the query cache: a ledger change refreshes every open "where it went" with the page above.
  const details = usePaymentAllocations(expandedIds);
  const timeline = usePaymentTimeline();
  const openTimeline = timeline.open;

  const toggle = useCallback((paymentId: number) => {
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(paymentId)) next.delete(paymentId);
      else next.add(paymentId);
      return next;
    });
  }, []);

  const gridRows = useMemo<HistoryGridRow[]>(
    () =>
      rows.flatMap((r) => {
        const open = expanded.has(r.paymentId);
        const row: HistoryGridRow = {
          ...r,
          expanded: open,
          canAllocate: mayHaveCredit(r, accountCurrency),
          canUndo: r.allocatedMinor > 0 && !r.reversed,
        };
        if (!open) return [row];
        return [row, { ...row, detail: details.get(r.paymentId) ?? { rows: null, error: null } }];
      }),
    [rows, expanded, details, accountCurrency],
  );

  const context = useMemo<GridContext>(
    () => ({ toggle, actions, currency: accountCurrency, timeline: openTimeline }),
    [toggle, actions, accountCurrency, openTimeline],
  );

  const onCellKeyDown = useCallback(
    (e: CellKeyDownEvent<HistoryGridRow>) => {
      const key = (e.event as KeyboardEvent | null | undefined)?.key;
      const row = e.data;
      if (!row || row.detail || !key) return;
      const ke = e.event as KeyboardEvent;
      if (ke.ctrlKey || ke.metaKey || ke.altKey) return;
      if (key === 'Enter' || key === ' ') {
        ke.preventDefault();
        toggle(row.paymentId);
      } else if (key === 't' || key === 'T') {
        ke.preventDefault();
        openTimeline(row.paymentId);
      } else if ((key === 'a' || key === 'A') && row.canAllocate && actions) {
        ke.preventDefault();
        actions.allocate(row.paymentId);
      } else if ((key === 'u' || key === 'U') && row.canUndo && actions) {
        ke.preventDefault();
        actions.undo(row.paymentId);
      }
    },
    [toggle, actions, openTimeline],
  );

  const columns = useMemo<ColDef<HistoryGridRow>[]>(
    () => [
      {
        colId: 'expand',
        headerName: '',
        width: 48,
        cellRenderer: ExpandCell,
        cellStyle: { paddingLeft: 6, paddingRight: 0, display: 'flex', alignItems: 'center' },
        sortable: false,
        resizable: false,
      },
      {
        field: 'effectiveDate',
        headerName: 'Date',
        width: 120,
        valueFormatter: (p) => (p.data ? formatDate(p.data.effectiveDate) : ''),
      },
      { field: 'paymentId', headerName: 'Payment', width: 110, type: 'rightAligned' },
      {
        field: 'kind',
        headerName: 'Kind',
        width: 110,
        valueFormatter: (p) => (p.data ? paymentKindName(p.data.kind) : ''),
      },
      {
        field: 'amountMinor',
        headerName: 'Amount',
        width: 130,
        type: 'rightAligned',
        valueFormatter: (p) => (p.data ? money(p.data.amountMinor, p.data.currency) : ''),
      },
      {
        field: 'allocatedMinor',
        headerName: 'Allocated',
        width: 130,
        type: 'rightAligned',
        valueFormatter: (p) => (p.data ? money(p.data.allocatedMinor, accountCurrency) : ''),
      },
      { colId: 'timeline', headerName: '', width: 96, cellRenderer: TimelineCell, sortable: false },
      ...(actions
        ? [
            {
              colId: 'actions',
              headerName: 'Actions',
              width: 150,
              cellRenderer: ActionsCell,
            } as ColDef<HistoryGridRow>,
          ]
        : []),
      {
        field: 'payType',
        headerName: 'Pay type',
        width: 150,
        valueFormatter: (p) => (p.data ? payTypeName(p.data.payType) : ''),
      },
      { field: 'channelId', headerName: 'Channel', width: 100, type: 'rightAligned' },
      {
        field: 'status',
        headerName: 'Status',
        width: 130,
        valueFormatter: (p) => (p.data ? `${paymentStatusName(p.data.status)} (${p.data.status})` : ''),
      },
      { field: 'reasonCode', headerName: 'Reason', width: 100, type: 'rightAligned' },
      { field: 'externalRef', headerName: 'Reference', flex: 1, minWidth: 140 },
      {
        field: 'reversed',
        headerName: 'Reversed',
        width: 110,
        valueFormatter: (p) => (p.data?.reversed ? 'Reversed' : ''),
      },
    ],
    [money, accountCurrency, actions],
  );
  return (
    <div style={{ height: rows.length === 0 ? 150 : 380 }} data-testid="payment-history-grid">
      <AgGridReact<HistoryGridRow>
        theme={gridTheme}
        rowData={gridRows}
        columnDefs={columns}
        context={context}
        defaultColDef={{ sortable: false, resizable: true }}
        getRowId={(p) =>
          p.data.detail
            ? `detail-${p.data.paymentId}-${p.data.detail.rows?.length ?? (p.data.detail.error ? 'error' : 'loading')}`
            : String(p.data.paymentId)
        }
        getRowHeight={(p) => (p.data?.detail ? detailHeight(p.data.detail) : undefined)}
        isFullWidthRow={(p) => p.rowNode.data?.detail !== undefined}
        fullWidthCellRenderer={DetailRow}
        onCellKeyDown={onCellKeyDown}
        overlayNoRowsTemplate="No payments in this date range."
        suppressCellFocus={false}
      />
      {timeline.dialog}
    </div>
  );
}
