import { useMemo, type ReactNode } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import ButtonGroup from '@mui/material/ButtonGroup';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { ChannelDto, OperatorAdminDto, PayTypeDto } from '../../../../src-shared/dto/admin';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import type { ReportName } from '../../../../src-shared/dto/reports';
import { useAppInfo } from '../../app/app-info';
import { useApiQuery } from '../../components/query';
import { localDay, periodPreset, type FilterState, type PeriodPreset } from './report-format';

/** The choice lists of the filter bar, read from the same commands the admin and batch screens use. */
type Choices = {
  channels: ChannelDto[];
  payTypes: PayTypeDto[];
  operators: OperatorAdminDto[];
  batches: BatchDto[];
};

/** Reads the filter choice lists; a list that fails to load stays empty (its field then offers "All"). */
function useChoices(): Choices {
  const channels = useApiQuery('admin:channels', {}).data;
  const payTypes = useApiQuery('admin:pay-types', {}).data;
  const operators = useApiQuery('operators:list', {}).data;
  const batchList = useApiQuery('batches:list', { limit: 500 }).data;
  const batches = useMemo(() => batchList?.rows.filter((r) => r.status !== 'discarded') ?? [], [batchList]);
  return {
    channels: channels ?? [],
    payTypes: payTypes ?? [],
    operators: operators ?? [],
    batches,
  };
}

const PRESETS: { id: PeriodPreset; label: string }[] = [
  { id: 'this-month', label: 'This month' },
  { id: 'last-month', label: 'Last month' },
  { id: 'yesterday', label: 'Yesterday' },
];

/** A compact select of the filter bar; the empty value means every one. */
function Pick({
  id,
  label,
  value,
  onChange,
  width,
  children,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  width: number;
  children: ReactNode;
}) {
  return (
    <TextField
      select
      size="small"
      label={label}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      sx={{ width }}
      data-testid={`filter-${id}`}
      slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true } }}
    >
      <MenuItem value="">All</MenuItem>
      {children}
    </TextField>
  );
}

/** The filter bar every report shares: period with quick presets, currency, channel, pay type, batch, operator. */
export function ReportFilterBar({
  name,
  filters,
  onChange,
}: {
  name: ReportName;
  filters: FilterState;
  onChange: (f: FilterState) => void;
}) {
  const { info } = useAppInfo();
  const choices = useChoices();
  const set = (part: Partial<FilterState>) => onChange({ ...filters, ...part });
  const preset = (p: PeriodPreset) => set(periodPreset(p, localDay(new Date())));
  const activePreset = PRESETS.find((p) => {
    const r = periodPreset(p.id, localDay(new Date()));
    return r.from === filters.from && r.to === filters.to;
  })?.id;

  return (
    <Box
      className="no-print"
      data-testid="report-filters"
      sx={{
        display: 'flex',
        flexWrap: 'wrap',
        alignItems: 'center',
        gap: 1,
        px: 2,
        py: 1,
        borderBottom: 1,
        borderColor: 'divider',
      }}
    >
      <TextField
        type="date"
        size="small"
        label="From"
        value={filters.from}
        onChange={(e) => set({ from: e.target.value })}
        sx={{ width: 150 }}
        error={Boolean(filters.from && filters.to && filters.from > filters.to)}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'filter-from' } }}
      />
      <TextField
        type="date"
        size="small"
        label="To"
        value={filters.to}
        onChange={(e) => set({ to: e.target.value })}
        sx={{ width: 150 }}
        slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'filter-to' } }}
      />
      <ButtonGroup size="small" variant="outlined" aria-label="Quick periods">
        {PRESETS.map((p) => (
          <Button
            key={p.id}
            onClick={() => preset(p.id)}
            variant={activePreset === p.id ? 'contained' : 'outlined'}
            data-testid={`preset-${p.id}`}
            sx={{ whiteSpace: 'nowrap' }}
          >
            {p.label}
          </Button>
        ))}
      </ButtonGroup>
      <Pick
        id="currency"
        label="Currency"
        value={filters.currency}
        onChange={(v) => set({ currency: v })}
        width={96}
      >
        {(info?.currencies ?? []).map((c) => (
          <MenuItem key={c.code} value={c.code}>
            {c.code}
          </MenuItem>
        ))}
      </Pick>
      <Pick
        id="channel"
        label="Channel"
        value={filters.channelId}
        onChange={(v) => set({ channelId: v })}
        width={130}
      >
        {choices.channels.map((c) => (
          <MenuItem key={c.id} value={String(c.id)}>
            {c.id} {c.description}
          </MenuItem>
        ))}
      </Pick>
      <Pick
        id="pay-type"
        label="Pay type"
        value={filters.payType}
        onChange={(v) => set({ payType: v })}
        width={140}
      >
        {choices.payTypes.map((p) => (
          <MenuItem key={p.payType} value={String(p.payType)}>
            {p.payType} {p.name}
          </MenuItem>
        ))}
      </Pick>
      <Pick
        id="batch"
        label="Batch"
        value={filters.batchId}
        onChange={(v) => set({ batchId: v })}
        width={130}
      >
        {choices.batches.map((b) => (
          <MenuItem key={b.id} value={String(b.id)}>
            {b.batchNo}
          </MenuItem>
        ))}
      </Pick>
      <Pick
        id="operator"
        label="Operator"
        value={filters.operator}
        onChange={(v) => set({ operator: v })}
        width={130}
      >
        {choices.operators.map((o) => (
          <MenuItem key={o.id} value={o.login}>
            {o.login}
          </MenuItem>
        ))}
      </Pick>
      {name === 'history' && (
        <TextField
          size="small"
          label="Account"
          placeholder="All accounts"
          value={filters.accountNo}
          onChange={(e) => set({ accountNo: e.target.value })}
          sx={{ width: 150 }}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'filter-account' } }}
        />
      )}
    </Box>
  );
}
