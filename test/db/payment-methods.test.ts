import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import type { PaymentMethodDto } from '../../src-shared/dto/processors';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';

/**
 * methods:update and methods:remove through the CLI, on a real ledger: what may change, what removal refuses
 * (the default beside others, a pending payment, an open processor record) and that history is kept.
 */

type ErrorDoc = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

function json<T>(run: CliRun): T {
  const text = run.out.trim();
  expect(text.split('\n'), run.err).toHaveLength(1);
  return JSON.parse(text) as T;
}

const ENV = { PAYDESK_OPERATOR: 'methods-ops', PAYDESK_SECRET_KEY: 'methods-key', PAYDESK_QUIET: '1' };

describe.each(APPS.filter((r) => r.available))('payment methods ($dialect)', ({ open }) => {
  let app: TestApp;
  const cli = cliOnApp(() => app);
  let sim: Simulator;
  let envBefore: Record<string, string | undefined>;

  /** A demo card account (USD) and its one stored card. */
  let acct: string;
  let card: PaymentMethodDto;

  beforeAll(async () => {
    envBefore = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
    Object.assign(process.env, ENV);
    app = await open();
    writeFileSync(join(app.dir, 'sim.json'), JSON.stringify({}));
    sim = await startSimulator({ port: 0, configFile: join(app.dir, 'sim.json') });
    expect((await cli('--json', 'init')).code).toBe(0);
    expect((await cli('--json', 'demo', '--accounts', '40', '--seed', '5')).code).toBe(0);
    const add = await cli(
      '--json',
      'processor',
      'add',
      'sim',
      '--url',
      `http://127.0.0.1:${sim.port}`,
      '--merchant',
      'USD=ispname:050505',
    );
    expect(add.code, add.err).toBe(0);
    acct = (await app.get<{ n: string }>(
      sql`SELECT a.account_no AS n FROM accounts a JOIN payment_methods m ON m.account_id = a.id
         WHERE m.type = 'card' AND a.currency = 'USD' ORDER BY a.id LIMIT 1`,
    ))!.n;
    const list = json<PaymentMethodDto[]>(await cli('--json', 'method', 'list', acct));
    expect(list).toHaveLength(1);
    card = list[0]!;
  });
  afterAll(async () => {
    await sim?.close();
    await app?.dispose();
    for (const [k, v] of Object.entries(envBefore))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  type Stored = {
    token: string;
    mask: string;
    expiry: string | null;
    holder: string | null;
    zip: string | null;
    status: string;
    isDefault: number;
  };
  const stored = async (id: number): Promise<Stored> =>
    (await app.get<Stored>(
      sql`SELECT token, mask, expiry, holder, billing_zip AS zip, status, is_default AS "isDefault"
          FROM payment_methods WHERE id = ${id}`,
    ))!;

  const audits = (id: number, action: string) =>
    app.all<{ before: string | null; after: string | null }>(
      sql`SELECT before, after FROM audit_log
         WHERE entity = 'payment_method' AND entity_id = ${String(id)} AND action = ${action} ORDER BY id`,
    );

  const write = (query: SQL): Promise<unknown> => app.ctx.storage.transaction((tx) => tx.run(query));

  describe('methods:update', () => {
    it('changes expiry, holder and ZIP, keeps the token, voids the validation, audits before and after', async () => {
      const before = await stored(card.id);
      const v = await cli('--json', 'method', 'validate', String(card.id));
      expect(v.code, v.err).toBe(0);
      expect(json<PaymentMethodDto>(v).verification).not.toBe('unverified');

      const r = await cli(
        '--json',
        'method',
        'update',
        String(card.id),
        '--expiry',
        '11/31',
        '--holder',
        'Ada Lovelace',
        '--zip',
        '10115',
      );
      expect(r.code, r.err).toBe(0);
      const m = json<PaymentMethodDto>(r);
      expect(m).toMatchObject({ id: card.id, expiry: '11/31', holder: 'Ada Lovelace', mask: card.mask });
      expect(m.verification).toBe('unverified');
      expect(m.avsCode).toBeNull();
      const after = await stored(card.id);
      expect(after.token).toBe(before.token);
      expect(after.zip).toBe('10115');
      const a = await audits(card.id, 'payment-method.update');
      expect(a).toHaveLength(1);
      expect(JSON.parse(a[0]!.before!)).toEqual({
        expiry: before.expiry,
        holder: before.holder,
        zip: before.zip,
      });
      expect(JSON.parse(a[0]!.after!)).toEqual({ expiry: '11/31', holder: 'Ada Lovelace', zip: '10115' });
    });

    it('a holder-only change keeps the validation; an empty value clears it', async () => {
      await cli('--json', 'method', 'validate', String(card.id));
      const r = json<PaymentMethodDto>(
        await cli('--json', 'method', 'update', String(card.id), '--holder', ''),
      );
      expect(r.holder).toBeNull();
      expect(r.verification).not.toBe('unverified');
    });

    it('refuses a bad expiry naming the field, and changes nothing', async () => {
      const before = await stored(card.id);
      const r = await cli('--json', 'method', 'update', String(card.id), '--expiry', '13/30');
      expect(r.code).toBe(2);
      const e = json<ErrorDoc>(r).error;
      expect(e.code).toBe('validation');
      expect(e.issues?.map((i) => i.path)).toEqual(['expiry']);
      expect(await stored(card.id)).toEqual(before);
    });

    it('a bank account has no expiry or brand', async () => {
      const bank = json<PaymentMethodDto>(
        await cli(
          '--json',
          'method',
          'add',
          acct,
          '--type',
          'bank',
          '--routing',
          '021000021',
          '--bank-account',
          '12345678',
        ),
      );
      const r = await cli(
        '--json',
        'method',
        'update',
        String(bank.id),
        '--expiry',
        '01/30',
        '--brand',
        'VI',
      );
      expect(r.code).toBe(2);
      expect(
        json<ErrorDoc>(r)
          .error.issues?.map((i) => i.path)
          .sort(),
      ).toEqual(['brand', 'expiry']);
    });
  });

  describe('methods:remove', () => {
    it('refuses the default while others exist, then removes it once another is the default', async () => {
      const methods = json<PaymentMethodDto[]>(await cli('--json', 'method', 'list', acct));
      expect(methods.length).toBeGreaterThan(1);
      const def = methods.find((m) => m.isDefault)!;
      const other = methods.find((m) => !m.isDefault)!;

      const refused = await cli('--json', 'method', 'remove', String(def.id), '--reason', 'card lost');
      expect(refused.code).toBe(4);
      expect(json<ErrorDoc>(refused).error.message).toContain('default');
      expect((await stored(def.id)).status).toBe('active');

      expect((await cli('--json', 'method', 'default', String(other.id))).code).toBe(0);
      const done = await cli('--json', 'method', 'remove', String(def.id), '--reason', 'card lost');
      expect(done.code, done.err).toBe(0);
      expect(json<PaymentMethodDto>(done).isDefault).toBe(false);

      // History stays: the row is kept (marked removed), its validations still point at it, the audit has the reason.
      expect(await stored(def.id)).toMatchObject({ status: 'removed', isDefault: 0 });
      const txns = (await app.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM processor_txns WHERE payment_method_id = ${def.id}`,
      ))!;
      expect(txns.n).toBeGreaterThan(0);
      const a = await audits(def.id, 'payment-method.remove');
      expect(a).toHaveLength(1);
      expect(JSON.parse(a[0]!.after!)).toMatchObject({ status: 'removed', reason: 'card lost' });
      const left = json<PaymentMethodDto[]>(await cli('--json', 'method', 'list', acct));
      expect(left.map((m) => m.id)).not.toContain(def.id);

      // A removed method is gone for every command.
      expect((await cli('--json', 'method', 'update', String(def.id), '--holder', 'X')).code).toBe(3);
      expect((await cli('--json', 'method', 'remove', String(def.id), '--reason', 'again')).code).toBe(3);
      expect((await cli('--json', 'method', 'validate', String(def.id))).code).toBe(3);
    });

    it('refuses a method a pending payment will charge, until the payment is cancelled', async () => {
      const sole = json<PaymentMethodDto[]>(await cli('--json', 'method', 'list', acct));
      expect(sole).toHaveLength(1);
      const m = sole[0]!;
      const p = json<{ id: number }>(
        await cli('--json', 'pay', 'prepare', acct, '4.00', '--method', String(m.id)),
      );
      const refused = await cli('--json', 'method', 'remove', String(m.id), '--reason', 'closed');
      expect(refused.code).toBe(4);
      expect(json<ErrorDoc>(refused).error.message).toContain('pending payment');
      expect((await stored(m.id)).status).toBe('active');

      expect((await cli('--json', 'pay', 'cancel', String(p.id), '--reason', 'customer asked')).code).toBe(0);
      // The only method, default or not, may go: the account then has none.
      const done = await cli('--json', 'method', 'remove', String(m.id), '--reason', 'closed');
      expect(done.code, done.err).toBe(0);
      expect(json<PaymentMethodDto[]>(await cli('--json', 'method', 'list', acct))).toEqual([]);
    });

    it('refuses a method whose run record is still open at the processor', async () => {
      const other = (await app.get<{ n: string }>(
        sql`SELECT a.account_no AS n FROM accounts a JOIN payment_methods m ON m.account_id = a.id
           WHERE m.type = 'card' AND m.status = 'active' AND a.currency = 'USD' AND a.account_no <> ${acct}
           ORDER BY a.id LIMIT 1`,
      ))!.n;
      const m = json<PaymentMethodDto[]>(await cli('--json', 'method', 'list', other))[0]!;
      expect((await cli('--json', 'method', 'validate', String(m.id))).code).toBe(0);
      // A record sent but never answered (a crash between call and settle) keeps the result 999 checkpoint.
      await write(sql`UPDATE processor_txns SET result = 999 WHERE payment_method_id = ${m.id}`);
      const refused = await cli('--json', 'method', 'remove', String(m.id), '--reason', 'closed');
      expect(refused.code).toBe(4);
      expect(json<ErrorDoc>(refused).error.message).toContain('Recovery');
      await write(sql`UPDATE processor_txns SET result = 0 WHERE payment_method_id = ${m.id}`);
      expect((await cli('--json', 'method', 'remove', String(m.id), '--reason', 'closed')).code).toBe(0);
    });

    it('needs a reason', async () => {
      const r = await cli('--json', 'method', 'remove', String(card.id));
      expect(r.code).not.toBe(0);
    });
  });
});
