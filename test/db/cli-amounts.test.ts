import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/main';
import { tempDir } from '../helpers/temp';

/**
 * Issue #11, findings 11 and 12: one amount rule for every command, the same error code for the same fault,
 * and a clear file error for a --db that is not a file. Seen from outside, through the CLI with --json.
 */

type Run = { code: number; out: string; err: string };
type ErrorDoc = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

let dir: string;
let cleanup: () => void;
let db: string;

async function cli(...args: string[]): Promise<Run> {
  return cliOn(db, ...args);
}

async function cliOn(file: string, ...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'paydesk', '--db', file, '--json', ...args], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}

function json<T = Record<string, unknown>>(run: Run): T {
  const text = run.out.trim();
  expect(text.split('\n'), run.err).toHaveLength(1);
  return JSON.parse(text) as T;
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('paydesk-cli-amounts-'));
  db = join(dir, 'amounts.sqlite');
  process.env.PAYDESK_OPERATOR = 'amounts-admin';
  process.env.PAYDESK_QUIET = '1';
  expect((await cli('init')).code).toBe(0);
  expect((await cli('demo', '--accounts', '20', '--seed', '5')).code).toBe(0);
});
afterAll(() => cleanup());

describe('amount text: one rule for every command', () => {
  it('payment record, batch create --control-total and batch add all read "1,000.00" as 1000.00', async () => {
    const pay = await cli(
      'payment',
      'record',
      'A0000001',
      '1,000.00',
      '--no-allocate',
      '--pay-type',
      'check',
    );
    expect(pay.code, pay.out).toBe(0);
    const paymentId = json<{ paymentId: number }>(pay).paymentId;
    const history = json<{ rows: { paymentId: number; amountMinor: number }[] }>(
      await cli('account', 'history', 'A0000001'),
    );
    expect(history.rows.find((r) => r.paymentId === paymentId)?.amountMinor).toBe(100000);

    const created = await cli('batch', 'create', '--currency', 'USD', '--control-total', '1,000.00');
    expect(created.code, created.out).toBe(0);
    const batch = json<{ id: number; controlTotalMinor: number }>(created);
    expect(batch.controlTotalMinor).toBe(100000);

    const added = await cli(
      'batch',
      'add',
      String(batch.id),
      '--account',
      'A0000002',
      '--amount',
      '1,000.00',
    );
    expect(added.code, added.out).toBe(0);
    expect(json<{ amountMinor: number | null; problem: string | null }[]>(added)[0]).toMatchObject({
      amountMinor: 100000,
      problem: null,
    });
  });

  it('all three refuse misplaced grouping the same way', async () => {
    const pay = await cli('payment', 'record', 'A0000001', '1,00,0.00', '--no-allocate');
    expect(pay.code).toBe(2);
    const payError = json<ErrorDoc>(pay).error;
    expect(payError.issues?.[0]).toMatchObject({ path: 'amount' });
    expect(payError.message).toMatch(/misplaced thousands separators/);

    const created = await cli('batch', 'create', '--currency', 'USD', '--control-total', '1,00,0.00');
    expect(created.code).toBe(2);
    expect(json<ErrorDoc>(created).error.issues?.[0]).toMatchObject({ path: 'controlTotal' });

    const batch = json<{ id: number }>(await cli('batch', 'create', '--currency', 'USD'));
    const added = await cli(
      'batch',
      'add',
      String(batch.id),
      '--account',
      'A0000002',
      '--amount',
      '1,00,0.00',
    );
    expect(added.code).toBe(0);
    expect(json<{ amountMinor: number | null; problem: string | null }[]>(added)[0]).toMatchObject({
      amountMinor: null,
      problem: expect.stringMatching(/misplaced thousands separators/) as unknown,
    });
  });

  it('refuses more decimals than the currency has, in every command', async () => {
    const pay = await cli('payment', 'record', 'A0000001', '1.001', '--no-allocate');
    expect(pay.code).toBe(2);
    expect(json<ErrorDoc>(pay).error.message).toMatch(/3 decimals; the currency allows 2/);
    const created = await cli('batch', 'create', '--currency', 'USD', '--control-total', '1.001');
    expect(created.code).toBe(2);
    expect(json<ErrorDoc>(created).error.message).toMatch(/3 decimals; the currency allows 2/);
  });

  it('refuses an amount above the ledger ceiling at the contract', async () => {
    const pay = await cli('payment', 'record', 'A0000001', '1,000,000,000,000,000', '--no-allocate');
    expect(pay.code).toBe(2);
    expect(json<ErrorDoc>(pay).error.message).toMatch(/too large/);
  });
});

describe('the same fault, the same code', () => {
  it('an unknown currency is a validation error naming the field in every command', async () => {
    const created = await cli('batch', 'create', '--currency', 'XXX');
    expect(created.code).toBe(2);
    expect(json<ErrorDoc>(created).error).toMatchObject({
      code: 'validation',
      issues: [{ path: 'currency' }],
    });
    const pay = await cli('payment', 'record', 'A0000001', '5.00', '--currency', 'XXX', '--no-allocate');
    expect(pay.code).toBe(2);
    expect(json<ErrorDoc>(pay).error).toMatchObject({ code: 'validation' });
    const search = await cli(
      'call',
      'suspense:search',
      JSON.stringify({ currency: 'XXX', minAmount: '1.00' }),
    );
    expect(json<ErrorDoc>(search).error).toMatchObject({ code: 'validation' });
  });

  it('--db on a directory is a file error naming the path, exit 2, not internal EISDIR', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    const r = await cliOn(folder, 'account', 'search', 'x');
    expect(r.code).toBe(2);
    const error = json<ErrorDoc>(r).error;
    expect(error.code).toBe('validation');
    expect(error.message).toContain(folder);
    expect(error.message).toMatch(/is a directory/);
    expect(error.message).not.toMatch(/EISDIR/);
    expect(error.issues?.[0]?.path).toBe('db');
  });
});
