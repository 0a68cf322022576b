import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src-main/app-context';
import type { LedgerPlace } from '../../src-main/services/context';
import type { SimConfig, SimFault } from '../../src-main/processors/simulator';
import { demoCardNumber } from '../../src-main/services/processors/methods';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { CollectRunDto, RecoveryResultDto, RecoverySummaryDto } from '../../src-shared/dto/processors';
import { startSimProcess, type SimProcess } from '../helpers/simulator';
import { tempDir } from '../helpers/temp';
import { dispatchConfirmed } from '../helpers/confirm';
import { APPS, type AppRow, type TestApp } from '../helpers/apps';
import { setSettingVia } from '../helpers/suspense';

const SECRET = 'presenter-secret-42';
const NOW = new Date('2026-11-22T09:00:00Z');
process.env.PAYDESK_SECRET_KEY = 'fault-test-key';

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

let dir: string;
let cleanup: () => void;
let sim: SimProcess;
const config = (faults: SimFault[] = [], extra: Partial<SimConfig> = {}): SimConfig => ({
  secret: SECRET,
  rules: [{ amountFrom: 77_700, amountTo: 77_799, result: 7 }],
  faults,
  ...extra,
});

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('paydesk-faults-'));
  sim = await startSimProcess(join(dir, 'sim.json'), config());
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  cleanup?.();
});

/**
 * A fresh ledger of the row's database with the demo data, the simulator as its processor and small batches
 * (each test gets its own, as each got a copy of one seeded file).
 */
async function seeded(open: AppRow['open']): Promise<TestApp> {
  const app = await open({ login: 'ops', clock: () => NOW });
  // The CLI children below sign in as ops with the test password.
  await app.giveTestPassword('ops');
  await value(app.dispatch('demo:load', { accounts: 400, seed: 11 }));
  await value(
    app.dispatch('processors:save', {
      name: 'sim',
      url: sim.url,
      merchants: {
        USD: { merchant: 'ispname', mid: '050505' },
        EUR: { merchant: 'ispeu', mid: '050506' },
        GBP: { merchant: 'ispgb', mid: '050507' },
      },
      batchTimeoutMs: 1500,
      onlineTimeoutMs: 1500,
      connectRetries: 1,
      secret: SECRET,
    }),
  );
  await setSettingVia(app, 'collect.batchSize', 25);
  await setSettingVia(app, 'collect.concurrency', 3);
  return app;
}

const write = (app: App<LedgerPlace>, query: SQL): Promise<void> =>
  app.ctx.storage.transaction(async (tx) => {
    await tx.run(query);
  });

async function prefixOf(app: App<LedgerPlace>): Promise<string> {
  const row = await app.ctx.storage.transaction(
    (tx) => tx.get<{ value: string }>(sql`SELECT value FROM settings WHERE key = 'processors.keyPrefix'`),
    { readOnly: true },
  );
  return JSON.parse(row!.value) as string;
}

/** No double charge (simulator's record), no double posting, nothing left open, ledger check clean. */
async function assertClean(app: App<LedgerPlace>): Promise<{ charged: number; posted: number }> {
  const prefix = await prefixOf(app);
  const records = (await sim.charges()).filter((r) => r.idemKey.startsWith(`${prefix}-`));
  const chargedPerBill = new Map<string, number>();
  for (const r of records)
    if (r.charged)
      chargedPerBill.set(r.reference ?? r.idemKey, (chargedPerBill.get(r.reference ?? r.idemKey) ?? 0) + 1);
  for (const [bill, n] of chargedPerBill) expect(n, `bill ${bill} charged ${n} times`).toBe(1);
  const approved = await app.ctx.storage.transaction(
    (tx) =>
      tx.all<{ k: string; bill: string; payments: number }>(
        sql`SELECT t.idem_key AS k, b.bill_no AS bill, (SELECT count(*) FROM payments p WHERE p.source_key = 'proc:' || t.idem_key) AS payments
       FROM processor_txns t JOIN bills b ON b.id = t.bill_id WHERE t.command = 'condition' AND t.result = 0`,
      ),
    { readOnly: true },
  );
  for (const a of approved) expect(a.payments, `payments for ${a.k}`).toBe(1);
  const perBill = new Map<string, number>();
  for (const a of approved) perBill.set(a.bill, (perBill.get(a.bill) ?? 0) + 1);
  for (const [bill, n] of perBill) expect(n, `bill ${bill} posted ${n} times`).toBe(1);
  // What the processor charged is exactly what the ledger posted.
  expect(new Set(approved.map((a) => a.bill))).toEqual(new Set(chargedPerBill.keys()));
  const summary = await value<RecoverySummaryDto>(app.dispatch('recovery:summary', {}));
  expect(summary.totalOpen + summary.totalUnposted).toBe(0);
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', { maxViolations: 20 }));
  expect(check.violations).toEqual([]);
  return { charged: chargedPerBill.size, posted: approved.length };
}

/** Resolves whatever a fault left open: ask for replies, resubmit the rest with the same keys, post 1000+. */
async function recover(app: App<LedgerPlace>): Promise<RecoveryResultDto[]> {
  const out: RecoveryResultDto[] = [];
  out.push(await value<RecoveryResultDto>(app.dispatch('recovery:resolve', { action: 'rfr' })));
  out.push(await value<RecoveryResultDto>(app.dispatch('recovery:resolve', { action: 'resubmit' })));
  out.push(await value<RecoveryResultDto>(app.dispatch('recovery:resolve', { action: 'recover-payment' })));
  return out;
}

/** A loopback port nothing listens on. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function collect(app: App<LedgerPlace>): Promise<CollectRunDto> {
  return value<CollectRunDto>(dispatchConfirmed(app, 'collect:run', { rebill: true }));
}

describe.each(APPS.filter((r) => r.available))(
  'collection against the simulator process ($dialect)',
  ({ dialect, open }) => {
    it('a clean run charges and posts each due bill once; a second run collects nothing; soft declines are retried later', async () => {
      const app = await seeded(open);
      try {
        const run = await collect(app);
        expect(run.selected).toBeGreaterThan(50);
        expect(run.unresolved).toBe(0);
        expect(run.postedCount).toBeGreaterThan(0);
        const again = await collect(app);
        expect(again.postedCount).toBe(0);
        const { charged, posted } = await assertClean(app);
        expect(charged).toBe(posted);
        expect(
          (await app.get<{ n: number }>(sql`SELECT count(*) AS n FROM payment_methods`))!.n,
        ).toBeGreaterThan(0);
      } finally {
        await app.dispose();
      }
    }, 60_000);

    const faults: { name: string; fault: SimFault; recovered: 'rfr' | 'resubmit' | 'none' }[] = [
      {
        name: 'timeout (charged, reply late)',
        fault: { kind: 'timeout', endpoint: 'batch', times: 1000, delayMs: 2500 },
        recovered: 'rfr',
      },
      {
        name: 'connection dropped after the batch arrived (not processed)',
        fault: { kind: 'drop', endpoint: 'batch', times: 1000 },
        recovered: 'resubmit',
      },
      {
        name: 'batch processed, reply lost',
        fault: { kind: 'lose-reply', endpoint: 'batch', times: 1000 },
        recovered: 'rfr',
      },
      {
        name: 'reply sent twice',
        fault: { kind: 'duplicate', endpoint: 'batch', times: 3 },
        recovered: 'none',
      },
      { name: 'garbage reply', fault: { kind: 'garbage', endpoint: 'batch', times: 1000 }, recovered: 'rfr' },
      {
        name: 'connection refused by the processor',
        fault: { kind: 'refuse', endpoint: 'batch', times: 1000 },
        recovered: 'resubmit',
      },
    ];
    for (const f of faults) {
      it(`fault: ${f.name} — no double charge, no double posting, every checkpoint resolvable`, async () => {
        const app = await seeded(open);
        try {
          sim.setConfig(config([{ ...f.fault, id: `${f.fault.kind}-${Date.now()}` }]));
          const run = await collect(app);
          sim.setConfig(config());
          if (f.recovered === 'none') expect(run.unresolved).toBe(0);
          else expect(run.unresolved).toBeGreaterThan(0);
          // The next run must not collect over open checkpoints (V12).
          const second = await collect(app);
          expect(second.selected).toBe(0);
          expect(second.skipped.openCheckpoint ?? 0).toBe(run.unresolved);
          if (f.fault.kind === 'timeout') await new Promise((r) => setTimeout(r, 2600));
          const steps = await recover(app);
          if (f.recovered === 'rfr') expect(steps[0]!.settled).toBe(run.unresolved);
          if (f.recovered === 'resubmit') {
            expect(steps[0]!.settled).toBe(0);
            expect(steps[1]!.resubmitted).toBe(run.unresolved);
          }
          await assertClean(app);
          // Resubmitting again sees only duplicates at the processor: nothing more is charged or posted.
          const before = (await sim.charges()).filter((r) => r.charged).length;
          const third = await collect(app);
          expect(third.postedCount).toBe(0);
          expect((await sim.charges()).filter((r) => r.charged).length).toBe(before);
        } finally {
          sim.setConfig(config());
          await app.dispose();
        }
      }, 60_000);
    }

    it('a reply lost once is recovered by resending the same keys at once: charged once, posted once', async () => {
      const app = await seeded(open);
      try {
        sim.setConfig(
          config([{ id: `lost-once-${Date.now()}`, kind: 'lose-reply', endpoint: 'batch', times: 1 }]),
        );
        const run = await collect(app);
        sim.setConfig(config());
        expect(run.unresolved).toBe(0);
        const prefix = await prefixOf(app);
        const resent = (await sim.charges()).filter((r) => r.idemKey.startsWith(`${prefix}-`) && r.seen > 1);
        expect(resent.length).toBeGreaterThan(0);
        expect(resent.every((r) => r.seen === 2)).toBe(true);
        await assertClean(app);
      } finally {
        sim.setConfig(config());
        await app.dispose();
      }
    }, 60_000);

    it('processor down (nothing listening): FAIL_NO_ANS, nothing open, collected on the next run', async () => {
      const app = await seeded(open);
      try {
        const free = await freePort();
        await write(app, sql`UPDATE processors SET url = ${`http://127.0.0.1:${free}`}`);
        const run = await collect(app);
        expect(run.totals.map((t) => t.result)).toEqual([1]);
        expect(run.unresolved).toBe(0);
        const list = (
          await value<{ name: string; health: string }[]>(app.dispatch('processors:list', {}))
        )[0]!;
        expect(list.health).toBe('down');
        await write(app, sql`UPDATE processors SET url = ${sim.url}`);
        const next = await collect(app);
        expect(next.postedCount).toBeGreaterThan(0);
        await assertClean(app);
      } finally {
        await app.dispose();
      }
    }, 60_000);

    it('the collecting process killed mid-run: recovery resolves every checkpoint without charging twice', async () => {
      const env = { ...process.env, PAYDESK_OPERATOR: 'ops', PAYDESK_QUIET: '1' };
      const probe = await seeded(open);
      const full = spawnSync(
        process.execPath,
        ['bin/paydesk.cjs', ...probe.ledgerArgs, '--json', 'collect', '--rebill', '--yes'],
        {
          env: { ...env, ...probe.cliEnv, PAYDESK_CRASH_REPORT: '1' },
          encoding: 'utf8',
        },
      );
      await probe.dispose();
      expect(full.status, full.stderr).toBe(0);
      const points = Number(/paydesk-crash-points: (\d+)/.exec(full.stderr)?.[1] ?? 0);
      expect(points).toBeGreaterThan(10);
      for (const point of [2, Math.floor(points / 2), points - 1]) {
        const app = await seeded(open);
        const child = spawnSync(
          process.execPath,
          ['bin/paydesk.cjs', ...app.ledgerArgs, '--json', 'collect', '--rebill', '--yes'],
          {
            env: { ...env, ...app.cliEnv, PAYDESK_CRASH_AFTER: String(point) },
            encoding: 'utf8',
          },
        );
        expect(child.signal, `kill point ${point}: ${child.stderr}`).toBe('SIGKILL');
        // As the next process on that ledger opens it.
        const after = await app.again({ login: 'ops', clock: () => NOW });
        try {
          await recover(after);
          await assertClean(after);
          const rerun = await collect(after);
          expect(rerun.unresolved).toBe(0);
          await assertClean(after);
        } finally {
          await app.dispose();
        }
      }
    }, 240_000);

    it('no card number or CVV appears in the ledger file, its WAL, logs or exports', async () => {
      const app = await seeded(open);
      const numbers = Array.from({ length: 400 }, (_, i) => demoCardNumber(i + 1));
      try {
        // A card added through the simulator's tokenization: the number and CVV go to the simulator only.
        const tok = (await (
          await fetch(`${sim.url}/tokenize`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ number: '4111111111111111', expiry: '12/29', cvv: '737', zip: '10001' }),
          })
        ).json()) as { token: string; result: number };
        expect(tok.result).toBe(0);
        numbers.push('4111111111111111');
        const acct = (await app.get<{ a: string }>(
          sql`SELECT account_no AS a FROM accounts WHERE is_suspense = 0 AND currency = 'USD' ORDER BY id LIMIT 1`,
        ))!.a;
        const m = await value<{ id: number }>(
          app.dispatch('methods:add', {
            accountNo: acct,
            type: 'card',
            token: tok.token,
            brand: 'VI',
            isDefault: true,
          }),
        );
        await value(app.dispatch('methods:validate', { methodId: m.id, cvv: '737' }));
        // The CLI path: the number is read from a file and sent by the CLI straight to the simulator.
        const cardFile = join(app.dir, 'card.txt');
        writeFileSync(cardFile, '5555555555554444 11/28 123 10001\n');
        numbers.push('5555555555554444');
        const cli = spawnSync(
          process.execPath,
          [
            'bin/paydesk.cjs',
            ...app.ledgerArgs,
            '--json',
            'method',
            'add',
            acct,
            '--type',
            'card',
            '--card-file',
            cardFile,
          ],
          { env: { ...process.env, ...app.cliEnv, PAYDESK_OPERATOR: 'ops' }, encoding: 'utf8' },
        );
        rmSync(cardFile);
        expect(cli.status, cli.stderr).toBe(0);
        expect((JSON.parse(cli.stdout) as { mask: string }).mask).toBe('****4444');
        await collect(app);
        const exported = await value<unknown>(app.dispatch('recovery:daily', { date: '2026-11-22' }));
        const runs = await value<unknown>(app.dispatch('collect:runs', {}));
        const txns = await value<unknown>(app.dispatch('recovery:show', { state: 'unresolved' }));
        const blobs = await storedText(app);
        blobs.push(
          JSON.stringify(exported),
          JSON.stringify(runs),
          JSON.stringify(txns),
          cli.stdout,
          cli.stderr,
        );
        for (const blob of blobs) {
          for (const n of numbers) expect(blob.includes(n), `card ${n.slice(-4)} found`).toBe(false);
          expect(blob.includes('"cvv"')).toBe(false);
        }
      } finally {
        await app.dispose();
      }
    }, 60_000);

    /** Everything the ledger stores as text: the SQLite file and its WAL, or every PostgreSQL table's rows. */
    async function storedText(app: TestApp): Promise<string[]> {
      if (dialect === 'sqlite') {
        app.ctx.ledger.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
        return readdirSync(app.dir)
          .filter((f) => f.startsWith('ledger.sqlite'))
          .map((f) => readFileSync(join(app.dir, f)).toString('latin1'));
      }
      const tables = await app.all<{ name: string }>(
        sql`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.name)).toContain('payment_methods');
      const out: string[] = [];
      for (const { name } of tables) {
        const rows = await app.all<{ j: string }>(
          sql`SELECT row_to_json(x)::text AS j FROM ${sql.identifier(name)} x`,
        );
        out.push(rows.map((r) => r.j).join('\n'));
      }
      return out;
    }
  },
);
