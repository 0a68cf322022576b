import type Database from 'better-sqlite3';
import type { BankFileCheckDto } from '../../../src-shared/dto/bankfiles';
import { READERS, detectReader } from '../../bankfiles/readers';
import type { BankFileCheck } from '../../bankfiles/types';
import { sourceBytes, type FileSource } from '../admin/codes-admin';
import { parseBankFile } from '../../importers/bank-file/parse-bank-file';
import { exponentOf } from '../../ledger/rates';
import { resolveTemplate } from '../batches/import-file';
import { assertPathsAllowed, type FileReader } from '../files';

/** The decoded text of a bank file: UTF-8 (NACHA is ASCII; bytes that are not become U+FFFD and are reported). */
export function bankFileText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/** The check of a text no reader recognises. */
export function unknownFormatCheck(): BankFileCheck {
  return {
    format: 'unknown',
    valid: false,
    entries: 0,
    totals: { count: 0, totalMinor: 0, debitMinor: 0, creditMinor: 0, currency: null, byCurrency: [] },
    problems: [
      {
        line: 1,
        reason: `not a bank file Paydesk reads (${READERS.map((r) => r.format).join(', ') || 'no readers'})`,
      },
    ],
    warnings: [],
  };
}

/** Checks a text with whichever reader recognises it (`xsdFile` also validates XML against that schema). */
export async function checkBankText(text: string, xsdFile?: string): Promise<BankFileCheck> {
  const reader = detectReader(text);
  if (!reader) return unknownFormatCheck();
  const check = await reader.check(text, { xsdFile });
  if (xsdFile !== undefined && reader.format === 'nacha') {
    return {
      ...check,
      warnings: [...check.warnings, { line: 1, reason: 'an XSD applies to XML files; ignored for NACHA' }],
    };
  }
  return check;
}

/**
 * `bankfiles:check`: reads the file (a path from the command line, or bytes the user chose) and checks it
 * against its format. Changes nothing; reading a path is audited like every command that opens a file.
 */
export async function checkBankFile(
  db: Database.Database,
  src: FileSource & {
    xsd?: string | undefined;
    template?: string | undefined;
    currency?: string | undefined;
  },
  who: FileReader,
): Promise<BankFileCheckDto> {
  assertPathsAllowed(db, who, 'bankfiles:check', src, ['file', 'xsd']);
  const { bytes } = sourceBytes(db, src, who, 'bankfiles:check');
  if (src.template !== undefined) return checkWithTemplate(db, bytes, src.template, src.currency ?? 'USD');
  return checkBankText(bankFileText(bytes), src.xsd);
}

/**
 * A template-driven file (a bank's lockbox layout, a delimited or fixed-width export) has no format of its own
 * to recognise: it is read with the saved import template exactly as `batch import` reads it, file problems
 * and row problems (with their line and column) included, and its rows summed (negative amounts are debits).
 */
function checkWithTemplate(
  db: Database.Database,
  bytes: Uint8Array,
  name: string,
  currency: string,
): BankFileCheckDto {
  const template = resolveTemplate(db, { templateName: name });
  let count = 0;
  let debitMinor = 0;
  let creditMinor = 0;
  const problems: BankFileCheckDto['problems'] = [];
  const result = parseBankFile(bytes, template, {
    exponent: exponentOf(db, currency),
    previewRows: 0,
    onRow: (row) => {
      count++;
      const amount = row.values.amountMinor ?? 0;
      if (amount < 0) debitMinor -= amount;
      else creditMinor += amount;
      for (const p of row.problems)
        if (problems.length < 200) problems.push({ line: row.line, reason: `${p.column}: ${p.reason}` });
    },
  });
  problems.unshift(
    ...result.fileErrors.map((p) => ({
      line: p.line,
      reason: p.column ? `${p.column}: ${p.reason}` : p.reason,
    })),
  );
  return {
    format: template.format,
    template: name,
    valid: problems.length === 0,
    entries: count,
    totals: {
      count,
      totalMinor: debitMinor + creditMinor,
      debitMinor,
      creditMinor,
      currency,
      byCurrency: count > 0 ? [{ currency, count, debitMinor, creditMinor }] : [],
    },
    problems,
    warnings: [],
  };
}
