import { useState } from 'react';
import { z } from 'zod';
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
import { ROLES } from '../../../../src-shared/api/roles';
import type { NewApiTokenDto } from '../../../../src-shared/dto/auth';
import { errorMessage } from '../../api/client';
import { useAuth } from '../../app/auth';
import { applyServerProblems, fieldProps, inputShape, useZodForm } from '../../components/FormDialog';
import { formatLocalDateTime } from '../../components/format';
import { useApiMutation, useApiQuery } from '../../components/query';
import { fieldProblems } from './auth-errors';
import { CopyButton } from './CopyButton';

const shape = inputShape('tokens:create');

/** The create form: the command's own rules, with the messages a user reads next to the fields. */
const createSchema = z.object({
  name: z.string().trim().min(1, 'Required').pipe(shape.name),
  expiresInDays: z
    .string()
    .trim()
    .refine((t) => /^\d{1,3}$/.test(t) && Number(t) >= 1 && Number(t) <= 366, '1 to 366 days')
    .transform(Number)
    .pipe(shape.expiresInDays.unwrap()),
  // None ticked: all of the operator's roles (the command's default).
  roles: z
    .array(z.enum(ROLES))
    .transform((r) => (r.length > 0 ? r : undefined))
    .pipe(shape.roles),
});

type CreateForm = z.input<typeof createSchema>;
const NEW_TOKEN: CreateForm = { name: '', expiresInDays: '90', roles: [] };

/** True when a refusal named fields (they show on the fields, so no alert repeats them). */
function fieldsNamed(err: unknown): boolean {
  return Object.keys(fieldProblems(err)).length > 0;
}

/**
 * The signed-in operator's API tokens (for nightly jobs and scripts): list, create (name, roles, expiry; the
 * secret shown once) and revoke.
 */
export function TokensDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const auth = useAuth();
  const myRoles = ROLES.filter((r) => auth?.operator.roles.includes(r));
  const tokens = useApiQuery('tokens:list', { includeInactive: true }, { enabled: open });
  const createToken = useApiMutation('tokens:create');
  const revokeToken = useApiMutation('tokens:revoke');
  const form = useZodForm(createSchema, NEW_TOKEN);
  const roles = form.watch('roles');
  const [created, setCreated] = useState<NewApiTokenDto | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const close = () => {
    setCreated(null);
    form.reset(NEW_TOKEN);
    setProblem(null);
    onClose();
  };

  const create = form.handleSubmit(async (v) => {
    setProblem(null);
    try {
      const token = await createToken.run({
        name: v.name,
        expiresInDays: v.expiresInDays,
        ...(v.roles ? { roles: v.roles } : {}),
      });
      setCreated(token);
      form.reset({ ...NEW_TOKEN, expiresInDays: form.getValues('expiresInDays') });
    } catch (err) {
      setProblem(
        applyServerProblems<CreateForm>(form, err, ['name', 'expiresInDays', 'roles']) ??
          (fieldsNamed(err) ? null : errorMessage(err)),
      );
    }
  });

  const revoke = async (id: number) => {
    setProblem(null);
    try {
      await revokeToken.run({ id });
    } catch (err) {
      setProblem(errorMessage(err));
    }
  };

  const name = fieldProps<CreateForm>(form, 'name');
  const days = fieldProps<CreateForm>(form, 'expiresInDays');
  const rolesProblem = form.formState.errors.roles?.message;
  const shownProblem = problem ?? tokens.error;
  const list = tokens.data ?? [];
  return (
    <Dialog open={open} onClose={close} maxWidth="md" fullWidth data-testid="tokens-dialog">
      <DialogTitle>API tokens</DialogTitle>
      <DialogContent>
        <Typography variant="body2" color="textSecondary" sx={{ mb: 2 }}>
          A token lets a nightly job or a script act as you from the command line (
          <Box component="code">PAYDESK_TOKEN=… paydesk …</Box>), limited to the roles you choose, until it
          expires or is revoked.
        </Typography>
        {shownProblem && (
          <Alert severity="error" sx={{ mb: 2 }}>
            {shownProblem}
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
            {...name}
            helperText={name.helperText ?? 'What it is for, e.g. nightly collection'}
            sx={{ width: 240 }}
            slotProps={{ htmlInput: { 'data-testid': 'token-name' } }}
          />
          <TextField
            size="small"
            label="Expires in (days)"
            {...days}
            helperText={days.helperText ?? '1 to 366'}
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
                        form.setValue(
                          'roles',
                          e.target.checked ? [...roles, r] : roles.filter((x) => x !== r),
                          { shouldValidate: form.formState.isSubmitted },
                        )
                      }
                      slotProps={{ input: { ...{ 'data-testid': `token-role-${r}` } } }}
                    />
                  }
                />
              ))}
            </Box>
            <Typography variant="caption" color={rolesProblem ? 'error' : 'textSecondary'}>
              {rolesProblem ?? 'Roles (none ticked: all of yours)'}
            </Typography>
          </Box>
          <Button type="submit" variant="contained" disabled={createToken.busy} data-testid="token-create">
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
            {list.length === 0 && (
              <TableRow>
                <TableCell colSpan={7}>
                  <Typography variant="body2" color="textSecondary">
                    No tokens yet.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {list.map((t) => (
              <TableRow key={t.id} data-testid={`token-row-${t.id}`}>
                <TableCell>{t.name}</TableCell>
                <TableCell>{t.roles.join(', ')}</TableCell>
                <TableCell>{formatLocalDateTime(t.createdAt)}</TableCell>
                <TableCell>{formatLocalDateTime(t.expiresAt)}</TableCell>
                <TableCell>{formatLocalDateTime(t.lastUsedAt)}</TableCell>
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
