import { extractIBAN } from 'ibantools';

/** The EPC basic Latin character set of SEPA identifiers (FORMATS.md §1.2). */
const EPC_CHARS = /^[A-Za-z0-9/\-?:().,'+ ]+$/;

/** Longest mandate reference (Max35Text). */
export const MAX_REFERENCE = 35;

/**
 * Why a mandate reference is unusable, or null: 1..35 characters of the EPC set, not starting or ending
 * with '/', no '//' (SEPA identifiers); BACS references are 6..18 characters.
 */
export function referenceProblem(reference: string, scheme: string): string | null {
  if (reference.length === 0) return 'a mandate reference is required';
  if (reference.length > MAX_REFERENCE) return `a mandate reference has at most ${MAX_REFERENCE} characters`;
  if (!EPC_CHARS.test(reference))
    return "a mandate reference uses only letters, digits, space and / - ? : ( ) . , ' +";
  if (reference.startsWith('/') || reference.endsWith('/') || reference.includes('//'))
    return "a mandate reference may not start or end with '/' nor contain '//'";
  if (reference.trim() !== reference) return 'a mandate reference may not start or end with a space';
  if (scheme === 'bacs' && (reference.length < 6 || reference.length > 18))
    return 'a BACS reference has 6 to 18 characters';
  return null;
}

/**
 * A unique mandate reference (UMR) for an account: `MD` + the account number reduced to the EPC set, then
 * `-1`, `-2`, ... the first one not taken for the creditor. Always ≤ 35 characters and ≥ 6 (BACS).
 */
export function generateReference(accountNo: string, taken: (reference: string) => boolean): string {
  const base = (
    'MD' +
    accountNo
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .slice(0, 24)
  ).padEnd(4, '0');
  for (let n = 1; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken(candidate)) return candidate;
  }
}

/** The identifiers a SEPA amendment compares. */
export type SepaIdentifiers = { reference: string; iban: string | null; bic: string | null };

/** The pending amendment (FORMATS.md §1.2 AmdmntInfDtls) as stored in mandates.pending_amendment_json. */
export type PendingAmendment = {
  originalReference?: string;
  originalIban?: string;
  smnda?: boolean;
  originalCreditorId?: string;
  originalCreditorName?: string;
};

/** The bank part of an IBAN (ibantools' bank identifier, else the first four BBAN characters). */
/** The bank an IBAN is held at (country and national bank identifier), for "did the debtor change bank". */
export function bankOf(iban: string | null): string | null {
  if (!iban) return null;
  const x = extractIBAN(iban);
  return `${x.countryCode ?? iban.slice(0, 2)}:${x.bankIdentifier ?? (x.bban ?? iban.slice(4)).slice(0, 4)}`;
}

/**
 * The amendment the next SEPA collection must carry after a change from `before` to `after`, merged with one
 * still pending (whose ORIGINAL identifiers win: the bank knows those). A changed reference records the
 * original reference; a changed IBAN at the same bank the original IBAN; a move to another bank (BIC or
 * the IBAN's bank code changed) SMNDA. A change back to the original identifiers drops that part. Null when
 * nothing remains to present.
 */
export function amendmentDetails(
  before: SepaIdentifiers,
  after: SepaIdentifiers,
  pending: PendingAmendment | null,
): PendingAmendment | null {
  const out: PendingAmendment = { ...(pending ?? {}) };
  const originalReference = pending?.originalReference ?? before.reference;
  if (after.reference !== originalReference) out.originalReference = originalReference;
  else delete out.originalReference;

  const ibanChanged = (after.iban ?? '') !== (before.iban ?? '');
  const bicChanged = Boolean(before.bic && after.bic && before.bic.toUpperCase() !== after.bic.toUpperCase());
  const bankChanged = bicChanged || (ibanChanged && bankOf(before.iban) !== bankOf(after.iban));
  if (bankChanged) {
    // Another bank: the debtor agent is the news; the old account is not presented (EPC: SMNDA).
    out.smnda = true;
    delete out.originalIban;
  } else if (ibanChanged && !out.smnda) {
    const originalIban = pending?.originalIban ?? before.iban;
    if (originalIban && after.iban !== originalIban) out.originalIban = originalIban;
    else delete out.originalIban;
  }
  return Object.keys(out).length > 0 ? out : null;
}
