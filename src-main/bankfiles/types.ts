import type {
  BankFileCheckDto,
  BankFileCurrencyTotalsDto,
  BankFileProblemDto,
} from '../../src-shared/dto/bankfiles';

/**
 * The shapes every bank-file reader and checker agrees on, whatever the format (NACHA, ISO 20022 pain/camt,
 * the CMP rejection file, the mandate file). Readers are pure: text in, these out; the services decide what
 * they mean for the ledger.
 */

/** Formats Paydesk reads or writes. */
export type BankFileFormat =
  | 'nacha'
  | 'pain.008.001.08'
  | 'pain.008.001.02'
  | 'pain.001.001.09'
  | 'pain.001.001.03'
  | 'pain.002'
  | 'camt.052'
  | 'camt.053'
  | 'camt.054'
  | 'rejections'
  | 'mandates'
  | 'bai2';

/** Where a problem is: a 1-based line (flat files) or an element path (XML), and why. */
export type BankFileProblem = BankFileProblemDto;

/** Sums of one currency in a file (minor units; debits and credits as positive numbers). */
export type CurrencyTotals = BankFileCurrencyTotalsDto;

/**
 * What `paydesk bankfile check` prints (the DTO), with the format narrowed to the ones readers know. `totals` is
 * the file level: entry count, the control sum (debits plus credits, as a pain file's CtrlSum), and the single
 * currency when there is one (null when mixed); byCurrency splits it. Lenient reads (a short NACHA line) are
 * valid with a warning.
 */
export type BankFileCheck = Omit<BankFileCheckDto, 'format' | 'template'> & {
  format: BankFileFormat | 'unknown';
};

/** How a transaction is found again: whichever identifiers the bank echoed back. */
export type BankRef = {
  endToEndId?: string | undefined;
  /** NACHA: the original entry's trace number (addenda 99/98 "original entry trace"). */
  traceNumber?: string | undefined;
  mandateId?: string | undefined;
  instructionId?: string | undefined;
  /** pain.002: the original message and payment-information ids. */
  messageId?: string | undefined;
  paymentInfoId?: string | undefined;
  accountNo?: string | undefined;
};

/** One failed payment reported by a bank: rejected before settlement, returned or refunded after it, or bounced. */
export type BankReturnItem = {
  ref: BankRef;
  /** Minor units of the returned amount when the file says it (pain.002 may not). */
  amountMinor: number | null;
  currency: string | null;
  kind: 'reject' | 'return' | 'refund' | 'bounced';
  /** The bank's reason code as received: AM04, MD01, R01, NARR, a proprietary code. */
  code: string;
  text?: string | undefined;
  /** Booking or return date (YYYY-MM-DD) when given. */
  date?: string | undefined;
  line?: number | undefined;
  path?: string | undefined;
};

/** A NACHA notification of change (addenda 98) or a SEPA amendment the bank reports. */
export type BankChangeNotice = {
  ref: BankRef;
  /** C01 account number, C02 routing, C03 both, C05 transaction code, C06, C07 … */
  code: string;
  correctedData: string;
  /** The corrected fields read out of correctedData. */
  corrected: {
    routingNo?: string | undefined;
    accountNo?: string | undefined;
    accountType?: 'checking' | 'savings' | undefined;
    name?: string | undefined;
  };
  line?: number | undefined;
};

/** What a returns reader found in one file. Group/payment-level rejects are expanded to every transaction they name. */
export type ParsedReturns = {
  format: BankFileFormat;
  messageId?: string | undefined;
  items: BankReturnItem[];
  changes: BankChangeNotice[];
  /** Transactions the file reports as accepted/settled (nothing to do). */
  accepted: number;
  problems: BankFileProblem[];
  warnings: BankFileProblem[];
};

/** A credit booked on a bank statement (camt.053/.054 CRDT entry), to be resolved like a lockbox entry. */
export type StatementCredit = {
  amountMinor: number;
  currency: string;
  bookingDate: string | null;
  valueDate: string | null;
  debtorName: string | null;
  debtorIban: string | null;
  /** Unstructured remittance lines and the structured creditor reference, as received. */
  remittance: string[];
  creditorReference: string | null;
  endToEndId: string | null;
  bankReference: string | null;
  path: string;
};
