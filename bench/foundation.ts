/**
 * Foundation benchmark: demo load at 200,000 accounts, ledger open/migrate, account show and search
 * latencies, ledger check, and the renderer's time to show the shell in Chromium.
 * Run: npm run bench:foundation [-- --accounts N]
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLedger } from '../db/client';
import { openApp } from '../src-main/app-context';
import type { Result } from '../src-shared/api/result';
import type { DemoSummaryDto, LedgerCheckDto } from '../src-shared/dto/app';
import { mulberry32 } from '../src-main/domain/prng';
import { demoAccountNo } from '../src-main/services/demo';

const accountsArg = process.argv.indexOf('--accounts');
const ACCOUNTS = accountsArg > 0 ? Number(process.argv[accountsArg + 1]) : 200_000;
const MIGRATIONS = 'db/migrations';

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function report(name: string, samples: number[], targetMs: number): void {
  const p50 = percentile(samples, 50);
  const p95 = percentile(samples, 95);
  const verdict = p95 < targetMs ? 'OK' : 'OVER';
  console.log(
    `${name.padEnd(34)} p50 ${p50.toFixed(2).padStart(7)} ms  p95 ${p95.toFixed(2).padStart(7)} ms  max ${Math.max(
      ...samples,
    )
      .toFixed(2)
      .padStart(7)} ms  (target < ${targetMs} ms: ${verdict})`,
  );
}

function must<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-'));
  const file = join(dir, 'ledger.sqlite');
  console.log(`Paydesk foundation benchmark — ${ACCOUNTS.toLocaleString('en-US')} accounts, ledger ${file}`);
  try {
    let t = performance.now();
    openLedger(file, MIGRATIONS).close();
    const createMs = performance.now() - t;
    console.log(
      `open + migrate a new ledger          ${createMs.toFixed(1)} ms (target < 100 ms: ${createMs < 100 ? 'OK' : 'OVER'})`,
    );

    const app = openApp({ file, login: 'bench', migrationsFolder: MIGRATIONS });
    t = performance.now();
    const demo = must<DemoSummaryDto>(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: 1 }));
    const demoMs = performance.now() - t;
    console.log(
      `demo --accounts ${ACCOUNTS}: ${(demoMs / 1000).toFixed(2)} s for ${demo.billUnits} bill units, ${demo.bills} bills, ${demo.items} items (target < 20 s: ${demoMs < 20_000 ? 'OK' : 'OVER'})`,
    );
    app.close();

    const reopen: number[] = [];
    for (let i = 0; i < 10; i++) {
      t = performance.now();
      openLedger(file, MIGRATIONS).close();
      reopen.push(performance.now() - t);
    }
    report(`open + migrate (${ACCOUNTS} accounts)`, reopen, 100);

    const svc = openApp({ file, login: 'bench', migrationsFolder: MIGRATIONS });
    const rand = mulberry32(42);
    const sample = (): string => demoAccountNo(1 + Math.floor(rand() * ACCOUNTS));
    const time = async (fn: () => Promise<Result<unknown>>, n = 300): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        must(await fn());
        out.push(performance.now() - s);
      }
      return out;
    };
    for (let i = 0; i < 20; i++) await svc.dispatch('accounts:show', { accountNo: sample() });
    report('account show', await time(() => svc.dispatch('accounts:show', { accountNo: sample() })), 20);
    report(
      'search prefix (account number)',
      await time(() => svc.dispatch('accounts:search', { query: sample().slice(0, 5), mode: 'prefix' })),
      20,
    );
    const names = ['mia', 'wol', 'koch', 'uwe k', 'baker', 'sofia r', 'lindq', 'okaf', 'hold', 'gar'];
    let k = 0;
    report(
      'search prefix (name)',
      await time(() =>
        svc.dispatch('accounts:search', { query: names[k++ % names.length]!, mode: 'prefix' }),
      ),
      20,
    );
    report(
      'search contains (name fragment)',
      await time(() =>
        svc.dispatch('accounts:search', { query: names[k++ % names.length]!, mode: 'contains' }),
      ),
      20,
    );
    report(
      'search contains (number fragment)',
      await time(() => svc.dispatch('accounts:search', { query: sample().slice(3, 7), mode: 'contains' })),
      20,
    );
    t = performance.now();
    const check = must<LedgerCheckDto>(await svc.dispatch('ledger:check', {}));
    console.log(
      `ledger check: ${check.ok ? 'clean' : `${check.violations.length} violations`} in ${((performance.now() - t) / 1000).toFixed(2)} s`,
    );
    svc.close();

    await shellTiming(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Loads the built renderer through the bridge in Chromium and times navigation → navigation frame visible. */
async function shellTiming(file: string): Promise<void> {
  if (!existsSync('out/renderer/index.html') || !existsSync('/usr/bin/chromium')) {
    console.log('renderer shell: skipped (run `npm run build` and install chromium)');
    return;
  }
  const { startBridge } = await import('../src-main/bridge/server');
  const { browserShim } = await import('../src-main/bridge/shim');
  const { chromium } = await import('playwright-core');
  const app = openApp({ file, login: 'bench', migrationsFolder: MIGRATIONS });
  const bridge = await startBridge({ app, staticDir: 'out/renderer' });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.newPage();
      await page.addInitScript(browserShim());
      const s = performance.now();
      // A new page is a new browser context: its one-time launch URL gives it a session cookie.
      await page.goto(bridge.launchUrl());
      await page.getByTestId('nav-frame').waitFor({ state: 'visible' });
      samples.push(performance.now() - s);
      await page.close();
    }
    report('renderer shell visible (Chromium)', samples, 1500);
  } finally {
    await browser.close();
    await bridge.close();
    app.close();
  }
}

void main();
