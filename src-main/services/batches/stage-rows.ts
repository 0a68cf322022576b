import type Database from 'better-sqlite3';
import { parseBankFile } from '../../importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../importers/bank-file/template';
import type { ParseResult } from '../../importers/bank-file/types';
import { rowProblemsJson } from './entry-problems';

/** The batch currency of an import when neither the clerk nor the file names one. */
export const DEFAULT_CURRENCY = 'USD';

/** A bank file parsed into the values its entries are stored with, and the currencies its rows state. */
export type StagedFile = {
  /** Flat list of the stored values of every row, row after row (see import-file's column list). */
  staged: unknown[];
  invalid: number;
  /** Every currency a row states (BAI2: its group's or account's; delimited/fixed: a mapped currency column). */
  currencies: Set<string>;
  parsed: ParseResult;
};

/** True when the ledger has the currency set up. */
export function currencyKnown(db: Database.Database, code: string): boolean {
  return db.prepare('SELECT 1 FROM currencies WHERE code = ?').get(code) !== undefined;
}

/**
 * Parses a bank file and reduces each row, as it is read, to the values it is stored with, so a million-row file
 * never holds a million row objects. Every problem of a row is kept with its column; the first is the headline.
 * A row's currency stays null when the file says nothing of it (the batch currency fills it in).
 */
export function stageFile(bytes: Uint8Array, template: BankFileTemplateInput, exponent: number): StagedFile {
  const staged: unknown[] = [];
  const currencies = new Set<string>();
  let invalid = 0;
  const parsed = parseBankFile(bytes, template, {
    exponent,
    onRow: (r) => {
      const v = r.values;
      const paymentRef =
        v.paymentId !== undefined && /^\d{1,15}$/.test(v.paymentId) ? Number(v.paymentId) : null;
      const problems = [...r.problems];
      if (v.paymentId !== undefined && paymentRef === null)
        problems.push({ column: 'paymentId', reason: `"${v.paymentId}" is not a payment ID` });
      if (problems.length) invalid++;
      if (v.currency !== undefined) currencies.add(v.currency);
      staged.push(
        r.line,
        v.accountNo ?? null,
        v.billNo ?? null,
        r.fields.amount ?? null,
        v.amountMinor ?? null,
        v.paymentDate ?? null,
        v.checkNo ?? null,
        v.payerName ?? null,
        v.reference ?? null,
        paymentRef,
        Object.keys(v.custom).length ? JSON.stringify(v.custom) : null,
        problems.length ? 'invalid' : 'new',
        problems[0]?.reason ?? null,
        problems[0]?.column ?? null,
        rowProblemsJson(problems),
        v.currency ?? null,
      );
    },
  });
  return { staged, invalid, currencies, parsed };
}
