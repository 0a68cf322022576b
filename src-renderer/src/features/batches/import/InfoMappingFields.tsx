import Box from '@mui/material/Box';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { INFO_FIELDS, mapInfo, type BuilderState, type InfoField } from './builder-model';

const LABELS: Record<InfoField, string> = {
  date: 'Batch date',
  count: 'Control count',
  total: 'Control total',
  lockboxNo: 'Lockbox',
};

const num = (v: string): number | undefined => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);

/**
 * Header and footer figures: each read from the first header/footer record starting with a prefix, at a cell
 * (delimited) or at a start and length (fixed width). An empty prefix leaves the figure unmapped.
 */
export function InfoMappingFields({
  state,
  onChange,
}: {
  state: BuilderState;
  onChange: (s: BuilderState) => void;
}) {
  const fixed = state.layout === 'fixed';
  return (
    <Box data-testid="builder-info" sx={{ display: 'flex', flexDirection: 'column', gap: 0.75 }}>
      <Typography variant="caption" color="textSecondary">
        Header and footer figures, by the record they are on (e.g. 8 for a lockbox deposit total)
      </Typography>
      <Box sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap' }}>
        {INFO_FIELDS.map((field) => {
          const m = state.info.find((x) => x.field === field);
          const update = (patch: { prefix?: string; a?: string; b?: string }) => {
            const prefix = patch.prefix ?? m?.prefix ?? '';
            const a = patch.a ?? String(fixed ? (m?.start ?? '') : (m?.column ?? ''));
            const b = patch.b ?? String(m?.length ?? '');
            if (prefix === '') return onChange(mapInfo(state, field, '', null));
            const place = fixed
              ? { start: num(a) ?? 0, length: num(b) ?? 0 }
              : { column: Math.max(0, (num(a) ?? 1) - 1) };
            onChange(mapInfo(state, field, prefix, place));
          };
          return (
            <Box key={field} sx={{ display: 'flex', gap: 0.5, alignItems: 'center' }}>
              <Typography variant="body2" sx={{ width: 96 }}>
                {LABELS[field]}
              </Typography>
              <TextField
                size="small"
                label="Record"
                value={m?.prefix ?? ''}
                onChange={(e) => update({ prefix: e.target.value })}
                sx={{ width: 70 }}
                slotProps={{ htmlInput: { 'data-testid': `builder-info-${field}-prefix`, maxLength: 20 } }}
              />
              <TextField
                size="small"
                label={fixed ? 'Start' : 'Column'}
                value={fixed ? (m?.start ?? '') : m?.column === undefined ? '' : m.column + 1}
                onChange={(e) => update({ a: e.target.value })}
                sx={{ width: 70 }}
                slotProps={{ htmlInput: { 'data-testid': `builder-info-${field}-start` } }}
              />
              {fixed && (
                <TextField
                  size="small"
                  label="Length"
                  value={m?.length ?? ''}
                  onChange={(e) => update({ b: e.target.value })}
                  sx={{ width: 70 }}
                  slotProps={{ htmlInput: { 'data-testid': `builder-info-${field}-length` } }}
                />
              )}
            </Box>
          );
        })}
      </Box>
    </Box>
  );
}
