import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import { ROW_FIELDS, type RowField } from './builder-model';

const LABELS: Record<RowField, string> = {
  accountNo: 'Account',
  amount: 'Amount',
  paymentDate: 'Date',
  reference: 'Reference',
  payerName: 'Payer',
  checkNo: 'Check number',
  billNo: 'Bill',
  paymentId: 'Payment id',
  currency: 'Currency',
};

/** One field choice per column, each with the column's value on the first data line. */
export function ColumnMapping({
  count,
  sample,
  columns,
  onMap,
}: {
  count: number;
  sample: string[];
  columns: Partial<Record<number, RowField>>;
  onMap: (column: number, field: RowField | null) => void;
}) {
  return (
    <Box data-testid="builder-columns" sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
      {Array.from({ length: count }, (_, i) => (
        <TextField
          key={i}
          select
          size="small"
          label={`${i + 1}: ${(sample[i] ?? '').trim().slice(0, 14) || '—'}`}
          value={columns[i] ?? ''}
          onChange={(e) => onMap(i, (e.target.value || null) as RowField | null)}
          sx={{ width: 165 }}
          slotProps={{
            select: { native: true },
            inputLabel: { shrink: true },
            htmlInput: { 'data-testid': `builder-map-${i}` },
          }}
        >
          <option value="">(skip)</option>
          {ROW_FIELDS.map((f) => (
            <option key={f} value={f}>
              {LABELS[f]}
            </option>
          ))}
        </TextField>
      ))}
    </Box>
  );
}
