import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimConfig } from '../../src-main/processors/simulator';
import { collectionDate, collectWindow, minimumMinor } from '../../src-main/services/processors/collect';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type {
  CollectRunDto,
  PendingPaymentDto,
  ProcessorDto,
  RecoveryResultDto,
  RefundResultDto,
} from '../../src-shared/dto/processors';
import { writeFileSync } from 'node:fs';
import { tempDir } from '../helpers/temp';
import { dispatchConfirmed } from '../helpers/confirm';
import { APPS, type TestApp } from '../helpers/apps';
import { setSettingVia } from '../helpers/suspense';

process.env.PAYDESK_SECRET_KEY = 'collect-test-key';

let sim: Simulator;
let simDir: { dir: string; cleanup: () => void };
const cfgFile = (): string => join(simDir.dir, 'sim.json');
const setSim = (c: SimConfig): void => writeFileSync(cfgFile(), JSON.stringify(c));

async function ok<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

let now: Date;
let app: TestApp;

/** A write outside the commands (a role change, a processor's timeout), on either database. */
const write = (query: SQL): Promise<void> =>
  app.ctx.storage.transaction(async (tx) => {
    await tx.run(query);
  });
const count = async (query: SQL): Promise<number> => (await app.get<{ n: number }>(query))!.n;

/** The simulator's records of this test's ledger. */
async function mine() {
  const row = await app.get<{ value: string }>(
    sql`SELECT value FROM settings WHERE key = 'processors.keyPrefix'`,
  );
  const prefix = JSON.parse(row!.value) as string;
  return [...sim.records.values()].filter((r) => r.idemKey.startsWith(`${prefix}-`));
}

async function checkClean(): Promise<void> {
  const c = await ok<LedgerCheckDto>(app.dispatch('ledger:check', { maxViolations: 20 }));
  expect(c.violations).toEqual([]);
}

/** A USD card account with open bills, its token and total due. */
async function cardAccount(): Promise<{ id: number; accountNo: string; token: string; due: number }> {
  const row = await app.get<{ id: number; accountNo: string; token: string; due: number }>(
    sql`SELECT a.id, a.account_no AS "accountNo", m.token, sum(b.amount_due_minor) AS due FROM accounts a
       JOIN payment_methods m ON m.account_id = a.id AND m.type = 'card'
       JOIN bills b ON b.account_id = a.id AND b.status = 'open' AND b.amount_due_minor >= 200
       WHERE a.currency = 'USD' AND a.status = 'active' GROUP BY a.id, a.account_no, m.token
       ORDER BY a.id, m.token LIMIT 1`,
  );
  return { ...row!, due: Number(row!.due) };
}

describe('collection rules', () => {
  it('collection dates, windows and minimum amounts follow pin_collect', () => {
    expect(collectionDate('finalized', '2026-08-10', '2026-09-10')).toBe('2026-08-10');
    expect(collectionDate('due', '2026-08-10', '2026-09-10')).toBe('2026-09-10');
    expect(collectionDate('before-due:5', '2026-08-10', '2026-09-10')).toBe('2026-09-05');
    // Delayed billing: a date before finalization is ignored.
    expect(collectionDate('before-due:40', '2026-08-10', '2026-09-10')).toBe('2026-08-10');
    expect(collectWindow('2017-01-01', {})).toEqual({ start: '2016-12-31', end: '2017-01-01' });
    expect(collectWindow('2017-01-01', { todayOnly: true })).toEqual({
      start: '2017-01-01',
      end: '2017-01-01',
    });
    expect(collectWindow('2017-01-01', { start: '2017-01-01' })).toEqual({
      start: '2016-12-31',
      end: '2017-01-01',
    });
    expect(collectWindow('2017-01-01', { start: '2016-12-20', end: '2016-12-20' })).toEqual({
      start: '2016-12-19',
      end: '2016-12-20',
    });
    expect(collectWindow('2017-01-01', { start: '2016-12-01', end: '2016-12-10' })).toEqual({
      start: '2016-12-01',
      end: '2016-12-10',
    });
    expect(minimumMinor('2.00', 2)).toBe(200);
    expect(minimumMinor('2.00', 0)).toBe(2);
    expect(minimumMinor('2', 3)).toBe(2000);
  });
});

describe.each(APPS.filter((r) => r.available))('collection ($dialect)', ({ open }) => {
  // A simulator per database: it remembers which injected faults (by id) it already used.
  beforeAll(async () => {
    simDir = tempDir('paydesk-sim-');
    setSim({});
    sim = await startSimulator({ port: 0, configFile: cfgFile() });
  });
  afterAll(async () => {
    await sim.close();
    simDir.cleanup();
  });
  beforeEach(async () => {
    setSim({});
    now = new Date('2026-11-22T09:00:00Z');
    app = await open({ login: 'lead', clock: () => now });
    await ok(app.dispatch('demo:load', { accounts: 200, seed: 4 }));
    await ok(
      app.dispatch('processors:save', {
        name: 'sim',
        url: `http://127.0.0.1:${sim.port}`,
        merchants: {
          USD: { merchant: 'ispname', mid: '050505' },
          EUR: { merchant: 'ispeu', mid: '050506' },
          GBP: { merchant: 'ispgb', mid: '050507' },
        },
        secret: 'topsecret-99',
      }),
    );
  });
  afterEach(() => app.dispose());

  describe('collection rules', () => {
    it('stores the processor secret encrypted and shows only a hint', async () => {
      const row = await app.get<{ e: string }>(sql`SELECT secret_enc AS e FROM processors`);
      expect(row!.e).not.toContain('topsecret');
      expect(Buffer.from(row!.e, 'base64').toString('latin1')).not.toContain('topsecret');
      const [p] = await ok<ProcessorDto[]>(app.dispatch('processors:list', {}));
      expect(p!.secretHint).toBe('••••99');
      const audit = await app.all<{ t: string }>(
        sql`SELECT coalesce(after, '') || coalesce(before, '') AS t FROM audit_log`,
      );
      expect(audit.length).toBeGreaterThan(0);
      expect(audit.map((a) => a.t).join('\n')).not.toContain('topsecret');
      // The simulator demands the secret: a wrong one means nothing is sent.
      setSim({ secret: 'topsecret-99' });
      const good = await ok<{ ok: boolean }>(app.dispatch('processors:test', {}));
      expect(good.ok).toBe(true);
      setSim({ secret: 'another' });
      const bad = await ok<{ ok: boolean; health: string }>(app.dispatch('processors:test', {}));
      expect(bad).toMatchObject({ ok: false, health: 'down' });
    });

    it('skips bills under the minimum, respects the window and the card-network caps', async () => {
      await setSettingVia(app, 'collect.minimumAmount', '100000.00');
      const none = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:run', { rebill: true }));
      expect(none.selected).toBe(0);
      expect(none.skipped.belowMinimum).toBeGreaterThan(0);
      await setSettingVia(app, 'collect.minimumAmount', '2.00');
      await setSettingVia(app, 'collect.visaCap30d', 0);
      const capped = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:run', { rebill: true }));
      expect(capped.skipped.networkCap).toBeGreaterThan(0);
      expect(await count(sql`SELECT count(*) AS n FROM processor_txns WHERE brand = 'VI'`)).toBe(0);
      // The default window only takes bills whose collection date is yesterday or today.
      const windowed = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:run', {}));
      const outside = await count(
        sql`SELECT count(*) AS n FROM processor_txns t JOIN bills b ON b.id = t.bill_id WHERE t.run_id = ${windowed.runId} AND b.bill_date NOT BETWEEN '2026-11-21' AND '2026-11-22'`,
      );
      expect(outside).toBe(0);
      await checkClean();
    });

    it('soft declines retry on later runs with suspension, then fall back to manual pay; never retried after', async () => {
      await setSettingVia(app, 'collect.softRetries', 2);
      await setSettingVia(app, 'collect.suspendDays', 5);
      await setSettingVia(app, 'collect.failedPaymentFeeMinor', 250);
      const acct = await cardAccount();
      setSim({ rules: [{ token: acct.token, result: 7 }] });
      const attempt = async (): Promise<CollectRunDto> =>
        ok<CollectRunDto>(dispatchConfirmed(app, 'collect:run', { rebill: true }));
      const collectionState = () =>
        app.get<{ r: number; s: string }>(
          sql`SELECT retries_used AS r, suspended_until AS s FROM collection_states WHERE account_id = ${acct.id}`,
        );
      await attempt();
      expect(await collectionState()).toEqual({ r: 1, s: '2026-11-27' });
      const same = await attempt();
      expect(same.skipped.suspended).toBeGreaterThan(0);
      now = new Date('2026-11-28T09:00:00Z');
      await attempt();
      expect((await collectionState())!.r).toBe(2);
      now = new Date('2026-12-04T09:00:00Z');
      await attempt();
      const units = await app.all<{ p: number }>(
        sql`SELECT DISTINCT pay_type AS p FROM bill_units WHERE account_id = ${acct.id} AND paying = 1`,
      );
      expect(units).toEqual([{ p: 10001 }]);
      const kinds = (
        await app.all<{ kind: string }>(
          sql`SELECT kind FROM workflow_items WHERE account_id = ${acct.id} ORDER BY id`,
        )
      ).map((k) => k.kind);
      expect(kinds).toEqual(['soft-decline', 'soft-decline', 'retries-exhausted']);
      const listed = await ok<{ rows: { accountNo: string; kind: string }[] }>(
        app.dispatch('collect:workflow', {}),
      );
      expect(listed.rows.filter((w) => w.accountNo === acct.accountNo).map((w) => w.kind)).toEqual([
        'retries-exhausted',
        'soft-decline',
        'soft-decline',
      ]);
      const fees = await count(
        sql`SELECT count(*) AS n FROM bills WHERE bill_no LIKE 'FEE-%' AND account_id = ${acct.id}`,
      );
      const declined = await count(
        sql`SELECT count(*) AS n FROM processor_txns WHERE account_id = ${acct.id} AND result = 7`,
      );
      expect(fees).toBe(declined);
      now = new Date('2026-12-20T09:00:00Z');
      await attempt();
      const attempts = await count(
        sql`SELECT count(DISTINCT run_id) AS n FROM processor_txns WHERE account_id = ${acct.id} AND command = 'condition'`,
      );
      expect(attempts).toBe(3);
      await checkClean();
    });

    it('a hard decline falls back at once, a communication failure costs no fee and retries next run', async () => {
      await setSettingVia(app, 'collect.failedPaymentFeeMinor', 300);
      const acct = await cardAccount();
      setSim({ rules: [{ token: acct.token, result: 6 }] });
      await ok(dispatchConfirmed(app, 'collect:run', { rebill: true }));
      expect(await count(sql`SELECT count(*) AS n FROM bills WHERE bill_no LIKE 'FEE-%'`)).toBe(0);
      setSim({ rules: [{ token: acct.token, result: 8 }] });
      const second = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:run', { rebill: true }));
      expect(second.totals.find((t) => t.result === 8)?.count).toBeGreaterThan(0);
      const fees = await count(sql`SELECT count(*) AS n FROM bills WHERE bill_no LIKE 'FEE-%'`);
      const hard = await count(sql`SELECT count(*) AS n FROM processor_txns WHERE result = 8`);
      expect(fees).toBe(hard);
      expect(await count(sql`SELECT count(*) AS n FROM workflow_items WHERE kind = 'hard-decline'`)).toBe(1);
      const acctRow = await app.get<{ p: number }>(
        sql`SELECT default_pay_type AS p FROM accounts WHERE id = ${acct.id}`,
      );
      expect(acctRow!.p).toBe(10001);
      await checkClean();
    });
  });

  describe('one-off payments, refunds and deposits', () => {
    it('prepare -> confirm posts once; cancel and expiry; four-eyes above the limit', async () => {
      const acct = await cardAccount();
      const methods = await ok<{ id: number }[]>(app.dispatch('methods:list', { accountNo: acct.accountNo }));
      const p = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '12.34', methodId: methods[0]!.id }),
      );
      expect(p).toMatchObject({
        status: 'pending',
        amountMinor: 1234,
        needsSupervisor: false,
        urgency: 'normal',
      });
      const balance = async (): Promise<number> =>
        (await app.get<{ b: number }>(sql`SELECT balance_minor AS b FROM accounts WHERE id = ${acct.id}`))!.b;
      const before = await balance();
      expect(await count(sql`SELECT count(*) AS n FROM processor_txns`)).toBe(0);
      const done = await ok<PendingPaymentDto>(app.dispatch('pay:confirm', { pendingId: p.id }));
      expect(done).toMatchObject({ status: 'confirmed', result: 0 });
      expect(await balance()).toBe(before - 1234);
      const again = await app.dispatch('pay:confirm', { pendingId: p.id });
      expect(again.ok || again.error.code).toBe('conflict');
      // Cancel only while pending.
      const c = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '5.00', methodId: methods[0]!.id }),
      );
      expect(
        (
          await ok<PendingPaymentDto>(
            app.dispatch('pay:cancel', { pendingId: c.id, reason: 'customer changed mind' }),
          )
        ).status,
      ).toBe('cancelled');
      // Expiry.
      const e = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '6.00', methodId: methods[0]!.id }),
      );
      now = new Date(now.getTime() + 16 * 60_000);
      const late = await app.dispatch('pay:confirm', { pendingId: e.id });
      expect(!late.ok && late.error.code === 'conflict' && late.error.rule).toBe('pending-expired');
      // Four-eyes (policy pay:one-off, issue #12): above 1000.00 the confirm is stopped and stored for approval;
      // the operator who confirmed cannot approve it (refused, audited), a clerk cannot, another supervisor can.
      const big = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', {
          accountNo: acct.accountNo,
          amount: '1500.00',
          methodId: methods[0]!.id,
        }),
      );
      expect(big.needsSupervisor).toBe(true);
      const self = await app.dispatch('pay:confirm', { pendingId: big.id });
      if (self.ok || self.error.code !== 'approval_required') throw new Error('expected approval_required');
      expect(self.error).toMatchObject({ requirement: 'four_eyes', role: 'supervisor' });
      const approvalId = self.error.approvalId;
      const own = await app.dispatch('approvals:confirm', { approvalId });
      expect(!own.ok && own.error.code).toBe('forbidden');
      expect(
        await count(
          sql`SELECT count(*) AS n FROM audit_log WHERE action = 'approval.refuse' AND entity_id = ${String(approvalId)}`,
        ),
      ).toBe(1);
      // Closed by dispose.
      const clerk = await app.again({ login: 'clerk1', clock: () => now });
      const boss = await app.again({ login: 'boss', clock: () => now });
      const byClerk = await clerk.dispatch('approvals:confirm', { approvalId });
      expect(!byClerk.ok && byClerk.error.code).toBe('forbidden');
      await write(sql`UPDATE operators SET roles = 'supervisor' WHERE login = 'boss'`);
      const byBoss = await ok<{ status: string; outcome: PendingPaymentDto }>(
        boss.dispatch('approvals:confirm', { approvalId }),
      );
      expect(byBoss.status).toBe('executed');
      // It ran as the operator who confirmed it; the approval names the supervisor.
      expect(byBoss.outcome).toMatchObject({ status: 'confirmed', decidedBy: 'lead' });
      const pending = await ok<{ rows: PendingPaymentDto[] }>(app.dispatch('pay:pending', {}));
      // The expired one left the pending list when its confirm was refused.
      expect(pending.rows).toEqual([]);
      const soon = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '7.00', methodId: methods[0]!.id }),
      );
      now = new Date(now.getTime() + 13 * 60_000);
      const listed = await ok<{ rows: PendingPaymentDto[] }>(app.dispatch('pay:pending', {}));
      expect(listed.rows.map((r) => [r.id, r.urgency])).toEqual([[soon.id, 'urgent']]);
      await checkClean();
    });

    it('refunds a previous charge partly, then the rest; never more than charged; refund run returns credit', async () => {
      const acct = await cardAccount();
      const methods = await ok<{ id: number }[]>(app.dispatch('methods:list', { accountNo: acct.accountNo }));
      const over = (acct.due + 5000) / 100;
      const p = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', {
          accountNo: acct.accountNo,
          amount: over.toFixed(2),
          methodId: methods[0]!.id,
        }),
      );
      const done = await ok<PendingPaymentDto>(app.dispatch('pay:confirm', { pendingId: p.id }));
      const balance = async (): Promise<number> =>
        (await app.get<{ b: number }>(sql`SELECT balance_minor AS b FROM accounts WHERE id = ${acct.id}`))!.b;
      expect(await balance()).toBe(-5000);
      const part = await ok<RefundResultDto>(
        app.dispatch('pay:refund', { txnId: done.txnId!, amount: '10.00', reasonCode: 4201 }),
      );
      expect(part).toMatchObject({ amountMinor: 1000, result: 0 });
      expect(await balance()).toBe(-4000);
      await checkClean();
      const tooMuch = await app.dispatch('pay:refund', {
        txnId: done.txnId!,
        amount: String(over),
        reasonCode: 4201,
      });
      expect(!tooMuch.ok && tooMuch.error.code).toBe('validation');
      const badReason = await app.dispatch('pay:refund', { txnId: done.txnId!, reasonCode: 4101 });
      expect(!badReason.ok && badReason.error.code).toBe('validation');
      // The refund run pays back the remaining unallocated credit to the card.
      const run = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:refund', {}));
      expect(run.totals).toEqual([
        { result: 0, name: 'PASS', count: 1, amounts: [{ currency: 'USD', amountMinor: 4000 }] },
      ]);
      expect(await balance()).toBe(0);
      await checkClean();
      // Full refund of what is left.
      const rest = await ok<RefundResultDto>(
        app.dispatch('pay:refund', { txnId: done.txnId!, reasonCode: 4202 }),
      );
      expect(rest.amountMinor).toBe(acct.due + 5000 - 1000 - 4000);
      expect(await balance()).toBe(acct.due);
      await checkClean();
      const charged = (await mine()).filter((r) => r.command === 'refund' && r.charged);
      expect(charged.reduce((s, r) => s + r.amountMinor, 0)).toBe(acct.due + 5000);
    });

    it('authorize-only payments are deposited by the deposit run once', async () => {
      const acct = await cardAccount();
      const methods = await ok<{ id: number }[]>(app.dispatch('methods:list', { accountNo: acct.accountNo }));
      const p = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '20.00', methodId: methods[0]!.id }),
      );
      await ok(app.dispatch('pay:confirm', { pendingId: p.id, authorizeOnly: true }));
      expect((await mine()).filter((r) => r.charged)).toHaveLength(0);
      now = new Date(now.getTime() + 86_400_000);
      const dep = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:deposit', {}));
      expect(dep.totals).toEqual([
        { result: 0, name: 'PASS', count: 1, amounts: [{ currency: 'USD', amountMinor: 2000 }] },
      ]);
      const again = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:deposit', {}));
      expect(again.selected).toBe(0);
      expect((await mine()).filter((r) => r.charged)).toHaveLength(1);
      await checkClean();
    });

    it('recovery refuses to delete deposit checkpoints younger than 7 days (V13) and deletes older ones', async () => {
      setSim({ faults: [{ kind: 'drop', endpoint: 'batch' }] });
      const run = await ok<CollectRunDto>(
        dispatchConfirmed(app, 'collect:run', { rebill: true, batchSize: 1000 }),
      );
      expect(run.unresolved).toBeGreaterThan(0);
      setSim({});
      const young = await ok<RecoveryResultDto>(app.dispatch('recovery:resolve', { action: 'delete' }));
      expect(young.deleted).toBe(0);
      expect(young.refused).toHaveLength(run.unresolved);
      now = new Date(now.getTime() + 8 * 86_400_000);
      const resubmitOld = await ok<RecoveryResultDto>(
        app.dispatch('recovery:resolve', { action: 'resubmit' }),
      );
      expect(resubmitOld.resubmitted).toBe(0);
      const old = await ok<RecoveryResultDto>(app.dispatch('recovery:resolve', { action: 'delete' }));
      expect(old.deleted).toBe(run.unresolved);
      const next = await ok<CollectRunDto>(dispatchConfirmed(app, 'collect:run', { rebill: true }));
      expect(next.postedCount).toBe(run.unresolved);
      await checkClean();
    });
  });

  describe('online faults on one-off payments', () => {
    it('a duplicated online answer posts once, and the next request on the same connection still works', async () => {
      const acct = await cardAccount();
      const methods = await ok<{ id: number }[]>(app.dispatch('methods:list', { accountNo: acct.accountNo }));
      const p1 = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '3.00', methodId: methods[0]!.id }),
      );
      const p2 = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '4.00', methodId: methods[0]!.id }),
      );
      setSim({ faults: [{ id: 'dup-online', kind: 'duplicate', endpoint: 'online', times: 1 }] });
      expect((await ok<PendingPaymentDto>(app.dispatch('pay:confirm', { pendingId: p1.id }))).status).toBe(
        'confirmed',
      );
      expect((await ok<PendingPaymentDto>(app.dispatch('pay:confirm', { pendingId: p2.id }))).status).toBe(
        'confirmed',
      );
      expect((await mine()).filter((r) => r.charged)).toHaveLength(2);
      await checkClean();
    });

    it('a garbage or late online answer leaves the payment unresolved until Recovery asks for the reply', async () => {
      const acct = await cardAccount();
      const methods = await ok<{ id: number }[]>(app.dispatch('methods:list', { accountNo: acct.accountNo }));
      await write(sql`UPDATE processors SET online_timeout_ms = 300`);
      for (const kind of ['garbage', 'timeout'] as const) {
        const p = await ok<PendingPaymentDto>(
          app.dispatch('pay:prepare', {
            accountNo: acct.accountNo,
            amount: '9.00',
            methodId: methods[0]!.id,
          }),
        );
        setSim({ faults: [{ id: `${kind}-online`, kind, endpoint: 'online', times: 1, delayMs: 600 }] });
        const r = await app.dispatch('pay:confirm', { pendingId: p.id });
        expect(!r.ok && r.error.code).toBe('processor_unavailable');
        setSim({});
        if (kind === 'timeout') await new Promise((res) => setTimeout(res, 700));
        const again = await app.dispatch('pay:confirm', { pendingId: p.id });
        expect(!again.ok && again.error.code).toBe('conflict');
        const fixed = await ok<RecoveryResultDto>(app.dispatch('recovery:resolve', { action: 'rfr' }));
        expect(fixed).toMatchObject({ settled: 1, posted: 1, stillOpen: 0 });
        const list = await ok<{ rows: PendingPaymentDto[] }>(app.dispatch('pay:pending', { all: true }));
        expect(list.rows.find((x) => x.id === p.id)?.status).toBe('confirmed');
      }
      expect((await mine()).filter((r) => r.charged)).toHaveLength(2);
      await checkClean();
    });
  });

  describe('several processors', () => {
    it('charges a token only through the processor that issued it', async () => {
      await ok(
        app.dispatch('processors:save', {
          name: 'other',
          url: `http://127.0.0.1:${sim.port}`,
          merchants: { USD: { merchant: 'other', mid: '1' } },
        }),
      );
      const acct = await cardAccount();
      const tok = (await (
        await fetch(`http://127.0.0.1:${sim.port}/tokenize`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ number: '5555555555554444', expiry: '01/30' }),
        })
      ).json()) as { token: string };
      const m = await ok<{ id: number }>(
        app.dispatch('methods:add', {
          accountNo: acct.accountNo,
          type: 'card',
          token: tok.token,
          brand: 'MC',
          isDefault: true,
          processor: 'other',
        }),
      );
      const viaSim = await ok<CollectRunDto>(
        dispatchConfirmed(app, 'collect:run', { rebill: true, processor: 'sim' }),
      );
      const charged = await count(
        sql`SELECT count(*) AS n FROM processor_txns WHERE run_id = ${viaSim.runId} AND account_id = ${acct.id} AND token = ${tok.token}`,
      );
      expect(charged).toBe(0);
      const p = await ok<PendingPaymentDto>(
        app.dispatch('pay:prepare', { accountNo: acct.accountNo, amount: '2.50', methodId: m.id }),
      );
      const wrong = await app.dispatch('pay:confirm', { pendingId: p.id, processor: 'sim' });
      expect(!wrong.ok && wrong.error.code === 'conflict' && wrong.error.rule).toBe('wrong-processor');
      const right = await ok<PendingPaymentDto>(app.dispatch('pay:confirm', { pendingId: p.id }));
      expect(right.status).toBe('confirmed');
      const txn = await app.get<{ name: string }>(
        sql`SELECT p.name FROM processor_txns t JOIN processors p ON p.id = t.processor_id WHERE t.id = ${right.txnId!}`,
      );
      expect(txn!.name).toBe('other');
      await checkClean();
    });
  });
});
