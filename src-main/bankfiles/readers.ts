import { bai2Reader } from './bai2';
import { nachaReader } from './nacha/read';
import { mandatesReader } from './mandates-file';
import { rejectionsReader } from './rejections';
import type { BankFileCheck, BankFileFormat, ParsedReturns, StatementCredit, BankFileProblem } from './types';
import {
  camt052Reader,
  camt053Reader,
  camt054Reader,
  pain001Reader03,
  pain001Reader09,
  pain002Reader,
  pain008Reader02,
  pain008Reader08,
} from './iso20022';

/** Options of a check: an XSD to validate XML against as well (the project's own checks always run). */
export type CheckOptions = { xsdFile?: string | undefined };

/**
 * One bank-file format Paydesk reads. Every format a run writes or an import reads has one, so
 * `bankfile check` reads back whatever Paydesk wrote, and `bankfile returns` / statement imports pick the
 * reader by content, never by file name.
 */
export type BankFileReader = {
  format: BankFileFormat;
  /** True when the text is this format (record layout, XML namespace, CSV header); cheap, first bytes only. */
  detect(text: string): boolean;
  check(text: string, opts?: CheckOptions): Promise<BankFileCheck>;
  /** Failed payments and notifications of change the file reports (status reports, returns, rejection files). */
  returns?(text: string): ParsedReturns;
  /** Credits booked on a statement (camt.053/.054), for a payment batch. */
  credits?(text: string): {
    credits: StatementCredit[];
    problems: BankFileProblem[];
    warnings: BankFileProblem[];
  };
};

/** Every reader, most specific first: each format module is listed here by name (import it above). */
export const READERS: BankFileReader[] = [
  nachaReader,
  pain008Reader08,
  pain008Reader02,
  pain001Reader09,
  pain001Reader03,
  pain002Reader,
  camt053Reader,
  camt054Reader,
  camt052Reader,
  mandatesReader,
  rejectionsReader,
  bai2Reader,
];

/** The reader whose format the text is, or undefined. */
export function detectReader(text: string): BankFileReader | undefined {
  return READERS.find((r) => r.detect(text));
}
