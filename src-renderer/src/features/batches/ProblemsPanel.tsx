import { useEffect, useState, type RefObject } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemText from '@mui/material/ListItemText';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { GridApi } from 'ag-grid-community';
import type { EntryStatusDto } from '../../../../src-shared/dto/batches';
import { call, errorMessage } from '../../api/client';
import { formatCount } from '../../components/format';
import type { EntryCustomFilter } from './CustomFieldFilter';
import { sortKeyOf } from './entry-fields';
import { problemList } from './entry-problems';
import type { GridRow } from './entries-grid-model';

/** One problem of one entry, with the grid row it is on. */
export type ProblemItem = {
  entryId: number;
  seq: number;
  rowIndex: number;
  column: string | null;
  /** The column's caption as the grid shows it. */
  columnName: string;
  reason: string;
};

/** Entries read per request while the panel collects the problems. */
const PAGE = 1000;

/**
 * Every problem of the entries the grid shows (same filter, same order, so each one's row index is the grid's),
 * read again when the grid's figures change.
 */
function useProblems(
  batchId: number,
  apiRef: RefObject<GridApi<GridRow> | null>,
  statusFilter: readonly EntryStatusDto[],
  customFilter: EntryCustomFilter | null,
  version: unknown,
): { items: ProblemItem[] | null; error: string | null } {
  const [items, setItems] = useState<ProblemItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const sort = apiRef.current?.getColumnState().find((c) => c.sort);
    const sortBy = sort ? sortKeyOf(sort.colId) : undefined;
    const nameOf = (id: string | null) =>
      (id && apiRef.current?.getColumn(id)?.getColDef().headerName?.replace(/ \*$/, '')) || id || 'Entry';
    const read = async () => {
      const found: ProblemItem[] = [];
      for (let start = 0; ; start += PAGE) {
        const page = await call('batches:entries', {
          batchId,
          startRow: start,
          endRow: start + PAGE,
          totals: start === 0,
          ...(sort && sortBy ? { sortBy, sortDir: sort.sort ?? 'asc' } : {}),
          ...(statusFilter.length ? { status: [...statusFilter] } : {}),
          ...(customFilter ? { custom: customFilter } : {}),
        });
        page.rows.forEach((row, i) => {
          for (const p of problemList(row))
            found.push({
              entryId: row.id,
              seq: row.seq,
              rowIndex: start + i,
              column: p.column,
              columnName: nameOf(p.column),
              reason: p.reason,
            });
        });
        if (page.rows.length < PAGE || !live) return found;
      }
    };
    read().then(
      (found) => {
        if (!live) return;
        setItems(found);
        setError(null);
      },
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [batchId, apiRef, statusFilter, customFilter, version]);
  return { items, error };
}

/** The side panel listing every problem (entry, column, reason); a click puts the cursor on the problem's cell. */
export function ProblemsPanel({
  batchId,
  apiRef,
  statusFilter,
  customFilter,
  version,
  onPick,
}: {
  batchId: number;
  apiRef: RefObject<GridApi<GridRow> | null>;
  statusFilter: readonly EntryStatusDto[];
  customFilter: EntryCustomFilter | null;
  /** Changes whenever the grid's entries may have changed (its totals object), so the list is read again. */
  version: unknown;
  onPick: (item: ProblemItem) => void;
}) {
  const { items, error } = useProblems(batchId, apiRef, statusFilter, customFilter, version);
  return (
    <Paper
      variant="outlined"
      sx={{ width: 320, flexShrink: 0, display: 'flex', flexDirection: 'column', minHeight: 0 }}
      data-testid="problems-panel"
      data-count={items?.length ?? ''}
    >
      <Typography variant="subtitle2" sx={{ px: 1.5, py: 1, borderBottom: 1, borderColor: 'divider' }}>
        Problems{items ? ` (${formatCount(items.length)})` : ''}
      </Typography>
      {error && (
        <Alert severity="error" sx={{ m: 1 }}>
          {error}
        </Alert>
      )}
      {items?.length === 0 && (
        <Typography variant="body2" color="textSecondary" sx={{ p: 1.5 }}>
          No problems in the entries shown.
        </Typography>
      )}
      <Box sx={{ flex: 1, overflowY: 'auto' }}>
        <List dense disablePadding>
          {items?.map((p, i) => (
            <ListItemButton
              key={`${p.entryId}-${i}`}
              onClick={() => onPick(p)}
              data-testid={`problem-item-${p.entryId}`}
              data-column={p.column ?? ''}
            >
              <ListItemText
                primary={p.reason}
                secondary={`#${p.seq} · ${p.columnName}`}
                slotProps={{ primary: { sx: { whiteSpace: 'normal', wordBreak: 'break-word' } } }}
              />
            </ListItemButton>
          ))}
        </List>
      </Box>
    </Paper>
  );
}
