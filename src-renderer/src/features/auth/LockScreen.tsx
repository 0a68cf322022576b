import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import Typography from '@mui/material/Typography';
import LockIcon from '@mui/icons-material/Lock';
import type { OperatorDto } from '../../../../src-shared/dto/app';
import type { AuthStatusDto } from '../../../../src-shared/dto/auth';
import { call, unauthenticatedReason } from '../../api/client';
import { AuthField } from './AuthField';
import { AuthFrame } from './AuthFrame';
import { fieldProblems, signInProblem } from './auth-errors';

/**
 * The lock screen: covers the whole app (open dialogs included, work in progress kept underneath) until the
 * signed-in operator types their password (and code, with a second factor) again, or signs out.
 */
export function LockScreen({
  operator,
  needsCode,
  onUnlocked,
  onSignOut,
}: {
  operator: OperatorDto | null;
  needsCode: boolean;
  onUnlocked: (status: AuthStatusDto) => void;
  onSignOut: () => void;
}) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [askCode, setAskCode] = useState(needsCode);
  const [problem, setProblem] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setProblem(null);
    setFields({});
    try {
      onUnlocked(
        await call('auth:unlock', askCode && code.trim() ? { password, code: code.trim() } : { password }),
      );
    } catch (err) {
      const reason = unauthenticatedReason(err);
      const issues = fieldProblems(err);
      setFields(issues);
      if (reason === 'second_factor' && !askCode) setAskCode(true);
      else if (Object.keys(issues).length === 0)
        setProblem(reason === 'sign_in' ? 'The password is wrong.' : signInProblem(err));
      if (reason === 'sign_in') setPassword('');
      setCode('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open fullScreen sx={{ zIndex: (t) => t.zIndex.tooltip + 1 }}>
      <AuthFrame
        testId="lock-screen"
        title="Paydesk is locked"
        subtitle={
          <Box component="span" sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.75 }}>
            <LockIcon fontSize="inherit" />
            {operator ? (
              <span data-testid="lock-operator">
                Signed in as <b>{operator.name}</b> ({operator.login})
              </span>
            ) : (
              'The session is locked.'
            )}
          </Box>
        }
      >
        <Box
          component="form"
          onSubmit={(e) => void submit(e)}
          noValidate
          sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}
        >
          {problem && (
            <Alert severity="error" data-testid="lock-error">
              {problem}
            </Alert>
          )}
          <AuthField
            label="Password"
            secret
            value={password}
            onChange={setPassword}
            autoFocus
            autoComplete="current-password"
            testId="lock-password"
            problem={fields.password}
          />
          {askCode && (
            <AuthField
              label="Code"
              value={code}
              onChange={setCode}
              autoComplete="one-time-code"
              testId="lock-code"
              problem={fields.code}
              hint="From your authenticator app, or a recovery code"
            />
          )}
          {operator && (
            <Typography variant="caption" color="textSecondary">
              Your open work is kept. Signing out closes it.
            </Typography>
          )}
          <Box sx={{ display: 'flex', gap: 1, justifyContent: 'space-between' }}>
            <Button onClick={onSignOut} data-testid="lock-sign-out">
              Sign out
            </Button>
            <Button
              type="submit"
              variant="contained"
              disabled={busy || !password || (askCode && !code.trim())}
              data-testid="lock-submit"
            >
              Unlock
            </Button>
          </Box>
        </Box>
      </AuthFrame>
    </Dialog>
  );
}
