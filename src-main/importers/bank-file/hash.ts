import { createHash } from 'node:crypto';

/** SHA-256 of file bytes as lowercase hex: the key that tells an already-imported file. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
