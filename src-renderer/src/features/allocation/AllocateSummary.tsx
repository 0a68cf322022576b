import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { useAppInfo } from '../../app/app-info';
import { isStale, remainderHint, saveErrorText } from './allocate-logic';
import type { AllocateState } from './use-allocate-payment';

const FIGURE_SX = { color: 'text.primary', fontWeight: 500, fontVariantNumeric: 'tabular-nums' } as const;

/** Under the table: what happens to the remainder, the amount applied and the remainder itself (red when over). */
export function AllocateTotals({ s }: { s: AllocateState }) {
  const { money } = useAppInfo();
  const remainder = s.check.remainderMinor;
  return (
    <Box
      sx={{
        mt: 2,
        display: 'flex',
        alignItems: 'baseline',
        gap: 3,
        flexWrap: 'wrap',
        justifyContent: 'flex-end',
      }}
    >
      <Typography
        variant="body2"
        color={remainder < 0 ? 'error' : 'textSecondary'}
        sx={{ flex: 1, minWidth: 240 }}
        data-testid="allocation-hint"
      >
        {remainderHint(remainder, s.lineCount, money, s.currency)}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Applying{' '}
        <Box component="span" sx={FIGURE_SX} data-testid="allocation-applied" data-minor={s.check.totalMinor}>
          {money(s.check.totalMinor, s.currency, true)}
        </Box>
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Remainder{' '}
        <Box
          component="span"
          sx={{
            ...FIGURE_SX,
            color: remainder < 0 ? 'error.main' : 'text.primary',
            fontWeight: 600,
            fontSize: '1rem',
          }}
          data-testid="allocation-remainder"
          data-minor={remainder}
          data-over={remainder < 0}
        >
          {money(remainder, s.currency, true)}
        </Box>
      </Typography>
    </Box>
  );
}

/** A refused save; a stale token offers Reload (fresh figures and token, the fields start over). */
export function AllocateSaveError({ s }: { s: AllocateState }) {
  const error = s.saveError;
  if (!error) return null;
  return (
    <Alert
      severity="error"
      sx={{ mt: 2 }}
      data-testid="allocate-error"
      data-code={error.code}
      action={
        isStale(error) ? (
          <Button color="inherit" size="small" onClick={s.reload} data-testid="allocate-reload">
            Reload
          </Button>
        ) : undefined
      }
    >
      {saveErrorText(error)}
    </Alert>
  );
}
