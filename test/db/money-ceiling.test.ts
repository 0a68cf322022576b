import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import {
  assertWithinCeiling,
  MAX_MINOR,
  sumMinor,
  toMinor,
  withinCeiling,
} from '../../src-main/ledger/ceiling';
import { assertBalanced } from '../../src-main/ledger/journal';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { dispatchConfirmed } from '../helpers/confirm';
import { postPayment, setSettingVia, suspend, value } from '../helpers/suspense';

/** The largest amount the contract accepts in a 2-decimal currency: 999,999,999,999,999 minor units. */
const BIG = '9999999999999.99';
const BIG_MINOR = 999_999_999_999_999;

type Run = { code: number; doc: Record<string, unknown> };

describe('money ceiling helpers', () => {
  it('sums exactly past 2^53 and knows the ceiling', () => {
    const ten = Array.from({ length: 10 }, () => BIG_MINOR);
    expect(sumMinor(ten)).toBe(9_999_999_999_999_990n);
    // 2^53 + 1 has no double: a number sum rounds it, the exact sum does not.
    expect(sumMinor([MAX_MINOR, 2])).toBe(9_007_199_254_740_993n);
    expect(sumMinor([MAX_MINOR, 1, -2])).toBe(BigInt(MAX_MINOR) - 1n);
    expect(() => sumMinor([0.5])).toThrow();
    expect(withinCeiling(BigInt(MAX_MINOR))).toBe(true);
    expect(withinCeiling(-BigInt(MAX_MINOR))).toBe(true);
    expect(withinCeiling(BigInt(MAX_MINOR) + 1n)).toBe(false);
    expect(withinCeiling(2 ** 53)).toBe(false);
    expect(toMinor(123n, 'x')).toBe(123);
    expect(() => toMinor(BigInt(MAX_MINOR) + 1n, 'the total')).toThrow(/the total would be 9007199254740992/);
    expect(() => assertWithinCeiling(-(BigInt(MAX_MINOR) + 5n), 'y')).toThrow(/beyond the ledger's limit/);
  });

  it('assertBalanced sums in BigInt: an imbalance that rounding would hide is caught', () => {
    // 2^53 - 1 + 2 - 2^53 = 1 exactly; in doubles the first two add to 2^53 + 0 and the sum looks balanced.
    const lines = [
      { gl: 'CASH' as const, accountId: null, amountMinor: MAX_MINOR, currency: 'USD' },
      { gl: 'CASH' as const, accountId: null, amountMinor: 2, currency: 'USD' },
      { gl: 'AR' as const, accountId: 1, amountMinor: -MAX_MINOR, currency: 'USD' },
      { gl: 'AR' as const, accountId: 1, amountMinor: -1, currency: 'USD' },
    ];
    expect(() => assertBalanced(lines)).toThrow(/off by 1/);
    expect(() =>
      assertBalanced([
        { gl: 'CASH', accountId: null, amountMinor: 2 ** 53, currency: 'USD' },
        { gl: 'AR', accountId: 1, amountMinor: -(2 ** 53), currency: 'USD' },
      ]),
    ).toThrow(/not an integer/);
  });
});

describe.each(APPS.filter((r) => r.available))('money ceiling ($dialect)', ({ open }) => {
  describe('finding 4: totals above 2^53 (CLI)', () => {
    let ledger: TestApp;
    const run = cliOnApp(() => ledger);
    const cli = async (...args: string[]): Promise<Run> => {
      const r = await run('--json', ...args);
      return { code: r.code, doc: JSON.parse(r.out.trim()) as Record<string, unknown> };
    };
    beforeAll(async () => {
      // An empty ledger: `init` then makes its first operator, as on a new desk or a new team database.
      ledger = await open();
      process.env.PAYDESK_OPERATOR = 'ceiling-tester';
      expect((await cli('init')).code).toBe(0);
      expect((await cli('demo', '--accounts', '3', '--seed', '1')).code).toBe(0);
    });
    afterAll(async () => {
      delete process.env.PAYDESK_OPERATOR;
      await ledger?.dispose();
    });

    it('ten payments of 9,999,999,999,999.99: the one that crosses the ceiling is refused, figures stay exact', async () => {
      const before = (await cli('account', 'show', 'A0000001')).doc as {
        balanceMinor: number;
        openItemsMinor: number;
        unallocatedMinor: number;
      };
      const codes: number[] = [];
      let refusal: Record<string, unknown> | null = null;
      for (let i = 0; i < 10; i++) {
        const r = await cli('payment', 'record', 'A0000001', BIG, '--no-allocate', '--key', `big-${i}`);
        codes.push(r.code);
        if (r.code !== 0) refusal = r.doc;
      }
      // Nine fit under 2^53 - 1 (8,999,999,999,999,991); the tenth would make 9,999,999,999,999,990.
      expect(codes).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
      expect(refusal).toMatchObject({ error: { code: 'conflict', rule: 'amount-ceiling' } });
      expect(String((refusal!.error as { message: string }).message)).toMatch(/unallocated credit/);
      const after = (await cli('account', 'show', 'A0000001')).doc as typeof before;
      const credit = before.unallocatedMinor + 9 * BIG_MINOR;
      expect(after.unallocatedMinor).toBe(credit);
      expect(after.openItemsMinor).toBe(before.openItemsMinor);
      expect(after.balanceMinor).toBe(before.openItemsMinor - credit);
      const check = await cli('ledger', 'check');
      expect(check.doc.violations).toEqual([]);
      expect(check.code).toBe(0);
    });
  });

  describe('finding 4: ceiling on every posting path', () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
      await value(app.dispatch('demo:load', { accounts: 30, seed: 5 }));
    });
    afterEach(() => app.dispose());

    const usd = async (n: number): Promise<string[]> =>
      (
        await app.all<{ no: string }>(
          sql`SELECT account_no AS "no" FROM accounts WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 ORDER BY id LIMIT ${n}`,
        )
      ).map((r) => r.no);

    async function clean(): Promise<void> {
      const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
      expect(check.violations).toEqual([]);
    }

    it('a batch entry that would push the batch total past 2^53 is refused; a batch at the edge posts exactly', async () => {
      const accounts = await usd(10);
      expect(accounts).toHaveLength(10);
      const batch = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      const entries = accounts.map((accountNo, i) => ({ accountNo, amount: BIG, checkNo: String(i) }));
      // All ten at once, or the tenth after nine: refused, and nothing of the refused save is kept.
      expect(await app.dispatch('batches:save-entries', { batchId: batch.id, entries })).toMatchObject({
        ok: false,
        error: { code: 'conflict', rule: 'amount-ceiling' },
      });
      await value(app.dispatch('batches:save-entries', { batchId: batch.id, entries: entries.slice(0, 9) }));
      const tenth = await app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: entries.slice(9),
      });
      expect(tenth).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'amount-ceiling' } });
      expect(String((tenth as { error: { message: string } }).error.message)).toMatch(/total of its entries/);
      const shown = await value<BatchDto>(app.dispatch('batches:get', { batchId: batch.id }));
      expect(shown.zeroProof.enteredCount).toBe(9);
      expect(shown.zeroProof.enteredTotalMinor).toBe(9 * BIG_MINOR);
      // Nine of them fit: the batch total 8,999,999,999,999,991 is exact in the journal.
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const done = await value<BatchSubmitDto>(
        dispatchConfirmed(app, 'batches:submit', { batchId: batch.id }),
      );
      expect(done.posted).toBe(9);
      expect(done.postedMinor).toBe(9 * BIG_MINOR);
      // The port hands an integer on only when it is exact (else InexactInteger), so BigInt of it is the stored value.
      const cash = await app.all<{ a: number }>(
        sql`SELECT amount_minor AS a FROM journal_lines WHERE gl_account = 'CASH'
            AND journal_id IN (SELECT journal_id FROM payments WHERE batch_id = ${batch.id})`,
      );
      // The set-based submit (both databases) posts one journal per destination: one CASH line holds the total.
      expect(cash).toHaveLength(1);
      expect(cash.reduce((sum, l) => sum + BigInt(l.a), 0n)).toBe(9n * BigInt(BIG_MINOR));
      await clean();
    });

    it('a bank file whose rows add up past 2^53 stages nothing', async () => {
      const rows = (await usd(10)).map((a, i) => `${a},${BIG},11/19/2026,${1000 + i}`);
      const file = join(app.dir, 'big.csv');
      writeFileSync(file, ['Account,Amount,Date,Check', ...rows].join('\n') + '\n');
      const template = {
        name: 'big',
        format: 'delimited',
        delimiter: ',',
        hasColumnHeader: true,
        dateFormat: 'MM/dd/yyyy',
        columns: [
          { field: 'accountNo', index: 0 },
          { field: 'amount', index: 1 },
          { field: 'paymentDate', index: 2 },
          { field: 'checkNo', index: 3 },
        ],
      };
      const batches = (): Promise<unknown> => app.get(sql`SELECT count(*) AS n FROM batches`);
      const before = await batches();
      const r = await app.dispatch('batches:import-file', {
        file,
        template,
        payType: 10012,
        currency: 'USD',
      });
      expect(r).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'amount-ceiling' } });
      expect(await batches()).toEqual(before);
      // Nine rows import, and the batch shows their exact total.
      writeFileSync(file, ['Account,Amount,Date,Check', ...rows.slice(0, 9)].join('\n') + '\n');
      const ok = await value<{ batch: BatchDto }>(
        app.dispatch('batches:import-file', { file, template, payType: 10012, currency: 'USD' }),
      );
      expect(ok.batch.zeroProof.enteredTotalMinor).toBe(9 * BIG_MINOR);
    });

    it('undoing an allocation that would lift unallocated credit past the ceiling is refused', async () => {
      const [accountNo] = await usd(1);
      // One payment allocated to everything open, then eight more big ones as credit.
      const first = await value<{ paymentId: number }>(
        app.dispatch('payments:record', { accountNo, amount: BIG, payType: 10012, allocate: 'auto' }),
      );
      for (let i = 0; i < 8; i++)
        await value(
          app.dispatch('payments:record', { accountNo, amount: BIG, payType: 10012, allocate: 'none' }),
        );
      const allocated = (await app.get<{ s: number }>(
        sql`SELECT sum(amount_minor) AS s FROM allocations WHERE payment_id = ${first.paymentId}`,
      ))!.s;
      expect(allocated).toBeGreaterThan(0);
      // Credit is now 9 * BIG - allocated, just under the ceiling only if allocated is small enough to matter:
      // undoing returns `allocated` to credit. Push credit right to the edge first with a bill-sized payment.
      const show = await value<{ unallocatedMinor: number }>(app.dispatch('accounts:show', { accountNo }));
      const room = MAX_MINOR - show.unallocatedMinor;
      expect(room).toBeGreaterThanOrEqual(allocated);
      const fill = room - allocated + 1;
      const exponent = 2;
      const fillText = `${Math.floor(fill / 10 ** exponent)}.${String(fill % 10 ** exponent).padStart(2, '0')}`;
      await value(
        app.dispatch('payments:record', { accountNo, amount: fillText, payType: 10012, allocate: 'none' }),
      );
      const undo = await app.dispatch('allocation:undo', { paymentId: first.paymentId, reasonCode: 4001 });
      expect(undo).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'amount-ceiling' } });
      await clean();
    });

    it('ledger check reports figures past 2^53 exactly and never contradicts itself', async () => {
      const [accountNo] = await usd(1);
      const account = (await app.get<{ id: number; b: number }>(
        sql`SELECT id, balance_minor AS b FROM accounts WHERE account_no = ${accountNo}`,
      ))!;
      // A journal posted behind the services' back takes the AR postings to exactly -(2^53 + 1), and the cached
      // balance is one unit off at -(2^53): rounded to doubles both read -9007199254740992.
      const posted = -(2n ** 53n) - 1n;
      const huge = BigInt(account.b) - posted;
      await app.ctx.storage.transaction(async (tx) => {
        const audit = (await tx.get<{ id: number }>(
          sql`INSERT INTO audit_log (at, action, entity) VALUES ('2026-11-22T09:00:00Z', 'test', 'journal') RETURNING id`,
        ))!.id;
        const journal = (await tx.get<{ id: number }>(
          sql`INSERT INTO journals (kind, at, effective_date, audit_id) VALUES ('test', '2026-11-22T09:00:00Z', '2026-11-22', ${audit}) RETURNING id`,
        ))!.id;
        await tx.run(
          sql`INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
            VALUES (${journal}, 'AR', ${account.id}, ${-huge}, 'USD'), (${journal}, 'CASH', NULL, ${huge}, 'USD')`,
        );
        await tx.run(sql`UPDATE accounts SET balance_minor = ${posted + 1n} WHERE id = ${account.id}`);
      });
      const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
      const mismatch = check.violations.find((v) => v.rule === 'balance-matches-journal');
      expect(mismatch).toBeDefined();
      const [, cached, sum] =
        /balance (-?\d+) but its AR postings sum to (-?\d+)/.exec(mismatch!.message) ?? [];
      expect(BigInt(cached!)).toBe(posted + 1n);
      expect(BigInt(sum!)).toBe(posted);
    });

    it('suspense holds at most the ceiling per currency: batches and suspense moves past it are refused', async () => {
      // Nine big payments to unknown accounts fill suspense to 8,999,999,999,999,991.
      await suspend(
        app,
        Array.from({ length: 9 }, () => ({ amount: BIG })),
      );
      // Exact or refused by the port (InexactInteger), so BigInt of it is the stored sum.
      const held = async (): Promise<bigint> =>
        BigInt(
          (await app.get<{ s: number }>(
            sql`SELECT sum(amount_minor) AS s FROM suspense_queue WHERE state IN ('suspended', 'partial', 'recycled') AND currency = 'USD'`,
          ))!.s,
        );
      expect(await held()).toBe(9n * BigInt(BIG_MINOR));
      // A tenth from a batch would pass 2^53 - 1.
      await setSettingVia(app, 'PaymentSuspense', true);
      const batch = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: 'NOPE-X', amount: BIG }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      expect(await dispatchConfirmed(app, 'batches:submit', { batchId: batch.id })).toMatchObject({
        ok: false,
        error: { code: 'conflict', rule: 'amount-ceiling' },
      });
      // Recycling a posted payment into suspense (a suspense move) is refused the same way, and rolls back.
      const [accountNo] = await usd(1);
      const paymentId = await postPayment(app, accountNo!, BIG, { allocate: 'none' });
      const recycled = await app.dispatch('suspense:recycle', { paymentIds: [paymentId], reasonCode: 4002 });
      expect(recycled).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'amount-ceiling' } });
      expect(await held()).toBe(9n * BigInt(BIG_MINOR));
      await clean();
    });

    it('a payment history whose gross total passes 2^53 is refused with advice, not rounded', async () => {
      const [accountNo] = await usd(1);
      const ids: number[] = [];
      for (let i = 0; i < 9; i++)
        ids.push(await postPayment(app, accountNo!, BIG, { allocate: 'none', effectiveDate: '2026-11-01' }));
      // One leaves for suspense (its credit goes), so a tenth fits the account; the history still lists all ten.
      await value(app.dispatch('suspense:recycle', { paymentIds: [ids[0]!], reasonCode: 4002 }));
      await postPayment(app, accountNo!, BIG, { allocate: 'none' });
      const all = await app.dispatch('accounts:payment-history', { accountNo });
      expect(all).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'amount-ceiling' } });
      expect(String((all as { error: { message: string } }).error.message)).toMatch(/narrow the dates/);
      const some = await value<{ total: number; totalAmountMinor: number }>(
        app.dispatch('accounts:payment-history', { accountNo, from: '2026-11-02', limit: 5 }),
      );
      expect(some).toMatchObject({ total: 1, totalAmountMinor: BIG_MINOR });
      await clean();
    });
  });
});
