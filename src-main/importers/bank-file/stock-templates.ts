import type { BankFileTemplateInput } from './template';

/** A template shipped with Paydesk: seeded into every ledger, never overwritten there. */
export type StockTemplate = { name: string; bank: string | null; definition: BankFileTemplateInput };

/**
 * BAI2 cash-management files: the record layout is fixed by the standard (01/02/03/16/49/88/98/99), so the
 * template carries no columns; detail (16) records become rows.
 */
const bai2: StockTemplate = {
  name: 'Stock BAI2',
  bank: null,
  definition: { name: 'Stock BAI2', format: 'bai2' },
};

/**
 * The common fixed-width lockbox transmission (record types 1, 2, 5 header; 6 detail, 4 overflow; 7, 8, 9
 * trailer), as in the public sample: type 6 holds the check amount in cents, the remitter's routing and account,
 * the check number, an MMDDYY check date and the remitter's name; type 5 the lockbox and deposit date; type 8
 * the deposit's item count and dollar total. Overflow (4) lines are skipped by the record filter.
 */
const lockbox: StockTemplate = {
  name: 'Stock lockbox (fixed width)',
  bank: null,
  definition: {
    name: 'Stock lockbox (fixed width)',
    format: 'fixed',
    headerLines: 3,
    footerLines: 3,
    dateFormat: 'MMddyy',
    impliedDecimals: 2,
    recordFilter: { start: 1, length: 1, equals: ['6'] },
    columns: [
      { field: 'amount', start: 8, length: 10 },
      { field: 'accountNo', start: 27, length: 10 },
      { field: 'checkNo', start: 37, length: 10 },
      { field: 'paymentDate', start: 47, length: 6 },
      { field: 'payerName', start: 53, length: 30 },
    ],
    header: {
      lockboxNo: { line: 3, start: 8, length: 7 },
      date: { line: 3, start: 15, length: 6, dateFormat: 'yyMMdd' },
    },
    footer: { count: { line: 2, start: 21, length: 4 }, total: { line: 2, start: 25, length: 10 } },
  },
};

/** Column names of the generic CSV, in order; detection matches a file's header row against them. */
export const STOCK_CSV_COLUMNS = ['account', 'amount', 'date', 'check', 'payer', 'reference'] as const;

/** A comma-separated file with one header row: account, amount, date (yyyy-MM-dd), check, payer, reference. */
const csv: StockTemplate = {
  name: 'Stock CSV',
  bank: null,
  definition: {
    name: 'Stock CSV',
    format: 'delimited',
    delimiter: ',',
    hasColumnHeader: true,
    dateFormat: 'yyyy-MM-dd',
    columns: [
      { field: 'accountNo', index: 0 },
      { field: 'amount', index: 1 },
      { field: 'paymentDate', index: 2 },
      { field: 'checkNo', index: 3 },
      { field: 'payerName', index: 4 },
      { field: 'reference', index: 5 },
    ],
  },
};

/** Every stock template, in the order they are seeded. */
export const STOCK_TEMPLATES: readonly StockTemplate[] = [bai2, lockbox, csv];
