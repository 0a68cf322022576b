import type { Storage } from '../../../db/storage/port';
import type { BankFileCheckDto } from '../../../src-shared/dto/bankfiles';
import { READERS, detectReader } from '../../bankfiles/readers';
import type { BankFileCheck } from '../../bankfiles/types';
import { parseBankFile } from '../../importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../importers/bank-file/template';
import { exponentOfIn } from '../../ledger/rates';
import { resolveTemplateIn } from '../batches/templates';
import { MAX_UPLOAD_BYTES } from '../../../src-shared/api/uploads';
import { assertPathsAllowedVia, type FileReader } from '../files';
import { commandFileVia, type CommandFileSource } from '../uploads';

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
  storage: Storage,
  src: CommandFileSource & {
    xsd?: string | undefined;
    template?: string | undefined;
    currency?: string | undefined;
  },
  who: FileReader,
): Promise<BankFileCheckDto> {
  await assertPathsAllowedVia(storage, who, 'bankfiles:check', src, ['file', 'xsd']);
  const { bytes } = await commandFileVia(storage, who, 'bankfiles:check', src, MAX_UPLOAD_BYTES);
  const name = src.template;
  if (name === undefined) return checkBankText(bankFileText(bytes), src.xsd);
  const currency = src.currency ?? 'USD';
  const { template, exponent } = await storage.transaction(
    async (tx) => ({
      template: await resolveTemplateIn(tx, { templateName: name }),
      exponent: await exponentOfIn(tx, currency),
    }),
    { readOnly: true },
  );
  return checkWithTemplate(bytes, template, name, currency, exponent);
}

/**
 * A template-driven file (a bank's lockbox layout, a delimited or fixed-width export) has no format of its own
 * to recognise: it is read with the saved import template exactly as `batch import` reads it, file problems
 * and row problems (with their line and column) included, and its rows summed (negative amounts are debits).
 */
function checkWithTemplate(
  bytes: Uint8Array,
  template: BankFileTemplateInput,
  name: string,
  currency: string,
  exponent: number,
): BankFileCheckDto {
  let count = 0;
  let debitMinor = 0;
  let creditMinor = 0;
  const problems: BankFileCheckDto['problems'] = [];
  const result = parseBankFile(bytes, template, {
    exponent,
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
