import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import MenuItem from '@mui/material/MenuItem';
import TextField, { type TextFieldProps } from '@mui/material/TextField';
import type { FieldPath } from 'react-hook-form';
import { z } from 'zod';
import type { MandateDto, MandateScheme } from '../../../../src-shared/dto/mandates';
import { errorMessage } from '../../api/client';
import {
  applyServerProblems,
  fieldProps,
  FormDialog,
  inputShape,
  useZodForm,
} from '../../components/FormDialog';
import { useApiMutation } from '../../components/query';
import { keptText } from './form-rules';
import { SCHEME_LABELS } from './labels';

/** The schemes an account's currency can use. */
const SCHEMES_BY_CURRENCY: Readonly<Record<string, MandateScheme[]>> = {
  EUR: ['sepa_core', 'sepa_b2b'],
  GBP: ['bacs'],
  USD: ['ach'],
};

const add = inputShape('mandates:add');
const amend = inputShape('mandates:amend');

/**
 * The mandate form: each text as typed (trimmed; empty means "not given", or "clear it" in an amendment),
 * checked by the commands' own rules when filled.
 */
const mandateSchema = z.object({
  scheme: add.scheme,
  signedOn: add.signedOn,
  reference: keptText(add.reference),
  debtorName: keptText(add.debtorName),
  iban: keptText(add.iban),
  bic: keptText(add.bic),
  sortCode: keptText(add.sortCode),
  routingNo: keptText(add.routingNo),
  bankAccountNo: keptText(add.bankAccountNo),
  accountType: add.accountType.unwrap(),
  secCode: add.secCode.unwrap(),
  reason: keptText(amend.reason),
});

type MandateForm = z.input<typeof mandateSchema>;

const FIELDS: readonly FieldPath<MandateForm>[] = [
  'scheme',
  'signedOn',
  'reference',
  'debtorName',
  'iban',
  'bic',
  'sortCode',
  'routingNo',
  'bankAccountNo',
  'accountType',
  'secCode',
  'reason',
];

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
  const form = useZodForm(mandateSchema, {
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
  });
  const adding = useApiMutation('mandates:add');
  const amending = useApiMutation('mandates:amend');
  const [error, setError] = useState<string | null>(null);
  const scheme = form.watch('scheme');
  const sepa = scheme === 'sepa_core' || scheme === 'sepa_b2b';

  const save = form.handleSubmit(async (f) => {
    setError(null);
    const opt = (v: string): string | undefined => (v === '' ? undefined : v);
    // An amendment sends only what changed; an emptied optional field (the BIC) is sent empty to clear it.
    const changed = (v: string, old: string | null | undefined): string | undefined =>
      v === (old ?? '') ? undefined : v;
    try {
      if (mandate) {
        await amending.run({
          mandateId: mandate.id,
          version: mandate.version,
          newReference: changed(f.reference, mandate.reference),
          debtorName: changed(f.debtorName, mandate.debtorName),
          ...(sepa
            ? { iban: changed(f.iban, mandate.iban), bic: changed(f.bic, mandate.bic) }
            : scheme === 'bacs'
              ? {
                  sortCode: changed(f.sortCode, mandate.sortCode),
                  bankAccountNo: changed(f.bankAccountNo, mandate.bankAccountNo),
                }
              : {
                  routingNo: changed(f.routingNo, mandate.routingNo),
                  bankAccountNo: changed(f.bankAccountNo, mandate.bankAccountNo),
                  accountType: f.accountType === mandate.accountType ? undefined : f.accountType,
                  secCode: f.secCode === mandate.secCode ? undefined : f.secCode,
                }),
          reason: opt(f.reason),
        });
      } else {
        await adding.run({
          accountNo,
          scheme: f.scheme,
          signedOn: f.signedOn,
          reference: opt(f.reference),
          debtorName: opt(f.debtorName),
          ...(sepa
            ? { iban: opt(f.iban), bic: opt(f.bic) }
            : scheme === 'bacs'
              ? { sortCode: opt(f.sortCode), bankAccountNo: opt(f.bankAccountNo) }
              : {
                  routingNo: opt(f.routingNo),
                  bankAccountNo: opt(f.bankAccountNo),
                  accountType: f.accountType,
                  secCode: f.secCode,
                }),
        });
      }
      onSaved();
    } catch (err) {
      setError(applyServerProblems<MandateForm>(form, err, FIELDS) ?? errorMessage(err));
    }
  });

  /** A text field bound to the form; the blank helper line keeps the grid rows even. */
  const field = (k: FieldPath<MandateForm>, label: string, props: TextFieldProps = {}) => {
    const bound = fieldProps<MandateForm>(form, k);
    return (
      <TextField
        size="small"
        label={label}
        {...bound}
        helperText={bound.helperText ?? ' '}
        slotProps={{ htmlInput: { 'data-testid': `mandate-field-${k}` } }}
        {...props}
      />
    );
  };
  /** A choice bound to the form (MUI's select is not a native input, so it is set, not registered). */
  const choice = (k: 'scheme' | 'accountType' | 'secCode', label: string, props: TextFieldProps = {}) => {
    const problem = form.formState.errors[k]?.message;
    return (
      <TextField
        select
        size="small"
        label={label}
        value={form.watch(k)}
        onChange={(e) => form.setValue(k, e.target.value as never, { shouldValidate: true })}
        error={typeof problem === 'string'}
        helperText={problem ?? ' '}
        slotProps={{ htmlInput: { 'data-testid': `mandate-field-${k}` } }}
        {...props}
      />
    );
  };

  return (
    <FormDialog
      title={mandate ? `Amend mandate ${mandate.reference}` : `New mandate for ${accountNo}`}
      testId="mandate-dialog"
      partsTestId="mandate"
      cancelTestId="mandate-form-cancel"
      submitLabel={mandate ? 'Amend' : 'Add mandate'}
      submitDisabled={!mandate && schemes.length === 0}
      onClose={onClose}
      onSubmit={save}
      busy={adding.busy || amending.busy}
      error={error}
    >
      {schemes.length === 0 && !mandate && (
        <Alert severity="info">
          Accounts in {currency} cannot be collected by SEPA, BACS or ACH direct debit.
        </Alert>
      )}
      <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', columnGap: 2, pt: 1 }}>
        {choice('scheme', 'Scheme', {
          disabled: Boolean(mandate),
          children: (mandate ? [mandate.scheme] : schemes).map((s) => (
            <MenuItem key={s} value={s}>
              {SCHEME_LABELS[s]}
            </MenuItem>
          )),
        })}
        {field('signedOn', 'Signed on', {
          type: 'date',
          disabled: Boolean(mandate),
          slotProps: { inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'mandate-field-signedOn' } },
        })}
        {field('reference', 'Mandate reference', {
          placeholder: mandate ? undefined : 'generated when empty',
        })}
        {field('debtorName', 'Debtor name', { placeholder: mandate ? undefined : 'the account name' })}
        {sepa && field('iban', 'IBAN')}
        {sepa && field('bic', 'BIC (optional)')}
        {scheme === 'bacs' && field('sortCode', 'Sort code')}
        {scheme !== 'bacs' && !sepa && field('routingNo', 'Routing number')}
        {!sepa && field('bankAccountNo', 'Account number')}
        {scheme === 'ach' &&
          choice('accountType', 'Account type', {
            children: [
              <MenuItem key="checking" value="checking">
                Checking
              </MenuItem>,
              <MenuItem key="savings" value="savings">
                Savings
              </MenuItem>,
            ],
          })}
        {scheme === 'ach' &&
          choice('secCode', 'SEC code', {
            helperText: form.formState.errors.secCode?.message ?? 'PPD consumers, CCD companies',
            children: ['PPD', 'CCD', 'WEB', 'TEL'].map((c) => (
              <MenuItem key={c} value={c}>
                {c}
              </MenuItem>
            )),
          })}
        {mandate && field('reason', 'Reason (optional)', { sx: { gridColumn: '1 / -1' } })}
      </Box>
    </FormDialog>
  );
}
