import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTarget } from '../../src-main/cli/commands/suspense';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { postPayment, suspend, usdAccountsVia, value } from '../helpers/suspense';

describe.each(APPS.filter((r) => r.available))('paydesk suspense ($dialect)', ({ open }) => {
  let app: TestApp;
  let ids: number[];
  let accounts: { accountNo: string; billNo: string }[];
  let posted: number;
  const run = cliOnApp(() => app);
  const cli = (...args: string[]) => run('--operator', 'tester', ...args);

  /** Exactly one JSON document on stdout. */
  async function json<T>(...args: string[]): Promise<T> {
    const r = await cli('--json', ...args);
    const lines = r.out.trim().split('\n');
    expect(lines, r.err).toHaveLength(1);
    return JSON.parse(lines[0]!) as T;
  }

  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    // The in-process caller is this operator; with the test password the CLI can sign in as them too.
    await app.giveTestPassword('tester');
    await value(app.dispatch('demo:load', { accounts: 100, seed: 3 }));
    accounts = await usdAccountsVia(app, 3);
    ids = await suspend(app, [
      { amount: '80.00', payerName: 'Harriet Vane', reference: 'INV 77' },
      { amount: '20.00', payerName: 'Peter Wimsey' },
      { amount: '5.00', payerName: 'Bunter' },
    ]);
    posted = await postPayment(app, accounts[2]!.accountNo, '15.00');
  }, 60_000);
  afterAll(async () => {
    await app?.dispose();
  });

  it('searches, shows and suggests with --json', async () => {
    const found = await json<{ rows: { paymentId: number }[]; total: number }>(
      'suspense',
      'search',
      '--text',
      'riet va',
    );
    expect(found).toMatchObject({ total: 1, rows: [{ paymentId: ids[0] }] });
    const page = await json<{ rows: unknown[]; nextCursor: string }>(
      'suspense',
      'search',
      '--limit',
      '2',
      '--sort',
      'amountMinor',
    );
    expect(page.rows).toHaveLength(2);
    const next = await json<{ rows: { amountMinor: number }[]; nextCursor: null }>(
      'suspense',
      'search',
      '--limit',
      '2',
      '--sort',
      'amountMinor',
      '--cursor',
      page.nextCursor,
    );
    expect(next).toMatchObject({ rows: [{ amountMinor: 8000 }], nextCursor: null });
    const detail = await json<{ rootId: number; timeline: unknown[] }>('suspense', 'show', String(ids[0]));
    expect(detail.rootId).toBe(ids[0]);
    const cands = await json<{ candidates: unknown[] }>('suspense', 'candidates', String(ids[0]));
    expect(Array.isArray(cands.candidates)).toBe(true);
    const human = await cli('suspense', 'search', '--status', 'active', '--min', '10');
    expect(human.code).toBe(0);
    expect(human.out).toContain('Harriet Vane');
  });

  it('distributes, applies, recycles, assigns and removes; refusals exit 4 with the rule', async () => {
    const [a, b] = accounts;
    const dist = await json<{ posted: unknown[]; suspended: { paymentId: number }[] }>(
      'suspense',
      'distribute',
      String(ids[0]),
      '--to',
      `${a!.accountNo}=30.00`,
      '--to',
      `${b!.accountNo}/${b!.billNo}=1.00`,
    );
    expect(dist.posted).toHaveLength(2);
    expect(dist.suspended).toHaveLength(1);
    expect(
      (await json<{ posted: unknown[] }>('suspense', 'apply', String(ids[1]), '--account', a!.accountNo))
        .posted,
    ).toHaveLength(1);
    const recycled = await json<{ suspended: { paymentId: number }[] }>(
      'suspense',
      'recycle',
      String(posted),
      '--reason',
      '4002',
    );
    expect(recycled.suspended).toHaveLength(1);
    await json(
      'suspense',
      'assign',
      String(ids[2]),
      String(recycled.suspended[0]!.paymentId),
      '--owner',
      '3001',
    );
    await json('suspense', 'note', String(ids[2]), 'Asked the payer');
    await json('suspense', 'remove', String(ids[2]), '--reason', '4999');
    const refused = await cli('--json', 'suspense', 'assign', String(ids[2]), '--owner', '3002');
    expect(refused.code).toBe(4);
    expect(JSON.parse(refused.out)).toMatchObject({ error: { code: 'conflict', rule: 'G4' } });
    const bad = await cli('--json', 'suspense', 'distribute', String(ids[1]), '--to', 'nonsense');
    expect(bad.code).toBe(2);
    const check = await json<{ ok: boolean }>('ledger', 'check');
    expect(check.ok).toBe(true);
  });
});

describe('distribution targets', () => {
  it('reads distribution targets', () => {
    expect(parseTarget('A1=10.00')).toEqual({ accountNo: 'A1', amount: '10.00' });
    expect(parseTarget('A1/B7=1')).toEqual({ accountNo: 'A1', billNo: 'B7', amount: '1' });
    expect(parseTarget('bill:B7=2.50')).toEqual({ billNo: 'B7', amount: '2.50' });
    expect(() => parseTarget('A1')).toThrow(/ACCOUNT=AMOUNT/);
  });
});
