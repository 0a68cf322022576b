import { createHash } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import Papa from 'papaparse';
import { invalidFields } from '../../ledger/errors';

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

/** Why a folder or file could not be written, in words. */
function writeReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'ENOTDIR' || e.code === 'EEXIST') return 'a file is in the way of the folder';
  if (e.code === 'EISDIR') return 'a folder is in the way of the file';
  if (e.code === 'ENOSPC') return 'the disk is full';
  return e.code ?? e.message;
}

/** Creates the export folder (owner-only when new); a failure is a validation error on `out`. */
export function ensureFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const reason = writeReason(err);
    throw invalidFields(`the export folder ${dir} cannot be created: ${reason}`, [
      { path: 'out', message: reason },
    ]);
  }
}

/**
 * Writes a file so that a reader (or a crash) never sees half of it: the bytes go to a temporary name in the same
 * folder, are flushed to disk, and the temporary file is renamed over the final name; then the folder is flushed
 * so the rename itself survives a power cut. Owner-only (0600): exports carry customer and payment data.
 */
export function writeFileAtomic(path: string, data: string): { sha256: string; bytes: number } {
  const buf = Buffer.from(data, 'utf8');
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try {
      let at = 0;
      while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (err) {
    const reason = writeReason(err);
    throw invalidFields(`${path} cannot be written: ${reason}`, [{ path: 'out', message: reason }]);
  }
  return { sha256: sha256Of(buf), bytes: buf.length };
}
