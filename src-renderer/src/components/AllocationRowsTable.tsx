import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import type { AllocationRowDto } from '../../../src-shared/dto/allocation';
import { useAppInfo } from '../app/app-info';
import { formatTimestamp } from './format';

/**
 * Allocation rows as a small table: "where a payment went" (by bill and item) or "what paid a bill"
 * (by payment and item). Undo rows show as negative amounts marked "Undo".
 */
export function AllocationRowsTable({
  rows,
  currency,
  by,
  testId,
  label,
}: {
  rows: readonly AllocationRowDto[];
  currency: string;
  by: 'payment' | 'bill';
  testId: string;
  label: string;
}) {
  const { money } = useAppInfo();
  return (
    <Table size="small" aria-label={label} data-testid={testId}>
      <TableHead>
        <TableRow>
          {by === 'bill' ? <TableCell>Payment</TableCell> : <TableCell>Bill</TableCell>}
          <TableCell>Item</TableCell>
          <TableCell align="right">Amount</TableCell>
          <TableCell>When (UTC)</TableCell>
          <TableCell>Kind</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {rows.map((r) => (
          <TableRow
            key={r.allocationId}
            data-testid={`allocation-row-${r.allocationId}`}
            data-amount-minor={r.amountMinor}
          >
            {by === 'bill' ? (
              <TableCell sx={{ fontFamily: 'monospace' }}>#{r.paymentId}</TableCell>
            ) : (
              <TableCell sx={{ fontFamily: 'monospace' }}>{r.billNo ?? '—'}</TableCell>
            )}
            <TableCell sx={{ fontFamily: 'monospace' }}>{r.itemNo ?? '—'}</TableCell>
            <TableCell align="right" sx={{ color: r.amountMinor < 0 ? 'text.secondary' : undefined }}>
              {money(r.amountMinor, currency)}
            </TableCell>
            <TableCell>{formatTimestamp(r.createdAt)}</TableCell>
            <TableCell sx={{ color: r.reversal ? 'warning.main' : undefined }}>
              {r.reversal ? 'Undo' : 'Allocation'}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
