import { isSEPACountry } from 'ibantools';
import type { FieldIssue } from '../../../src-shared/api/result';
import type { MandateDto, MandateScheme } from '../../../src-shared/dto/mandates';
import { bicProblem, ibanProblem, routingNumberProblem } from '../../domain/mandate-rules';
import { referenceProblem } from '../../domain/mandate-amendment';

/** The bank data of a mandate as keyed (any scheme); absent fields are not given. */
export type MandateDetailsInput = {
  reference?: string | undefined;
  debtorName?: string | undefined;
  iban?: string | undefined;
  bic?: string | undefined;
  sortCode?: string | undefined;
  routingNo?: string | undefined;
  bankAccountNo?: string | undefined;
  accountType?: 'checking' | 'savings' | undefined;
  secCode?: 'PPD' | 'CCD' | 'WEB' | 'TEL' | undefined;
};

/** The bank data of a mandate as stored (normalised), per scheme. */
export type MandateDetails = Pick<
  MandateDto,
  | 'reference'
  | 'debtorName'
  | 'iban'
  | 'bic'
  | 'sortCode'
  | 'routingNo'
  | 'bankAccountNo'
  | 'accountType'
  | 'secCode'
>;

/** The fields each scheme uses; the others must not be given. */
const SCHEME_FIELDS: Record<MandateScheme, readonly (keyof MandateDetailsInput)[]> = {
  sepa_core: ['iban', 'bic'],
  sepa_b2b: ['iban', 'bic'],
  bacs: ['sortCode', 'bankAccountNo'],
  ach: ['routingNo', 'bankAccountNo', 'accountType', 'secCode'],
};
const BANK_FIELDS: readonly (keyof MandateDetailsInput)[] = [
  'iban',
  'bic',
  'sortCode',
  'routingNo',
  'bankAccountNo',
  'accountType',
  'secCode',
];

/** The currency a mandate scheme collects in. */
export const SCHEME_CURRENCY: Record<MandateScheme, string> = {
  sepa_core: 'EUR',
  sepa_b2b: 'EUR',
  bacs: 'GBP',
  ach: 'USD',
};

/**
 * Checks and normalises a mandate's bank data for its scheme: SEPA needs an IBAN (valid, of a SEPA
 * country) and takes an optional BIC; BACS a 6-digit sort code and 8-digit account; ACH a routing number
 * with its check digit, an account (1..17 characters), an account type and an SEC code. Field paths in the
 * issues are the input's names (prefixed), so a form shows each error under its field.
 */
export function checkMandateDetails(
  scheme: MandateScheme,
  d: MandateDetails,
  given: MandateDetailsInput,
  prefix = '',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (field: string, message: string): void => {
    issues.push({ path: prefix + field, message });
  };
  for (const f of BANK_FIELDS)
    if (given[f] !== undefined && given[f] !== '' && !SCHEME_FIELDS[scheme].includes(f))
      at(f, `not used by a ${scheme} mandate`);
  const refProblem = referenceProblem(d.reference, scheme === 'bacs' ? 'bacs' : 'sepa');
  if (refProblem) at('reference', refProblem);
  if (d.debtorName.trim() === '') at('debtorName', 'the debtor name is required');
  else if (d.debtorName.length > 70) at('debtorName', 'a debtor name has at most 70 characters');
  if (scheme === 'sepa_core' || scheme === 'sepa_b2b') {
    if (!d.iban) at('iban', 'a SEPA mandate needs the debtor IBAN');
    else {
      const p = ibanProblem(d.iban);
      if (p.problem) at('iban', p.problem);
      else if (!isSEPACountry(p.iban.slice(0, 2)))
        at('iban', `IBAN country ${p.iban.slice(0, 2)} is not in the SEPA scheme`);
    }
    if (d.bic) {
      const p = bicProblem(d.bic);
      if (p) at('bic', p);
    }
  } else if (scheme === 'bacs') {
    if (!d.sortCode || !/^\d{6}$/.test(d.sortCode)) at('sortCode', 'a sort code has 6 digits');
    if (!d.bankAccountNo || !/^\d{8}$/.test(d.bankAccountNo))
      at('bankAccountNo', 'a BACS account number has 8 digits');
  } else {
    if (!d.routingNo) at('routingNo', 'an ACH mandate needs the routing number');
    else {
      const p = routingNumberProblem(d.routingNo);
      if (p) at('routingNo', p);
    }
    if (!d.bankAccountNo || !/^[A-Za-z0-9-]{1,17}$/.test(d.bankAccountNo))
      at('bankAccountNo', 'an ACH account number has 1 to 17 letters, digits or dashes');
    if (!d.accountType) at('accountType', 'checking or savings');
    if (!d.secCode) at('secCode', 'PPD (consumers), CCD (companies), WEB or TEL');
  }
  return issues;
}

/** Normalises keyed bank data: IBAN/BIC upper case without spaces, sort code without dashes. */
export function normaliseDetails(d: MandateDetailsInput): MandateDetailsInput {
  const strip = (v: string | undefined): string | undefined =>
    v === undefined ? undefined : v.replace(/[\s-]+/g, '').toUpperCase();
  return {
    ...d,
    iban: strip(d.iban),
    bic: strip(d.bic),
    sortCode: strip(d.sortCode),
    routingNo: d.routingNo?.trim(),
    bankAccountNo: d.bankAccountNo?.trim(),
    reference: d.reference?.trim(),
    debtorName: d.debtorName?.trim(),
  };
}

/** The stored details with the given changes applied (empty text clears an optional field such as the BIC). */
export function mergeDetails(base: MandateDetails, change: MandateDetailsInput): MandateDetails {
  const pick = <T>(v: T | undefined, old: T | null): T | null =>
    v === undefined ? old : v === '' ? null : v;
  return {
    reference: change.reference ?? base.reference,
    debtorName: change.debtorName ?? base.debtorName,
    iban: pick(change.iban, base.iban),
    bic: pick(change.bic, base.bic),
    sortCode: pick(change.sortCode, base.sortCode),
    routingNo: pick(change.routingNo, base.routingNo),
    bankAccountNo: pick(change.bankAccountNo, base.bankAccountNo),
    accountType: pick(change.accountType, base.accountType),
    secCode: pick(change.secCode, base.secCode),
  };
}
