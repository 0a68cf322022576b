import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentProcessor, ProcessorRequestItem } from '../../src-main/processors/port';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import { runGuard, runGuardVia } from '../../src-main/services/confirmations/confirmations';
import {
  runCollect,
  runCollectVia,
  runDeposit,
  runDepositVia,
  runRefund,
  runRefundVia,
  type RunEnv,
  type RunEnvVia,
} from '../../src-main/services/processors/collect';
import { connectProcessor, findProcessorIn } from '../../src-main/services/processors/config';
import type { Result } from '../../src-shared/api/result';
import type { CollectRunDto, PendingPaymentDto } from '../../src-shared/dto/processors';
import { APPS, type TestApp } from '../helpers/apps';
import { seedCardDesk } from '../helpers/card-desk';
import { tempDir } from '../helpers/temp';

// Two collection (deposit, refund) runs at once must never charge the same bill (deposit the same authorization,
// refund the same charge) twice. A run reserves each chunk only when its turn comes, so a second run that selects
// while the first waits between chunks sees the first run's later chunks unreserved and takes them; the first run
// then finds, at reservation, that those subjects got a processor record after its own selection, skips them
// (`taken`) and sends the rest. Here run A is held in its first chunk's send while run B (or a one-off charge)
// goes through, then A is released. Issue #17: on a SQLite file (the driver's runs, where a record's id tells it
// came later) and on PostgreSQL (the port's runs, where ids are not handed out in commit order and a subject counts
// as taken when it has more records than the selection saw), through the app and the processor simulator.

process.env.PAYDESK_SECRET_KEY = 'collect-concurrent-test-key';

const NOS = ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6'];

let sim: Simulator;
let simDir: { dir: string; cleanup: () => void };
beforeAll(async () => {
  simDir = tempDir('paydesk-sim-conc-');
  writeFileSync(join(simDir.dir, 'sim.json'), '{}');
  sim = await startSimulator({ port: 0, configFile: join(simDir.dir, 'sim.json') });
});
afterAll(async () => {
  await sim.close();
  simDir.cleanup();
});

let now: Date;
let app: TestApp;

async function ok<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** Every request the processor was sent by the runs, by the subject it charges. */
type Sent = ProcessorRequestItem[];

/**
 * The simulator's port for a run, recording what it sends; with `hold` its first batch waits (already reserved,
 * not yet sent) until released, so another run or payment can go through meanwhile.
 */
async function portFor(
  sent: Sent,
  hold?: { reached: () => void; gate: Promise<void> },
): Promise<PaymentProcessor> {
  const proc = await app.ctx.storage.transaction((tx) => findProcessorIn(tx), { readOnly: true });
  const real = connectProcessor(proc, app.ctx.ledger.file);
  let first = true;
  return {
    ...real,
    batch: async (batchKey, items) => {
      if (first && hold) {
        first = false;
        hold.reached();
        await hold.gate;
      }
      sent.push(...items);
      return real.batch(batchKey, items);
    },
  };
}

/** A gate: `reached` resolves once the held run is inside its first send; `release` lets it go on. */
function gate() {
  let release!: () => void;
  let reached!: () => void;
  const g = new Promise<void>((r) => (release = r));
  const at = new Promise<void>((r) => (reached = r));
  return { hold: { reached, gate: g }, atGate: at, release };
}

type Kind = 'collect' | 'deposit' | 'refund';
const OPERATION = { collect: 'collect:run', deposit: 'collect:deposit', refund: 'collect:refund' } as const;

/**
 * A run as the job runs it on this database (src-main/jobs/registry.ts): the driver's on SQLite, the port's on
 * PostgreSQL, each under an operator's confirmation of exactly the selection as it is when the run is started.
 */
async function run(
  kind: Kind,
  input: Record<string, unknown>,
  port: PaymentProcessor,
): Promise<CollectRunDto> {
  const operation = OPERATION[kind];
  const prepared = await ok<{ id: number }>(app.dispatch('confirmations:prepare', { operation, input }));
  const confirmed = { ...input, confirmationId: prepared.id };
  const base = {
    ledgerFile: app.ctx.ledger.file,
    now,
    operatorId: app.ctx.operator.id,
    progress: () => {},
    port,
  };
  const db = app.ctx.ledger.sqlite;
  if (app.dialect === 'sqlite' && db) {
    const env: RunEnv = { ...base, db };
    const guard = runGuard(db, operation, confirmed, now, app.ctx.operator.id, () => {});
    return kind === 'collect'
      ? runCollect(env, input, guard)
      : kind === 'deposit'
        ? runDeposit(env, input, guard)
        : runRefund(env, input, guard);
  }
  const env: RunEnvVia = { ...base, storage: app.ctx.storage };
  const guard = runGuardVia(app.ctx.storage, operation, confirmed, now, app.ctx.operator.id, () => {});
  return kind === 'collect'
    ? runCollectVia(env, input, guard)
    : kind === 'deposit'
      ? runDepositVia(env, input, guard)
      : runRefundVia(env, input, guard);
}

/**
 * The ledger check's findings, but for the seed's own: its bills carry no charge journal, so every account's
 * balance differs from its AR postings by the bill (test/helpers/card-desk.ts).
 */
async function violations(): Promise<unknown[]> {
  const c = await ok<{ violations: { rule: string }[] }>(app.dispatch('ledger:check', { maxViolations: 50 }));
  return c.violations.filter((v) => v.rule !== 'balance-matches-journal');
}

const count = async (q: SQL): Promise<number> => (await app.get<{ n: number }>(q))!.n;

/** How many requests for each subject were sent, by key. */
function timesSent(sent: Sent, key: (i: ProcessorRequestItem) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of sent) out.set(key(i), (out.get(key(i)) ?? 0) + 1);
  return out;
}

/** A one-off payment of an account by its card, confirmed online (authorize-only when asked). */
async function payOnce(accountNo: string, amount: string, authorizeOnly = false): Promise<PendingPaymentDto> {
  const methods = await ok<{ id: number }[]>(app.dispatch('methods:list', { accountNo }));
  const p = await ok<PendingPaymentDto>(
    app.dispatch('pay:prepare', { accountNo, amount, methodId: methods[0]!.id }),
  );
  return ok<PendingPaymentDto>(app.dispatch('pay:confirm', { pendingId: p.id, authorizeOnly }));
}

describe.each(APPS.filter((r) => r.available))(
  'two runs at once never charge the same subject twice ($dialect)',
  ({ open }) => {
    beforeEach(async () => {
      now = new Date('2026-11-02T09:00:00Z');
      app = await open({ login: 'lead', clock: () => now });
      // A fresh processor for each case: what it charged is checked against what the ledger posted.
      sim.records.clear();
      const at = now.toISOString();
      await app.ctx.storage.transaction(async (tx) => {
        await seedCardDesk(tx, NOS, at);
        // The simulator approves any well-formed token; a card per account, the default for its collection.
        await tx.run(
          sql`INSERT INTO payment_methods (account_id, type, token, mask, brand, expiry, is_default, verification, created_at)
              SELECT id, 'card', 'T' || (1000000000 + id), '4242', 'VI', '12/29', 1, 'verified', ${at}
              FROM accounts WHERE is_suspense = 0`,
        );
        await tx.run(sql`UPDATE processors SET url = ${`http://127.0.0.1:${sim.port}`}`);
        await tx.run(
          sql`INSERT INTO settings (key, value) VALUES ('collect.batchSize', '2'), ('collect.concurrency', '1')
              ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        );
      });
    });
    afterEach(async () => {
      await app.dispose();
    });

    it('collection: the run that selected first skips the bills the second took, every bill charged once', async () => {
      const input = { start: '2026-11-01', end: '2026-11-02', rebill: false, todayOnly: false };
      const sent: Sent = [];
      const g = gate();
      const a = run('collect', input, await portFor(sent, g.hold));
      await g.atGate;
      // B selects while A waits in its first chunk: A's first two bills are open checkpoints, the rest are free.
      const b = await run('collect', input, await portFor(sent));
      expect(b.selected).toBe(4);
      expect(b.skipped.openCheckpoint).toBe(2);
      g.release();
      const runA = await a;
      expect(runA).toMatchObject({ status: 'done', selected: 6, sent: 2, postedCount: 2 });
      expect(runA.skipped.taken).toBe(4);
      expect(b).toMatchObject({ status: 'done', sent: 4, postedCount: 4 });
      expect(b.skipped.taken ?? 0).toBe(0);
      // One bill per account: the account names the bill charged.
      const perBill = timesSent(sent, (i) => i.accountNo);
      expect([...perBill.keys()].sort()).toEqual(NOS);
      expect([...perBill.values()].every((n) => n === 1)).toBe(true);
      // Posted once each: one processor payment per bill, every bill paid.
      expect(await count(sql`SELECT count(*) AS n FROM payments WHERE source_key LIKE 'proc:%'`)).toBe(6);
      expect(await count(sql`SELECT count(*) AS n FROM bills WHERE status = 'open'`)).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM processor_txns`)).toBe(6);
      expect(await violations()).toEqual([]);
    });

    it('two collection jobs confirmed and started at once from two apps on one ledger charge each bill once', async () => {
      const input = { start: '2026-11-01', end: '2026-11-02', rebill: false, todayOnly: false };
      const other = await app.again({ login: 'lead', clock: () => now });
      // Both previews see all six bills: the jobs then charge them between them, or one of them is refused.
      const ids = await Promise.all(
        [0, 1].map(
          async () =>
            (
              await ok<{ id: number }>(
                app.dispatch('confirmations:prepare', { operation: 'collect:run', input }),
              )
            ).id,
        ),
      );
      const results = await Promise.all(
        [app, other].map((a, k) => a.dispatch('collect:run', { ...input, confirmationId: ids[k] })),
      );
      const done = results.filter((r) => r.ok).map((r) => r.value as CollectRunDto);
      expect(done.length).toBeGreaterThan(0);
      // A job refused sent nothing: its selection changed, or (a second connection to a SQLite file, which has one
      // writer) the ledger stayed busy with the other job past the busy timeout.
      for (const r of results)
        if (!r.ok)
          expect(['confirmation-changed', 'ledger-busy'], r.error.message).toContain(
            (r.error as { rule?: string }).rule,
          );
      expect(done.reduce((n, r) => n + r.sent, 0)).toBe(6);
      expect(done.reduce((n, r) => n + r.postedCount, 0)).toBe(6);
      // What the processor charged: each account's bill once.
      const charged = [...sim.records.values()].filter((r) => r.charged);
      expect(charged.map((r) => r.accountNo).sort()).toEqual(NOS);
      expect(await count(sql`SELECT count(*) AS n FROM payments WHERE source_key LIKE 'proc:%'`)).toBe(6);
      expect(await count(sql`SELECT count(*) AS n FROM processor_txns`)).toBe(6);
      expect(await count(sql`SELECT count(*) AS n FROM bills WHERE status = 'open'`)).toBe(0);
      expect(await violations()).toEqual([]);
    });

    it('a one-off charge of an account while a run waits makes the run skip that bill', async () => {
      const input = { start: '2026-11-01', end: '2026-11-02', rebill: false, todayOnly: false };
      const sent: Sent = [];
      const g = gate();
      const a = run('collect', input, await portFor(sent, g.hold));
      await g.atGate;
      await payOnce('C-5', '30.00');
      g.release();
      const done = await a;
      expect(done).toMatchObject({ status: 'done', selected: 6, sent: 5, postedCount: 5 });
      expect(done.skipped.taken).toBe(1);
      expect(sent.map((i) => i.accountNo)).not.toContain('C-5');
      expect(await count(sql`SELECT count(*) AS n FROM bills WHERE status = 'open'`)).toBe(0);
      expect(await count(sql`SELECT balance_minor AS n FROM accounts WHERE account_no = 'C-5'`)).toBe(0);
      expect(await violations()).toEqual([]);
    });

    it('deposit: each authorization is deposited once across two runs at once', async () => {
      for (const no of NOS) await payOnce(no, '30.00', true);
      now = new Date(now.getTime() + 86_400_000);
      const sent: Sent = [];
      const g = gate();
      const a = run('deposit', {}, await portFor(sent, g.hold));
      await g.atGate;
      const b = await run('deposit', {}, await portFor(sent));
      expect(b.selected).toBe(4);
      g.release();
      const runA = await a;
      expect(runA).toMatchObject({ status: 'done', selected: 6, sent: 2 });
      expect(runA.skipped.taken).toBe(4);
      expect(b).toMatchObject({ status: 'done', sent: 4 });
      const perAuth = timesSent(sent, (i) => i.originalRef!);
      expect(perAuth.size).toBe(6);
      expect([...perAuth.values()].every((n) => n === 1)).toBe(true);
      expect(
        await count(
          sql`SELECT count(DISTINCT related_txn_id) AS n FROM processor_txns WHERE command = 'deposit' AND result = 0`,
        ),
      ).toBe(6);
      expect(await count(sql`SELECT count(*) AS n FROM processor_txns WHERE command = 'deposit'`)).toBe(6);
      expect(await violations()).toEqual([]);
    });

    it('refund: each charge with credit is refunded once across two runs at once', async () => {
      // Each account pays 50.00 on a 30.00 bill: 20.00 of credit to pay back.
      for (const no of NOS) await payOnce(no, '50.00');
      const sent: Sent = [];
      const g = gate();
      const a = run('refund', {}, await portFor(sent, g.hold));
      await g.atGate;
      const b = await run('refund', {}, await portFor(sent));
      expect(b.selected).toBe(4);
      g.release();
      const runA = await a;
      expect(runA).toMatchObject({ status: 'done', selected: 6, sent: 2 });
      expect(runA.skipped.taken).toBe(4);
      expect(b).toMatchObject({ status: 'done', sent: 4 });
      const perCharge = timesSent(sent, (i) => i.originalRef!);
      expect(perCharge.size).toBe(6);
      expect([...perCharge.values()].every((n) => n === 1)).toBe(true);
      expect(sent.every((i) => i.amountMinor === 2000)).toBe(true);
      expect(
        await count(sql`SELECT count(*) AS n FROM accounts WHERE is_suspense = 0 AND balance_minor <> 0`),
      ).toBe(0);
      expect(await count(sql`SELECT count(*) AS n FROM processor_txns WHERE command = 'refund'`)).toBe(6);
      expect(await violations()).toEqual([]);
    });
  },
);
