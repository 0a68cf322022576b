import { useState } from 'react';
import { useWatch } from 'react-hook-form';
import { z } from 'zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { AllocationResultDto } from '../../../../src-shared/dto/allocation';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import {
  applyServerProblems,
  countText,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { DEFAULT_UNDO_REASON } from './labels';
import { netByItem } from './undo-lines';

const REQUIRED = 'A reason code is required: a whole number';

/** The form: a reason code by the command's own rule (a whole number in range), and required. */
export const undoSchema = z.object({
  reasonCode: countText(inputShape('allocation:undo').reasonCode).refine((n) => n !== null, REQUIRED),
});
type UndoForm = z.input<typeof undoSchema>;

/** Undo allocation: asks for a reason code and returns every allocation of the payment to unallocated credit. */
export function UndoAllocationDialog({
  paymentId,
  currency,
  onClose,
  onDone,
}: {
  paymentId: number;
  currency: string;
  onClose: () => void;
  onDone: (result: AllocationResultDto) => void;
}) {
  const { money } = useAppInfo();
  const rows = useApiQuery('payments:allocations', { paymentId });
  const form = useZodForm(undoSchema, { reasonCode: String(DEFAULT_UNDO_REASON) });
  const undo = useApiMutation('allocation:undo');
  const [error, setError] = useState<string | null>(null);
  // The reason is checked as it is typed (not only on leaving the field): the button waits for a valid one.
  const reasonText = useWatch({ control: form.control, name: 'reasonCode' });
  const live = undoSchema.shape.reasonCode.safeParse(reasonText);
  const reason = live.success ? live.data : null;

  const net = rows.data ? netByItem(rows.data) : [];
  const totalMinor = net.reduce((s, n) => s + n.amountMinor, 0);

  const submit = form.handleSubmit(async (v) => {
    if (v.reasonCode === null || net.length === 0) return;
    setError(null);
    try {
      onDone(await undo.run({ paymentId, reasonCode: v.reasonCode }));
    } catch (err) {
      setError(applyServerProblems<UndoForm>(form, err, ['reasonCode']) ?? errorMessage(err));
    }
  });

  const reasonField = fieldProps<UndoForm>(form, 'reasonCode');
  const serverProblem =
    form.formState.errors.reasonCode?.type === 'server' ? reasonField.helperText : undefined;
  return (
    <FormDialog
      title={`Undo allocation of payment #${paymentId}`}
      testId="undo-dialog"
      partsTestId="undo"
      submitTestId="undo-submit"
      submitLabel="Undo allocation"
      submitColor="warning"
      submitDisabled={reason === null || net.length === 0}
      onClose={onClose}
      onSubmit={submit}
      busy={undo.busy}
      error={error}
    >
      {rows.loading && <LinearProgress aria-hidden />}
      <Typography variant="body2">
        The amounts below go back to the payment as unallocated credit, and the items and bills they paid open
        again. The original allocation rows stay in the history with undo rows against them.
      </Typography>
      {rows.error && <Alert severity="error">{rows.error}</Alert>}
      {rows.data && net.length === 0 && (
        <Alert severity="info" data-testid="undo-nothing">
          This payment has no allocation to undo.
        </Alert>
      )}
      {net.length > 0 && (
        <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: 240, overflow: 'auto' }}>
          <Table size="small" aria-label="Allocations to undo" data-testid="undo-lines">
            <TableHead>
              <TableRow>
                <TableCell>Bill</TableCell>
                <TableCell>Item</TableCell>
                <TableCell align="right">Amount</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {net.map((n) => (
                <TableRow key={`${n.billNo}-${n.itemNo}`}>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{n.billNo}</TableCell>
                  <TableCell sx={{ fontFamily: 'monospace' }}>{n.itemNo}</TableCell>
                  <TableCell align="right">{money(n.amountMinor, currency)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      {net.length > 0 && (
        <Typography variant="body2" sx={{ textAlign: 'right' }}>
          Back to unallocated credit:{' '}
          <Box
            component="span"
            sx={{ fontWeight: 600, fontVariantNumeric: 'tabular-nums' }}
            data-testid="undo-total"
            data-minor={totalMinor}
          >
            {money(totalMinor, currency, true)}
          </Box>
        </Typography>
      )}
      <TextField
        required
        label="Reason code"
        {...reasonField}
        onFocus={(e) => e.target.select()}
        error={reason === null || serverProblem !== undefined}
        helperText={
          serverProblem ??
          (reason === null
            ? REQUIRED
            : reason === DEFAULT_UNDO_REASON
              ? `${DEFAULT_UNDO_REASON}: reversal reason`
              : 'Reason code recorded in the audit trail')
        }
        size="small"
        sx={{ width: 260 }}
        slotProps={{
          htmlInput: { 'data-testid': 'undo-reason', inputMode: 'numeric', autoComplete: 'off' },
        }}
      />
    </FormDialog>
  );
}
