import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { mayRun } from '../../../../src-shared/api/roles';
import type { PaymentMethodDto } from '../../../../src-shared/dto/processors';
import { ApiCallError, errorMessage } from '../../api/client';
import { useAppInfo } from '../../app/app-info';
import { useApiMutation, useApiQuery } from '../../components/query';

const BRANDS = ['VI', 'MC', 'AX', 'DI', 'SW', 'XX'] as const;
type Brand = (typeof BRANDS)[number];

/** Field messages of a validation failure by path, plus the message for everything else. */
function problems(err: unknown): { fields: Record<string, string>; message: string } {
  if (err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues?.length)
    return {
      fields: Object.fromEntries(err.error.issues.map((i) => [i.path, i.message])),
      message: err.error.message,
    };
  return { fields: {}, message: errorMessage(err) };
}

/** Corrects expiry, holder, billing ZIP or brand; the card itself never changes (a new card is a new method). */
function UpdateMethodDialog({
  method,
  onClose,
  onSaved,
}: {
  method: PaymentMethodDto;
  onClose: () => void;
  onSaved: () => void;
}) {
  const isCard = method.type === 'card';
  const [expiry, setExpiry] = useState(method.expiry ?? '');
  const [holder, setHolder] = useState(method.holder ?? '');
  const [zip, setZip] = useState('');
  const [brand, setBrand] = useState<string>(method.brand ?? '');
  const [error, setError] = useState<{ fields: Record<string, string>; message: string } | null>(null);
  const update = useApiMutation('methods:update');
  const save = async () => {
    try {
      await update.run({
        methodId: method.id,
        holder: holder.trim() === '' ? null : holder,
        // The stored ZIP is not shown back; an empty box keeps it.
        ...(zip.trim() !== '' ? { zip } : {}),
        ...(isCard
          ? {
              expiry: expiry.trim() === '' ? null : expiry.trim(),
              brand: brand === '' ? null : (brand as Brand),
            }
          : {}),
      });
      onSaved();
    } catch (err) {
      setError(problems(err));
    }
  };
  const fieldProps = (key: string) => ({
    error: Boolean(error?.fields[key]),
    helperText: error?.fields[key] ?? ' ',
  });
  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth data-testid="method-update-dialog">
      <DialogTitle>
        Update {method.brand ?? method.type} {method.mask}
      </DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1, pt: '8px !important' }}>
        {isCard && (
          <TextField
            autoFocus
            size="small"
            label="Expiry (MM/YY)"
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
            {...fieldProps('expiry')}
            slotProps={{ htmlInput: { maxLength: 5, 'data-testid': 'method-expiry' } }}
          />
        )}
        <TextField
          autoFocus={!isCard}
          size="small"
          label="Holder"
          value={holder}
          onChange={(e) => setHolder(e.target.value)}
          {...fieldProps('holder')}
          slotProps={{ htmlInput: { maxLength: 120, 'data-testid': 'method-holder' } }}
        />
        <TextField
          size="small"
          label="Billing ZIP"
          value={zip}
          onChange={(e) => setZip(e.target.value)}
          {...fieldProps('zip')}
          helperText={error?.fields.zip ?? 'Empty keeps the stored ZIP'}
          slotProps={{ htmlInput: { maxLength: 16, 'data-testid': 'method-zip' } }}
        />
        {isCard && (
          <TextField
            select
            size="small"
            label="Brand"
            value={brand}
            onChange={(e) => setBrand(e.target.value)}
            {...fieldProps('brand')}
          >
            <MenuItem value="">—</MenuItem>
            {BRANDS.map((b) => (
              <MenuItem key={b} value={b}>
                {b}
              </MenuItem>
            ))}
          </TextField>
        )}
        <Typography variant="caption" color="text.secondary">
          A changed expiry or ZIP clears the last validation: validate the method again.
        </Typography>
        {error && Object.keys(error.fields).length === 0 && <Alert severity="error">{error.message}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} data-testid="method-update-save">
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Removes a method with a reason; the service refuses it while it is still needed and says why. */
function RemoveMethodDialog({
  method,
  onClose,
  onSaved,
}: {
  method: PaymentMethodDto;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const remove = useApiMutation('methods:remove');
  const save = async () => {
    try {
      await remove.run({ methodId: method.id, reason });
      onSaved();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth data-testid="method-remove-dialog">
      <DialogTitle>
        Remove {method.brand ?? method.type} {method.mask}
      </DialogTitle>
      <DialogContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
        <Typography variant="body2" color="text.secondary">
          The method is no longer charged or offered. Its past charges and validations stay in the history.
        </Typography>
        <TextField
          autoFocus
          size="small"
          label="Reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          slotProps={{ htmlInput: { maxLength: 200, 'data-testid': 'method-remove-reason' } }}
        />
        {error && (
          <Alert severity="error" data-testid="method-remove-error">
            {error}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Keep it</Button>
        <Button
          color="error"
          variant="contained"
          disabled={reason.trim() === ''}
          onClick={() => void save()}
          data-testid="method-remove-save"
        >
          Remove
        </Button>
      </DialogActions>
    </Dialog>
  );
}

const VERIFICATION_COLOR = { verified: 'success', failed: 'error', unverified: 'default' } as const;

/** The account's stored payment methods (tokens and last four only): validate, make default, update, remove. */
export function PaymentMethodsCard({ accountNo }: { accountNo: string }) {
  const { info } = useAppInfo();
  const roles = info?.operator.roles ?? [];
  const may = {
    validate: mayRun(roles, 'methods:validate'),
    setDefault: mayRun(roles, 'methods:set-default'),
    update: mayRun(roles, 'methods:update'),
    remove: mayRun(roles, 'methods:remove'),
  };
  const list = useApiQuery('methods:list', { accountNo });
  const rows = list.data ?? null;
  // A failed action is shown until dismissed; a failed read as long as it fails.
  const [actionError, setActionError] = useState<string | null>(null);
  const error = actionError ?? list.error;
  const [notice, setNotice] = useState<string | null>(null);
  const [open, setOpen] = useState<{ kind: 'update' | 'remove'; method: PaymentMethodDto } | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const validate = useApiMutation('methods:validate');
  const setDefault = useApiMutation('methods:set-default');
  const act = async (m: PaymentMethodDto, what: () => Promise<PaymentMethodDto>, done: string) => {
    setBusy(m.id);
    setActionError(null);
    try {
      const r = await what();
      setNotice(`${done} ${r.mask}${r.verification !== m.verification ? `: ${r.verification}` : ''}`);
    } catch (err) {
      setActionError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };
  const saved = (text: string) => {
    setOpen(null);
    setNotice(text);
  };

  return (
    <Paper variant="outlined" data-testid="payment-methods">
      <Box sx={{ px: 2, pt: 1.5, pb: 1, display: 'flex', alignItems: 'center', gap: 1 }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Payment methods ({rows?.length ?? '…'})
        </Typography>
        <Typography variant="caption" color="text.secondary">
          Tokens and last four digits only
        </Typography>
      </Box>
      {error && (
        <Alert
          severity="error"
          sx={{ mx: 2, mb: 1 }}
          onClose={actionError ? () => setActionError(null) : undefined}
          data-testid="methods-error"
        >
          {error}
        </Alert>
      )}
      {notice && (
        <Alert
          severity="success"
          sx={{ mx: 2, mb: 1 }}
          onClose={() => setNotice(null)}
          data-testid="methods-notice"
        >
          {notice}
        </Alert>
      )}
      {rows && rows.length === 0 ? (
        <Typography variant="body2" color="text.secondary" sx={{ px: 2, pb: 2 }}>
          No stored payment method.
        </Typography>
      ) : (
        <TableContainer>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>Method</TableCell>
                <TableCell>Expiry</TableCell>
                <TableCell>Holder</TableCell>
                <TableCell>Validation</TableCell>
                <TableCell align="right" />
              </TableRow>
            </TableHead>
            <TableBody>
              {(rows ?? []).map((m) => (
                <TableRow key={m.id} data-testid={`method-row-${m.id}`}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>
                    {m.type} · {m.brand ? `${m.brand} ` : ''}
                    {m.mask}
                    {m.isDefault && (
                      <Chip size="small" label="default" color="primary" variant="outlined" sx={{ ml: 1 }} />
                    )}
                  </TableCell>
                  <TableCell>{m.expiry ?? ''}</TableCell>
                  <TableCell>{m.holder ?? ''}</TableCell>
                  <TableCell>
                    <Chip
                      size="small"
                      variant="outlined"
                      color={VERIFICATION_COLOR[m.verification]}
                      label={`${m.verification}${m.avsCode ? ` · AVS ${m.avsCode}` : ''}`}
                    />
                  </TableCell>
                  <TableCell align="right">
                    <Box sx={{ display: 'flex', flexWrap: 'wrap', justifyContent: 'flex-end' }}>
                      {may.validate && m.type !== 'wallet' && (
                        <Button
                          size="small"
                          disabled={busy !== null}
                          onClick={() => void act(m, () => validate.run({ methodId: m.id }), 'Validated')}
                          data-testid={`method-validate-${m.id}`}
                        >
                          Validate
                        </Button>
                      )}
                      {may.setDefault && !m.isDefault && (
                        <Button
                          size="small"
                          disabled={busy !== null}
                          onClick={() =>
                            void act(m, () => setDefault.run({ methodId: m.id }), 'Default is now')
                          }
                          data-testid={`method-default-${m.id}`}
                        >
                          Make default
                        </Button>
                      )}
                      {may.update && (
                        <Button
                          size="small"
                          onClick={() => setOpen({ kind: 'update', method: m })}
                          data-testid={`method-update-${m.id}`}
                        >
                          Update…
                        </Button>
                      )}
                      {may.remove && (
                        <Button
                          size="small"
                          color="error"
                          onClick={() => setOpen({ kind: 'remove', method: m })}
                          data-testid={`method-remove-${m.id}`}
                        >
                          Remove…
                        </Button>
                      )}
                    </Box>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
      {open?.kind === 'update' && (
        <UpdateMethodDialog
          method={open.method}
          onClose={() => setOpen(null)}
          onSaved={() => saved(`Updated ${open.method.mask}`)}
        />
      )}
      {open?.kind === 'remove' && (
        <RemoveMethodDialog
          method={open.method}
          onClose={() => setOpen(null)}
          onSaved={() => saved(`Removed ${open.method.mask}`)}
        />
      )}
    </Paper>
  );
}
