/**
 * Kill safety (issue #11): N trials (default 1,000) of killing the CLI at a random moment of a bank file import,
 * a validation, a submit in each lock mode (all or nothing, lock per account) and a collection run against the
 * processor simulator process. Half the kills are crash points (PAYDESK_CRASH_AFTER=N, N random within the
 * phase's count), half a real SIGKILL after a random delay. Each kill is followed by an inspection, the redo
 * (re-import / revalidate / resubmit / recovery resolve and rerun) and the checks: partial posts, double posts,
 * `ledger check`, and for collection the simulator's charge record against the ledger.
 *
 * Run: npx tsx bench/reliability.ts [--trials N] [--seed S] [--phases import,validate,submit-batch,submit-account,collect]
 *      [--parallel 1|2] [--trial K] (--trial re-runs one trial of a seed, e.g. to reproduce a finding)
 */
import { spawn, execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type App } from '../src-main/app-context';
import { mulberry32 } from '../src-main/domain/prng';
import { normalisedSha256Hex } from '../src-main/importers/bank-file/hash';
import type { Result } from '../src-shared/api/result';
import type { LedgerCheckDto } from '../src-shared/dto/app';
import type { BatchDto, BatchImportDto } from '../src-shared/dto/batches';
import type { RecoverySummaryDto } from '../src-shared/dto/processors';
import type { ConfirmableOperation } from '../src-shared/dto/confirmations';
import { dispatchConfirmed } from '../test/helpers/confirm';
import { startSimProcess, type SimProcess } from '../test/helpers/simulator';

/** Extra CLI arguments per phase: runs and big submits send money only once confirmed (`--yes` confirms the preview). */
const EXTRA_ARGS: Record<Phase, string[]> = {
  import: [],
  validate: [],
  'submit-batch': ['--yes'],
  'submit-account': ['--yes'],
  collect: ['--yes'],
};
/** Commands whose in-process redo goes through prepare → confirm, as an operator's would. */
const CONFIRMED = new Set<ConfirmableOperation>(['batches:submit', 'collect:run']);

const PHASES = ['import', 'validate', 'submit-batch', 'submit-account', 'collect'] as const;
type Phase = (typeof PHASES)[number];
const KINDS = ['crash-point', 'sigkill'] as const;
type Kind = (typeof KINDS)[number];

const CLI = 'out/main/cli.js';
const ENTRIES = 400;
const ACCOUNTS = 300;
const OPERATOR = 'reliability';
const SECRET = 'reliability-secret';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const TRIALS = Number(option('--trials') ?? 1000);
const SEED = Number(option('--seed') ?? 1);
const PARALLEL = Math.max(1, Math.min(2, Number(option('--parallel') ?? 2)));
const ONLY_TRIAL = option('--trial') === undefined ? null : Number(option('--trial'));
const SELECTED: Phase[] = (option('--phases') ?? PHASES.join(','))
  .split(',')
  .map((p) => p.trim())
  .filter((p): p is Phase => {
    if ((PHASES as readonly string[]).includes(p)) return true;
    throw new Error(`unknown phase "${p}" (one of ${PHASES.join(', ')})`);
  });

process.env.PAYDESK_SECRET_KEY ??= 'reliability-key';
const CHILD_ENV = { ...process.env, PAYDESK_OPERATOR: OPERATOR, PAYDESK_QUIET: '1' };

function must<T>(r: Result<unknown>, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** The newest modification time below the folders (to rebuild the CLI bundle when the source is newer). */
function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs)
    for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
      if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  return newest;
}

function ensureBuilt(): void {
  if (existsSync(CLI) && newestSource(['src-main', 'src-shared', 'db']) <= statSync(CLI).mtimeMs) return;
  console.log('building the CLI bundle (electron-vite build)...');
  execFileSync(
    'flock',
    [
      join(tmpdir(), 'paydesk-build.lock'),
      process.execPath,
      'node_modules/electron-vite/bin/electron-vite.js',
      'build',
    ],
    { stdio: 'pipe' },
  );
}

/** Copies a ledger file (a checkpointed one, without WAL) over a trial file, removing the trial's old WAL. */
function copyLedger(from: string, to: string): void {
  for (const f of [to, `${to}-wal`, `${to}-shm`]) rmSync(f, { force: true });
  copyFileSync(from, to);
}

function open(file: string): App {
  return openApp({ file, login: OPERATOR, migrationsFolder: 'db/migrations' });
}

function closeCheckpointed(app: App): void {
  app.ctx.ledger.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  app.close();
}

type ChildOutcome = {
  killed: boolean;
  code: number | null;
  stderr: string;
  /** From spawn to exit. */
  ms: number;
  /** From spawn until the child had the ledger open (its `-shm` file appeared), when seen. */
  openedMs: number | null;
};

/**
 * Watches for the ledger's `-shm` file (the child has opened the ledger) and, given a delay, SIGKILLs the child
 * that long after. It runs in a worker thread so that the kill lands on time even while this process's main
 * thread is busy with another lane's synchronous SQLite work.
 */
const KILLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { existsSync } = require('node:fs');
const { shm, pid, delayMs } = workerData;
const pause = new Int32Array(new SharedArrayBuffer(4));
const t0 = Date.now();
while (!existsSync(shm) && Date.now() - t0 < 120000) Atomics.wait(pause, 0, 0, 1);
const opened = Date.now();
if (delayMs !== null) {
  Atomics.wait(pause, 0, 0, Math.max(0, Math.round(delayMs)));
  try { process.kill(pid, 'SIGKILL'); } catch {}
}
parentPort.postMessage(opened - t0);
`;

/** Runs the CLI on a ledger; with `killAfterOpenMs`, kills it that long after it opened the ledger. */
function runCli(
  ledger: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfterOpenMs: number | null = null,
): Promise<ChildOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--db', ledger, '--json', ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let openedMs: number | null = null;
    const watcher = new Worker(KILLER, {
      eval: true,
      workerData: { shm: `${ledger}-shm`, pid: child.pid, delayMs: killAfterOpenMs },
    });
    watcher.on('message', (ms: number) => (openedMs = ms));
    watcher.on('error', reject);
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      // Let a watcher that is about to report the open time do so; it is stopped either way.
      setTimeout(() => {
        void watcher.terminate();
        resolve({ killed: signal === 'SIGKILL', code, stderr, ms, openedMs });
      }, 5);
    });
  });
}

/** Everything a phase needs: its prepared ledger, the CLI arguments, its crash-point count and timings. */
type PhaseSetup = {
  base: string;
  args: string[];
  crashPoints: number;
  /** How long a run lasts after it opened the ledger (the median of three), and spawn to exit. */
  workMs: number;
  fullMs: number;
};

type Fixture = {
  dir: string;
  sim: SimProcess;
  bankFile: string;
  sha: string;
  importBatchId: number;
  validatedBatchId: number;
  accountBatchId: number;
  /** Payments a submit of the batch must leave: count and sum of amount_minor. */
  expectedPayments: number;
  expectedSumMinor: number;
  /** Entry statuses after import (before validation) and after validation, as `seq:status` lists. */
  importedStatuses: string;
  validatedStatuses: string;
  /** Bills a clean collection run posts. */
  collectPosted: number;
  phases: Record<Phase, PhaseSetup>;
};

/** A bank file of ENTRIES check payments spread over the accounts, one in twelve to an unknown account. */
function writeBankFile(file: string, accounts: string[], seed: number): void {
  const rand = mulberry32(seed);
  const lines: string[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const account = i % 12 === 0 ? `GHOST-${i}` : (accounts[Math.floor(rand() * accounts.length)] as string);
    const amount = (1 + Math.floor(rand() * 40_000) / 100).toFixed(2);
    lines.push(`${account},${amount},11/20/2026,${7000 + i},Payer ${i}`);
  }
  writeFileSync(file, lines.join('\r\n') + '\r\n');
}

const TEMPLATE = {
  name: 'reliability',
  format: 'delimited',
  delimiter: ',',
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
    { field: 'checkNo', index: 3 },
    { field: 'payerName', index: 4 },
  ],
};

function entryStatuses(app: App, batchId: number): string {
  return (
    app.ctx.ledger.sqlite
      .prepare(`SELECT seq || ':' || status AS s FROM batch_entries WHERE batch_id = ? ORDER BY seq`)
      .all(batchId) as { s: string }[]
  )
    .map((r) => r.s)
    .join(',');
}

function batchOfFile(app: App, sha: string): { id: number; status: string; entries: number }[] {
  return app.ctx.ledger.sqlite
    .prepare(
      `SELECT b.id, b.status, (SELECT count(*) FROM batch_entries e WHERE e.batch_id = b.id) AS entries
       FROM batches b WHERE b.source_sha256 = ? ORDER BY b.id`,
    )
    .all(sha) as { id: number; status: string; entries: number }[];
}

function importInput(fx: Pick<Fixture, 'bankFile'>): Record<string, unknown> {
  return {
    file: fx.bankFile,
    templateName: TEMPLATE.name,
    batchType: 'payment',
    payType: 10012,
    currency: 'USD',
  };
}

/** Measures a phase on scratch copies: crash points of a full run, and how long the work runs once the ledger is open. */
async function measure(dir: string, name: string, base: string, args: string[]): Promise<PhaseSetup> {
  const probe = join(dir, `probe-${name}.sqlite`);
  // The reference run's ledger is kept as ref-<phase>.sqlite (what an unkilled run leaves).
  const reference = join(dir, `ref-${name}.sqlite`);
  copyLedger(base, reference);
  const full = await runCli(reference, args, { ...CHILD_ENV, PAYDESK_CRASH_REPORT: '1' });
  if (full.code !== 0) throw new Error(`${name}: the unkilled run failed (${full.code}): ${full.stderr}`);
  const crashPoints = Number(/paydesk-crash-points: (\d+)/.exec(full.stderr)?.[1] ?? 0);
  const work: number[] = [];
  const total: number[] = [];
  for (let i = 0; i < 3; i++) {
    copyLedger(base, probe);
    const run = await runCli(probe, args, CHILD_ENV);
    total.push(run.ms);
    if (run.openedMs !== null) work.push(run.ms - run.openedMs);
  }
  if (work.length === 0) throw new Error(`${name}: never saw the ledger opened (${probe}-shm)`);
  // The median: one run slowed by a busy machine would otherwise stretch every kill window past the work.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { base, args, crashPoints, workMs: median(work), fullMs: median(total) };
}

async function prepare(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-reliability-'));
  const sim = await startSimProcess(join(dir, 'sim.json'), { secret: SECRET });
  const baseFile = join(dir, 'base.sqlite');
  const bankFile = join(dir, 'bank.csv');
  const app = open(baseFile);
  let accounts: string[];
  try {
    must(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: SEED }), 'demo');
    const db = app.ctx.ledger.sqlite;
    db.prepare(
      `INSERT OR REPLACE INTO settings (key, value) VALUES ('PaymentSuspense', 'true'), ('ALLOWACCOUNTDUP', 'true'),
         ('NoManualAllocation', 'true'), ('collect.batchSize', '25'), ('collect.concurrency', '3')`,
    ).run();
    must(
      await app.dispatch('processors:save', {
        name: 'sim',
        url: sim.url,
        merchants: {
          USD: { merchant: 'ispname', mid: '050505' },
          EUR: { merchant: 'ispeu', mid: '050506' },
          GBP: { merchant: 'ispgb', mid: '050507' },
        },
        batchTimeoutMs: 3000,
        onlineTimeoutMs: 3000,
        connectRetries: 1,
        secret: SECRET,
      }),
      'processor',
    );
    must(await app.dispatch('templates:save', { name: TEMPLATE.name, definition: TEMPLATE }), 'template');
    // Each trial's copy makes its own idempotency-key prefix, so the simulator tells the trials apart.
    db.prepare(`DELETE FROM settings WHERE key = 'processors.keyPrefix'`).run();
    accounts = (
      db
        .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active'`)
        .all() as { no: string }[]
    ).map((r) => r.no);
  } finally {
    closeCheckpointed(app);
  }
  writeBankFile(bankFile, accounts, SEED + 1);
  const fx: Partial<Fixture> = { dir, sim, bankFile };
  // The ledger knows a bank file by its normalised hash (line endings and trailing blank lines do not count).
  fx.sha = normalisedSha256Hex(readFileSync(bankFile));

  // Imported (open) batch: the validate phase's start.
  const importedFile = join(dir, 'imported.sqlite');
  copyLedger(baseFile, importedFile);
  {
    const a = open(importedFile);
    try {
      const r = must<BatchImportDto>(
        await a.dispatch('batches:import-file', importInput(fx as Fixture)),
        'import',
      );
      fx.importBatchId = r.batch.id;
      fx.importedStatuses = entryStatuses(a, r.batch.id);
    } finally {
      closeCheckpointed(a);
    }
  }
  // Validated batch (lock per batch): the all-or-nothing submit's start.
  const validatedFile = join(dir, 'validated.sqlite');
  copyLedger(importedFile, validatedFile);
  {
    const a = open(validatedFile);
    try {
      const v = must<{ batch: BatchDto }>(
        await a.dispatch('batches:validate', { batchId: fx.importBatchId }),
        'validate',
      );
      fx.validatedBatchId = v.batch.id;
      fx.validatedStatuses = entryStatuses(a, v.batch.id);
    } finally {
      closeCheckpointed(a);
    }
  }
  // Lock per account: the setting is in place before the batch is imported and validated.
  const accountFile = join(dir, 'account.sqlite');
  copyLedger(baseFile, accountFile);
  {
    const a = open(accountFile);
    try {
      a.ctx.ledger.sqlite
        .prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES ('payment.batchLock', '"account"')`)
        .run();
      const r = must<BatchImportDto>(
        await a.dispatch('batches:import-file', importInput(fx as Fixture)),
        'import',
      );
      must(await a.dispatch('batches:validate', { batchId: r.batch.id }), 'validate');
      fx.accountBatchId = r.batch.id;
    } finally {
      closeCheckpointed(a);
    }
  }
  // What a submit posts, from an unkilled submit of a scratch copy.
  {
    const scratch = join(dir, 'reference.sqlite');
    copyLedger(validatedFile, scratch);
    const a = open(scratch);
    try {
      must(await dispatchConfirmed(a, 'batches:submit', { batchId: fx.validatedBatchId }), 'submit');
      const row = a.ctx.ledger.sqlite
        .prepare(`SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM payments WHERE batch_id = ?`)
        .get(fx.validatedBatchId) as { n: number; s: number };
      fx.expectedPayments = row.n;
      fx.expectedSumMinor = row.s;
    } finally {
      a.close();
    }
  }
  const batchArgs = (verb: string, id: number, phase: Phase) => [
    'batch',
    verb,
    String(id),
    ...EXTRA_ARGS[phase],
  ];
  const phases = {} as Record<Phase, PhaseSetup>;
  const want = new Set(ONLY_TRIAL === null ? SELECTED : [phaseOf(ONLY_TRIAL)]);
  if (want.has('import'))
    phases.import = await measure(dir, 'import', baseFile, [
      'batch',
      'import',
      bankFile,
      '--template',
      TEMPLATE.name,
      '--pay-type',
      'check',
      '--currency',
      'USD',
      ...EXTRA_ARGS.import,
    ]);
  if (want.has('validate'))
    phases.validate = await measure(
      dir,
      'validate',
      importedFile,
      batchArgs('validate', fx.importBatchId, 'validate'),
    );
  if (want.has('submit-batch'))
    phases['submit-batch'] = await measure(
      dir,
      'submit-batch',
      validatedFile,
      batchArgs('submit', fx.validatedBatchId, 'submit-batch'),
    );
  if (want.has('submit-account'))
    phases['submit-account'] = await measure(
      dir,
      'submit-account',
      accountFile,
      batchArgs('submit', fx.accountBatchId, 'submit-account'),
    );
  if (want.has('collect')) {
    phases.collect = await measure(dir, 'collect', baseFile, ['collect', '--rebill', ...EXTRA_ARGS.collect]);
    const a = open(join(dir, 'ref-collect.sqlite'));
    try {
      fx.collectPosted = (
        a.ctx.ledger.sqlite
          .prepare(`SELECT count(*) AS n FROM payments WHERE source_key LIKE 'proc:%'`)
          .get() as { n: number }
      ).n;
    } finally {
      a.close();
    }
  }
  fx.phases = phases;
  return fx as Fixture;
}

/** What one trial found. */
type TrialResult = {
  trial: number;
  phase: Phase;
  kind: Kind;
  killAt: string;
  killed: boolean;
  /** Where the kill landed: before anything was written, in the middle of the work, or after it was done. */
  landed: 'before' | 'during' | 'after';
  partial: number;
  double: number;
  checkFailures: number;
  redoFailures: number;
  notes: string[];
};

function phaseOf(trial: number): Phase {
  return SELECTED[trial % SELECTED.length] as Phase;
}
function kindOf(trial: number): Kind {
  return KINDS[Math.floor(trial / SELECTED.length) % KINDS.length] as Kind;
}

async function ledgerViolations(app: App): Promise<string[]> {
  const r = await app.dispatch('ledger:check', { maxViolations: 5 });
  if (!r.ok) return [`ledger check: ${r.error.code}: ${r.error.message}`];
  return (r.value as LedgerCheckDto).violations.map((v) => `${v.rule} ${v.entity} ${v.id}: ${v.message}`);
}

/** Payments of a batch against its entries: entries posted more than once, stray payments, and the sum. */
function batchPostings(app: App, batchId: number): { payments: number; sumMinor: number; doubles: number } {
  const db = app.ctx.ledger.sqlite;
  const row = db
    .prepare(`SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM payments WHERE batch_id = ?`)
    .get(batchId) as { n: number; s: number };
  const perEntry = db
    .prepare(
      `SELECT count(*) AS n FROM (SELECT e.id, count(p.id) AS k FROM batch_entries e
         JOIN payments p ON p.source_key = e.entry_key OR p.id = e.posted_payment_id
         WHERE e.batch_id = ? GROUP BY e.id HAVING k > 1)`,
    )
    .get(batchId) as { n: number };
  const stray = db
    .prepare(
      `SELECT count(*) AS n FROM payments p WHERE p.batch_id = ?
         AND NOT EXISTS (SELECT 1 FROM batch_entries e WHERE e.batch_id = p.batch_id AND (e.entry_key = p.source_key OR e.posted_payment_id = p.id))`,
    )
    .get(batchId) as { n: number };
  return { payments: row.n, sumMinor: row.s, doubles: perEntry.n + stray.n };
}

/** Entries whose posted mark and payment disagree (a per-entry partial post). */
function inconsistentEntries(app: App, batchId: number): number {
  return (
    app.ctx.ledger.sqlite
      .prepare(
        `SELECT count(*) AS n FROM batch_entries e LEFT JOIN payments p ON p.source_key = e.entry_key
         WHERE e.batch_id = ? AND (e.status IN ('posted', 'posted_suspense')) <> (p.id IS NOT NULL)`,
      )
      .get(batchId) as { n: number }
  ).n;
}

function prefixOf(app: App): string | null {
  const row = app.ctx.ledger.sqlite
    .prepare(`SELECT value FROM settings WHERE key = 'processors.keyPrefix'`)
    .get() as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as string) : null;
}

/** The processor's record against the ledger: bills charged twice or posted twice, charges without a posting. */
async function collectionFindings(
  app: App,
  sim: SimProcess,
): Promise<{ double: number; partial: number; posted: number; notes: string[] }> {
  const db = app.ctx.ledger.sqlite;
  const prefix = prefixOf(app);
  const notes: string[] = [];
  const records = prefix ? (await sim.charges()).filter((r) => r.idemKey.startsWith(`${prefix}-`)) : [];
  const charged = new Map<string, number>();
  for (const r of records)
    if (r.charged) charged.set(r.reference ?? r.idemKey, (charged.get(r.reference ?? r.idemKey) ?? 0) + 1);
  const approved = db
    .prepare(
      `SELECT t.idem_key AS k, b.bill_no AS bill,
         (SELECT count(*) FROM payments p WHERE p.source_key = 'proc:' || t.idem_key) AS payments
       FROM processor_txns t JOIN bills b ON b.id = t.bill_id WHERE t.command = 'condition' AND t.result = 0`,
    )
    .all() as { k: string; bill: string; payments: number }[];
  let double = 0;
  let partial = 0;
  for (const [bill, n] of charged)
    if (n > 1) {
      double += n - 1;
      notes.push(`bill ${bill} charged ${n} times`);
    }
  const postedPerBill = new Map<string, number>();
  for (const a of approved) {
    if (a.payments > 1) {
      double += a.payments - 1;
      notes.push(`${a.k} posted ${a.payments} times`);
    }
    if (a.payments === 0) {
      partial++;
      notes.push(`${a.k} approved but not posted`);
    }
    postedPerBill.set(a.bill, (postedPerBill.get(a.bill) ?? 0) + 1);
  }
  for (const [bill, n] of postedPerBill)
    if (n > 1) {
      double += n - 1;
      notes.push(`bill ${bill} approved ${n} times`);
    }
  for (const bill of charged.keys())
    if (!postedPerBill.has(bill)) {
      partial++;
      notes.push(`bill ${bill} charged at the processor, not posted`);
    }
  for (const bill of postedPerBill.keys())
    if (!charged.has(bill)) {
      partial++;
      notes.push(`bill ${bill} posted without a charge`);
    }
  const summary = await app.dispatch('recovery:summary', {});
  if (!summary.ok) notes.push(`recovery summary: ${summary.error.code}: ${summary.error.message}`);
  else {
    const s = summary.value as RecoverySummaryDto;
    if (s.totalOpen + s.totalUnposted > 0) {
      partial += s.totalOpen + s.totalUnposted;
      notes.push(`${s.totalOpen} open and ${s.totalUnposted} unposted records after recovery`);
    }
  }
  return { double, partial, posted: postedPerBill.size, notes };
}

async function redo(
  app: App,
  command: string,
  input: Record<string, unknown>,
  out: TrialResult,
): Promise<boolean> {
  const r = CONFIRMED.has(command as ConfirmableOperation)
    ? await dispatchConfirmed(app, command as ConfirmableOperation, input)
    : await app.dispatch(command, input);
  if (r.ok) return true;
  out.redoFailures++;
  out.notes.push(`redo ${command}: ${r.error.code}: ${r.error.message}`);
  return false;
}

async function runTrial(fx: Fixture, trial: number, lane: number): Promise<TrialResult> {
  const phase = phaseOf(trial);
  let kind = kindOf(trial);
  const setup = fx.phases[phase];
  const rand = mulberry32((SEED * 1_000_003 + trial * 7919) >>> 0);
  // A phase without crash points (no crash point runs inside it yet) can only be killed by a signal.
  if (setup.crashPoints === 0) kind = 'sigkill';
  const file = join(fx.dir, `lane-${lane}.sqlite`);
  copyLedger(setup.base, file);
  const out: TrialResult = {
    trial,
    phase,
    kind,
    killAt: '',
    killed: false,
    landed: 'before',
    partial: 0,
    double: 0,
    checkFailures: 0,
    redoFailures: 0,
    notes: [],
  };
  const args = setup.args;
  let child: ChildOutcome;
  if (kind === 'crash-point') {
    const point = 1 + Math.floor(rand() * setup.crashPoints);
    out.killAt = `crash point ${point}/${setup.crashPoints}`;
    child = await runCli(file, args, { ...CHILD_ENV, PAYDESK_CRASH_AFTER: String(point) });
    if (!child.killed) out.notes.push(`crash point ${point} was not reached (exit ${child.code})`);
  } else {
    // Anywhere from the moment the ledger is open to a little past the end of an unkilled run's work.
    const delay = rand() * setup.workMs * 1.1;
    out.killAt = `${Math.round(delay)} ms after open`;
    child = await runCli(file, args, CHILD_ENV, delay);
  }
  out.killed = child.killed;
  if (!child.killed && child.code !== 0)
    out.notes.push(`the run exited ${child.code} before the kill: ${child.stderr.slice(0, 300)}`);

  const app = open(file);
  try {
    const db = app.ctx.ledger.sqlite;
    // Right after the kill: the ledger must already be consistent, before anyone repairs anything.
    const early = await ledgerViolations(app);
    if (early.length) {
      out.checkFailures++;
      out.notes.push(`after the kill: ${early.join('; ')}`);
    }
    let batchId: number | null = null;
    if (phase === 'import') {
      const found = batchOfFile(app, fx.sha);
      const recorded = (
        db
          .prepare(`SELECT count(*) AS n FROM imported_files WHERE kind = 'bank' AND sha256 = ?`)
          .get(fx.sha) as {
          n: number;
        }
      ).n;
      for (const b of found)
        if (b.entries !== ENTRIES) {
          out.partial++;
          out.notes.push(`batch ${b.id} staged ${b.entries} of ${ENTRIES} rows`);
        }
      if (found.length > 0) out.landed = found.some((b) => b.entries !== ENTRIES) ? 'during' : 'after';
      if (recorded !== found.length) {
        out.partial++;
        out.notes.push(`${found.length} batches but ${recorded} imported-file records`);
      }
      if (found.length === 0) await redo(app, 'batches:import-file', importInput(fx), out);
      const after = batchOfFile(app, fx.sha);
      if (after.length > 1) {
        out.double += after.length - 1;
        out.notes.push(`the file was staged ${after.length} times`);
      }
      batchId = after[0]?.id ?? null;
      if (batchId !== null && (await redo(app, 'batches:validate', { batchId }, out)))
        await redo(app, 'batches:submit', { batchId }, out);
    } else if (phase === 'validate') {
      batchId = fx.importBatchId;
      const statuses = entryStatuses(app, batchId);
      const status = (
        db.prepare('SELECT status FROM batches WHERE id = ?').get(batchId) as { status: string }
      ).status;
      const before = status === 'open' && statuses === fx.importedStatuses;
      const afterValidate = status === 'validated' && statuses === fx.validatedStatuses;
      out.landed = before ? 'before' : afterValidate ? 'after' : 'during';
      if (!before && !afterValidate) {
        out.partial++;
        out.notes.push(
          `half-validated: batch ${status}, entries differ from both the imported and the validated state`,
        );
      }
      if (await redo(app, 'batches:validate', { batchId }, out))
        await redo(app, 'batches:submit', { batchId }, out);
    } else if (phase === 'submit-batch' || phase === 'submit-account') {
      batchId = phase === 'submit-batch' ? fx.validatedBatchId : fx.accountBatchId;
      const { payments } = batchPostings(app, batchId);
      const status = (
        db.prepare('SELECT status FROM batches WHERE id = ?').get(batchId) as { status: string }
      ).status;
      if (phase === 'submit-batch') {
        const whole = payments === fx.expectedPayments && status === 'submitted';
        const none = payments === 0 && status !== 'submitted';
        out.landed = none ? 'before' : whole ? 'after' : 'during';
        if (!whole && !none) {
          out.partial++;
          out.notes.push(
            `all-or-nothing submit left ${payments} of ${fx.expectedPayments} payments, batch ${status}`,
          );
        }
      } else {
        // Lock per account commits entry by entry: each entry must be posted whole (marked and paid) or not at all.
        out.landed = payments === 0 ? 'before' : status === 'submitted' ? 'after' : 'during';
        const bad = inconsistentEntries(app, batchId);
        if (bad > 0) {
          out.partial += bad;
          out.notes.push(`${bad} entries marked posted without their payment or the reverse`);
        }
      }
      await redo(app, 'batches:submit', { batchId }, out);
    } else {
      const txns = (db.prepare(`SELECT count(*) AS n FROM processor_txns`).get() as { n: number }).n;
      const done = (
        db.prepare(`SELECT count(*) AS n FROM collect_runs WHERE status = 'done'`).get() as { n: number }
      ).n;
      out.landed = txns === 0 ? 'before' : done > 0 ? 'after' : 'during';
      await redo(app, 'recovery:resolve', { action: 'rfr' }, out);
      await redo(app, 'recovery:resolve', { action: 'resubmit' }, out);
      await redo(app, 'recovery:resolve', { action: 'recover-payment' }, out);
      await redo(app, 'collect:run', { rebill: true }, out);
      const found = await collectionFindings(app, fx.sim);
      out.double += found.double;
      out.partial += found.partial;
      out.notes.push(...found.notes);
      if (found.posted !== fx.collectPosted) {
        if (found.posted < fx.collectPosted) out.redoFailures++;
        out.notes.push(`collected ${found.posted} bills, a clean run collects ${fx.collectPosted}`);
      }
    }
    if (batchId !== null) {
      const p = batchPostings(app, batchId);
      if (p.doubles > 0) {
        out.double += p.doubles;
        out.notes.push(`${p.doubles} entries posted more than once`);
      }
      if (p.payments !== fx.expectedPayments || p.sumMinor !== fx.expectedSumMinor) {
        // More than expected is money posted twice; less is a redo that did not finish the work.
        if (p.payments > fx.expectedPayments || p.sumMinor > fx.expectedSumMinor) out.double++;
        else out.redoFailures++;
        out.notes.push(
          `after the redo: ${p.payments} payments summing ${p.sumMinor}, expected ${fx.expectedPayments} summing ${fx.expectedSumMinor}`,
        );
      }
    }
    const late = await ledgerViolations(app);
    if (late.length) {
      out.checkFailures++;
      out.notes.push(`after the redo: ${late.join('; ')}`);
    }
  } catch (err) {
    out.redoFailures++;
    out.notes.push(`exception: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    app.close();
  }
  return out;
}

/** Kills that landed before / during / after the work, as `b/d/a`. */
function landedOf(rs: TrialResult[]): string {
  const n = (w: TrialResult['landed']) => rs.filter((r) => r.landed === w).length;
  return `${n('before')}/${n('during')}/${n('after')}`;
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

async function main(): Promise<void> {
  ensureBuilt();
  const t0 = performance.now();
  const fx = await prepare();
  const prepMs = performance.now() - t0;
  try {
    console.log(
      `reliability: seed ${SEED}, ${ENTRIES}-entry bank file over ${ACCOUNTS} demo accounts, parallel ${PARALLEL}; setup ${(prepMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `expected per submit: ${fx.expectedPayments} payments summing ${fx.expectedSumMinor} minor; a clean collection posts ${fx.collectPosted ?? '-'} bills`,
    );
    for (const [phase, s] of Object.entries(fx.phases))
      console.log(
        `  ${phase.padEnd(15)} crash points ${pad(s.crashPoints, 4)}   work after open ${pad(Math.round(s.workMs), 5)} ms   whole run ${pad(Math.round(s.fullMs), 5)} ms`,
      );
    const trials = ONLY_TRIAL === null ? Array.from({ length: TRIALS }, (_, i) => i) : [ONLY_TRIAL];
    const results: TrialResult[] = [];
    let next = 0;
    const started = performance.now();
    const lanes = Array.from({ length: Math.min(PARALLEL, trials.length) }, async (_, lane) => {
      while (next < trials.length) {
        const trial = trials[next++] as number;
        const r = await runTrial(fx, trial, lane);
        results.push(r);
        const bad = r.partial + r.double + r.checkFailures + r.redoFailures;
        if (bad > 0 || ONLY_TRIAL !== null)
          console.log(
            `trial ${r.trial} ${r.phase} ${r.kind} at ${r.killAt}: partial ${r.partial}, double ${r.double}, check ${r.checkFailures}, redo ${r.redoFailures}\n    ${r.notes.join('\n    ')}`,
          );
        if (results.length % 50 === 0)
          process.stderr.write(
            `  ${results.length}/${trials.length} trials, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
          );
      }
    });
    await Promise.all(lanes);
    const runMs = performance.now() - started;

    const header = `${'phase'.padEnd(15)} ${'kill kind'.padEnd(12)} ${pad('trials', 6)} ${pad('killed', 6)} ${pad('before/during/after', 19)} ${pad('partial posts', 13)} ${pad('double posts', 12)} ${pad('ledger-check failures', 21)} ${pad('redo failures', 13)}`;
    console.log('\n' + header);
    console.log('-'.repeat(header.length));
    const total = { trials: 0, killed: 0, partial: 0, double: 0, check: 0, redo: 0 };
    for (const phase of SELECTED)
      for (const kind of KINDS) {
        const rs = results.filter((r) => r.phase === phase && r.kind === kind);
        if (rs.length === 0) continue;
        const sum = (f: (r: TrialResult) => number) => rs.reduce((s, r) => s + f(r), 0);
        const landed = landedOf(rs);
        const row = {
          trials: rs.length,
          killed: sum((r) => (r.killed ? 1 : 0)),
          partial: sum((r) => r.partial),
          double: sum((r) => r.double),
          check: sum((r) => r.checkFailures),
          redo: sum((r) => r.redoFailures),
        };
        for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += row[k];
        console.log(
          `${phase.padEnd(15)} ${kind.padEnd(12)} ${pad(row.trials, 6)} ${pad(row.killed, 6)} ${pad(landed, 19)} ${pad(row.partial, 13)} ${pad(row.double, 12)} ${pad(row.check, 21)} ${pad(row.redo, 13)}`,
        );
      }
    console.log('-'.repeat(header.length));
    console.log(
      `${'total'.padEnd(15)} ${''.padEnd(12)} ${pad(total.trials, 6)} ${pad(total.killed, 6)} ${pad(landedOf(results), 19)} ${pad(total.partial, 13)} ${pad(total.double, 12)} ${pad(total.check, 21)} ${pad(total.redo, 13)}`,
    );
    console.log(
      `\n${total.trials} trials in ${(runMs / 1000).toFixed(1)} s (${(runMs / Math.max(1, total.trials)).toFixed(0)} ms a trial); ` +
        `${total.trials - total.killed} runs finished before their kill; partial posts ${total.partial}, double posts ${total.double} (goal 0 and 0)`,
    );
    process.exitCode = total.partial + total.double + total.check + total.redo > 0 ? 1 : 0;
  } finally {
    await fx.sim.stop();
    rmSync(fx.dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
