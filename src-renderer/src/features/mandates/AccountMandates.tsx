import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { mayRun } from '../../../../src-shared/api/roles';
import { z } from 'zod';
import type { MandateDto } from '../../../../src-shared/dto/mandates';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { formatDate, formatTimestamp } from '../../components/format';
import { useApiMutation, useApiQuery } from '../../components/query';
import { bankText, SCHEME_LABELS, showValue } from './labels';
import { MandateFormDialog } from './MandateFormDialog';
import { MandateStatusChip } from './MandateStatusChip';

type Open =
  | { kind: 'add' }
  | { kind: 'amend'; mandate: MandateDto }
  | { kind: 'cancel'; mandate: MandateDto }
  | { kind: 'history'; mandateId: number }
  | null;

const today = (): string => new Date().toISOString().slice(0, 10);

const cancelSchema = z.object({ reason: inputShape('mandates:cancel').reason });
type CancelForm = z.input<typeof cancelSchema>;

/** Cancels a mandate for future collections, with a reason; a cancelled mandate is never reactivated. */
function CancelMandateDialog({
  mandate,
  onClose,
  onSaved,
}: {
  mandate: MandateDto;
  onClose: () => void;
  onSaved: () => void;
}) {
  const form = useZodForm(cancelSchema, { reason: '' });
  const cancel = useApiMutation('mandates:cancel');
  const [error, setError] = useState<string | null>(null);
  const save = form.handleSubmit(async (v) => {
    setError(null);
    try {
      await cancel.run({ mandateId: mandate.id, version: mandate.version, reason: v.reason });
      onSaved();
    } catch (err) {
      setError(applyServerProblems<CancelForm>(form, err, ['reason']) ?? errorMessage(err));
    }
  });
  const reason = fieldProps<CancelForm>(form, 'reason');
  return (
    <FormDialog
      title={`Cancel mandate ${mandate.reference}`}
      testId="mandate-cancel-dialog"
      partsTestId="mandate-cancel"
      submitLabel="Cancel mandate"
      cancelLabel="Keep it"
      maxWidth="xs"
      onClose={onClose}
      onSubmit={save}
      busy={cancel.busy}
      error={error}
    >
      <Typography variant="body2" color="text.secondary">
        Future collections stop; a collection already sent to the bank stays. A cancelled mandate cannot be
        reactivated: the customer signs a new one.
      </Typography>
      <TextField
        fullWidth
        size="small"
        label="Reason"
        {...reason}
        helperText={reason.helperText ?? ' '}
        slotProps={{ htmlInput: { 'data-testid': 'mandate-cancel-reason', maxLength: 200 } }}
      />
    </FormDialog>
  );
}

/** A mandate's history: every change with its before and after data. */
export function MandateHistoryDialog({ mandateId, onClose }: { mandateId: number; onClose: () => void }) {
  const { data: detail, error } = useApiQuery('mandates:show', { mandateId });
  const data = (v: Record<string, unknown> | null): string =>
    v
      ? Object.entries(v)
          .map(([k, x]) => `${k}: ${showValue(x)}`)
          .join(', ')
      : '';
  return (
    <Dialog open onClose={onClose} maxWidth="lg" fullWidth data-testid="mandate-history">
      <DialogTitle>History of mandate {detail?.reference ?? ''}</DialogTitle>
      <DialogContent>
        {error && <Alert severity="error">{error}</Alert>}
        {detail?.pendingAmendment && (
          <Alert severity="info" sx={{ mb: 1 }}>
            The next collection presents the amendment: {data(detail.pendingAmendment)}
          </Alert>
        )}
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>When</TableCell>
              <TableCell>Change</TableCell>
              <TableCell>Source</TableCell>
              <TableCell>Before</TableCell>
              <TableCell>After</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {detail?.events.map((e) => (
              <TableRow key={e.id}>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatTimestamp(e.at)}</TableCell>
                <TableCell>
                  {e.kind}
                  {e.code ? ` (${e.code})` : ''}
                </TableCell>
                <TableCell>
                  {e.source.startsWith('mandate-file:') ? 'bank mandate file' : e.source}
                  {e.operator ? ` · ${e.operator}` : ''}
                </TableCell>
                <TableCell sx={{ fontSize: 12, color: 'text.secondary' }}>{data(e.before)}</TableCell>
                <TableCell sx={{ fontSize: 12 }}>{data(e.after)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

/** The Mandates section of the account view: the account's mandates, add/amend/cancel and their history. */
export function AccountMandates({ accountNo, currency }: { accountNo: string; currency: string }) {
  const { info } = useAppInfo();
  const canEdit = mayRun(info?.operator.roles ?? [], 'mandates:add');
  const { data, error } = useApiQuery('mandates:list', { accountNo, limit: 200 });
  const rows = data?.rows ?? null;
  const [open, setOpen] = useState<Open>(null);
  // The save's mutation re-reads the list.
  const saved = () => setOpen(null);
  const live = (m: MandateDto) => m.status === 'active' || m.status === 'pending';

  return (
    <Paper variant="outlined" data-testid="account-mandates">
      <Box sx={{ px: 2, pt: 1.5, pb: 1, display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Mandates ({rows?.length ?? '…'})
        </Typography>
        {canEdit && (
          <Button
            size="small"
            variant="outlined"
            onClick={() => setOpen({ kind: 'add' })}
            data-testid="mandate-add"
          >
            Add mandate…
          </Button>
        )}
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      <TableContainer sx={{ overflowX: 'auto' }}>
        <Table size="small" aria-label="Mandates">
          <TableHead>
            <TableRow>
              <TableCell>Reference</TableCell>
              <TableCell>Scheme</TableCell>
              <TableCell>Creditor</TableCell>
              <TableCell>Status</TableCell>
              <TableCell>Debtor</TableCell>
              <TableCell>Bank account</TableCell>
              <TableCell>Signed</TableCell>
              <TableCell align="right">Collections</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {rows?.length === 0 && (
              <TableRow>
                <TableCell colSpan={9} sx={{ color: 'text.secondary', textAlign: 'center' }}>
                  No mandate: this account is not collected by direct debit.
                </TableCell>
              </TableRow>
            )}
            {rows?.map((m) => (
              <TableRow key={m.id} data-testid={`mandate-row-${m.reference}`}>
                <TableCell sx={{ fontFamily: 'monospace' }}>{m.reference}</TableCell>
                <TableCell>{SCHEME_LABELS[m.scheme]}</TableCell>
                <TableCell>{m.creditorCode}</TableCell>
                <TableCell>
                  <MandateStatusChip status={m.status} />
                  {m.pendingAmendment && (
                    <Typography component="span" variant="caption" color="info.main" sx={{ ml: 0.5 }}>
                      amended
                    </Typography>
                  )}
                </TableCell>
                <TableCell>{m.debtorName}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{bankText(m)}</TableCell>
                <TableCell>{formatDate(m.signedOn)}</TableCell>
                <TableCell align="right">{m.collections}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  <Button size="small" onClick={() => setOpen({ kind: 'history', mandateId: m.id })}>
                    History
                  </Button>
                  {canEdit && live(m) && (
                    <>
                      <Button
                        size="small"
                        onClick={() => setOpen({ kind: 'amend', mandate: m })}
                        data-testid="mandate-amend"
                      >
                        Amend
                      </Button>
                      <Button
                        size="small"
                        color="error"
                        onClick={() => setOpen({ kind: 'cancel', mandate: m })}
                        data-testid="mandate-cancel"
                      >
                        Cancel
                      </Button>
                    </>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {open?.kind === 'add' && (
        <MandateFormDialog
          accountNo={accountNo}
          currency={currency}
          today={today()}
          onClose={() => setOpen(null)}
          onSaved={saved}
        />
      )}
      {open?.kind === 'amend' && (
        <MandateFormDialog
          accountNo={accountNo}
          currency={currency}
          mandate={open.mandate}
          today={today()}
          onClose={() => setOpen(null)}
          onSaved={saved}
        />
      )}
      {open?.kind === 'cancel' && (
        <CancelMandateDialog mandate={open.mandate} onClose={() => setOpen(null)} onSaved={saved} />
      )}
      {open?.kind === 'history' && (
        <MandateHistoryDialog mandateId={open.mandateId} onClose={() => setOpen(null)} />
      )}
    </Paper>
  );
}
