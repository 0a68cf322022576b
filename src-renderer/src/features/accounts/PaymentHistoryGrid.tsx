import { useMemo } from 'react';
import { useTheme } from '@mui/material/styles';
import { AllCommunityModule, ModuleRegistry, type ColDef } from 'ag-grid-community';
import { AgGridReact } from 'ag-grid-react';
import type { PaymentHistoryRowDto } from '../../../../src-shared/dto/accounts';
import { useAppInfo } from '../../app/app-info';
import { createGridTheme } from '../../components/grid-theme';
import { paymentKindName, paymentStatusName, payTypeName } from './labels';

ModuleRegistry.registerModules([AllCommunityModule]);

/** One page of payment history in an AG Grid; money stays integer in rows and is formatted in cells. */
export function PaymentHistoryGrid({ rows }: { rows: PaymentHistoryRowDto[] }) {
  const theme = useTheme();
  const { money } = useAppInfo();
  const gridTheme = useMemo(() => createGridTheme(theme), [theme]);
  const columns = useMemo<ColDef<PaymentHistoryRowDto>[]>(
    () => [
      { field: 'effectiveDate', headerName: 'Date', width: 120 },
      { field: 'paymentId', headerName: 'Payment', width: 110, type: 'rightAligned' },
      {
        field: 'kind',
        headerName: 'Kind',
        width: 120,
        valueFormatter: (p) => (p.data ? paymentKindName(p.data.kind) : ''),
      },
      {
        field: 'amountMinor',
        headerName: 'Amount',
        width: 140,
        type: 'rightAligned',
        valueFormatter: (p) => (p.data ? money(p.data.amountMinor, p.data.currency) : ''),
      },
      {
        field: 'allocatedMinor',
        headerName: 'Allocated',
        width: 140,
        type: 'rightAligned',
        valueFormatter: (p) => (p.data ? money(p.data.allocatedMinor, p.data.currency) : ''),
      },
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
    [money],
  );
  return (
    <div style={{ height: rows.length === 0 ? 150 : 380 }} data-testid="payment-history-grid">
      <AgGridReact<PaymentHistoryRowDto>
        theme={gridTheme}
        rowData={rows}
        columnDefs={columns}
        defaultColDef={{ sortable: false, resizable: true }}
        getRowId={(p) => String(p.data.paymentId)}
        overlayNoRowsTemplate="No payments in this date range."
        suppressCellFocus={false}
      />
    </div>
  );
}
