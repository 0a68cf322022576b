import { sql, type SQL } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import { APPS, type TestApp } from '../helpers/apps';
import { ledgerFingerprintVia, postPayment, suspend, usdAccountsVia, value } from '../helpers/suspense';

let app: TestApp;
let accounts: { accountNo: string; billNo: string }[];

const op = fc.record({
  kind: fc.constantFrom(
    'apply',
    'distribute',
    'recycle',
    'remove',
    'reverse',
    'assign',
    'reason',
    'suspend',
    'post',
  ),
  pick: fc.nat(1000),
  pick2: fc.nat(1000),
  cents: fc.integer({ min: 1, max: 20_000 }),
  parts: fc.array(
    fc.record({ account: fc.nat(5), cents: fc.integer({ min: 1, max: 8_000 }), bill: fc.boolean() }),
    {
      minLength: 1,
      maxLength: 3,
    },
  ),
});

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

async function ids(query: SQL): Promise<number[]> {
  return (await app.all<{ id: number }>(query)).map((r) => r.id);
}

const dollars = (cents: number): string => (cents / 100).toFixed(2);

/** Runs one random move against the ledger as it is; refusals are fine, but must change nothing. */
async function run(o: Op): Promise<void> {
  const active = await ids(
    sql`SELECT payment_id AS id FROM suspense_queue WHERE state IN ('suspended', 'partial', 'recycled') ORDER BY 1`,
  );
  const posted = await ids(
    sql`SELECT p.id FROM payments p WHERE p.kind IN ('original', 'distributed') AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) ORDER BY 1`,
  );
  const everything = await ids(sql`SELECT id FROM payments ORDER BY 1`);
  const at = <T>(list: T[], n: number): T | undefined => (list.length ? list[n % list.length] : undefined);
  const account = accounts[o.pick2 % accounts.length]!;
  let input: Record<string, unknown> | null = null;
  let command = '';
  switch (o.kind) {
    case 'suspend':
      await suspend(app, [{ amount: dollars(o.cents), payerName: `Payer ${o.pick}` }]);
      return;
    case 'post':
      await postPayment(app, account.accountNo, dollars(o.cents));
      return;
    case 'apply': {
      const s = at(active, o.pick);
      if (s === undefined) return;
      command = 'suspense:apply';
      input =
        o.cents % 2
          ? { paymentId: s, accountNo: account.accountNo }
          : { paymentId: s, billNo: account.billNo };
      break;
    }
    case 'distribute': {
      const s = at(active, o.pick);
      if (s === undefined) return;
      command = 'suspense:distribute';
      input = {
        paymentId: s,
        targets: o.parts.map((p) => {
          const a = accounts[p.account % accounts.length]!;
          return p.bill
            ? { billNo: a.billNo, amount: dollars(p.cents) }
            : { accountNo: a.accountNo, amount: dollars(p.cents) };
        }),
      };
      break;
    }
    case 'recycle': {
      const p = at(posted, o.pick);
      if (p === undefined) return;
      command = 'suspense:recycle';
      input = { paymentIds: [p], reasonCode: 4002 };
      break;
    }
    case 'remove':
      command = 'suspense:remove';
      input = { paymentId: at(everything, o.pick), reasonCode: 4999 };
      break;
    case 'reverse':
      command = 'suspense:reverse';
      input = { paymentId: at(everything, o.pick), reasonCode: 4102 };
      break;
    case 'assign':
      command = 'suspense:assign';
      input = { paymentIds: [at(everything, o.pick)], owner: o.cents % 2 ? 3001 : null };
      break;
    case 'reason':
      command = 'suspense:change-reason';
      input = { paymentIds: [at(everything, o.pick)], reasonCode: o.cents % 2 ? 100101 : 2001 };
      break;
  }
  if (!input) return;
  const before = await ledgerFingerprintVia(app);
  const r = await app.dispatch(command, input);
  if (!r.ok) {
    expect(
      ['conflict', 'not_found', 'validation'],
      `${command} ${JSON.stringify(input)}: ${r.error.message}`,
    ).toContain(r.error.code);
    expect(await ledgerFingerprintVia(app)).toBe(before);
  }
}

describe.each(APPS.filter((r) => r.available))('random Payment Center sequences ($dialect)', ({ open }) => {
  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 80, seed: 21 }));
    accounts = await usdAccountsVia(app, 6);
  }, 60_000);
  afterAll(() => app?.dispose());

  it('keep every ledger invariant after every apply / distribute / recycle / remove / reverse / edit', async () => {
    await suspend(app, [{ amount: '100.00' }, { amount: '250.00' }, { amount: '75.50' }]);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 10 }), async (ops) => {
        for (const o of ops) {
          await run(o);
          const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
          expect(check.violations).toEqual([]);
        }
      }),
      { numRuns: 25, seed: 4242 },
    );
    const moves = await app.all<{ action: string; n: number }>(
      sql`SELECT action, count(*) AS n FROM suspense_events GROUP BY action ORDER BY action`,
    );
    // The sequences really exercised the moves, not only refusals.
    for (const action of ['applied', 'distributed', 'recycled', 'removed'])
      expect(moves.map((m) => m.action)).toContain(action);
  }, 120_000);
});
