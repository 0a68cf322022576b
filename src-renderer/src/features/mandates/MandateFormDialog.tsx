import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import type { MandateDto, MandateScheme } from '../../../../src-shared/dto/mandates';
import { call } from '../../api/client';
import { fieldErrors, SCHEME_LABELS } from './labels';

/** The schemes an account's currency can use. */
const SCHEMES_BY_CURRENCY: Readonly<Record<string, MandateScheme[]>> = {
  EUR: ['sepa_core', 'sepa_b2b'],
  GBP: ['bacs'],
  USD: ['ach'],
};

type Form = {
  scheme: MandateScheme;
  reference: string;
  signedOn: string;
  debtorName: string;
  iban: string;
  bic: string;
  sortCode: string;
  routingNo: string;
  bankAccountNo: string;
  accountType: 'checking' | 'savings';
  secCode: 'PPD' | 'CCD' | 'WEB' | 'TEL';
  reason: string;
};

/**
 * Adds a mandate to an account, or amends one (reference, debtor name, bank data). The service checks every
 * field; its issues show under the fields they concern. An amendment sends the version it was read at, so a
 * concurrent change is refused instead of overwritten.
 */
export function MandateFormDialog({
  accountNo,
  currency,
  mandate,
  today,
  onClose,
  onSaved,
}: {
  accountNo: string;
  currency: string;
  /** The mandate to amend; absent: a new one. */
  mandate?: MandateDto | undefined;
  today: string;
  onClose: () => void;
  onSaved: () => void;
}) {
  const schemes = SCHEMES_BY_CURRENCY[currency] ?? [];
  const [f, setF] = useState<Form>(() => ({
    scheme: mandate?.scheme ?? schemes[0] ?? 'sepa_core',
    reference: mandate?.reference ?? '',
    signedOn: mandate?.signedOn ?? today,
    debtorName: mandate?.debtorName ?? '',
    iban: mandate?.iban ?? '',
    bic: mandate?.bic ?? '',
    sortCode: mandate?.sortCode ?? '',
    routingNo: mandate?.routingNo ?? '',
    bankAccountNo: mandate?.bankAccountNo ?? '',
    accountType: mandate?.accountType ?? 'checking',
    secCode: mandate?.secCode ?? 'PPD',
    reason: '',
  }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Form) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const sepa = f.scheme === 'sepa_core' || f.scheme === 'sepa_b2b';
  const opt = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());
  // An amendment sends only what changed; an emptied optional field (the BIC) is sent empty to clear it.
  const changed = (k: keyof Form, old: string | null | undefined): string | undefined =>
    f[k] === (old ?? '') ? undefined : f[k];

  const save = async () => {
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const bank = sepa
        ? { iban: opt(f.iban), bic: opt(f.bic) }
        : f.scheme === 'bacs'
          ? { sortCode: opt(f.sortCode), bankAccountNo: opt(f.bankAccountNo) }
          : {
              routingNo: opt(f.routingNo),
              bankAccountNo: opt(f.bankAccountNo),
              accountType: f.accountType,
              secCode: f.secCode,
            };
      if (mandate) {
        await call('mandates:amend', {
          mandateId: mandate.id,
          version: mandate.version,
          newReference: changed('reference', mandate.reference),
          debtorName: changed('debtorName', mandate.debtorName),
          ...(sepa
            ? { iban: changed('iban', mandate.iban), bic: changed('bic', mandate.bic) }
            : f.scheme === 'bacs'
              ? {
                  sortCode: changed('sortCode', mandate.sortCode),
                  bankAccountNo: changed('bankAccountNo', mandate.bankAccountNo),
                }
              : {
                  routingNo: changed('routingNo', mandate.routingNo),
                  bankAccountNo: changed('bankAccountNo', mandate.bankAccountNo),
                  accountType: f.accountType === mandate.accountType ? undefined : f.accountType,
                  secCode: f.secCode === mandate.secCode ? undefined : f.secCode,
                }),
          reason: opt(f.reason),
        });
      } else {
        await call('mandates:add', {
          accountNo,
          scheme: f.scheme,
          signedOn: f.signedOn,
          reference: opt(f.reference),
          debtorName: opt(f.debtorName),
          ...bank,
        });
      }
      onSaved();
    } catch (err) {
      const e = fieldErrors(err);
      if (e.fields.newReference) e.fields.reference = e.fields.newReference;
      setErrors(e.fields);
      setMessage(e.message);
    } finally {
      setBusy(false);
    }
  };

  const field = (k: keyof Form, label: string, props: Record<string, unknown> = {}) => (
    <TextField
      size="small"
      label={label}
      value={f[k]}
      onChange={set(k)}
      error={Boolean(errors[k])}
      helperText={errors[k] ?? ' '}
      slotProps={{ htmlInput: { 'data-testid': `mandate-field-${k}` } }}
      {...props}
    />
  );

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="mandate-dialog">
      <DialogTitle>
        {mandate ? `Amend mandate ${mandate.reference}` : `New mandate for ${accountNo}`}
      </DialogTitle>
      <DialogContent>
        {schemes.length === 0 && !mandate && (
          <Alert severity="info" sx={{ mb: 2 }}>
            Accounts in {currency} cannot be collected by SEPA, BACS or ACH direct debit.
          </Alert>
        )}
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 2, pt: 1 }}>
          <TextField
            select
            size="small"
            label="Scheme"
            value={f.scheme}
            onChange={set('scheme')}
            disabled={Boolean(mandate)}
            error={Boolean(errors.scheme)}
            helperText={errors.scheme ?? ' '}
            slotProps={{ htmlInput: { 'data-testid': 'mandate-field-scheme' } }}
          >
            {(mandate ? [mandate.scheme] : schemes).map((s) => (
              <MenuItem key={s} value={s}>
                {SCHEME_LABELS[s]}
              </MenuItem>
            ))}
          </TextField>
          {field('signedOn', 'Signed on', { type: 'date', disabled: Boolean(mandate) })}
          {field('reference', 'Mandate reference', {
            placeholder: mandate ? undefined : 'generated when empty',
          })}
          {field('debtorName', 'Debtor name', { placeholder: mandate ? undefined : 'the account name' })}
          {sepa && field('iban', 'IBAN')}
          {sepa && field('bic', 'BIC (optional)')}
          {f.scheme === 'bacs' && field('sortCode', 'Sort code')}
          {f.scheme !== 'bacs' && !sepa && field('routingNo', 'Routing number')}
          {!sepa && field('bankAccountNo', 'Account number')}
          {f.scheme === 'ach' && (
            <TextField
              select
              size="small"
              label="Account type"
              value={f.accountType}
              onChange={set('accountType')}
              helperText=" "
            >
              <MenuItem value="checking">Checking</MenuItem>
              <MenuItem value="savings">Savings</MenuItem>
            </TextField>
          )}
          {f.scheme === 'ach' && (
            <TextField
              select
              size="small"
              label="SEC code"
              value={f.secCode}
              onChange={set('secCode')}
              helperText={errors.secCode ?? 'PPD consumers, CCD companies'}
            >
              {['PPD', 'CCD', 'WEB', 'TEL'].map((c) => (
                <MenuItem key={c} value={c}>
                  {c}
                </MenuItem>
              ))}
            </TextField>
          )}
          {mandate && field('reason', 'Reason (optional)', { sx: { gridColumn: '1 / -1' } })}
        </Box>
        {message && (
          <Alert severity="error" data-testid="mandate-error">
            {message}
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          onClick={() => void save()}
          disabled={busy || (!mandate && schemes.length === 0)}
          data-testid="mandate-save"
        >
          {mandate ? 'Amend' : 'Add mandate'}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
