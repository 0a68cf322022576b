import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { z } from 'zod';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { ROLES, type Role } from '../../../../src-shared/api/roles';
import { ApiCallError, errorMessage } from '../../api/client';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { formatLocalDateTime } from '../../components/format';
import { apiQueryKey, useApiMutation, useApiQuery } from '../../components/query';
import { problemLines } from '../../components/problem-lines';

/** True for a refusal that names fields (applyServerProblems puts those on the form's fields). */
function namesFields(err: unknown): boolean {
  return err instanceof ApiCallError && err.error.code === 'validation' && Boolean(err.error.issues?.length);
}

/** Why a new password breaks the rules (10+ characters, not containing the login), or null. */
function passwordProblem(password: string, login: string): string | null {
  if (password.length < 10) return 'At least 10 characters';
  if (login && password.toLowerCase().includes(login.toLowerCase())) return 'Must not contain the login';
  return null;
}

const setPasswordShape = inputShape('operators:set-password');

/** The reset form of one operator: the command's password rule, not containing the login, typed twice. */
function setPasswordSchema(login: string) {
  return z.object({ password: setPasswordShape.password, repeat: z.string() }).superRefine((v, ctx) => {
    const weak = passwordProblem(v.password, login);
    if (weak) ctx.addIssue({ code: 'custom', path: ['password'], message: weak });
    if (v.repeat !== v.password)
      ctx.addIssue({ code: 'custom', path: ['repeat'], message: 'The passwords do not match' });
  });
}

type SetPasswordForm = z.input<ReturnType<typeof setPasswordSchema>>;

/** Sets another operator's password (an admin's reset); the operator is also unlocked. */
function SetPasswordDialog({ login, onClose }: { login: string; onClose: () => void }) {
  const form = useZodForm(setPasswordSchema(login), { password: '', repeat: '' });
  const setPassword = useApiMutation('operators:set-password');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = form.handleSubmit(async (v) => {
    setProblem(null);
    try {
      await setPassword.run({ login, password: v.password });
      onClose();
    } catch (err) {
      setProblem(applyServerProblems<SetPasswordForm>(form, err, ['password']) ?? errorMessage(err));
    }
  });
  const password = fieldProps<SetPasswordForm>(form, 'password');
  return (
    <FormDialog
      title={`Set the password of ${login}`}
      testId="set-password-dialog"
      partsTestId="set-password"
      submitTestId="set-password-submit"
      submitLabel="Set password"
      maxWidth="xs"
      onClose={onClose}
      onSubmit={submit}
      busy={setPassword.busy}
      error={problem}
    >
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        {...password}
        helperText={
          password.helperText ??
          'At least 10 characters, not containing the login. Tell it to them privately.'
        }
        slotProps={{ htmlInput: { 'data-testid': 'set-password-new' } }}
      />
      <TextField
        label="Repeat password"
        type="password"
        autoComplete="new-password"
        {...fieldProps<SetPasswordForm>(form, 'repeat')}
        slotProps={{ htmlInput: { 'data-testid': 'set-password-repeat' } }}
      />
    </FormDialog>
  );
}

const addShape = inputShape('operators:add');

/** A new operator: login, a name (the login when empty) and an optional first password, by the command's rules. */
const addSchema = z
  .object({
    login: addShape.login,
    name: z.string().trim().max(120),
    password: z.string(),
  })
  .superRefine((v, ctx) => {
    const weak = v.password ? passwordProblem(v.password, v.login) : null;
    if (weak) ctx.addIssue({ code: 'custom', path: ['password'], message: weak });
  });

type AddForm = z.input<typeof addSchema>;

/**
 * Operator profiles: roles granted and revoked by ticking, (de)activation, new operators with a first
 * password, password resets, unlocking after failed sign-ins; whether each has a password and a second factor.
 */
export function OperatorsPanel({ canEdit }: { canEdit: boolean }) {
  const operators = useApiQuery('operators:list', {});
  const addOperator = useApiMutation('operators:add');
  const grant = useApiMutation('operators:grant');
  const revoke = useApiMutation('operators:revoke');
  const update = useApiMutation('operators:update');
  const unlock = useApiMutation('operators:unlock');
  const [problems, setProblems] = useState<string[]>([]);
  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  const form = useZodForm(addSchema, { login: '', name: '', password: '' });
  const [login, password] = form.watch(['login', 'password']);
  // The password rule shows while typing (it is the one thing a new admin gets wrong), the rest once left.
  const newPasswordProblem = password ? passwordProblem(password, login.trim()) : null;
  // When the list was last read, to tell a current lockout from one that has run out.
  const checkedAt = useQueryClient().getQueryState(apiQueryKey('operators:list', {}))?.dataUpdatedAt ?? 0;
  const act = async (what: () => Promise<unknown>) => {
    setProblems([]);
    try {
      await what();
    } catch (err) {
      setProblems(problemLines(err));
    }
  };
  const add = form.handleSubmit(async (v) => {
    setProblems([]);
    try {
      await addOperator.run({
        login: v.login,
        name: v.name || v.login,
        roles: ['clerk'],
        ...(v.password ? { password: v.password } : {}),
      });
      form.reset();
    } catch (err) {
      const unplaced = applyServerProblems<AddForm>(form, err, ['login', 'name', 'password']);
      if (unplaced !== null || !namesFields(err)) setProblems(problemLines(err));
    }
  });
  const loginField = fieldProps<AddForm>(form, 'login');
  const passwordField = fieldProps<AddForm>(form, 'password');
  return (
    <Box sx={{ display: 'flex', flexDirection: 'column', gap: 2 }} data-testid="operators-panel">
      {problems.length > 0 && (
        <Alert severity="error" data-testid="operators-problems">
          {problems.map((p) => (
            <div key={p}>{p}</div>
          ))}
        </Alert>
      )}
      {canEdit && (
        <Box
          component="form"
          noValidate
          onSubmit={(e) => void add(e)}
          sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}
        >
          <TextField
            size="small"
            label="Login"
            {...loginField}
            slotProps={{ htmlInput: { 'data-testid': 'operator-new-login', spellCheck: false } }}
          />
          <TextField
            size="small"
            label="Name"
            {...fieldProps<AddForm>(form, 'name')}
            slotProps={{ htmlInput: { 'data-testid': 'operator-new-name' } }}
          />
          <TextField
            size="small"
            label="Initial password"
            type="password"
            autoComplete="new-password"
            {...passwordField}
            error={newPasswordProblem !== null || passwordField.error}
            helperText={newPasswordProblem ?? passwordField.helperText ?? 'Optional; needed to sign in'}
            sx={{ width: 260 }}
            slotProps={{ htmlInput: { 'data-testid': 'operator-new-password' } }}
          />
          <Button
            type="submit"
            variant="contained"
            disabled={!login.trim() || newPasswordProblem !== null || addOperator.busy}
            data-testid="operator-add"
          >
            Add operator
          </Button>
        </Box>
      )}
      <Table size="small">
        <TableHead>
          <TableRow>
            <TableCell>Login</TableCell>
            <TableCell>Name</TableCell>
            {ROLES.map((r) => (
              <TableCell key={r} align="center">
                {r}
              </TableCell>
            ))}
            <TableCell align="center">Active</TableCell>
            <TableCell>Password</TableCell>
            <TableCell>2FA</TableCell>
            <TableCell>Locked</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {(operators.data ?? []).map((o) => (
            <TableRow key={o.id} data-testid={`operator-${o.login}`}>
              <TableCell>{o.login}</TableCell>
              <TableCell>{o.name}</TableCell>
              {ROLES.map((r: Role) => (
                <TableCell key={r} align="center">
                  <Checkbox
                    size="small"
                    checked={o.roles.includes(r)}
                    disabled={!canEdit}
                    onChange={(e) =>
                      void act(() => (e.target.checked ? grant : revoke).run({ login: o.login, roles: [r] }))
                    }
                    slotProps={{ input: { 'aria-label': `${o.login} ${r}` } }}
                  />
                </TableCell>
              ))}
              <TableCell align="center">
                <Switch
                  size="small"
                  checked={o.active}
                  disabled={!canEdit}
                  onChange={(e) => void act(() => update.run({ login: o.login, active: e.target.checked }))}
                />
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>
                <Chip
                  size="small"
                  variant="outlined"
                  label={o.hasPassword ? 'set' : 'none'}
                  color={o.hasPassword ? 'default' : 'warning'}
                  data-testid={`operator-password-${o.login}`}
                />
                {canEdit && (
                  <Button
                    size="small"
                    sx={{ ml: 1 }}
                    onClick={() => setPasswordFor(o.login)}
                    data-testid={`operator-set-password-${o.login}`}
                  >
                    Set…
                  </Button>
                )}
              </TableCell>
              <TableCell>
                <Chip
                  size="small"
                  variant="outlined"
                  label={o.totpEnabled ? 'on' : 'off'}
                  color={o.totpEnabled ? 'success' : 'default'}
                />
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }} data-testid={`operator-locked-${o.login}`}>
                {o.lockedUntil && new Date(o.lockedUntil).getTime() > checkedAt ? (
                  <>
                    until {formatLocalDateTime(o.lockedUntil)}
                    {canEdit && (
                      <Button
                        size="small"
                        sx={{ ml: 1 }}
                        onClick={() => void act(() => unlock.run({ login: o.login }))}
                        data-testid={`operator-unlock-${o.login}`}
                      >
                        Unlock
                      </Button>
                    )}
                  </>
                ) : (
                  '—'
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {passwordFor !== null && <SetPasswordDialog login={passwordFor} onClose={() => setPasswordFor(null)} />}
    </Box>
  );
}
