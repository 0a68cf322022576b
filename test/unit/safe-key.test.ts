import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret, secretKey } from '../../src-main/processors/secrets';
import { useProtectedSecretKey, type StringProtector } from '../../src-main/processors/safe-key';
import { tempDir } from '../helpers/temp';

/** A stand-in for safeStorage: reversible, but never the plain text on disk. */
const fakeKeychain = (available = true): StringProtector => ({
  isEncryptionAvailable: () => available,
  encryptString: (plain) => Buffer.from(`sealed:${Buffer.from(plain).toString('hex')}`),
  decryptString: (sealed) => Buffer.from(sealed.toString().replace(/^sealed:/, ''), 'hex').toString(),
});

describe('processor secret key in the desktop app (safeStorage)', () => {
  let dir: string;
  let cleanup: () => void;
  const saved = { key: process.env.PAYDESK_SECRET_KEY, file: process.env.PAYDESK_SECRET_KEY_FILE };
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    delete process.env.PAYDESK_SECRET_KEY;
    delete process.env.PAYDESK_SECRET_KEY_FILE;
  });
  afterEach(() => {
    cleanup();
    if (saved.key === undefined) delete process.env.PAYDESK_SECRET_KEY;
    else process.env.PAYDESK_SECRET_KEY = saved.key;
    if (saved.file === undefined) delete process.env.PAYDESK_SECRET_KEY_FILE;
    else process.env.PAYDESK_SECRET_KEY_FILE = saved.file;
  });

  it('keeps the key sealed by the keychain, never as a plain key file, and reads it back on the next start', () => {
    const ledger = join(dir, 'ledger.sqlite');
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('safe-storage');
    const first = process.env.PAYDESK_SECRET_KEY!;
    expect(existsSync(`${ledger}.key`)).toBe(false);
    const sealed = readFileSync(`${ledger}.key.safe`, 'utf8');
    expect(sealed).not.toContain(first);
    const enc = encryptSecret(secretKey(ledger), 'merchant-password');
    expect(existsSync(`${ledger}.key`)).toBe(false);

    delete process.env.PAYDESK_SECRET_KEY;
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('safe-storage');
    expect(process.env.PAYDESK_SECRET_KEY).toBe(first);
    expect(decryptSecret(secretKey(ledger), enc)).toBe('merchant-password');
  });

  it('lets an explicit key or an existing CLI key file win, and falls back when no keychain is available', () => {
    const ledger = join(dir, 'ledger.sqlite');
    process.env.PAYDESK_SECRET_KEY = 'shared-with-nightly-jobs';
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('env');
    delete process.env.PAYDESK_SECRET_KEY;
    expect(useProtectedSecretKey(ledger, fakeKeychain(false))).toBe('unavailable');
    expect(process.env.PAYDESK_SECRET_KEY).toBeUndefined();
    secretKey(ledger); // the CLI creates the plain key file on first use
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('key-file');
    expect(existsSync(`${ledger}.key.safe`)).toBe(false);
  });
});
