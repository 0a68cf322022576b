/** Where a problem in a bank file is (a 1-based line, or an XML element path) and why. */
export type BankFileProblemDto = { line?: number; path?: string; reason: string };

/** One currency's sums in a bank file (minor units; debits and credits both positive). */
export type BankFileCurrencyTotalsDto = {
  currency: string;
  count: number;
  debitMinor: number;
  creditMinor: number;
};

/**
 * What `bankfiles:check` / `paydesk bankfile check` returns for any bank file Paydesk reads or writes: the
 * format, whether it is valid, its entry count and totals, the problems that make it invalid and the warnings
 * that do not (a NACHA line padded to 94 characters).
 */
export type BankFileCheckDto = {
  format: string;
  /** The import template the file was read with (`--template`), for template-driven formats. */
  template?: string;
  valid: boolean;
  entries: number;
  totals: {
    count: number;
    totalMinor: number;
    debitMinor: number;
    creditMinor: number;
    currency: string | null;
    byCurrency: BankFileCurrencyTotalsDto[];
  };
  problems: BankFileProblemDto[];
  warnings: BankFileProblemDto[];
};
