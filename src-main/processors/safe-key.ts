import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setInMemorySecretKey, writeKeyFile } from './secrets';

/** The part of Electron's safeStorage this needs (an OS keychain-backed string cipher). */
export type StringProtector = {
  isEncryptionAvailable: () => boolean;
  encryptString: (plain: string) => Buffer;
  decryptString: (encrypted: Buffer) => string;
  /** Linux only: which keychain safeStorage uses ('basic_text' is a hard-coded password, not a keychain). */
  getSelectedStorageBackend?: () => string;
};

/** Where the desktop app's processor-secret key came from. */
export type KeySource = 'env' | 'key-file' | 'safe-storage' | 'insecure-keychain' | 'unavailable';

/** Reports a condition an admin should know about (the app logs it). */
export type Warn = (message: string, fields?: Record<string, unknown>) => void;

/**
 * Gives the desktop app a processor-secret key protected by the OS keychain: the key lives in
 * `<ledger>.key.safe`, encrypted with safeStorage, and is held in this process's memory only (never in
 * process.env, which child processes inherit); job workers get it as workerData. An explicit key
 * (environment) or a plain key file the CLI already created wins, so the app and nightly CLI jobs can share
 * one key when an admin sets it up that way. On Linux, safeStorage's `basic_text` backend (no keyring found)
 * encrypts with a password compiled into Chromium, which is no protection: it is refused with a warning, and
 * the owner-only key file is used instead (a key sealed under it earlier moves to that file).
 */
export function useProtectedSecretKey(
  ledgerFile: string,
  protector: StringProtector,
  warn: Warn = () => {},
): KeySource {
  if (process.env.PAYDESK_SECRET_KEY || process.env.PAYDESK_SECRET_KEY_FILE) return 'env';
  if (existsSync(`${ledgerFile}.key`)) return 'key-file';
  if (!protector.isEncryptionAvailable()) return 'unavailable';
  const safeFile = `${ledgerFile}.key.safe`;
  if (protector.getSelectedStorageBackend?.() === 'basic_text') {
    warn(
      'safeStorage uses the basic_text backend (no keyring), which is not real encryption; processor secrets use the owner-only key file instead',
      { keyFile: `${ledgerFile}.key` },
    );
    if (existsSync(safeFile)) {
      writeKeyFile(`${ledgerFile}.key`, protector.decryptString(readFileSync(safeFile)));
      rmSync(safeFile);
    }
    return 'insecure-keychain';
  }
  let key: string;
  if (existsSync(safeFile)) {
    key = protector.decryptString(readFileSync(safeFile));
  } else {
    key = randomBytes(32).toString('base64');
    writeFileSync(safeFile, protector.encryptString(key), { mode: 0o600 });
  }
  setInMemorySecretKey(key);
  return 'safe-storage';
}
