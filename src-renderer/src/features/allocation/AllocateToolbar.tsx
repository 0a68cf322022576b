import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { AllocationViewDto, AllocPaymentDto } from '../../../../src-shared/dto/allocation';
import { useAppInfo } from '../../app/app-info';
import { Fact } from '../../components/AccountHeader';
import { formatDate } from '../../components/format';
import { FILL_KEYS } from './allocate-logic';
import { FILL_POLICY_LABELS } from './labels';
import type { AllocateState } from './use-allocate-payment';

/** The payment's figures above the table. */
export function AllocatePaymentFacts({
  payment,
  view,
}: {
  payment: AllocPaymentDto;
  view: AllocationViewDto;
}) {
  const { money } = useAppInfo();
  const currency = view.currency;
  return (
    <Box
      sx={{ display: 'grid', gridTemplateColumns: 'repeat(6, minmax(0, auto))', gap: 3, mb: 2 }}
      data-testid="allocate-payment-facts"
    >
      <Fact label="Date">{formatDate(payment.effectiveDate)}</Fact>
      <Fact label="Reference">{payment.externalRef ?? '—'}</Fact>
      <Fact label="Amount" testId="allocate-amount">
        {money(payment.amountMinor, payment.currency, true)}
      </Fact>
      <Fact label="Allocated" testId="allocate-allocated">
        {money(payment.allocatedMinor, currency, true)}
      </Fact>
      <Fact label="Unallocated" testId="allocate-unallocated">
        {money(payment.unallocatedMinor, currency, true)}
      </Fact>
      <Fact label="Open on account">{money(view.openMinor, currency, true)}</Fact>
    </Box>
  );
}

/** The fill-by-policy buttons (Alt+F/P/B/L), Clear (Alt+C), the key hints and the fill's notice. */
export function AllocateFillBar({ s }: { s: AllocateState }) {
  return (
    <>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap', mb: 1 }}>
        <Typography variant="body2" color="textSecondary" sx={{ mr: 0.5 }}>
          Fill by
        </Typography>
        {FILL_KEYS.map((k) => (
          <Tooltip key={k.policy} title={`Alt+${k.letter}`} enterDelay={500}>
            <span>
              <Button
                size="small"
                variant={s.filledBy === k.policy ? 'contained' : 'outlined'}
                onClick={() => s.fill(k.policy)}
                disabled={s.unallocatedMinor <= 0 || s.saving}
                data-testid={`fill-${k.policy}`}
              >
                {FILL_POLICY_LABELS[k.policy]}
              </Button>
            </span>
          </Tooltip>
        ))}
        <Tooltip title="Alt+C" enterDelay={500}>
          <span>
            <Button
              size="small"
              onClick={s.clear}
              disabled={s.saving || Object.keys(s.entries).length === 0}
              data-testid="fill-clear"
            >
              Clear
            </Button>
          </span>
        </Tooltip>
        <Typography variant="caption" color="textSecondary" sx={{ ml: 'auto' }}>
          ↑/↓ or Enter move · Alt+→/← items · Ctrl+Enter save · Esc close
        </Typography>
      </Box>
      {s.notice && (
        <Alert severity="info" sx={{ mb: 1, py: 0 }} data-testid="allocate-notice">
          {s.notice}
        </Alert>
      )}
    </>
  );
}
