import { useEffect, useMemo, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import FormControlLabel from '@mui/material/FormControlLabel';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Typography from '@mui/material/Typography';
import type { BankFilePreviewDto, ImportTemplateDto } from '../../../../../src-shared/dto/batches';
import { call, errorMessage } from '../../../api/client';
import {
  cells,
  columnSpans,
  DATE_STYLES,
  ENCODINGS,
  initialState,
  lineRoles,
  mapColumn,
  toggleBoundary,
  toTemplate,
  type BuilderState,
  type DateStyle,
  type RowField,
} from './builder-model';
import { FixedWidthPreview } from './FixedWidthPreview';
import { InfoMappingFields } from './InfoMappingFields';
import { BuilderPreviewRows } from './BuilderPreviewRows';
import { ColumnMapping } from './ColumnMapping';

/**
 * Builds an import template on the file itself: delimited (delimiter, quote, header row) or fixed width (click
 * the preview to set boundaries), columns mapped to fields, header/footer figures by record type, date, amount
 * and encoding styles; the file is read with the template as it is built (nothing staged) and it is saved by name.
 */
export function TemplateBuilder({
  lines,
  source,
  currency,
  onSaved,
}: {
  lines: string[];
  source: { content: string; fileName: string } | { uploadId: string };
  currency: string;
  onSaved: (t: ImportTemplateDto) => void;
}) {
  const [state, setState] = useState<BuilderState>(() => initialState(lines));
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (patch: Partial<BuilderState>) => setState((s) => ({ ...s, ...patch }));

  const built = useMemo(() => toTemplate(state, name.trim() || 'new layout'), [state, name]);
  const [preview, setPreview] = useState<{ for: object; value: BankFilePreviewDto | null; error?: string }>();
  useEffect(() => {
    if (!built.ok) return;
    let live = true;
    const t = setTimeout(() => {
      call('batches:preview-file', { ...source, currency, previewRows: 10, template: built.definition }).then(
        (value) => live && setPreview({ for: built, value }),
        (err: unknown) => live && setPreview({ for: built, value: null, error: errorMessage(err) }),
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [built, source, currency]);
  const shown = preview?.for === built ? preview : undefined;

  const roles = lineRoles(state);
  const sample = state.lines.find((_, i) => roles[i] === 'data') ?? state.lines[0] ?? '';
  const columnCount =
    state.layout === 'fixed'
      ? columnSpans(state).length
      : Math.max(1, ...state.lines.filter((_, i) => roles[i] === 'data').map((l) => cells(state, l).length));

  const save = async () => {
    const named = toTemplate(state, name);
    if (!named.ok) return;
    setSaving(true);
    setError(null);
    try {
      onSaved(await call('templates:save', { name: name.trim(), definition: named.definition }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Box data-testid="template-builder" sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
      <Box sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap', alignItems: 'center' }}>
        <ToggleButtonGroup
          exclusive
          size="small"
          color="primary"
          value={state.layout}
          onChange={(_e, v: BuilderState['layout'] | null) => v && set({ layout: v, columns: {}, info: [] })}
          aria-label="Layout"
        >
          <ToggleButton value="delimited" data-testid="builder-layout-delimited">
            Delimited
          </ToggleButton>
          <ToggleButton value="fixed" data-testid="builder-layout-fixed">
            Fixed width
          </ToggleButton>
        </ToggleButtonGroup>
        {state.layout === 'delimited' && (
          <>
            <TextField
              size="small"
              label="Delimiter"
              value={state.delimiter === '\t' ? '\\t' : state.delimiter}
              onChange={(e) =>
                set({ delimiter: e.target.value === '\\t' ? '\t' : e.target.value.slice(0, 1) })
              }
              sx={{ width: 90 }}
              slotProps={{ htmlInput: { 'data-testid': 'builder-delimiter' } }}
            />
            <TextField
              size="small"
              label="Quote"
              value={state.quote}
              onChange={(e) => set({ quote: e.target.value.slice(0, 1) || '"' })}
              sx={{ width: 70 }}
            />
            <FormControlLabel
              control={
                <Checkbox
                  size="small"
                  checked={state.hasColumnHeader}
                  onChange={(e) => set({ hasColumnHeader: e.target.checked })}
                  slotProps={{ input: { 'data-testid': 'builder-header-row' } as object }}
                />
              }
              label="Header row"
            />
          </>
        )}
        <TextField
          size="small"
          label="Data records start with"
          placeholder="every line"
          value={state.recordPrefix}
          onChange={(e) => set({ recordPrefix: e.target.value })}
          sx={{ width: 180 }}
          slotProps={{ htmlInput: { 'data-testid': 'builder-record-prefix', maxLength: 20 } }}
        />
      </Box>

      {state.layout === 'fixed' ? (
        <>
          <Typography variant="caption" color="textSecondary">
            Click a character to start a new column there; click a boundary again to remove it.
          </Typography>
          <FixedWidthPreview state={state} onToggle={(p) => setState((s) => toggleBoundary(s, p))} />
        </>
      ) : (
        <Box
          data-testid="builder-preview"
          sx={{ fontFamily: 'monospace', fontSize: 13, maxHeight: 160, overflow: 'auto', whiteSpace: 'pre' }}
        >
          {state.lines.slice(0, 12).join('\n')}
        </Box>
      )}

      <ColumnMapping
        count={columnCount}
        sample={cells(state, sample)}
        columns={state.columns}
        onMap={(i: number, f: RowField | null) => setState((s) => mapColumn(s, i, f))}
      />
      <InfoMappingFields state={state} onChange={setState} />

      <Box sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap', alignItems: 'center' }}>
        <TextField
          select
          size="small"
          label="Date style"
          value={state.dateStyle}
          onChange={(e) => set({ dateStyle: e.target.value as DateStyle })}
          sx={{ width: 150 }}
          slotProps={{ select: { native: true }, htmlInput: { 'data-testid': 'builder-date-style' } }}
        >
          {DATE_STYLES.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </TextField>
        <TextField
          size="small"
          type="number"
          label="Implied decimals"
          value={state.impliedDecimals}
          onChange={(e) => set({ impliedDecimals: Math.max(0, Math.min(6, Number(e.target.value) || 0)) })}
          sx={{ width: 140 }}
          slotProps={{ htmlInput: { 'data-testid': 'builder-implied-decimals', min: 0, max: 6 } }}
        />
        <FormControlLabel
          control={
            <Checkbox
              size="small"
              checked={state.decimalComma}
              onChange={(e) => set({ decimalComma: e.target.checked })}
            />
          }
          label="Decimal comma"
        />
        <TextField
          select
          size="small"
          label="Encoding"
          value={state.encoding}
          onChange={(e) => set({ encoding: e.target.value as BuilderState['encoding'] })}
          sx={{ width: 150 }}
          slotProps={{ select: { native: true } }}
        >
          {ENCODINGS.map((enc) => (
            <option key={enc} value={enc}>
              {enc}
            </option>
          ))}
        </TextField>
      </Box>

      {!built.ok ? (
        <Alert severity="info" data-testid="builder-problems">
          {built.problems.map((p) => p.message).join('; ')}
        </Alert>
      ) : (
        <BuilderPreviewRows preview={shown?.value ?? null} error={shown?.error ?? null} />
      )}

      <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'center' }}>
        <TextField
          size="small"
          label="Template name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          sx={{ width: 260 }}
          slotProps={{ htmlInput: { 'data-testid': 'builder-name', maxLength: 64 } }}
        />
        <Button
          variant="outlined"
          disabled={!built.ok || name.trim() === '' || saving}
          onClick={() => void save()}
          data-testid="builder-save"
        >
          Save as template
        </Button>
        {error && (
          <Alert severity="error" data-testid="builder-error" sx={{ py: 0 }}>
            {error}
          </Alert>
        )}
      </Box>
    </Box>
  );
}
