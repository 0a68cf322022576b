import { extractBIC, isValidBIC, validateIBAN, electronicFormatIBAN } from 'ibantools';
import { addMonths } from './dates';

/** SEPA sequence types (pain.008 SeqTp). */
export type SequenceType = 'FRST' | 'RCUR' | 'FNAL' | 'OOFF';

/** The facts of a mandate that decide its next sequence type and its expiry. */
export type MandateHistory = {
  type: 'recurrent' | 'oneoff';
  status: 'pending' | 'active' | 'cancelled' | 'expired';
  signedOn: string;
  collections: number;
  lastCollectedOn: string | null;
  /** The collection is the last one of the series (the mandate is being cancelled after it). */
  final?: boolean | undefined;
};

/** Months without a collection after which a recurrent SEPA mandate lapses (DOMAIN.md §3.14). */
export const DORMANCY_MONTHS = 36;

/**
 * The sequence type of the next collection under a mandate, derived from its history: OOFF for a one-off
 * mandate, FRST for the first collection of a recurrent one, FNAL for the announced last, RCUR otherwise.
 */
export function sequenceType(m: MandateHistory): SequenceType {
  if (m.type === 'oneoff') return 'OOFF';
  if (m.collections === 0) return 'FRST';
  return m.final ? 'FNAL' : 'RCUR';
}

/**
 * Why a mandate cannot be collected on a date, or null when it can: cancelled or expired mandates, a one-off
 * mandate already used, a recurrent mandate dormant for 36 months (counted from the last collection, or
 * from the signature when it never collected), a signature after the collection date.
 */
export function mandateBlock(m: MandateHistory, collectionDate: string): string | null {
  if (m.status === 'cancelled') return 'mandate cancelled';
  if (m.status === 'expired') return 'mandate expired';
  if (m.status === 'pending') return 'mandate not yet active';
  if (m.signedOn > collectionDate) return 'mandate signed after the collection date';
  if (m.type === 'oneoff' && m.collections > 0) return 'one-off mandate already used';
  if (isDormant(m, collectionDate)) return `mandate unused for ${DORMANCY_MONTHS} months`;
  return null;
}

/** True when a recurrent mandate has had no collection for 36 months before `onDate` (it then expires). */
export function isDormant(m: MandateHistory, onDate: string): boolean {
  const since = m.lastCollectedOn ?? m.signedOn;
  return addMonths(since, DORMANCY_MONTHS) <= onDate;
}

/** Letters as ISO 7064 digits (A=10 … Z=35), then mod 97 of the whole string, computed piecewise. */
function mod97(text: string): number {
  let rest = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    const digits = code >= 65 && code <= 90 ? String(code - 55) : ch;
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}

/**
 * A SEPA creditor identifier (AT-02): country, two check digits, a three-character business code that the
 * check ignores, and the national identifier; check digits by ISO 7064 MOD 97-10 over national id +
 * country + "00" (FORMATS.md §1.3).
 */
export function creditorIdProblem(ci: string): string | null {
  const text = ci.replace(/\s+/g, '').toUpperCase();
  const m = /^([A-Z]{2})(\d{2})([A-Z0-9]{3})([A-Z0-9]{1,28})$/.exec(text);
  if (!m)
    return 'not a SEPA creditor identifier (CC + 2 check digits + 3-character business code + national id)';
  const [, country, check, , national] = m as unknown as [string, string, string, string, string];
  const expected = 98 - mod97(`${national}${country}00`);
  if (expected !== Number(check))
    return `creditor identifier check digits are ${check}, expected ${String(expected).padStart(2, '0')}`;
  return null;
}

/** ABA routing number check digit: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10) (FORMATS.md §2.2). */
export function routingNumberProblem(routing: string): string | null {
  if (!/^\d{9}$/.test(routing)) return 'a routing number has 9 digits';
  const d = [...routing].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0 ? null : 'routing number check digit is wrong';
}

/** The electronic form of an IBAN and why it is invalid (ibantools: country, length, format, mod-97), or null. */
export function ibanProblem(iban: string): { iban: string; problem: string | null } {
  const electronic = electronicFormatIBAN(iban) ?? '';
  const v = validateIBAN(electronic);
  if (v.valid) return { iban: electronic, problem: null };
  return { iban: electronic, problem: `IBAN ${iban} is not valid (${ibanErrorText(v.errorCodes)})` };
}

function ibanErrorText(codes: readonly number[]): string {
  const names: Record<number, string> = {
    1: 'unknown country',
    2: 'wrong length',
    3: 'wrong format',
    4: 'check digits are not a number',
    5: 'wrong check digits',
    6: 'wrong national check digits',
    7: 'QR-IBAN not allowed',
  };
  return codes.map((c) => names[c] ?? `error ${c}`).join(', ') || 'invalid';
}

/** Why a BIC is invalid (ISO 9362: 8 or 11 characters, country part known), or null. */
export function bicProblem(bic: string): string | null {
  const text = bic.replace(/\s+/g, '').toUpperCase();
  if (!isValidBIC(text)) return `BIC ${bic} is not valid`;
  return extractBIC(text).countryCode ? null : `BIC ${bic} has no country`;
}
