import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Switch from '@mui/material/Switch';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import { ROLES, type Role } from '../../../../src-shared/api/roles';
import { call } from '../../api/client';
import { problemLines, useCommand } from './use-command';

/** Operator profiles: roles granted and revoked by ticking, (de)activation, and new operators. */
export function OperatorsPanel({ canEdit }: { canEdit: boolean }) {
  const operators = useCommand('operators:list', {});
  const [problems, setProblems] = useState<string[]>([]);
  const [login, setLogin] = useState('');
  const [name, setName] = useState('');
  const act = async (what: () => Promise<unknown>) => {
    setProblems([]);
    try {
      await what();
    } catch (err) {
      setProblems(problemLines(err));
    }
    await operators.reload();
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
        <Box sx={{ display: 'flex', gap: 1 }}>
          <TextField size="small" label="Login" value={login} onChange={(e) => setLogin(e.target.value)} />
          <TextField size="small" label="Name" value={name} onChange={(e) => setName(e.target.value)} />
          <Button
            variant="contained"
            disabled={!login.trim()}
            onClick={() =>
              void act(async () => {
                await call('operators:add', {
                  login: login.trim(),
                  name: name.trim() || login.trim(),
                  roles: ['clerk'],
                });
                setLogin('');
                setName('');
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
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
