import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ReportCell, ReportTableDto } from '../../../../src-shared/dto/reports';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { cellText, isNumericColumn, labelsItself } from './report-format';

/** How many rows the screen draws; the CSV and PDF hold all of them. */
const SHOWN_ROWS = 500;

/** One report table: a dense table with right-aligned figures, bold totals and (when drillable) clickable rows. */
export function ReportTable({
  table,
  empty,
  onRowClick,
}: {
  table: ReportTableDto;
  empty: string;
  onRowClick?: (row: Record<string, ReportCell>) => void;
}) {
  const { money } = useAppInfo();
  const rows = table.rows.slice(0, SHOWN_ROWS);
  const cols = table.columns;
  return (
    <Box data-testid={`table-${table.id}`} data-rows={table.rows.length}>
      <Typography variant="subtitle2" sx={{ mb: 0.5 }}>
        {table.title}
      </Typography>
      <TableContainer sx={{ border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: 520 }}>
        <Table size="small" stickyHeader sx={{ '& td, & th': { whiteSpace: 'nowrap', py: 0.5, px: 1 } }}>
          <TableHead>
            <TableRow>
              {cols.map((c) => (
                <TableCell key={c.key} align={isNumericColumn(c) ? 'right' : 'left'} sx={{ fontWeight: 600 }}>
                  {c.label}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.length === 0 && (
              <TableRow>
                <TableCell colSpan={cols.length} sx={{ color: 'text.secondary', fontStyle: 'italic' }}>
                  {empty}
                </TableCell>
              </TableRow>
            )}
            {rows.map((row, i) => (
              <TableRow
                key={i}
                hover={Boolean(onRowClick)}
                onClick={onRowClick ? () => onRowClick(row) : undefined}
                onKeyDown={
                  onRowClick
                    ? (e) => {
                        if (e.key === 'Enter') onRowClick(row);
                      }
                    : undefined
                }
                tabIndex={onRowClick ? 0 : undefined}
                sx={onRowClick ? { cursor: 'pointer' } : undefined}
                data-testid={`row-${table.id}-${i}`}
              >
                {cols.map((c) => (
                  <TableCell
                    key={c.key}
                    align={isNumericColumn(c) ? 'right' : 'left'}
                    sx={isNumericColumn(c) ? { fontVariantNumeric: 'tabular-nums' } : undefined}
                  >
                    {cellText(c, row, money)}
                  </TableCell>
                ))}
              </TableRow>
            ))}
            {rows.length > 0 &&
              table.totals?.map((row, i) => (
                <TableRow
                  key={`t${i}`}
                  data-testid={`total-${table.id}-${i}`}
                  sx={{ bgcolor: 'action.hover' }}
                >
                  {cols.map((c, ci) => (
                    <TableCell
                      key={c.key}
                      align={isNumericColumn(c) ? 'right' : 'left'}
                      sx={{ fontWeight: 700, fontVariantNumeric: 'tabular-nums' }}
                    >
                      {row[c.key] === undefined || row[c.key] === null
                        ? ci === 0 && !labelsItself(row)
                          ? 'Total'
                          : ''
                        : cellText(c, row, money)}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
          </TableBody>
        </Table>
      </TableContainer>
      {table.rows.length > rows.length && (
        <Typography variant="caption" color="textSecondary" data-testid={`more-${table.id}`}>
          Showing {formatCount(rows.length)} of {formatCount(table.rows.length)} rows; the CSV and PDF hold
          all of them.
        </Typography>
      )}
    </Box>
  );
}
