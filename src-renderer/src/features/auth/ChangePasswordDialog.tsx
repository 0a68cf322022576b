import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import { z } from 'zod';
import { unauthenticatedReason } from '../../api/client';
import { useAuth } from '../../app/auth';
import { applyServerProblems, FormDialog, inputShape, useZodForm } from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { fieldProblems, signInProblem } from './auth-errors';
import { FormAuthField } from './AuthField';
import { newPasswordProblem } from './password-rules';

const shape = inputShape('auth:change-password');

/**
 * The form's rules: the command's own (a current password, a new one of 10 to 256 characters) and what only
 * the form knows (not the login, not the current one, typed twice); every problem shows at once.
 */
export function changePasswordSchema(login: string) {
  return z
    .object({ currentPassword: z.string(), newPassword: z.string(), repeat: z.string() })
    .superRefine((v, ctx) => {
      const problem = (path: string, message: string) =>
        ctx.addIssue({ code: 'custom', path: [path], message });
      if (!shape.currentPassword.safeParse(v.currentPassword).success) problem('currentPassword', 'Required');
      const weak =
        newPasswordProblem(v.newPassword, login) ??
        shape.newPassword.safeParse(v.newPassword).error?.issues[0]?.message ??
        (v.newPassword === v.currentPassword ? 'Choose a different password' : null);
      if (weak) problem('newPassword', weak);
      if (v.repeat !== v.newPassword) problem('repeat', 'The passwords do not match');
    });
}

type ChangePasswordForm = z.input<ReturnType<typeof changePasswordSchema>>;

/** Changes the signed-in operator's own password (the current one is asked again). */
export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const login = useAuth()?.operator.login ?? '';
  const form = useZodForm(changePasswordSchema(login), { currentPassword: '', newPassword: '', repeat: '' });
  const change = useApiMutation('auth:change-password');
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  const submit = form.handleSubmit(async (v) => {
    setProblem(null);
    try {
      await change.run({ currentPassword: v.currentPassword, newPassword: v.newPassword });
      setDone(true);
    } catch (err) {
      if (unauthenticatedReason(err) === 'sign_in') {
        form.setError('currentPassword', { type: 'server', message: 'The current password is wrong' });
        return;
      }
      const unplaced = applyServerProblems<ChangePasswordForm>(form, err, ['currentPassword', 'newPassword']);
      setProblem(unplaced ?? (Object.keys(fieldProblems(err)).length > 0 ? null : signInProblem(err)));
    }
  });

  if (done)
    return (
      <Dialog open onClose={onClose} maxWidth="xs" fullWidth data-testid="change-password-dialog">
        <DialogTitle>Change password</DialogTitle>
        <DialogContent>
          <Alert severity="success" data-testid="change-password-done">
            Your password was changed. Use the new one from now on.
          </Alert>
        </DialogContent>
        <DialogActions>
          <Button variant="contained" onClick={onClose}>
            Close
          </Button>
        </DialogActions>
      </Dialog>
    );
  return (
    <FormDialog
      title="Change password"
      testId="change-password-dialog"
      partsTestId="change-password"
      submitTestId="change-password-submit"
      submitLabel="Change password"
      maxWidth="xs"
      onClose={onClose}
      onSubmit={submit}
      busy={change.busy}
      error={problem}
    >
      <FormAuthField<ChangePasswordForm>
        secret
        control={form.control}
        name="currentPassword"
        label="Current password"
        autoComplete="current-password"
        testId="change-password-current"
      />
      <FormAuthField<ChangePasswordForm>
        secret
        control={form.control}
        name="newPassword"
        label="New password"
        autoComplete="new-password"
        testId="change-password-new"
        hint="At least 10 characters, not containing your login"
      />
      <FormAuthField<ChangePasswordForm>
        secret
        control={form.control}
        name="repeat"
        label="Repeat new password"
        autoComplete="new-password"
        testId="change-password-repeat"
      />
    </FormDialog>
  );
}
