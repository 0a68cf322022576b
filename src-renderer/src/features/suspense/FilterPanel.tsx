import { useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import BookmarkAddIcon from '@mui/icons-material/BookmarkAdd';
import type { CommandInput } from '../../../../src-shared/api/contract';
import { AGE_BUCKETS, type SuspenseState } from '../../../../src-shared/dto/suspense';
import { formatMinor, MAX_EXPONENT } from '../../../../src-shared/money';
import { parseLocalAmount } from '../../components/amount';
import { errorMessage } from '../../api/client';
import { DateField } from '../../components/DateField';
import { useApiMutation, useApiQuery } from '../../components/query';
import { useDebouncedValue } from '../../components/use-debounced-value';
import { STATE_LABELS } from './labels';
import { SavedSearchList } from './SavedSearchList';
import type { SuspenseCodes } from './use-codes';

/** The search filters the grid sends (everything but paging and sorting). */
export type QueueFilters = Omit<
  CommandInput<'suspense:search'>,
  'sortBy' | 'sortDir' | 'limit' | 'offset' | 'cursor' | 'totals'
>;

/** The form: text as typed, lists as chosen. */
export type FilterForm = {
  text: string;
  accountHint: string;
  billNo: string;
  from: string;
  to: string;
  minAmount: string;
  maxAmount: string;
  currency: string;
  reasonCode: string;
  owner: string;
  batchId: string;
  lockboxNo: string;
  channelId: string;
  payType: string;
  status: string[];
  ageBucket: string[];
};

/** True for a contains-text of one or two characters: too short for the trigram index (see the search). */
function shortText(text: string): boolean {
  const n = [...text.trim()].length;
  return n > 0 && n < 3;
}

/** Form fields typed as text. */
type TextKey = Exclude<keyof FilterForm, 'status' | 'ageBucket'>;

/** The form of a fresh search: everything still in suspense. */
export const EMPTY_FORM: FilterForm = {
  text: '',
  accountHint: '',
  billNo: '',
  from: '',
  to: '',
  minAmount: '',
  maxAmount: '',
  currency: '',
  reasonCode: '',
  owner: '',
  batchId: '',
  lockboxNo: '',
  channelId: '',
  payType: '',
  status: ['active'],
  ageBucket: [],
};

const INT = /^\d{1,9}$/;

/** Turns the form into search filters, or a message naming the first field that is not valid yet. */
export function filtersOf(form: FilterForm): { filters: QueueFilters } | { problem: string } {
  const f: QueueFilters = {};
  const t = (s: string): string => s.trim();
  if (t(form.text)) f.text = t(form.text).slice(0, 200);
  if (t(form.accountHint)) f.accountHint = t(form.accountHint).slice(0, 64);
  if (t(form.billNo)) f.billNo = t(form.billNo).slice(0, 64);
  if (t(form.from)) f.from = t(form.from);
  if (t(form.to)) f.to = t(form.to);
  for (const [key, label] of [
    ['minAmount', 'Smallest amount'],
    ['maxAmount', 'Largest amount'],
  ] as const) {
    const v = t(form[key]);
    if (!v) continue;
    // Read in the user's locale before the currency is known (up to four decimals), sent as a plain decimal.
    const r = parseLocalAmount(v, MAX_EXPONENT);
    if (!r.ok || r.value < 0)
      return { problem: `${label}: ${r.ok ? 'an amount is not negative' : r.error.reason}` };
    f[key] = formatMinor(r.value, MAX_EXPONENT).replace(/\.?0+$/, '');
  }
  if (form.currency) f.currency = form.currency;
  if (form.reasonCode) f.reasonCode = Number(form.reasonCode);
  if (form.owner) f.owner = form.owner === 'none' ? 'none' : Number(form.owner);
  for (const [key, label] of [
    ['batchId', 'Batch'],
    ['channelId', 'Channel'],
    ['payType', 'Pay type'],
  ] as const) {
    const v = t(form[key]);
    if (!v) continue;
    if (!INT.test(v) || (key === 'batchId' && Number(v) < 1))
      return { problem: `${label} is a whole number` };
    f[key] = Number(v);
  }
  if (t(form.lockboxNo)) f.lockboxNo = t(form.lockboxNo).slice(0, 64);
  f.status = (form.status.length ? form.status : ['all']) as NonNullable<QueueFilters['status']>;
  if (form.ageBucket.length) f.ageBucket = form.ageBucket as NonNullable<QueueFilters['ageBucket']>;
  return { filters: f };
}

/** Back from saved filters to the form. */
function formOf(filters: Record<string, unknown>): FilterForm {
  const s = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  return {
    ...EMPTY_FORM,
    text: s(filters.text ?? filters.payer ?? filters.reference),
    accountHint: s(filters.accountHint),
    billNo: s(filters.billNo),
    from: s(filters.from),
    to: s(filters.to),
    minAmount: s(filters.minAmount),
    maxAmount: s(filters.maxAmount),
    currency: s(filters.currency),
    reasonCode: s(filters.reasonCode),
    owner: s(filters.owner),
    batchId: s(filters.batchId),
    lockboxNo: s(filters.lockboxNo),
    channelId: s(filters.channelId),
    payType: s(filters.payType),
    status: Array.isArray(filters.status) ? (filters.status as string[]) : ['active'],
    ageBucket: Array.isArray(filters.ageBucket) ? (filters.ageBucket as string[]) : [],
  };
}

const STATUS_CHOICES: { value: string; label: string }[] = [
  { value: 'active', label: 'In suspense' },
  ...(Object.keys(STATE_LABELS) as SuspenseState[]).map((s) => ({ value: s, label: STATE_LABELS[s] })),
];

/** The filter column: search fields, status and age chips, and the operator's saved searches. */
export function FilterPanel({
  form,
  onChange,
  codes,
  currencies,
}: {
  form: FilterForm;
  onChange: (form: FilterForm) => void;
  codes: SuspenseCodes;
  currencies: readonly string[];
}) {
  const [draft, setDraft] = useState(form);
  const savedSearches = useApiQuery('suspense:saved-searches', {});
  const saveSearch = useApiMutation('suspense:save-search');
  const [saveName, setSaveName] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  // A new form from the page (a count chip, a saved search) replaces what is being typed.
  const [seen, setSeen] = useState(form);
  if (seen !== form) {
    setSeen(form);
    setDraft(form);
  }
  // Typing is debounced; lists and chips apply at once.
  const debounced = useDebouncedValue(draft, 300);
  const latest = useRef({ form, onChange });
  useEffect(() => {
    latest.current = { form, onChange };
  });
  useEffect(() => {
    // Only a settled draft moves the search, and only when it differs from what is searched already.
    if (JSON.stringify(debounced) !== JSON.stringify(latest.current.form)) latest.current.onChange(debounced);
  }, [debounced]);

  const set = (patch: Partial<FilterForm>): void => setDraft((d) => ({ ...d, ...patch }));
  const setNow = (patch: Partial<FilterForm>): void => {
    const next = { ...draft, ...patch };
    setDraft(next);
    onChange(next);
  };
  const toggle = (key: 'status' | 'ageBucket', value: string): void => {
    const list = draft[key];
    let next = list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
    if (key === 'status' && value === 'active' && next.includes('active'))
      next = next.filter((v) => !['suspended', 'partial', 'recycled'].includes(v));
    setNow({ [key]: next });
  };
  const parsed = filtersOf(draft);

  const save = async (): Promise<void> => {
    if (!saveName.trim() || 'problem' in parsed) return;
    try {
      // A saved search refreshes the list (every successful change marks the reads stale).
      await saveSearch.run({ name: saveName.trim(), filters: parsed.filters });
      setSaveName('');
      setMessage(null);
    } catch (err) {
      setMessage(errorMessage(err));
    }
  };

  const field = (key: TextKey, label: string, extra: Record<string, unknown> = {}) => (
    <TextField
      size="small"
      label={label}
      value={draft[key]}
      onChange={(e) => set({ [key]: e.target.value })}
      slotProps={{
        htmlInput: { 'data-testid': `filter-${key}`, maxLength: 200 },
        inputLabel: { shrink: true },
      }}
      {...extra}
    />
  );

  return (
    <Box
      data-testid="suspense-filters"
      sx={{
        width: 264,
        flexShrink: 0,
        p: 1.5,
        display: 'flex',
        flexDirection: 'column',
        gap: 1.25,
        overflowY: 'auto',
      }}
    >
      <Typography variant="overline" color="textSecondary">
        Search
      </Typography>
      {field('text', 'Payer or reference contains', {
        autoFocus: true,
        // The trigram index needs three characters; shorter text is checked row by row (bounded totals).
        helperText: shortText(draft.text)
          ? 'Type 3 or more characters for a fast search of the whole queue; with fewer, totals may be a lower bound.'
          : '3 or more characters',
        slotProps: {
          htmlInput: { 'data-testid': 'filter-text', maxLength: 200 },
          inputLabel: { shrink: true },
          formHelperText: { 'data-testid': 'filter-text-hint' } as Record<string, unknown>,
        },
      })}
      <Box sx={{ display: 'flex', gap: 1 }}>
        {field('accountHint', 'Account tried')}
        {field('billNo', 'Bill tried')}
      </Box>
      {/* One per line: a date field narrower than its text cuts the year off. */}
      {(['from', 'to'] as const).map((key) => (
        <DateField
          key={key}
          size="small"
          label={key === 'from' ? 'Received from' : 'Received until'}
          value={draft[key]}
          onChange={(e) => setNow({ [key]: e.target.value })}
          slotProps={{ htmlInput: { 'data-testid': `filter-${key}` } }}
        />
      ))}
      <Box sx={{ display: 'flex', gap: 1 }}>
        {field('minAmount', 'Amount from')}
        {field('maxAmount', 'to')}
      </Box>
      <Box sx={{ display: 'flex', gap: 1 }}>
        <TextField
          select
          size="small"
          label="Currency"
          value={draft.currency}
          onChange={(e) => setNow({ currency: e.target.value })}
          sx={{ flex: 1 }}
          slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true } }}
        >
          <MenuItem value="">Any</MenuItem>
          {currencies.map((c) => (
            <MenuItem key={c} value={c}>
              {c}
            </MenuItem>
          ))}
        </TextField>
        {field('lockboxNo', 'Lockbox', { sx: { flex: 1 } })}
      </Box>
      <TextField
        select
        size="small"
        label="Reason"
        value={draft.reasonCode}
        onChange={(e) => setNow({ reasonCode: e.target.value })}
        slotProps={{
          inputLabel: { shrink: true },
          select: { displayEmpty: true },
          htmlInput: { 'data-testid': 'filter-reason' },
        }}
      >
        <MenuItem value="">Any reason</MenuItem>
        {codes.reasons.map((r) => (
          <MenuItem key={r.id} value={String(r.id)}>
            {r.id} {r.label}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        select
        size="small"
        label="Action owner"
        value={draft.owner}
        onChange={(e) => setNow({ owner: e.target.value })}
        slotProps={{ inputLabel: { shrink: true }, select: { displayEmpty: true } }}
      >
        <MenuItem value="">Anyone</MenuItem>
        <MenuItem value="none">Unassigned</MenuItem>
        {codes.owners.map((r) => (
          <MenuItem key={r.id} value={String(r.id)}>
            {r.label}
          </MenuItem>
        ))}
      </TextField>
      <Box sx={{ display: 'flex', gap: 1 }}>
        {field('batchId', 'Batch')}
        {field('channelId', 'Channel')}
        {field('payType', 'Pay type')}
      </Box>
      <Typography variant="caption" color="textSecondary">
        Status
      </Typography>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
        {STATUS_CHOICES.map((s) => (
          <Chip
            key={s.value}
            size="small"
            label={s.label}
            data-testid={`filter-status-${s.value}`}
            color={draft.status.includes(s.value) ? 'primary' : 'default'}
            variant={draft.status.includes(s.value) ? 'filled' : 'outlined'}
            onClick={() => toggle('status', s.value)}
          />
        ))}
      </Box>
      <Typography variant="caption" color="textSecondary">
        Days in suspense
      </Typography>
      <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 0.5 }}>
        {AGE_BUCKETS.map((b) => (
          <Chip
            key={b}
            size="small"
            label={b}
            color={draft.ageBucket.includes(b) ? 'primary' : 'default'}
            variant={draft.ageBucket.includes(b) ? 'filled' : 'outlined'}
            onClick={() => toggle('ageBucket', b)}
          />
        ))}
      </Box>
      {'problem' in parsed && (
        <Typography variant="caption" color="error" data-testid="filter-problem">
          {parsed.problem}
        </Typography>
      )}
      <Button size="small" onClick={() => setNow(EMPTY_FORM)} data-testid="filter-clear">
        Clear filters
      </Button>
      <Divider />
      <Typography variant="overline" color="textSecondary">
        Saved searches
      </Typography>
      <SavedSearchList
        saved={savedSearches.data ?? []}
        onOpen={(s) => setNow(formOf(s.filters))}
        onError={setMessage}
      />
      <Box sx={{ display: 'flex', gap: 0.5, alignItems: 'center' }}>
        <TextField
          size="small"
          placeholder="Name this search"
          value={saveName}
          onChange={(e) => setSaveName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void save();
          }}
          slotProps={{ htmlInput: { 'data-testid': 'save-search-name', maxLength: 100 } }}
        />
        <Tooltip title="Save the current filters">
          <span>
            <IconButton
              size="small"
              aria-label="Save search"
              disabled={!saveName.trim() || 'problem' in parsed}
              onClick={() => void save()}
              data-testid="save-search"
            >
              <BookmarkAddIcon fontSize="small" />
            </IconButton>
          </span>
        </Tooltip>
      </Box>
      {(message ?? savedSearches.error) && (
        <Typography variant="caption" color="error">
          {message ?? savedSearches.error}
        </Typography>
      )}
    </Box>
  );
}
