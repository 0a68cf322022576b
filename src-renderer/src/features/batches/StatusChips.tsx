import Chip from '@mui/material/Chip';
import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import type { BatchDto, EntryStatusDto } from '../../../../src-shared/dto/batches';
import { formatCount } from '../../components/format';
import { CustomFieldFilter, type EntryCustomFilter } from './CustomFieldFilter';
import { ENTRY_STATUSES, entryStatusLabel, entryStatusTone } from './labels';

/** Status chips with their counts that filter the grid (on the service side), and the custom-field filter. */
export function StatusChips({
  batch,
  statusFilter,
  setStatusFilter,
  customFilter,
  setCustomFilter,
}: {
  batch: BatchDto;
  statusFilter: readonly EntryStatusDto[];
  setStatusFilter: (f: readonly EntryStatusDto[]) => void;
  customFilter: EntryCustomFilter | null;
  setCustomFilter: (f: EntryCustomFilter | null) => void;
}) {
  const chipStatuses = ENTRY_STATUSES.filter(
    (s) => (batch.countsByStatus[s] ?? 0) > 0 || statusFilter.includes(s),
  );
  const toggleStatus = (s: EntryStatusDto) =>
    setStatusFilter(statusFilter.includes(s) ? statusFilter.filter((x) => x !== s) : [...statusFilter, s]);
  return (
    <Box
      sx={{ display: 'flex', alignItems: 'center', gap: 0.75, flexWrap: 'wrap' }}
      data-testid="status-chips"
    >
      <Typography variant="body2" color="textSecondary" sx={{ mr: 0.5 }}>
        Show
      </Typography>
      <Chip
        size="small"
        label={`All ${formatCount(batch.zeroProof.enteredCount)}`}
        color={statusFilter.length === 0 ? 'primary' : 'default'}
        variant={statusFilter.length === 0 ? 'filled' : 'outlined'}
        onClick={() => setStatusFilter([])}
        aria-pressed={statusFilter.length === 0}
        data-testid="status-chip-all"
      />
      {chipStatuses.map((s) => {
        const on = statusFilter.includes(s);
        const tone = entryStatusTone(s);
        return (
          <Chip
            key={s}
            size="small"
            label={`${entryStatusLabel(s)} ${formatCount(batch.countsByStatus[s] ?? 0)}`}
            color={tone === 'default' ? (on ? 'primary' : 'default') : tone}
            variant={on ? 'filled' : 'outlined'}
            onClick={() => toggleStatus(s)}
            aria-pressed={on}
            data-testid={`status-chip-${s}`}
            data-count={batch.countsByStatus[s] ?? 0}
          />
        );
      })}
      <CustomFieldFilter batch={batch} value={customFilter} onChange={setCustomFilter} />
    </Box>
  );
}
