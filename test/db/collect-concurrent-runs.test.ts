import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import type { PaymentProcessor, ProcessorRequestItem } from '../../src-main/processors/port';
import { startSimulator, type Simulator } from '../../src-main/processors/simulator';
import { runGuard } from '../../src-main/services/confirmations/confirmations';
import {
  runCollect,
  runDeposit,
  runRefund,
  type RunEnv,
  type RunGuard,
} from '../../src-main/services/processors/collect';
import { connectProcessor, findProcessor } from '../../src-main/services/processors/config';
import type { Result } from '../../src-shared/api/result';
import type { PendingPaymentDto } from '../../src-shared/dto/processors';
import { seedCardDesk } from '../helpers/card-desk';
import { tempDir } from '../helpers/temp';

// Two collection (deposit, refund) runs at once must never charge the same bill (deposit the same authorization,
// refund the same charge) twice. A run reserves each chunk only when its turn comes, so a second run that selects
// while the first waits between chunks sees the first run's later chunks unreserved and takes them; the first run
// then finds, at reservation, that those subjects got a processor record after its own selection, skips them
// (`taken`) and sends the rest. Here run A is held in its first chunk's send while run B (or a one-off charge)
// goes through, then A is released.

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
let app: App;
let dir: { dir: string; cleanup: () => void };
const file = (): string => join(dir.dir, 'ledger.sqlite');
const db = () => app.ctx.ledger.sqlite;

async function ok<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

beforeEach(async () => {
  now = new Date('2026-11-02T09:00:00Z');
  dir = tempDir('paydesk-collect-conc-');
  app = openApp({ file: file(), login: 'lead', clock: () => now, migrationsFolder: 'db/migrations' });
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
afterEach(() => {
  app.close();
  dir.cleanup();
});

/** Every request the processor was sent by the runs, by the subject it charges. */
type Sent = ProcessorRequestItem[];

/**
 * The simulator's port for a run, recording what it sends; with `hold` its first batch waits (already reserved,
 * not yet sent) until released, so another run or payment can go through meanwhile.
 */
function portFor(sent: Sent, hold?: { reached: () => void; gate: Promise<void> }): PaymentProcessor {
  const real = connectProcessor(findProcessor(db()), file());
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

function env(port: PaymentProcessor): RunEnv {
  return {
    db: db(),
    ledgerFile: file(),
    now,
    operatorId: app.ctx.operator.id,
    progress: () => {},
    port,
  };
}

/** An operator's confirmation of exactly the selection as it is now, as the run's guard. */
async function confirmed(
  operation: 'collect:run' | 'collect:deposit' | 'collect:refund',
  input: Record<string, unknown>,
): Promise<RunGuard> {
  const prepared = await ok<{ id: number }>(app.dispatch('confirmations:prepare', { operation, input }));
  return runGuard(
    db(),
    operation,
    { ...input, confirmationId: prepared.id },
    now,
    app.ctx.operator.id,
    () => {},
  );
}

/**
 * The ledger check's findings, but for the seed's own: its bills carry no charge journal, so every account's
 * balance differs from its AR postings by the bill (test/helpers/card-desk.ts).
 */
async function violations(): Promise<unknown[]> {
  const c = await ok<{ violations: { rule: string }[] }>(app.dispatch('ledger:check', { maxViolations: 50 }));
  return c.violations.filter((v) => v.rule !== 'balance-matches-journal');
}

const count = (q: string, ...args: unknown[]): number =>
  (
    db()
      .prepare(q)
      .get(...args) as { n: number }
  ).n;

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

describe('two runs at once never charge the same subject twice', () => {
  it('collection: the run that selected first skips the bills the second took, every bill charged once', async () => {
    const input = { start: '2026-11-01', end: '2026-11-02', rebill: false, todayOnly: false };
    const sent: Sent = [];
    const g = gate();
    const a = runCollect(env(portFor(sent, g.hold)), input, await confirmed('collect:run', input));
    await g.atGate;
    // B selects while A waits in its first chunk: A's first two bills are open checkpoints, the rest are free.
    const b = await runCollect(env(portFor(sent)), input, await confirmed('collect:run', input));
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
    expect(count(`SELECT count(*) AS n FROM payments WHERE source_key LIKE 'proc:%'`)).toBe(6);
    expect(count(`SELECT count(*) AS n FROM bills WHERE status = 'open'`)).toBe(0);
    expect(count(`SELECT count(*) AS n FROM processor_txns`)).toBe(6);
    expect(await violations()).toEqual([]);
  });

  it('a one-off charge of an account while a run waits makes the run skip that bill', async () => {
    const input = { start: '2026-11-01', end: '2026-11-02', rebill: false, todayOnly: false };
    const sent: Sent = [];
    const g = gate();
    const a = runCollect(env(portFor(sent, g.hold)), input, await confirmed('collect:run', input));
    await g.atGate;
    await payOnce('C-5', '30.00');
    g.release();
    const run = await a;
    expect(run).toMatchObject({ status: 'done', selected: 6, sent: 5, postedCount: 5 });
    expect(run.skipped.taken).toBe(1);
    expect(sent.map((i) => i.accountNo)).not.toContain('C-5');
    expect(count(`SELECT count(*) AS n FROM bills WHERE status = 'open'`)).toBe(0);
    expect(count(`SELECT balance_minor AS n FROM accounts WHERE account_no = 'C-5'`)).toBe(0);
  });

  it('deposit: each authorization is deposited once across two runs at once', async () => {
    for (const no of NOS) await payOnce(no, '30.00', true);
    now = new Date(now.getTime() + 86_400_000);
    const sent: Sent = [];
    const g = gate();
    const a = runDeposit(env(portFor(sent, g.hold)), {}, await confirmed('collect:deposit', {}));
    await g.atGate;
    const b = await runDeposit(env(portFor(sent)), {}, await confirmed('collect:deposit', {}));
    expect(b.selected).toBe(4);
    g.release();
    const runA = await a;
    expect(runA).toMatchObject({ status: 'done', selected: 6, sent: 2 });
    expect(runA.skipped.taken).toBe(4);
    const perAuth = timesSent(sent, (i) => i.originalRef!);
    expect(perAuth.size).toBe(6);
    expect([...perAuth.values()].every((n) => n === 1)).toBe(true);
    expect(
      count(
        `SELECT count(DISTINCT related_txn_id) AS n FROM processor_txns WHERE command = 'deposit' AND result = 0`,
      ),
    ).toBe(6);
    expect(count(`SELECT count(*) AS n FROM processor_txns WHERE command = 'deposit'`)).toBe(6);
  });

  it('refund: each charge with credit is refunded once across two runs at once', async () => {
    // Each account pays 50.00 on a 30.00 bill: 20.00 of credit to pay back.
    for (const no of NOS) await payOnce(no, '50.00');
    const sent: Sent = [];
    const g = gate();
    const a = runRefund(env(portFor(sent, g.hold)), {}, await confirmed('collect:refund', {}));
    await g.atGate;
    const b = await runRefund(env(portFor(sent)), {}, await confirmed('collect:refund', {}));
    expect(b.selected).toBe(4);
    g.release();
    const runA = await a;
    expect(runA).toMatchObject({ status: 'done', selected: 6, sent: 2 });
    expect(runA.skipped.taken).toBe(4);
    const perCharge = timesSent(sent, (i) => i.originalRef!);
    expect(perCharge.size).toBe(6);
    expect([...perCharge.values()].every((n) => n === 1)).toBe(true);
    expect(sent.every((i) => i.amountMinor === 2000)).toBe(true);
    expect(count(`SELECT count(*) AS n FROM accounts WHERE is_suspense = 0 AND balance_minor <> 0`)).toBe(0);
    expect(await violations()).toEqual([]);
  });
});
