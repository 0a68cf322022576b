import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { BankFilePreviewDto, BatchEntriesPageDto, BatchImportDto } from '../../src-shared/dto/batches';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { buildCamt } from '../helpers/camt';
import { setSettingVia } from '../helpers/suspense';

let app: TestApp;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

type OpenBill = { billNo: string; accountNo: string; dueMinor: number };

/** Open EUR bills of distinct active accounts with a single bill unit. */
function eurBills(n: number): Promise<OpenBill[]> {
  return app.all<OpenBill>(
    sql`SELECT b.bill_no AS "billNo", a.account_no AS "accountNo", b.amount_due_minor AS "dueMinor"
        FROM bills b JOIN accounts a ON a.id = b.account_id
        WHERE a.currency = 'EUR' AND a.status = 'active' AND a.is_suspense = 0 AND b.status = 'open'
          AND b.amount_due_minor > 0
          AND b.id = (SELECT max(b2.id) FROM bills b2 WHERE b2.account_id = a.id AND b2.status = 'open')
          AND (SELECT count(*) FROM bill_units u WHERE u.account_id = a.id) = 1
        ORDER BY a.id LIMIT ${n}`,
  );
}

const decimal = (minor: number): string =>
  `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

describe.each(APPS.filter((r) => r.available))(
  'camt.053 statements into payment batches ($dialect)',
  ({ open }) => {
    beforeEach(async () => {
      app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
      await value(app.dispatch('demo:load', { accounts: 50, seed: 2 }));
      await setSettingVia(app, 'PaymentSuspense', true);
    });
    afterEach(async () => {
      await app?.dispose();
    });

    const write = (name: string, text: string): string => {
      const file = join(app.dir, name);
      writeFileSync(file, text);
      return file;
    };

    it('stages one entry per booked credit, resolves two demo bills and suspends the unknown reference', async () => {
      const [b1, b2] = await eurBills(2);
      expect(b1 && b2).toBeTruthy();
      const text = buildCamt({
        blocks: [
          [
            {
              amount: decimal(b1!.dueMinor),
              side: 'CRDT',
              ustrd: [`Invoice ${b1!.billNo}. Thank you`],
              debtorName: 'Mia Wolf',
              endToEndId: 'E2E-1',
            },
            { amount: '5.00', side: 'DBIT', endToEndId: 'FEE' },
            {
              amount: decimal(b2!.dueMinor),
              side: 'CRDT',
              creditorRef: b2!.billNo.toLowerCase(),
              debtorIban: 'DE89370400440532013000',
            },
          ],
          [
            { amount: '42.00', side: 'CRDT', ustrd: ['Payment ref ZZ-77123'], bookingDate: '2026-11-21' },
            { amount: '3.00', side: 'CRDT', status: 'PDNG', ustrd: [b1!.billNo] },
          ],
        ],
      });
      const file = write('statement.xml', text);
      // No template: the file is recognised by its content.
      const imported = await value<BatchImportDto>(
        app.dispatch('batches:import-file', { file, payType: 10013 }),
      );
      const total = b1!.dueMinor + b2!.dueMinor + 4200;
      expect(imported).toMatchObject({ rows: 3, invalid: 0 });
      expect(imported.batch).toMatchObject({
        batchType: 'payment',
        currency: 'EUR',
        controlCount: 3,
        controlTotalMinor: total,
        batchDate: '2026-11-21',
        sourceFile: 'statement.xml',
      });
      const page = await value<BatchEntriesPageDto>(
        app.dispatch('batches:entries', { batchId: imported.batch.id }),
      );
      expect(
        page.rows.map((r) => [r.billNo, r.accountNo, r.amountMinor, r.payerName, r.paymentDate]),
      ).toEqual([
        [b1!.billNo, null, b1!.dueMinor, 'Mia Wolf', '2026-11-20'],
        [b2!.billNo, null, b2!.dueMinor, null, '2026-11-20'],
        ['ZZ-77123', null, 4200, null, '2026-11-21'],
      ]);
      expect(page.rows[0]!.reference).toBe(`Invoice ${b1!.billNo}. Thank you`);
      expect(page.rows[0]!.custom).toMatchObject({ endToEndId: 'E2E-1' });
      expect(page.rows[1]!.custom).toMatchObject({
        debtorIban: 'DE89370400440532013000',
        creditorReference: b2!.billNo.toLowerCase(),
      });

      await value(app.dispatch('batches:validate', { batchId: imported.batch.id }));
      const validated = await value<BatchEntriesPageDto>(
        app.dispatch('batches:entries', { batchId: imported.batch.id }),
      );
      expect(validated.rows.map((r) => [r.status, r.reasonCode])).toEqual([
        ['valid', null],
        ['valid', null],
        ['to_be_suspended', 2002],
      ]);
      expect(validated.rows[2]!.problem).toBe('bill ZZ-77123 not found');

      // The same statement twice is refused (the content-hash import guard).
      const again = await app.dispatch('batches:import-file', { file, payType: 10013 });
      expect(again.ok).toBe(false);
      if (!again.ok) expect(again.error).toMatchObject({ code: 'conflict' });
    });

    it('an account number in the remittance resolves to the account; a credit with no reference needs the clerk', async () => {
      const [b1] = await eurBills(1);
      const text = buildCamt({
        blocks: [
          [
            { amount: '10.00', side: 'CRDT', ustrd: [`customer ${b1!.accountNo.toLowerCase()}`] },
            { amount: '11.00', side: 'CRDT', ustrd: ['thank you'] },
          ],
        ],
      });
      const imported = await value<BatchImportDto>(
        app.dispatch('batches:import-file', { file: write('acct.xml', text), payType: 10013 }),
      );
      expect(imported).toMatchObject({ rows: 2, invalid: 1 });
      const page = await value<BatchEntriesPageDto>(
        app.dispatch('batches:entries', { batchId: imported.batch.id }),
      );
      expect(page.rows.map((r) => [r.accountNo, r.billNo, r.status, r.problem])).toEqual([
        [b1!.accountNo, null, 'new', null],
        [null, null, 'invalid', 'no bill or account reference in the remittance information'],
      ]);
    });

    it('refuses mixed currencies, a refund batch, a statement without credits, and previews without staging', async () => {
      const batches = async (): Promise<number> =>
        (await app.get<{ n: number }>(sql`SELECT count(*) AS "n" FROM batches`))!.n;
      const before = await batches();
      const mixed = buildCamt({
        blocks: [
          [
            { amount: '1.00', side: 'CRDT', ustrd: ['A1'] },
            { amount: '2.00', side: 'CRDT', currency: 'USD', ustrd: ['A2'] },
          ],
        ],
      });
      const r1 = await app.dispatch('batches:import-file', {
        file: write('mixed.xml', mixed),
        payType: 10013,
      });
      expect(r1.ok).toBe(false);
      if (!r1.ok)
        expect(r1.error.message).toBe(
          'mixed.xml was not imported: its credits are in EUR and USD; a batch has one currency',
        );
      const debits = buildCamt({ blocks: [[{ amount: '1.00', side: 'DBIT' }]] });
      const r2 = await app.dispatch('batches:import-file', {
        file: write('debits.xml', debits),
        payType: 10013,
      });
      expect(!r2.ok && r2.error.message).toBe(
        'debits.xml was not imported: the statement has no booked credit entries',
      );
      const ok = buildCamt({ blocks: [[{ amount: '1.00', side: 'CRDT', ustrd: ['A0000001'] }]] });
      const r3 = await app.dispatch('batches:import-file', {
        file: write('refund.xml', ok),
        payType: 10013,
        batchType: 'refund',
      });
      expect(!r3.ok && r3.error.message).toBe('a camt.053 statement imports into a payment batch');
      const r4 = await app.dispatch('batches:import-file', {
        file: write('usd.xml', ok),
        payType: 10013,
        currency: 'USD',
      });
      expect(!r4.ok && r4.error.message).toBe("the statement's credits are in EUR, not USD");
      expect(await batches()).toBe(before);

      const preview = await value<BankFilePreviewDto>(
        app.dispatch('batches:preview-file', { file: write('p.xml', ok), currency: 'EUR' }),
      );
      expect(preview.header).toMatchObject({ count: 1, total: '1.00' });
      expect(preview.rows[0]).toMatchObject({ amount: '1.00', fields: { accountNo: 'A0000001' } });
      expect(preview.alreadyImported).toBeNull();
      expect(await batches()).toBe(before);
    });
  },
);

describe.each(APPS.filter((r) => r.available))(
  'paydesk batch import of a camt.053 (--json, $dialect)',
  ({ open }) => {
    let cliApp: TestApp;
    const cli = cliOnApp(() => cliApp);
    beforeAll(async () => {
      // No in-process operator: `init` makes the first admin, as on a new ledger.
      cliApp = await open();
      process.env.PAYDESK_OPERATOR = 'cli-tester';
      expect((await cli('init', '--json')).code).toBe(0);
      expect((await cli('--json', 'demo', '--accounts', '30', '--seed', '3')).code).toBe(0);
    }, 60_000);
    afterAll(async () => {
      delete process.env.PAYDESK_OPERATOR;
      await cliApp?.dispose();
    });

    it('imports the statement into a payment batch and refuses it the second time', async () => {
      const file = join(cliApp.dir, 'stmt.xml');
      writeFileSync(
        file,
        buildCamt({
          version: '08',
          blocks: [
            [
              { amount: '12.34', side: 'CRDT', ustrd: ['A0000002'] },
              { amount: '1.00', side: 'CRDT', creditorRef: 'NO-SUCH-1' },
            ],
          ],
        }),
      );
      const r = await cli('--json', 'batch', 'import', file, '--pay-type', 'wire');
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out.trim()) as BatchImportDto;
      expect(doc).toMatchObject({
        rows: 2,
        invalid: 0,
        batch: { currency: 'EUR', controlCount: 2, controlTotalMinor: 1334 },
      });
      const again = await cli('--json', 'batch', 'import', file, '--pay-type', 'wire');
      expect(again.code).not.toBe(0);
      expect(again.out + again.err).toMatch(/already imported/);
    });
  },
);
