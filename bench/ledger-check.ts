/**
 * Ledger check benchmark: a demo ledger plus N posted payments, one journal each (the shape a lock-per-account
 * submit leaves: as many journals as payments), half of them allocated to open items (fully, partly or with
 * credit left over), built by set-based SQL so the figure does not depend on the posting code. The demo
 * load's planner statistics are kept (they describe a ledger with one journal), as after a real submit.
 * Then `ledger check` once, with the time of each rule, against the 10 s goal at 1,000,000 payments: the command's
 * path on SQLite (the driver, temporary shared figures). With --port, then the same check through the storage port
 * (the path PostgreSQL takes: shared figures inline, figures read as text), for comparison.
 * Run: npx tsx bench/ledger-check.ts [--accounts N] [--payments N] [--keep FILE] [--port]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src-main/app-context';
import { sqliteStorage } from '../db/storage/sqlite';
import { checkLedger, checkLedgerOn } from '../src-main/ledger/ledger-check';
import type { Result } from '../src-shared/api/result';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ACCOUNTS = arg('--accounts', 200_000);
const PAYMENTS = arg('--payments', 1_000_000);
const KEEP = ((): string | null => {
  const i = process.argv.indexOf('--keep');
  return i > 0 ? (process.argv[i + 1] ?? null) : null;
})();
const PORT = process.argv.includes('--port');
const GOAL_MS = (10_000 * PAYMENTS) / 1_000_000;

function must<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

const peakRss = (): string => `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-check-'));
  const file = KEEP ?? join(dir, 'ledger.sqlite');
  const reuse = KEEP !== null && existsSync(KEEP);
  const app = openApp({ file, login: 'bench', migrationsFolder: 'db/migrations' });
  const db = app.ctx.ledger.sqlite;
  try {
    console.log(
      `Paydesk ledger check benchmark — ${ACCOUNTS.toLocaleString('en-US')}-account demo ledger, ${PAYMENTS.toLocaleString('en-US')} payments, one journal each`,
    );
    if (reuse) console.log(`reusing ${file}`);
    else {
      let t = performance.now();
      must(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: 5 }));
      console.log(`setup: demo ledger ${((performance.now() - t) / 1000).toFixed(1)} s`);
      t = performance.now();
      const at = new Date().toISOString();
      const day = at.slice(0, 10);
      db.pragma('foreign_keys = OFF');
      db.transaction(() => {
        // The plan: payment k either pays open item k (k odd, while items last) or is account credit.
        db.exec(`CREATE TEMP TABLE open_pick AS
          SELECT row_number() OVER (ORDER BY i.id) AS k, i.id AS item_id, i.bill_id, i.account_id, i.open_minor, a.currency
          FROM bill_items i JOIN accounts a ON a.id = i.account_id
          WHERE i.status = 'open' AND i.open_minor > 0 AND a.is_suspense = 0`);
        db.exec(`CREATE TEMP TABLE plain_accounts AS
          SELECT row_number() OVER (ORDER BY id) AS k, id, currency FROM accounts WHERE is_suspense = 0`);
        const picks = (db.prepare('SELECT count(*) AS n FROM open_pick').get() as { n: number }).n;
        const plain = (db.prepare('SELECT count(*) AS n FROM plain_accounts').get() as { n: number }).n;
        db.prepare(
          `CREATE TEMP TABLE plan AS
           WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           SELECT n.i, o.item_id, o.bill_id,
                  coalesce(o.account_id, a.id) AS account_id, coalesce(o.currency, a.currency) AS currency,
                  CASE WHEN o.item_id IS NULL THEN 100 + (n.i * 104729) % 50000
                       WHEN n.i % 3 = 0 THEN o.open_minor
                       WHEN n.i % 3 = 1 THEN max(1, o.open_minor / 2)
                       ELSE o.open_minor + 250 END AS amount,
                  o.open_minor AS item_open
           FROM n LEFT JOIN open_pick o ON n.i % 2 = 1 AND o.k = (n.i + 1) / 2
           LEFT JOIN plain_accounts a ON a.k = 1 + (n.i * 7919) % ?`,
        ).run(PAYMENTS, plain);
        const base = (table: string): number =>
          (db.prepare(`SELECT coalesce(max(id), 0) AS m FROM ${table}`).get() as { m: number }).m;
        const [audit, journal, payment] = [base('audit_log'), base('journals'), base('payments')];
        db.prepare(
          `INSERT INTO audit_log (id, at, action, entity, entity_id) SELECT ? + i, ?, 'payment.post', 'payment', ? + i FROM plan`,
        ).run(audit, at, payment);
        db.prepare(
          `INSERT INTO journals (id, kind, at, effective_date, idem_key, audit_id)
           SELECT ? + i, 'payment', ?, ?, 'bench:' || i, ? + i FROM plan`,
        ).run(journal, at, day, audit);
        db.prepare(
          `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
           SELECT ? + i, 'CASH', NULL, amount, currency FROM plan
           UNION ALL SELECT ? + i, 'AR', account_id, -amount, currency FROM plan ORDER BY 1`,
        ).run(journal, journal);
        db.prepare(
          `INSERT INTO payments (id, kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
             account_amount_minor, rate_ppm, effective_date, external_ref, source_key, journal_id, created_at)
           SELECT ? + i, 'original', account_id, 10012, 0, 0, 0, amount, currency, amount, 1000000, ?, 'CHK ' || i,
             'bench:' || i, ? + i, ? FROM plan`,
        ).run(payment, day, journal, at);
        db.prepare(
          `INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, created_at)
           SELECT ? + i, account_id, bill_id, item_id, min(amount, item_open), ? FROM plan WHERE item_id IS NOT NULL`,
        ).run(payment, at);
        db.exec(`UPDATE bill_items SET open_minor = open_minor - x.a, status = CASE WHEN open_minor - x.a = 0 THEN 'closed' ELSE 'open' END
                 FROM (SELECT item_id, min(amount, item_open) AS a FROM plan WHERE item_id IS NOT NULL) x WHERE bill_items.id = x.item_id`);
        db.exec(`UPDATE bills SET amount_due_minor = amount_due_minor - x.a, status = CASE WHEN amount_due_minor - x.a = 0 THEN 'closed' ELSE 'open' END
                 FROM (SELECT bill_id, sum(min(amount, item_open)) AS a FROM plan WHERE item_id IS NOT NULL GROUP BY bill_id) x
                 WHERE bills.id = x.bill_id`);
        db.exec(`UPDATE accounts SET balance_minor = balance_minor - x.a
                 FROM (SELECT account_id, sum(amount) AS a FROM plan GROUP BY account_id) x WHERE accounts.id = x.account_id`);
        db.exec('DROP TABLE plan; DROP TABLE open_pick; DROP TABLE plain_accounts');
        console.log(
          `setup: ${PAYMENTS.toLocaleString('en-US')} payments (${Math.min(picks, Math.ceil(PAYMENTS / 2)).toLocaleString('en-US')} allocated to items) ${((performance.now() - t) / 1000).toFixed(1)} s`,
        );
      })();
      db.pragma('foreign_keys = ON');
      db.pragma('wal_checkpoint(TRUNCATE)');
    }
    const counts = ['journals', 'journal_lines', 'payments', 'allocations', 'bill_items']
      .map(
        (t) =>
          `${(db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n.toLocaleString('en-US')} ${t}`,
      )
      .join(', ');
    console.log(`ledger: ${counts}`);
    const rules: [string, number, number][] = [];
    let cpuMark = process.cpuUsage();
    let found = 0;
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    const check = checkLedger(db, 1000, {
      onRule: (rule, ms) => {
        const c = process.cpuUsage(cpuMark);
        cpuMark = process.cpuUsage();
        rules.push([rule, ms, (c.user + c.system) / 1000]);
      },
      onViolation: () => found++,
    });
    const ms = performance.now() - t;
    const cpu = process.cpuUsage(cpu0);
    console.log('\nslowest rules (by CPU; wall time in a shared machine is mostly waiting):');
    for (const [rule, rms, rcpu] of [...rules].sort((a, b) => b[2] - a[2]).slice(0, 10))
      console.log(
        `  ${rule.padEnd(40)} CPU ${(rcpu / 1000).toFixed(2).padStart(6)} s  wall ${(rms / 1000).toFixed(2).padStart(6)} s`,
      );
    console.log(
      `\nledger check: ${check.ok ? 'clean' : `${found} violations, first ${JSON.stringify(check.violations.slice(0, 3))}`}; ${(ms / 1000).toFixed(2)} s (goal ${(GOAL_MS / 1000).toFixed(1)} s: ${ms <= GOAL_MS ? 'met' : 'NOT met'}); CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s; peak RSS ${peakRss()}`,
    );
    if (PORT) {
      const cpuPort = process.cpuUsage();
      const tp = performance.now();
      const viaPort = await checkLedgerOn(sqliteStorage(db), 1000);
      const msPort = performance.now() - tp;
      const c = process.cpuUsage(cpuPort);
      const same = JSON.stringify(viaPort.violations) === JSON.stringify(check.violations);
      console.log(
        `through the port: ${viaPort.ok ? 'clean' : `${viaPort.violations.length} violations`}${same ? '' : ' (NOT the same violations)'}; ${(msPort / 1000).toFixed(2)} s; CPU ${((c.user + c.system) / 1e6).toFixed(2)} s`,
      );
    }
  } finally {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
