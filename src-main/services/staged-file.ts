import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { invalidFields } from '../ledger/errors';

/** Why a folder or file could not be written, in words. */
export function writeReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'ENOTDIR' || e.code === 'EEXIST') return 'a file is in the way of the folder';
  if (e.code === 'EISDIR') return 'a folder is in the way of the file';
  if (e.code === 'ENOSPC') return 'the disk is full';
  if (e.code === 'ENOENT') return 'the folder cannot be made here';
  return e.code ?? e.message;
}

const cannotWrite = (path: string, err: unknown): Error => {
  const reason = writeReason(err);
  return invalidFields(`${path} cannot be written: ${reason}`, [{ path: 'out', message: reason }]);
};

/** A file written under a temporary name beside its final one, not yet visible there. */
export type StagedFile = {
  path: string;
  /** Where the bytes are until commit. */
  tempPath: string;
  sha256: string;
  bytes: number;
  /** Renames it over the final name (and flushes the folder, so the rename survives a power cut). */
  commit: () => void;
  /** Removes the temporary file; nothing was ever visible under the final name. */
  discard: () => void;
};

/**
 * Writes the bytes under a temporary name in the final file's folder and flushes them to disk, so that a file a
 * transaction records can be made visible only once that transaction has committed: an attempt that is rolled back
 * or retried discards its file, and a reader never sees half of one. Owner-only (0600): these files carry customer
 * and payment data. The temporary name is unique per call, so attempts at once never share one.
 */
export function stageFile(path: string, data: string): StagedFile {
  const buf = Buffer.from(data, 'utf8');
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
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
  } catch (err) {
    rmSync(tmp, { force: true });
    throw cannotWrite(path, err);
  }
  return {
    path,
    tempPath: tmp,
    sha256: createHash('sha256').update(buf).digest('hex'),
    bytes: buf.length,
    commit: () => {
      try {
        renameSync(tmp, path);
        const dir = openSync(dirname(path), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
      } catch (err) {
        throw cannotWrite(path, err);
      }
    },
    discard: () => rmSync(tmp, { force: true }),
  };
}

/** Writes a file so that a reader (or a crash) never sees half of it (stageFile, then commit at once). */
export function writeFileAtomic(path: string, data: string): { sha256: string; bytes: number } {
  const staged = stageFile(path, data);
  try {
    staged.commit();
  } catch (err) {
    staged.discard();
    throw err;
  }
  return { sha256: staged.sha256, bytes: staged.bytes };
}
