import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import type { AuthStatusDto } from '../../../../src-shared/dto/auth';
import { call, errorMessage } from '../../api/client';
import { AuthField } from './AuthField';
import { AuthFrame } from './AuthFrame';
import { fieldProblems } from './auth-errors';
import { newPasswordProblem } from './password-rules';

/** First run of a new ledger: creates the first administrator (every role) and signs them in. */
export function FirstAdminScreen({ onCreated }: { onCreated: (status: AuthStatusDto) => void }) {
  const [login, setLogin] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const local: Record<string, string> = {};
    if (!login.trim()) local.login = 'Required';
    const weak = newPasswordProblem(password, login);
    if (weak) local.password = weak;
    if (repeat !== password) local.repeat = 'The passwords do not match';
    setFields(local);
    setProblem(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      onCreated(
        await call('auth:first-admin', {
          login: login.trim(),
          ...(name.trim() ? { name: name.trim() } : {}),
          password,
        }),
      );
    } catch (err) {
      const issues = fieldProblems(err);
      setFields(issues);
      if (Object.keys(issues).length === 0) setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame
      testId="first-admin-screen"
      title="Create the first administrator"
      subtitle="This ledger is new. The first operator gets every role and adds the others under Admin › Operators."
    >
      <Box
        component="form"
        onSubmit={(e) => void submit(e)}
        noValidate
        sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}
      >
        {problem && (
          <Alert severity="error" data-testid="first-admin-error">
            {problem}
          </Alert>
        )}
        <AuthField
          label="Login"
          value={login}
          onChange={setLogin}
          autoFocus
          autoComplete="username"
          testId="first-admin-login"
          problem={fields.login}
          hint="Letters, digits, dot, underscore, @ and dash"
        />
        <AuthField
          label="Name"
          value={name}
          onChange={setName}
          autoComplete="name"
          testId="first-admin-name"
          problem={fields.name}
          hint="Optional: shown in the app and the audit trail"
        />
        <AuthField
          label="Password"
          secret
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          testId="first-admin-password"
          problem={fields.password}
          hint="At least 10 characters, not containing the login"
        />
        <AuthField
          label="Repeat password"
          secret
          value={repeat}
          onChange={setRepeat}
          autoComplete="new-password"
          testId="first-admin-repeat"
          problem={fields.repeat}
        />
        <Box sx={{ display: 'flex', justifyContent: 'flex-end' }}>
          <Button type="submit" variant="contained" disabled={busy} data-testid="first-admin-submit">
            Create administrator
          </Button>
        </Box>
      </Box>
    </AuthFrame>
  );
}
