import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
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
import { call, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { formatCount } from '../../components/format';
import { POLICY_NAMES, type AutoPolicy } from './labels';

const POLICIES: readonly AutoPolicy[] = ['fifo', 'proportional', 'largest', 'bill-number', 'standard'];

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
  const { money } = useAppInfo();
  const [view, setView] = useState<AllocationViewDto | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [policy, setPolicy] = useState<AutoPolicy>('fifo');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stale = false;
    call('allocation:view', { accountNo }).then(
      (v) => !stale && setView(v),
      (err: unknown) => !stale && setLoadError(errorMessage(err)),
    );
    return () => {
      stale = true;
    };
  }, [accountNo]);

  const run = async () => {
    setSaving(true);
    setError(null);
    try {
      onDone(await call('allocation:account-credit', { accountNo, policy }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  };

  const payableOpen = view?.bills.some((b) => b.payable) ?? false;
  const canRun = !saving && view !== null && view.unallocatedMinor > 0 && payableOpen;
  return (
    <Dialog
      open
      onClose={saving ? undefined : onClose}
      maxWidth="sm"
      fullWidth
      aria-labelledby="later-title"
      data-testid="allocate-later-dialog"
    >
      <DialogTitle id="later-title">Allocate unallocated credit · {accountNo}</DialogTitle>
      <LinearProgress
        sx={{ height: 2, visibility: (!view && !loadError) || saving ? 'visible' : 'hidden' }}
      />
      <DialogContent sx={{ pt: 1 }}>
        {loadError && <Alert severity="error">{loadError}</Alert>}
        {view && (
          <>
            <Box sx={{ display: 'flex', gap: 4, mb: 2 }}>
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
            {view.payments.length === 0 ? (
              <Alert severity="info">No payment on this account holds unallocated credit.</Alert>
            ) : (
              <Box
                sx={{
                  border: 1,
                  borderColor: 'divider',
                  borderRadius: 1,
                  mb: 2,
                  maxHeight: 220,
                  overflow: 'auto',
                }}
              >
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
                        <TableCell>{p.effectiveDate}</TableCell>
                        <TableCell>{p.externalRef ?? '—'}</TableCell>
                        <TableCell align="right">{money(p.unallocatedMinor, view.currency)}</TableCell>
                        <TableCell align="right" sx={{ py: 0.25 }}>
                          <Button
                            size="small"
                            onClick={() => onAllocatePayment(p.paymentId)}
                            disabled={saving}
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
            )}
            {view.payments.length > 0 && (
              <>
                <Typography variant="subtitle2" id="later-policy-label">
                  Allocate all of it now by
                </Typography>
                <RadioGroup
                  aria-labelledby="later-policy-label"
                  value={policy}
                  onChange={(e) => setPolicy(e.target.value as AutoPolicy)}
                  sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr' }}
                >
                  {POLICIES.map((p) => (
                    <FormControlLabel
                      key={p}
                      value={p}
                      control={<Radio size="small" autoFocus={p === 'fifo'} />}
                      label={POLICY_NAMES[p]}
                      data-testid={`later-policy-${p}`}
                    />
                  ))}
                </RadioGroup>
                {!payableOpen && (
                  <Typography variant="body2" color="textSecondary">
                    Nothing is open to allocate to: the credit stays on the account.
                  </Typography>
                )}
              </>
            )}
          </>
        )}
        {error && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="later-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose} disabled={saving}>
          Cancel
        </Button>
        <Button variant="contained" onClick={() => void run()} disabled={!canRun} data-testid="later-run">
          Allocate credit
        </Button>
      </DialogActions>
    </Dialog>
  );
}
