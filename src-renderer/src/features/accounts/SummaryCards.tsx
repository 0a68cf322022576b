import type { ReactNode } from 'react';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import type { AccountDetailDto, PaymentStatusDto } from '../../../../src-shared/dto/accounts';
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatDate } from '../../components/format';
import { Fact } from '../../components/AccountHeader';

const STANDING: Record<
  PaymentStatusDto['standing'],
  { label: string; color: 'success' | 'error' | 'info' | 'default' }
> = {
  good: { label: 'Good standing', color: 'success' },
  overdue: { label: 'Overdue', color: 'error' },
  credit: { label: 'In credit', color: 'info' },
  settled: { label: 'Settled', color: 'default' },
};

/** A titled card. */
function Card({ title, children, testId }: { title: string; children: ReactNode; testId: string }) {
  return (
    <Paper variant="outlined" sx={{ p: 2, height: '100%' }} data-testid={testId}>
      <Typography variant="subtitle2" sx={{ mb: 1.5 }}>
        {title}
      </Typography>
      {children}
    </Paper>
  );
}

/** Payment status: standing, overdue amount and bill count, next due date and amount. */
export function PaymentStatusCard({ account }: { account: AccountDetailDto }) {
  const { money } = useAppInfo();
  const s = account.paymentStatus;
  const standing = STANDING[s.standing];
  return (
    <Card title="Payment status" testId="payment-status-card">
      <Chip
        label={standing.label}
        color={standing.color}
        size="small"
        data-testid="payment-standing"
        sx={{ mb: 1.5 }}
      />
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', gap: 2 }}>
        <Fact label="Overdue" testId="overdue-amount">
          <Box component="span" sx={{ color: s.overdueMinor > 0 ? 'error.main' : 'text.primary' }}>
            {money(s.overdueMinor, account.currency, true)}
          </Box>
          <Typography variant="caption" color="textSecondary" component="div">
            {formatCount(s.overdueBills)} {s.overdueBills === 1 ? 'bill' : 'bills'}
          </Typography>
        </Fact>
        <Fact label="Next due" testId="next-due">
          {s.nextDueDate ? (
            <>
              {money(s.nextDueMinor, account.currency, true)}
              <Typography variant="caption" color="textSecondary" component="div">
                on {formatDate(s.nextDueDate)}
              </Typography>
            </>
          ) : (
            <Typography variant="body2" color="textSecondary" component="span">
              None upcoming
            </Typography>
          )}
        </Fact>
        <Fact label="Open bills">{formatCount(account.openBillCount)}</Fact>
      </Box>
    </Card>
  );
}

/** Billing cycle: last and next bill date, cycle days, recent bill dates. */
export function BillingCycleCard({ account }: { account: AccountDetailDto }) {
  const c = account.billingCycle;
  return (
    <Card title="Billing cycle" testId="billing-cycle-card">
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, minmax(0, 1fr))', gap: 2, mb: 1.5 }}>
        <Fact label="Last bill" testId="last-bill-date">
          {formatDate(c.lastBillDate)}
        </Fact>
        <Fact label="Next bill" testId="next-bill-date">
          {formatDate(c.nextBillDate)}
        </Fact>
        <Fact label={c.billCycleDays.length === 1 ? 'Cycle day' : 'Cycle days'}>
          {c.billCycleDays.length ? c.billCycleDays.join(', ') : '—'}
        </Fact>
      </Box>
      <Typography variant="overline" color="textSecondary" component="div">
        Recent bills
      </Typography>
      <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap' }} data-testid="recent-bill-dates">
        {c.recentBillDates.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            No bills yet
          </Typography>
        ) : (
          c.recentBillDates.map((d) => <Chip key={d} label={d} size="small" variant="outlined" />)
        )}
      </Box>
    </Card>
  );
}
