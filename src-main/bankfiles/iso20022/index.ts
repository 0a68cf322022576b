import type { BankFileReader } from '../readers';
import { checkPain, isPain, type PainFormat } from './pain-check';

export { camt052Reader, camt053Reader, camt054Reader, readCamtCredits, readCamtReturns } from './camt';
export { pain002Reader, readPain002Returns } from './pain002';
export { checkPain, type PainFormat } from './pain-check';
export { decimalToMinor, currencyExponent } from './amount';
export { rootInfo } from './xml';

function painReader(format: PainFormat): BankFileReader {
  return {
    format,
    detect: (text) => isPain(text, format),
    check: (text, opts) => checkPain(text, format, opts),
  };
}

/** Read-back check of pain.008.001.08 (SEPA direct debit initiation). */
export const pain008Reader08: BankFileReader = painReader('pain.008.001.08');
/** Read-back check of pain.008.001.02. */
export const pain008Reader02: BankFileReader = painReader('pain.008.001.02');
/** Read-back check of pain.001.001.09 (credit transfer initiation: refunds and credits out). */
export const pain001Reader09: BankFileReader = painReader('pain.001.001.09');
/** Read-back check of pain.001.001.03. */
export const pain001Reader03: BankFileReader = painReader('pain.001.001.03');
