import { useState } from 'react';
import TextField from '@mui/material/TextField';
import { z } from 'zod';
import type { SuspenseDetailDto, SuspenseMoveDto } from '../../../../src-shared/dto/suspense';
import { errorMessage } from '../../api/client';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { blankIsAbsent } from './form-rules';
import { PaymentLine } from './PaymentLine';

const shape = inputShape('suspense:apply');

/** The apply form: the account or the bill (or both), each by the command's own rule. */
const applySchema = z
  .object({ accountNo: blankIsAbsent(shape.accountNo), billNo: blankIsAbsent(shape.billNo) })
  .refine((v) => v.accountNo !== undefined || v.billNo !== undefined, {
    message: 'Give the account or the bill number to apply to',
    path: ['accountNo'],
  });

type ApplyForm = z.input<typeof applySchema>;

/** Apply the whole payment to one account or bill; the service validates it again. */
export function ApplyDialog({
  detail,
  initial,
  onClose,
  onDone,
}: {
  detail: SuspenseDetailDto;
  initial: { accountNo: string; billNo: string };
  onClose: () => void;
  onDone: (move: SuspenseMoveDto) => void;
}) {
  const form = useZodForm(applySchema, initial);
  const apply = useApiMutation('suspense:apply');
  const [error, setError] = useState<string | null>(null);
  const [accountNo, billNo] = form.watch(['accountNo', 'billNo']);

  const save = form.handleSubmit(async (v) => {
    setError(null);
    try {
      onDone(await apply.run({ paymentId: detail.subject.paymentId, ...v }));
    } catch (err) {
      setError(applyServerProblems<ApplyForm>(form, err, ['accountNo', 'billNo']) ?? errorMessage(err));
    }
  });

  const bill = fieldProps<ApplyForm>(form, 'billNo');
  return (
    <FormDialog
      title="Apply to an account"
      testId="apply-dialog"
      submitTestId="apply-dialog-confirm"
      submitLabel="Apply"
      submitDisabled={accountNo.trim() === '' && billNo.trim() === ''}
      onClose={onClose}
      onSubmit={save}
      busy={apply.busy}
      error={error}
    >
      <PaymentLine detail={detail} />
      <TextField
        label="Account number"
        {...fieldProps<ApplyForm>(form, 'accountNo')}
        slotProps={{ htmlInput: { 'data-testid': 'apply-account', maxLength: 64 } }}
      />
      <TextField
        label="Bill number (optional)"
        {...bill}
        helperText={
          bill.helperText ??
          'With a bill the payment pays that bill first; what is left stays as account credit.'
        }
        slotProps={{ htmlInput: { 'data-testid': 'apply-bill', maxLength: 64 } }}
      />
    </FormDialog>
  );
}
