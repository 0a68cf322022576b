import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import { call, unauthenticatedReason } from '../../api/client';
import { useAuth } from '../../app/auth';
import { fieldProblems, signInProblem } from './auth-errors';
import { newPasswordProblem } from './password-rules';
import { AuthField } from './AuthField';

/** Changes the signed-in operator's own password (the current one is asked again). */
export function ChangePasswordDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const login = useAuth()?.operator.login ?? '';
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const close = () => {
    setCurrent('');
    setNext('');
    setRepeat('');
    setFields({});
    setProblem(null);
    setDone(false);
    onClose();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!current) local.currentPassword = 'Required';
    const weak = newPasswordProblem(next, login);
    if (weak) local.newPassword = weak;
    else if (next === current) local.newPassword = 'Choose a different password';
    if (repeat !== next) local.repeat = 'The passwords do not match';
    setFields(local);
    setProblem(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await call('auth:change-password', { currentPassword: current, newPassword: next });
      setDone(true);
    } catch (err) {
      const issues = fieldProblems(err);
      if (unauthenticatedReason(err) === 'sign_in') issues.currentPassword = 'The current password is wrong';
      setFields(issues);
      if (Object.keys(issues).length === 0) setProblem(signInProblem(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={close} maxWidth="xs" fullWidth data-testid="change-password-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle>Change password</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          {done ? (
            <Alert severity="success" data-testid="change-password-done">
              Your password was changed. Use the new one from now on.
            </Alert>
          ) : (
            <>
              {problem && <Alert severity="error">{problem}</Alert>}
              <AuthField
                label="Current password"
                secret
                value={current}
                onChange={setCurrent}
                autoFocus
                autoComplete="current-password"
                testId="change-password-current"
                problem={fields.currentPassword}
              />
              <AuthField
                label="New password"
                secret
                value={next}
                onChange={setNext}
                autoComplete="new-password"
                testId="change-password-new"
                problem={fields.newPassword}
                hint="At least 10 characters, not containing your login"
              />
              <AuthField
                label="Repeat new password"
                secret
                value={repeat}
                onChange={setRepeat}
                autoComplete="new-password"
                testId="change-password-repeat"
                problem={fields.repeat}
              />
            </>
          )}
        </DialogContent>
        <DialogActions>
          {done ? (
            <Button variant="contained" onClick={close}>
              Close
            </Button>
          ) : (
            <>
              <Button onClick={close}>Cancel</Button>
              <Button type="submit" variant="contained" disabled={busy} data-testid="change-password-submit">
                Change password
              </Button>
            </>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
