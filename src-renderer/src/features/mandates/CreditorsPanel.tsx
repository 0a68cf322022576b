import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField, { type TextFieldProps } from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { FieldPath } from 'react-hook-form';
import { z } from 'zod';
import type { CreditorDto } from '../../../../src-shared/dto/mandates';
import { errorMessage } from '../../api/client';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation, useApiQuery } from '../../components/query';
import { keptText } from './form-rules';

const shape = inputShape('creditors:add');

/** The creditor form: the add command's rules (an edit keeps the code and scheme it was read with). */
const creditorSchema = z.object({
  code: shape.code,
  scheme: shape.scheme,
  name: shape.name,
  identifier: shape.identifier,
  iban: keptText(shape.iban),
  bic: keptText(shape.bic),
  routingNo: keptText(shape.routingNo),
  accountNo: keptText(shape.accountNo),
  destinationRouting: keptText(shape.destinationRouting),
  destinationName: keptText(shape.destinationName),
  originId: keptText(shape.originId),
  originName: keptText(shape.originName),
  painVersion: shape.painVersion.unwrap(),
});

type CreditorForm = z.input<typeof creditorSchema>;

const FIELDS: readonly FieldPath<CreditorForm>[] = [
  'code',
  'scheme',
  'name',
  'identifier',
  'iban',
  'bic',
  'routingNo',
  'accountNo',
  'destinationRouting',
  'destinationName',
  'originId',
  'originName',
  'painVersion',
];

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
  const form = useZodForm(creditorSchema, {
    code: initial?.code ?? '',
    scheme: initial?.scheme ?? 'sepa',
    name: initial?.name ?? '',
    identifier: initial?.identifier ?? '',
    iban: initial?.iban ?? '',
    bic: initial?.bic ?? '',
    routingNo: initial?.routingNo ?? '',
    accountNo: initial?.accountNo ?? '',
    destinationRouting: initial?.destinationRouting ?? '',
    destinationName: initial?.destinationName ?? '',
    originId: initial?.originId ?? '',
    originName: initial?.originName ?? '',
    painVersion: initial?.painVersion ?? 'pain.008.001.08',
  });
  const adding = useApiMutation('creditors:add');
  const updating = useApiMutation('creditors:update');
  const [error, setError] = useState<string | null>(null);
  const scheme = form.watch('scheme');

  const save = form.handleSubmit(async (f) => {
    setError(null);
    const opt = (v: string): string | undefined => (v === '' ? undefined : v);
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
      if (initial) await updating.run({ code: initial.code, ...fields });
      else await adding.run({ code: f.code, scheme: f.scheme, ...fields });
      onSaved();
    } catch (err) {
      setError(applyServerProblems<CreditorForm>(form, err, FIELDS) ?? errorMessage(err));
    }
  });

  /** A text field bound to the form; the blank helper line keeps the grid rows even. */
  const field = (k: FieldPath<CreditorForm>, label: string, props: TextFieldProps = {}) => {
    const bound = fieldProps<CreditorForm>(form, k);
    return (
      <TextField size="small" label={label} {...bound} helperText={bound.helperText ?? ' '} {...props} />
    );
  };
  /** A choice bound to the form (MUI's select is not a native input, so it is set, not registered). */
  const choice = (k: 'scheme' | 'painVersion', label: string, props: TextFieldProps = {}) => (
    <TextField
      select
      size="small"
      label={label}
      value={form.watch(k)}
      onChange={(e) => form.setValue(k, e.target.value as never, { shouldValidate: true })}
      helperText={form.formState.errors[k]?.message ?? ' '}
      error={Boolean(form.formState.errors[k])}
      {...props}
    />
  );

  return (
    <FormDialog
      title={initial ? `Creditor ${initial.code}` : 'New creditor'}
      testId="creditor-dialog"
      partsTestId="creditor"
      onClose={onClose}
      onSubmit={save}
      busy={adding.busy || updating.busy}
      error={error}
    >
      <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 2, pt: 1 }}>
        {field('code', 'Code', { disabled: Boolean(initial) })}
        {choice('scheme', 'Scheme', {
          disabled: Boolean(initial),
          children: [
            <MenuItem key="sepa" value="sepa">
              SEPA (EUR)
            </MenuItem>,
            <MenuItem key="ach" value="ach">
              ACH (USD)
            </MenuItem>,
            <MenuItem key="bacs" value="bacs">
              BACS (GBP)
            </MenuItem>,
          ],
        })}
        {field('name', 'Name')}
        {field(
          'identifier',
          scheme === 'sepa'
            ? 'Creditor identifier'
            : scheme === 'ach'
              ? 'Company id (10)'
              : 'Service user number',
        )}
        {scheme === 'sepa' && field('iban', 'IBAN')}
        {scheme === 'sepa' && field('bic', 'BIC')}
        {scheme === 'sepa' &&
          choice('painVersion', 'pain.008 version', {
            children: ['pain.008.001.08', 'pain.008.001.02'].map((v) => (
              <MenuItem key={v} value={v}>
                {v}
              </MenuItem>
            )),
          })}
        {scheme === 'ach' && field('routingNo', 'ODFI routing')}
        {scheme === 'ach' && field('accountNo', 'Originator account')}
        {scheme === 'ach' && field('destinationRouting', 'Immediate destination')}
        {scheme === 'ach' && field('destinationName', 'Destination name')}
        {scheme === 'ach' && field('originId', 'Immediate origin (10)')}
        {scheme === 'ach' && field('originName', 'Origin name')}
      </Box>
    </FormDialog>
  );
}

/** Admin: the direct-debit creditors (SEPA creditor, ACH originator, BACS service user). */
export function CreditorsPanel({ canEdit }: { canEdit: boolean }) {
  const { data: rows, error } = useApiQuery('creditors:list', {});
  const [editing, setEditing] = useState<CreditorDto | 'new' | null>(null);
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
      {/* Fits a 1280-wide window: tighter cells, the name wraps, the bank data takes two lines; a longer
          row still scrolls inside the card. */}
      <TableContainer sx={{ overflowX: 'auto' }}>
        <Table
          size="small"
          aria-label="Direct-debit creditors"
          sx={{
            '& .MuiTableCell-sizeSmall': { px: 1 },
            '& .MuiTableCell-sizeSmall:first-of-type': { pl: 2 },
          }}
        >
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
                <TableCell sx={{ whiteSpace: 'normal', minWidth: 140 }}>{c.name}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace' }}>{c.identifier}</TableCell>
                <TableCell sx={{ fontFamily: 'monospace', fontSize: 12, lineHeight: 1.4 }}>
                  {c.scheme === 'sepa' ? (
                    <>
                      {/* The space stays in the text (copy, find), the line break is only visual. */}
                      <Box component="span" sx={{ display: 'block' }}>
                        {c.iban ?? ''}{' '}
                      </Box>
                      <Box component="span" sx={{ display: 'block', color: 'text.secondary', fontSize: 11 }}>
                        {[c.bic, c.painVersion].filter(Boolean).join(' · ')}
                      </Box>
                    </>
                  ) : (
                    (c.routingNo ?? '')
                  )}
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
          onSaved={() => setEditing(null)}
        />
      )}
    </Paper>
  );
}
