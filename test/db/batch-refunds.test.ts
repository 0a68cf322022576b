import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountDetailDto } from '../../src-shared/dto/accounts';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  BatchSubmitDto,
} from '../../src-shared/dto/batches';
import { APPS, type TestApp } from '../helpers/apps';
import { expectClean, setSettingVia, value } from '../helpers/suspense';

let app: TestApp;

const clean = (): Promise<void> => expectClean(app);
const setSetting = (key: string, v: unknown): Promise<void> => setSettingVia(app, key, v);

/** Active USD accounts with one bill unit and open bills. */
function usdAccounts(n: number): Promise<{ accountNo: string; billUnitNo: string }[]> {
  return app.all<{ accountNo: string; billUnitNo: string }>(
    sql`SELECT a.account_no AS "accountNo", min(u.bill_unit_no) AS "billUnitNo" FROM accounts a JOIN bill_units u ON u.account_id = a.id
       WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
         AND (SELECT count(*) FROM bill_units x WHERE x.account_id = a.id) = 1
         AND EXISTS (SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.status = 'open')
       GROUP BY a.id ORDER BY a.id LIMIT ${n}`,
  );
}

async function account(accountNo: string): Promise<AccountDetailDto> {
  return value<AccountDetailDto>(app.dispatch('accounts:show', { accountNo }));
}

async function entries(batchId: number): Promise<BatchEntryDto[]> {
  return (
    await value<BatchEntriesPageDto>(app.dispatch('batches:entries', { batchId, startRow: 0, endRow: 1000 }))
  ).rows;
}

/** Gives an account unallocated credit by recording a payment that is not allocated. */
async function credit(accountNo: string, amount: string): Promise<void> {
  await value(app.dispatch('payments:record', { accountNo, amount, payType: 10012, allocate: 'none' }));
}

/** Gives an account an open refund item (a credit item of type "refund" on a bill of its own) via an AR import. */
async function refundItem(billUnitNo: string, billNo: string, amount: string): Promise<void> {
  const bills = join(app.dir, `${billNo}-bills.csv`);
  const items = join(app.dir, `${billNo}-items.csv`);
  writeFileSync(
    bills,
    `bill_no,bill_unit_no,bill_date,due_date,currency,total\n${billNo},${billUnitNo},2026-11-01,2026-11-30,USD,-${amount}\n`,
  );
  writeFileSync(
    items,
    `item_no,bill_no,type,amount,open_amount,gl_id\n${billNo}-I,${billNo},refund,-${amount},-${amount},0\n`,
  );
  await value(app.dispatch('ar:import', { billsFile: bills, itemsFile: items }));
}

async function refundBatch(extra: Record<string, unknown> = {}): Promise<BatchDto> {
  return value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'refund', payType: 10012, currency: 'USD', ...extra }),
  );
}

describe.each(APPS.filter((r) => r.available))('batch refunds ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 120, seed: 5 }));
  });
  afterEach(() => app.dispose());

  describe('refund batches', () => {
    it('take the external pay types but never card (V10)', async () => {
      for (const payType of [10011, 10012, 10013, 10014, 10015]) {
        const r = await app.dispatch('batches:create', { batchType: 'refund', payType, currency: 'USD' });
        expect(r.ok, `pay type ${payType}`).toBe(true);
      }
      for (const payType of [10003, 10005, 10018]) {
        const r = await app.dispatch('batches:create', { batchType: 'refund', payType, currency: 'USD' });
        expect(r, `pay type ${payType}`).toMatchObject({ ok: false, error: { code: 'validation' } });
      }
    });

    it('refund open refund items and unallocated credit, refuse what the account does not hold, and never post twice', async () => {
      const [a, b, c] = await usdAccounts(3);
      await credit(a!.accountNo, '50.00');
      await refundItem(b!.billUnitNo, 'RFB-1', '30.00');
      const beforeA = await account(a!.accountNo);
      const beforeB = await account(b!.accountNo);
      expect(beforeA.unallocatedMinor).toBe(5000);
      await clean();

      const batch = await refundBatch({ controlCount: 5 });
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [
            { accountNo: a!.accountNo, amount: '60.00', checkNo: 'R1' },
            { accountNo: b!.accountNo, amount: '30.00', checkNo: 'R2', custom: { reasonCode: '4202' } },
            { accountNo: c!.accountNo, amount: '5.00', checkNo: 'R3' },
            { accountNo: 'NO-SUCH', amount: '5.00', checkNo: 'R4' },
            { billNo: 'RFB-1', amount: '1.00', checkNo: 'R5', custom: { reasonCode: '2001' } },
          ],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      let rows = await entries(batch.id);
      expect(rows.map((r) => r.status)).toEqual(['invalid', 'valid', 'invalid', 'invalid', 'invalid']);
      expect(rows[0]!.problem).toContain('holds only 50.00 USD to refund');
      expect(rows[1]).toMatchObject({ reasonCode: 4202 });
      expect(rows[2]!.problem).toContain('no open refund item or credit');
      expect(rows[3]).toMatchObject({ problemColumn: 'accountNo' });
      expect(rows[4]).toMatchObject({ problemColumn: 'reasonCode' });

      // The clerk lowers the first refund and drops the bad rows; refunds are never suspended.
      const suspend = await app.dispatch('batches:suspend-entry', {
        batchId: batch.id,
        entryId: rows[2]!.id,
        reasonCode: 2001,
      });
      expect(suspend).toMatchObject({ ok: false, error: { code: 'conflict' } });
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ id: rows[0]!.id, amount: '40.00' }],
        }),
      );
      await value(
        app.dispatch('batches:delete-entries', {
          batchId: batch.id,
          ids: [rows[2]!.id, rows[3]!.id, rows[4]!.id],
        }),
      );
      await value(
        app.dispatch('batches:update-header', { batchId: batch.id, controlCount: 2, controlTotal: '70.00' }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      rows = await entries(batch.id);
      expect(rows.map((r) => r.status)).toEqual(['valid', 'valid']);
      expect(rows[0]).toMatchObject({ reasonCode: 4201 });

      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out).toMatchObject({ refunded: 2, refundedMinor: 7000, posted: 0, failed: [] });
      expect(out.batch.status).toBe('submitted');
      await clean();

      const afterA = await account(a!.accountNo);
      const afterB = await account(b!.accountNo);
      // The refund raises the balance by what was paid out: credit on A drops by 40, B's refund item closes.
      expect(afterA.balanceMinor - beforeA.balanceMinor).toBe(4000);
      expect(afterA.unallocatedMinor).toBe(1000);
      expect(afterB.balanceMinor - beforeB.balanceMinor).toBe(3000);
      const item = await app.get(
        sql`SELECT status, open_minor AS "openMinor" FROM bill_items WHERE item_no = 'RFB-1-I'`,
      );
      expect(item).toEqual({ status: 'closed', openMinor: 0 });
      const refunds = await app.all(
        sql`SELECT reason_code AS "reasonCode", items_closed_minor AS items, credit_used_minor AS credit FROM refunds ORDER BY id`,
      );
      expect(refunds).toEqual([
        { reasonCode: 4201, items: 0, credit: 4000 },
        { reasonCode: 4202, items: 3000, credit: 0 },
      ]);
      // Every refund journal balances: AR debit, CASH credit.
      const lines = await app.all(
        sql`SELECT l.gl_account AS gl, sum(l.amount_minor) AS s FROM journal_lines l JOIN journals j ON j.id = l.journal_id
         WHERE j.kind = 'refund' GROUP BY l.gl_account ORDER BY l.gl_account`,
      );
      expect(lines).toEqual([
        { gl: 'AR', s: 7000 },
        { gl: 'CASH', s: -7000 },
      ]);

      // Resubmit: nothing posts twice; a refund is not a payment and cannot be reversed (V10).
      const again = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(again).toMatchObject({ refunded: 0, alreadyPosted: 2 });
      expect(await app.get(sql`SELECT count(*) AS n FROM refunds`)).toEqual({ n: 2 });
      await clean();
    });

    it('imports a refund file from the CLI path (batches:import-file) with a reason column', async () => {
      const [a] = await usdAccounts(1);
      await credit(a!.accountNo, '20.00');
      const file = join(app.dir, 'refunds.csv');
      writeFileSync(file, `${a!.accountNo},12.50,4203\n`);
      const imported = await value<{ batch: BatchDto; rows: number }>(
        app.dispatch('batches:import-file', {
          file,
          batchType: 'refund',
          payType: 10011,
          currency: 'USD',
          template: {
            name: 'refunds',
            format: 'delimited',
            delimiter: ',',
            dateFormat: 'yyyy-MM-dd',
            columns: [
              { field: 'accountNo', index: 0 },
              { field: 'amount', index: 1 },
              { field: 'custom:reasonCode', index: 2 },
            ],
          },
        }),
      );
      expect(imported.batch.batchType).toBe('refund');
      await value(app.dispatch('batches:validate', { batchId: imported.batch.id }));
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: imported.batch.id }));
      expect(out).toMatchObject({ refunded: 1, refundedMinor: 1250 });
      expect(await app.get(sql`SELECT reason_code AS r FROM refunds`)).toEqual({ r: 4203 });
      await clean();
    });
  });

  describe('refunds across currencies and uploaded files', () => {
    it('converts a refund in another currency with the dated rate and balances each currency', async () => {
      const [a] = await usdAccounts(1);
      await app.ctx.storage.transaction(async (tx) => {
        await tx.run(
          sql`INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm) VALUES ('EUR', 'USD', '2026-01-01', 1100000)`,
        );
      });
      await credit(a!.accountNo, '20.00');
      const batch = await refundBatch({ currency: 'EUR' });
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: a!.accountNo, amount: '10.00' }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out).toMatchObject({ refunded: 1, refundedMinor: 1000 });
      expect(
        await app.get(
          sql`SELECT amount_minor AS a, currency, account_amount_minor AS aa, rate_ppm AS r, credit_used_minor AS c FROM refunds`,
        ),
      ).toEqual({ a: 1000, currency: 'EUR', aa: 1100, r: 1100000, c: 1100 });
      expect((await account(a!.accountNo)).unallocatedMinor).toBe(900);
      await clean();
    });

    it('lets several refunds of one account (ALLOWACCOUNTDUP) share its credit across payments, oldest first', async () => {
      await setSetting('ALLOWACCOUNTDUP', true);
      const [a] = await usdAccounts(1);
      await credit(a!.accountNo, '6.00');
      await credit(a!.accountNo, '4.00');
      const batch = await refundBatch();
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [
            { accountNo: a!.accountNo, amount: '5.00' },
            { accountNo: a!.accountNo, amount: '4.00' },
            { accountNo: a!.accountNo, amount: '2.00' },
          ],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      expect((await entries(batch.id)).map((r) => r.status)).toEqual(['valid', 'valid', 'invalid']);
      await value(
        app.dispatch('batches:delete-entries', {
          batchId: batch.id,
          ids: [(await entries(batch.id))[2]!.id],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      await value(app.dispatch('batches:submit', { batchId: batch.id }));
      // 5.00 from the first payment; 4.00 = the first payment's last 1.00 and 3.00 of the second.
      const funded = await app.all<{ billNo: string; paymentId: number; amountMinor: number }>(
        sql`SELECT b.bill_no AS "billNo", al.payment_id AS "paymentId", al.amount_minor AS "amountMinor" FROM allocations al
         JOIN bills b ON b.id = al.bill_id WHERE b.bill_no LIKE 'RF-%' ORDER BY al.id`,
      );
      expect(funded.map((f) => f.amountMinor)).toEqual([500, 100, 300]);
      expect(new Set(funded.map((f) => f.billNo)).size).toBe(2);
      expect(funded[0]!.paymentId).toBe(funded[1]!.paymentId);
      expect(funded[2]!.paymentId).toBeGreaterThan(funded[1]!.paymentId);
      expect((await account(a!.accountNo)).unallocatedMinor).toBe(100);
      await clean();
    });

    it('reopens the refund item when the payment that funded a refund is reversed (the money is owed back)', async () => {
      const [a] = await usdAccounts(1);
      await credit(a!.accountNo, '8.00');
      const paymentId = (await app.get<{ id: number }>(sql`SELECT max(id) AS id FROM payments`))!.id;
      const batch = await refundBatch();
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: a!.accountNo, amount: '8.00' }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      await value(app.dispatch('batches:submit', { batchId: batch.id }));
      const before = await account(a!.accountNo);
      const reversal = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'reversal', payType: 10012, currency: 'USD' }),
      );
      await value(
        app.dispatch('batches:save-entries', { batchId: reversal.id, entries: [{ paymentRef: paymentId }] }),
      );
      await value(app.dispatch('batches:validate', { batchId: reversal.id }));
      await value(app.dispatch('batches:submit', { batchId: reversal.id }));
      const item = await app.get(
        sql`SELECT status, open_minor AS "openMinor" FROM bill_items WHERE item_no LIKE 'RF-%'`,
      );
      expect(item).toEqual({ status: 'open', openMinor: 800 });
      expect((await account(a!.accountNo)).balanceMinor - before.balanceMinor).toBe(800);
      await clean();
    });

    it('previews and imports a file sent as bytes (base64) exactly like one read from a path', async () => {
      const [a] = await usdAccounts(1);
      const content = Buffer.from(`${a!.accountNo},7.25\n${a!.accountNo},x\n`).toString('base64');
      const template = {
        name: 'upload',
        format: 'delimited',
        delimiter: ',',
        dateFormat: 'yyyy-MM-dd',
        columns: [
          { field: 'accountNo', index: 0 },
          { field: 'amount', index: 1 },
        ],
      };
      const both = await app.dispatch('batches:preview-file', {
        file: '/nope.csv',
        content,
        template,
        currency: 'USD',
      });
      expect(both).toMatchObject({ ok: false, error: { code: 'validation' } });
      const preview = await value<{ file: string; rows: unknown[]; rowsWithProblems: number }>(
        app.dispatch('batches:preview-file', { content, fileName: 'upload.csv', template, currency: 'USD' }),
      );
      expect(preview).toMatchObject({ file: 'upload.csv', rowsWithProblems: 1 });
      expect(preview.rows).toHaveLength(2);
      const imported = await value<{ batch: BatchDto; rows: number; invalid: number }>(
        app.dispatch('batches:import-file', {
          content,
          fileName: 'upload.csv',
          template,
          payType: 10012,
          currency: 'USD',
        }),
      );
      expect(imported).toMatchObject({ rows: 2, invalid: 1, batch: { sourceFile: 'upload.csv' } });
      const again = await app.dispatch('batches:import-file', {
        content,
        fileName: 'renamed.csv',
        template,
        payType: 10012,
        currency: 'USD',
      });
      expect(again).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'already-imported' } });
    });
  });

  describe('lock-per-account submit (payment.batchLock = account)', () => {
    it('posts entry by entry, records the entry that failed, and completes on resubmit without posting twice', async () => {
      await setSetting('payment.batchLock', 'account');
      const [a, b, c] = await usdAccounts(3);
      await credit(a!.accountNo, '10.00');
      await credit(b!.accountNo, '20.00');
      await credit(c!.accountNo, '30.00');
      const batch = await refundBatch();
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [
            { accountNo: a!.accountNo, amount: '10.00' },
            { accountNo: b!.accountNo, amount: '20.00' },
            { accountNo: c!.accountNo, amount: '30.00' },
          ],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      // After validation, B's credit is used elsewhere: its refund can no longer post.
      await value(app.dispatch('allocation:account-credit', { accountNo: b!.accountNo, policy: 'fifo' }));

      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out.mode).toBe('account');
      expect(out).toMatchObject({ refunded: 2, refundedMinor: 4000 });
      expect(out.failed).toHaveLength(1);
      expect(out.failed[0]).toMatchObject({ seq: 2 });
      expect(out.failed[0]!.message).toContain('changed since validation');
      expect(out.batch.status).toBe('open');
      let rows = await entries(batch.id);
      expect(rows.map((r) => r.status)).toEqual(['posted', 'invalid', 'posted']);
      expect(rows[1]!.problem).toContain('not posted');
      await clean();

      // The failed entry moves to an exception batch; the rest is then submitted, and a resubmit posts nothing.
      const ex = await value<{ exception: BatchDto; moved: number }>(
        app.dispatch('batches:exception', { batchId: batch.id }),
      );
      expect(ex.moved).toBe(1);
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const done = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(done).toMatchObject({ refunded: 0, failed: [] });
      expect(done.batch.status).toBe('submitted');
      rows = await entries(batch.id);
      expect(rows.map((r) => r.status)).toEqual(['posted', 'posted']);
      expect(await app.get(sql`SELECT count(*) AS n FROM refunds`)).toEqual({ n: 2 });
      await clean();
    });

    it('posts payment batches entry by entry with allocations and suspense, like the batch mode', async () => {
      await setSetting('payment.batchLock', 'account');
      await setSetting('PaymentSuspense', true);
      const [a, b] = await usdAccounts(2);
      const batch = await value<BatchDto>(
        app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [
            { accountNo: a!.accountNo, amount: '15.00' },
            { accountNo: 'NOBODY', amount: '7.00' },
            { accountNo: b!.accountNo, amount: '8.00' },
          ],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out).toMatchObject({
        posted: 2,
        suspended: 1,
        postedMinor: 2300,
        suspendedMinor: 700,
        failed: [],
      });
      expect(out.batch.status).toBe('submitted');
      // Each entry has its own journal in this mode.
      expect(await app.get(sql`SELECT count(*) AS n FROM journals WHERE idem_key LIKE 'entry:%'`)).toEqual({
        n: 3,
      });
      await clean();
    });
  });

  describe('zero-proof override and header edits', () => {
    it('lets only a supervisor submit differing figures with a reason of domain 19, audited', async () => {
      const [a] = await usdAccounts(1);
      const batch = await value<BatchDto>(
        app.dispatch('batches:create', {
          batchType: 'payment',
          payType: 10012,
          currency: 'USD',
          controlCount: 2,
          note: 'first',
        }),
      );
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: a!.accountNo, amount: '3.00' }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const off = await app.dispatch('batches:submit', { batchId: batch.id, overrideReasonCode: 4301 });
      expect(off).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'zero-proof' } });
      await setSetting('zeroProof.override', true);
      const noReason = await app.dispatch('batches:submit', { batchId: batch.id });
      expect(noReason).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'zero-proof' } });

      // A clerk (second operator of the ledger) is refused.
      const clerk = await app.again({ login: 'clerk2', clock: () => new Date('2026-11-22T09:00:00Z') });
      const r = await clerk.dispatch('batches:submit', { batchId: batch.id, overrideReasonCode: 4301 });
      expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const refused = await app.all(
        sql`SELECT o.login, a.reason_code AS "reasonCode" FROM audit_log a JOIN operators o ON o.id = a.operator_id
           WHERE a.action = 'forbidden' AND a.entity = 'batch' AND a.entity_id = ${String(batch.id)}`,
      );
      expect(refused).toEqual([{ login: 'clerk2', reasonCode: 4301 }]);
      const wrongDomain = await app.dispatch('batches:submit', {
        batchId: batch.id,
        overrideReasonCode: 4201,
      });
      expect(wrongDomain).toMatchObject({ ok: false, error: { code: 'validation' } });
      expect((await value<BatchDto>(app.dispatch('batches:get', { batchId: batch.id }))).status).toBe(
        'validated',
      );

      const out = await value<BatchSubmitDto>(
        app.dispatch('batches:submit', {
          batchId: batch.id,
          overrideReasonCode: 4301,
          overrideNote: 'bank header wrong',
        }),
      );
      expect(out.posted).toBe(1);
      const audit = (await app.get<{ reasonCode: number; after: string }>(
        sql`SELECT reason_code AS "reasonCode", after FROM audit_log WHERE action = 'batch.submit' AND entity_id = ${String(batch.id)}`,
      ))!;
      expect(audit.reasonCode).toBe(4301);
      expect(JSON.parse(audit.after)).toMatchObject({
        zeroProofOverride: {
          reasonCode: 4301,
          note: 'bank header wrong',
          expected: { count: 2 },
          entered: { count: 1 },
        },
      });
      await clean();

      // The note stays editable after submit; control figures do not.
      const noted = await value<BatchDto>(
        app.dispatch('batches:update-header', { batchId: batch.id, note: 'checked' }),
      );
      expect(noted.note).toBe('checked');
      const figures = await app.dispatch('batches:update-header', { batchId: batch.id, controlCount: 1 });
      expect(figures).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'batch-submitted' } });
    });

    it('edits control figures of an open batch without losing the validation, and refuses bad figures', async () => {
      const batch = await refundBatch({ controlCount: 3 });
      const bad = await app.dispatch('batches:update-header', { batchId: batch.id, controlTotal: '1.234' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'validation' } });
      const cleared = await value<BatchDto>(
        app.dispatch('batches:update-header', {
          batchId: batch.id,
          controlCount: null,
          controlTotal: '12.00',
          lockboxNo: 'LB-9',
        }),
      );
      expect(cleared).toMatchObject({ controlCount: null, controlTotalMinor: 1200, lockboxNo: 'LB-9' });
      const audit = (await app.get<{ before: string; after: string }>(
        sql`SELECT before, after FROM audit_log WHERE action = 'batch.header' AND entity_id = ${String(batch.id)}`,
      ))!;
      expect(JSON.parse(audit.before)).toMatchObject({ controlCount: 3 });
      expect(JSON.parse(audit.after)).toMatchObject({ controlCount: null, controlTotalMinor: 1200 });
    });
  });
});
