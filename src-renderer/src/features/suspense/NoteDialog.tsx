import { useState } from 'react';
import TextField from '@mui/material/TextField';
import { z } from 'zod';
import type { SuspenseDetailDto } from '../../../../src-shared/dto/suspense';
import { errorMessage } from '../../api/client';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { PaymentLine } from './PaymentLine';

const noteSchema = z.object({ text: inputShape('suspense:note').text });

type NoteForm = z.input<typeof noteSchema>;

/** Adds a note to the payment's timeline. */
export function NoteDialog({
  detail,
  onClose,
  onDone,
}: {
  detail: SuspenseDetailDto;
  onClose: () => void;
  onDone: () => void;
}) {
  const form = useZodForm(noteSchema, { text: '' });
  const note = useApiMutation('suspense:note');
  const [error, setError] = useState<string | null>(null);
  const text = form.watch('text');

  const save = form.handleSubmit(async (v) => {
    setError(null);
    try {
      await note.run({ paymentId: detail.subject.paymentId, text: v.text });
      onDone();
    } catch (err) {
      setError(applyServerProblems<NoteForm>(form, err, ['text']) ?? errorMessage(err));
    }
  });

  return (
    <FormDialog
      title="Add a note"
      testId="note-dialog"
      submitTestId="note-dialog-confirm"
      submitLabel="Add note"
      submitDisabled={text.trim() === ''}
      onClose={onClose}
      onSubmit={save}
      busy={note.busy}
      error={error}
    >
      <PaymentLine detail={detail} />
      <TextField
        multiline
        minRows={3}
        label="Note"
        {...fieldProps<NoteForm>(form, 'text')}
        slotProps={{ htmlInput: { 'data-testid': 'note-text', maxLength: 2000 } }}
      />
    </FormDialog>
  );
}
