import { useState } from 'react';
import { useFieldArray } from 'react-hook-form';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import IconButton from '@mui/material/IconButton';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import AddIcon from '@mui/icons-material/Add';
import DeleteOutlineIcon from '@mui/icons-material/DeleteOutlined';
import { z } from 'zod';
import type { SuspenseDetailDto, SuspenseMoveDto } from '../../../../src-shared/dto/suspense';
import { errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { parseLocalAmount } from '../../components/amount';
import {
  amountText,
  applyServerProblems,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { blankIsAbsent } from './form-rules';
import { PaymentLine } from './PaymentLine';

const target = inputShape('suspense:distribute').targets.element.shape;

/** The distribution form: each line an account or a bill (the command's rules) and an amount in the user's locale. */
function distributeSchema(exponent: number) {
  return z.object({
    targets: z
      .array(
        z
          .object({
            accountNo: blankIsAbsent(target.accountNo),
            billNo: blankIsAbsent(target.billNo),
            // Not optional, so never empty; the contract's decimal rule then checks the digits.
            amount: amountText(exponent)
              .transform((a) => a ?? '')
              .pipe(target.amount),
          })
          .refine((t) => t.accountNo !== undefined || t.billNo !== undefined, {
            message: 'Give an account or a bill number',
            path: ['accountNo'],
          }),
      )
      .min(1),
  });
}

type DistributeForm = z.input<ReturnType<typeof distributeSchema>>;

/** One line of a distribution list as typed. */
export type TargetDraft = DistributeForm['targets'][number];

const EMPTY_LINE: TargetDraft = { accountNo: '', billNo: '', amount: '' };

/**
 * Distribute over several accounts/bills: a small grid of targets with a live remainder. The list succeeds or
 * fails as a whole (G12); what it leaves stays in suspense as a new suspended payment.
 */
export function DistributeDialog({
  detail,
  initial,
  onClose,
  onDone,
}: {
  detail: SuspenseDetailDto;
  initial: TargetDraft[];
  onClose: () => void;
  onDone: (move: SuspenseMoveDto) => void;
}) {
  const { money } = useAppInfo();
  const exponent = detail.exponent;
  const currency = detail.subject.currency;
  const form = useZodForm(distributeSchema(exponent), {
    targets: initial.length ? initial : [EMPTY_LINE],
  });
  const lines = useFieldArray({ control: form.control, name: 'targets' });
  const distribute = useApiMutation('suspense:distribute');
  const [error, setError] = useState<string | null>(null);

  // The remainder follows every keystroke, so the analyst sees what stays in suspense before sending.
  const rows = form.watch('targets');
  const parsed = rows.map((r) => (r.amount.trim() ? parseLocalAmount(r.amount, exponent) : null));
  const distributed = parsed.reduce((s, p) => s + (p && p.ok ? p.value : 0), 0);
  const remainder = detail.subject.amountMinor - distributed;
  const rowOk = rows.map((r, i) => {
    const p = parsed[i];
    return (r.accountNo.trim() !== '' || r.billNo.trim() !== '') && !!p && p.ok && p.value > 0;
  });
  const valid = rowOk.every(Boolean) && remainder >= 0 && rows.length > 0;

  const save = form.handleSubmit(async (v) => {
    setError(null);
    try {
      onDone(await distribute.run({ paymentId: detail.subject.paymentId, targets: v.targets }));
    } catch (err) {
      const fields = rows.flatMap((_, i) =>
        (['accountNo', 'billNo', 'amount'] as const).map((f) => `targets.${i}.${f}` as const),
      );
      setError(applyServerProblems<DistributeForm>(form, err, fields) ?? errorMessage(err));
    }
  });

  // The lines are checked live above; the schema's (and the service's) problems show once a send was tried, as
  // the field array checks every line when one is added, which would flag the new empty line at once.
  const problems = form.formState.isSubmitted ? form.formState.errors.targets : undefined;
  return (
    <FormDialog
      title="Distribute"
      testId="distribute-dialog"
      submitTestId="distribute-dialog-confirm"
      submitLabel="Distribute"
      submitDisabled={!valid}
      maxWidth="md"
      onClose={onClose}
      onSubmit={save}
      busy={distribute.busy}
      error={error}
    >
      <PaymentLine detail={detail} />
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Account</TableCell>
            <TableCell>Bill (optional)</TableCell>
            <TableCell align="right">Amount ({currency})</TableCell>
            <TableCell width={48} />
          </TableRow>
        </TableHead>
        <TableBody>
          {lines.fields.map((line, i) => {
            const p = parsed[i];
            const lineProblems = problems?.[i];
            const amountProblem = p && !p.ok ? p.error.reason : lineProblems?.amount?.message;
            return (
              <TableRow key={line.id}>
                <TableCell>
                  <TextField
                    size="small"
                    variant="standard"
                    fullWidth
                    {...form.register(`targets.${i}.accountNo`)}
                    error={!!lineProblems?.accountNo}
                    helperText={lineProblems?.accountNo?.message}
                    slotProps={{ htmlInput: { 'data-testid': `dist-account-${i}`, maxLength: 64 } }}
                  />
                </TableCell>
                <TableCell>
                  <TextField
                    size="small"
                    variant="standard"
                    fullWidth
                    {...form.register(`targets.${i}.billNo`)}
                    error={!!lineProblems?.billNo}
                    helperText={lineProblems?.billNo?.message}
                    slotProps={{ htmlInput: { 'data-testid': `dist-bill-${i}`, maxLength: 64 } }}
                  />
                </TableCell>
                <TableCell align="right">
                  <TextField
                    size="small"
                    variant="standard"
                    {...form.register(`targets.${i}.amount`)}
                    error={(!!p && (!p.ok || p.value <= 0)) || !!lineProblems?.amount}
                    helperText={amountProblem}
                    slotProps={{
                      htmlInput: {
                        'data-testid': `dist-amount-${i}`,
                        inputMode: 'decimal',
                        style: { textAlign: 'right' },
                        maxLength: 24,
                      },
                    }}
                  />
                </TableCell>
                <TableCell>
                  <IconButton
                    size="small"
                    aria-label="Remove line"
                    disabled={lines.fields.length === 1}
                    onClick={() => lines.remove(i)}
                  >
                    <DeleteOutlineIcon fontSize="small" />
                  </IconButton>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Button
          size="small"
          startIcon={<AddIcon />}
          onClick={() => lines.append(EMPTY_LINE, { shouldFocus: false })}
          data-testid="dist-add"
        >
          Add line
        </Button>
        <Box sx={{ flex: 1 }} />
        <Typography variant="body2" color="textSecondary">
          Distributed {money(distributed, currency, true)}
        </Typography>
        <Typography
          variant="subtitle2"
          sx={{ color: remainder < 0 ? 'error.main' : remainder > 0 ? 'warning.dark' : 'success.main' }}
          data-testid="dist-remainder"
        >
          {remainder < 0
            ? `${money(-remainder, currency, true)} too much`
            : remainder > 0
              ? `Stays in suspense: ${money(remainder, currency, true)}`
              : 'Nothing left in suspense'}
        </Typography>
      </Box>
    </FormDialog>
  );
}
