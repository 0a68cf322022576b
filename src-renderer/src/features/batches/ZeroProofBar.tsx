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
  if (z.expectedCount !== null && z.expectedCount !== z.accountedCount) {
    const d = z.expectedCount - z.accountedCount;
    parts.push(
      d > 0 ? `${formatCount(d)} ${d === 1 ? 'entry' : 'entries'} missing` : `${formatCount(-d)} too many`,
    );
  }
  if (z.expectedTotalMinor !== null && z.expectedTotalMinor !== z.accountedTotalMinor) {
    const d = z.expectedTotalMinor - z.accountedTotalMinor;
    parts.push(d > 0 ? `${money(d, batch.currency, true)} short` : `${money(-d, batch.currency, true)} over`);
  }
  return `Zero proof differs: ${parts.join(', ')}`;
}

/**
 * The zero-proof bar: expected against entered count and amount (plus what moved to exception batches), green
 * when they agree, red when not. An exception batch also shows how its parent's deposit slip adds up.
 */
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
  const countOff = z.expectedCount !== null && z.expectedCount !== z.accountedCount;
  const amountOff = z.expectedTotalMinor !== null && z.expectedTotalMinor !== z.accountedTotalMinor;
  const moved = z.exceptionBatches.length > 0;
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
        columnGap: 3,
        rowGap: 0.5,
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
        {moved && (
          <Typography variant="body2" color="textSecondary" data-testid="zero-proof-moved-count">
            + {formatCount(z.movedCount)} moved
          </Typography>
        )}
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
        {moved && (
          <Typography variant="body2" color="textSecondary" data-testid="zero-proof-moved-total">
            + {money(z.movedTotalMinor, batch.currency, true)} moved
          </Typography>
        )}
        <Typography variant="body2" color="textSecondary">
          of {z.expectedTotalMinor === null ? '—' : money(z.expectedTotalMinor, batch.currency, true)}
        </Typography>
      </Box>
      {moved && (
        <Typography variant="body2" color="textSecondary" data-testid="zero-proof-exception-batches">
          Moved to{' '}
          {z.exceptionBatches
            .map(
              (x) =>
                `${x.batchNo}: ${formatCount(x.count)} ${x.count === 1 ? 'entry' : 'entries'}, ${money(x.totalMinor, batch.currency, true)}${x.status === 'discarded' ? ' (discarded, not counted)' : ''}`,
            )
            .join('; ')}
        </Typography>
      )}
      {z.parent && (
        <Typography
          variant="body2"
          color="textSecondary"
          data-testid="zero-proof-parent"
          data-balanced={String(z.parent.balanced)}
        >
          {`Split off ${z.parent.batchNo}: its deposit slip ${z.parent.expectedCount === null ? '—' : formatCount(z.parent.expectedCount)} / ${z.parent.expectedTotalMinor === null ? '—' : money(z.parent.expectedTotalMinor, batch.currency, true)}; accounted with this batch ${formatCount(z.parent.accountedCount)} / ${money(z.parent.accountedTotalMinor, batch.currency, true)} (${z.parent.balanced ? 'balanced' : 'not balanced'})`}
        </Typography>
      )}
      {problem && (
        <Typography variant="body2" sx={{ color: 'error.main', ml: 'auto' }} data-testid="zero-proof-problem">
          {problem}
        </Typography>
      )}
    </Box>
  );
}
