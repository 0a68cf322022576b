import { useState } from 'react';
import { Controller } from 'react-hook-form';
import { z } from 'zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import Radio from '@mui/material/Radio';
import RadioGroup from '@mui/material/RadioGroup';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { AccountCreditResultDto, AllocationViewDto } from '../../../../src-shared/dto/allocation';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatCount, formatDate } from '../../components/format';
import { applyServerProblems, FormDialog, inputShape, useZodForm } from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { POLICY_NAMES, type AutoPolicy } from './labels';

const POLICIES: readonly AutoPolicy[] = ['fifo', 'proportional', 'largest', 'bill-number', 'standard'];

const laterSchema = z.object({ policy: inputShape('allocation:account-credit').policy.unwrap() });
type LaterForm = z.input<typeof laterSchema>;

/** The account's unallocated credit and its open bills, as headline figures. */
function CreditFigures({ view }: { view: AllocationViewDto }) {
  const { money } = useAppInfo();
  return (
    <Box sx={{ display: 'flex', gap: 4 }}>
      <Box>
        <Typography variant="overline" color="textSecondary" component="div">
          Unallocated credit
        </Typography>
        <Typography variant="h6" component="div" data-testid="later-unallocated">
          {money(view.unallocatedMinor, view.currency, true)}
        </Typography>
      </Box>
      <Box>
        <Typography variant="overline" color="textSecondary" component="div">
          Open bills
        </Typography>
        <Typography variant="h6" component="div">
          {money(view.openMinor, view.currency, true)}
          <Typography component="span" variant="body2" color="textSecondary" sx={{ ml: 1 }}>
            in {formatCount(view.bills.length)} {view.bills.length === 1 ? 'bill' : 'bills'}
          </Typography>
        </Typography>
      </Box>
    </Box>
  );
}

/** The payments that hold credit, each with a way into the Allocate payment dialog. */
function CreditPayments({
  view,
  busy,
  onAllocatePayment,
}: {
  view: AllocationViewDto;
  busy: boolean;
  onAllocatePayment: (paymentId: number) => void;
}) {
  const { money } = useAppInfo();
  if (view.payments.length === 0)
    return <Alert severity="info">No payment on this account holds unallocated credit.</Alert>;
  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: 220, overflow: 'auto' }}>
      <Table size="small" aria-label="Payments with unallocated credit">
        <TableHead>
          <TableRow>
            <TableCell>Payment</TableCell>
            <TableCell>Date</TableCell>
            <TableCell>Reference</TableCell>
            <TableCell align="right">Unallocated</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {view.payments.map((p) => (
            <TableRow key={p.paymentId} data-testid={`later-payment-${p.paymentId}`}>
              <TableCell sx={{ fontFamily: 'monospace' }}>#{p.paymentId}</TableCell>
              <TableCell>{formatDate(p.effectiveDate)}</TableCell>
              <TableCell>{p.externalRef ?? '—'}</TableCell>
              <TableCell align="right">{money(p.unallocatedMinor, view.currency)}</TableCell>
              <TableCell align="right" sx={{ py: 0.25 }}>
                <Button
                  size="small"
                  onClick={() => onAllocatePayment(p.paymentId)}
                  disabled={busy}
                  data-testid={`later-allocate-${p.paymentId}`}
                >
                  Allocate…
                </Button>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}

/**
 * Allocate later: the account's unallocated credit, payment by payment. Either allocate all of it now with a
 * policy (`allocation:account-credit`), or open the Allocate payment dialog for one payment.
 */
export function AllocateLaterDialog({
  accountNo,
  onClose,
  onAllocatePayment,
  onDone,
}: {
  accountNo: string;
  onClose: () => void;
  onAllocatePayment: (paymentId: number) => void;
  onDone: (result: AccountCreditResultDto) => void;
}) {
  const read = useApiQuery('allocation:view', { accountNo });
  const view = read.data;
  const form = useZodForm<LaterForm, LaterForm>(laterSchema, { policy: 'fifo' });
  const allocate = useApiMutation('allocation:account-credit');
  const [error, setError] = useState<string | null>(null);

  const run = form.handleSubmit(async (v) => {
    setError(null);
    try {
      onDone(await allocate.run({ accountNo, policy: v.policy }));
    } catch (err) {
      setError(applyServerProblems<LaterForm>(form, err, ['policy']) ?? errorMessage(err));
    }
  });

  const payableOpen = view?.bills.some((b) => b.payable) ?? false;
  const canRun = view !== undefined && view.unallocatedMinor > 0 && payableOpen;
  return (
    <FormDialog
      title={`Allocate unallocated credit · ${accountNo}`}
      testId="allocate-later-dialog"
      partsTestId="later"
      submitTestId="later-run"
      submitLabel="Allocate credit"
      submitDisabled={!canRun}
      onClose={onClose}
      onSubmit={run}
      busy={allocate.busy}
      error={error}
    >
      {read.loading && <LinearProgress aria-hidden />}
      {read.error && <Alert severity="error">{read.error}</Alert>}
      {view && <CreditFigures view={view} />}
      {view && <CreditPayments view={view} busy={allocate.busy} onAllocatePayment={onAllocatePayment} />}
      {view && view.payments.length > 0 && (
        <Box>
          <Typography variant="subtitle2" id="later-policy-label">
            Allocate all of it now by
          </Typography>
          <Controller
            control={form.control}
            name="policy"
            render={({ field }) => (
              <RadioGroup
                aria-labelledby="later-policy-label"
                value={field.value}
                onChange={(e) => field.onChange(e.target.value)}
                sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr' }}
              >
                {POLICIES.map((p) => (
                  <FormControlLabel
                    key={p}
                    value={p}
                    control={<Radio size="small" />}
                    label={POLICY_NAMES[p]}
                    data-testid={`later-policy-${p}`}
                  />
                ))}
              </RadioGroup>
            )}
          />
          {!payableOpen && (
            <Typography variant="body2" color="textSecondary">
              Nothing is open to allocate to: the credit stays on the account.
            </Typography>
          )}
        </Box>
      )}
    </FormDialog>
  );
}
