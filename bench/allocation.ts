/**
 * Allocation benchmark: opening the allocation dialog for an account with 10,000 open bills, auto-allocating
 * one payment across 10,000 open items, and posting + allocating 1,000,000 payments by FIFO (the batch
 * submit path) on a demo ledger. Run: npx tsx bench/allocation.ts [--accounts N] [--payments N]
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp } from '../src-main/app-context';
import { mulberry32 } from '../src-main/domain/prng';
import { writeAudit } from '../src-main/ledger/audit';
import { allocateBulk } from '../src-main/ledger/bulk-allocation';
import { postPaymentsBulk, type BulkPaymentRow } from '../src-main/ledger/payments';
import type { Result } from '../src-shared/api/result';
import type { AllocationViewDto, RecordedPaymentDto } from '../src-shared/dto/allocation';
import type { LedgerCheckDto } from '../src-shared/dto/app';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ACCOUNTS = arg('--accounts', 200_000);
const PAYMENTS = arg('--payments', 1_000_000);
/** Keep (and on later runs reuse) the ledger with the two big accounts here; the bulk part is skipped then. */
const KEEP = ((): string | null => {
  const i = process.argv.indexOf('--keep');
  return i > 0 ? (process.argv[i + 1] ?? null) : null;
})();

function must<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** CPU milliseconds (user + system) of this process since `since`. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
}

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const p = (q: number): string => (s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN).toFixed(1);
  return `p50 ${p(0.5)} ms  p95 ${p(0.95)} ms  max ${(s[s.length - 1] ?? NaN).toFixed(1)} ms`;
}

/** Writes AR CSVs for one account with `bills` open bills of `itemsPerBill` items each. */
function bigAccountCsv(
  dir: string,
  accountNo: string,
  bills: number,
  itemsPerBill: number,
): Record<string, string> {
  const f = (name: string): string => join(dir, `${accountNo}-${name}.csv`);
  writeFileSync(
    f('accounts'),
    `account_no,name,status,currency,default_pay_type\n${accountNo},Big Customer ${accountNo},active,USD,10001\n`,
  );
  writeFileSync(
    f('units'),
    `bill_unit_no,account_no,name,accounting_type,pay_type,payment_term,paying,parent_bill_unit_no,is_default,bill_cycle_day,next_bill_date\nU-${accountNo},${accountNo},Main,open_item,10001,N30,1,,1,1,2026-12-01\n`,
  );
  const billLines = ['bill_no,bill_unit_no,bill_date,due_date,currency,total'];
  const itemLines = ['item_no,bill_no,type,amount,open_amount,gl_id'];
  for (let b = 0; b < bills; b++) {
    const day = new Date(Date.UTC(2000, 0, 1 + b)).toISOString().slice(0, 10);
    billLines.push(`${accountNo}-B${b},U-${accountNo},${day},${day},USD,${(itemsPerBill * 12.5).toFixed(2)}`);
    for (let i = 0; i < itemsPerBill; i++)
      itemLines.push(`${accountNo}-B${b}-I${i},${accountNo}-B${b},usage,12.50,12.50,102`);
  }
  writeFileSync(f('bills'), billLines.join('\n') + '\n');
  writeFileSync(f('items'), itemLines.join('\n') + '\n');
  return {
    accountsFile: f('accounts'),
    billUnitsFile: f('units'),
    billsFile: f('bills'),
    itemsFile: f('items'),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-alloc-'));
  const reuse = KEEP !== null && existsSync(KEEP);
  const app = openApp({
    file: KEEP ?? join(dir, 'ledger.sqlite'),
    login: 'bench',
    migrationsFolder: 'db/migrations',
  });
  try {
    console.log(
      `Paydesk allocation benchmark — ${ACCOUNTS.toLocaleString('en-US')}-account demo ledger, ${PAYMENTS.toLocaleString('en-US')} payments`,
    );
    let t = performance.now();
    if (reuse) console.log(`reusing ${KEEP}`);
    else {
      must(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: 1 }));
      console.log(`setup: demo ledger in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      must(await app.dispatch('ar:import', bigAccountCsv(dir, 'BIG10K', 10_000, 1)));
      must(await app.dispatch('ar:import', bigAccountCsv(dir, 'ITEMS10K', 2_500, 4)));
    }

    const open: number[] = [];
    const openCpu: number[] = [];
    for (let i = 0; i < 20; i++) {
      t = performance.now();
      const c0 = process.cpuUsage();
      const view = must<AllocationViewDto>(await app.dispatch('allocation:view', { accountNo: 'BIG10K' }));
      open.push(performance.now() - t);
      openCpu.push(cpuMs(c0));
      if (view.bills.length !== 10_000)
        throw new Error(`expected 10,000 open bills, got ${view.bills.length}`);
    }
    console.log(`open allocation dialog, 10,000 open bills: ${stats(open)}  (target < 100 ms)`);
    console.log(`  CPU of the same (wall time on a shared machine is mostly waiting): ${stats(openCpu)}`);

    const rec = must<RecordedPaymentDto>(
      await app.dispatch('payments:record', { accountNo: 'ITEMS10K', amount: '125000.00', allocate: 'none' }),
    );
    const apply: number[] = [];
    const applyCpu: number[] = [];
    for (let i = 0; i < 5; i++) {
      t = performance.now();
      const c0 = process.cpuUsage();
      const r = must<{ lines: unknown[] }>(
        await app.dispatch('allocation:apply', { paymentId: rec.paymentId, policy: 'fifo' }),
      );
      apply.push(performance.now() - t);
      applyCpu.push(cpuMs(c0));
      if (r.lines.length !== 10_000) throw new Error(`expected 10,000 lines, got ${r.lines.length}`);
      must(await app.dispatch('allocation:undo', { paymentId: rec.paymentId, reasonCode: 4001 }));
    }
    console.log(`auto-allocate one payment over 10,000 open items (FIFO): ${stats(apply)}  (target < 50 ms)`);
    console.log(`  CPU of the same: ${stats(applyCpu)}`);

    // A clerk's "Record payment" (payments:record) with auto-allocation, on an ordinary demo account and on the
    // 10,000-item one: the posting and the allocation in one serializable transaction.
    const demoAccount = (
      app.ctx.ledger.sqlite
        .prepare(
          `SELECT a.account_no FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.account_no LIKE 'A%'
             AND EXISTS (SELECT 1 FROM bill_items i WHERE i.account_id = a.id AND i.status = 'open') LIMIT 1`,
        )
        .get() as { account_no: string }
    ).account_no;
    const recordSmall: number[] = [];
    for (let i = 0; i < 200; i++) {
      t = performance.now();
      must(
        await app.dispatch('payments:record', { accountNo: demoAccount, amount: '0.01', allocate: 'auto' }),
      );
      recordSmall.push(performance.now() - t);
    }
    console.log(`record a payment, auto-allocated, on a demo account: ${stats(recordSmall)}`);
    const recordBig: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      const big = must<RecordedPaymentDto>(
        await app.dispatch('payments:record', {
          accountNo: 'ITEMS10K',
          amount: '125000.00',
          allocate: 'auto',
        }),
      );
      recordBig.push(performance.now() - t);
      if (big.allocation?.lines.length !== 10_000)
        throw new Error(`expected 10,000 lines, got ${big.allocation?.lines.length}`);
      must(await app.dispatch('allocation:undo', { paymentId: big.paymentId, reasonCode: 4001 }));
    }
    console.log(`record a payment, auto-allocated over 10,000 open items: ${stats(recordBig)}`);
    if (reuse || PAYMENTS === 0) return;

    const db = app.ctx.ledger.sqlite;
    const accounts = db
      .prepare(
        `SELECT id, currency FROM accounts WHERE is_suspense = 0 AND status <> 'closed' AND account_no LIKE 'A%'`,
      )
      .all() as {
      id: number;
      currency: string;
    }[];
    const rand = mulberry32(99);
    const rows: BulkPaymentRow[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const a = accounts[Math.floor(rand() * accounts.length)]!;
      const amountMinor =
        a.currency === 'JPY' ? 1 + Math.floor(rand() * 300) : 100 + Math.floor(rand() * 20_000);
      rows.push({
        sourceKey: `bench:${i}`,
        accountId: a.id,
        accountCurrency: a.currency,
        amountMinor,
        currency: a.currency,
        accountAmountMinor: amountMinor,
        ratePpm: 1_000_000,
        effectiveDate: '2026-11-22',
        payType: 10012,
        channelId: 0,
        externalRef: null,
        billNo: null,
        payerName: null,
        batchId: null,
      });
    }
    // The submit job owns its connection: it checks references itself and turns per-row FK lookups off.
    db.pragma('foreign_keys = OFF');
    if (process.env.BENCH_CACHE_MB) db.pragma(`cache_size = -${Number(process.env.BENCH_CACHE_MB) * 1024}`);
    const CHUNK = 50_000;
    const at = new Date().toISOString();
    const ids: number[] = [];
    t = performance.now();
    for (let from = 0; from < rows.length; from += CHUNK) {
      db.transaction(() => {
        const auditId = writeAudit(db, {
          at,
          operatorId: null,
          action: 'bench.post',
          entity: 'batch',
          entityId: String(from),
        });
        const chunk = postPaymentsBulk(
          db,
          rows.slice(from, from + CHUNK),
          { kind: 'payment', idemKey: `bench:${from}`, effectiveDate: '2026-11-22', auditId },
          at,
          null,
        );
        for (const id of chunk) if (id !== null) ids.push(id);
      })();
    }
    const postMs = performance.now() - t;
    console.log(
      `post ${PAYMENTS.toLocaleString('en-US')} payments (bulk, ${CHUNK.toLocaleString('en-US')} per transaction): ${(postMs / 1000).toFixed(2)} s`,
    );

    t = performance.now();
    let allocations = 0;
    let allocatedMinor = 0;
    for (let from = 0; from < rows.length; from += CHUNK) {
      db.transaction(() => {
        const chunk = rows.slice(from, from + CHUNK).map((r, k) => ({
          paymentId: ids[from + k]!,
          accountId: r.accountId,
          amountMinor: r.accountAmountMinor,
          ratePpm: r.ratePpm,
          billNo: r.billNo,
        }));
        const s = allocateBulk(db, chunk, { policy: 'fifo', searchBillAmount: false }, at, null);
        allocations += s.allocations;
        allocatedMinor += s.allocatedMinor;
      })();
    }
    const allocMs = performance.now() - t;
    console.log(
      `allocate ${PAYMENTS.toLocaleString('en-US')} payments by FIFO (${allocations.toLocaleString('en-US')} allocation rows): ${(allocMs / 1000).toFixed(2)} s  (target < 10 s)`,
    );
    db.pragma('wal_checkpoint(TRUNCATE)');
    t = performance.now();
    const check = must<LedgerCheckDto>(await app.dispatch('ledger:check', {}));
    console.log(
      `ledger check after the run: ${check.ok ? 'clean' : `${check.violations.length} violations: ${JSON.stringify(check.violations.slice(0, 3))}`} (${((performance.now() - t) / 1000).toFixed(1)} s)`,
    );
    void allocatedMinor;
  } finally {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
