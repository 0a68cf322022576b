import type Database from 'better-sqlite3';
import type { BankFileCheckDto } from '../../../src-shared/dto/bankfiles';
import { READERS, detectReader } from '../../bankfiles/readers';
import type { BankFileCheck } from '../../bankfiles/types';
import { sourceBytes, type FileSource } from '../admin/codes-admin';
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
  src: FileSource & { xsd?: string | undefined },
  who: FileReader,
): Promise<BankFileCheckDto> {
  assertPathsAllowed(db, who, 'bankfiles:check', src, ['file', 'xsd']);
  const { bytes } = sourceBytes(db, src, who, 'bankfiles:check');
  return checkBankText(bankFileText(bytes), src.xsd);
}
