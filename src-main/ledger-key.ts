import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { LEDGER_KEY_ENV } from '../db/client';
import type { StringProtector } from './processors/safe-key';

/** Where the desktop app's ledger passphrase came from. */
export type LedgerKeySource = 'env' | 'safe-storage' | 'none';

/** The file next to the ledger that holds its passphrase sealed by the OS keychain (safeStorage). */
export const sealedLedgerKeyFile = (ledgerFile: string): string => `${ledgerFile}.ledger-key.safe`;

/**
 * The desktop app's ledger passphrase: PAYDESK_LEDGER_KEY when set (then sealed with safeStorage next to the
 * ledger, so later launches need no environment), else the sealed copy. The variable is removed from this
 * process's environment once read, so child processes never inherit it; job workers get the key in memory.
 * It is never sealed with Linux's `basic_text` backend (no keychain): there the variable is needed at every launch.
 */
export function desktopLedgerKey(
  ledgerFile: string,
  protector: (StringProtector & { getSelectedStorageBackend?: () => string }) | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { key?: string; source: LedgerKeySource } {
  const sealed = sealedLedgerKeyFile(ledgerFile);
  const fromEnv = env[LEDGER_KEY_ENV];
  delete env[LEDGER_KEY_ENV];
  if (fromEnv) {
    // Linux's basic_text backend is a fixed, public key: sealing with it would store the passphrase readably.
    if (protector?.isEncryptionAvailable() && protector.getSelectedStorageBackend?.() !== 'basic_text') {
      writeFileSync(sealed, protector.encryptString(fromEnv), { mode: 0o600 });
    }
    return { key: fromEnv, source: 'env' };
  }
  if (protector && existsSync(sealed) && protector.isEncryptionAvailable()) {
    return { key: protector.decryptString(readFileSync(sealed)), source: 'safe-storage' };
  }
  return { source: 'none' };
}
