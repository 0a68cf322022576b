import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { conflict } from '../ledger/errors';

/**
 * Where the key that encrypts processor secrets comes from: PAYDESK_SECRET_KEY (any string, hashed to 256
 * bits), else the file PAYDESK_SECRET_KEY_FILE, else a key file next to the ledger created on first use
 * with owner-only permissions. The desktop app seals its key with Electron safeStorage (safe-key.ts).
 */
export function secretKey(ledgerFile: string): Buffer {
  const env = process.env.PAYDESK_SECRET_KEY;
  if (env) return createHash('sha256').update(env).digest();
  const file = process.env.PAYDESK_SECRET_KEY_FILE ?? `${ledgerFile}.key`;
  if (!existsSync(file)) {
    if (ledgerFile === ':memory:') return createHash('sha256').update('paydesk-memory').digest();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return createHash('sha256').update(readFileSync(file, 'utf8').trim()).digest();
}

/** AES-256-GCM: base64 of iv (12) | tag (16) | ciphertext. */
export function encryptSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Decrypts what encryptSecret wrote; a wrong key is a conflict that names no secret. */
export function decryptSecret(key: Buffer, enc: string): string {
  const raw = Buffer.from(enc, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw conflict(
      'secret-key-mismatch',
      'the processor secret cannot be decrypted with this key (check PAYDESK_SECRET_KEY or the key file)',
    );
  }
}

/** The display form of a secret: never more than its last two characters. */
export function secretHint(plain: string): string {
  return plain.length <= 4 ? '••••' : `••••${plain.slice(-2)}`;
}
