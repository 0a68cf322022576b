import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  decryptSecret,
  encryptSecret,
  inMemorySecretKey,
  secretKey,
  setInMemorySecretKey,
} from '../../src-main/processors/secrets';
import { useProtectedSecretKey, type StringProtector } from '../../src-main/processors/safe-key';
import { workerJobData } from '../../src-main/jobs/worker-runner';
import { tempDir } from '../helpers/temp';

/** A stand-in for safeStorage: reversible, but never the plain text on disk. */
const fakeKeychain = (available = true, backend = 'gnome_libsecret'): StringProtector => ({
  isEncryptionAvailable: () => available,
  getSelectedStorageBackend: () => backend,
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
    setInMemorySecretKey(undefined);
  });
  afterEach(() => {
    cleanup();
    setInMemorySecretKey(undefined);
    if (saved.key === undefined) delete process.env.PAYDESK_SECRET_KEY;
    else process.env.PAYDESK_SECRET_KEY = saved.key;
    if (saved.file === undefined) delete process.env.PAYDESK_SECRET_KEY_FILE;
    else process.env.PAYDESK_SECRET_KEY_FILE = saved.file;
  });

  it('keeps the key sealed by the keychain, never as a plain key file, and reads it back on the next start', () => {
    const ledger = join(dir, 'ledger.sqlite');
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('safe-storage');
    const first = inMemorySecretKey()!;
    expect(first).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(existsSync(`${ledger}.key`)).toBe(false);
    const sealed = readFileSync(`${ledger}.key.safe`, 'utf8');
    expect(sealed).not.toContain(first);
    const enc = encryptSecret(secretKey(ledger), 'merchant-password');
    expect(existsSync(`${ledger}.key`)).toBe(false);

    setInMemorySecretKey(undefined); // the next start
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('safe-storage');
    expect(inMemorySecretKey()).toBe(first);
    expect(decryptSecret(secretKey(ledger), enc)).toBe('merchant-password');
  });

  it('never puts the unsealed key into process.env (child processes inherit it); workers get it as workerData', () => {
    const ledger = join(dir, 'ledger.sqlite');
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('safe-storage');
    const key = inMemorySecretKey()!;
    expect(process.env.PAYDESK_SECRET_KEY).toBeUndefined();
    expect(Object.values(process.env)).not.toContain(key);
    const data = workerJobData(ledger, 'demo', {}, { now: new Date(0), operatorId: 1 });
    expect(data.secretKey).toBe(key);
    setInMemorySecretKey(undefined);
    expect(workerJobData(ledger, 'demo', {}, { now: new Date(0), operatorId: 1 }).secretKey).toBeUndefined();
  });

  it('refuses Linux basic_text (not really encrypted): keeps a key file, warns, seals nothing', () => {
    const ledger = join(dir, 'ledger.sqlite');
    const warnings: string[] = [];
    expect(useProtectedSecretKey(ledger, fakeKeychain(true, 'basic_text'), (m) => warnings.push(m))).toBe(
      'insecure-keychain',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/basic_text/);
    expect(existsSync(`${ledger}.key.safe`)).toBe(false);
    expect(inMemorySecretKey()).toBeUndefined();
    const enc = encryptSecret(secretKey(ledger), 'merchant-password'); // the plain key file, 0600
    expect(statSync(`${ledger}.key`).mode & 0o777).toBe(0o600);
    expect(decryptSecret(secretKey(ledger), enc)).toBe('merchant-password');
  });

  it('moves a key sealed earlier under basic_text to the key file, so its secrets stay readable', () => {
    const ledger = join(dir, 'ledger.sqlite');
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('safe-storage');
    const enc = encryptSecret(secretKey(ledger), 'merchant-password');
    setInMemorySecretKey(undefined);
    expect(useProtectedSecretKey(ledger, fakeKeychain(true, 'basic_text'), () => {})).toBe(
      'insecure-keychain',
    );
    expect(existsSync(`${ledger}.key.safe`)).toBe(false);
    expect(statSync(`${ledger}.key`).mode & 0o777).toBe(0o600);
    expect(decryptSecret(secretKey(ledger), enc)).toBe('merchant-password');
  });

  it('lets an explicit key or an existing CLI key file win, and falls back when no keychain is available', () => {
    const ledger = join(dir, 'ledger.sqlite');
    process.env.PAYDESK_SECRET_KEY = 'shared-with-nightly-jobs';
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('env');
    delete process.env.PAYDESK_SECRET_KEY;
    expect(useProtectedSecretKey(ledger, fakeKeychain(false))).toBe('unavailable');
    expect(inMemorySecretKey()).toBeUndefined();
    secretKey(ledger); // the CLI creates the plain key file on first use
    expect(useProtectedSecretKey(ledger, fakeKeychain())).toBe('key-file');
    expect(existsSync(`${ledger}.key.safe`)).toBe(false);
  });
});

describe('key derivation from PAYDESK_SECRET_KEY', () => {
  const saved = process.env.PAYDESK_SECRET_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.PAYDESK_SECRET_KEY;
    else process.env.PAYDESK_SECRET_KEY = saved;
  });

  it('uses scrypt, not one SHA-256, and seals in a versioned format', () => {
    process.env.PAYDESK_SECRET_KEY = 'correct horse battery staple';
    const keys = secretKey(':memory:');
    const sha = createHash('sha256').update('correct horse battery staple').digest();
    expect(keys.current.equals(sha)).toBe(false);
    expect(keys.current).toHaveLength(32);
    const enc = encryptSecret(keys, 'merchant-password');
    expect(enc.startsWith('v2:')).toBe(true);
    expect(decryptSecret(secretKey(':memory:'), enc)).toBe('merchant-password');
    process.env.PAYDESK_SECRET_KEY = 'another key';
    expect(() => decryptSecret(secretKey(':memory:'), enc)).toThrow(/cannot be decrypted/);
  });

  it('still opens secrets sealed under the old single-SHA-256 derivation', () => {
    process.env.PAYDESK_SECRET_KEY = 'correct horse battery staple';
    // What encryptSecret wrote before: base64 of iv | tag | ciphertext under sha256(key).
    const oldKey = createHash('sha256').update('correct horse battery staple').digest();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', oldKey, iv);
    const body = Buffer.concat([cipher.update('legacy-password', 'utf8'), cipher.final()]);
    const legacy = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    expect(decryptSecret(secretKey(':memory:'), legacy)).toBe('legacy-password');
  });
});
