import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attachLedger,
  isEncryptedLedgerFile,
  LedgerOpenError,
  openLedger,
  type Ledger,
} from '../../db/client';
import { runCli } from '../../src-main/cli/main';
import { workerJobRunner } from '../../src-main/jobs/worker-runner';
import { desktopLedgerKey, sealedLedgerKeyFile } from '../../src-main/ledger-key';
import { ensureOperator } from '../../src-main/services/operators';
import { tempDir } from '../helpers/temp';

const NOW = new Date('2026-11-22T09:00:00Z');
const KEY = "correct horse 'battery' staple";
const MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

type Run = { code: number; out: string; err: string };

async function cli(...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'paydesk', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

/** The bytes of a ledger and its WAL (whichever exist). */
function fileBytes(file: string): Buffer[] {
  return [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
}

function expectNoPlaintext(file: string, secrets: string[]): void {
  const parts = fileBytes(file);
  expect(parts.length).toBeGreaterThan(0);
  for (const bytes of parts) {
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.indexOf(MAGIC)).toBe(-1);
    for (const s of secrets) {
      expect(bytes.indexOf(Buffer.from(s, 'utf8'))).toBe(-1);
      expect(bytes.indexOf(Buffer.from(s, 'utf16le'))).toBe(-1);
    }
  }
}

function openError(fn: () => unknown): LedgerOpenError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LedgerOpenError);
    return err as LedgerOpenError;
  }
  throw new Error('expected a LedgerOpenError');
}

const digest = (file: string): string =>
  createHash('sha256')
    .update(Buffer.concat(fileBytes(file)))
    .digest('hex');

describe('ledger encryption at rest', () => {
  const cleanups: (() => void)[] = [];
  const savedKey = process.env.PAYDESK_LEDGER_KEY;
  const savedOperator = process.env.PAYDESK_OPERATOR;
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
    if (savedKey === undefined) delete process.env.PAYDESK_LEDGER_KEY;
    else process.env.PAYDESK_LEDGER_KEY = savedKey;
    if (savedOperator === undefined) delete process.env.PAYDESK_OPERATOR;
    else process.env.PAYDESK_OPERATOR = savedOperator;
  });

  function dir(): string {
    const tmp = tempDir('paydesk-enc-');
    cleanups.push(tmp.cleanup);
    return tmp.dir;
  }

  function track(ledger: Ledger): Ledger {
    cleanups.push(() => ledger.sqlite.open && ledger.close());
    return ledger;
  }

  it('writes no plaintext to the file or its WAL, a job in a worker thread works on it, and it needs the key', async () => {
    const file = join(dir(), 'ledger.sqlite');
    const ledger = track(openLedger(file, 'db/migrations', { key: KEY }));
    expect(ledger.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    const operatorId = ensureOperator(ledger.sqlite, 'enc-tester', NOW).id;

    // The demo job runs in its own thread on its own connection; the key travels in workerData.
    const runner = workerJobRunner(file, undefined, { key: KEY });
    const out = await runner.run('demo', { accounts: 200, seed: 3 }, { now: NOW, operatorId });
    expect(out.accounts).toBe(200);
    const { n } = ledger.sqlite.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get() as {
      n: number;
    };
    expect(n).toBe(200);
    const { accountNo, name } = ledger.sqlite
      .prepare('SELECT account_no AS accountNo, name FROM accounts WHERE is_suspense = 0 ORDER BY id LIMIT 1')
      .get() as { accountNo: string; name: string };

    // While open (the WAL holds recent pages) and after close (checkpointed into the file).
    expect(existsSync(`${file}-wal`)).toBe(true);
    expectNoPlaintext(file, [accountNo, name, 'enc-tester', 'CREATE TABLE']);
    ledger.close();
    expectNoPlaintext(file, [accountNo, name, 'enc-tester', 'CREATE TABLE']);
    expect(isEncryptedLedgerFile(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const before = digest(file);
    const noKey = openError(() => openLedger(file, 'db/migrations'));
    expect(noKey.reason).toBe('encrypted');
    expect(noKey.message).toContain('the ledger is encrypted: set PAYDESK_LEDGER_KEY');
    const wrong = openError(() => openLedger(file, 'db/migrations', { key: 'not the key' }));
    expect(wrong.reason).toBe('wrong_key');
    expect(wrong.message).toContain('the ledger is encrypted: set PAYDESK_LEDGER_KEY');
    expect(openError(() => attachLedger(file, { key: 'not the key' })).reason).toBe('wrong_key');
    expect(digest(file)).toBe(before);

    const again = track(openLedger(file, 'db/migrations', { key: KEY }));
    expect(again.key).toBe(KEY);
    expect(
      again.sqlite.prepare('SELECT count(*) AS n FROM accounts WHERE account_no = ?').get(accountNo),
    ).toEqual({
      n: 1,
    });
  });

  it('a job worker given no key (or a wrong one) reports the clear error', async () => {
    const file = join(dir(), 'ledger.sqlite');
    const ledger = track(openLedger(file, 'db/migrations', { key: KEY }));
    const operatorId = ensureOperator(ledger.sqlite, 'enc-tester', NOW).id;
    await expect(
      workerJobRunner(file).run('demo', { accounts: 5, seed: 1 }, { now: NOW, operatorId }),
    ).rejects.toThrow(/the ledger is encrypted: set PAYDESK_LEDGER_KEY/);
    await expect(
      workerJobRunner(file, undefined, { key: 'wrong' }).run(
        'demo',
        { accounts: 5, seed: 1 },
        { now: NOW, operatorId },
      ),
    ).rejects.toThrow(/the ledger is encrypted: set PAYDESK_LEDGER_KEY/);
  });

  it('keeps plain ledgers plain, refuses a key on a plain ledger, and still tells foreign files apart', () => {
    const d = dir();
    const plain = join(d, 'plain.sqlite');
    openLedger(plain, 'db/migrations').close();
    expect(readFileSync(plain).subarray(0, 16)).toEqual(MAGIC);
    expect(isEncryptedLedgerFile(plain)).toBe(false);
    const keyed = openError(() => openLedger(plain, 'db/migrations', { key: KEY }));
    expect(keyed.reason).toBe('encrypted');
    expect(keyed.message).toMatch(/is not encrypted but PAYDESK_LEDGER_KEY is set/);

    const text = join(d, 'notes.txt');
    writeFileSync(text, 'hello, this is not a ledger\n');
    expect(openError(() => openLedger(text, 'db/migrations')).reason).toBe('not_sqlite');
  });

  it('CLI: init --encrypt needs PAYDESK_LEDGER_KEY, commands run with it, refuse without it, and encrypt/decrypt write copies', async () => {
    const d = dir();
    const db = join(d, 'cli.sqlite');
    process.env.PAYDESK_OPERATOR = 'enc-admin';
    delete process.env.PAYDESK_LEDGER_KEY;

    const noKey = await cli('--db', db, '--json', 'init', '--encrypt');
    expect(noKey.code).toBe(2);
    expect(JSON.parse(noKey.out).error.message).toMatch(/PAYDESK_LEDGER_KEY/);
    expect(existsSync(db)).toBe(false);

    process.env.PAYDESK_LEDGER_KEY = KEY;
    const init = await cli('--db', db, '--json', 'init', '--encrypt');
    expect(init.code).toBe(0);
    expect(JSON.parse(init.out)).toMatchObject({ created: true });
    const demo = await cli('--db', db, '--json', 'demo', '--accounts', '25', '--seed', '2');
    expect(demo.code).toBe(0);
    expect(isEncryptedLedgerFile(db)).toBe(true);

    delete process.env.PAYDESK_LEDGER_KEY;
    const refused = await cli('--db', db, '--json', 'demo', '--accounts', '5');
    expect(refused.code).toBe(2);
    const error = JSON.parse(refused.out).error as { code: string; message: string };
    expect(error.code).toBe('validation');
    expect(error.message).toContain('the ledger is encrypted: set PAYDESK_LEDGER_KEY');
    process.env.PAYDESK_LEDGER_KEY = 'wrong';
    const wrong = await cli('--db', db, 'demo', '--accounts', '5');
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('the ledger is encrypted: set PAYDESK_LEDGER_KEY');

    // decrypt: a plain copy; the encrypted original is untouched.
    process.env.PAYDESK_LEDGER_KEY = KEY;
    const original = digest(db);
    const plain = join(d, 'plain.sqlite');
    const dec = await cli('--db', db, '--json', 'ledger', 'decrypt', '--out', plain);
    expect(dec.code).toBe(0);
    expect(JSON.parse(dec.out)).toMatchObject({ out: plain, encrypted: false });
    expect(digest(db)).toBe(original);
    expect(readFileSync(plain).subarray(0, 16)).toEqual(MAGIC);
    expect(statSync(plain).mode & 0o777).toBe(0o600);
    const p = track(openLedger(plain, 'db/migrations'));
    expect(p.sqlite.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get()).toEqual({
      n: 25,
    });
    const { accountNo } = p.sqlite
      .prepare('SELECT account_no AS accountNo FROM accounts WHERE is_suspense = 0 LIMIT 1')
      .get() as { accountNo: string };
    p.close();
    expect(readFileSync(plain).indexOf(Buffer.from(accountNo))).toBeGreaterThan(-1);

    // --out must be new; init --encrypt refuses an existing plain ledger.
    expect((await cli('--db', db, 'ledger', 'decrypt', '--out', plain)).code).toBe(2);
    expect((await cli('--db', plain, 'init', '--encrypt')).code).toBe(2);

    // encrypt: an encrypted copy of the plain ledger, which stays plain and unchanged.
    const plainDigest = digest(plain);
    const enc = join(d, 'enc.sqlite');
    const encRun = await cli('--db', plain, '--json', 'ledger', 'encrypt', '--out', enc);
    expect(encRun.code).toBe(0);
    expect(digest(plain)).toBe(plainDigest);
    expectNoPlaintext(enc, [accountNo]);
    delete process.env.PAYDESK_LEDGER_KEY;
    expect(openError(() => openLedger(enc, 'db/migrations')).reason).toBe('encrypted');
    const e = track(openLedger(enc, 'db/migrations', { key: KEY }));
    expect(
      e.sqlite.prepare('SELECT count(*) AS n FROM accounts WHERE account_no = ?').get(accountNo),
    ).toEqual({
      n: 1,
    });
    e.close();
    expect((await cli('--db', plain, 'ledger', 'encrypt', '--out', join(d, 'x.sqlite'))).code).toBe(2);
    process.env.PAYDESK_LEDGER_KEY = KEY;
    const twice = await cli('--db', enc, '--json', 'ledger', 'encrypt', '--out', join(d, 'y.sqlite'));
    expect(twice.code).toBe(2);
    expect(JSON.parse(twice.out).error.message).toMatch(/already encrypted/);
    expect(existsSync(join(d, 'y.sqlite'))).toBe(false);
  });

  it('desktop: the key comes from PAYDESK_LEDGER_KEY, is sealed with safeStorage, and leaves the environment', () => {
    const file = join(dir(), 'ledger.sqlite');
    const protector = {
      isEncryptionAvailable: () => true,
      encryptString: (s: string) => Buffer.from(`sealed:${Buffer.from(s).toString('base64')}`),
      decryptString: (b: Buffer) => Buffer.from(b.toString().slice('sealed:'.length), 'base64').toString(),
    };
    const env: NodeJS.ProcessEnv = { PAYDESK_LEDGER_KEY: KEY };
    expect(desktopLedgerKey(file, protector, env)).toEqual({ key: KEY, source: 'env' });
    expect(env.PAYDESK_LEDGER_KEY).toBeUndefined();
    expect(readFileSync(sealedLedgerKeyFile(file)).includes(Buffer.from(KEY))).toBe(false);
    expect(statSync(sealedLedgerKeyFile(file)).mode & 0o777).toBe(0o600);
    expect(desktopLedgerKey(file, protector, {})).toEqual({ key: KEY, source: 'safe-storage' });
    expect(desktopLedgerKey(join(dir(), 'other.sqlite'), protector, {})).toEqual({ source: 'none' });
    // No keychain (Linux basic_text): never sealed, so the variable is needed at each launch.
    const plainText = join(dir(), 'basic.sqlite');
    const basic = { ...protector, getSelectedStorageBackend: () => 'basic_text' };
    expect(desktopLedgerKey(plainText, basic, { PAYDESK_LEDGER_KEY: KEY })).toEqual({
      key: KEY,
      source: 'env',
    });
    expect(existsSync(sealedLedgerKeyFile(plainText))).toBe(false);
  });
});
