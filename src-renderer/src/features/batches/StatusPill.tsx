import Box from '@mui/material/Box';
import { alpha, useTheme } from '@mui/material/styles';
import type { StatusTone } from './labels';

/** A compact coloured label that stays readable on light and dark backgrounds (used in grid cells and lists). */
export function StatusPill({ label, tone, testId }: { label: string; tone: StatusTone; testId?: string }) {
  const theme = useTheme();
  const color = tone === 'default' ? theme.palette.text.secondary : theme.palette[tone].main;
  const text =
    tone === 'default'
      ? theme.palette.text.primary
      : theme.palette.mode === 'dark'
        ? theme.palette[tone].light
        : theme.palette[tone].dark;
  return (
    <Box
      component="span"
      data-testid={testId}
      sx={{
        display: 'inline-flex',
        alignItems: 'center',
        height: 20,
        px: 1,
        borderRadius: 10,
        fontSize: 11.5,
        fontWeight: 600,
        lineHeight: 1,
        whiteSpace: 'nowrap',
        color: text,
        bgcolor: alpha(color, theme.palette.mode === 'dark' ? 0.22 : 0.12),
        border: 1,
        borderColor: alpha(color, 0.4),
      }}
    >
      {label}
    </Box>
  );
}
