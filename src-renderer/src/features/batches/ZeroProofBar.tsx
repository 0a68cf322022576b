import Box from '@mui/material/Box';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';
import CheckCircleIcon from '@mui/icons-material/CheckCircle';
import ErrorIcon from '@mui/icons-material/Error';
import RemoveCircleOutlineIcon from '@mui/icons-material/RemoveCircleOutlined';
import type { BatchDto } from '../../../../src-shared/dto/batches';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';

/** Why the zero proof fails, in words, or null when it balances. */
export function zeroProofProblem(
  batch: Pick<BatchDto, 'zeroProof' | 'currency'>,
  money: (minor: number, currency: string, withCode?: boolean) => string,
): string | null {
  const z = batch.zeroProof;
  if (z.balanced) return null;
  const parts: string[] = [];
  if (z.expectedCount !== null && z.expectedCount !== z.enteredCount) {
    const d = z.expectedCount - z.enteredCount;
    parts.push(
      d > 0 ? `${formatCount(d)} ${d === 1 ? 'entry' : 'entries'} missing` : `${formatCount(-d)} too many`,
    );
  }
  if (z.expectedTotalMinor !== null && z.expectedTotalMinor !== z.enteredTotalMinor) {
    const d = z.expectedTotalMinor - z.enteredTotalMinor;
    parts.push(d > 0 ? `${money(d, batch.currency, true)} short` : `${money(-d, batch.currency, true)} over`);
  }
  return `Zero proof differs: ${parts.join(', ')}`;
}

/** The zero-proof bar: expected against entered count and amount, green when they agree, red when not. */
export function ZeroProofBar({ batch }: { batch: BatchDto }) {
  const theme = useTheme();
  const { money } = useAppInfo();
  const z = batch.zeroProof;
  const noControl = z.expectedCount === null && z.expectedTotalMinor === null;
  const tone = noControl
    ? theme.palette.text.secondary
    : z.balanced
      ? theme.palette.success.main
      : theme.palette.error.main;
  const problem = zeroProofProblem(batch, money);
  const countOff = z.expectedCount !== null && z.expectedCount !== z.enteredCount;
  const amountOff = z.expectedTotalMinor !== null && z.expectedTotalMinor !== z.enteredTotalMinor;
  const figure = (off: boolean) => ({
    fontWeight: 600,
    fontVariantNumeric: 'tabular-nums',
    color: off ? 'error.main' : 'text.primary',
  });
  return (
    <Box
      role="status"
      aria-live="polite"
      data-testid="zero-proof"
      data-balanced={String(z.balanced)}
      sx={{
        display: 'flex',
        alignItems: 'center',
        gap: 3,
        px: 2,
        py: 1,
        borderRadius: 1,
        border: 1,
        borderColor: alpha(tone, 0.5),
        bgcolor: alpha(tone, theme.palette.mode === 'dark' ? 0.14 : 0.07),
        flexWrap: 'wrap',
      }}
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, color: tone, minWidth: 150 }}>
        {noControl ? (
          <RemoveCircleOutlineIcon fontSize="small" />
        ) : z.balanced ? (
          <CheckCircleIcon fontSize="small" />
        ) : (
          <ErrorIcon fontSize="small" />
        )}
        <Typography variant="subtitle2" data-testid="zero-proof-state" sx={{ color: 'inherit' }}>
          {noControl ? 'No control figures' : z.balanced ? 'Balanced' : 'Not balanced'}
        </Typography>
      </Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'baseline' }} data-testid="zero-proof-count">
        <Typography variant="body2" color="textSecondary">
          Count
        </Typography>
        <Typography variant="body2" sx={figure(countOff)} data-testid="zero-proof-entered-count">
          {formatCount(z.enteredCount)}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          of {z.expectedCount === null ? '—' : formatCount(z.expectedCount)}
        </Typography>
      </Box>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'baseline' }} data-testid="zero-proof-amount">
        <Typography variant="body2" color="textSecondary">
          Amount
        </Typography>
        <Typography
          variant="body2"
          sx={figure(amountOff)}
          data-testid="zero-proof-entered-total"
          data-minor={z.enteredTotalMinor}
        >
          {money(z.enteredTotalMinor, batch.currency, true)}
        </Typography>
        <Typography variant="body2" color="textSecondary">
          of {z.expectedTotalMinor === null ? '—' : money(z.expectedTotalMinor, batch.currency, true)}
        </Typography>
      </Box>
      {problem && (
        <Typography variant="body2" sx={{ color: 'error.main', ml: 'auto' }} data-testid="zero-proof-problem">
          {problem}
        </Typography>
      )}
    </Box>
  );
}
