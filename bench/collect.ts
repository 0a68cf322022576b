/**
 * Collection benchmark: N due card bills (default 100,000) collected against the processor simulator running
 * as its own process on loopback, with bounded concurrency; prints fixture time, run time, throughput, batch
 * latency percentiles, posted count and the ledger check. Run: npx tsx bench/collect.ts [--bills N]
 * [--concurrency C] [--batch-size B]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src-main/app-context';
import { writeAudit } from '../src-main/ledger/audit';
import { simulatorToken } from '../src-main/processors/simulator';
import { demoCardNumber } from '../src-main/services/processors/methods';
import type { Result } from '../src-shared/api/result';
import type { LedgerCheckDto } from '../src-shared/dto/app';
import type { ConfirmationDto } from '../src-shared/dto/confirmations';
import type { CollectRunDto } from '../src-shared/dto/processors';
import { startSimProcess } from '../test/helpers/simulator';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const BILLS = arg('--bills', 100_000);
const CONCURRENCY = arg('--concurrency', 4);
const BATCH = arg('--batch-size', 500);

function must<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function main(): Promise<void> {
  process.env.PAYDESK_SECRET_KEY ??= 'bench-key';
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-collect-'));
  const sim = await startSimProcess(join(dir, 'sim.json'), {});
  const now = new Date('2026-11-22T09:00:00Z');
  const app = openApp({
    file: join(dir, 'ledger.sqlite'),
    login: 'bench',
    clock: () => now,
    migrationsFolder: 'db/migrations',
  });
  try {
    const db = app.ctx.ledger.sqlite;
    const t0 = performance.now();
    // One card account per bill, one bill, one item, one default card token; an opening journal per chunk keeps
    // balance = open items for the ledger check.
    const at = now.toISOString();
    const auditId = db.transaction(() =>
      writeAudit(db, { at, operatorId: app.ctx.operator.id, action: 'bench.fixture', entity: 'ledger' }),
    )();
    const insA = db.prepare(
      `INSERT INTO accounts (id, account_no, account_key, name, name_key, status, currency, default_pay_type, is_suspense, balance_minor, created_at)
       VALUES (?, ?, ?, ?, ?, 'active', 'USD', 10003, 0, ?, ?)`,
    );
    const insU = db.prepare(
      `INSERT INTO bill_units (id, bill_unit_no, account_id, name, accounting_type, pay_type, payment_term, paying, is_default, bill_cycle_day)
       VALUES (?, ?, ?, 'Main', 'balance_forward', 10003, 'N14', 1, 1, 21)`,
    );
    const insB = db.prepare(
      `INSERT INTO bills (id, bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
       VALUES (?, ?, ?, ?, '2026-11-21', '2026-12-05', 'USD', ?, ?, 'open')`,
    );
    const insI = db.prepare(
      `INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status) VALUES (?, ?, ?, 'recurring', ?, ?, 101, 'open')`,
    );
    const insM = db.prepare(
      `INSERT INTO payment_methods (account_id, type, token, mask, brand, expiry, is_default, verification, created_at)
       VALUES (?, 'card', ?, ?, ?, '12/29', 1, 'verified', ?)`,
    );
    const insJ = db.prepare(
      `INSERT INTO journals (kind, at, effective_date, idem_key, audit_id) VALUES ('ar_opening', ?, '2026-11-21', ?, ?)`,
    );
    const insL = db.prepare(
      `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency) VALUES (?, ?, ?, ?, 'USD')`,
    );
    const base = (db.prepare('SELECT coalesce(max(id), 0) AS m FROM accounts').get() as { m: number }).m;
    const chunk = db.transaction((from: number, to: number) => {
      const j = Number(insJ.run(at, `bench:${from}`, auditId).lastInsertRowid);
      let total = 0;
      for (let n = from; n < to; n++) {
        const id = base + n + 1;
        const no = `B${String(n + 1).padStart(7, '0')}`;
        const amount = 500 + ((n * 7919) % 20_000);
        total += amount;
        insA.run(id, no, no, `Bench ${n}`, `bench ${n}`, amount, at);
        insU.run(id, `BU${no}`, id);
        insB.run(id, `BILL${no}`, id, id, amount, amount);
        insI.run(`I${no}`, id, id, amount, amount);
        const card = demoCardNumber(n + 1);
        insM.run(id, simulatorToken(card), `****${card.slice(-4)}`, n % 2 === 0 ? 'VI' : 'MC', at);
        insL.run(j, 'AR', id, amount);
      }
      insL.run(j, 'REVENUE', null, -total);
    });
    for (let i = 0; i < BILLS; i += 10_000) chunk(i, Math.min(BILLS, i + 10_000));
    db.pragma('wal_checkpoint(TRUNCATE)');
    const fixtureMs = performance.now() - t0;
    must(
      await app.dispatch('processors:save', {
        name: 'sim',
        url: sim.url,
        merchants: { USD: { merchant: 'bench', mid: '1' } },
        batchTimeoutMs: 60_000,
      }),
    );
    const input = { concurrency: CONCURRENCY, batchSize: BATCH };
    // The preview an operator confirms (selection, hash) is timed apart from the run that re-checks it.
    const tp = performance.now();
    const preview = must<ConfirmationDto>(
      await app.dispatch('confirmations:prepare', { operation: 'collect:run', input }),
    );
    const previewMs = performance.now() - tp;
    const t1 = performance.now();
    const run = must<CollectRunDto>(
      await app.dispatch('collect:run', { ...input, confirmationId: preview.id }),
    );
    const runMs = performance.now() - t1;
    const t2 = performance.now();
    const check = must<LedgerCheckDto>(await app.dispatch('ledger:check', { maxViolations: 10 }));
    const checkMs = performance.now() - t2;
    const charged = (await sim.charges()).filter((r) => r.charged).length;
    const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
    console.log(`fixture: ${BILLS} due card bills in ${s(fixtureMs)}`);
    console.log(`preview: ${preview.count} bills to confirm in ${s(previewMs)}`);
    console.log(
      `collect: selected ${run.selected}, posted ${run.postedCount}, unresolved ${run.unresolved} in ${s(runMs)} ` +
        `(${Math.round(run.postedCount / (runMs / 1000))} bills/s; concurrency ${CONCURRENCY}, batches of ${BATCH})`,
    );
    console.log(
      `batch round trip (send + simulator + reply) ms: p50 ${run.latencyMs?.p50}, p95 ${run.latencyMs?.p95}, p99 ${run.latencyMs?.p99}, max ${run.latencyMs?.max}`,
    );
    console.log(`per bill: ${((runMs * 1000) / Math.max(run.postedCount, 1)).toFixed(0)} µs of wall time`);
    console.log(
      `simulator charged ${charged}; ledger check ${check.ok ? 'clean' : `${check.violations.length} violations`} in ${s(checkMs)}`,
    );
    console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    if (run.postedCount !== BILLS || charged !== BILLS || !check.ok) process.exitCode = 1;
  } finally {
    app.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
