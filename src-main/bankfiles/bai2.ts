import { KNOWN_EXPONENTS } from '../../src-shared/money';
import { parseBai2 } from '../importers/bank-file/bai2';
import type { BankFileReader } from './readers';
import type { BankFileCheck, CurrencyTotals } from './types';

/** The currency of the first group header (02 record, field 6; BAI2's default is USD). */
function firstGroupCurrency(text: string): string {
  const m = /^02,(?:[^,/\n]*,){5}([A-Za-z]{3})/m.exec(text);
  return (m?.[1] ?? 'USD').toUpperCase();
}

/**
 * BAI2 balance and transaction reports, as the Payment Tool's import reads them (the same parser: 49/98/99
 * control totals and record counts), so `bankfile check` answers for BAI2 files too. Credits are the 16
 * records of type 100-399, debits 400-699.
 */
export const bai2Reader: BankFileReader = {
  format: 'bai2',
  detect: (text) => /^\uFEFF?\d{2},/.test(text),
  check: (text) => {
    const exponent = KNOWN_EXPONENTS[firstGroupCurrency(text)] ?? 2;
    const byCurrency = new Map<string, CurrencyTotals>();
    const out = parseBai2(text, {
      exponent,
      keepRows: 0,
      onRow: (row) => {
        const currency = row.values.currency ?? 'USD';
        const t = byCurrency.get(currency) ?? { currency, count: 0, debitMinor: 0, creditMinor: 0 };
        const amount = row.values.amountMinor ?? 0;
        t.count++;
        if (amount < 0) t.debitMinor -= amount;
        else t.creditMinor += amount;
        byCurrency.set(currency, t);
      },
    });
    const rows = [...byCurrency.values()];
    const sum = (k: 'count' | 'debitMinor' | 'creditMinor') => rows.reduce((s, r) => s + r[k], 0);
    const check: BankFileCheck = {
      format: 'bai2',
      valid: out.fileErrors.length === 0,
      entries: sum('count'),
      totals: {
        count: sum('count'),
        totalMinor: sum('debitMinor') + sum('creditMinor'),
        debitMinor: sum('debitMinor'),
        creditMinor: sum('creditMinor'),
        currency: rows.length === 1 ? rows[0]!.currency : rows.length === 0 ? firstGroupCurrency(text) : null,
        byCurrency: rows,
      },
      problems: out.fileErrors.map((p) => ({ line: p.line, reason: p.reason })),
      warnings: [],
    };
    return Promise.resolve(check);
  },
};
