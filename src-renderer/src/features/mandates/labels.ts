import type { MandateDto, MandateScheme, MandateStatus } from '../../../../src-shared/dto/mandates';

/** Display names of the mandate schemes. */
export const SCHEME_LABELS: Readonly<Record<MandateScheme, string>> = {
  sepa_core: 'SEPA Core',
  sepa_b2b: 'SEPA B2B',
  bacs: 'BACS',
  ach: 'ACH',
};

/** The chip colour of each status. */
export const STATUS_COLORS: Readonly<Record<MandateStatus, 'success' | 'warning' | 'default' | 'error'>> = {
  active: 'success',
  pending: 'warning',
  cancelled: 'default',
  expired: 'error',
};

/** The bank account of a mandate: the account itself, then what qualifies it (BIC, or account type and SEC code). */
export function bankLines(m: MandateDto): [string, string | null] {
  if (m.iban) return [m.iban, m.bic ?? null];
  if (m.sortCode)
    return [`${m.sortCode.replace(/(\d\d)(\d\d)(\d\d)/, '$1-$2-$3')} · ${m.bankAccountNo ?? ''}`, null];
  return [`${m.routingNo ?? ''} · ${m.bankAccountNo ?? ''}`, `${m.accountType ?? ''} · ${m.secCode ?? ''}`];
}

/** The bank account of a mandate in one line. */
export function bankText(m: MandateDto): string {
  const [account, detail] = bankLines(m);
  return detail ? `${account} · ${detail}` : account;
}

/** Any recorded value as short text ('—' for none). */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
