import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import {
  cancelFile,
  listFiles,
  markSent,
  showFile,
  writeFileAgain,
} from '../../src-main/services/directdebit/files';
import { sha256Text } from '../../src-main/services/directdebit/render';
import { runDirectDebitVia, type DdPortEnv } from '../../src-main/services/directdebit/run';
import { APPS, type TestApp } from '../helpers/apps';
import { dispatchConfirmed } from '../helpers/confirm';
import { insertMandateVia, seedDirectDebitVia } from '../helpers/mandates';
import { validateBoth } from '../helpers/xsd';

let app: TestApp;
const st = () => app.ctx.storage;
const env = (now = new Date('2026-11-22T09:00:00Z')): DdPortEnv => ({
  storage: st(),
  ledgerFile: app.ctx.ledger.file,
  now,
  operatorId: app.ctx.operator.id,
});
const DATE = '2026-12-10';

async function checkClean(): Promise<void> {
  const r = await app.dispatch('ledger:check', { maxViolations: 20 });
  if (!r.ok) throw new Error(r.error.message);
  expect((r.value as LedgerCheckDto).violations).toEqual([]);
}

const count = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;
const one = async <T>(query: SQL): Promise<T> => (await app.get<T>(query))!;
const exec = (query: SQL): Promise<unknown> => st().transaction((tx) => tx.run(query));

/** Open EUR bills of SEPA accounts due for the date (finalized policy: bill date). */
const dueSepaBills = (): Promise<number> =>
  count(
    sql`SELECT count(*) AS n FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
     WHERE u.pay_type = 10018 AND b.status = 'open' AND b.amount_due_minor >= 200 AND a.status = 'active' AND u.paying = 1`,
  );

describe.each(APPS.filter((r) => r.available))('direct debit ($dialect)', ({ open }) => {
  // Every case starts from the same fresh demo ledger, as the original desktop suite did.
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    const r = await app.dispatch('demo:load', { accounts: 200, seed: 4 });
    if (!r.ok) throw new Error(r.error.message);
  });
  afterEach(() => app.dispose());

  describe('direct-debit run (SEPA)', () => {
    it('writes a pain.008 both XSD engines accept, posts a payment per bill, closes the bills', async () => {
      await seedDirectDebitVia(st());
      const due = await dueSepaBills();
      expect(due).toBeGreaterThan(0);
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      expect(run.files).toHaveLength(1);
      const f = run.files[0]!;
      expect(f).toMatchObject({
        scheme: 'sepa',
        format: 'pain.008.001.08',
        currency: 'EUR',
        status: 'ready',
        count: due,
      });
      expect(run.payments).toBe(due);
      expect(existsSync(f.path!)).toBe(true);
      expect(statSync(f.path!).mode & 0o777).toBe(0o600);
      const text = readFileSync(f.path!, 'utf8');
      expect(sha256Text(text)).toBe(f.sha256);
      expect(validateBoth('pain.008.001.08.xsd', [f.path!])).toEqual({ xmllint: null, xmlschema: null });
      expect(text).toContain('<SeqTp>FRST</SeqTp>');
      expect(await dueSepaBills()).toBe(0);
      const detail = await showFile(st(), f.id!);
      expect(detail.items).toHaveLength(due);
      expect(
        detail.items.every(
          (i) => i.status === 'sent' && i.paymentId !== null && i.paymentInfoId === `${f.messageId}-1`,
        ),
      ).toBe(true);
      expect(detail.items.reduce((s, i) => s + i.amountMinor, 0)).toBe(f.totalMinor);
      // Every payment is SEPA pay type, keyed by the item, allocated to its bill.
      expect(
        await count(
          sql`SELECT count(*) AS n FROM payments WHERE source_key LIKE 'dd:%' AND pay_type = 10018 AND effective_date = ${DATE}`,
        ),
      ).toBe(due);
      expect(
        await count(sql`SELECT count(*) AS n FROM mandate_events WHERE kind = 'collected'`),
      ).toBeGreaterThan(0);
      await checkClean();
    });

    it('a second run for the same date posts nothing new; FRST then RCUR on the next date', async () => {
      await seedDirectDebitVia(st());
      const first = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      const payments = await count(sql`SELECT count(*) AS n FROM payments`);
      const again = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      expect(again.files).toEqual([]);
      expect(again.payments).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM payments`)).toBe(payments);
      expect(first.files[0]!.count).toBeGreaterThan(0);
      await checkClean();
    });

    it("FRST for a mandate's first collection, RCUR for the next", async () => {
      await seedDirectDebitVia(st());
      // Only the older bills first (pre-notification 50 days), then the newer ones of the same mandates.
      await exec(sql`INSERT INTO settings (key, value) VALUES ('dd.preNotificationDays', '50')`);
      const first = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      const firstItems = (await showFile(st(), first.files[0]!.id!)).items;
      expect(firstItems.every((i) => i.seqType === 'FRST')).toBe(true);
      await exec(sql`UPDATE settings SET value = '14' WHERE key = 'dd.preNotificationDays'`);
      const next = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: '2026-12-20' });
      const items = (await showFile(st(), next.files[0]!.id!)).items;
      const collected = new Set(firstItems.map((i) => i.mandateReference));
      const rcur = items.filter((i) => collected.has(i.mandateReference));
      expect(rcur.length).toBeGreaterThan(0);
      expect(rcur.every((i) => i.seqType === 'RCUR')).toBe(true);
      expect(items.filter((i) => !collected.has(i.mandateReference)).every((i) => i.seqType === 'FRST')).toBe(
        true,
      );
      const text = readFileSync(next.files[0]!.path!, 'utf8');
      expect(text).toContain('<SeqTp>RCUR</SeqTp>');
      expect(validateBoth('pain.008.001.08.xsd', [next.files[0]!.path!])).toEqual({
        xmllint: null,
        xmlschema: null,
      });
      await checkClean();
    });

    it('dry run computes the same files and writes nothing', async () => {
      await seedDirectDebitVia(st());
      const before = {
        p: await count(sql`SELECT count(*) AS n FROM payments`),
        a: await count(sql`SELECT count(*) AS n FROM audit_log`),
      };
      const dry = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE, dryRun: true });
      expect(dry.files).toHaveLength(1);
      expect(dry.files[0]).toMatchObject({ id: null, path: null, status: 'preview' });
      expect(dry.payments).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM payments`)).toBe(before.p);
      expect(await count(sql`SELECT count(*) AS n FROM audit_log`)).toBe(before.a);
      expect(await count(sql`SELECT count(*) AS n FROM bank_files_out`)).toBe(0);
      expect(existsSync(join(app.dir, 'bankfiles'))).toBe(false);
      const real = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      expect(real.files[0]!.count).toBe(dry.files[0]!.count);
      expect(real.files[0]!.totalMinor).toBe(dry.files[0]!.totalMinor);
    });

    it('skips with reasons: no mandate, cancelled, dormant (expired with an event)', async () => {
      const { sepaMandates } = await seedDirectDebitVia(st());
      const [m1, m2, m3] = sepaMandates;
      await exec(sql`UPDATE mandates SET status = 'cancelled' WHERE id = ${m1}`);
      await exec(
        sql`UPDATE mandates SET signed_on = '2023-01-01', collections = 3, last_collected_on = '2023-06-01' WHERE id = ${m2}`,
      );
      await exec(sql`DELETE FROM mandates WHERE id = ${m3}`);
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      expect(run.skipped['mandate cancelled']).toBeGreaterThan(0);
      expect(run.skipped['no mandate']).toBeGreaterThan(0);
      expect(run.skipped['mandate expired (unused for 36 months)']).toBeGreaterThan(0);
      expect((await one<{ status: string }>(sql`SELECT status FROM mandates WHERE id = ${m2}`)).status).toBe(
        'expired',
      );
      expect(
        await count(
          sql`SELECT count(*) AS n FROM mandate_events WHERE mandate_id = ${m2} AND kind = 'expired'`,
        ),
      ).toBe(1);
    });

    it('refuses a collection date in the past or before today + lead days', async () => {
      await seedDirectDebitVia(st());
      await expect(
        runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: '2026-11-20' }),
      ).rejects.toThrow(/in the past/);
      await expect(
        runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: '2026-11-22' }),
      ).rejects.toThrow(/earliest collection date is 2026-11-23/);
      await expect(
        runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: '2026-02-30' }),
      ).rejects.toThrow(/not a date/);
      await expect(
        runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE, creditor: 'NOPE' }),
      ).rejects.toThrow(/NOPE/);
    });

    it('pre-notification: bills dated less than N days before the collection are skipped', async () => {
      await seedDirectDebitVia(st());
      await exec(sql`INSERT INTO settings (key, value) VALUES ('dd.preNotificationDays', '60')`);
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE, dryRun: true });
      expect(run.skipped['pre-notification period not met']).toBeGreaterThan(0);
      const total = run.files.reduce((s, f) => s + f.count, 0);
      await exec(sql`UPDATE settings SET value = '0' WHERE key = 'dd.preNotificationDays'`);
      const all = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE, dryRun: true });
      expect(all.skipped['pre-notification period not met']).toBeUndefined();
      expect(all.files[0]!.count).toBeGreaterThan(total);
    });

    it('an amendment goes out once with AmdmntInfDtls, then is cleared', async () => {
      const { sepaMandates } = await seedDirectDebitVia(st());
      await exec(
        sql`UPDATE mandates SET pending_amendment_json = ${JSON.stringify({ originalReference: 'OLD-REF-1', originalIban: 'DE02120300000000202051' })}, collections = 2, last_collected_on = '2026-10-01' WHERE id = ${sepaMandates[0]}`,
      );
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      const text = readFileSync(run.files[0]!.path!, 'utf8');
      expect(text).toContain('<OrgnlMndtId>OLD-REF-1</OrgnlMndtId>');
      expect(text).toContain('<AmdmntInd>true</AmdmntInd>');
      expect(validateBoth('pain.008.001.08.xsd', [run.files[0]!.path!])).toEqual({
        xmllint: null,
        xmlschema: null,
      });
      const m = await one<{ p: string | null; collections: number }>(
        sql`SELECT pending_amendment_json AS p, collections FROM mandates WHERE id = ${sepaMandates[0]}`,
      );
      expect(m.p).toBeNull();
      expect(m.collections).toBeGreaterThan(2);
    });

    it('writes pain.008.001.02 for a creditor that asks for it', async () => {
      const { sepa } = await seedDirectDebitVia(st());
      await exec(sql`UPDATE creditors SET pain_version = 'pain.008.001.02' WHERE id = ${sepa}`);
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      expect(run.files[0]!.format).toBe('pain.008.001.02');
      expect(validateBoth('pain.008.001.02.xsd', [run.files[0]!.path!])).toEqual({
        xmllint: null,
        xmlschema: null,
      });
    });
  });

  describe('the file registry', () => {
    it('regenerates byte-identically after the mandate and creditor change; refuses a tampered registry', async () => {
      const { sepa, sepaMandates } = await seedDirectDebitVia(st());
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      const f = run.files[0]!;
      const original = readFileSync(f.path!);
      await exec(sql`UPDATE creditors SET name = 'Renamed AG', iban = NULL WHERE id = ${sepa}`);
      await exec(sql`UPDATE mandates SET debtor_name = 'Someone Else' WHERE id = ${sepaMandates[0]}`);
      const out = join(app.dir, 'again');
      const again = await writeFileAgain(st(), f.id!, out);
      expect(readFileSync(again.path!).equals(original)).toBe(true);
      await exec(
        sql`UPDATE bank_file_items SET amount_minor = amount_minor + 1 WHERE file_id = ${f.id} AND seq = 1`,
      );
      await expect(writeFileAgain(st(), f.id!, out)).rejects.toThrow(/not the recorded/);
    });

    it('marks a file sent once; a second time is refused', async () => {
      await seedDirectDebitVia(st());
      const f = (await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE })).files[0]!;
      expect((await markSent(st(), f.id!, new Date(), app.ctx.operator.id)).status).toBe('sent');
      await expect(markSent(st(), f.id!, new Date(), app.ctx.operator.id)).rejects.toThrow(/already sent/);
      await expect(cancelFile(st(), f.id!, 'oops', new Date(), app.ctx.operator.id)).rejects.toThrow(
        /only a ready/,
      );
      expect((await listFiles(st(), { status: 'sent' })).map((x) => x.id)).toEqual([f.id]);
    });

    it('cancel reverses the payments, reopens the bills, restores the mandates; the next run collects them again', async () => {
      const { sepaMandates } = await seedDirectDebitVia(st());
      await exec(
        sql`UPDATE mandates SET pending_amendment_json = ${JSON.stringify({ smnda: true })} WHERE id = ${sepaMandates[0]}`,
      );
      const due = await dueSepaBills();
      const f = (await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE })).files[0]!;
      expect(await dueSepaBills()).toBe(0);
      const c = await cancelFile(
        st(),
        f.id!,
        'wrong date',
        new Date('2026-11-22T10:00:00Z'),
        app.ctx.operator.id,
      );
      expect(c.status).toBe('cancelled');
      expect(await dueSepaBills()).toBe(due);
      expect(
        await count(
          sql`SELECT count(*) AS n FROM reversals r JOIN payments p ON p.id = r.payment_id WHERE p.source_key LIKE 'dd:%'`,
        ),
      ).toBe(due);
      expect(
        await count(
          sql`SELECT count(*) AS n FROM bank_file_items WHERE file_id = ${f.id} AND status = 'cancelled'`,
        ),
      ).toBe(due);
      const m = await one<{ collections: number; f: string | null; p: string | null }>(
        sql`SELECT collections, first_collected_on AS f, pending_amendment_json AS p FROM mandates WHERE id = ${sepaMandates[0]}`,
      );
      expect(m).toEqual({ collections: 0, f: null, p: JSON.stringify({ smnda: true }) });
      await expect(cancelFile(st(), f.id!, 'again', new Date(), app.ctx.operator.id)).rejects.toThrow(
        /only a ready/,
      );
      await checkClean();
      const next = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      expect(next.files[0]!.count).toBe(due);
      expect(readFileSync(next.files[0]!.path!, 'utf8')).toContain('<SeqTp>FRST</SeqTp>');
      await checkClean();
    });

    it('a crash between posting and writing loses nothing: the file is rewritten from the registry', async () => {
      await seedDirectDebitVia(st());
      const out = join(app.dir, 'out');
      // The folder is a file, so writing fails after the transaction committed (as a crash would leave it).
      rmSync(out, { force: true, recursive: true });
      writeFileSync(out, 'not a folder');
      await expect(runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE, out })).rejects.toThrow();
      const [f] = await listFiles(st(), {});
      expect(f).toMatchObject({ status: 'ready', path: null });
      expect(await count(sql`SELECT count(*) AS n FROM payments WHERE source_key LIKE 'dd:%'`)).toBe(
        f!.count,
      );
      const again = await writeFileAgain(st(), f!.id!, join(app.dir, 'out2'));
      expect(sha256Text(readFileSync(again.path!, 'utf8'))).toBe(f!.sha256);
      expect(validateBoth('pain.008.001.08.xsd', [again.path!])).toEqual({ xmllint: null, xmlschema: null });
    });
  });

  describe('credit run (refunds out)', () => {
    it('pays credit balances back by pain.001.001.09 and posts refunds', async () => {
      const { sepaMandates } = await seedDirectDebitVia(st());
      const acct = await one<{ id: number; no: string }>(
        sql`SELECT account_id AS id, a.account_no AS no FROM mandates m JOIN accounts a ON a.id = m.account_id WHERE m.id = ${sepaMandates[0]}`,
      );
      // An overpayment leaves a credit balance.
      const r = await app.dispatch('payments:record', {
        accountNo: acct.no,
        amount: '99999.00',
        currency: 'EUR',
        payType: 10012,
        channelId: 0,
        allocate: 'auto',
      });
      if (!r.ok) throw new Error(r.error.message);
      const bal = (
        await one<{ b: number }>(sql`SELECT balance_minor AS b FROM accounts WHERE id = ${acct.id}`)
      ).b;
      expect(bal).toBeLessThan(0);
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE, kind: 'credit' });
      expect(run.files).toHaveLength(1);
      expect(run.files[0]).toMatchObject({
        kind: 'credit',
        format: 'pain.001.001.09',
        count: 1,
        totalMinor: -bal,
      });
      expect(validateBoth('pain.001.001.09.xsd', [run.files[0]!.path!])).toEqual({
        xmllint: null,
        xmlschema: null,
      });
      expect(
        (await one<{ b: number }>(sql`SELECT balance_minor AS b FROM accounts WHERE id = ${acct.id}`)).b,
      ).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM refunds WHERE source_key LIKE 'dd:%'`)).toBe(1);
      expect(
        (await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE, kind: 'credit' })).files,
      ).toEqual([]);
      await checkClean();
    });
  });

  describe('mandate choice', () => {
    it('prefers a bill-unit mandate over the account one', async () => {
      const { sepa } = await seedDirectDebitVia(st());
      const b = await one<{
        account: number;
        unit: number;
      }>(sql`SELECT b.account_id AS account, b.bill_unit_id AS unit FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
         WHERE u.pay_type = 10018 AND b.status = 'open' AND b.amount_due_minor >= 200 ORDER BY b.id LIMIT 1`);
      await insertMandateVia(st(), {
        accountId: b.account,
        creditorId: sepa,
        scheme: 'sepa_b2b',
        reference: 'UNIT-MANDATE',
        billUnitId: b.unit,
        debtorName: 'Unit GmbH',
      });
      const run = await runDirectDebitVia(env(), { scheme: 'sepa', collectionDate: DATE });
      const text = readFileSync(run.files[0]!.path!, 'utf8');
      expect(text).toContain('<MndtId>UNIT-MANDATE</MndtId>');
      expect(text).toContain('<Cd>B2B</Cd>');
      expect(validateBoth('pain.008.001.08.xsd', [run.files[0]!.path!])).toEqual({
        xmllint: null,
        xmlschema: null,
      });
    });
  });

  describe('direct-debit run (ACH)', () => {
    it('writes a NACHA file: one batch per SEC code, 27/37 by account type, controls and trace numbers recorded', async () => {
      const { achMandates } = await seedDirectDebitVia(st());
      await exec(sql`UPDATE mandates SET account_type = 'savings' WHERE id = ${achMandates[0]}`);
      await exec(
        sql`UPDATE mandates SET sec_code = 'CCD', debtor_name = 'Müller Holding Inc. & Co' WHERE id = ${achMandates[1]}`,
      );
      const run = await runDirectDebitVia(env(), { scheme: 'ach', collectionDate: DATE });
      expect(run.files).toHaveLength(1);
      const f = run.files[0]!;
      expect(f).toMatchObject({ scheme: 'ach', format: 'nacha', currency: 'USD', status: 'ready' });
      expect(f.path!.endsWith('.ach')).toBe(true);
      const text = readFileSync(f.path!, 'utf8');
      const lines = text.split('\n').filter((l) => l.length > 0);
      expect(lines.every((l) => l.length === 94)).toBe(true);
      expect(lines.length % 10).toBe(0);
      const entries = lines.filter((l) => l.startsWith('6'));
      expect(entries).toHaveLength(f.count);
      expect(entries.some((l) => l.slice(1, 3) === '37')).toBe(true);
      expect(entries.some((l) => l.slice(1, 3) === '27')).toBe(true);
      expect(entries.every((l) => ['27', '37'].includes(l.slice(1, 3)))).toBe(true);
      const batches = lines.filter((l) => l.startsWith('5'));
      expect(batches.map((l) => l.slice(50, 53))).toEqual(['PPD', 'CCD']);
      // File control: total debit amount equals the file's total.
      const control = lines.find((l) => l.startsWith('9') && !/^9+$/.test(l))!;
      expect(Number(control.slice(31, 43))).toBe(f.totalMinor);
      expect(entries.reduce((s, l) => s + Number(l.slice(29, 39)), 0)).toBe(f.totalMinor);
      expect(text).toContain('MULLER HOLDING INC. &');
      const detail = await showFile(st(), f.id!);
      const traces = detail.items.map((i) => i.traceNumber);
      expect(new Set(traces).size).toBe(f.count);
      expect(entries.map((l) => l.slice(79, 94))).toEqual(traces);
      expect(detail.items.every((i) => i.seqType === null && i.paymentId !== null)).toBe(true);
      const copy = await writeFileAgain(st(), f.id!, join(app.dir, 'copy'));
      expect(readFileSync(copy.path!, 'utf8')).toBe(text);
      await cancelFile(st(), f.id!, 'test', new Date('2026-11-22T10:00:00Z'), app.ctx.operator.id);
      await checkClean();
    });

    it('a bill above the NACHA entry limit (99,999,999.99) is skipped with its reason; the rest is collected', async () => {
      const { achMandates } = await seedDirectDebitVia(st());
      const acct = await one<{ id: number }>(
        sql`SELECT account_id AS id FROM mandates WHERE id = ${achMandates[0]}`,
      );
      const dry = await runDirectDebitVia(env(), { scheme: 'ach', collectionDate: DATE, dryRun: true });
      // The file format cannot carry the amount: the bill is skipped, not the whole run refused.
      await exec(sql`UPDATE bills SET amount_due_minor = 10000000000, total_minor = 10000000000
         WHERE id = (SELECT min(id) FROM bills WHERE account_id = ${acct.id} AND status = 'open')`);
      const run = await runDirectDebitVia(env(), { scheme: 'ach', collectionDate: DATE, dryRun: true });
      expect(run.skipped['amount above the file limit (99,999,999.99)']).toBe(1);
      expect(run.files[0]!.count).toBe(dry.files[0]!.count - 1);
    });

    it('pays credit balances back as NACHA credit entries (22/32)', async () => {
      const { achMandates } = await seedDirectDebitVia(st());
      const acct = await one<{ id: number; no: string }>(
        sql`SELECT a.id, a.account_no AS no FROM mandates m JOIN accounts a ON a.id = m.account_id WHERE m.id = ${achMandates[0]}`,
      );
      const r = await app.dispatch('payments:record', {
        accountNo: acct.no,
        amount: '77777.00',
        currency: 'USD',
        payType: 10012,
        channelId: 0,
        allocate: 'auto',
      });
      if (!r.ok) throw new Error(r.error.message);
      const run = await runDirectDebitVia(env(), { scheme: 'ach', collectionDate: DATE, kind: 'credit' });
      expect(run.files[0]).toMatchObject({ kind: 'credit', format: 'nacha', count: 1 });
      const entries = readFileSync(run.files[0]!.path!, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('6'));
      expect(entries.map((l) => l.slice(1, 3))).toEqual(['22']);
      await checkClean();
    });
  });

  describe('dd:run through the front door', () => {
    it('refuses without a confirmation, runs the confirmed preview, and the collection-run policy governs it', async () => {
      await seedDirectDebitVia(st());
      const input = { scheme: 'sepa', collectionDate: DATE };
      const refused = await app.dispatch('dd:run', input);
      expect(refused.ok).toBe(false);
      if (!refused.ok)
        expect(refused.error).toMatchObject({ code: 'conflict', rule: 'confirmation-required' });
      const dry = await app.dispatch('dd:run', { ...input, dryRun: true });
      expect(dry.ok).toBe(true);
      // A collection-run policy with four eyes stops a direct-debit run too.
      const saved = await app.dispatch('policies:save', {
        operation: 'collect:run',
        above: '0',
        requirement: 'four_eyes',
        role: 'supervisor',
      });
      expect(saved.ok).toBe(true);
      const gated = await dispatchConfirmed(app, 'dd:run', input);
      expect(gated.ok).toBe(false);
      if (!gated.ok) expect(gated.error.code).toBe('approval_required');
      expect(await count(sql`SELECT count(*) AS n FROM payments WHERE source_key LIKE ${'dd:%'}`)).toBe(0);
      await app.dispatch('policies:save', { operation: 'collect:run', above: '0', requirement: 'none' });
      const early = await app.dispatch('confirmations:prepare', { operation: 'dd:run', input });
      if (!early.ok) throw new Error(early.error.message);
      const ran = await dispatchConfirmed(app, 'dd:run', input);
      expect(ran.ok).toBe(true);
      if (ran.ok) expect((ran.value as { payments: number }).payments).toBeGreaterThan(0);
      // The earlier preview no longer matches (its bills are in a file now): refused, nothing posted twice.
      const payments = await count(sql`SELECT count(*) AS n FROM payments`);
      const stale = await app.dispatch('dd:run', {
        ...input,
        confirmationId: (early.value as { id: number }).id,
      });
      expect(stale.ok).toBe(false);
      if (!stale.ok) expect(stale.error).toMatchObject({ code: 'conflict', rule: 'confirmation-changed' });
      expect(await count(sql`SELECT count(*) AS n FROM payments`)).toBe(payments);
    });
  });
});
