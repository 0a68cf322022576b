import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { ROLES, type Role } from '../../../../src-shared/api/roles';
import { ApiCallError, call, errorMessage } from '../../api/client';
import { problemLines, useCommand } from '../../components/use-command';

/** An ISO timestamp as local "YYYY-MM-DD HH:MM". */
function localTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Why a new password breaks the rules (10+ characters, not containing the login), or null. */
function passwordProblem(password: string, login: string): string | null {
  if (password.length < 10) return 'At least 10 characters';
  if (login && password.toLowerCase().includes(login.toLowerCase())) return 'Must not contain the login';
  return null;
}

/** Sets another operator's password (an admin's reset); the operator is also unlocked. */
function SetPasswordDialog({
  login,
  onClose,
}: {
  login: string | null;
  onClose: (changed: boolean) => void;
}) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [fields, setFields] = useState<{ password?: string; repeat?: string }>({});
  const [problem, setProblem] = useState<string | null>(null);
  const close = (changed: boolean) => {
    setPassword('');
    setRepeat('');
    setFields({});
    setProblem(null);
    onClose(changed);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!login) return;
    const weak = passwordProblem(password, login);
    const local = {
      ...(weak ? { password: weak } : {}),
      ...(repeat !== password ? { repeat: 'The passwords do not match' } : {}),
    };
    setFields(local);
    if (Object.keys(local).length > 0) return;
    try {
      await call('operators:set-password', { login, password });
      close(true);
    } catch (err) {
      const issue =
        err instanceof ApiCallError && err.error.code === 'validation'
          ? err.error.issues?.[0]?.message
          : undefined;
      if (issue) setFields({ password: issue });
      else setProblem(errorMessage(err));
    }
  };
  return (
    <Dialog open={login !== null} onClose={() => close(false)} maxWidth="xs" fullWidth>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <DialogTitle>Set the password of {login}</DialogTitle>
        <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 2, pt: '8px !important' }}>
          {problem && <Alert severity="error">{problem}</Alert>}
          <TextField
            label="New password"
            type="password"
            autoFocus
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={Boolean(fields.password)}
            helperText={
              fields.password ??
              'At least 10 characters, not containing the login. Tell it to them privately.'
            }
            slotProps={{ htmlInput: { 'data-testid': 'set-password-new' } }}
          />
          <TextField
            label="Repeat password"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            error={Boolean(fields.repeat)}
            helperText={fields.repeat}
            slotProps={{ htmlInput: { 'data-testid': 'set-password-repeat' } }}
          />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => close(false)}>Cancel</Button>
          <Button type="submit" variant="contained" data-testid="set-password-submit">
            Set password
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/**
 * Operator profiles: roles granted and revoked by ticking, (de)activation, new operators with a first
 * password, password resets, unlocking after failed sign-ins; whether each has a password and a second factor.
 */
export function OperatorsPanel({ canEdit }: { canEdit: boolean }) {
  const operators = useCommand('operators:list', {});
  const [problems, setProblems] = useState<string[]>([]);
  const [login, setLogin] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [passwordFor, setPasswordFor] = useState<string | null>(null);
  // When the list was last loaded, to tell a current lockout from one that has run out.
  const [checkedAt, setCheckedAt] = useState(() => Date.now());
  const newPasswordProblem = password ? passwordProblem(password, login.trim()) : null;
  const act = async (what: () => Promise<unknown>) => {
    setProblems([]);
    try {
      await what();
    } catch (err) {
      setProblems(problemLines(err));
    }
    await operators.reload();
    setCheckedAt(Date.now());
  };
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
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }}>
          <TextField
            size="small"
            label="Login"
            value={login}
            onChange={(e) => setLogin(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'operator-new-login' } }}
          />
          <TextField
            size="small"
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            slotProps={{ htmlInput: { 'data-testid': 'operator-new-name' } }}
          />
          <TextField
            size="small"
            label="Initial password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={newPasswordProblem !== null}
            helperText={newPasswordProblem ?? 'Optional; needed to sign in'}
            sx={{ width: 260 }}
            slotProps={{ htmlInput: { 'data-testid': 'operator-new-password' } }}
          />
          <Button
            variant="contained"
            disabled={!login.trim() || newPasswordProblem !== null}
            data-testid="operator-add"
            onClick={() =>
              void act(async () => {
                await call('operators:add', {
                  login: login.trim(),
                  name: name.trim() || login.trim(),
                  roles: ['clerk'],
                  ...(password ? { password } : {}),
                });
                setLogin('');
                setName('');
                setPassword('');
              })
            }
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
                      void act(() =>
                        call(e.target.checked ? 'operators:grant' : 'operators:revoke', {
                          login: o.login,
                          roles: [r],
                        }),
                      )
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
                  onChange={(e) =>
                    void act(() => call('operators:update', { login: o.login, active: e.target.checked }))
                  }
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
                    until {localTime(o.lockedUntil)}
                    {canEdit && (
                      <Button
                        size="small"
                        sx={{ ml: 1 }}
                        onClick={() => void act(() => call('operators:unlock', { login: o.login }))}
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
      <SetPasswordDialog
        login={passwordFor}
        onClose={(changed) => {
          setPasswordFor(null);
          if (changed) void operators.reload();
        }}
      />
    </Box>
  );
}
