import { sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchSubmitDto } from '../../src-shared/dto/batches';
import { PAY_TYPE } from '../../src-shared/pay-types';
import type { ParsedReturns } from '../../src-main/bankfiles/types';
import { detectReader } from '../../src-main/bankfiles/readers';
import { validateBatch, validateBatchVia } from '../../src-main/services/batches/validate';
import { submitBatch, submitBatchVia } from '../../src-main/services/batches/submit';
import { importReturns, previewReturns } from '../../src-main/services/returns/import';
import { bouncePayment } from '../../src-main/services/returns/bounce';
import { applyChangeNotice } from '../../src-main/services/returns/change-notice';
import { APPS, type TestApp } from '../helpers/apps';
import { collectByFileVia, type CollectedDebit } from '../helpers/direct-debit';
import { setSettingVia } from '../helpers/suspense';

const now = new Date('2026-11-22T09:00:00Z');
let app: TestApp;
const st = () => app.ctx.storage;
/** The SQLite connection the desktop's driver paths use (SQLite rows of the matrix only). */
const driver = () => {
  const db = app.ctx.ledger.sqlite;
  if (!db) throw new Error('the driver paths run on SQLite only');
  return db;
};
const op = () => app.ctx.operator.id;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

const setSetting = (key: string, v: unknown): Promise<void> => setSettingVia(app, key, v);

const parsedOf = (items: ParsedReturns['items'], changes: ParsedReturns['changes'] = []): ParsedReturns => ({
  format: 'pain.002',
  items,
  changes,
  accepted: 0,
  problems: [],
  warnings: [],
});

const src = (name: string, sha = name) => ({ format: 'pain.002', sha256: sha, fileName: name });

const count = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;
const write = (query: SQL): Promise<void> =>
  st().transaction(async (tx) => {
    await tx.run(query);
  });

const due = async (billId: number): Promise<number> =>
  (await app.get<{ d: number }>(sql`SELECT amount_due_minor AS d FROM bills WHERE id = ${billId}`))!.d;

const collectByFile = (opts: Parameters<typeof collectByFileVia>[1]): Promise<CollectedDebit[]> =>
  collectByFileVia(st(), opts, now);

async function ledgerClean(): Promise<void> {
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
}

/** Validation as deployed: the driver's on SQLite (what the desktop runs), the port's on PostgreSQL. */
async function validate(batchId: number): Promise<void> {
  if (app.dialect === 'sqlite') validateBatch(driver(), batchId, now, op());
  else await validateBatchVia(st(), batchId, now, op());
}

/** Submit as deployed (see validate). */
function submitOnly(batchId: number): Promise<BatchSubmitDto> {
  return app.dialect === 'sqlite'
    ? Promise.resolve().then(() => submitBatch(driver(), { batchId }, now, op()))
    : submitBatchVia(st(), { batchId }, now, op());
}

async function submit(batchId: number): Promise<BatchSubmitDto> {
  await validate(batchId);
  return submitOnly(batchId);
}

describe.each(APPS.filter((r) => r.available))('returns ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => now });
    await value(app.dispatch('demo:load', { accounts: 40, seed: 3 }));
  });
  afterEach(() => app.dispose());

  describe('return batches', () => {
    it('a return of 2 of 5 collected SEPA debits reverses exactly those, applies soft and hard codes, fee, and is never posted twice', async () => {
      await setSetting('collect.failedPaymentFeeMinor', 500);
      const debits = await collectByFile({ scheme: 'sepa', count: 5, messageId: 'MSG-1' });
      const [soft, hard] = [debits[1] as CollectedDebit, debits[3] as CollectedDebit];
      for (const d of debits) expect(await due(d.billId)).toBe(0);
      const parsed = parsedOf([
        {
          ref: { endToEndId: soft.endToEndId },
          amountMinor: soft.amountMinor,
          currency: 'EUR',
          kind: 'reject',
          code: 'AM04',
          path: '/TxInfAndSts[1]',
        },
        {
          ref: { endToEndId: hard.endToEndId },
          amountMinor: null,
          currency: null,
          kind: 'return',
          code: 'MD01',
          path: '/TxInfAndSts[2]',
        },
        {
          ref: { endToEndId: 'NOT-OURS' },
          amountMinor: 100,
          currency: 'EUR',
          kind: 'return',
          code: 'AC04',
          path: '/TxInfAndSts[3]',
        },
      ]);
      const preview = await previewReturns(st(), parsed, src('p2.xml'));
      expect(preview.matched).toBe(2);
      expect(preview.unmatched).toBe(1);
      expect(preview.lines[2]?.reason).toBe('no debit Paydesk sent has end-to-end id NOT-OURS');
      expect(preview.lines[0]).toMatchObject({
        rejectionCode: 'AM04',
        declineClass: 'soft',
        paymentId: soft.paymentId,
        matched: true,
      });
      expect(preview.lines[1]).toMatchObject({
        rejectionCode: 'MD01',
        declineClass: 'hard',
        amountMinor: hard.amountMinor,
      });
      expect(await count(sql`SELECT count(*) AS n FROM batches`)).toBe(0);

      const imported = await importReturns(st(), parsed, src('p2.xml'), now, op());
      expect(imported.batches).toHaveLength(1);
      const batch = imported.batch!;
      expect(batch).toMatchObject({
        batchType: 'reversal',
        payType: PAY_TYPE.sepa,
        currency: 'EUR',
        sourceFile: 'p2.xml',
        status: 'open',
      });
      expect(batch.header.join('\n')).toContain('not returned: /TxInfAndSts[3] NOT-OURS AC04');
      expect(imported.rows).toBe(2);
      expect(await count(sql`SELECT count(*) AS n FROM bank_returns WHERE status = 'pending'`)).toBe(2);
      // Nothing moved yet: the batch posts when it is submitted.
      expect(await due(soft.billId)).toBe(0);

      const result = await submit(batch.id);
      expect(result.reversed).toBe(2);
      expect(result.batch.status).toBe('submitted');
      for (const d of debits) {
        const returned = d === soft || d === hard;
        expect(await due(d.billId)).toBe(returned ? d.dueBeforeMinor : 0);
        const item = await app.get(
          sql`SELECT status, return_code AS code, return_batch_id AS b FROM bank_file_items WHERE id = ${d.itemId}`,
        );
        expect(item).toEqual(
          returned
            ? { status: 'returned', code: d === soft ? 'AM04' : 'MD01', b: batch.id }
            : { status: 'sent', code: null, b: null },
        );
        expect(await count(sql`SELECT count(*) AS n FROM reversals WHERE payment_id = ${d.paymentId}`)).toBe(
          returned ? 1 : 0,
        );
      }
      expect(await count(sql`SELECT count(*) AS n FROM bank_returns WHERE status = 'applied'`)).toBe(2);
      // Soft: one retry used, suspended for the code's 7 days; still collected by direct debit.
      expect(
        await app.get(
          sql`SELECT retries_used AS r, suspended_until AS u FROM collection_states WHERE account_id = ${soft.accountId}`,
        ),
      ).toEqual({ r: 1, u: '2026-11-29' });
      expect(
        await app.get(sql`SELECT default_pay_type AS p FROM accounts WHERE id = ${soft.accountId}`),
      ).toEqual({ p: PAY_TYPE.sepa });
      // Hard: the account and its bill units fall back to invoice (the code's fallback).
      expect(
        await app.get(sql`SELECT default_pay_type AS p FROM accounts WHERE id = ${hard.accountId}`),
      ).toEqual({ p: PAY_TYPE.invoice });
      expect(
        await count(
          sql`SELECT count(*) AS n FROM bill_units WHERE account_id = ${hard.accountId} AND pay_type = ${PAY_TYPE.sepa}`,
        ),
      ).toBe(0);
      const kinds = await app.all(sql`SELECT account_id AS a, kind FROM workflow_items ORDER BY id`);
      expect(kinds).toEqual([
        { a: soft.accountId, kind: 'PAYMENT_RETRY' },
        { a: hard.accountId, kind: 'PAYMENT_REFUND' },
      ]);
      // The failed-payment fee, once per return.
      expect(
        await count(sql`SELECT count(*) AS n FROM bills WHERE bill_no LIKE 'FEE-R%' AND total_minor = 500`),
      ).toBe(2);
      await ledgerClean();

      // Reading the same file again posts nothing.
      await expect(importReturns(st(), parsed, src('p2.xml'), now, op())).rejects.toThrow(
        /already imported.*already returned/,
      );
      // The same returns in another file (another format): every line is "already returned", no batch.
      const again = await importReturns(st(), parsed, src('camt054.xml', 'other-sha'), now, op());
      expect(again.batch).toBeNull();
      expect(again.lines.slice(0, 2).map((l) => l.reason)).toEqual([
        `already returned (return batch ${batch.id})`,
        `already returned (return batch ${batch.id})`,
      ]);
      expect(await count(sql`SELECT count(*) AS n FROM reversals`)).toBe(2);
      // Submitting again is a no-op.
      expect((await submitOnly(batch.id)).reversed).toBe(0);
      await ledgerClean();
    });

    it('soft returns exhaust their retries and then fall back (exhausted event)', async () => {
      const debits = await collectByFile({ scheme: 'ach', count: 1, messageId: 'ACH-1' });
      const d = debits[0] as CollectedDebit;
      await write(
        sql`INSERT INTO collection_states (account_id, retries_used, updated_at) VALUES (${d.accountId}, 2, ${now.toISOString()})`,
      );
      const r = await importReturns(
        st(),
        parsedOf([
          {
            ref: { traceNumber: d.traceNumber! },
            amountMinor: d.amountMinor,
            currency: 'USD',
            kind: 'return',
            code: 'R01',
            line: 3,
          },
        ]),
        src('ret.ach'),
        now,
        op(),
      );
      expect(r.lines[0]?.returnKey).toBe(`trace:${d.traceNumber}:R01`);
      expect(r.batch?.payType).toBe(PAY_TYPE.directDebit);
      await submit(r.batch!.id);
      expect(await app.all(sql`SELECT kind FROM workflow_items`)).toEqual([{ kind: 'PAYMENT_CANCELLED' }]);
      expect(
        await app.get(sql`SELECT default_pay_type AS p FROM accounts WHERE id = ${d.accountId}`),
      ).toEqual({
        p: PAY_TYPE.invoice,
      });
    });

    it('a group-level reject expands to every live debit of the message; a PmtInf reject to its block', async () => {
      const debits = await collectByFile({ scheme: 'sepa', count: 4, messageId: 'MSG-G' });
      const r = await importReturns(
        st(),
        parsedOf([
          {
            ref: { messageId: 'MSG-G', paymentInfoId: 'MSG-G-P1' },
            amountMinor: null,
            currency: null,
            kind: 'reject',
            code: 'MS03',
            path: '/OrgnlPmtInfAndSts[1]',
          },
        ]),
        src('grp1'),
        now,
        op(),
      );
      expect(r.lines.map((l) => l.paymentId)).toEqual([debits[0]!.paymentId, debits[1]!.paymentId]);
      await submit(r.batch!.id);
      const all = await importReturns(
        st(),
        parsedOf([
          {
            ref: { messageId: 'MSG-G' },
            amountMinor: null,
            currency: null,
            kind: 'reject',
            code: 'AC04',
            path: '/OrgnlGrpInfAndSts',
          },
        ]),
        src('grp2'),
        now,
        op(),
      );
      // The two already returned are no longer live: the group reject covers the other two.
      expect(all.lines.map((l) => l.paymentId)).toEqual([debits[2]!.paymentId, debits[3]!.paymentId]);
      expect(all.matched).toBe(2);
      await submit(all.batch!.id);
      expect(await count(sql`SELECT count(*) AS n FROM bank_file_items WHERE status = 'returned'`)).toBe(4);
      await ledgerClean();
    });

    it('amounts and currencies that differ are refused per line, and nothing is posted for them', async () => {
      const [d] = await collectByFile({ scheme: 'sepa', count: 1, messageId: 'MSG-A' });
      const p = await previewReturns(
        st(),
        parsedOf([
          {
            ref: { endToEndId: d!.endToEndId },
            amountMinor: d!.amountMinor + 1,
            currency: 'EUR',
            kind: 'return',
            code: 'AM04',
          },
          {
            ref: { endToEndId: d!.endToEndId },
            amountMinor: d!.amountMinor,
            currency: 'USD',
            kind: 'return',
            code: 'AM04',
          },
        ]),
        src('x'),
      );
      expect(p.lines[0]?.reason).toMatch(/^amount .* EUR differs from the debit's .* EUR$/);
      expect(p.lines[1]?.reason).toBe(`currency USD differs from the debit's EUR`);
      expect(p.matched).toBe(0);
    });

    it('a bounced check is a one-entry return batch through the same path', async () => {
      const paid = await value<{ paymentId: number }>(
        app.dispatch('payments:record', {
          accountNo: (await app.get<{ a: string }>(
            sql`SELECT account_no AS a FROM accounts WHERE currency = 'USD' AND is_suspense = 0 AND id IN (SELECT account_id FROM bills WHERE status = 'open') ORDER BY id LIMIT 1`,
          ))!.a,
          amount: '10.00',
          payType: PAY_TYPE.check,
          channelId: 0,
          allocate: 'auto',
        }),
      );
      await expect(
        bouncePayment(st(), { paymentId: paid.paymentId, code: 'NOPE' }, now, op()),
      ).rejects.toThrow(/not configured/);
      const r = await bouncePayment(
        st(),
        { paymentId: paid.paymentId, code: 'NSF', text: 'returned unpaid' },
        now,
        op(),
      );
      expect(r.batch).toMatchObject({ batchType: 'reversal', payType: PAY_TYPE.check, sourceFile: null });
      expect(r.lines[0]).toMatchObject({
        kind: 'bounced',
        returnKey: `payment:${paid.paymentId}:bounced:NSF`,
        matched: true,
      });
      const s = await submit(r.batch!.id);
      expect(s.reversed).toBe(1);
      expect(
        await app.get(sql`SELECT reason_code AS c FROM reversals WHERE payment_id = ${paid.paymentId}`),
      ).toEqual({ c: 4101 });
      expect(await app.all(sql`SELECT status FROM bank_returns`)).toEqual([{ status: 'applied' }]);
      await expect(
        bouncePayment(st(), { paymentId: paid.paymentId, code: 'NSF' }, now, op()),
      ).rejects.toThrow(/already returned/);
      await ledgerClean();
    });

    it('a notification of change updates the mandate (version, event, audit) and moves no money', async () => {
      const [d] = await collectByFile({ scheme: 'ach', count: 1, messageId: 'ACH-N' });
      const journals = await count(sql`SELECT count(*) AS n FROM journals`);
      const r = await importReturns(
        st(),
        {
          ...parsedOf([]),
          format: 'nacha',
          changes: [
            {
              ref: { traceNumber: d!.traceNumber! },
              code: 'C03',
              correctedData: '021000021 99887766',
              corrected: { routingNo: '021000021', accountNo: '99887766' },
              line: 4,
            },
          ],
        },
        src('noc.ach'),
        now,
        op(),
      );
      expect(r.batch).toBeNull();
      expect(r.changes[0]).toMatchObject({ applied: true, mandateId: d!.mandateId, code: 'C03' });
      expect(
        await app.get(
          sql`SELECT routing_no AS r, account_no AS a, version AS v FROM mandates WHERE id = ${d!.mandateId}`,
        ),
      ).toEqual({ r: '021000021', a: '99887766', v: 2 });
      const ev = (await app.get<{ kind: string; code: string; b: string; a: string }>(
        sql`SELECT kind, code, before_json AS b, after_json AS a FROM mandate_events WHERE mandate_id = ${d!.mandateId}`,
      ))!;
      expect(ev.kind).toBe('change-notice');
      expect(JSON.parse(ev.b)).toMatchObject({ routingNo: '011000015', accountNo: '12345678' });
      expect(await count(sql`SELECT count(*) AS n FROM journals`)).toBe(journals);
      expect(
        await count(sql`SELECT count(*) AS n FROM audit_log WHERE action = 'mandate.change-notice'`),
      ).toBe(1);
      // A bad routing number is refused by applyChangeNotice and changes nothing.
      await expect(
        st().transaction((tx) =>
          applyChangeNotice(
            tx,
            d!.mandateId,
            { ref: {}, code: 'C02', correctedData: '123456789', corrected: { routingNo: '123456789' } },
            now.toISOString(),
            'test',
            op(),
          ),
        ),
      ).rejects.toThrow(/routing/i);
    });

    it('a failure while the return batch submits posts nothing (all or nothing)', async () => {
      const debits = await collectByFile({ scheme: 'sepa', count: 2, messageId: 'MSG-C' });
      const r = await importReturns(
        st(),
        parsedOf(
          debits.map((d) => ({
            ref: { endToEndId: d.endToEndId },
            amountMinor: null,
            currency: null,
            kind: 'return' as const,
            code: 'AC04',
          })),
        ),
        src('crash'),
        now,
        op(),
      );
      await validate(r.batch!.id);
      // The bank return of the second entry cannot be applied: the process dies there (an abort inside the transaction).
      if (app.dialect === 'sqlite')
        driver().exec(
          `CREATE TEMP TRIGGER boom BEFORE UPDATE OF status ON bank_returns WHEN NEW.entry_seq = 2 BEGIN SELECT RAISE(ABORT, 'crash'); END`,
        );
      else {
        await write(
          sql.raw(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.entry_seq = 2 THEN RAISE EXCEPTION 'crash'; END IF; RETURN NEW; END $$`),
        );
        await write(
          sql.raw(
            `CREATE TRIGGER boom BEFORE UPDATE OF status ON bank_returns FOR EACH ROW EXECUTE FUNCTION boom()`,
          ),
        );
      }
      await expect(submitOnly(r.batch!.id)).rejects.toThrow(/crash/);
      expect(await count(sql`SELECT count(*) AS n FROM reversals`)).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM bank_file_items WHERE status = 'returned'`)).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM bank_returns WHERE status = 'applied'`)).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM workflow_items`)).toBe(0);
      for (const d of debits) expect(await due(d.billId)).toBe(0);
      if (app.dialect === 'sqlite') driver().exec('DROP TRIGGER temp.boom');
      else await write(sql`DROP TRIGGER boom ON bank_returns`);
      expect((await submitOnly(r.batch!.id)).reversed).toBe(2);
      expect(await count(sql`SELECT count(*) AS n FROM bank_returns WHERE status = 'applied'`)).toBe(2);
    });
  });

  describe('return batches, other paths', () => {
    it('a discarded return batch gives its returns back: the same file may be read again', async () => {
      const debits = await collectByFile({ scheme: 'sepa', count: 2, messageId: 'MSG-D' });
      const parsed = parsedOf(
        debits.map((d) => ({
          ref: { endToEndId: d.endToEndId },
          amountMinor: null,
          currency: null,
          kind: 'return' as const,
          code: 'AM04',
        })),
      );
      const first = await importReturns(st(), parsed, src('d.xml'), now, op());
      await value(app.dispatch('batches:discard', { batchId: first.batch!.id }));
      expect(
        (await app.all<{ status: string }>(sql`SELECT status FROM bank_returns ORDER BY id`)).map(
          (r) => r.status,
        ),
      ).toEqual(['discarded', 'discarded']);
      const again = await importReturns(st(), parsed, src('d.xml'), now, op());
      expect(again.matched).toBe(2);
      expect((await submit(again.batch!.id)).reversed).toBe(2);
      await expect(importReturns(st(), parsed, src('d.xml'), now, op())).rejects.toThrow(/already imported/);
      await ledgerClean();
    });

    it('with lock per account each entry posts and applies its bank return on its own', async () => {
      await setSetting('payment.batchLock', 'account');
      const debits = await collectByFile({ scheme: 'ach', count: 3, messageId: 'ACH-L' });
      const r = await importReturns(
        st(),
        parsedOf(
          debits.map((d) => ({
            ref: { traceNumber: d.traceNumber! },
            amountMinor: d.amountMinor,
            currency: 'USD',
            kind: 'return' as const,
            code: 'R02',
          })),
        ),
        src('l.ach'),
        now,
        op(),
      );
      const s = await submit(r.batch!.id);
      expect(s.mode).toBe('account');
      expect(s.reversed).toBe(3);
      expect(
        await count(
          sql`SELECT count(*) AS n FROM bank_file_items WHERE status = 'returned' AND return_code = 'R02'`,
        ),
      ).toBe(3);
      expect(await count(sql`SELECT count(*) AS n FROM bank_returns WHERE status = 'applied'`)).toBe(3);
      expect(await count(sql`SELECT count(*) AS n FROM workflow_items WHERE kind = 'PAYMENT_REFUND'`)).toBe(
        3,
      );
      await ledgerClean();
    });
  });

  describe('rejection file', () => {
    it('is detected by content and returns payments by end-to-end id, trace or payment id', async () => {
      const debits = await collectByFile({ scheme: 'sepa', count: 2, messageId: 'MSG-R' });
      const text =
        '\uFEFFreference,account_no,amount,currency,rejection_code,date,text\r\n' +
        `${debits[0]!.endToEndId},${debits[0]!.accountNo},${(debits[0]!.amountMinor / 100).toFixed(2)},EUR,am04,2026-11-21,"Insufficient funds, retry"\r\n` +
        `P${debits[1]!.paymentId},,${(debits[1]!.amountMinor / 100).toFixed(2)},EUR,MD07,,\r\n`;
      const reader = detectReader(text);
      expect(reader?.format).toBe('rejections');
      const parsed = reader!.returns!(text);
      expect(parsed.problems).toEqual([]);
      const r = await importReturns(
        st(),
        parsed,
        { format: 'rejections', sha256: 'r1', fileName: 'rej.csv' },
        now,
        op(),
      );
      expect(r.lines.map((l) => [l.line, l.rejectionCode, l.matched, l.bankText])).toEqual([
        [2, 'AM04', true, 'Insufficient funds, retry'],
        [3, 'MD07', true, null],
      ]);
      // A payment that went out in a file is returned as that debit, whichever reference named it.
      expect(r.lines[1]?.returnKey).toBe(`e2e:${debits[1]!.endToEndId}:MD07`);
    });
  });
});
