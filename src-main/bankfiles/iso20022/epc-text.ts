/**
 * Text rules of SEPA files that the XSDs do not check (FORMATS.md §1.2): the EPC basic Latin character set,
 * names of at most 70 characters, identifiers that neither start nor end with '/' nor contain '//', and
 * amounts as decimal text written from integer minor units (never through a float).
 */

/** The EPC basic character set: a-z A-Z 0-9 / - ? : ( ) . , ' + and space. */
const EPC_CHARS = /^[A-Za-z0-9/\-?:().,'+ ]*$/;

/** Letters outside the set that have a conventional Latin spelling (German, Nordic, Polish, ...). */
const SPELLED: Readonly<Record<string, string>> = {
  ß: 'ss',
  Æ: 'AE',
  æ: 'ae',
  Ø: 'O',
  ø: 'o',
  Œ: 'OE',
  œ: 'oe',
  Þ: 'TH',
  þ: 'th',
  Ð: 'D',
  ð: 'd',
  Đ: 'D',
  đ: 'd',
  Ł: 'L',
  ł: 'l',
  ı: 'i',
  '&': '+',
  _: '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2019': "'",
  '\u2018': "'",
};

/** The longest name a SEPA file carries (EPC restriction of Max140Text). */
export const EPC_NAME_MAX = 70;
/** The longest unstructured remittance line (Max140Text). */
export const EPC_REMITTANCE_MAX = 140;

/**
 * Text transliterated into the EPC character set: diacritics dropped (é → e), known letters spelled out
 * (ß → ss, ø → o), '&' as '+', runs of white space as one space; null when something is still outside the set
 * (e.g. Cyrillic or Greek), so the caller refuses it with its own field name.
 */
export function toEpcText(text: string): string | null {
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const spelled = SPELLED[ch];
    if (spelled !== undefined) out += spelled;
    else out += ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  }
  out = out.replace(/\s+/g, ' ').trim();
  return EPC_CHARS.test(out) ? out : null;
}

/** Why a text cannot go into a SEPA file as the given field, or null; `max` cuts nothing, it refuses. */
export function epcTextProblem(field: string, text: string, max: number): string | null {
  const t = toEpcText(text);
  if (t === null) return `${field} "${text}" has characters outside the EPC character set`;
  if (t.length === 0) return `${field} is empty`;
  if (t.length > max) return `${field} is ${t.length} characters, at most ${max}`;
  return null;
}

/** A name or remittance line for a SEPA file: transliterated, cut to `max`; throws when it cannot be written. */
export function epcText(field: string, text: string, max: number): string {
  const t = toEpcText(text);
  if (t === null || t.length === 0) throw new EpcTextError(epcTextProblem(field, text, max)!);
  return t.length > max ? t.slice(0, max).trimEnd() : t;
}

/** Why an identifier (MsgId, PmtInfId, EndToEndId, MndtId) cannot be used: Max35, EPC set, no leading/trailing '/', no '//'. */
export function epcIdProblem(field: string, id: string): string | null {
  if (id.length === 0 || id.length > 35) return `${field} "${id}" must be 1 to 35 characters`;
  if (!EPC_CHARS.test(id) || id.includes(' '))
    return `${field} "${id}" has characters outside the EPC identifier set`;
  if (id.startsWith('/') || id.endsWith('/') || id.includes('//'))
    return `${field} "${id}" must not start or end with '/' nor contain '//'`;
  return null;
}

/** A SEPA text or identifier that cannot be written. */
export class EpcTextError extends Error {
  override name = 'EpcTextError';
}

/** Throws EpcTextError when an identifier is not usable. */
export function epcId(field: string, id: string): string {
  const p = epcIdProblem(field, id);
  if (p) throw new EpcTextError(p);
  return id;
}

/** Minor units as a decimal string with `exponent` fraction digits ("1234.50"), from integers only. */
export function decimalText(amountMinor: number, exponent: number): string {
  if (!Number.isSafeInteger(amountMinor) || amountMinor < 0)
    throw new RangeError(`amount ${amountMinor} is not a non-negative whole number of minor units`);
  if (exponent === 0) return String(amountMinor);
  const digits = String(amountMinor).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** An ISO timestamp as the xs:dateTime the files carry: seconds precision, no zone ("2026-12-01T10:00:00"). */
export function isoDateTimeText(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})/.exec(iso);
  if (!m) throw new RangeError(`${iso} is not an ISO timestamp`);
  return m[1]!;
}
