import { useCallback, useEffect, useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { ROLES, type Role } from '../../../../src-shared/api/roles';
import type { ApiTokenDto, NewApiTokenDto } from '../../../../src-shared/dto/auth';
import { call, errorMessage } from '../../api/client';
import { useAuth } from '../../app/auth';
import { fieldProblems } from './auth-errors';
import { CopyButton } from './CopyButton';

/** An ISO timestamp as local "YYYY-MM-DD HH:MM" (ISO dates, as elsewhere in the app; "—" when absent). */
function when(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * The signed-in operator's API tokens (for nightly jobs and scripts): list, create (name, roles, expiry; the
 * secret shown once) and revoke.
 */
export function TokensDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const auth = useAuth();
  const myRoles = ROLES.filter((r) => auth?.operator.roles.includes(r));
  const [tokens, setTokens] = useState<ApiTokenDto[]>([]);
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [days, setDays] = useState('90');
  const [created, setCreated] = useState<NewApiTokenDto | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(
    () =>
      call('tokens:list', { includeInactive: true }).then(setTokens, (err: unknown) =>
        setProblem(errorMessage(err)),
      ),
    [],
  );
  useEffect(() => {
    if (!open) return;
    let live = true;
    call('tokens:list', { includeInactive: true }).then(
      (list) => live && setTokens(list),
      (err: unknown) => live && setProblem(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [open]);

  const close = () => {
    setCreated(null);
    setName('');
    setRoles([]);
    setDays('90');
    setFields({});
    setProblem(null);
    onClose();
  };

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Required';
    const n = Number(days);
    if (!/^\d+$/.test(days.trim()) || n < 1 || n > 366) local.expiresInDays = '1 to 366 days';
    setFields(local);
    setProblem(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      const token = await call('tokens:create', {
        name: name.trim(),
        expiresInDays: n,
        ...(roles.length > 0 ? { roles } : {}),
      });
      setCreated(token);
      setName('');
      setRoles([]);
      await reload();
    } catch (err) {
      const issues = fieldProblems(err);
      setFields(issues);
      if (Object.keys(issues).length === 0) setProblem(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: number) => {
    setProblem(null);
    try {
      await call('tokens:revoke', { id });
    } catch (err) {
      setProblem(errorMessage(err));
    }
    await reload();
  };

  return (
    <Dialog open={open} onClose={close} maxWidth="md" fullWidth data-testid="tokens-dialog">
      <DialogTitle>API tokens</DialogTitle>
      <DialogContent>
        <Typography variant="body2" color="textSecondary" sx={{ mb: 2 }}>
          A token lets a nightly job or a script act as you from the command line (
          <Box component="code">PAYDESK_TOKEN=… paydesk …</Box>), limited to the roles you choose, until it
          expires or is revoked.
        </Typography>
        {problem && (
          <Alert severity="error" sx={{ mb: 2 }}>
            {problem}
          </Alert>
        )}
        {created && (
          <Alert severity="warning" sx={{ mb: 2 }} data-testid="new-token">
            <Typography variant="body2" sx={{ fontWeight: 600, mb: 1 }}>
              Copy the token “{created.name}” now: it is shown only this once and cannot be shown again.
            </Typography>
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
              <Box
                component="code"
                data-testid="new-token-value"
                sx={{
                  fontFamily: 'monospace',
                  fontSize: '0.9rem',
                  px: 1,
                  py: 0.5,
                  bgcolor: 'background.paper',
                  border: 1,
                  borderColor: 'divider',
                  borderRadius: 1,
                  wordBreak: 'break-all',
                  userSelect: 'all',
                }}
              >
                {created.token}
              </Box>
              <CopyButton text={created.token} testId="new-token-copy" />
            </Box>
          </Alert>
        )}
        <Box
          component="form"
          onSubmit={(e) => void create(e)}
          noValidate
          sx={{ display: 'flex', gap: 2, alignItems: 'flex-start', flexWrap: 'wrap', mb: 2 }}
        >
          <TextField
            size="small"
            label="Name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={Boolean(fields.name)}
            helperText={fields.name ?? 'What it is for, e.g. nightly collection'}
            sx={{ width: 240 }}
            slotProps={{ htmlInput: { 'data-testid': 'token-name' } }}
          />
          <TextField
            size="small"
            label="Expires in (days)"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            error={Boolean(fields.expiresInDays)}
            helperText={fields.expiresInDays ?? '1 to 366'}
            sx={{ width: 140 }}
            slotProps={{ htmlInput: { 'data-testid': 'token-days', inputMode: 'numeric' } }}
          />
          <Box>
            <Box sx={{ display: 'flex', flexWrap: 'wrap' }}>
              {myRoles.map((r) => (
                <FormControlLabel
                  key={r}
                  label={r}
                  control={
                    <Checkbox
                      size="small"
                      checked={roles.includes(r)}
                      onChange={(e) =>
                        setRoles((rs) => (e.target.checked ? [...rs, r] : rs.filter((x) => x !== r)))
                      }
                      slotProps={{ input: { ...{ 'data-testid': `token-role-${r}` } } }}
                    />
                  }
                />
              ))}
            </Box>
            <Typography variant="caption" color={fields.roles ? 'error' : 'textSecondary'}>
              {fields.roles ?? 'Roles (none ticked: all of yours)'}
            </Typography>
          </Box>
          <Button type="submit" variant="contained" disabled={busy} data-testid="token-create">
            Create token
          </Button>
        </Box>
        <Table size="small" data-testid="tokens-table" sx={{ '& td, & th': { whiteSpace: 'nowrap' } }}>
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell>Roles</TableCell>
              <TableCell>Created</TableCell>
              <TableCell>Expires</TableCell>
              <TableCell>Last used</TableCell>
              <TableCell>Status</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {tokens.length === 0 && (
              <TableRow>
                <TableCell colSpan={7}>
                  <Typography variant="body2" color="textSecondary">
                    No tokens yet.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {tokens.map((t) => (
              <TableRow key={t.id} data-testid={`token-row-${t.id}`}>
                <TableCell>{t.name}</TableCell>
                <TableCell>{t.roles.join(', ')}</TableCell>
                <TableCell>{when(t.createdAt)}</TableCell>
                <TableCell>{when(t.expiresAt)}</TableCell>
                <TableCell>{when(t.lastUsedAt)}</TableCell>
                <TableCell>
                  <Chip
                    size="small"
                    label={t.status}
                    color={t.status === 'active' ? 'success' : 'default'}
                    variant="outlined"
                  />
                </TableCell>
                <TableCell align="right">
                  {t.status === 'active' && (
                    <Button
                      size="small"
                      color="error"
                      onClick={() => void revoke(t.id)}
                      data-testid={`token-revoke-${t.id}`}
                    >
                      Revoke
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </DialogContent>
      <DialogActions>
        <Button onClick={close}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}
