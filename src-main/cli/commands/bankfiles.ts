import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Result } from '../../../src-shared/api/result';
import type { BankFileCheckDto, BankFileProblemDto } from '../../../src-shared/dto/bankfiles';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';
import type { CliKit, GlobalOptions } from '../kit';
import { printError } from '../output';

/** Exit code of `bankfile check` when the file is not valid (a validation failure, as for bad input). */
export const INVALID_FILE_EXIT = 2;

const where = (p: BankFileProblemDto): string =>
  p.line !== undefined ? `line ${p.line}` : p.path !== undefined ? p.path : 'file';

/** The human form of a check: one summary line, then each problem and warning where it is. */
export function humanBankFileCheck(file: string, c: BankFileCheckDto): string {
  const money = (minor: number): string =>
    c.totals.currency
      ? `${formatMinor(minor, KNOWN_EXPONENTS[c.totals.currency] ?? 2)} ${c.totals.currency}`
      : c.totals.byCurrency
          .map((t) => `${formatMinor(minor, KNOWN_EXPONENTS[t.currency] ?? 2)} ${t.currency}`)
          .join(' + ') || String(minor);
  const lines = [
    `${file}: ${c.format}, ${c.valid ? 'valid' : 'NOT VALID'}, ${c.entries} entr${c.entries === 1 ? 'y' : 'ies'}` +
      (c.entries > 0 && c.totals.currency
        ? `, debits ${money(c.totals.debitMinor)}, credits ${money(c.totals.creditMinor)}`
        : ''),
  ];
  if (c.totals.currency === null && c.totals.byCurrency.length > 0) {
    for (const t of c.totals.byCurrency) {
      const e = KNOWN_EXPONENTS[t.currency] ?? 2;
      lines.push(
        `  ${t.currency}: ${t.count} entries, debits ${formatMinor(t.debitMinor, e)}, credits ${formatMinor(t.creditMinor, e)}`,
      );
    }
  }
  for (const p of c.problems) lines.push(`  problem, ${where(p)}: ${p.reason}`);
  for (const w of c.warnings) lines.push(`  warning, ${where(w)}: ${w.reason}`);
  return lines.join('\n') + '\n';
}

/**
 * `paydesk bankfile check FILE [--xsd XSD]`: the file's format, validity, entries, totals and problems
 * (exit 2 when it is not valid). Other bank-file subcommands (`bankfile returns`) live in their own files and
 * join the same group.
 */
export function registerBankFileCommands(kit: CliKit): void {
  const { program, io } = kit;
  const group =
    program.commands.find((c) => c.name() === 'bankfile') ??
    program
      .command('bankfile')
      .description('bank files: NACHA (ACH) and ISO 20022 (SEPA) checks and returns');
  group
    .command('check <file>')
    .description(
      'read a bank file (NACHA, pain, camt, …) and check it against its format; exit 2 when not valid',
    )
    .option('--xsd <xsd>', 'also validate an XML file against this XSD')
    .option(
      '--template <name>',
      'read a lockbox, delimited or fixed-width file with this saved import template',
    )
    .option('--currency <code>', "the currency of a template's amounts (default USD)")
    .action(async (file: string, o: { xsd?: string; template?: string; currency?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const input = {
        file: resolve(file),
        ...(o.xsd !== undefined ? { xsd: resolve(o.xsd) } : {}),
        ...(o.template !== undefined ? { template: o.template } : {}),
        ...(o.currency !== undefined ? { currency: o.currency.toUpperCase() } : {}),
      };
      const r = (await (
        await kit.withApp(opts)
      ).dispatch('bankfiles:check', input)) as Result<BankFileCheckDto>;
      if (!r.ok) {
        kit.setExitCode(printError(io, Boolean(opts.json), r.error));
        return;
      }
      io.out(opts.json ? JSON.stringify(r.value) + '\n' : humanBankFileCheck(file, r.value));
      if (!r.value.valid) kit.setExitCode(INVALID_FILE_EXIT);
    });
}
