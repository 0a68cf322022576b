import Typography from '@mui/material/Typography';
import type { SuspenseDetailDto } from '../../../../src-shared/dto/suspense';
import { useAppInfo } from '../../app/app-info';

/** A line describing the payment a dialog acts on. */
export function PaymentLine({ detail }: { detail: SuspenseDetailDto }) {
  const { money } = useAppInfo();
  const p = detail.payment;
  const s = detail.subject;
  return (
    <Typography variant="body2" color="textSecondary">
      Payment {s.paymentId} · {money(s.amountMinor, s.currency, true)}
      {p?.payerName ? ` · ${p.payerName}` : ''}
      {p?.externalRef ? ` · ${p.externalRef}` : ''}
    </Typography>
  );
}
