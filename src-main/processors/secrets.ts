import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { conflict } from '../ledger/errors';

/**
 * The keys that seal processor secrets, both derived from one key string: `current` with scrypt (what new
 * secrets are sealed with, format `v2:`), `legacy` with the single SHA-256 used before, kept only so secrets
 * sealed by older versions stay readable (they are sealed again under `current` on their next save).
 */
export type SecretKeys = { current: Buffer; legacy: Buffer };

/**
 * scrypt cost: N=2^15, r=8, p=1 (32 MiB, ~0.1 s once per process and key; the result is cached). The salt is
 * fixed and names the purpose: the input is a key, not a per-user password, so the KDF's job is to make a
 * guessed PAYDESK_SECRET_KEY expensive to test against a stolen ledger, which it does without a stored salt.
 */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const SCRYPT_SALT = 'paydesk/processor-secrets/v2';

const derived = new Map<string, SecretKeys>();

/** The sealing keys of a key string (scrypt for new secrets, SHA-256 for reading old ones); cached. */
export function deriveSecretKeys(material: string): SecretKeys {
  const id = createHash('sha256').update(material).digest('base64');
  let keys = derived.get(id);
  if (!keys) {
    keys = {
      current: scryptSync(material, SCRYPT_SALT, 32, SCRYPT),
      legacy: createHash('sha256').update(material).digest(),
    };
    derived.set(id, keys);
  }
  return keys;
}

/**
 * The desktop app's key, unsealed from the OS keychain (safe-key.ts), kept in this process's memory only:
 * never in process.env, which every child process would inherit. Job workers get it as workerData.
 */
let memoryKey: string | undefined;

/** Sets (or clears) the in-memory key. */
export function setInMemorySecretKey(key: string | undefined): void {
  memoryKey = key;
}

/** The in-memory key, if the app unsealed one. */
export function inMemorySecretKey(): string | undefined {
  return memoryKey;
}

/**
 * Where the key that encrypts processor secrets comes from: PAYDESK_SECRET_KEY (any string), else the key the
 * desktop app unsealed from the keychain (in memory), else the file PAYDESK_SECRET_KEY_FILE, else a key file
 * next to the ledger created on first use with owner-only permissions.
 */
export function secretKey(ledgerFile: string): SecretKeys {
  const env = process.env.PAYDESK_SECRET_KEY;
  if (env) return deriveSecretKeys(env);
  if (memoryKey) return deriveSecretKeys(memoryKey);
  const file = process.env.PAYDESK_SECRET_KEY_FILE ?? `${ledgerFile}.key`;
  if (!existsSync(file)) {
    if (ledgerFile === ':memory:') return deriveSecretKeys('paydesk-memory');
    writeKeyFile(file, randomBytes(32).toString('base64'));
  }
  return deriveSecretKeys(readFileSync(file, 'utf8').trim());
}

/** Writes a key file readable by its owner only. */
export function writeKeyFile(file: string, key: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
}

const V2 = 'v2:';

/** AES-256-GCM under the scrypt-derived key: `v2:` + base64 of iv (12) | tag (16) | ciphertext. */
export function encryptSecret(keys: SecretKeys, plain: string): string {
  return V2 + seal(keys.current, plain);
}

/**
 * Decrypts what encryptSecret wrote (`v2:`), or what versions before it wrote (no prefix, the SHA-256 key); a
 * wrong key is a conflict that names no secret.
 */
export function decryptSecret(keys: SecretKeys, enc: string): string {
  return enc.startsWith(V2) ? open(keys.current, enc.slice(V2.length)) : open(keys.legacy, enc);
}

/** True when a sealed secret is in the old format (to be sealed again). */
export function isLegacySecret(enc: string): boolean {
  return !enc.startsWith(V2);
}

function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

function open(key: Buffer, enc: string): string {
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
