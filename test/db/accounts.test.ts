import { createHash } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountDetailDto, AccountSearchDto, PaymentHistoryDto } from '../../src-shared/dto/accounts';
import type { DemoSummaryDto, LedgerCheckDto } from '../../src-shared/dto/app';
import { APPS, type TestApp } from '../helpers/apps';
import { value } from '../helpers/suspense';

const NOW = new Date('2026-11-22T09:00:00Z');

/** Every row of the demo tables but their creation time, in one snapshot. */
function ledgerDigest(app: TestApp): Promise<string> {
  return app.ctx.storage.transaction(
    async (tx) => {
      const h = createHash('sha256');
      for (const table of ['accounts', 'bill_units', 'bills', 'bill_items', 'journal_lines']) {
        const rows = await tx.all<Record<string, unknown>>(
          sql`SELECT * FROM ${sql.identifier(table)} ORDER BY id`,
        );
        for (const r of rows) {
          delete r.created_at;
          h.update(JSON.stringify(r));
        }
      }
      return h.digest('hex');
    },
    { readOnly: true },
  );
}

/** A write straight to the ledger, as a bug or a hand edit would make it. */
function tamper(app: TestApp, query: SQL): Promise<unknown> {
  return app.ctx.storage.transaction((tx) => tx.run(query));
}

describe.each(APPS.filter((r) => r.available))('accounts ($dialect)', ({ open }) => {
  let app: TestApp;
  let demo: DemoSummaryDto;

  beforeAll(async () => {
    app = await open({ login: 'tester', clock: () => NOW });
    demo = await value<DemoSummaryDto>(app.dispatch('demo:load', { accounts: 400, seed: 7 }));
  });
  afterAll(() => app?.dispose());

  describe('demo data', () => {
    it('creates accounts, bill units, bills and items in several currencies and accounting types', async () => {
      expect(demo.accounts).toBe(400);
      expect(demo.bills).toBeGreaterThanOrEqual(800);
      expect(demo.items).toBeGreaterThan(demo.bills * 2);
      expect(Object.keys(demo.totalOpenMinorByCurrency).length).toBeGreaterThanOrEqual(3);
      const types = await app.all(sql`SELECT DISTINCT accounting_type AS t FROM bill_units ORDER BY t`);
      expect(types).toEqual([{ t: 'balance_forward' }, { t: 'open_item' }]);
      expect(
        (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM bill_units WHERE paying = 0`))!.n,
      ).toBeGreaterThan(0);
    });

    it('is deterministic: the same seed and date give the same ledger; another seed does not', async () => {
      const again = await open({ login: 'tester', clock: () => NOW });
      const other = await open({ login: 'tester', clock: () => NOW });
      try {
        await value(again.dispatch('demo:load', { accounts: 400, seed: 7 }));
        await value(other.dispatch('demo:load', { accounts: 400, seed: 8 }));
        expect(await ledgerDigest(again)).toBe(await ledgerDigest(app));
        expect(await ledgerDigest(other)).not.toBe(await ledgerDigest(app));
      } finally {
        await again.dispose();
        await other.dispose();
      }
    });

    it('refuses to load into a ledger that already has accounts', async () => {
      const r = await app.dispatch('demo:load', { accounts: 100, seed: 1 });
      expect(r).toMatchObject({ ok: false, error: { code: 'conflict' } });
    });

    it('leaves a ledger that passes every invariant check', async () => {
      const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
      expect(check.violations).toEqual([]);
      expect(check.ok).toBe(true);
    });
  });

  describe('accounts', () => {
    it('finds accounts by number prefix, case-insensitively', async () => {
      const r = await value<AccountSearchDto>(
        app.dispatch('accounts:search', { query: 'a000012', mode: 'prefix' }),
      );
      expect(r.rows.map((a) => a.accountNo)).toEqual(Array.from({ length: 10 }, (_, i) => `A000012${i}`));
      expect(r.truncated).toBe(false);
      const many = await value<AccountSearchDto>(
        app.dispatch('accounts:search', { query: 'A00001', limit: 50 }),
      );
      expect(many.rows).toHaveLength(50);
      expect(many.truncated).toBe(true);
    });

    it('finds accounts by name prefix and by a fragment of the name', async () => {
      const target = (await app.get<{ no: string; name: string }>(
        sql`SELECT account_no AS no, name FROM accounts WHERE id = 50`,
      ))!;
      const prefix = await value<AccountSearchDto>(
        app.dispatch('accounts:search', {
          query: target.name.slice(0, 4).toUpperCase(),
          mode: 'prefix',
          limit: 500,
        }),
      );
      expect(prefix.rows.map((a) => a.accountNo)).toContain(target.no);
      const fragment = target.name.slice(2, 7).toLowerCase();
      const contains = await value<AccountSearchDto>(
        app.dispatch('accounts:search', { query: fragment, mode: 'contains', limit: 500 }),
      );
      expect(contains.rows.map((a) => a.accountNo)).toContain(target.no);
      expect(
        contains.rows.every(
          (a) => a.name.toLowerCase().includes(fragment) || a.accountNo.toLowerCase().includes(fragment),
        ),
      ).toBe(true);
      const short = await value<AccountSearchDto>(
        app.dispatch('accounts:search', { query: 'ia', mode: 'contains' }),
      );
      expect(short.rows.every((a) => a.name.toLowerCase().includes('ia'))).toBe(true);
    });

    it('shows an account whose balance equals its open items and whose open bills add up', async () => {
      const a = await value<AccountDetailDto>(app.dispatch('accounts:show', { accountNo: 'A0000050' }));
      const open = (await app.get<{ s: number }>(
        sql`SELECT coalesce(sum(open_minor), 0) AS s FROM bill_items i JOIN accounts a ON a.id = i.account_id
          WHERE a.account_no = 'A0000050'`,
      ))!;
      expect(a.balanceMinor).toBe(open.s);
      expect(a.openItemsMinor).toBe(open.s);
      expect(a.unallocatedMinor).toBe(0);
      expect(a.openBills.reduce((s, b) => s + b.amountDueMinor, 0)).toBe(open.s);
      expect(a.billUnits.length).toBeGreaterThanOrEqual(1);
      expect(a.billingCycle.nextBillDate! > '2026-11-22').toBe(true);
      expect(a.billingCycle.lastBillDate! <= '2026-11-22').toBe(true);
      const overdue = a.openBills.filter((b) => b.dueDate < '2026-11-22');
      expect(a.paymentStatus.overdueBills).toBe(overdue.length);
      expect(a.paymentStatus.standing).toBe(
        overdue.length > 0 ? 'overdue' : a.balanceMinor > 0 ? 'good' : 'settled',
      );
    });

    it('answers not_found for an unknown account and bill', async () => {
      expect(await app.dispatch('accounts:show', { accountNo: 'NOPE' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
      expect(await app.dispatch('accounts:bill-items', { billNo: 'NOPE' })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    });

    it('lists the items of a bill', async () => {
      const a = await value<AccountDetailDto>(app.dispatch('accounts:show', { accountNo: 'A0000050' }));
      const bill = a.openBills[0]!;
      const items = await value<{ amountMinor: number; openMinor: number }[]>(
        app.dispatch('accounts:bill-items', { billNo: bill.billNo }),
      );
      expect(items.reduce((s, i) => s + i.amountMinor, 0)).toBe(bill.totalMinor);
      expect(items.reduce((s, i) => s + i.openMinor, 0)).toBe(bill.amountDueMinor);
    });

    it('pages payment history with the default page size of 50', async () => {
      const h = await value<PaymentHistoryDto>(
        app.dispatch('accounts:payment-history', { accountNo: 'A0000050' }),
      );
      expect(h).toMatchObject({ rows: [], total: 0, limit: 50, offset: 0 });
    });
  });

  describe('ledger check', () => {
    it('reports a balance that drifted from the journal and an unbalanced journal', async () => {
      const broken = await open({ login: 'tester', clock: () => NOW });
      try {
        await value(broken.dispatch('demo:load', { accounts: 100, seed: 2 }));
        await tamper(
          broken,
          sql`UPDATE accounts SET balance_minor = balance_minor + 1 WHERE account_no = 'A0000003'`,
        );
        await tamper(
          broken,
          sql`INSERT INTO journal_lines (journal_id, gl_account, amount_minor, currency) VALUES (1, 'CASH', 5, 'USD')`,
        );
        await tamper(
          broken,
          sql`UPDATE bill_items SET open_minor = amount_minor + 1 WHERE id = (SELECT min(id) FROM bill_items)`,
        );
        const check = await value<LedgerCheckDto>(broken.dispatch('ledger:check', {}));
        expect(check.ok).toBe(false);
        const rules = new Set(check.violations.map((v) => v.rule));
        expect(rules).toEqual(
          new Set([
            'journal-balanced',
            'balance-matches-journal',
            'balance-equals-open-items-minus-credit',
            'item-open-in-range',
            'bill-due-equals-items',
          ]),
        );
        expect(check.violations.find((v) => v.rule === 'balance-matches-journal')?.id).toBe('A0000003');
      } finally {
        await broken.dispose();
      }
    });
  });
});
