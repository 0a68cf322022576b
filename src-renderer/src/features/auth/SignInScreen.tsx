import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import type { AuthStatusDto } from '../../../../src-shared/dto/auth';
import { call, unauthenticatedReason } from '../../api/client';
import { AuthField } from './AuthField';
import { AuthFrame } from './AuthFrame';
import { fieldProblems, signInProblem, WRONG_PASSWORD } from './auth-errors';

/**
 * Sign-in: login and password, then a second step for the authenticator code (or a recovery code) when the
 * operator has a second factor.
 */
export function SignInScreen({
  notice,
  onSignedIn,
}: {
  /** Why the app is back here (session ended elsewhere, operator deactivated), shown above the form. */
  notice: string | null;
  onSignedIn: (status: AuthStatusDto) => void;
}) {
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
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
      const input =
        step === 'code'
          ? { login: login.trim(), password, code: code.trim() }
          : { login: login.trim(), password };
      onSignedIn(await call('auth:sign-in', input));
    } catch (err) {
      const reason = unauthenticatedReason(err);
      if (reason === 'second_factor' && step === 'password') {
        setStep('code');
      } else {
        const issues = fieldProblems(err);
        setFields(issues);
        if (Object.keys(issues).length === 0) setProblem(signInProblem(err));
        if (reason === 'sign_in') {
          setPassword('');
          setStep('password');
        }
        if (step === 'code') setCode('');
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame
      testId="sign-in-screen"
      title={step === 'password' ? 'Sign in' : 'Two-factor authentication'}
      subtitle={
        step === 'password'
          ? 'Sign in with your Paydesk login and password.'
          : 'Enter the 6-digit code from your authenticator app, or one of your recovery codes.'
      }
    >
      <Box
        component="form"
        onSubmit={(e) => void submit(e)}
        noValidate
        sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}
      >
        {notice && !problem && (
          <Alert severity="info" data-testid="sign-in-notice">
            {notice}
          </Alert>
        )}
        {problem && (
          <Alert severity="error" data-testid="sign-in-error">
            {problem}
          </Alert>
        )}
        {step === 'password' ? (
          <>
            <AuthField
              label="Login"
              value={login}
              onChange={setLogin}
              autoFocus={login === ''}
              autoComplete="username"
              testId="sign-in-login"
              problem={fields.login}
            />
            <AuthField
              label="Password"
              secret
              value={password}
              onChange={setPassword}
              autoFocus={login !== ''}
              autoComplete="current-password"
              testId="sign-in-password"
              problem={fields.password}
              flagged={problem === WRONG_PASSWORD}
            />
          </>
        ) : (
          <AuthField
            label="Code"
            value={code}
            onChange={setCode}
            autoFocus
            autoComplete="one-time-code"
            testId="sign-in-code"
            problem={fields.code}
            hint="For example 123456, or a recovery code such as abcd-efgh-jkmn"
            flagged={problem !== null}
          />
        )}
        <Box sx={{ display: 'flex', gap: 1, justifyContent: 'flex-end' }}>
          {step === 'code' && (
            <Button
              onClick={() => {
                setStep('password');
                setCode('');
                setProblem(null);
              }}
            >
              Back
            </Button>
          )}
          <Button
            type="submit"
            variant="contained"
            disabled={busy || !login.trim() || !password || (step === 'code' && !code.trim())}
            data-testid="sign-in-submit"
          >
            {step === 'password' ? 'Sign in' : 'Verify'}
          </Button>
        </Box>
      </Box>
    </AuthFrame>
  );
}
