import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The part of Electron's safeStorage this needs (an OS keychain-backed string cipher). */
export type StringProtector = {
  isEncryptionAvailable: () => boolean;
  encryptString: (plain: string) => Buffer;
  decryptString: (encrypted: Buffer) => string;
};

/** Where the desktop app's processor-secret key came from. */
export type KeySource = 'env' | 'key-file' | 'safe-storage' | 'unavailable';

/**
 * Gives the desktop app a processor-secret key protected by the OS keychain: the key lives in
 * `<ledger>.key.safe`, encrypted with safeStorage, and is handed to this process (and so to its job workers,
 * which cannot reach Electron APIs) through PAYDESK_SECRET_KEY in memory only. An explicit key (environment)
 * or a plain key file the CLI already created wins, so the app and nightly CLI jobs can share one key when an
 * admin sets it up that way.
 */
export function useProtectedSecretKey(ledgerFile: string, protector: StringProtector): KeySource {
  if (process.env.PAYDESK_SECRET_KEY || process.env.PAYDESK_SECRET_KEY_FILE) return 'env';
  if (existsSync(`${ledgerFile}.key`)) return 'key-file';
  if (!protector.isEncryptionAvailable()) return 'unavailable';
  const safeFile = `${ledgerFile}.key.safe`;
  let key: string;
  if (existsSync(safeFile)) {
    key = protector.decryptString(readFileSync(safeFile));
  } else {
    key = randomBytes(32).toString('base64');
    writeFileSync(safeFile, protector.encryptString(key), { mode: 0o600 });
  }
  process.env.PAYDESK_SECRET_KEY = key;
  return 'safe-storage';
}
