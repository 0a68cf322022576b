import type { ParseResult } from '../../src-main/importers/bank-file/types';

/**
 * Whether a file with no rows vouches for being empty by its own controls (issue #11: a "no deposits today" file):
 * every header/footer figure read is zero, or a BAI2 file trailer (99) totals zero. Checked from the raw lines, so
 * the oracle does not lean on the parser it checks.
 */
export function controlsSayEmpty(result: ParseResult): boolean {
  const trailer =
    result.footer.raw.find((l) => l.startsWith('99,')) ?? result.header.raw.find((l) => l.startsWith('99,'));
  if (trailer !== undefined) return /^99,\s*[+]?0+\s*,/.test(trailer);
  const figures = [
    result.header.count,
    result.header.totalMinor,
    result.footer.count,
    result.footer.totalMinor,
  ];
  const stated = figures.filter((v) => v !== undefined);
  return stated.length > 0 && stated.every((v) => v === 0);
}
