import { alpha, type Theme } from '@mui/material/styles';
import type { SystemStyleObject } from '@mui/system';

/** The entries grid's frame: problem marks on cells, the totals row, and room for overlay scrollbars. */
export function entriesGridSx(theme: Theme): SystemStyleObject<Theme> {
  const dark = theme.palette.mode === 'dark';
  const err = theme.palette.error;
  const warn = theme.palette.warning;
  return {
    position: 'relative',
    '& .batch-cell-invalid': {
      bgcolor: alpha(err.main, dark ? 0.22 : 0.1),
      boxShadow: `inset 0 0 0 1px ${err.main}`,
      color: dark ? err.light : err.dark,
    },
    '& .batch-cell-warning': { bgcolor: alpha(warn.main, dark ? 0.2 : 0.12) },
    '& .batch-problem-error': { color: dark ? err.light : err.dark },
    '& .ag-row[row-id="totals"]': { fontWeight: 600 },
    // Overlay scrollbars lay the horizontal scrollbar's strip over the last row: room under the rows lets
    // the row being keyed scroll clear of it.
    '& .ag-root:has(> .ag-body-horizontal-scroll.ag-scrollbar-invisible:not(.ag-hidden)) .ag-grid-scrolling-rows':
      {
        marginBottom: '16px',
      },
    // The pinned row's cells come out content-box (30px wider than their columns), so the right-aligned
    // sum spilled into the next column and ran into the count; border-box keeps each inside its column.
    '& .ag-row[row-id="totals"] .ag-cell': { boxSizing: 'border-box' },
    '& .ag-row[row-id="totals"] .ag-cell.batch-totals-label': {
      fontWeight: 400,
      color: theme.palette.text.secondary,
      borderLeft: `1px solid ${theme.palette.divider}`,
      borderRight: `1px solid ${theme.palette.divider}`,
      paddingLeft: '18px',
    },
    '& .ag-row[row-id="totals"] .ag-cell.batch-totals-amount': {
      borderLeft: `1px solid ${theme.palette.divider}`,
      borderRight: `1px solid ${theme.palette.divider}`,
      paddingRight: '18px',
    },
  };
}
