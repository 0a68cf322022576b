import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { stepsIn } from '../../db/storage/steps';
import type { App } from '../../src-main/app-context';
import { runCli } from '../../src-main/cli/main';
import type { LedgerPlace } from '../../src-main/services/context';
import type { Result } from '../../src-shared/api/result';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import type { ConfirmationDto } from '../../src-shared/dto/confirmations';
import { submitPreview, submitPreviewSteps } from '../../src-main/services/confirmations/confirmations';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import { APPS, type TestApp } from '../helpers/apps';
import { startSimProcess, type SimProcess } from '../helpers/simulator';
import { setSettingVia } from '../helpers/suspense';
import { tempDir } from '../helpers/temp';

/**
 * Finding 9 of issue #11: nothing that sends money goes out without a preview (count and totals per
 * currency) and an explicit confirmation of exactly that preview.
 */

process.env.PAYDESK_SECRET_KEY = 'confirm-test-key';
process.env.PAYDESK_QUIET = '1';

let sim: SimProcess;
let simDir: { dir: string; cleanup: () => void };
beforeAll(async () => {
  simDir = tempDir('paydesk-confirm-sim-');
  sim = await startSimProcess(join(simDir.dir, 'sim.json'), {});
}, 60_000);
afterAll(async () => {
  await sim.stop();
  simDir.cleanup();
});

let now: Date;
let app: TestApp;
/** Another app on the ledger acting as this operator (closed with the ledger's app). */
const as = async (login: string): Promise<App<LedgerPlace>> => {
  const opened = await app.again({ login, clock: () => now });
  await app.giveTestPassword(login);
  return opened;
};
const write = (query: SQL): Promise<void> =>
  app.ctx.storage.transaction(async (tx) => {
    await tx.run(query);
  });

async function ok<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** The simulator's records of this test's ledger (the simulator is shared by the tests of this file). */
async function charges() {
  const row = await app.get<{ value: string }>(
    sql`SELECT value FROM settings WHERE key = 'processors.keyPrefix'`,
  );
  const all = await sim.charges();
  // The key prefix is made with the ledger's first request: without one, this ledger never sent anything.
  if (!row) return [];
  const prefix = JSON.parse(row.value) as string;
  return all.filter((r) => r.idemKey.startsWith(`${prefix}-`));
}
const count = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;
const txnCount = (): Promise<number> => count(sql`SELECT count(*) AS n FROM processor_txns`);
const audits = (action: string): Promise<number> =>
  count(sql`SELECT count(*) AS n FROM audit_log WHERE action = ${action}`);

describe.each(APPS.filter((r) => r.available))('confirmations ($dialect)', ({ dialect, open }) => {
  beforeEach(async () => {
    now = new Date('2026-11-22T09:00:00Z');
    app = await open({ login: 'lead', clock: () => now });
    // The CLI below signs in as lead with the test password.
    await app.giveTestPassword('lead');
    await ok(app.dispatch('demo:load', { accounts: 150, seed: 12 }));
    await ok(
      app.dispatch('processors:save', {
        name: 'sim',
        url: sim.url,
        merchants: {
          USD: { merchant: 'ispname', mid: '050505' },
          EUR: { merchant: 'ispeu', mid: '050506' },
          GBP: { merchant: 'ispgb', mid: '050507' },
        },
      }),
    );
  }, 60_000);
  afterEach(() => app.dispose());

  type Run = { code: number; out: string; err: string };

  /** The real CLI as a nightly job meets it: its own process, stdin and stderr not terminals. */
  function paydesk(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ['bin/paydesk.cjs', ...app.ledgerArgs, '--operator', 'lead', ...args],
        { env: { ...process.env, ...app.cliEnv, PAYDESK_QUIET: '1' } },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
      );
    });
  }

  /** The CLI in this process with a terminal that answers the prompt. */
  async function cliAnswering(answer: string, ...args: string[]): Promise<Run & { asked: string[] }> {
    let out = '';
    let err = '';
    const asked: string[] = [];
    const saved = Object.fromEntries(Object.keys(app.cliEnv).map((k) => [k, process.env[k]]));
    Object.assign(process.env, app.cliEnv);
    try {
      const code = await runCli(['node', 'paydesk', ...app.ledgerArgs, '--operator', 'lead', ...args], {
        out: (t) => (out += t),
        err: (t) => (err += t),
        isTty: true,
        ask: (q) => {
          asked.push(q);
          return Promise.resolve(answer);
        },
      });
      return { code, out, err, asked };
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  }

  describe('collection run from the CLI', () => {
    it('without a terminal and without --yes sends nothing and exits 4; --preview sends nothing; --yes charges exactly the preview', async () => {
      // The test's app stays open beside the job's process, as a desk left open during a nightly run (on
      // PostgreSQL the app's ledger lives only as long as the app).
      const refused = await paydesk('--json', 'collect', '--rebill');
      expect(refused.code, refused.err).toBe(4);
      const doc = JSON.parse(refused.out) as {
        error: { code: string; rule: string; message: string };
        confirmation: ConfirmationDto;
      };
      expect(doc.error).toMatchObject({ code: 'conflict', rule: 'confirmation-required' });
      expect(doc.error.message).toContain('--yes');
      expect(doc.confirmation.count).toBeGreaterThan(0);
      expect(doc.confirmation.totals.map((t) => t.currency)).toEqual(['EUR', 'GBP', 'USD']);
      expect(await charges()).toEqual([]);
      expect(await txnCount()).toBe(0);

      const preview = await paydesk('--json', 'collect', '--rebill', '--preview');
      expect(preview.code, preview.err).toBe(0);
      const p = JSON.parse(preview.out) as ConfirmationDto;
      expect(p).toMatchObject({
        operation: 'collect:run',
        status: 'pending',
        required: true,
        count: doc.confirmation.count,
      });
      expect(p.totals).toEqual(doc.confirmation.totals);
      expect(p.groups.length).toBeGreaterThan(1);
      for (const g of p.groups) expect(g.label).toMatch(/^sim · isp/);
      expect(p.groups.reduce((n, g) => n + g.count, 0)).toBe(p.count);
      expect(await charges()).toEqual([]);

      const human = await paydesk('collect', '--rebill');
      expect(human.code).toBe(4);
      expect(human.err).toContain(`Collect ${p.count} bills through sim`);
      expect(human.err).toContain('error (conflict)');

      const yes = await paydesk('--json', 'collect', '--rebill', '--yes');
      expect(yes.code, yes.err).toBe(0);
      const run = JSON.parse(yes.out) as CollectRunDto;
      expect(run.selected).toBe(p.count);
      expect(run.confirmation).toMatchObject({ count: p.count, totals: p.totals });
      const sent = await charges();
      expect(sent).toHaveLength(p.count);
      for (const t of p.totals)
        expect(sent.filter((c) => c.currency === t.currency).reduce((s, c) => s + c.amountMinor, 0)).toBe(
          t.amountMinor,
        );
      const row = await app.get(
        sql`SELECT status, outcome FROM confirmations WHERE id = ${run.confirmation!.id}`,
      );
      expect(row).toEqual({ status: 'confirmed', outcome: `run ${run.runId}` });
      expect(await audits('confirmation.prepare')).toBe(4);
      expect(await audits('confirmation.confirm')).toBe(1);
    }, 120_000);

    it('on a terminal shows the preview and asks; anything but y sends nothing', async () => {
      const no = await cliAnswering('', 'collect', '--rebill');
      expect(no.asked).toEqual(['Proceed? [y/N] ']);
      expect(no.code).toBe(4);
      expect(no.err).toMatch(/Collect \d+ bills through sim/);
      expect(no.err).toContain('not confirmed: nothing was sent');
      expect(await charges()).toEqual([]);
      expect(await txnCount()).toBe(0);
      const yes = await cliAnswering('y', '--json', 'collect', '--rebill');
      expect(yes.code, yes.out).toBe(0);
      const run = JSON.parse(yes.out) as CollectRunDto;
      expect(run.postedCount).toBeGreaterThan(0);
      expect((await charges()).length).toBe(run.selected);
    }, 60_000);

    it('deposit and refund runs ask too', async () => {
      for (const kind of ['deposit', 'refund']) {
        const r = await cliAnswering('n', '--json', kind);
        expect(r.asked).toHaveLength(1);
        expect(r.code).toBe(4);
        expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'conflict', rule: 'not-confirmed' } });
      }
      const direct = await app.dispatch('collect:refund', {});
      expect(direct).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'confirmation-required' } });
    });
  });

  describe('prepare -> confirm in the services', () => {
    const prepare = (input: Record<string, unknown>, a: App<LedgerPlace> = app) =>
      ok<ConfirmationDto>(a.dispatch('confirmations:prepare', { operation: 'collect:run', input }));

    it('a run without a confirmation is refused and sends nothing', async () => {
      const r = await app.dispatch('collect:run', { rebill: true });
      expect(r).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'confirmation-required' } });
      expect(await charges()).toEqual([]);
      expect(await txnCount()).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM collect_runs`)).toBe(0);
    });

    it('refuses a preview whose selection changed before the confirm, and sends nothing', async () => {
      const p = await prepare({ rebill: true });
      expect(p.count).toBeGreaterThan(0);
      // One selected bill is paid at the desk between the preview and the confirm.
      const bill = (await app.get<{ accountNo: string; billNo: string; currency: string }>(
        sql`SELECT a.account_no AS "accountNo", b.bill_no AS "billNo", b.currency FROM bills b JOIN accounts a ON a.id = b.account_id
         JOIN bill_units u ON u.id = b.bill_unit_id
         WHERE b.status = 'open' AND u.pay_type = 10003 AND b.amount_due_minor > 500 ORDER BY b.id LIMIT 1`,
      ))!;
      await ok(
        app.dispatch('payments:record', {
          accountNo: bill.accountNo,
          amount: '1.00',
          currency: bill.currency,
          billNo: bill.billNo,
        }),
      );
      const r = await app.dispatch('collect:run', { rebill: true, confirmationId: p.id });
      expect(r).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'confirmation-changed' } });
      expect(!r.ok && r.error.message).toContain('nothing was sent');
      expect(await charges()).toEqual([]);
      expect(await txnCount()).toBe(0);
      expect(
        await ok<ConfirmationDto>(app.dispatch('confirmations:show', { confirmationId: p.id })),
      ).toMatchObject({
        status: 'refused',
      });
      expect(await audits('confirmation.refuse')).toBe(1);
      // A fresh preview of the new selection goes through, once.
      const q = await prepare({ rebill: true });
      expect(q.hash).not.toBe(p.hash);
      const run = await ok<CollectRunDto>(
        app.dispatch('collect:run', { rebill: true, confirmationId: q.id }),
      );
      expect(run.selected).toBe(q.count);
      expect(run.confirmation?.id).toBe(q.id);
      const again = await app.dispatch('collect:run', { rebill: true, confirmationId: q.id });
      expect(again).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'confirmation-used' } });
      expect((await charges()).length).toBe(q.count);
    });

    it('refuses an expired preview, other options than previewed, and another operator', async () => {
      const p = await prepare({ rebill: true });
      const other = await app.dispatch('collect:run', {
        rebill: true,
        minimumAmount: '50.00',
        confirmationId: p.id,
      });
      expect(other).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'confirmation-mismatch' } });
      const deposit = await app.dispatch('collect:deposit', { confirmationId: p.id });
      expect(deposit).toMatchObject({
        ok: false,
        error: { code: 'conflict', rule: 'confirmation-mismatch' },
      });
      const boss = await as('boss');
      await write(sql`UPDATE operators SET roles = 'supervisor' WHERE login = 'boss'`);
      const stolen = await boss.dispatch('collect:run', { rebill: true, confirmationId: p.id });
      expect(stolen).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      now = new Date(now.getTime() + 11 * 60_000);
      const late = await app.dispatch('collect:run', { rebill: true, confirmationId: p.id });
      expect(late).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'confirmation-expired' } });
      expect(await txnCount()).toBe(0);
      expect(await charges()).toEqual([]);
    });

    it('a clerk may not even preview a run', async () => {
      const clerk = await as('clerk1');
      const r = await clerk.dispatch('confirmations:prepare', { operation: 'collect:run', input: {} });
      expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      const bad = await app.dispatch('confirmations:prepare', {
        operation: 'collect:run',
        input: { start: 'yesterday' },
      });
      expect(bad).toMatchObject({
        ok: false,
        error: { code: 'validation', issues: [{ path: 'input.start' }] },
      });
    });
  });

  describe('batch submit over the confirmation limit', () => {
    // Each batch keys new check numbers: the same check twice would be a suspected duplicate and never post.
    let nextCheck = 2000;
    async function validatedBatch(n: number): Promise<BatchDto> {
      const rows = await app.all<{ accountNo: string; due: number }>(
        sql`SELECT a.account_no AS "accountNo", sum(b.amount_due_minor) AS due FROM accounts a JOIN bills b ON b.account_id = a.id AND b.status = 'open'
         WHERE a.currency = 'USD' AND a.status = 'active' GROUP BY a.id ORDER BY a.id LIMIT ${n}`,
      );
      const batch = await ok<BatchDto>(
        app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
      );
      await ok(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: rows.map((r) => ({
            accountNo: r.accountNo,
            amount: '40.00',
            checkNo: String(nextCheck++),
          })),
        }),
      );
      return (await ok<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }))).batch;
    }
    const setLimit = (v: string): Promise<void> => setSettingVia(app, 'confirm.submitAboveAmount', v);

    it('needs a confirmation over the limit, posts nothing without it, and is refused when the batch changed', async () => {
      await setLimit('100.00');
      const batch = await validatedBatch(3);
      expect(batch.status).toBe('validated');
      const refused = await app.dispatch('batches:submit', { batchId: batch.id });
      expect(refused).toMatchObject({
        ok: false,
        error: { code: 'conflict', rule: 'confirmation-required' },
      });
      expect(!refused.ok && refused.error.message).toContain('120.00 USD');
      expect(await ok<BatchDto>(app.dispatch('batches:get', { batchId: batch.id }))).toMatchObject({
        status: 'validated',
      });
      const p = await ok<ConfirmationDto>(
        app.dispatch('confirmations:prepare', { operation: 'batches:submit', input: { batchId: batch.id } }),
      );
      expect(p).toMatchObject({
        required: true,
        count: 3,
        totals: [{ currency: 'USD', count: 3, amountMinor: 12_000 }],
        limit: { currency: 'USD', amountMinor: 10_000 },
      });
      // An entry is added after the preview: the batch is validated again, and the old preview no longer fits.
      await ok(
        app.dispatch('batches:save-entries', {
          batchId: batch.id,
          entries: [{ accountNo: (await validatedAccounts())[0]!, amount: '40.00', checkNo: '2999' }],
        }),
      );
      await ok(app.dispatch('batches:validate', { batchId: batch.id }));
      const stale = await app.dispatch('batches:submit', { batchId: batch.id, confirmationId: p.id });
      expect(stale).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'confirmation-changed' } });
      expect(await ok<BatchDto>(app.dispatch('batches:get', { batchId: batch.id }))).toMatchObject({
        status: 'validated',
      });
      const q = await ok<ConfirmationDto>(
        app.dispatch('confirmations:prepare', { operation: 'batches:submit', input: { batchId: batch.id } }),
      );
      expect(q.totals).toEqual([{ currency: 'USD', count: 4, amountMinor: 16_000 }]);
      const done = await ok<BatchSubmitDto>(
        app.dispatch('batches:submit', { batchId: batch.id, confirmationId: q.id }),
      );
      expect(done.posted).toBe(4);
      expect(done.confirmation).toMatchObject({ id: q.id, count: 4 });
    });

    it("the preview's fingerprint sees every field of every entry, with the same count and total", async () => {
      const batch = await validatedBatch(2);
      const hash = async (): Promise<string> => {
        const input = { batchId: batch.id };
        const { hash: h } = await app.ctx.storage.transaction(
          (tx) => stepsIn(tx, submitPreviewSteps(tx, input)),
          {
            readOnly: true,
          },
        );
        // On SQLite a submit through the driver previews too: both forms must fingerprint alike.
        if (dialect === 'sqlite') expect(submitPreview(app.ctx.ledger.sqlite!, input).hash).toBe(h);
        return h;
      };
      const before = await hash();
      expect(await hash()).toBe(before);
      const seen = new Set([before]);
      // Each edit keeps the count and the total: only the entries' text tells them apart.
      // SQLite keeps text in the integer payment_ref as given, so there it also probes the text encoding
      // through that column; PostgreSQL refuses text in a bigint column and cannot hold U+0000 in any text.
      const looseText: [string, SQL][] =
        dialect === 'sqlite'
          ? [
              ['payment_ref a","b', sql`payment_ref = ${'a","b'}`],
              ['payment_ref a NUL b', sql`payment_ref = ${'a\u0000\n"b'}`],
              ['payment_ref a NUL c', sql`payment_ref = ${'a\u0000\n"c'}`],
              ['payment_ref a\\","b', sql`payment_ref = ${'a\\","b'}`],
            ]
          : [];
      const edits: [string, SQL][] = [
        ...looseText,
        ['payment_ref 7', sql`payment_ref = ${7}`],
        ['bill_no a","b', sql`bill_no = ${'a","b'}`],
        ['bill_no a\\","b', sql`bill_no = ${'a\\","b'}`],
        ['account_no X-1', sql`account_no = ${'X-1'}`],
        ['reason_code 1', sql`reason_code = ${1}`],
        ['seq + 100', sql`seq = seq + 100`],
      ];
      for (const [label, set] of edits) {
        await write(
          sql`UPDATE batch_entries SET ${set} WHERE id = (SELECT min(id) FROM batch_entries WHERE batch_id = ${batch.id})`,
        );
        const h = await hash();
        expect(seen.has(h), label).toBe(false);
        seen.add(h);
      }
    });

    it('under the limit a batch submits as before; the CLI asks only over it', async () => {
      await setLimit('1000.00');
      const small = await validatedBatch(2);
      const done = await ok<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: small.id }));
      expect(done.posted).toBe(2);
      expect(done.confirmation).toBeUndefined();
      await setLimit('50.00');
      const big = await validatedBatch(2);
      const no = await cliAnswering('n', '--json', 'batch', 'submit', String(big.id));
      expect(no.asked).toHaveLength(1);
      expect(no.code).toBe(4);
      expect(no.err).toContain('80.00 USD');
      const yes = await cliAnswering('', '--json', 'batch', 'submit', String(big.id), '--yes');
      expect(yes.asked).toHaveLength(0);
      expect(yes.code, yes.out).toBe(0);
      expect(JSON.parse(yes.out)).toMatchObject({ posted: 2, confirmation: { count: 2 } });
    });

    async function validatedAccounts(): Promise<string[]> {
      return (
        await app.all<{ a: string }>(
          sql`SELECT a.account_no AS a FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active'
           AND EXISTS (SELECT 1 FROM bills b WHERE b.account_id = a.id AND b.status = 'open') ORDER BY a.id DESC LIMIT 1`,
        )
      ).map((r) => r.a);
    }
  });
});
