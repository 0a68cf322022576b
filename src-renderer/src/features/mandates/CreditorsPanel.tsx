import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
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
import type { CreditorDto, CreditorScheme } from '../../../../src-shared/dto/mandates';
import { call, errorMessage } from '../../api/client';
import { fieldErrors } from './labels';

type Form = {
  code: string;
  scheme: CreditorScheme;
  name: string;
  identifier: string;
  iban: string;
  bic: string;
  routingNo: string;
  accountNo: string;
  destinationRouting: string;
  destinationName: string;
  originId: string;
  originName: string;
  painVersion: 'pain.008.001.08' | 'pain.008.001.02';
};

const EMPTY: Form = {
  code: '',
  scheme: 'sepa',
  name: '',
  identifier: '',
  iban: '',
  bic: '',
  routingNo: '',
  accountNo: '',
  destinationRouting: '',
  destinationName: '',
  originId: '',
  originName: '',
  painVersion: 'pain.008.001.08',
};

/** Adds or edits a creditor; the service's issues show under their fields. */
function CreditorDialog({
  initial,
  onClose,
  onSaved,
}: {
  initial: CreditorDto | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [f, setF] = useState<Form>(() =>
    initial
      ? {
          ...EMPTY,
          ...Object.fromEntries(Object.entries(initial).map(([k, v]) => [k, v ?? ''])),
          scheme: initial.scheme,
          painVersion: initial.painVersion,
        }
      : EMPTY,
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const opt = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());
  const save = async () => {
    setErrors({});
    setMessage(null);
    const fields = {
      name: f.name,
      identifier: f.identifier,
      ...(f.scheme === 'sepa'
        ? { iban: opt(f.iban), bic: opt(f.bic), painVersion: f.painVersion }
        : f.scheme === 'ach'
          ? {
              routingNo: opt(f.routingNo),
              accountNo: opt(f.accountNo),
              destinationRouting: opt(f.destinationRouting),
              destinationName: opt(f.destinationName),
              originId: opt(f.originId),
              originName: opt(f.originName),
            }
          : {}),
    };
    try {
      if (initial) await call('creditors:update', { code: initial.code, ...fields });
      else await call('creditors:add', { code: f.code, scheme: f.scheme, ...fields });
      onSaved();
    } catch (err) {
      const e = fieldErrors(err);
      setErrors(e.fields);
      setMessage(e.message);
    }
  };
  const field = (k: keyof Form, label: string, extra: Record<string, unknown> = {}) => (
    <TextField
      size="small"
      label={label}
      value={f[k]}
      onChange={set(k)}
      error={Boolean(errors[k])}
      helperText={errors[k] ?? ' '}
      {...extra}
    />
  );
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="creditor-dialog">
      <DialogTitle>{initial ? `Creditor ${initial.code}` : 'New creditor'}</DialogTitle>
      <DialogContent>
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 2, pt: 1 }}>
          {field('code', 'Code', { disabled: Boolean(initial) })}
          <TextField
            select
            size="small"
            label="Scheme"
            value={f.scheme}
            onChange={set('scheme')}
            disabled={Boolean(initial)}
            helperText=" "
          >
            <MenuItem value="sepa">SEPA (EUR)</MenuItem>
            <MenuItem value="ach">ACH (USD)</MenuItem>
            <MenuItem value="bacs">BACS (GBP)</MenuItem>
          </TextField>
          {field('name', 'Name')}
          {field(
            'identifier',
            f.scheme === 'sepa'
              ? 'Creditor identifier'
              : f.scheme === 'ach'
                ? 'Company id (10)'
                : 'Service user number',
          )}
          {f.scheme === 'sepa' && field('iban', 'IBAN')}
          {f.scheme === 'sepa' && field('bic', 'BIC')}
          {f.scheme === 'sepa' && (
            <TextField
              select
              size="small"
              label="pain.008 version"
              value={f.painVersion}
              onChange={set('painVersion')}
              helperText=" "
            >
              <MenuItem value="pain.008.001.08">pain.008.001.08</MenuItem>
              <MenuItem value="pain.008.001.02">pain.008.001.02</MenuItem>
            </TextField>
          )}
          {f.scheme === 'ach' && field('routingNo', 'ODFI routing')}
          {f.scheme === 'ach' && field('accountNo', 'Originator account')}
          {f.scheme === 'ach' && field('destinationRouting', 'Immediate destination')}
          {f.scheme === 'ach' && field('destinationName', 'Destination name')}
          {f.scheme === 'ach' && field('originId', 'Immediate origin (10)')}
          {f.scheme === 'ach' && field('originName', 'Origin name')}
        </Box>
        {message && <Alert severity="error">{message}</Alert>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} data-testid="creditor-save">
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** Admin: the direct-debit creditors (SEPA creditor, ACH originator, BACS service user). */
export function CreditorsPanel({ canEdit }: { canEdit: boolean }) {
  const [rows, setRows] = useState<CreditorDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<CreditorDto | 'new' | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    call('creditors:list', {}).then(setRows, (err: unknown) => setError(errorMessage(err)));
  }, [tick]);
  return (
    <Paper variant="outlined" data-testid="creditors-panel">
      <Box sx={{ px: 2, py: 1.5, display: 'flex', alignItems: 'center' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>
          Direct-debit creditors
        </Typography>
        {canEdit && (
          <Button
            size="small"
            variant="outlined"
            onClick={() => setEditing('new')}
            data-testid="creditor-add"
          >
            Add creditor…
          </Button>
        )}
      </Box>
      {error && <Alert severity="error">{error}</Alert>}
      <TableContainer sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Code</TableCell>
              <TableCell>Scheme</TableCell>
              <TableCell>Name</TableCell>
              <TableCell>Identifier</TableCell>
              <TableCell>Bank</TableCell>
              <TableCell>Currency</TableCell>
              <TableCell align="right">Mandates</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {rows?.map((c) => (
              <TableRow key={c.code}>
                <TableCell sx={{ fontFamily: 'monospace' }}>
                  {c.code}
                  {c.isDefault ? ' ★' : ''}
                </TableCell>
                <TableCell>{c.scheme.toUpperCase()}</TableCell>
                <TableCell>{c.name}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace' }}>{c.identifier}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>
                  {c.scheme === 'sepa'
                    ? `${c.iban ?? ''} ${c.bic ?? ''} · ${c.painVersion}`
                    : (c.routingNo ?? '')}
                </TableCell>
                <TableCell>{c.currency}</TableCell>
                <TableCell align="right">{c.mandates}</TableCell>
                <TableCell>
                  {canEdit && (
                    <Button size="small" onClick={() => setEditing(c)}>
                      Edit
                    </Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {editing !== null && (
        <CreditorDialog
          initial={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            setTick((t) => t + 1);
          }}
        />
      )}
    </Paper>
  );
}
