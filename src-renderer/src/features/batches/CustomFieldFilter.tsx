import { useEffect, useRef, useState } from 'react';
import Box from '@mui/material/Box';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import Tooltip from '@mui/material/Tooltip';
import ClearIcon from '@mui/icons-material/Clear';
import type { CommandInput } from '../../../../src-shared/api/contract';
import type { CustomFieldDto } from '../../../../src-shared/dto/admin';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import { useApiQuery } from '../../components/query';

export type EntryCustomFilter = NonNullable<CommandInput<'batches:entries'>['custom']>;

const NO_FIELDS: readonly CustomFieldDto[] = [];

/** How long typing may pause before the grid asks the service again. */
const TYPING_PAUSE_MS = 300;

/**
 * Finds entries by the value of one of the batch grid's custom fields (the service filters with json_extract, so
 * it works on batches of any size). Code-list fields offer their codes and match exactly; other fields match a
 * part of the value, or the whole value with "=". Shows nothing when the batch's columns have no custom field.
 */
export function CustomFieldFilter({
  batch,
  value,
  onChange,
}: {
  batch: Pick<BatchDto, 'batchType' | 'payType'>;
  value: EntryCustomFilter | null;
  onChange: (filter: EntryCustomFilter | null) => void;
}) {
  // Without the column configuration there is nothing to offer; the grid reports the error itself.
  const grid = useApiQuery('columns:grid', { batchType: batch.batchType, payType: batch.payType });
  const fields = grid.data?.customFields ?? NO_FIELDS;
  const [chosen, setKey] = useState('');
  // The chosen field while it exists, else the first (a field the admin removed is no longer offered).
  const key = fields.some((f) => f.key === chosen) ? chosen : (fields[0]?.key ?? '');
  const [text, setText] = useState('');
  const [exact, setExact] = useState(false);

  // The workspace clears the filter (a new entry): the inputs follow (adjusted while rendering, as React advises).
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    if (value === null) setText('');
  }

  const field = fields.find((f) => f.key === key);
  const isCode = field?.type === 'code';

  // Typing waits for a pause before the grid asks again; a picked code applies at once.
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const emit = (next: { key?: string; text?: string; exact?: boolean }, delay: number) => {
    const k = next.key ?? key;
    const t = (next.text ?? text).trim();
    const f = fields.find((x) => x.key === k);
    const m: EntryCustomFilter['match'] = f?.type === 'code' || (next.exact ?? exact) ? 'exact' : 'contains';
    clearTimeout(timer.current);
    timer.current = setTimeout(() => onChange(t && k ? { field: k, value: t, match: m } : null), delay);
  };
  const setValue = (t: string, delay: number) => {
    setText(t);
    emit({ text: t }, delay);
  };

  if (fields.length === 0) return null;
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 0.5, ml: 'auto' }} data-testid="custom-filter">
      <TextField
        select
        size="small"
        label="Find by"
        value={key}
        onChange={(e) => {
          setKey(e.target.value);
          setText('');
          emit({ key: e.target.value, text: '' }, 0);
        }}
        sx={{ width: 140 }}
        slotProps={{ htmlInput: { 'data-testid': 'custom-filter-field' } }}
      >
        {fields.map((f) => (
          <MenuItem key={f.key} value={f.key}>
            {f.label}
          </MenuItem>
        ))}
      </TextField>
      {isCode ? (
        <TextField
          select
          size="small"
          label="Code"
          value={text}
          onChange={(e) => setValue(e.target.value, 0)}
          sx={{ width: 170 }}
          slotProps={{ htmlInput: { 'data-testid': 'custom-filter-value' } }}
        >
          <MenuItem value="">
            <em>Any</em>
          </MenuItem>
          {field.codes.map((c) => (
            <MenuItem key={c.code} value={c.code}>
              {c.code} {c.label}
            </MenuItem>
          ))}
        </TextField>
      ) : (
        <>
          <TextField
            size="small"
            label={exact ? 'Value is' : 'Value contains'}
            value={text}
            onChange={(e) => setValue(e.target.value, TYPING_PAUSE_MS)}
            sx={{ width: 170 }}
            slotProps={{ htmlInput: { 'data-testid': 'custom-filter-value', maxLength: 200 } }}
          />
          <Tooltip title="Match the whole value">
            <ToggleButton
              value="exact"
              size="small"
              selected={exact}
              onChange={() => {
                setExact(!exact);
                emit({ exact: !exact }, 0);
              }}
              sx={{ px: 1, py: 0.5 }}
              data-testid="custom-filter-exact"
            >
              =
            </ToggleButton>
          </Tooltip>
        </>
      )}
      {value && (
        <Tooltip title="Show every entry">
          <IconButton size="small" onClick={() => setValue('', 0)} aria-label="Clear the field filter">
            <ClearIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      )}
    </Box>
  );
}
