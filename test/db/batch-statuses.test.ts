import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { pdfText } from '../helpers/pdf';
import Papa from 'papaparse';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src-main/app-context';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  BatchReportDto,
  BatchSubmitDto,
} from '../../src-shared/dto/batches';
import { APPS, cliOnApp, type TestApp } from '../helpers/apps';
import { expectClean, setSettingVia, value } from '../helpers/suspense';

let app: TestApp;
const run = cliOnApp(() => app);

/** The CLI on the test's ledger (`--db FILE` or `--pg URL`), signed in as the in-process operator. */
async function cli<T>(...args: string[]): Promise<{ code: number; value: T }> {
  const { code, out } = await run('--operator', 'tester', '--json', ...args);
  return { code, value: JSON.parse(out.trim()) as T };
}

async function usdAccounts(n: number): Promise<string[]> {
  return (
    await app.all<{ no: string }>(
      sql`SELECT account_no AS "no" FROM accounts WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 ORDER BY id LIMIT ${n}`,
    )
  ).map((r) => r.no);
}

async function newBatch(extra: Record<string, unknown> = {}): Promise<BatchDto> {
  return value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD', ...extra }),
  );
}

async function entries(batchId: number, status?: string[]): Promise<BatchEntryDto[]> {
  return (
    await value<BatchEntriesPageDto>(
      app.dispatch('batches:entries', { batchId, startRow: 0, endRow: 1000, ...(status ? { status } : {}) }),
    )
  ).rows;
}

const clean = (): Promise<void> => expectClean(app);

describe.each(APPS.filter((r) => r.available))('batch statuses ($dialect)', ({ dialect, open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    // The in-process caller is this operator; with the test password the CLI can sign in as them too.
    await app.giveTestPassword('tester');
    await value(app.dispatch('demo:load', { accounts: 60, seed: 5 }));
    await setSettingVia(app, 'PaymentSuspense', true);
    await setSettingVia(app, 'ALLOWACCOUNTDUP', true);
  });
  afterEach(() => app.dispose());

  /** Keys 2 entries for accounts and 1 for an unknown account (suspense), validates and submits. */
  async function submitMixed(): Promise<{ batch: BatchDto; out: BatchSubmitDto }> {
    const [a1, a2] = await usdAccounts(2);
    const batch = await newBatch();
    await value(
      app.dispatch('batches:save-entries', {
        batchId: batch.id,
        entries: [
          { accountNo: a1, amount: '10.00' },
          { accountNo: 'NOBODY-1', amount: '7.50' },
          { accountNo: a2, amount: '2.00' },
        ],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
    return { batch, out };
  }

  describe('statuses after submit (finding 6)', () => {
    for (const lock of ['batch', 'account'] as const) {
      it(`marks entries posted to suspense as posted_suspense, not posted (lock per ${lock})`, async () => {
        await setSettingVia(app, 'payment.batchLock', lock);
        const { batch, out } = await submitMixed();
        expect(out).toMatchObject({ posted: 2, suspended: 1, postedMinor: 1200, suspendedMinor: 750 });
        expect((await entries(batch.id)).map((e) => e.status)).toEqual([
          'posted',
          'posted_suspense',
          'posted',
        ]);
        expect(out.batch.countsByStatus).toEqual({ posted: 2, posted_suspense: 1 });
        expect(out.batch.totalsByStatus).toEqual({ posted: 1200, posted_suspense: 750 });
        // Every posted entry names its payment, the suspended one the suspense payment.
        const rows = await entries(batch.id);
        const kinds: (string | undefined)[] = [];
        for (const e of rows)
          kinds.push(
            (await app.get<{ kind: string }>(sql`SELECT kind FROM payments WHERE id = ${e.postedPaymentId}`))
              ?.kind,
          );
        expect(kinds).toEqual(['original', 'suspended', 'original']);
        // The grid filter and the CLI filter tell them apart.
        expect((await entries(batch.id, ['posted'])).map((e) => e.accountNo)).toEqual(await usdAccounts(2));
        const shown = await cli<BatchDto & { entries: BatchEntryDto[] }>(
          'batch',
          'show',
          String(batch.id),
          '--entries',
          '--status',
          'posted_suspense',
        );
        expect(shown.code).toBe(0);
        expect(shown.value.entries.map((e) => e.accountNo)).toEqual(['NOBODY-1']);
        // A resubmit posts nothing and counts both kinds as already posted.
        const again = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
        expect(again).toMatchObject({ posted: 0, suspended: 0, alreadyPosted: 3 });
        await clean();
      });
    }

    it('the report splits posted to accounts from posted to suspense (JSON, CSV)', async () => {
      const { batch } = await submitMixed();
      const report = await value<BatchReportDto & { postedToAccounts: unknown; postedToSuspense: unknown }>(
        app.dispatch('batches:report', { batchId: batch.id, csv: true, pdf: true }),
      );
      expect(report.byStatus).toEqual([
        { status: 'posted', count: 2, totalMinor: 1200 },
        { status: 'posted_suspense', count: 1, totalMinor: 750 },
      ]);
      expect(report.postedToAccounts).toEqual({ count: 2, totalMinor: 1200 });
      expect(report.postedToSuspense).toEqual({ count: 1, totalMinor: 750 });
      expect(report.suspended.total).toBe(1);
      expect(report.suspended.rows[0]).toMatchObject({ accountNo: 'NOBODY-1', status: 'posted_suspense' });
      const csv = Papa.parse<string[]>(report.csv!.trim(), { skipEmptyLines: true }).data;
      expect(csv.filter((r) => r[0] === 'posted').map((r) => r.slice(0, 4))).toEqual([
        ['posted', 'accounts', '2', '12.00'],
        ['posted', 'suspense', '1', '7.50'],
      ]);
      expect(pdfText(Buffer.from(report.pdfBase64!, 'base64'))).toContain('Posted to suspense');
      const file = join(app.dir, 'r.csv');
      const viaCli = await cli<{ postedToSuspense: unknown }>(
        'batch',
        'report',
        String(batch.id),
        '--csv',
        file,
      );
      expect(viaCli.value.postedToSuspense).toEqual({ count: 1, totalMinor: 750 });
      expect(readFileSync(file, 'utf8')).toContain('posted,suspense,1,7.50');
    });
  });

  describe('a submit refused because the ledger moved on (finding 8)', () => {
    it('keeps the verdicts that refused it, posts nothing, and the entries say why', async () => {
      const [a1, a2] = await usdAccounts(2);
      const batch = await newBatch();
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [
            { accountNo: a1, amount: '10.00' },
            { accountNo: a2, amount: '2.00' },
          ],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      expect((await entries(batch.id)).map((e) => e.status)).toEqual(['valid', 'valid']);
      // The ledger moves on: the first account is closed after validation.
      await app.ctx.storage.transaction(async (tx) => {
        await tx.run(sql`UPDATE accounts SET status = 'closed' WHERE account_no = ${a1}`);
      });
      const refused = await app.dispatch('batches:submit', { batchId: batch.id });
      expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'revalidate' } });
      expect(await app.get(sql`SELECT count(*) AS n FROM payments WHERE batch_id = ${batch.id}`)).toEqual({
        n: 0,
      });
      const shown = await cli<BatchDto & { entries: BatchEntryDto[] }>(
        'batch',
        'show',
        String(batch.id),
        '--entries',
      );
      expect(shown.value.status).toBe('open');
      expect(shown.value.entries[0]).toMatchObject({ status: 'to_be_suspended', reasonCode: 2004 });
      expect(shown.value.entries[0]!.problem).toMatch(/changed since validation.*closed/);
      expect(shown.value.entries[1]).toMatchObject({ status: 'valid' });
      const audit = await app.get<{ action: string }>(
        sql`SELECT action FROM audit_log WHERE entity = 'batch' AND entity_id = ${String(batch.id)} ORDER BY id DESC LIMIT 1`,
      );
      expect(audit?.action).toBe('batch.submit.refused');
      // Validated again, the batch submits with the new verdicts.
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out).toMatchObject({ posted: 1, suspended: 1 });
      await clean();
    });

    it('posts by the plan of the moment when a verdict only moved between valid and allocation suggested', async () => {
      // An account with two open bills, the second larger: one more cent than the first bill spans both
      // (allocation suggested); once another payment settles the first bill it fits the second alone (valid).
      const pick = await app.get<{ no: string; first: number; second: number; secondBill: number }>(
        sql`SELECT a.account_no AS "no", min(b1.amount_due_minor) AS "first", min(b2.amount_due_minor) AS "second",
              min(b2.id) AS "secondBill"
            FROM accounts a
            JOIN bills b1 ON b1.account_id = a.id AND b1.amount_due_minor > 0
            JOIN bills b2 ON b2.account_id = a.id AND b2.amount_due_minor > b1.amount_due_minor + 1
              AND (b2.due_date > b1.due_date OR (b2.due_date = b1.due_date AND b2.id > b1.id))
            WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
              AND (SELECT count(*) FROM bills x WHERE x.account_id = a.id AND x.amount_due_minor > 0) = 2
            GROUP BY a.id, a.account_no ORDER BY a.id LIMIT 1`,
      );
      expect(pick).toBeDefined();
      const minor = (n: number): string => (n / 100).toFixed(2);
      const batch = await newBatch();
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: pick!.no, amount: minor(pick!.first + 1) }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      expect((await entries(batch.id)).map((e) => e.status)).toEqual(['allocation_suggested']);
      // Someone else's payment settles the first bill after the validation.
      await value(
        app.dispatch('payments:record', {
          accountNo: pick!.no,
          amount: minor(pick!.first),
          allocate: 'auto',
        }),
      );
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out).toMatchObject({ posted: 1 });
      // The entry's money went where the ledger is now: all of it to the second bill.
      expect(
        await app.all(
          sql`SELECT al.bill_id AS "billId", sum(al.amount_minor) AS "amount" FROM allocations al
              JOIN payments p ON p.id = al.payment_id WHERE p.batch_id = ${batch.id} GROUP BY al.bill_id`,
        ),
      ).toEqual([{ billId: pick!.secondBill, amount: pick!.first + 1 }]);
      const refusals = await app.get<{ n: number }>(
        sql`SELECT count(*) AS "n" FROM audit_log WHERE action = 'batch.submit.refused' AND entity_id = ${String(batch.id)}`,
      );
      expect(refusals).toEqual({ n: 0 });
      await clean();
    });
  });

  describe('exception batches carry the deposit-slip figures (finding 7)', () => {
    /** A batch of 5 checks on a slip of 5 / 40.00: 3 good, 2 mis-keyed (moved to the exception batch). */
    async function split(): Promise<{ parent: BatchDto; exception: BatchDto; a: string[] }> {
      const a = await usdAccounts(3);
      const batch = await newBatch({ controlCount: 5, controlTotal: '40.00', lockboxNo: 'LB-1' });
      await value(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [
            { accountNo: a[0], amount: '10.00', checkNo: '1' },
            { amount: '6.00', checkNo: '2' },
            { accountNo: a[1], amount: '5.00', checkNo: '3' },
            { accountNo: a[2], amount: '12.00', checkNo: '4' },
            { accountNo: a[2], amount: '7.0x', checkNo: '5' },
          ],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: batch.id }));
      const ex = await value<{ exception: BatchDto; moved: number }>(
        app.dispatch('batches:exception', { batchId: batch.id }),
      );
      expect(ex.moved).toBe(2);
      const parent = await value<BatchDto>(app.dispatch('batches:get', { batchId: batch.id }));
      return { parent, exception: ex.exception, a };
    }

    it('the parent keeps its control figures and proves with what moved; the exception batch shows both', async () => {
      const { parent, exception } = await split();
      expect(parent.controlCount).toBe(5);
      expect(parent.controlTotalMinor).toBe(4000);
      expect(parent.zeroProof).toMatchObject({
        expectedCount: 5,
        expectedTotalMinor: 4000,
        enteredCount: 3,
        enteredTotalMinor: 2700,
        movedCount: 2,
        movedTotalMinor: 600,
        accountedCount: 5,
        accountedTotalMinor: 3300,
        balanced: false,
      });
      expect(parent.zeroProof.exceptionBatches).toEqual([
        { id: exception.id, batchNo: exception.batchNo, status: 'open', count: 2, totalMinor: 600 },
      ]);
      expect(parent.zeroProof.parent).toBeNull();
      // The exception batch gets what the slip leaves for it: 2 checks, 13.00 (the 7.0x is not an amount yet).
      expect(exception.controlCount).toBe(2);
      expect(exception.controlTotalMinor).toBe(1300);
      expect(exception.zeroProof).toMatchObject({
        expectedCount: 2,
        expectedTotalMinor: 1300,
        enteredCount: 2,
        enteredTotalMinor: 600,
        balanced: false,
      });
      expect(exception.zeroProof.parent).toEqual({
        id: parent.id,
        batchNo: parent.batchNo,
        expectedCount: 5,
        expectedTotalMinor: 4000,
        accountedCount: 5,
        accountedTotalMinor: 3300,
        balanced: false,
      });
      // Fixing the mis-keyed amount in the exception batch makes both prove, and the parent submits.
      const rows = await entries(exception.id);
      await value(
        app.dispatch('batches:save-entries', {
          batchId: exception.id,
          entries: [{ id: rows.find((r) => r.checkNo === '5')!.id, amount: '7.00' }],
        }),
      );
      const p2 = await value<BatchDto>(app.dispatch('batches:get', { batchId: parent.id }));
      expect(p2.zeroProof).toMatchObject({ accountedCount: 5, accountedTotalMinor: 4000, balanced: true });
      const x2 = await value<BatchDto>(app.dispatch('batches:get', { batchId: exception.id }));
      expect(x2.zeroProof).toMatchObject({ enteredTotalMinor: 1300, balanced: true });
      expect(x2.zeroProof.parent).toMatchObject({ balanced: true });
      await value(app.dispatch('batches:validate', { batchId: parent.id }));
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: parent.id }));
      expect(out.posted).toBe(3);
      // batch show (CLI) carries the same figures.
      const shown = await cli<BatchDto>('batch', 'show', String(parent.id));
      expect(shown.value.zeroProof).toMatchObject({
        movedCount: 2,
        accountedTotalMinor: 4000,
        balanced: true,
      });
      await clean();
    });

    it('an exception batch of an exception batch still counts toward the first slip', async () => {
      const { parent, exception, a } = await split();
      const rows = await entries(exception.id);
      // One of the two is fixed (an account for check 2); check 5 stays mis-keyed and moves on again.
      await value(
        app.dispatch('batches:save-entries', {
          batchId: exception.id,
          entries: [{ id: rows.find((r) => r.checkNo === '2')!.id, accountNo: a[0] }],
        }),
      );
      await value(app.dispatch('batches:validate', { batchId: exception.id }));
      const again = await value<{ exception: BatchDto; moved: number }>(
        app.dispatch('batches:exception', { batchId: exception.id }),
      );
      expect(again.moved).toBe(1);
      expect(again.exception.zeroProof.parent).toMatchObject({ id: exception.id, balanced: false });
      expect(again.exception).toMatchObject({ controlCount: 1, controlTotalMinor: 700 });
      const p = await value<BatchDto>(app.dispatch('batches:get', { batchId: parent.id }));
      expect(p.zeroProof).toMatchObject({
        enteredCount: 3,
        movedCount: 2,
        movedTotalMinor: 600,
        accountedCount: 5,
      });
      const x = await value<BatchDto>(app.dispatch('batches:get', { batchId: exception.id }));
      expect(x.zeroProof).toMatchObject({
        expectedCount: 2,
        enteredCount: 1,
        movedCount: 1,
        accountedCount: 2,
      });
      expect(x.zeroProof.exceptionBatches.map((b) => b.id)).toEqual([again.exception.id]);
    });

    it('a batch whose exception batch is discarded no longer proves', async () => {
      const { parent, exception } = await split();
      await value(app.dispatch('batches:discard', { batchId: exception.id }));
      const p = await value<BatchDto>(app.dispatch('batches:get', { batchId: parent.id }));
      expect(p.zeroProof).toMatchObject({ movedCount: 0, accountedCount: 3, balanced: false });
      expect(p.zeroProof.exceptionBatches).toEqual([
        { id: exception.id, batchNo: exception.batchNo, status: 'discarded', count: 2, totalMinor: 600 },
      ]);
    });
  });

  describe('ledgers submitted before posted_suspense existed (migration)', () => {
    // SQLite only: the backfill is a SQLite migration for ledger files made by an older build; PostgreSQL
    // ledgers began after posted_suspense existed, so none holds the older statuses (no backfill there).
    it.runIf(dialect === 'sqlite')(
      'marks entries that went to suspense posted_suspense, and only those',
      async () => {
        // Today's services write tables an older build's schema did not have (bank returns, mandates), so the
        // older ledger is made with today's schema, its entries set back to what the older build wrote, and the
        // backfill migration's SQL, exactly as shipped, run over it.
        const journal = JSON.parse(readFileSync('db/migrations/meta/_journal.json', 'utf8')) as {
          entries: { idx: number; tag: string }[];
        };
        const backfill = journal.entries.find((e) => e.tag.endsWith('_entries_posted_suspense'));
        expect(backfill).toBeDefined();
        const file = join(app.dir, 'old.sqlite');
        const before = openApp({ file, login: 'tester', migrationsFolder: 'db/migrations' });
        let batchId: number;
        try {
          const db = before.ctx.ledger.sqlite;
          await value(before.dispatch('demo:load', { accounts: 20, seed: 2 }));
          db.prepare(`INSERT INTO settings (key, value) VALUES ('PaymentSuspense', 'true')`).run();
          const [a1] = (
            db
              .prepare(
                `SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active' AND is_suspense = 0 LIMIT 1`,
              )
              .all() as { no: string }[]
          ).map((r) => r.no);
          const b = await value<BatchDto>(
            before.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
          );
          batchId = b.id;
          await value(
            before.dispatch('batches:save-entries', {
              batchId,
              entries: [
                { accountNo: a1, amount: '3.00' },
                { accountNo: 'NOBODY-9', amount: '4.00' },
              ],
            }),
          );
          await value(before.dispatch('batches:validate', { batchId }));
          await value(before.dispatch('batches:submit', { batchId }));
          // What the older build wrote: every submitted entry 'posted'; then the migration's backfill.
          db.prepare(`UPDATE batch_entries SET status = 'posted' WHERE batch_id = ?`).run(batchId);
          db.exec(readFileSync(`db/migrations/${backfill!.tag}.sql`, 'utf8'));
        } finally {
          before.close();
        }
        const after = openApp({ file, login: 'tester', migrationsFolder: 'db/migrations' });
        try {
          const rows = await value<BatchEntriesPageDto>(
            after.dispatch('batches:entries', { batchId, startRow: 0, endRow: 10 }),
          );
          expect(rows.rows.map((r) => [r.accountNo, r.status])).toEqual([
            [expect.any(String), 'posted'],
            ['NOBODY-9', 'posted_suspense'],
          ]);
        } finally {
          after.close();
        }
      },
    );
  });
});
