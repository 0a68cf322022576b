import { createHash } from 'node:crypto';
import Papa from 'papaparse';
import { invalidFields } from '../../ledger/errors';
import { makeFolder } from '../files';
import { writeReason } from '../staged-file';

/** The CSV of records: a header row of the fields, one row per record, `\n` line ends, a final line end. */
export function toCsv<T extends Record<string, unknown>>(
  fields: readonly (keyof T & string)[],
  records: T[],
): string {
  const text = Papa.unparse(
    { fields: [...fields], data: records.map((r) => fields.map((f) => r[f] ?? null)) },
    { newline: '\n', header: true },
  );
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** JSON Lines of records: one object per line with the fields in order; an empty file when there are none. */
export function toJsonl<T extends Record<string, unknown>>(
  fields: readonly (keyof T & string)[],
  records: T[],
): string {
  return records
    .map((r) => JSON.stringify(Object.fromEntries(fields.map((f) => [f, r[f] ?? null]))) + '\n')
    .join('');
}

/** The SHA-256 of text (UTF-8), hex. */
export function sha256Of(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Creates the export folder (owner-only when new); a failure is a validation error on `out`. */
export function ensureFolder(dir: string): void {
  try {
    makeFolder(dir);
  } catch (err) {
    const reason = writeReason(err);
    throw invalidFields(`the export folder ${dir} cannot be created: ${reason}`, [
      { path: 'out', message: reason },
    ]);
  }
}
