import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';
import { columnSpans, lineRoles, type BuilderState } from './builder-model';

const ROLE_TAG = { header: 'H', 'column-header': 'C', data: 'D', skipped: '·', footer: 'F' } as const;

/**
 * The file's first lines in a monospace grid with a ruler: a click on a character sets a column boundary before
 * it (a click on a boundary removes it). Columns are shaded alternately; each line is tagged header, data or footer.
 */
export function FixedWidthPreview({
  state,
  onToggle,
}: {
  state: BuilderState;
  onToggle: (position: number) => void;
}) {
  const theme = useTheme();
  const spans = columnSpans(state);
  const width = spans[spans.length - 1]?.end ?? 0;
  const columnOf = (pos: number) => spans.findIndex((s) => pos >= s.start && pos < s.end);
  const roles = lineRoles(state);
  const shade = (col: number) => (col % 2 === 1 ? alpha(theme.palette.primary.main, 0.08) : 'transparent');
  const cell = (pos: number) => ({
    display: 'inline-block',
    width: '1ch',
    cursor: 'col-resize',
    // An inset shadow marks the boundary without taking width: characters stay on their grid.
    boxShadow: state.boundaries.includes(pos) ? `inset 2px 0 0 ${theme.palette.primary.main}` : 'none',
    background: shade(columnOf(pos)),
  });
  const ruler = Array.from({ length: width }, (_, i) => i);
  return (
    <Box
      data-testid="builder-preview"
      sx={{
        fontFamily: 'monospace',
        fontSize: 13,
        lineHeight: '20px',
        overflow: 'auto',
        maxHeight: 260,
        border: 1,
        borderColor: 'divider',
        borderRadius: 1,
        p: 1,
        whiteSpace: 'pre',
        userSelect: 'none',
      }}
    >
      <Box sx={{ color: 'text.secondary' }}>
        <Box component="span" sx={{ display: 'inline-block', width: '3ch' }} />
        {ruler.map((i) => (
          <Box
            component="span"
            key={i}
            data-pos={i}
            data-testid={`builder-ruler-${i}`}
            onClick={() => onToggle(i)}
            sx={cell(i)}
          >
            {(i + 1) % 10 === 0 ? String(((i + 1) / 10) % 10) : (i + 1) % 5 === 0 ? '+' : '·'}
          </Box>
        ))}
      </Box>
      {state.lines.map((line, n) => (
        <Box key={n} data-line={n + 1}>
          <Typography
            component="span"
            variant="caption"
            color={roles[n] === 'data' ? 'primary' : 'textSecondary'}
            sx={{ display: 'inline-block', width: '3ch', fontFamily: 'monospace' }}
            title={roles[n]}
          >
            {ROLE_TAG[roles[n] ?? 'skipped']}
          </Typography>
          {ruler.map((i) => (
            <Box component="span" key={i} data-pos={i} onClick={() => onToggle(i)} sx={cell(i)}>
              {line[i] ?? ' '}
            </Box>
          ))}
        </Box>
      ))}
    </Box>
  );
}
