import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  BatchImportDto,
  BatchSubmitDto,
} from '../../src-shared/dto/batches';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import type { CliRun } from '../helpers/cli';
import { setSettingVia, usdAccountsVia, value } from '../helpers/suspense';

// Issue #11, findings 2, 3, 10 and 12: money the desk can trust (accounts, currencies, empty files, problems).

const STANDARDS = resolve(process.cwd(), '../shared/standards');
let app: TestApp;

/** Active USD accounts with one paying bill unit and an open bill: account, its oldest open bill, amount due. */
const usdAccounts = (n: number) => usdAccountsVia(app, n);

const dollars = (minor: number): string => (minor / 100).toFixed(2);

async function newBatch(extra: Record<string, unknown> = {}): Promise<BatchDto> {
  return value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD', ...extra }),
  );
}

async function entries(batchId: number): Promise<BatchEntryDto[]> {
  return (
    await value<BatchEntriesPageDto>(app.dispatch('batches:entries', { batchId, startRow: 0, endRow: 1000 }))
  ).rows;
}

function write(name: string, text: string): string {
  const file = join(app.dir, name);
  writeFileSync(file, text);
  return file;
}

const cliOnLedger = cliOnApp(() => app);

/** Runs the CLI in-process against the test ledger, signed in as the in-process operator. */
function cli(...args: string[]): Promise<CliRun> {
  return cliOnLedger('--operator', 'tester', ...args);
}

function json<T>(run: CliRun): T {
  if (run.code !== 0) throw new Error(`exit ${run.code}: ${run.out}${run.err}`);
  return JSON.parse(run.out.trim()) as T;
}

describe.each(APPS.filter((r) => r.available))('money the desk can trust ($dialect)', ({ open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    // The in-process caller is this operator; with the test password the CLI can sign in as them too.
    await app.giveTestPassword('tester');
    await value(app.dispatch('demo:load', { accounts: 60, seed: 11 }));
  });
  afterEach(() => app.dispose());

  describe('finding 2: a typed account that contradicts the bill', () => {
    it('an account number that does not exist, or is not the bill account, is a problem on the account cell', async () => {
      const [a1, a2] = await usdAccounts(2);
      const batch = await newBatch();
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [
            { accountNo: 'A9999999', billNo: a1!.billNo, amount: dollars(a1!.dueMinor) },
            { accountNo: a2!.accountNo, billNo: a1!.billNo, amount: '1.00' },
          ],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const [ghost, other] = await entries(batch.id);
      expect(ghost).toMatchObject({ status: 'invalid', problemColumn: 'accountNo' });
      expect(ghost!.problem).toMatch(/A9999999/);
      expect(other).toMatchObject({ status: 'invalid', problemColumn: 'accountNo' });
      expect(other!.problem).toContain(a1!.accountNo);
    });

    it('with payment suspense on, the ghost account is suspended (reason 2001), never posted to the bill account', async () => {
      await setSettingVia(app, 'PaymentSuspense', true);
      const [a1] = await usdAccounts(1);
      const batch = await newBatch();
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: 'A9999999', billNo: a1!.billNo, amount: dollars(a1!.dueMinor) }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const [ghost] = await entries(batch.id);
      expect(ghost).toMatchObject({
        status: 'to_be_suspended',
        reasonCode: 2001,
        problemColumn: 'accountNo',
      });
      const submitted = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(submitted.posted).toBe(0);
      const onBillAccount = await app.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM payments p JOIN accounts a ON a.id = p.account_id
          WHERE a.account_no = ${a1!.accountNo} AND p.batch_id = ${batch.id}`,
      );
      expect(onBillAccount).toEqual({ n: 0 });
    });
  });

  /** A BAI2 file: one group in `currency` with one lockbox credit (type 115) per [accountNo, amountMinor]. */
  function bai2(currency: string, credits: [string, number][]): string {
    const lines = ['01,BANK1,PAYDESK,261120,0900,1,,,2/', `02,PAYDESK,BANK1,1,261120,,${currency},/`];
    let fileTotal = 0;
    let records = 2;
    for (const [accountNo, minor] of credits) {
      lines.push(`03,${accountNo},,/`, `16,115,${minor},0,BR1,CHK1,PAYER/`, `49,${minor},3/`);
      fileTotal += minor;
      records += 3;
    }
    lines.push(`98,${fileTotal},${credits.length},${records}/`, `99,${fileTotal},1,${records + 2}/`);
    return lines.join('\n') + '\n';
  }

  describe('finding 3: the bank file currency is kept', () => {
    it('a CAD BAI2 file imported without --currency makes a CAD batch; its entries show their currency', async () => {
      const [a1] = await usdAccounts(1);
      const file = write('cad.bai', bai2('CAD', [[a1!.accountNo, 10000]]));
      const imported = json<BatchImportDto>(
        await cli('--json', 'batch', 'import', file, '--format', 'bai2', '--pay-type', 'check'),
      );
      expect(imported.batch.currency).toBe('CAD');
      const shown = json<BatchDto & { entries: BatchEntryDto[] }>(
        await cli('--json', 'batch', 'show', String(imported.batch.id), '--entries'),
      );
      expect(shown.entries.map((e) => e.currency)).toEqual(['CAD']);
    });

    it('a CAD entry in a USD batch is a problem on the currency column and never posts as USD', async () => {
      const [a1] = await usdAccounts(1);
      const file = write('cad2.bai', bai2('CAD', [[a1!.accountNo, 10000]]));
      const imported = json<BatchImportDto>(
        await cli(
          '--json',
          'batch',
          'import',
          file,
          '--format',
          'bai2',
          '--pay-type',
          'check',
          '--currency',
          'USD',
        ),
      );
      expect(imported.batch.currency).toBe('USD');
      await value(app.dispatch('batches:validate', { batchId: imported.batch.id }));
      const [e] = await entries(imported.batch.id);
      expect(e).toMatchObject({ currency: 'CAD', status: 'invalid', problemColumn: 'currency' });
      expect(e!.problem).toMatch(/CAD entry in a USD batch/);
      const submitted = await app.dispatch('batches:submit', { batchId: imported.batch.id });
      expect(submitted.ok).toBe(false);
      const posted = await app.get(
        sql`SELECT count(*) AS n FROM payments WHERE batch_id = ${imported.batch.id}`,
      );
      expect(posted).toEqual({ n: 0 });
    });

    it('a delimited currency column holding XXX is a problem on the currency column', async () => {
      const [a1, a2] = await usdAccounts(2);
      const file = write(
        'cur.csv',
        `${a1!.accountNo},${dollars(a1!.dueMinor)},XXX\n${a2!.accountNo},${dollars(a2!.dueMinor)},usd\n`,
      );
      const imported = json<BatchImportDto>(
        await cli(
          '--json',
          'batch',
          'import',
          file,
          '--format',
          'delimited',
          '--columns',
          'accountNo,amount,currency',
          '--pay-type',
          'check',
          '--currency',
          'USD',
        ),
      );
      await value(app.dispatch('batches:validate', { batchId: imported.batch.id }));
      const [bad, good] = await entries(imported.batch.id);
      expect(bad).toMatchObject({ currency: 'XXX', status: 'invalid', problemColumn: 'currency' });
      expect(bad!.problem).toMatch(/XXX/);
      expect(good).toMatchObject({ currency: 'USD', status: 'valid' });
    });

    it('the hand-over file keeps each entry currency, so a reloaded CAD entry is still refused in a USD batch', async () => {
      const [a1] = await usdAccounts(1);
      const file = write('cad3.bai', bai2('CAD', [[a1!.accountNo, 10000]]));
      const imported = json<BatchImportDto>(
        await cli(
          '--json',
          'batch',
          'import',
          file,
          '--format',
          'bai2',
          '--pay-type',
          'check',
          '--currency',
          'USD',
        ),
      );
      const handOver = join(app.dir, 'hand-over.json');
      expect((await cli('--json', 'batch', 'export', String(imported.batch.id), handOver)).code).toBe(0);
      // A hand-over file is not loaded while the batch it came from is still open on this desk.
      expect((await cli('--json', 'batch', 'discard', String(imported.batch.id))).code).toBe(0);
      const loaded = json<BatchDto>(await cli('--json', 'batch', 'load', handOver));
      await value(app.dispatch('batches:validate', { batchId: loaded.id }));
      const [e] = await entries(loaded.id);
      expect(e).toMatchObject({ currency: 'CAD', status: 'invalid', problemColumn: 'currency' });
    });

    it('keyed entries take the batch currency', async () => {
      const [a1] = await usdAccounts(1);
      const batch = await newBatch({ currency: 'EUR' });
      const [saved] = await value<BatchEntryDto[]>(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: a1!.accountNo, amount: '1.00' }],
        }),
      );
      expect(saved!.currency).toBe('EUR');
    });
  });

  describe('finding 10: a valid empty file imports as an empty balanced batch', () => {
    const lockboxTemplate = {
      name: 'lockbox',
      format: 'fixed',
      headerLines: 3,
      footerLines: 3,
      dateFormat: 'MMddyy',
      impliedDecimals: 2,
      recordFilter: { start: 1, length: 1, equals: ['6'] },
      columns: [
        { field: 'amount', start: 8, length: 10 },
        { field: 'accountNo', start: 27, length: 10 },
      ],
      header: { lockboxNo: { line: 3, start: 8, length: 7 } },
      footer: { count: { line: 2, start: 21, length: 4 }, total: { line: 2, start: 25, length: 10 } },
    };

    it('the public empty lockbox sample (controls 0 / 0.00) gives an empty batch with control count 0 and total 0', async () => {
      const file = join(STANDARDS, 'lockbox/valid/test_empty_lockbox.bai');
      const r = await value<BatchImportDto>(
        app.dispatch('batches:import-file', {
          file,
          template: lockboxTemplate,
          payType: 10012,
          currency: 'USD',
        }),
      );
      expect(r.rows).toBe(0);
      expect(r.batch).toMatchObject({ controlCount: 0, controlTotalMinor: 0 });
      expect(r.batch.zeroProof).toMatchObject({ enteredCount: 0, enteredTotalMinor: 0, balanced: true });
    });

    it('an empty BAI2 file whose trailers say 0 imports; an empty file without controls is still refused', async () => {
      const empty = write(
        'empty.bai',
        [
          '01,BANK1,PAYDESK,261120,0900,1,,,2/',
          '02,PAYDESK,BANK1,1,261120,,USD,/',
          '98,0,0,2/',
          '99,0,1,4/',
        ].join('\n') + '\n',
      );
      const ok = json<BatchImportDto>(
        await cli('--json', 'batch', 'import', empty, '--format', 'bai2', '--pay-type', 'check'),
      );
      expect(ok.rows).toBe(0);
      expect(ok.batch).toMatchObject({ controlCount: 0, controlTotalMinor: 0 });
      expect(ok.batch.zeroProof.balanced).toBe(true);

      const noControls = write('header-only.csv', 'Account,Amount\n');
      const refused = await cli(
        '--json',
        'batch',
        'import',
        noControls,
        '--format',
        'delimited',
        '--columns',
        'accountNo,amount',
        '--has-header',
        '--pay-type',
        'check',
        '--currency',
        'USD',
      );
      expect(refused.code).toBe(2);
      expect(refused.out).toMatch(/no data rows/);
    });
  });

  describe('finding 12: every problem of an entry is reported', () => {
    it('a keyed entry with a bad amount and an impossible date lists both', async () => {
      const [a1] = await usdAccounts(1);
      const batch = await newBatch();
      const [saved] = await value<BatchEntryDto[]>(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: a1!.accountNo, amount: '12.345', paymentDate: '2026-02-30' }],
        }),
      );
      expect(saved).toMatchObject({ status: 'invalid', problemColumn: 'amount' });
      expect(saved!.problems.map((p) => p.column)).toEqual(['amount', 'paymentDate']);
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const [validated] = await entries(batch.id);
      expect(validated!.problems.map((p) => p.column)).toEqual(['amount', 'paymentDate']);
    });

    it('a refund entry keeps every problem of its values through validation', async () => {
      const [a1] = await usdAccounts(1);
      const batch = await newBatch({ batchType: 'refund' });
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: a1!.accountNo, amount: 'abc', paymentDate: '2026-13-01' }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const [e] = await entries(batch.id);
      expect(e).toMatchObject({ status: 'invalid', problemColumn: 'amount' });
      expect(e!.problems.map((p) => p.column)).toEqual(['amount', 'paymentDate']);
    });

    it('an imported row keeps each problem with its column; validation adds the rule problems (CLI JSON)', async () => {
      const file = write('bad.csv', 'A9999999,1.005,02/30/2026,EUR\n');
      const imported = json<BatchImportDto>(
        await cli(
          '--json',
          'batch',
          'import',
          file,
          '--format',
          'delimited',
          '--columns',
          'accountNo,amount,paymentDate,currency',
          '--date-format',
          'MM/dd/yyyy',
          '--pay-type',
          'check',
          '--currency',
          'USD',
        ),
      );
      const batchId = String(imported.batch.id);
      expect((await cli('--json', 'batch', 'validate', batchId)).code).toBe(0);
      const shown = json<{ entries: BatchEntryDto[] }>(
        await cli('--json', 'batch', 'show', batchId, '--entries'),
      );
      const [e] = shown.entries;
      expect(e).toMatchObject({ status: 'invalid', problemColumn: 'amount' });
      expect(e!.problems.map((p) => p.column)).toEqual(['amount', 'paymentDate', 'currency', 'accountNo']);
      expect(e!.problems.every((p) => p.reason.length > 0)).toBe(true);
    });

    it('ar import lists every bad row, and every problem of a row, references included (CLI JSON)', async () => {
      const bills = write(
        'bills.csv',
        [
          'bill_no,bill_unit_no,bill_date,due_date,currency,total',
          'NB1,NO-UNIT-1,2026-01-01,2026-01-31,USD,10.00',
          'NB2,NO-UNIT-2,2026-02-30,2026-03-01,USD,1.005',
          'NB3,NO-UNIT-3,2026-01-01,2026-01-31,USD,5.00',
        ].join('\n') + '\n',
      );
      const r = await cli('--json', '--operator', 'tester', 'ar', 'import', '--bills', bills);
      expect(r.code).toBe(2);
      const issues = (JSON.parse(r.out) as { error: { fileIssues: { line: number; column: string }[] } })
        .error.fileIssues;
      expect(issues.map((i) => [i.line, i.column])).toEqual([
        [2, 'bill_unit_no'],
        [3, 'bill_date'],
        [3, 'total'],
        [3, 'bill_unit_no'],
        [4, 'bill_unit_no'],
      ]);
    });
  });

  describe('a hand-over file carries amounts, not the source file text', () => {
    it('a lockbox batch (implied decimals) reopened from its hand-over file has the same amounts', async () => {
      const template = {
        name: 'lockbox-handover',
        format: 'fixed',
        headerLines: 3,
        footerLines: 3,
        dateFormat: 'MMddyy',
        impliedDecimals: 2,
        recordFilter: { start: 1, length: 1, equals: ['6'] },
        columns: [
          { field: 'amount', start: 8, length: 10 },
          { field: 'accountNo', start: 27, length: 10 },
        ],
      };
      const r = await value<BatchImportDto>(
        app.dispatch('batches:import-file', {
          file: join(STANDARDS, 'lockbox/valid/test_lockbox.bai'),
          template,
          payType: 10012,
          currency: 'USD',
        }),
      );
      expect(r.rows).toBeGreaterThan(0);
      const before = await entries(r.batch.id);
      const file = await value<object>(app.dispatch('batches:export', { batchId: r.batch.id }));
      await value(app.dispatch('batches:discard', { batchId: r.batch.id }));
      const reopened = await value<BatchDto>(
        app.dispatch('batches:import-batch-file', {
          content: Buffer.from(JSON.stringify(file)).toString('base64'),
          fileName: 'handover.json',
        }),
      );
      const after = await entries(reopened.id);
      expect(after.map((e) => e.amountMinor)).toEqual(before.map((e) => e.amountMinor));
      expect(reopened.zeroProof.enteredTotalMinor).toBe(r.batch.zeroProof.enteredTotalMinor);
    });
  });
});
