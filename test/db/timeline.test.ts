import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import type { BatchDto, BatchEntriesPageDto, BatchImportDto } from '../../src-shared/dto/batches';
import type { PaymentTimelineDto } from '../../src-shared/dto/reports';
import type { SuspenseMoveDto } from '../../src-shared/dto/suspense';
import type { Client } from '../../src-main/services/identity/client';
import { paymentTimeline } from '../../src-main/services/timeline/timeline';
import { APPS, type TestApp } from '../helpers/apps';
import { dispatchConfirmed } from '../helpers/confirm';
import { addOperatorClientVia } from '../helpers/operators';
import { expectClean, suspend, usdAccountsVia, value } from '../helpers/suspense';
import { tempDir } from '../helpers/temp';

process.env.PAYDESK_SECRET_KEY = 'timeline-test-key';

/** The app's clock: each step of a scenario moves it on, so every step has its own time. */
const now = new Date('2026-11-22T09:00:00.000Z');
let sim: Simulator;
let simDir: { dir: string; cleanup: () => void };

beforeAll(async () => {
  simDir = tempDir('paydesk-timeline-sim-');
  writeFileSync(join(simDir.dir, 'sim.json'), '{}');
  sim = await startSimulator({ port: 0, configFile: join(simDir.dir, 'sim.json') });
});
afterAll(async () => {
  await sim.close();
  simDir.cleanup();
});

const template = {
  name: 'Lockbox CSV',
  format: 'delimited',
  delimiter: ',',
  headerLines: 0,
  footerLines: 0,
  hasColumnHeader: true,
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
    { field: 'payerName', index: 3 },
  ],
};

describe.each(APPS.filter((r) => r.available))('payment timeline ($dialect)', ({ open }) => {
  let app: TestApp;
  let alice: Client;
  let bob: Client;

  beforeEach(async () => {
    now.setTime(Date.parse('2026-11-22T09:00:00.000Z'));
    app = await open({ login: 'tester', clock: () => now });
    await value(app.dispatch('demo:load', { accounts: 40, seed: 7 }));
    alice = await addOperatorClientVia(app, 'alice', ['clerk']);
    bob = await addOperatorClientVia(app, 'bob', ['supervisor']);
  });
  afterEach(async () => {
    await app?.dispose();
  });

  /** Sets the clock to a minute of the scenario day and returns that time as the ledger stores it. */
  const at = (hhmm: string): string => {
    now.setTime(Date.parse(`2026-11-22T${hhmm}:00.000Z`));
    return now.toISOString();
  };
  const as = (c: Client) => ({
    dispatch: (command: string, input: unknown) => app.dispatch(command, input, c),
  });
  const timelineOf = (paymentId: number): Promise<PaymentTimelineDto> =>
    value<PaymentTimelineDto>(app.dispatch('payments:timeline', { paymentId }));
  const firstCode = async (domain: number): Promise<number> =>
    (await app.get<{ id: number }>(
      sql`SELECT id FROM reason_codes WHERE domain_id = ${domain} AND active = 1 ORDER BY id LIMIT 1`,
    ))!.id;
  const labelOf = async (domain: number, code: number): Promise<string> =>
    (await app.get<{ label: string }>(
      sql`SELECT label FROM reason_codes WHERE domain_id = ${domain} AND id = ${code}`,
    ))!.label;

  describe('payment timeline', () => {
    it('an imported, allocated, reversed payment: every step in order with its operator', async () => {
      const [a1, a2] = await usdAccountsVia(app, 2);
      const file = join(app.dir, 'lockbox-1122.csv');
      writeFileSync(
        file,
        [
          'Account,Amount,Date,Payer',
          `${a2!.accountNo},5.00,11/21/2026,Other`,
          `${a1!.accountNo},19.95,11/21/2026,"Wolf, Mia"`,
        ].join('\n') + '\n',
      );
      const t1 = at('09:01');
      const imported = await value<BatchImportDto>(
        as(alice).dispatch('batches:import-file', { file, template, payType: 10012, currency: 'USD' }),
      );
      const batchNo = imported.batch.batchNo;
      const t2 = at('09:02');
      await value(as(alice).dispatch('batches:validate', { batchId: imported.batch.id }));
      const t3 = at('09:03');
      await value(dispatchConfirmed(as(bob), 'batches:submit', { batchId: imported.batch.id }));
      const page = await value<BatchEntriesPageDto>(
        app.dispatch('batches:entries', { batchId: imported.batch.id }),
      );
      const paymentId = page.rows[1]!.postedPaymentId!;
      expect(page.rows[1]!.sourceLine).toBe(3);

      // What submit allocated is undone by alice, then bob allocates part of it to the bill by hand.
      const t4 = at('09:04');
      const undoReason = await firstCode(16);
      const auto = (await app.get<{ s: number }>(
        sql`SELECT coalesce(sum(amount_minor), 0) AS s FROM allocations WHERE payment_id = ${paymentId}`,
      ))!.s;
      // Submit allocated the whole payment to the account's open bills by the standard policy.
      expect(auto).toBe(1995);
      await value(as(alice).dispatch('allocation:undo', { paymentId, reasonCode: undoReason }));
      const t5 = at('09:05');
      await value(
        as(bob).dispatch('allocation:apply', { paymentId, bills: [{ billNo: a1!.billNo, amount: '10.00' }] }),
      );

      // Reversed by a reversal batch: alice keys and validates it, bob submits.
      at('09:06');
      const rev = await value<BatchDto>(
        as(alice).dispatch('batches:create', { batchType: 'reversal', payType: 10012, currency: 'USD' }),
      );
      await value(
        as(alice).dispatch('batches:save-entries', { batchId: rev.id, entries: [{ paymentRef: paymentId }] }),
      );
      at('09:07');
      await value(as(alice).dispatch('batches:validate', { batchId: rev.id }));
      const t8 = at('09:08');
      await value(dispatchConfirmed(as(bob), 'batches:submit', { batchId: rev.id }));

      const t = await timelineOf(paymentId);
      expect(t).toMatchObject({
        paymentId,
        accountNo: a1!.accountNo,
        amountMinor: 1995,
        currency: 'USD',
        status: 'reversed',
      });
      expect(t.events.map((e) => [e.at, e.kind, e.operator])).toEqual([
        [t1, 'received', 'alice'],
        [t2, 'validated', 'alice'],
        [t3, 'submitted', 'bob'],
        [t3, 'posted', 'bob'],
        [t3, 'allocated', 'bob'],
        [t4, 'allocation-undone', 'alice'],
        [t5, 'allocated', 'bob'],
        [t8, 'allocation-undone', 'bob'],
        [t8, 'reversed', 'bob'],
      ]);
      const byKind = (k: string, n = 0) => t.events.filter((e) => e.kind === k)[n]!;
      expect(byKind('received')).toMatchObject({
        detail: `Received in file lockbox-1122.csv, line 3, into batch ${batchNo} as entry 2`,
        ref: { batchId: imported.batch.id, batchNo, file: 'lockbox-1122.csv', line: 3 },
      });
      expect(byKind('validated').detail).toBe(`Validated: valid for account ${a1!.accountNo}`);
      expect(byKind('submitted').detail).toBe(`Submitted with batch ${batchNo}`);
      expect(byKind('posted')).toMatchObject({
        detail: `Posted to account ${a1!.accountNo}`,
        amountMinor: 1995,
        currency: 'USD',
      });
      expect(byKind('allocated', 1)).toMatchObject({
        detail: expect.stringMatching(
          new RegExp(`^Allocated 10\\.00 USD to bill ${a1!.billNo} \\(item I\\d+\\)$`),
        ),
        amountMinor: 1000,
      });
      expect(byKind('allocated', 0)).toMatchObject({ amountMinor: 1995, currency: 'USD' });
      expect(byKind('allocation-undone', 0)).toMatchObject({
        amountMinor: -1995,
        detail: expect.stringMatching(
          new RegExp(`^Allocation undone: 19\\.95 USD from bill .*, reason ${undoReason}`),
        ),
      });
      expect(byKind('allocation-undone', 1)).toMatchObject({ amountMinor: -1000 });
      expect(byKind('reversed')).toMatchObject({
        detail: expect.stringMatching(new RegExp(`^Reversed by reversal batch ${rev.batchNo}, reason`)),
        amountMinor: -1995,
        ref: { batchId: rev.id, batchNo: rev.batchNo },
      });

      // An export run whose journal range covers the posting (inserted as the export service writes it).
      const journal = (await app.get<{ j: number }>(
        sql`SELECT journal_id AS j FROM payments WHERE id = ${paymentId}`,
      ))!.j;
      const reversalJournal = (await app.get<{ j: number }>(
        sql`SELECT journal_id AS j FROM reversals WHERE payment_id = ${paymentId}`,
      ))!.j;
      const bobId = (await app.get<{ id: number }>(sql`SELECT id FROM operators WHERE login = 'bob'`))!.id;
      const insertRun = (
        kind: string,
        mode: string,
        fromJournal: number,
        toJournal: number,
        fromDate: string | null,
        toDate: string | null,
        runAt: string,
        operatorId: number | null,
      ): Promise<number> =>
        app.ctx.storage.transaction(
          async (tx) =>
            (await tx.get<{ id: number }>(
              sql`INSERT INTO export_runs (kind, mode, from_journal_id, to_journal_id, from_allocation_id, to_allocation_id, from_date, to_date, records, files_json, at, operator_id)
              VALUES (${kind}, ${mode}, ${fromJournal}, ${toJournal}, 0, 0, ${fromDate}, ${toDate}, 1, '[]', ${runAt}, ${operatorId})
              RETURNING id`,
            ))!.id,
        );
      // A run before the posting and a G/L export never mention it.
      await insertRun('posted', 'watermark', 0, journal - 1, null, null, at('09:09'), bobId);
      await insertRun('gl', 'watermark', 0, reversalJournal, null, null, at('09:10'), bobId);
      const t11 = at('09:11');
      const run = await insertRun(
        'posted',
        'watermark',
        journal - 1,
        reversalJournal,
        null,
        null,
        t11,
        bobId,
      );
      const t12 = at('09:12');
      const again = await insertRun('posted', 'range', 0, 0, '2026-11-22', '2026-11-22', t12, null);
      const exported = (await timelineOf(paymentId)).events.filter((e) => e.kind === 'exported');
      expect(exported).toEqual([
        {
          at: t11,
          kind: 'exported',
          operator: 'bob',
          detail: `Exported to billing in export #${run}: posting, reversal`,
        },
        {
          at: t12,
          kind: 'exported',
          operator: null,
          detail: `Exported to billing in export #${again} (re-export of 2026-11-22..2026-11-22): posting, reversal`,
        },
      ]);
      await expectClean(app);
    });

    it('a suspended payment distributed, one part recycled and removed: the case is followed both ways', async () => {
      const [a1, a2] = await usdAccountsVia(app, 2, 5);
      at('10:00');
      const [sid] = await suspend(app, [{ amount: '300.00', payerName: 'Unknown Payer' }]);
      const t1 = at('10:01');
      const dist = await value<SuspenseMoveDto>(
        as(bob).dispatch('suspense:distribute', {
          paymentId: sid,
          targets: [
            { accountNo: a1!.accountNo, amount: '100.00' },
            { accountNo: a2!.accountNo, amount: '150.00' },
          ],
        }),
      );
      const [d1, d2] = dist.posted.map((p) => p.paymentId);
      const restId = dist.suspended[0]!.paymentId;
      const t2 = at('10:02');
      const recycled = await value<SuspenseMoveDto>(
        as(bob).dispatch('suspense:recycle', { paymentIds: [d2], reasonCode: 4002 }),
      );
      const rid = recycled.suspended[0]!.paymentId;
      const t3 = at('10:03');
      await value(as(bob).dispatch('suspense:note', { paymentId: rid, text: 'called the payer' }));
      const t4 = at('10:04');
      await value(as(bob).dispatch('suspense:remove', { paymentId: rid, reasonCode: 4999 }));

      // The root tells the whole case: its own moves, then each payment its money went to.
      const root = await timelineOf(sid!);
      expect(root.status).toBe('distributed');
      const rows = root.events.map((e) => [e.at, e.kind, e.ref?.paymentId ?? null, e.amountMinor ?? null]);
      expect(rows.slice(0, 3).map((r) => r[1])).toEqual(['keyed', 'validated', 'submitted']);
      expect(rows.slice(3)).toEqual([
        ['2026-11-22T10:00:00.000Z', 'suspended', null, 30000],
        [t1, 'suspense-moved', d1, 25000],
        [t1, 'posted', d1, 10000],
        [t1, 'allocated', d1, 10000],
        [t1, 'posted', d2, 15000],
        [t1, 'allocated', d2, 15000],
        [t1, 'suspended', restId, 5000],
        [t2, 'allocation-undone', d2, -15000],
        [t2, 'suspense-moved', d2, 15000],
        [t2, 'suspended', rid, 15000],
        [t3, 'note', rid, null],
        [t4, 'suspense-moved', rid, 15000],
      ]);
      const distributeReason = (await labelOf(16, 4003)).replace(/\.$/, '');
      expect(root.events[4]!.detail).toBe(
        `Distributed 250.00 USD from suspense to ${a1!.accountNo} (payment ${d1}), ${a2!.accountNo} (payment ${d2}) (G/L 113, reason 4003 ${distributeReason}); the rest stays in suspense as payment ${restId}`,
      );
      expect(root.events.at(-1)!.detail).toMatch(
        /^Removed 150\.00 USD from suspense as unallocatable \(G\/L 112/,
      );
      expect(root.events.at(-2)!.detail).toBe('Note: called the payer');

      // The recycled payment: where its money came from (up to its making), then its own life.
      const r = await timelineOf(rid);
      expect(r).toMatchObject({ paymentId: rid, status: 'removed', amountMinor: 15000 });
      expect(r.events.map((e) => [e.at, e.kind, e.ref?.paymentId ?? null])).toEqual([
        [expect.any(String), 'keyed', sid],
        [expect.any(String), 'validated', sid],
        [expect.any(String), 'submitted', sid],
        ['2026-11-22T10:00:00.000Z', 'suspended', sid],
        [t1, 'suspense-moved', sid],
        [t1, 'posted', d2],
        [t1, 'allocated', d2],
        [t2, 'allocation-undone', d2],
        [t2, 'suspense-moved', d2],
        [t2, 'suspended', d2],
        [t3, 'note', null],
        [t4, 'suspense-moved', null],
      ]);
      expect(r.events.slice(4).map((e) => e.operator)).toEqual(Array(8).fill('bob'));
      expect(r.events[9]!.detail).toBe(`Recycled into suspense from payment ${d2} (${a2!.accountNo})`);
      expect(r.events[8]!.detail).toMatch(
        new RegExp(
          `^Recycled 150\\.00 USD from account ${a2!.accountNo} into suspense as payment ${rid} \\(G/L 113, reason 4002`,
        ),
      );
      await expectClean(app);
    });

    it('a collected card payment: checkpoint, the processor call with its answer, posting and allocation', async () => {
      await value(
        app.dispatch('processors:save', {
          name: 'sim',
          url: `http://127.0.0.1:${sim.port}`,
          merchants: {
            USD: { merchant: 'ispname', mid: '050505' },
            EUR: { merchant: 'ispeu', mid: '050506' },
          },
          secret: 'topsecret-99',
        }),
      );
      const t1 = at('11:00');
      const run = await value<CollectRunDto>(dispatchConfirmed(as(bob), 'collect:run', { rebill: true }));
      const txn = (await app.get<{
        id: number;
        command: string;
        paymentId: number;
        amountMinor: number;
        currency: string;
        settledAt: string;
      }>(
        sql`SELECT id, command, payment_id AS "paymentId", amount_minor AS "amountMinor", currency, settled_at AS "settledAt"
         FROM processor_txns WHERE run_id = ${run.runId} AND payment_id IS NOT NULL ORDER BY id LIMIT 1`,
      ))!;
      expect(txn).toBeDefined();
      const t = await timelineOf(txn.paymentId);
      expect(t).toMatchObject({ amountMinor: txn.amountMinor, currency: txn.currency, status: 'posted' });
      // The collect service stamps a reply with the wall clock when it arrives (not the app's clock this test
      // fixes), so here the answer sorts after the posting the fixed clock dated earlier.
      expect(t.events.map((e) => [e.at, e.kind, e.operator])).toEqual([
        [t1, 'checkpoint', 'bob'],
        [t1, 'posted', 'bob'],
        [t1, 'allocated', 'bob'],
        [txn.settledAt, 'processor-call', 'bob'],
      ]);
      const money = `${(txn.amountMinor / 100).toFixed(2)} ${txn.currency}`;
      expect(t.events[0]!.detail).toBe(
        `Checkpoint 999 reserved: ${txn.command} of ${money} at sim in collect run #${run.runId} (record ${txn.id})`,
      );
      expect(t.events[3]!.detail).toMatch(new RegExp(`^sim answered the ${txn.command}: PASS`));
    });

    it('an unknown payment is not found; a bad id is refused by the contract', async () => {
      expect(await app.dispatch('payments:timeline', { paymentId: 999999 })).toMatchObject({
        ok: false,
        error: { code: 'not_found', entity: 'payment', key: '999999' },
      });
      expect(await app.dispatch('payments:timeline', { paymentId: 0 })).toMatchObject({
        ok: false,
        error: { code: 'validation' },
      });
      await expect(paymentTimeline(app.ctx.storage, -1)).rejects.toThrow(/payment -1 not found/);
    });
  });
});
