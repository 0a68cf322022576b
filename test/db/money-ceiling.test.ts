import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import { runCli } from '../../src-main/cli/main';
import {
  assertWithinCeiling,
  MAX_MINOR,
  sumMinor,
  toMinor,
  withinCeiling,
} from '../../src-main/ledger/ceiling';
import { assertBalanced } from '../../src-main/ledger/journal';
import { dispatchConfirmed } from '../helpers/confirm';
import { freshApp, tempDir } from '../helpers/ledger';
import { postPayment, setSetting, suspend } from '../helpers/suspense';

/** The largest amount the contract accepts in a 2-decimal currency: 999,999,999,999,999 minor units. */
const BIG = '9999999999999.99';
const BIG_MINOR = 999_999_999_999_999;

type Run = { code: number; doc: Record<string, unknown> };

async function cli(db: string, ...args: string[]): Promise<Run> {
  let out = '';
  const code = await runCli(['node', 'paydesk', '--db', db, '--json', ...args], {
    out: (t) => (out += t),
    err: () => undefined,
    isTty: false,
  });
  return { code, doc: JSON.parse(out.trim()) as Record<string, unknown> };
}

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

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

describe('finding 4: totals above 2^53 (CLI)', () => {
  let dir: string;
  let cleanup: () => void;
  let db: string;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir());
    db = join(dir, 'ceiling.sqlite');
    process.env.PAYDESK_OPERATOR = 'ceiling-tester';
    expect((await cli(db, 'init')).code).toBe(0);
    expect((await cli(db, 'demo', '--accounts', '3', '--seed', '1')).code).toBe(0);
  });
  afterAll(() => cleanup());

  it('ten payments of 9,999,999,999,999.99: the one that crosses the ceiling is refused, figures stay exact', async () => {
    const before = (await cli(db, 'account', 'show', 'A0000001')).doc as {
      balanceMinor: number;
      openItemsMinor: number;
      unallocatedMinor: number;
    };
    const codes: number[] = [];
    let refusal: Record<string, unknown> | null = null;
    for (let i = 0; i < 10; i++) {
      const r = await cli(db, 'payment', 'record', 'A0000001', BIG, '--no-allocate', '--key', `big-${i}`);
      codes.push(r.code);
      if (r.code !== 0) refusal = r.doc;
    }
    // Nine fit under 2^53 - 1 (8,999,999,999,999,991); the tenth would make 9,999,999,999,999,990.
    expect(codes).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(refusal).toMatchObject({ error: { code: 'conflict', rule: 'amount-ceiling' } });
    expect(String((refusal!.error as { message: string }).message)).toMatch(/unallocated credit/);
    const after = (await cli(db, 'account', 'show', 'A0000001')).doc as typeof before;
    const credit = before.unallocatedMinor + 9 * BIG_MINOR;
    expect(after.unallocatedMinor).toBe(credit);
    expect(after.openItemsMinor).toBe(before.openItemsMinor);
    expect(after.balanceMinor).toBe(before.openItemsMinor - credit);
    const check = await cli(db, 'ledger', 'check');
    expect(check.doc.violations).toEqual([]);
    expect(check.code).toBe(0);
  });
});

describe('finding 4: ceiling on every posting path', () => {
  let app: ReturnType<typeof freshApp>;
  beforeEach(async () => {
    app = freshApp();
    await value(app.dispatch('demo:load', { accounts: 30, seed: 5 }));
  });
  afterEach(() => app.dispose());

  const usd = (n: number): string[] =>
    (
      app.ctx.ledger.sqlite
        .prepare(
          `SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 ORDER BY id LIMIT ?`,
        )
        .all(n) as { no: string }[]
    ).map((r) => r.no);

  async function clean(): Promise<void> {
    const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
    expect(check.violations).toEqual([]);
  }

  it('a batch entry that would push the batch total past 2^53 is refused; a batch at the edge posts exactly', async () => {
    const accounts = usd(10);
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
    const done = await value<BatchSubmitDto>(dispatchConfirmed(app, 'batches:submit', { batchId: batch.id }));
    expect(done.posted).toBe(9);
    expect(done.postedMinor).toBe(9 * BIG_MINOR);
    const cash = app.ctx.ledger.sqlite
      .prepare(
        `SELECT l.amount_minor AS a FROM journal_lines l JOIN payments p ON p.journal_id = l.journal_id
         WHERE l.gl_account = 'CASH' AND p.batch_id = ? LIMIT 1`,
      )
      .safeIntegers(true)
      .get(batch.id) as { a: bigint };
    expect(cash.a).toBe(9n * BigInt(BIG_MINOR));
    await clean();
  });

  it('a bank file whose rows add up past 2^53 stages nothing', async () => {
    const rows = usd(10).map((a, i) => `${a},${BIG},11/19/2026,${1000 + i}`);
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
    const batches = (): unknown => app.ctx.ledger.sqlite.prepare('SELECT count(*) AS n FROM batches').get();
    const before = batches();
    const r = await app.dispatch('batches:import-file', { file, template, payType: 10012, currency: 'USD' });
    expect(r).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'amount-ceiling' } });
    expect(batches()).toEqual(before);
    // Nine rows import, and the batch shows their exact total.
    writeFileSync(file, ['Account,Amount,Date,Check', ...rows.slice(0, 9)].join('\n') + '\n');
    const ok = await value<{ batch: BatchDto }>(
      app.dispatch('batches:import-file', { file, template, payType: 10012, currency: 'USD' }),
    );
    expect(ok.batch.zeroProof.enteredTotalMinor).toBe(9 * BIG_MINOR);
  });

  it('undoing an allocation that would lift unallocated credit past the ceiling is refused', async () => {
    const [accountNo] = usd(1);
    const sqlite = app.ctx.ledger.sqlite;
    // One payment allocated to everything open, then eight more big ones as credit.
    const first = await value<{ paymentId: number }>(
      app.dispatch('payments:record', { accountNo, amount: BIG, payType: 10012, allocate: 'auto' }),
    );
    for (let i = 0; i < 8; i++)
      await value(
        app.dispatch('payments:record', { accountNo, amount: BIG, payType: 10012, allocate: 'none' }),
      );
    const allocated = (
      sqlite
        .prepare('SELECT sum(amount_minor) AS s FROM allocations WHERE payment_id = ?')
        .get(first.paymentId) as {
        s: number;
      }
    ).s;
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
    const [accountNo] = usd(1);
    const sqlite = app.ctx.ledger.sqlite;
    const account = sqlite.prepare('SELECT id FROM accounts WHERE account_no = ?').get(accountNo) as {
      id: number;
    };
    // A journal posted behind the services' back takes the AR postings to exactly -(2^53 + 1), and the cached
    // balance is one unit off at -(2^53): rounded to doubles both read -9007199254740992.
    const before = sqlite
      .prepare('SELECT balance_minor AS b FROM accounts WHERE id = ?')
      .safeIntegers(true)
      .get(account.id) as { b: bigint };
    const posted = -(2n ** 53n) - 1n;
    const huge = before.b - posted;
    const audit = sqlite
      .prepare(
        `INSERT INTO audit_log (at, action, entity) VALUES ('2026-11-22T09:00:00Z', 'test', 'journal')`,
      )
      .run().lastInsertRowid;
    const journal = sqlite
      .prepare(
        `INSERT INTO journals (kind, at, effective_date, audit_id) VALUES ('test', '2026-11-22T09:00:00Z', '2026-11-22', ?)`,
      )
      .run(audit).lastInsertRowid;
    const line = sqlite.prepare(
      `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency) VALUES (?, ?, ?, ?, 'USD')`,
    );
    line.run(journal, 'AR', account.id, -huge);
    line.run(journal, 'CASH', null, huge);
    sqlite.prepare('UPDATE accounts SET balance_minor = ? WHERE id = ?').run(posted + 1n, account.id);
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
    const held = (): bigint =>
      (
        app.ctx.ledger.sqlite
          .prepare(
            `SELECT sum(amount_minor) AS s FROM suspense_queue WHERE state IN ('suspended', 'partial', 'recycled') AND currency = 'USD'`,
          )
          .safeIntegers(true)
          .get() as { s: bigint }
      ).s;
    expect(held()).toBe(9n * BigInt(BIG_MINOR));
    // A tenth from a batch would pass 2^53 - 1.
    setSetting(app, 'PaymentSuspense', true);
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
    const [accountNo] = usd(1);
    const paymentId = await postPayment(app, accountNo!, BIG, { allocate: 'none' });
    const recycled = await app.dispatch('suspense:recycle', { paymentIds: [paymentId], reasonCode: 4002 });
    expect(recycled).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'amount-ceiling' } });
    expect(held()).toBe(9n * BigInt(BIG_MINOR));
    await clean();
  });

  it('a payment history whose gross total passes 2^53 is refused with advice, not rounded', async () => {
    const [accountNo] = usd(1);
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
