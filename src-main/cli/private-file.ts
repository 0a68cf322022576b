import { chmodSync, writeFileSync } from 'node:fs';

/**
 * Writes a file only its owner may read (0600): hand-over files, reports and exports carry customer and payment
 * data. An existing file is narrowed too, since writeFileSync's mode applies only when it creates the file.
 */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data, { mode: 0o600 });
  chmodSync(path, 0o600);
}
