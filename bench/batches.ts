/**
 * The million-entry day, measured (issue #13). On a 200,000-account demo ledger, for each file size (default
 * 100,000 and 1,000,000 rows, in one run) it writes a lockbox CSV spread over the whole ledger like a real day
 * (accounts by number, by bill number or both; a share of unknown and closed accounts that go to suspense;
 * exact, partial and over-payments), then measures side by side:
 *   - floors: `sqlite3 .import` of the same file (C), papaparse stream + prepared multi-row INSERT (JS), and
 *     the set-based SQL statements that post the same batch on a copy of the validated ledger (bench/batches-floor.ts);
 *   - the real commands through app.dispatch, each in its own child process (bench/batches-job.ts), so each
 *     job's peak RSS is its own: batches:import-file, the grid's page command, batches:validate,
 *     confirmations:prepare + batches:submit, ledger:check;
 *   - CLI start (`node bin/paydesk.cjs --json api`), from source (PAYDESK_CLI_SOURCE=1) and from the built bundle
 *     (`npm run build`; bin runs it while its sources are unchanged).
 * and prints one table per size: phase | time | floor | ratio | peak RSS | goal | met. Times are wall times with
 * the job's CPU time beside them (and ratios in both), because on a shared machine the wall time carries other
 * people's load; goals for sizes under 1M are the 1M goals scaled linearly.
 *
 * Needs Debian's sqlite3 CLI for the C floor: `apt-get install -y sqlite3` (skipped with a note when absent).
 * Run: npm run bench:batches [-- --sizes 100000,1000000 --accounts 200000 --seed 1 --cli-runs 10 --keep]
 * (use `nice -n 5` on a shared machine; 1M rows take several minutes).
 */
import { spawnSync, fork } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { JobResult, JobSpec } from './batches-job';
import { loadPool, writeLockbox, type Pool } from './batches-data';

const ROOT = process.cwd();
const JOB = join(ROOT, 'bench', 'batches-job.ts');

const argOf = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const SIZES = (argOf('--sizes') ?? '100000,1000000').split(',').map((s) => Number(s.replace(/_/g, '')));
const ACCOUNTS = Number(argOf('--accounts') ?? 200_000);
const SEED = Number(argOf('--seed') ?? 1);
const CLI_RUNS = Number(argOf('--cli-runs') ?? 10);
const KEEP = process.argv.includes('--keep');
const MB = 1024;
const GB_KB = 1024 * 1024;

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (ms: number): string => (ms >= 100 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const mb = (kb: number): string => `${fmtInt(kb / MB)} MB`;
/** Wall time with the job's CPU time beside it: on a shared machine the wall time carries other people's load. */
const timeCell = (r: { ms: number; cpuMs: number | null }): string =>
  r.cpuMs === null ? secs(r.ms) : `${secs(r.ms)} (cpu ${secs(r.cpuMs)})`;
type Timed = { ms: number; cpuMs: number | null };
/** Wall-time ratio to the floor, and the CPU-time ratio when both CPU times are known. */
const ratioCell = (r: Timed, floor: Timed | null): string =>
  floor === null
    ? '-'
    : `${(r.ms / floor.ms).toFixed(2)}x` +
      (r.cpuMs === null || floor.cpuMs === null || floor.cpuMs === 0
        ? ''
        : ` (cpu ${(r.cpuMs / floor.cpuMs).toFixed(2)}x)`);

/** Runs one phase in a child process; rejects with the child's message (or stderr) when it fails. */
function runJob(spec: JobSpec): Promise<Extract<JobResult, { ok: true }>> {
  return new Promise((resolve, reject) => {
    const child = fork(JOB, [JSON.stringify(spec)], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: JobResult | null = null;
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    child.on('message', (m) => {
      result = m as JobResult;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const r = result;
      if (r?.ok) resolve(r);
      else if (r) reject(new Error(r.error));
      else
        reject(
          new Error(`${spec.phase} child exited (${signal ?? code}) without a result: ${stderr.trim()}`),
        );
    });
  });
}

/** The C floor: Debian's sqlite3 shell `.import` of the file into a bare table (wall time, peak RSS). */
function cFloor(
  file: string,
  target: string,
): { ms: number; cpuMs: number | null; maxRssKb: number | null } | string {
  const probe = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' });
  if (probe.error) return 'sqlite3 CLI not found (apt-get install -y sqlite3): C floor skipped';
  const create = spawnSync(
    'sqlite3',
    [
      target,
      'CREATE TABLE staged (account_no TEXT, bill_no TEXT, amount TEXT, date TEXT, check_no TEXT, payer TEXT)',
    ],
    { encoding: 'utf8' },
  );
  if (create.status !== 0) return `sqlite3 failed: ${create.stderr}`;
  const timed = existsSync('/usr/bin/time');
  const args = [target, `.import --csv --skip 1 ${file} staged`];
  const t = performance.now();
  const r = timed
    ? spawnSync('/usr/bin/time', ['-f', 'maxrss=%M cpu=%U+%S', 'sqlite3', ...args], { encoding: 'utf8' })
    : spawnSync('sqlite3', args, { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) return `sqlite3 .import failed: ${r.stderr}`;
  const rss = /maxrss=(\d+)/.exec(r.stderr ?? '');
  const cpu = /cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? '');
  return {
    ms,
    cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null,
    maxRssKb: rss ? Number(rss[1]) : null,
  };
}

/** Median wall time of `runs` starts of a command (after one warm-up start). */
function medianStart(
  cmd: string,
  args: string[],
  runs: number,
  extraEnv: Record<string, string> = {},
): number | string {
  const env = { ...process.env, PAYDESK_APP_ROOT: ROOT, ...extraEnv };
  const once = (): number | string => {
    const t = performance.now();
    const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8' });
    const ms = performance.now() - t;
    if (r.status !== 0) return `exit ${r.status}: ${(r.stderr || r.stdout).slice(0, 300)}`;
    return ms;
  };
  const warm = once();
  if (typeof warm === 'string') return warm;
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const ms = once();
    if (typeof ms === 'string') return ms;
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** One row of a size's table. */
type Row = {
  phase: string;
  time: string;
  floor: string;
  ratio: string;
  rss: string;
  goal: string;
  met: string;
};

const verdict = (ok: boolean | null): string => (ok === null ? '-' : ok ? 'yes' : 'NO');

function printTable(title: string, rows: Row[]): void {
  const head: Row = {
    phase: 'phase',
    time: 'time',
    floor: 'floor',
    ratio: 'ratio',
    rss: 'peak RSS',
    goal: 'goal',
    met: 'met',
  };
  const keys = Object.keys(head) as (keyof Row)[];
  const width = Object.fromEntries(
    keys.map((k) => [k, Math.max(...[head, ...rows].map((r) => r[k].length))]),
  ) as Record<keyof Row, number>;
  const line = (r: Row): string => `| ${keys.map((k) => r[k].padEnd(width[k])).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(`|${keys.map((k) => '-'.repeat(width[k] + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

type Cli = { source: number | string; bundle: number | string };

/** Measures CLI start once per run (it does not depend on the file size). */
function measureCli(): Cli {
  if (CLI_RUNS <= 0) return { source: 'skipped (--cli-runs 0)', bundle: 'skipped (--cli-runs 0)' };
  // Both through bin/paydesk.cjs, as users start it: forced onto the TypeScript sources (tsx), and as it runs by
  // default, from the built bundle while the sources it was built from are unchanged.
  const cli = ['bin/paydesk.cjs', '--json', 'api'];
  const source = medianStart(process.execPath, cli, CLI_RUNS, { PAYDESK_CLI_SOURCE: '1' });
  const bundle = existsSync(join(ROOT, 'out', 'main', 'cli-sources.json'))
    ? medianStart(process.execPath, cli, CLI_RUNS)
    : 'out/main/cli.js missing: run `npm run build` first';
  return { source, bundle };
}

function cliRows(cli: Cli): Row[] {
  return (['source', 'bundle'] as const).map((k) => {
    const v = cli[k];
    return typeof v === 'string'
      ? {
          phase: `CLI start (${k})`,
          time: 'failed',
          floor: '-',
          ratio: '-',
          rss: '-',
          goal: '≤ 0.3 s',
          met: v,
        }
      : {
          phase: `CLI start (${k}), median of ${CLI_RUNS}`,
          time: secs(v),
          floor: '-',
          ratio: '-',
          rss: '-',
          goal: '≤ 0.3 s',
          met: verdict(v <= 300),
        };
  });
}

/** Runs one file size end to end and prints its table. */
async function runSize(size: number, template: string, pool: Pool, base: string, cli: Cli): Promise<void> {
  const dir = join(base, `size-${size}`);
  mkdirSync(dir, { recursive: true });
  const ledger = join(dir, 'ledger.sqlite');
  copyFileSync(template, ledger);
  const file = join(dir, 'lockbox.csv');
  const scale = size / 1_000_000;
  const scaled = (seconds: number): string =>
    scale === 1 ? `≤ ${seconds} s` : `≤ ${(seconds * scale).toFixed(2)} s (${seconds} s at 1M, scaled)`;
  const rows: Row[] = [];
  const rssCell = (kb: number): string => mb(kb);
  const rssOk = (kb: number): boolean => kb <= GB_KB;
  const fail = (phase: string, err: unknown): void => {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    rows.push({ phase, time: 'FAILED', floor: '-', ratio: '-', rss: '-', goal: '-', met: message ?? '' });
    console.log(`  ${phase} FAILED:\n${err instanceof Error ? err.message : String(err)}`);
  };
  try {
    let t = performance.now();
    const stats = await writeLockbox(file, size, pool, SEED, ACCOUNTS);
    console.log(
      `\n[${fmtInt(size)} rows] lockbox file ${fmtInt(stats.bytes / 1024 / 1024)} MB in ${secs(performance.now() - t)}: ` +
        `${fmtInt(stats.accounts)} distinct accounts, ${fmtInt(stats.bills)} distinct bills; by account ${fmtInt(stats.byAccount)}, ` +
        `by bill ${fmtInt(stats.byBill)}, both ${fmtInt(stats.byBoth)}; unknown ${fmtInt(stats.unknown)}, closed ${fmtInt(stats.closed)} ` +
        `(${(((stats.unknown + stats.closed) * 100) / size).toFixed(2)}% to suspense)`,
    );

    const c = cFloor(file, join(dir, 'floor-c.sqlite'));
    const cRes = typeof c === 'string' ? null : c;
    if (typeof c === 'string') console.log(`  ${c}`);
    rows.push({
      phase: 'floor: sqlite3 .import (C)',
      time: typeof c === 'string' ? 'skipped' : timeCell(c),
      floor: '-',
      ratio: '-',
      rss: typeof c === 'string' || c.maxRssKb === null ? '-' : rssCell(c.maxRssKb),
      goal: '-',
      met: '-',
    });
    let jsRes: Timed | null = null;
    try {
      const js = await runJob({ phase: 'floor-js', file, target: join(dir, 'floor-js.sqlite') });
      jsRes = js;
      rows.push({
        phase: 'floor: papaparse + multi-row INSERT (JS)',
        time: timeCell(js),
        floor: cRes === null ? '-' : secs(cRes.ms),
        ratio: ratioCell(js, cRes),
        rss: rssCell(js.maxRssKb),
        goal: '-',
        met: '-',
      });
    } catch (err) {
      fail('floor: papaparse + multi-row INSERT (JS)', err);
    }
    rmSync(join(dir, 'floor-c.sqlite'), { force: true });
    rmSync(join(dir, 'floor-js.sqlite'), { force: true });
    rmSync(join(dir, 'floor-js.sqlite-wal'), { force: true });
    rmSync(join(dir, 'floor-js.sqlite-shm'), { force: true });

    const importFloor = cRes ?? jsRes;
    let batchId: number;
    try {
      const r = await runJob({ phase: 'import', ledger, file });
      batchId = Number(r.facts.batchId);
      console.log(
        `  import: ${fmtInt(Number(r.facts.rows))} rows staged, ${fmtInt(Number(r.facts.invalid))} invalid`,
      );
      rows.push({
        phase: 'batches:import-file',
        time: timeCell(r),
        floor: importFloor === null ? '-' : `${secs(importFloor.ms)} (${cRes === null ? 'JS' : 'C'})`,
        ratio: ratioCell(r, importFloor),
        rss: rssCell(r.maxRssKb),
        goal: '≤ 2x C floor, RSS ≤ 1 GB',
        met: verdict((importFloor === null || r.ms <= 2 * importFloor.ms) && rssOk(r.maxRssKb)),
      });
    } catch (err) {
      fail('batches:import-file', err);
      return;
    }

    try {
      const g = await runJob({ phase: 'grid', ledger, batchId, rows: size });
      rows.push({
        phase: 'grid page (200 rows, random offsets) p95',
        time: secs(g.ms),
        floor: '-',
        ratio: '-',
        rss: rssCell(g.maxRssKb),
        goal: '≤ 20 ms',
        met: verdict(g.ms <= 20),
      });
      console.log(
        `  grid: p50 ${secs(Number(g.facts.p50))}, p95 ${secs(Number(g.facts.p95))}, first block with totals ${secs(Number(g.facts.firstWithTotals))}`,
      );
    } catch (err) {
      fail('grid page', err);
    }

    try {
      const v = await runJob({ phase: 'validate', ledger, batchId });
      rows.push({
        phase: 'batches:validate',
        time: timeCell(v),
        floor: '-',
        ratio: '-',
        rss: rssCell(v.maxRssKb),
        goal: `${scaled(6)}, RSS ≤ 1 GB`,
        met: verdict(v.ms <= 6000 * scale && rssOk(v.maxRssKb)),
      });
      console.log(
        `  validate: ${Object.entries(v.facts)
          .map(([k, n]) => `${k} ${fmtInt(Number(n))}`)
          .join(', ')}`,
      );
    } catch (err) {
      fail('batches:validate', err);
      return;
    }

    // The set-based floor posts the same validated batch on a copy of the ledger.
    let floorRes: Timed | null = null;
    const copy = join(dir, 'floor-sql.sqlite');
    try {
      t = performance.now();
      const src = new Database(ledger, { readonly: true });
      try {
        src.prepare('VACUUM INTO ?').run(copy);
      } finally {
        src.close();
      }
      const f = await runJob({ phase: 'floor-sql', ledger: copy, batchId });
      floorRes = f;
      rows.push({
        phase: 'floor: set-based SQL posting',
        time: timeCell(f),
        floor: '-',
        ratio: '-',
        rss: rssCell(f.maxRssKb),
        goal: '-',
        met: '-',
      });
      console.log(
        `  set-based floor (ledger copy and child start ${secs(performance.now() - t - f.ms)}): ${Object.entries(
          f.facts,
        )
          .map(([k, n]) => `${k} ${fmtInt(Number(n))}`)
          .join(', ')}`,
      );
    } catch (err) {
      fail('floor: set-based SQL posting', err);
    } finally {
      for (const s of ['', '-wal', '-shm']) rmSync(copy + s, { force: true });
    }

    let submitted = false;
    try {
      const s = await runJob({ phase: 'submit', ledger, batchId });
      submitted = true;
      const goalOk =
        s.ms <= 10_000 * scale && (floorRes === null || s.ms <= 2 * floorRes.ms) && rssOk(s.maxRssKb);
      rows.push({
        phase: 'batches:submit (prepare + confirm)',
        time: timeCell(s),
        floor: floorRes === null ? '-' : `${secs(floorRes.ms)} (set-based)`,
        ratio: ratioCell(s, floorRes),
        rss: rssCell(s.maxRssKb),
        goal: `${scaled(10)}, ≤ 2x set-based, RSS ≤ 1 GB`,
        met: verdict(goalOk),
      });
      console.log(
        `  submit: ${Object.entries(s.facts)
          .map(([k, n]) => `${k} ${k.endsWith('Ms') ? secs(Number(n)) : fmtInt(Number(n))}`)
          .join(', ')}`,
      );
    } catch (err) {
      fail('batches:submit', err);
    }

    if (submitted) {
      try {
        const k = await runJob({ phase: 'check', ledger });
        rows.push({
          phase: `ledger:check (${Number(k.facts.violations) === 0 ? 'clean' : `${fmtInt(Number(k.facts.violations))} violations`})`,
          time: timeCell(k),
          floor: '-',
          ratio: '-',
          rss: rssCell(k.maxRssKb),
          goal: '< 10 s, RSS ≤ 1 GB',
          met: verdict(k.ms < 10_000 && rssOk(k.maxRssKb) && Number(k.facts.violations) === 0),
        });
      } catch (err) {
        fail('ledger:check', err);
      }
    }
  } finally {
    rows.push(...cliRows(cli));
    printTable(
      `Batch benchmark: ${fmtInt(size)} rows, ${fmtInt(ACCOUNTS)}-account demo ledger (seed ${SEED})`,
      rows,
    );
    if (!KEEP) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync(JOB)) throw new Error(`run from the project root (no ${JOB})`);
  if (SIZES.some((s) => !Number.isSafeInteger(s) || s <= 0))
    throw new Error(`bad --sizes ${argOf('--sizes')}`);
  const base = mkdtempSync(join(tmpdir(), 'paydesk-bench-batches-'));
  const cleanup = (): void => {
    if (!KEEP) rmSync(base, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    console.log(
      `Paydesk batch benchmark: sizes ${SIZES.map(fmtInt).join(', ')} rows, ${fmtInt(ACCOUNTS)}-account demo ledger, temp ${base}`,
    );
    const template = join(base, 'template.sqlite');
    const demo = await runJob({ phase: 'demo', ledger: template, accounts: ACCOUNTS, seed: SEED });
    console.log(
      `setup: demo:load ${fmtInt(ACCOUNTS)} accounts in ${secs(demo.ms)} (peak RSS ${mb(demo.maxRssKb)})`,
    );
    const pool = loadPool(template);
    console.log(
      `setup: ${fmtInt(pool.active.length)} active USD accounts with ${fmtInt(pool.active.reduce((s, a) => s + a.bills.length, 0))} open bills; ${fmtInt(pool.closed.length)} closed`,
    );
    const cli = measureCli();
    for (const size of SIZES) await runSize(size, template, pool, base, cli);
  } finally {
    cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
