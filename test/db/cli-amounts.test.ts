import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { cliOn, jsonOf as json } from '../helpers/cli';

/**
 * Issue #11, findings 11 and 12: one amount rule for every command, the same error code for the same fault,
 * and a clear file error for a --db that is not a file. Seen from outside, through the CLI with --json.
 */

type ErrorDoc = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

describe.each(APPS.filter((r) => r.available))('cli amounts ($dialect)', ({ dialect, open }) => {
  let app: TestApp;
  const ledgerCli = cliOnApp(() => app);
  const cli = (...args: string[]) => ledgerCli('--json', ...args);

  beforeAll(async () => {
    // An empty ledger: `init` then makes its first operator, as on a new desk or a new team database.
    app = await open();
    process.env.PAYDESK_OPERATOR = 'amounts-admin';
    process.env.PAYDESK_QUIET = '1';
    expect((await cli('init')).code).toBe(0);
    expect((await cli('demo', '--accounts', '20', '--seed', '5')).code).toBe(0);
  });
  afterAll(async () => {
    delete process.env.PAYDESK_OPERATOR;
    delete process.env.PAYDESK_QUIET;
    await app?.dispose();
  });

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

    // A --db argument names a SQLite file; a PostgreSQL ledger is named by a URL.
    it.runIf(dialect === 'sqlite')(
      '--db on a directory is a file error naming the path, exit 2, not internal EISDIR',
      async () => {
        const folder = join(app.dir, 'a-folder');
        mkdirSync(folder);
        const r = await cliOn(() => folder)('--json', 'account', 'search', 'x');
        expect(r.code).toBe(2);
        const error = json<ErrorDoc>(r).error;
        expect(error.code).toBe('validation');
        expect(error.message).toContain(folder);
        expect(error.message).toMatch(/is a directory/);
        expect(error.message).not.toMatch(/EISDIR/);
        expect(error.issues?.[0]?.path).toBe('db');
      },
    );
  });
});
