import { useState } from 'react';
import { z } from 'zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import type { AuthStatusDto } from '../../../../src-shared/dto/auth';
import { call, errorMessage } from '../../api/client';
import { applyServerProblems, inputShape, useZodForm } from '../../components/FormDialog';
import { FormAuthField } from './AuthField';
import { AuthFrame } from './AuthFrame';
import { fieldProblems } from './auth-errors';
import { newPasswordProblem } from './password-rules';

const shape = inputShape('auth:first-admin');

/**
 * The first administrator's form: the command's own rules (login, optional name, new password) and what only the
 * form knows (the password not containing the login, typed twice); every problem shows at once.
 */
export const firstAdminSchema = z
  .object({ login: z.string(), name: z.string(), password: z.string(), repeat: z.string() })
  .superRefine((v, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const login = shape.login.safeParse(v.login);
    if (!v.login.trim()) problem('login', 'Required');
    else if (!login.success) problem('login', login.error.issues[0]?.message ?? 'Not a login');
    const name = shape.name.unwrap().safeParse(v.name);
    if (v.name.trim() && !name.success) problem('name', name.error.issues[0]?.message ?? 'Not a name');
    const weak =
      newPasswordProblem(v.password, v.login) ??
      shape.password.safeParse(v.password).error?.issues[0]?.message;
    if (weak) problem('password', weak);
    if (v.repeat !== v.password) problem('repeat', 'The passwords do not match');
  });

type FirstAdminForm = z.input<typeof firstAdminSchema>;

/** First run of a new ledger: creates the first administrator (every role) and signs them in. */
export function FirstAdminScreen({ onCreated }: { onCreated: (status: AuthStatusDto) => void }) {
  const form = useZodForm(firstAdminSchema, { login: '', name: '', password: '', repeat: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const busy = form.formState.isSubmitting;

  const submit = form.handleSubmit(async (v) => {
    setProblem(null);
    try {
      onCreated(
        await call('auth:first-admin', {
          login: v.login.trim(),
          ...(v.name.trim() ? { name: v.name.trim() } : {}),
          password: v.password,
        }),
      );
    } catch (err) {
      const unplaced = applyServerProblems<FirstAdminForm>(form, err, ['login', 'name', 'password']);
      setProblem(unplaced ?? (Object.keys(fieldProblems(err)).length > 0 ? null : errorMessage(err)));
    }
  });

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
        <FormAuthField<FirstAdminForm>
          control={form.control}
          name="login"
          label="Login"
          autoFocus
          autoComplete="username"
          testId="first-admin-login"
          hint="Letters, digits, dot, underscore, @ and dash"
        />
        <FormAuthField<FirstAdminForm>
          control={form.control}
          name="name"
          label="Name"
          autoComplete="name"
          testId="first-admin-name"
          hint="Optional: shown in the app and the audit trail"
        />
        <FormAuthField<FirstAdminForm>
          control={form.control}
          name="password"
          label="Password"
          secret
          autoComplete="new-password"
          testId="first-admin-password"
          hint="At least 10 characters, not containing the login"
        />
        <FormAuthField<FirstAdminForm>
          control={form.control}
          name="repeat"
          label="Repeat password"
          secret
          autoComplete="new-password"
          testId="first-admin-repeat"
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
