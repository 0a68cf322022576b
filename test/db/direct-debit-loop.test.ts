import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { create } from 'xmlbuilder2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNachaBankAnswer } from '../../src-main/bankfiles/nacha/bank-returns';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';
import { validateBoth } from '../helpers/xsd';

/**
 * Issue #14's loop from outside, through the CLI only: a mandate file amends and cancels mandates, the SEPA and
 * ACH runs write files both XSD engines and `bankfile check` accept with the run's totals, and the bank's
 * answers (a pain.002 with rejections, a NACHA return file) become return batches that reverse exactly the
 * failed payments, apply the rejection codes and the fee, leave the ledger check clean, and post nothing when
 * read again. On a SQLite file and on PostgreSQL (`--pg`).
 */

type FileDto = {
  id: number;
  path: string;
  scheme: string;
  format: string;
  count: number;
  totalMinor: number;
  currency: string;
  sha256: string;
  messageId: string;
};
type CheckDto = {
  format: string;
  valid: boolean;
  entries: number;
  totals: { count: number; totalMinor: number; currency: string | null };
  problems: unknown[];
};

const COLLECTION_DATE = '2026-12-22';

type MandateRow = { id: number; reference: string; iban: string | null; accountNo: string; status: string };

describe.each(APPS.filter((r) => r.available))(
  'direct debit, end to end through the CLI ($dialect)',
  ({ open }) => {
    let app: TestApp;
    let dir: string;

    const cliAt = cliOnApp(() => app);
    const cli = (...args: string[]): Promise<CliRun> => cliAt('--json', ...args);

    async function ok<T>(...args: string[]): Promise<T> {
      const r = await cli(...args);
      expect(r.code, `${args.join(' ')}: ${r.out} ${r.err}`).toBe(0);
      return JSON.parse(r.out) as T;
    }

    /** Rows read in one snapshot through the port (what the CLI wrote, on either database). */
    const query = <T>(q: SQL): Promise<T[]> => app.all<T>(q);
    const journalCount = async (): Promise<number> =>
      (await query<{ n: number }>(sql`SELECT count(*) AS n FROM journals`))[0]!.n;

    const savedEnv = {
      PAYDESK_OPERATOR: process.env.PAYDESK_OPERATOR,
      PAYDESK_PASSWORD: process.env.PAYDESK_PASSWORD,
      PAYDESK_QUIET: process.env.PAYDESK_QUIET,
    };
    beforeAll(async () => {
      // No in-process operator: `init` makes the first admin, as on a new ledger.
      app = await open();
      dir = app.dir;
      process.env.PAYDESK_OPERATOR = 'dd-lead';
      process.env.PAYDESK_PASSWORD = 'direct-debit-loop-9';
      process.env.PAYDESK_QUIET = '1';
      await ok('init');
      await ok('demo', '--accounts', '400', '--seed', '3');
      await ok('settings', 'set', 'collect.failedPaymentFeeMinor', '500');
    }, 120_000);
    afterAll(async () => {
      for (const [k, v] of Object.entries(savedEnv))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await app?.dispose();
    });

    let sepaFile: FileDto;
    let amended: MandateRow;
    let cancelledAccount: string;
    const newIban = 'DE68370400440532099999';

    it('a mandate file amends one mandate and cancels another; preview first, then exactly those change', async () => {
      const list = await ok<{ rows: MandateRow[] }>(
        'mandate',
        'list',
        '--scheme',
        'sepa_core',
        '--status',
        'active',
      );
      // Two fresh-enough mandates whose accounts have something due in the run below.
      const due = new Set(
        (
          await query<{ accountNo: string }>(
            sql`SELECT DISTINCT a.account_no AS "accountNo" FROM bills b JOIN accounts a ON a.id = b.account_id
         WHERE b.status = 'open' AND b.amount_due_minor > 0 AND a.currency = 'EUR' AND b.bill_date <= '2026-12-08'`,
          )
        ).map((r) => r.accountNo),
      );
      const candidates = list.rows.filter((m) => due.has(m.accountNo));
      expect(candidates.length).toBeGreaterThanOrEqual(3);
      amended = candidates[0]!;
      const cancelled = candidates[1]!;
      cancelledAccount = cancelled.accountNo;
      const file = join(dir, 'addacs.csv');
      writeFileSync(
        file,
        `reference,revision_code,new_iban\r\n${amended.reference},C,${newIban}\r\n${cancelled.reference},B,\r\n`,
      );
      const preview = await ok<{ applied: number; rows: unknown[] }>('mandate', 'import', file, '--preview');
      expect(preview.applied).toBe(0);
      expect(preview.rows).toHaveLength(2);
      const stillActive = await ok<{ rows: MandateRow[] }>(
        'mandate',
        'list',
        '--reference',
        cancelled.reference,
      );
      expect(stillActive.rows[0]!.status).toBe('active');

      const eventsBefore = (
        await query<{ n: number }>(sql`SELECT coalesce(max(id), 0) AS n FROM mandate_events`)
      )[0]!.n;
      const applied = await ok<{ applied: number }>('mandate', 'import', file);
      expect(applied.applied).toBe(2);
      const after = await ok<{ rows: MandateRow[] }>('mandate', 'list', '--account', amended.accountNo);
      expect(after.rows.find((m) => m.id === amended.id)!.iban).toBe(newIban);
      const gone = await ok<{ rows: MandateRow[] }>('mandate', 'list', '--reference', cancelled.reference);
      expect(gone.rows[0]!.status).toBe('cancelled');
      // Every other mandate is untouched.
      const changed = (
        await query<{ n: number }>(
          sql`SELECT count(DISTINCT mandate_id) AS n FROM mandate_events WHERE id > ${eventsBefore}`,
        )
      )[0]!.n;
      expect(changed).toBe(2);
      // The same file again is refused and changes nothing.
      expect((await cli('mandate', 'import', file)).code).not.toBe(0);
    });

    it('the SEPA run writes a pain.008 both XSD engines accept and bankfile check reads back with the same totals', async () => {
      const dry = await ok<{ skipped: Record<string, number> }>(
        'dd',
        'run',
        '--scheme',
        'sepa',
        '--collection-date',
        COLLECTION_DATE,
        '--dry-run',
      );
      // "No mandate" counts only bills of accounts without any live mandate (here the JPY and CHF direct-debit
      // accounts), not the ACH and BACS accounts the other runs collect.
      const unmandated = (
        await query<{ n: number }>(
          sql`SELECT count(*) AS n FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
       WHERE b.status = 'open' AND b.amount_due_minor > 0 AND u.pay_type IN (10005, 10018) AND u.paying = 1
         AND a.status = 'active' AND b.bill_date <= ${COLLECTION_DATE}
         AND NOT EXISTS (SELECT 1 FROM mandates m WHERE m.account_id = a.id AND m.status IN ('active', 'pending'))
         AND NOT EXISTS (SELECT 1 FROM mandates m WHERE m.account_id = a.id AND m.scheme = 'sepa_core')`,
        )
      )[0]!.n;
      expect(dry.skipped['no mandate'] ?? 0).toBe(unmandated);
      const run = await ok<{ files: FileDto[]; payments: number }>(
        'dd',
        'run',
        '--scheme',
        'sepa',
        '--collection-date',
        COLLECTION_DATE,
        '--out',
        join(dir, 'out'),
        '--yes',
      );
      expect(run.files).toHaveLength(1);
      sepaFile = run.files[0]!;
      expect(run.payments).toBe(sepaFile.count);
      expect(sepaFile.format).toBe('pain.008.001.08');
      expect(validateBoth('pain.008.001.08.xsd', [sepaFile.path])).toEqual({
        xmllint: null,
        xmlschema: null,
      });
      const check = await ok<CheckDto>('bankfile', 'check', sepaFile.path);
      expect(check).toMatchObject({ format: 'pain.008.001.08', valid: true, entries: sepaFile.count });
      expect(check.totals).toMatchObject({
        count: sepaFile.count,
        totalMinor: sepaFile.totalMinor,
        currency: 'EUR',
      });

      // The amended mandate goes out with its new IBAN and the original one; the cancelled mandate not at all.
      const xml = readFileSync(sepaFile.path, 'utf8').replace(/>\s+</g, '><');
      const tx = xml.split('<DrctDbtTxInf>').find((t) => t.includes(`<MndtId>${amended.reference}</MndtId>`));
      expect(tx).toBeDefined();
      expect(tx).toContain('<AmdmntInd>true</AmdmntInd>');
      expect(tx).toContain(`<IBAN>${newIban}</IBAN>`);
      expect(tx).toContain(`<OrgnlDbtrAcct><Id><IBAN>${amended.iban}</IBAN>`);
      const cancelledDebits = (
        await query<{ n: number }>(
          sql`SELECT count(*) AS n FROM bank_file_items i JOIN accounts a ON a.id = i.account_id WHERE a.account_no = ${cancelledAccount}`,
        )
      )[0]!.n;
      expect(cancelledDebits).toBe(0);
    });

    it('the ACH run writes a NACHA file that bankfile check reads back with the same totals', async () => {
      const run = await ok<{ files: FileDto[] }>(
        'dd',
        'run',
        '--scheme',
        'ach',
        '--collection-date',
        COLLECTION_DATE,
        '--out',
        join(dir, 'out'),
        '--yes',
      );
      expect(run.files).toHaveLength(1);
      const ach = run.files[0]!;
      expect(ach).toMatchObject({ scheme: 'ach', format: 'nacha', currency: 'USD' });
      const check = await ok<CheckDto>('bankfile', 'check', ach.path);
      expect(check).toMatchObject({ format: 'nacha', valid: true, entries: ach.count });
      expect(check.totals).toMatchObject({ count: ach.count, totalMinor: ach.totalMinor, currency: 'USD' });
      const lines = readFileSync(ach.path, 'utf8').split('\n').filter(Boolean);
      expect(lines.every((l) => l.length === 94)).toBe(true);
      expect(lines.length % 10).toBe(0);
    });

    it('a pain.002 with two rejections reverses exactly those payments, applies the codes, and posts nothing when read again', async () => {
      const items = await query<{
        e2e: string;
        paymentId: number;
        billId: number;
        accountId: number;
        amount: number;
      }>(
        sql`SELECT end_to_end_id AS e2e, payment_id AS "paymentId", bill_id AS "billId", account_id AS "accountId",
              amount_minor AS amount FROM bank_file_items WHERE file_id = ${sepaFile.id} ORDER BY seq`,
      );
      const [soft, hard] = [items[0]!, items[1]!];
      const doc = create({ version: '1.0', encoding: 'UTF-8' })
        .ele('urn:iso:std:iso:20022:tech:xsd:pain.002.001.03', 'Document')
        .ele('CstmrPmtStsRpt');
      doc.ele('GrpHdr').ele('MsgId').txt('BANK-STS-1').up().ele('CreDtTm').txt('2026-12-23T09:00:00');
      doc
        .ele('OrgnlGrpInfAndSts')
        .ele('OrgnlMsgId')
        .txt(sepaFile.messageId)
        .up()
        .ele('OrgnlMsgNmId')
        .txt('pain.008.001.08')
        .up()
        .ele('GrpSts')
        .txt('PART');
      const pmt = doc.ele('OrgnlPmtInfAndSts');
      for (const [item, code] of [
        [soft, 'AM04'],
        [hard, 'MD01'],
      ] as const)
        pmt
          .ele('TxInfAndSts')
          .ele('OrgnlEndToEndId')
          .txt(item.e2e)
          .up()
          .ele('TxSts')
          .txt('RJCT')
          .up()
          .ele('StsRsnInf')
          .ele('Rsn')
          .ele('Cd')
          .txt(code);
      const file = join(dir, 'pain002.xml');
      writeFileSync(file, doc.end({ prettyPrint: true }));

      const before = await journalCount();
      const preview = await ok<{ matched: number }>('bankfile', 'returns', file, '--preview');
      expect(preview.matched).toBe(2);
      expect(await journalCount()).toBe(before);

      const imported = await ok<{ batch: { id: number; controlCount: number; controlTotalMinor: number } }>(
        'bankfile',
        'returns',
        file,
      );
      expect(imported.batch.controlCount).toBe(2);
      expect(imported.batch.controlTotalMinor).toBe(soft.amount + hard.amount);
      await ok('batch', 'validate', String(imported.batch.id));
      await ok('batch', 'submit', String(imported.batch.id), '--yes');

      const reversed = await query<{ paymentId: number }>(
        sql`SELECT payment_id AS "paymentId" FROM reversals ORDER BY payment_id`,
      );
      expect(reversed.map((r) => r.paymentId)).toEqual(
        [soft.paymentId, hard.paymentId].sort((a, b) => a - b),
      );
      const bills = await query<{ id: number; due: number; status: string }>(
        sql`SELECT id, amount_due_minor AS due, status FROM bills WHERE id IN (${soft.billId}, ${hard.billId})`,
      );
      expect(bills).toHaveLength(2);
      for (const b of bills) expect(b.due).toBeGreaterThan(0);
      const statuses = await query<{ status: string; n: number }>(
        sql`SELECT status, count(*) AS n FROM bank_file_items WHERE file_id = ${sepaFile.id} GROUP BY status ORDER BY status`,
      );
      expect(statuses).toEqual([
        { status: 'returned', n: 2 },
        { status: 'sent', n: sepaFile.count - 2 },
      ]);
      // Soft (AM04): a retry later, the account kept out of collection for a while; hard (MD01): manual pay type.
      const softState = (
        await query<{ until: string | null; retries: number }>(
          sql`SELECT suspended_until AS until, retries_used AS retries FROM collection_states WHERE account_id = ${soft.accountId}`,
        )
      )[0]!;
      expect(softState.retries).toBe(1);
      expect(softState.until).not.toBeNull();
      const hardUnits = await query<{ payType: number }>(
        sql`SELECT DISTINCT pay_type AS "payType" FROM bill_units WHERE account_id = ${hard.accountId}`,
      );
      expect(hardUnits.map((u) => u.payType)).not.toContain(10018);
      // The failed-payment fee is billed for each failed payment.
      const fees = (
        await query<{ n: number; total: number }>(
          sql`SELECT count(*) AS n, sum(amount_minor) AS total FROM bill_items WHERE type = 'failed_payment_fee' AND account_id IN (${soft.accountId}, ${hard.accountId})`,
        )
      )[0]!;
      expect(fees).toEqual({ n: 2, total: 1000 });
      expect((await ok<{ ok: boolean }>('ledger', 'check')).ok).toBe(true);

      const journals = await journalCount();
      const again = await cli('bankfile', 'returns', file);
      expect(again.code).not.toBe(0);
      expect(again.out + again.err).toMatch(/already/);
      expect(await journalCount()).toBe(journals);
    });

    it('a NACHA return file reverses exactly the returned debits; read again it posts nothing', async () => {
      const achFile = (
        await query<{ id: number; path: string }>(
          sql`SELECT id, path FROM bank_files_out WHERE scheme = 'ach' ORDER BY id DESC LIMIT 1`,
        )
      )[0]!;
      const items = await query<{ trace: string; paymentId: number }>(
        sql`SELECT trace_number AS trace, payment_id AS "paymentId" FROM bank_file_items WHERE file_id = ${achFile.id} ORDER BY seq`,
      );
      const answer = writeNachaBankAnswer(
        readFileSync(achFile.path, 'utf8'),
        [
          { traceNumber: items[0]!.trace, code: 'R01' },
          { traceNumber: items[1]!.trace, code: 'R02' },
        ],
        { createdAt: '2026-12-24T08:00:00Z' },
      );
      const file = join(dir, 'returns.ach');
      writeFileSync(file, answer);
      expect((await ok<CheckDto>('bankfile', 'check', file)).valid).toBe(true);
      const imported = await ok<{ batch: { id: number; controlCount: number } }>('bankfile', 'returns', file);
      expect(imported.batch.controlCount).toBe(2);
      await ok('batch', 'validate', String(imported.batch.id));
      await ok('batch', 'submit', String(imported.batch.id), '--yes');
      const reversed = new Set(
        (await query<{ p: number }>(sql`SELECT payment_id AS p FROM reversals`)).map((r) => r.p),
      );
      expect(reversed.has(items[0]!.paymentId) && reversed.has(items[1]!.paymentId)).toBe(true);
      expect(reversed.has(items[2]?.paymentId ?? -1)).toBe(false);
      expect((await ok<{ ok: boolean }>('ledger', 'check')).ok).toBe(true);
      const journals = await journalCount();
      expect((await cli('bankfile', 'returns', file)).code).not.toBe(0);
      expect(await journalCount()).toBe(journals);

      // A notification of change (COR, C01: new account number) corrects the mandate and moves no money.
      const third = (
        await query<{ trace: string; mandateId: number }>(
          sql`SELECT trace_number AS trace, mandate_id AS "mandateId" FROM bank_file_items WHERE file_id = ${achFile.id} ORDER BY seq LIMIT 1 OFFSET 2`,
        )
      )[0]!;
      const noc = join(dir, 'noc.ach');
      writeFileSync(
        noc,
        writeNachaBankAnswer(
          readFileSync(achFile.path, 'utf8'),
          [{ traceNumber: third.trace, code: 'C01', info: '98765432101' }],
          {
            createdAt: '2026-12-26T08:00:00Z',
            fileIdModifier: 'B',
          },
        ),
      );
      const changed = await ok<{ changes: { applied: boolean; mandateId: number }[] }>(
        'bankfile',
        'returns',
        noc,
      );
      expect(changed.changes).toMatchObject([{ applied: true, mandateId: third.mandateId }]);
      expect(
        (
          await query<{ accountNo: string }>(
            sql`SELECT account_no AS "accountNo" FROM mandates WHERE id = ${third.mandateId}`,
          )
        )[0]!.accountNo,
      ).toBe('98765432101');
      expect(await journalCount()).toBe(journals);
    });
  },
);
