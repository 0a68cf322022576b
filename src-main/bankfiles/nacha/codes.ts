/**
 * NACHA code sets the reader needs: return reason codes (addenda 99) with their names, change codes (addenda 98),
 * transaction codes and SEC codes (FORMATS.md §2.2–2.4; names as in moov-io/ach `addenda99.go` / `addenda98.go`).
 */

/** Return reason code → name (R01…R85, R90). */
export const NACHA_RETURN_REASONS: Readonly<Record<string, string>> = {
  R01: 'Insufficient Funds',
  R02: 'Account Closed',
  R03: 'No Account/Unable to Locate Account',
  R04: 'Invalid Account Number',
  R05: 'Improper Debit to Consumer Account',
  R06: "Returned per ODFI's Request",
  R07: 'Authorization Revoked by Customer',
  R08: 'Payment Stopped',
  R09: 'Uncollected Funds',
  R10: 'Customer Advises Originator Not Known/Not Authorized',
  R11: 'Entry Not in Accordance with Authorization',
  R12: 'Branch Sold to Another DFI',
  R13: 'RDFI not qualified to participate',
  R14: 'Representative payee deceased',
  R15: 'Beneficiary or account holder deceased',
  R16: 'Account frozen',
  R17: 'File record edit criteria / questionable entry',
  R18: 'Improper effective entry date',
  R19: 'Amount field error',
  R20: 'Non-payment bank account',
  R21: 'Invalid company identification',
  R22: 'Invalid individual ID number',
  R23: 'Credit entry refused by receiver',
  R24: 'Duplicate entry',
  R25: 'Addenda error',
  R26: 'Mandatory field error',
  R27: 'Trace number error',
  R28: 'Routing number check digit error',
  R29: 'Corporate customer advises not authorized',
  R30: 'RDFI not participant in check truncation program',
  R31: 'Permissible return entry (CCD and CTX only)',
  R32: 'RDFI non-settlement',
  R33: 'Return of XCK entry',
  R34: 'Limited participation RDFI',
  R35: 'Return of improper debit entry',
  R36: 'Return of improper credit entry',
  R37: 'Source document presented for payment',
  R38: 'Stop payment on source document',
  R39: 'Improper source document',
  R40: 'Return of ENR entry by federal government agency',
  R41: 'Invalid transaction code (ENR)',
  R42: 'Routing number/check digit error (ENR)',
  R43: 'Invalid DFI account number (ENR)',
  R44: 'Invalid individual ID number (ENR)',
  R45: 'Invalid individual name/company name (ENR)',
  R46: 'Invalid representative payee indicator (ENR)',
  R47: 'Duplicate enrollment (ENR)',
  R50: 'State law affecting RCK acceptance',
  R51: 'Item related to RCK entry is ineligible or RCK entry is improper',
  R52: 'Stop payment on item related to RCK entry',
  R53: 'Item and RCK entry presented for payment',
  R61: 'Misrouted return',
  R62: 'Return of erroneous or reversing debit',
  R67: 'Duplicate return',
  R68: 'Untimely return',
  R69: 'Field error(s)',
  R70: 'Permissible return entry not accepted/return not requested by ODFI',
  R71: 'Misrouted dishonored return',
  R72: 'Untimely dishonored return',
  R73: 'Timely original return',
  R74: 'Corrected return',
  R75: 'Return not a duplicate',
  R76: 'No errors found',
  R77: 'Non-acceptance of R62 dishonored return',
  R80: 'IAT entry coding error',
  R81: 'Non-participant in IAT program',
  R82: 'Invalid foreign receiving DFI identification',
  R83: 'Foreign receiving DFI unable to settle',
  R84: 'Entry not processed by gateway',
  R85: 'Incorrectly coded outbound international payment',
  R90: 'RDFI sanctions compliance',
};

/** Change code (addenda 98) → name; C61–C69 are refused notifications of change. */
export const NACHA_CHANGE_CODES: Readonly<Record<string, string>> = {
  C01: 'Incorrect bank account number',
  C02: 'Incorrect transit/routing number',
  C03: 'Incorrect transit/routing number and bank account number',
  C04: 'Bank account name change',
  C05: 'Incorrect payment code (transaction code)',
  C06: 'Incorrect bank account number and transit code',
  C07: 'Incorrect transit/routing number, bank account number and payment code',
  C08: 'Incorrect receiving DFI identification (IAT only)',
  C09: 'Incorrect individual ID number',
  C13: 'Addenda format error',
  C14: 'Incorrect SEC code for outbound international payment',
  C61: 'Misrouted notification of change',
  C62: 'Incorrectly coded outbound international payment',
  C63: 'Incorrect company identification number',
  C64: 'Incorrect individual identification number',
  C65: 'Incorrectly formatted corrected data',
  C66: 'Incorrect discretionary data',
  C67: 'Routing number not from original entry detail record',
  C68: 'DFI account number not from original entry detail record',
  C69: 'Incorrect transaction code',
};

/** SEC codes a batch header may carry. */
export const NACHA_SEC_CODES: ReadonlySet<string> = new Set([
  'PPD',
  'CCD',
  'CTX',
  'WEB',
  'TEL',
  'COR',
  'IAT',
  'ARC',
  'BOC',
  'POP',
  'RCK',
  'POS',
  'MTE',
  'SHR',
  'ADV',
  'ENR',
  'XCK',
  'TRC',
  'TRX',
  'DNE',
  'ACK',
  'ATX',
  'CIE',
]);

/** Transaction codes of entry detail records (checking 2x, savings 3x, GL 4x, loan 5x). */
export const NACHA_TRANSACTION_CODES: ReadonlySet<number> = new Set([
  21, 22, 23, 24, 26, 27, 28, 29, 31, 32, 33, 34, 36, 37, 38, 39, 41, 42, 43, 44, 46, 47, 48, 49, 51, 52, 53,
  54, 55, 56,
]);

/** Prenotification codes: zero-amount test entries. */
export const NACHA_PRENOTE_CODES: ReadonlySet<number> = new Set([23, 28, 33, 38, 43, 48, 53]);

/** A debit transaction code: second digit 5–9 (x6 return/NOC debit, x7 debit, x8 prenote debit, x9 zero-dollar debit, 55 loan debit). */
export function isDebitCode(code: number): boolean {
  return code % 10 >= 5;
}

/** Checking (2x) or savings (3x) account, from a transaction code. */
export function accountTypeOfCode(code: number): 'checking' | 'savings' | undefined {
  const tens = Math.floor(code / 10);
  return tens === 2 ? 'checking' : tens === 3 ? 'savings' : undefined;
}
