/**
 * Soak test of the team server (issue #17): one `paydesk server` child process (bin/paydesk.cjs, as a team runs
 * it: jobs in worker threads, storage its SQLite file) and, against it over HTTP at the same time,
 *   - C clerks (default 8), each uploading its own lockbox file of N entries (default 125,000; drawn from the
 *     demo receivables like a real day by bench/batches-data.ts, with a share of unknown and closed accounts that
 *     go to suspense, plus 0.2% exact copies of earlier lines of the same file), importing it (a saved template of
 *     the bank's layout), validating it and submitting it (prepare + confirm, as the CLI's --yes); every clerk
 *     then resends its successful submit (a forced retry) and submits once more without the confirmation, and the
 *     first clerk sends two confirmed submits of its batch at the same time;
 *   - 2 analysts in a loop until the clerks are done: Payment Center searches with filters, claiming unassigned
 *     cases (assign an owner), applying a case to an account or distributing it over two (some of them cases the
 *     other analyst is working on as well), on a backlog of suspended payments loaded before the clock starts.
 * It prints the wall time, throughput of import, validate and submit, p50/p95/max latency per command kind, and
 * the checks, reading the ledger file after the server has stopped: no entry posted twice (one payment per posted
 * entry, none for the others), every entry posted, in suspense or held as a suspected duplicate (none missing),
 * no suspended payment moved twice, every analyst move that answered ok visible (state, payments, owner event),
 * `ledger:check` over the API and `paydesk ledger check` on the file clean. Exits 1 when a check fails.
 *
 * With --pg URL the ledger is a fresh PostgreSQL database in that cluster instead (`paydesk --pg URL init` for the
 * admin, `paydesk --pg URL server`); the checks read the same facts with the same SQL through the storage port.
 *
 * Run: nice -n 5 npx tsx bench/soak-team.ts [--entries 125000 --clerks 8 --accounts 100000 --backlog 2000
 *      --think 1000 --max-minutes 20 --seed 1 --keep --pg postgres://user@host/postgres
 *      --server-node-args "--cpu-prof --cpu-prof-dir=DIR"] (--keep: also the PostgreSQL database)
 *      (--think: an analyst's average pause between cases, in ms; --max-minutes: after that the clerks give up and
 *      the report is printed with what was done; --server-node-args: Node options of the server process, here a
 *      CPU profile of its main thread and of every job worker, written when it stops)   (not part of npm test; 8 x 125,000 entries take a long while on a small machine)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { settingUpsertQuery } from '../db/repos/settings';
import type { Storage, Tx } from '../db/storage/port';
import { postgresStorage } from '../db/storage/postgres';
import { sqliteStorage } from '../db/storage/sqlite';
import { openApp, openPostgresApp, type App } from '../src-main/app-context';
import { postgresHome } from '../src-main/cli/postgres';
import type { LedgerPlace } from '../src-main/services/context';
import { mulberry32 } from '../src-main/domain/prng';
import { demoAccountNo } from '../src-main/services/demo';
import type { Result } from '../src-shared/api/result';
import type { BatchImportDto, BatchSubmitDto, BatchValidationDto } from '../src-shared/dto/batches';
import type { LedgerCheckDto } from '../src-shared/dto/app';
import type { SuspenseMoveDto, SuspenseRowDto, SuspenseSearchDto } from '../src-shared/dto/suspense';
import type { UploadDto } from '../src-shared/dto/uploads';
import {
  decimal,
  LOCKBOX_TEMPLATE,
  POOL_ACCOUNTS_SQL,
  POOL_BILLS_SQL,
  poolOf,
  writeLockbox,
  type Pool,
} from './batches-data';

const ROOT = process.cwd();
const argOf = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string, fallback: number): number => {
  const v = argOf(name);
  const n = v === undefined ? fallback : Number(v.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`bad ${name} ${v}`);
  return n;
};
const ENTRIES = num('--entries', 125_000);
const CLERKS = num('--clerks', 8);
const ACCOUNTS = num('--accounts', 100_000);
const BACKLOG = num('--backlog', 2000);
const SEED = num('--seed', 1);
const KEEP = process.argv.includes('--keep');
/**
 * A PostgreSQL server (its URL names a database to connect to for CREATE DATABASE): the soak then runs on a fresh
 * database of that cluster instead of a SQLite file, dropped at the end unless --keep.
 */
const PG_SERVER = argOf('--pg');
/** Node options for the server process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where its time goes. */
const SERVER_NODE_ARGS = (argOf('--server-node-args') ?? '').split(' ').filter(Boolean);
/** After this long the clerks stop trying (their steps count as failed) and the report is printed anyway. */
const BUDGET_MS = num('--max-minutes', 20) * 60_000;
let deadline = Number.POSITIVE_INFINITY;
/** An analyst's pause between cases, on average (ms). */
const THINK_MS = num('--think', 1000);
/** Share of each clerk's file that repeats an earlier line of the same file (a bank sending a line twice). */
const DUPLICATE_SHARE = 0.002;

const PASSWORD = 'soak-test-Pa55word';
const ADMIN = 'chief';
const TEMPLATE = 'Soak lockbox';
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

function must<T>(r: Result<unknown>, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

// ---------------------------------------------------------------------------------------------- the HTTP client

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let baseUrl = '';

/** Latency samples and outcomes per command kind (a label such as `clerk batches:validate`). */
const samples = new Map<string, { ms: number[]; outcomes: Map<string, number> }>();

function note(kind: string, ms: number, outcome: string): void {
  let s = samples.get(kind);
  if (!s) samples.set(kind, (s = { ms: [], outcomes: new Map() }));
  s.ms.push(ms);
  s.outcomes.set(outcome, (s.outcomes.get(outcome) ?? 0) + 1);
}

function send(
  path: string,
  headers: Record<string, string>,
  body: string | { file: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (typeof body === 'string') req.end(body);
    else createReadStream(body.file).pipe(req);
  });
}

/** One API call, timed under `kind`; a transport failure becomes an `internal` Result (and is counted). */
async function call<T>(kind: string, session: string, command: string, input: unknown): Promise<Result<T>> {
  const t = performance.now();
  let result: Result<T>;
  try {
    const r = await send(
      `/v1/commands/${command}`,
      { 'content-type': 'application/json', authorization: `Bearer ${session}` },
      JSON.stringify(input),
    );
    result = JSON.parse(r.text) as Result<T>;
  } catch (err) {
    result = {
      ok: false,
      error: { code: 'internal', message: `transport: ${(err as Error).message}`, correlationId: 'client' },
    };
  }
  note(kind, performance.now() - t, outcomeOf(result));
  if (!result.ok && result.error.code === 'internal')
    internalMessages.push(`${kind}: ${result.error.message}`);
  return result;
}

/** What each `internal` answer said (a transport failure or the server's message), printed with the checks. */
const internalMessages: string[] = [];

const outcomeOf = (r: Result<unknown>): string =>
  r.ok
    ? 'ok'
    : r.error.code === 'conflict' && 'rule' in r.error
      ? `conflict:${String(r.error.rule)}`
      : r.error.code;

async function signIn(login: string): Promise<string> {
  const r = await send(
    '/v1/sessions',
    { 'content-type': 'application/json' },
    JSON.stringify({ login, password: PASSWORD }),
  );
  return must<{ session: string }>(JSON.parse(r.text) as Result<unknown>, `sign-in ${login}`).session;
}

async function upload(kind: string, session: string, file: string, name: string): Promise<UploadDto> {
  const t = performance.now();
  const r = await send(
    `/v1/uploads?name=${encodeURIComponent(name)}`,
    {
      'content-type': 'application/octet-stream',
      'content-length': String(statSync(file).size),
      authorization: `Bearer ${session}`,
    },
    { file },
  );
  const result = JSON.parse(r.text) as Result<UploadDto>;
  note(kind, performance.now() - t, outcomeOf(result));
  return must<UploadDto>(result, 'upload');
}

// ------------------------------------------------------------------------------------------------- the ledger

/** Suspended payments waiting for the analysts before the clock starts: unknown account numbers, varied payers. */
function writeBacklog(file: string, rows: number, seed: number): void {
  const rand = mulberry32(seed * 104_729 + rows);
  const lines = ['Account Number,Bill Number,Payment Amount,Date,Check Number,Payer'];
  for (let i = 0; i < rows; i++) {
    const account = demoAccountNo(ACCOUNTS + 1 + Math.floor(rand() * 9_000_000));
    lines.push(
      `${account},,${decimal(100 + Math.floor(rand() * 50_000))},11/1${i % 10}/2026,${900_000 + i},"Backlog payer ${i % 389}, Ltd."`,
    );
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * Copies `count` of the file's data lines (chosen by the seeded PRNG) to its end: the same payment twice in one
 * file. Returns how many lines were copied.
 */
function appendDuplicates(file: string, count: number, seed: number): number {
  const lines = readFileSync(file, 'utf8').split('\n').slice(1, -1);
  const rand = mulberry32(seed * 31 + lines.length);
  if (count > lines.length) throw new Error(`cannot copy ${count} of ${lines.length} lines`);
  const copies: string[] = [];
  const taken = new Set<number>();
  while (copies.length < count) {
    const i = Math.floor(rand() * lines.length);
    if (taken.has(i)) continue;
    taken.add(i);
    copies.push(lines[i] as string);
  }
  if (copies.length > 0) appendFileSync(file, copies.join('\n') + '\n');
  return copies.length;
}

/** Where the soak's ledger lives: a SQLite file, or a fresh database of a PostgreSQL cluster. */
type Target = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; name: string };

/** The CLI's global options that name the ledger. */
const ledgerArgs = (t: Target): string[] => (t.kind === 'sqlite' ? ['--db', t.file] : ['--pg', t.url]);

async function createTarget(dir: string): Promise<Target> {
  if (PG_SERVER === undefined) return { kind: 'sqlite', file: join(dir, 'team.sqlite') };
  const name = `paydesk_soak_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_SERVER });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  return { kind: 'postgres', url: url.toString(), name };
}

async function dropTarget(t: Target): Promise<void> {
  if (t.kind !== 'postgres') return;
  const admin = new pg.Client({ connectionString: PG_SERVER });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${t.name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * Reads the ledger through the storage port, the same SQL on both databases (the pool before the run, the checks
 * after it); on SQLite a read-only connection of its own.
 */
function openReader(t: Target): Storage {
  return t.kind === 'sqlite'
    ? sqliteStorage(new Database(t.file, { readonly: true }), { closeDb: true })
    : postgresStorage(t.url, { max: 2, applicationName: 'paydesk-soak-check' });
}

async function readPool(t: Target): Promise<Pool> {
  const reader = openReader(t);
  try {
    return await reader.transaction(
      async (tx) =>
        poolOf(
          await tx.all<{ id: number; no: string; status: string }>(sql.raw(POOL_ACCOUNTS_SQL)),
          await tx.all<{ accountId: number; no: string; dueMinor: number }>(sql.raw(POOL_BILLS_SQL)),
        ),
      { readOnly: true },
    );
  } finally {
    await reader.close();
  }
}

/**
 * The services in this process on the soak's ledger, signed in as the admin. On PostgreSQL the first admin is made
 * by `paydesk --pg URL init`, as a team sets its database up.
 */
async function openSetupApp(t: Target): Promise<App<LedgerPlace>> {
  if (t.kind === 'sqlite') return openApp({ file: t.file, login: ADMIN, migrationsFolder: 'db/migrations' });
  const init = spawnSync(
    process.execPath,
    [join(ROOT, 'bin', 'paydesk.cjs'), ...ledgerArgs(t), '--json', 'init'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, PAYDESK_OPERATOR: ADMIN, PAYDESK_PASSWORD: PASSWORD },
    },
  );
  if (init.status !== 0)
    throw new Error(`paydesk --pg init: exit ${init.status}: ${init.stdout}${init.stderr}`);
  return openPostgresApp({ url: t.url, home: postgresHome(), login: ADMIN });
}

type Setup = {
  target: Target;
  pool: Pool;
  files: { file: string; rows: number; duplicates: number }[];
  owners: number[];
};

/** Builds the ledger in this process before the server starts (not timed as part of the soak). */
async function setUp(dir: string, target: Target): Promise<Setup> {
  const app = await openSetupApp(target);
  let owners: number[];
  try {
    must(
      await app.dispatch('operators:set-password', { login: ADMIN, password: PASSWORD }),
      'admin password',
    );
    let t = performance.now();
    must(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: SEED }), 'demo:load');
    console.log(`setup: demo:load ${fmtInt(ACCOUNTS)} accounts in ${secs(performance.now() - t)}`);
    // A lockbox day as bench/batches-job.ts sets it up: the same account pays several times, unknown payers go
    // to suspense, and bill-level automatic allocation decides every entry.
    await app.ctx.storage.transaction(async (tx) => {
      for (const key of ['ALLOWACCOUNTDUP', 'NoManualAllocation', 'PaymentSuspense'])
        await tx.run(settingUpsertQuery(key, 'true'));
    });
    // The bank's layout saved once by the admin (the stock CSV has no bill number column, which a lockbox has).
    must(
      await app.dispatch('templates:save', {
        name: TEMPLATE,
        definition: { ...LOCKBOX_TEMPLATE, name: TEMPLATE },
      }),
      'templates:save',
    );
    for (let i = 1; i <= CLERKS; i++)
      must(
        await app.dispatch('operators:add', {
          login: `clerk${i}`,
          name: `Clerk ${i}`,
          password: PASSWORD,
          roles: ['clerk'],
        }),
        `clerk${i}`,
      );
    for (let i = 1; i <= 2; i++)
      must(
        await app.dispatch('operators:add', {
          login: `analyst${i}`,
          name: `Analyst ${i}`,
          password: PASSWORD,
          roles: ['analyst'],
        }),
        `analyst${i}`,
      );
    owners = (
      await app.ctx.storage.transaction(
        (tx) =>
          tx.all<{ id: number }>(
            sql`SELECT id FROM reason_codes WHERE domain_id = 15 AND active = 1 ORDER BY id LIMIT 2`,
          ),
        { readOnly: true },
      )
    ).map((r) => r.id);
    if (owners.length < 2) throw new Error('the ledger has fewer than two action owners (reason domain 15)');

    if (BACKLOG > 0) {
      t = performance.now();
      const file = join(dir, 'backlog.csv');
      writeBacklog(file, BACKLOG, SEED);
      const imported = must<BatchImportDto>(
        await app.dispatch('batches:import-file', {
          file,
          templateName: TEMPLATE,
          payType: 10012,
          currency: 'USD',
        }),
        'backlog import',
      );
      const batchId = imported.batch.id;
      must(await app.dispatch('batches:validate', { batchId }), 'backlog validate');
      const c = must<{ id: number }>(
        await app.dispatch('confirmations:prepare', { operation: 'batches:submit', input: { batchId } }),
        'backlog prepare',
      );
      const s = must<BatchSubmitDto>(
        await app.dispatch('batches:submit', { batchId, confirmationId: c.id }),
        'backlog submit',
      );
      console.log(
        `setup: suspense backlog of ${fmtInt(s.suspended)} payments in ${secs(performance.now() - t)}`,
      );
    }
  } finally {
    app.close();
  }
  const pool = await readPool(target);
  const files: Setup['files'] = [];
  const t = performance.now();
  for (let i = 1; i <= CLERKS; i++) {
    const file = join(dir, `clerk${i}.csv`);
    const copies = Math.round(ENTRIES * DUPLICATE_SHARE);
    // Each clerk's lockbox numbers its checks from its own range: with one range for all, two files could carry
    // the same check for the same bill and amount by chance, which the ledger rightly holds as a duplicate.
    await writeLockbox(file, ENTRIES - copies, pool, SEED * 1000 + i, ACCOUNTS, i * 1_000_000);
    const duplicates = appendDuplicates(file, copies, SEED * 1000 + i);
    files.push({ file, rows: ENTRIES - copies + duplicates, duplicates });
  }
  console.log(
    `setup: ${CLERKS} lockbox files of ${fmtInt(ENTRIES)} entries in ${secs(performance.now() - t)}`,
  );
  return { target, pool, files, owners };
}

// ------------------------------------------------------------------------------------------------- the server

type Server = { child: ChildProcess; url: string; stopped: Promise<number | null>; stderrTail: () => string };

async function startServer(dir: string, target: Target): Promise<Server> {
  const staticDir = join(dir, 'static');
  mkdirSync(staticDir, { recursive: true });
  // The API is what is soaked; the server only needs some pages to start.
  writeFileSync(
    join(staticDir, 'index.html'),
    '<!doctype html><title>Paydesk</title><script src="app.js"></script>',
  );
  const log = createWriteStream(join(dir, 'server.log'));
  const child = spawn(
    process.execPath,
    [
      ...SERVER_NODE_ARGS,
      join(ROOT, 'bin', 'paydesk.cjs'),
      ...ledgerArgs(target),
      '--json',
      'server',
      '--listen',
      '127.0.0.1:0',
    ],
    {
      cwd: ROOT,
      env: { ...process.env, PAYDESK_RENDERER_DIR: staticDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  child.stderr?.on('data', (c: Buffer) => {
    log.write(c);
    tail = (tail + c.toString('utf8')).slice(-4000);
  });
  const stopped = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /"listening":"([^"]+)"/.exec(out);
      if (m) resolve(m[1] as string);
    });
    void stopped.then((code) => reject(new Error(`server exited (${code}): ${out} ${tail}`)));
  });
  return { child, url, stopped, stderrTail: () => tail };
}

// ------------------------------------------------------------------------------------------------- the clerks

/** A refusal that asks to try again: the ledger was busy with someone else's job and nothing changed. */
const isBusy = (r: Result<unknown>): boolean =>
  !r.ok && r.error.code === 'conflict' && r.error.rule === 'ledger-busy';

/**
 * Tries a clerk's step again (up to 10 times) when the server failed it (`internal`), or, after a pause of a few
 * seconds, when it answered `ledger-busy` ("try again in a moment"), as a clerk would.
 */
async function again<T>(step: () => Promise<Result<T>>): Promise<Result<T>> {
  let r = await step();
  for (let n = 1; n < 10 && !r.ok && (r.error.code === 'internal' || isBusy(r)); n++) {
    overBudget();
    await new Promise((resolve) => setTimeout(resolve, isBusy(r) ? 2_000 * n : 200 * n));
    r = await step();
  }
  return r;
}

function overBudget(): void {
  if (performance.now() > deadline)
    throw new Error(`gave up: the time budget (--max-minutes ${BUDGET_MS / 60_000}) is spent`);
}

type ClerkOutcome = {
  clerk: number;
  batchId: number | null;
  rows: number;
  duplicates: number;
  phases: Partial<Record<'import' | 'validate' | 'submit', { start: number; end: number }>>;
  submits: string[];
  /** Validations again after a submit refused because the ledger moved on. */
  revalidations: number;
  error: string | null;
};

async function clerk(i: number, setup: Setup): Promise<ClerkOutcome> {
  const { file, rows, duplicates } = setup.files[i - 1] as Setup['files'][number];
  const out: ClerkOutcome = {
    clerk: i,
    batchId: null,
    rows,
    duplicates,
    phases: {},
    submits: [],
    revalidations: 0,
    error: null,
  };
  const k = (c: string): string => `clerk ${c}`;
  try {
    const session = await signIn(`clerk${i}`);
    let t = performance.now();
    // Upload and import go together: a failed import may have used up the upload.
    const imported = must<BatchImportDto>(
      await again(async () => {
        const up = await upload(k('upload'), session, file, `lockbox-${i}.csv`);
        return call<BatchImportDto>(k('batches:import-file'), session, 'batches:import-file', {
          uploadId: up.uploadId,
          templateName: TEMPLATE,
          payType: 10012,
          currency: 'USD',
          batchNo: `SOAK-${SEED}-${i}`,
        });
      }),
      `clerk${i} import`,
    );
    out.phases.import = { start: t, end: performance.now() };
    const batchId = imported.batch.id;
    out.batchId = batchId;
    t = performance.now();
    must<BatchValidationDto>(
      await again(() => call(k('batches:validate'), session, 'batches:validate', { batchId })),
      `clerk${i} validate`,
    );
    out.phases.validate = { start: t, end: performance.now() };
    t = performance.now();
    const submit = (kind: string, input: Record<string, unknown>): Promise<Result<BatchSubmitDto>> =>
      call<BatchSubmitDto>(k(kind), session, 'batches:submit', { batchId, ...input });
    /** Prepare + confirm, as the CLI's --yes; a failed try leaves its confirmation used, so each try prepares. */
    const confirmationOf = new Map<Result<BatchSubmitDto>, number>();
    const confirmedSubmit = async (kind: string): Promise<Result<BatchSubmitDto>> => {
      const c = await call<{ id: number }>(k('confirmations:prepare'), session, 'confirmations:prepare', {
        operation: 'batches:submit',
        input: { batchId },
      });
      if (!c.ok) return c;
      const r = await submit(kind, { confirmationId: c.value.id });
      confirmationOf.set(r, c.value.id);
      return r;
    };
    const describe = (label: string, r: Result<BatchSubmitDto>): string =>
      r.ok
        ? `${label}: ok, posted ${r.value.posted}, suspended ${r.value.suspended}, already ${r.value.alreadyPosted}, duplicates ${r.value.duplicates}`
        : `${label}: ${outcomeOf(r)} (${r.error.message.slice(0, 160)})`;
    const posted = (r: Result<BatchSubmitDto>): boolean => r.ok && r.value.posted + r.value.suspended > 0;
    let winner: Result<BatchSubmitDto> | undefined;
    // A submit re-checks every entry against the ledger as it is now: when an analyst's move touched an account
    // the batch pays since it was validated, the submit is refused (revalidate) and the clerk validates again.
    for (let round = 1; !winner; round++) {
      let tries: Result<BatchSubmitDto>[];
      if (i === 1 && round === 1) {
        // The same batch submitted twice at once (two tabs, a double click): each with its own confirmation.
        tries = await Promise.all([
          again(() => confirmedSubmit('batches:submit')),
          again(() => confirmedSubmit('batches:submit (concurrent twin)')),
        ]);
        out.submits.push(describe('submit A', tries[0]!), describe('submit B (concurrent)', tries[1]!));
      } else {
        tries = [await again(() => confirmedSubmit('batches:submit'))];
        out.submits.push(describe(`submit (round ${round})`, tries[0]!));
      }
      winner = tries.find(posted);
      if (winner) break;
      // Both twins failed by the server (nothing posted): the clerk tries again.
      if (tries.every((r) => !r.ok && r.error.code === 'internal') && round < 10) continue;
      const refusal = tries.find((r) => !r.ok);
      const stale =
        refusal !== undefined &&
        !refusal.ok &&
        refusal.error.code === 'conflict' &&
        ['revalidate', 'not-validated', 'confirmation-changed'].includes(String(refusal.error.rule));
      if (!stale || round >= 10) throw new Error(`clerk${i} submit: ${out.submits.at(-1) ?? ''}`);
      overBudget();
      out.revalidations++;
      must<BatchValidationDto>(
        await again(() => call(k('batches:validate (again)'), session, 'batches:validate', { batchId })),
        `clerk${i} validate again`,
      );
    }
    out.phases.submit = { start: t, end: performance.now() };
    // The forced retry: the same request again (a client that did not hear the answer), then without the
    // confirmation (a client that starts over). Neither may post anything.
    const id = confirmationOf.get(winner);
    if (id !== undefined)
      out.submits.push(
        describe('retry, same request', await submit('batches:submit (retry)', { confirmationId: id })),
      );
    out.submits.push(describe('retry, no confirmation', await submit('batches:submit (retry)', {})));
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
  }
  return out;
}

// ----------------------------------------------------------------------------------------------- the analysts

/** An analyst's move that the server answered ok: what must be visible in the ledger afterwards. */
type Move =
  | { kind: 'assign'; analyst: number; paymentIds: number[]; owner: number }
  | {
      kind: 'apply' | 'distribute';
      analyst: number;
      paymentId: number;
      result: SuspenseMoveDto;
      targets: string[];
    };

type AnalystOutcome = { moves: Move[]; refused: Map<string, number>; error: string | null };

async function analyst(
  i: number,
  setup: Setup,
  running: () => boolean,
  shared: { hot: number[] },
): Promise<AnalystOutcome> {
  const owner = setup.owners[i - 1] as number;
  const rand = mulberry32(SEED * 97 + i);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const out: AnalystOutcome = { moves: [], refused: new Map(), error: null };
  const refused = (r: Result<unknown>): void => {
    const o = outcomeOf(r);
    out.refused.set(o, (out.refused.get(o) ?? 0) + 1);
  };
  const k = (c: string): string => `analyst ${c}`;
  try {
    const session = await signIn(`analyst${i}`);
    const search = async (label: string, filters: Record<string, unknown>): Promise<SuspenseRowDto[]> => {
      const r = await call<SuspenseSearchDto>(k(`suspense:search (${label})`), session, 'suspense:search', {
        limit: 50,
        ...filters,
      });
      if (!r.ok) {
        refused(r);
        return [];
      }
      return r.value.rows;
    };
    const combos: [string, () => Record<string, unknown>][] = [
      ['queue', () => ({})],
      ['unassigned by amount', () => ({ owner: 'none', sortBy: 'amountMinor', sortDir: 'desc' })],
      ['payer contains', () => ({ payer: `payer ${Math.floor(rand() * 389)}` })],
      [
        'amount range + reason',
        () => ({ minAmount: '10', maxAmount: String(50 + Math.floor(rand() * 400)) }),
      ],
      [
        'account tried',
        () => ({ accountHint: demoAccountNo(ACCOUNTS + 1 + Math.floor(rand() * 9000)).slice(0, 5) }),
      ],
      ['mine', () => ({ owner })],
      ['all states', () => ({ status: ['all'], sortBy: 'effectiveDate', sortDir: 'desc', limit: 20 })],
    ];
    while (running()) {
      // A person between cases (reading the case, calling the payer): --think ms.
      await new Promise((resolve) => setTimeout(resolve, THINK_MS * (0.5 + rand())));
      if (!running()) break;
      // Look around the queue.
      for (let n = 0; n < 2; n++) {
        const [label, make] = pick(combos);
        await search(label, make());
      }
      // Claim a few unassigned cases (both analysts look at the same oldest ones, so claims collide).
      const free = await search('unassigned', { owner: 'none', limit: 10 });
      const claim = free.slice(0, 1 + Math.floor(rand() * 3)).map((r) => r.paymentId);
      if (claim.length > 0) {
        const r = await call<SuspenseMoveDto>(k('suspense:assign'), session, 'suspense:assign', {
          paymentIds: claim,
          owner,
        });
        if (r.ok) out.moves.push({ kind: 'assign', analyst: i, paymentIds: claim, owner });
        else refused(r);
        shared.hot.push(...claim);
        if (shared.hot.length > 50) shared.hot.splice(0, shared.hot.length - 50);
      }
      // Work one case: mostly one of mine, sometimes one the other analyst just claimed (a collision).
      const mine = await search('mine, oldest', { owner, limit: 5 });
      const a = pick(setup.pool.active).no;
      if (rand() < 0.25 && shared.hot.length > 0) {
        // A case claimed a moment ago, maybe by the other analyst, maybe moved already: at most one move wins.
        const paymentId = shared.hot.splice(Math.floor(rand() * shared.hot.length), 1)[0] as number;
        const r = await call<SuspenseMoveDto>(k('suspense:apply'), session, 'suspense:apply', {
          paymentId,
          accountNo: a,
        });
        if (r.ok) out.moves.push({ kind: 'apply', analyst: i, paymentId, result: r.value, targets: [a] });
        else refused(r);
        continue;
      }
      const target: SuspenseRowDto | undefined = mine[0];
      if (!target) continue;
      if (rand() < 0.6 || target.amountMinor < 2) {
        const r = await call<SuspenseMoveDto>(k('suspense:apply'), session, 'suspense:apply', {
          paymentId: target.paymentId,
          accountNo: a,
        });
        if (r.ok)
          out.moves.push({
            kind: 'apply',
            analyst: i,
            paymentId: target.paymentId,
            result: r.value,
            targets: [a],
          });
        else refused(r);
      } else {
        const b = pick(setup.pool.active).no;
        const first = Math.max(1, Math.floor(target.amountMinor / 3));
        const r = await call<SuspenseMoveDto>(k('suspense:distribute'), session, 'suspense:distribute', {
          paymentId: target.paymentId,
          targets: [
            { accountNo: a, amount: decimal(first) },
            { accountNo: b, amount: decimal(target.amountMinor - first) },
          ],
        });
        if (r.ok)
          out.moves.push({
            kind: 'distribute',
            analyst: i,
            paymentId: target.paymentId,
            result: r.value,
            targets: [a, b],
          });
        else refused(r);
      }
    }
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
  }
  return out;
}

// --------------------------------------------------------------------------------------------------- checking

type Check = { name: string; ok: boolean; detail: string };

/** Reads the facts the checks need from the ledger after the server stopped: one snapshot, the same SQL on both. */
async function checkLedger(
  target: Target,
  clerks: ClerkOutcome[],
  analysts: AnalystOutcome[],
): Promise<Check[]> {
  const reader = openReader(target);
  try {
    return await reader.transaction((tx) => checksIn(tx, clerks, analysts), { readOnly: true });
  } finally {
    await reader.close();
  }
}

async function checksIn(tx: Tx, clerks: ClerkOutcome[], analysts: AnalystOutcome[]): Promise<Check[]> {
  const checks: Check[] = [];
  // Clerks: every entry posted, suspended or held as a suspected duplicate; one payment per posted entry.
  let doubles = 0;
  let missing = 0;
  let wrongDuplicates = 0;
  const lines: string[] = [];
  for (const c of clerks) {
    if (c.batchId === null) {
      missing += c.rows;
      lines.push(`clerk${c.clerk}: no batch (${c.error ?? '?'})`);
      continue;
    }
    const byStatus = new Map(
      (
        await tx.all<{ status: string; n: number }>(
          sql`SELECT status, count(*) AS n FROM batch_entries WHERE batch_id = ${c.batchId} GROUP BY status ORDER BY status`,
        )
      ).map((r) => [r.status, r.n]),
    );
    const total = [...byStatus.values()].reduce((s, n) => s + n, 0);
    const posted = (byStatus.get('posted') ?? 0) + (byStatus.get('posted_suspense') ?? 0);
    const held = byStatus.get('duplicate_suspected') ?? 0;
    const paid = (await tx.get<{ payments: number; keys: number; unposted: number | null }>(
      sql`SELECT count(*) AS payments, count(DISTINCT p.source_key) AS keys,
                 sum(CASE WHEN e.status IN ('posted', 'posted_suspense') THEN 0 ELSE 1 END) AS unposted
          FROM payments p JOIN batch_entries e ON e.entry_key = p.source_key WHERE e.batch_id = ${c.batchId}`,
    ))!;
    const ofBatch = (await tx.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM payments
          WHERE batch_id = ${c.batchId} AND kind IN ('original', 'suspended') AND source_key IS NOT NULL`,
    ))!.n;
    doubles += paid.payments - paid.keys + (paid.unposted ?? 0) + Math.max(0, ofBatch - posted);
    missing += c.rows - total + (total - posted - held) + Math.max(0, posted - paid.keys);
    wrongDuplicates += Math.abs(held - c.duplicates);
    lines.push(
      `clerk${c.clerk} batch ${c.batchId}: ${fmtInt(total)} entries (file ${fmtInt(c.rows)}): ${[...byStatus]
        .map(([s, n]) => `${s} ${fmtInt(n)}`)
        .join(
          ', ',
        )}; ${fmtInt(paid.payments)} payments for ${fmtInt(paid.keys)} entry keys, ${fmtInt(ofBatch)} batch payments`,
    );
  }
  checks.push({ name: 'double posts (batch entries) = 0', ok: doubles === 0, detail: `${doubles}` });
  checks.push({
    name: 'entries missing (neither posted, suspended nor held as duplicate) = 0',
    ok: missing === 0,
    detail: `${missing}`,
  });
  checks.push({
    name: 'suspected duplicates = the copied lines',
    ok: wrongDuplicates === 0,
    detail: `${clerks.reduce((s, c) => s + c.duplicates, 0)} copied, off by ${wrongDuplicates}`,
  });
  for (const l of lines) console.log(`  ${l}`);

  // Analysts: no suspended payment moved twice; every ok move visible.
  const moves = analysts.flatMap((a) => a.moves);
  const moved = new Map<number, number>();
  for (const m of moves) if (m.kind !== 'assign') moved.set(m.paymentId, (moved.get(m.paymentId) ?? 0) + 1);
  const twice = [...moved.values()].filter((n) => n > 1).length;
  let twiceInLedger = 0;
  for (const id of moved.keys()) {
    const moves = await tx.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM suspense_events WHERE payment_id = ${id} AND action IN ('apply', 'distribute')`,
    );
    if (moves!.n > 1) twiceInLedger++;
  }
  checks.push({
    name: 'suspended payments moved twice = 0',
    ok: twice === 0 && twiceInLedger === 0,
    detail: `${twice} answered ok twice, ${twiceInLedger} with two moves in their timeline`,
  });
  const ownerNow = async (id: number): Promise<number | null> =>
    (
      await tx.get<{ owner: number | null }>(
        sql`SELECT action_owner AS owner FROM suspense_queue WHERE payment_id = ${id}`,
      )
    )?.owner ?? null;
  let lost = 0;
  const lostWhat: string[] = [];
  for (const m of moves) {
    if (m.kind === 'assign') {
      for (const id of m.paymentIds) {
        const event = await tx.get(
          sql`SELECT 1 AS one FROM suspense_events
              WHERE payment_id = ${id} AND action = 'owner' AND reason_code = ${m.owner} LIMIT 1`,
        );
        if ((await ownerNow(id)) !== m.owner && !event) {
          lost++;
          lostWhat.push(`assign ${id} to ${m.owner}`);
        }
      }
      continue;
    }
    const state = (
      await tx.get<{ state: string }>(sql`SELECT state FROM suspense_queue WHERE payment_id = ${m.paymentId}`)
    )?.state;
    let postedOk = true;
    for (const p of m.result.posted) {
      const row = await tx.get<{ accountNo: string; amountMinor: number }>(
        sql`SELECT a.account_no AS "accountNo", p.amount_minor AS "amountMinor"
            FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ${p.paymentId}`,
      );
      postedOk &&= row !== undefined && row.accountNo === p.accountNo && row.amountMinor === p.amountMinor;
    }
    if (state !== 'distributed' || !postedOk || m.result.posted.length !== m.targets.length) {
      lost++;
      lostWhat.push(`${m.kind} ${m.paymentId} (state ${state ?? 'none'})`);
    }
  }
  // The owner shown is the owner last set (an assign's write never lost to a concurrent one).
  let ownerMismatch = 0;
  for (const id of new Set(moves.flatMap((m) => (m.kind === 'assign' ? m.paymentIds : [])))) {
    const last =
      (
        await tx.get<{ owner: number | null }>(
          sql`SELECT reason_code AS owner FROM suspense_events
              WHERE payment_id = ${id} AND action = 'owner' ORDER BY id DESC LIMIT 1`,
        )
      )?.owner ?? null;
    if ((await ownerNow(id)) !== last) ownerMismatch++;
  }
  checks.push({
    name: 'lost updates (analyst moves answered ok but not in the ledger) = 0',
    ok: lost === 0 && ownerMismatch === 0,
    detail: `${lost} of ${moves.length} moves${lostWhat.length ? ` (${lostWhat.slice(0, 5).join(', ')})` : ''}; ${ownerMismatch} owners differing from their last owner event`,
  });
  // Every job the server ran is on record and ended (the server stopped cleanly, so none is left running).
  const jobs = await tx.all<{ kind: string; status: string; n: number }>(
    sql`SELECT kind, status, count(*) AS n FROM job_runs GROUP BY kind, status ORDER BY kind, status`,
  );
  const open = jobs.filter((j) => j.status === 'running' || j.status === 'interrupted');
  checks.push({
    name: 'jobs on record, none left running or interrupted',
    ok: jobs.length > 0 && open.length === 0,
    detail: jobs.map((j) => `${j.kind} ${j.status} ${fmtInt(j.n)}`).join(', ') || 'no jobs recorded',
  });
  return checks;
}

// ------------------------------------------------------------------------------------------------------ report

function pct(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function printTable(head: string[], rows: string[][]): void {
  const width = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((v, c) => v.padEnd(width[c] as number)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  if (ENTRIES < 10 || CLERKS < 1) throw new Error('--entries must be at least 10 and --clerks at least 1');
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-soak-'));
  // On PostgreSQL the secret key and the uploads are kept in the user data directory: this process, the CLI and
  // the server share the soak's own.
  if (PG_SERVER !== undefined) process.env.PAYDESK_USER_DATA = join(dir, 'data');
  let server: Server | null = null;
  let target: Target | null = null;
  let failed = false;
  try {
    target = await createTarget(dir);
    const where = target.kind === 'sqlite' ? 'SQLite file' : `PostgreSQL database ${target.name}`;
    console.log(
      `Paydesk team server soak: ${CLERKS} clerks x ${fmtInt(ENTRIES)} entries, 2 analysts (pause ${THINK_MS} ms), ${fmtInt(ACCOUNTS)}-account demo ledger, backlog ${fmtInt(BACKLOG)}, seed ${SEED}, ${where}, temp ${dir}`,
    );
    const setup = await setUp(dir, target);
    server = await startServer(dir, target);
    baseUrl = server.url;
    console.log(
      `server: ${server.url} (bin/paydesk.cjs ${ledgerArgs(target)[0]} server, pid ${server.child.pid})`,
    );

    const started = performance.now();
    deadline = started + BUDGET_MS;
    let clerksDone = false;
    const shared = { hot: [] as number[] };
    const analystRuns = [1, 2].map((i) => analyst(i, setup, () => !clerksDone, shared));
    const clerks = await Promise.all(Array.from({ length: CLERKS }, (_, i) => clerk(i + 1, setup)));
    clerksDone = true;
    const analysts = await Promise.all(analystRuns);
    const wallMs = performance.now() - started;

    const adminSession = await signIn(ADMIN);
    const check = await call<LedgerCheckDto>('admin ledger:check', adminSession, 'ledger:check', {});

    server.child.kill('SIGTERM');
    const code = await server.stopped;
    server = null;

    console.log(`\nclerks:`);
    for (const c of clerks) {
      console.log(
        `  clerk${c.clerk}: ${c.error ? `FAILED: ${c.error}` : 'done'}; validated again ${c.revalidations} times`,
      );
      for (const s of c.submits) console.log(`    ${s}`);
    }
    console.log(`analysts:`);
    analysts.forEach((a, n) =>
      console.log(
        `  analyst${n + 1}: ${a.moves.length} moves ok (${['assign', 'apply', 'distribute'].map((k) => `${k} ${a.moves.filter((m) => m.kind === k).length}`).join(', ')}); refused: ${[...a.refused].map(([o, n]) => `${o} ${n}`).join(', ') || 'none'}${a.error ? `; FAILED: ${a.error}` : ''}`,
      ),
    );

    const entries = clerks.reduce((s, c) => s + (c.batchId === null ? 0 : c.rows), 0);
    console.log(`\nwall time ${secs(wallMs)} for ${fmtInt(entries)} entries (${CLERKS} clerks in parallel)`);
    const phaseRows = (['import', 'validate', 'submit'] as const).map((p) => {
      const spans = clerks.flatMap((c) => (c.phases[p] ? [{ ...c.phases[p], rows: c.rows }] : []));
      if (spans.length === 0) return [p, '0', '-', '-', '-'];
      const from = Math.min(...spans.map((s) => s.start));
      const to = Math.max(...spans.map((s) => s.end));
      const rows = spans.reduce((s, x) => s + x.rows, 0);
      const longest = Math.max(...spans.map((s) => s.end - s.start));
      return [
        p,
        `${spans.length}`,
        secs(to - from),
        fmtInt((rows * 1000) / (to - from)),
        fmtInt((ENTRIES * 1000) / longest),
      ];
    });
    printTable(
      ['phase', 'clerks', 'first start to last end', 'entries/s, all clerks', 'entries/s, slowest clerk'],
      phaseRows,
    );

    console.log('');
    const latencyRows = [...samples]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, s]) => {
        const sorted = [...s.ms].sort((a, b) => a - b);
        return [
          kind,
          `${sorted.length}`,
          [...s.outcomes].map(([o, n]) => `${o} ${n}`).join(', '),
          secs(pct(sorted, 0.5)),
          secs(pct(sorted, 0.95)),
          secs(sorted[sorted.length - 1] ?? NaN),
        ];
      });
    printTable(['command', 'n', 'outcomes', 'p50', 'p95', 'max'], latencyRows);

    console.log('\nchecks:');
    const checks = await checkLedger(target, clerks, analysts);
    checks.push({
      name: 'every clerk and analyst finished',
      ok: clerks.every((c) => c.error === null) && analysts.every((a) => a.error === null),
      detail:
        [
          ...clerks.filter((c) => c.error).map((c) => `clerk${c.clerk}`),
          ...analysts.flatMap((a, n) => (a.error ? [`analyst${n + 1}`] : [])),
        ].join(', ') || 'all',
    });
    checks.push({
      name: 'ledger:check over the API clean',
      ok: check.ok && check.value.ok,
      detail: check.ok
        ? `${check.value.violations.length} violations in ${secs(check.value.elapsedMs)}`
        : outcomeOf(check),
    });
    const cli = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'paydesk.cjs'), ...ledgerArgs(target), '--json', 'ledger', 'check'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, PAYDESK_OPERATOR: ADMIN, PAYDESK_PASSWORD: PASSWORD },
      },
    );
    checks.push({
      name: `\`paydesk ${ledgerArgs(target)[0]} ... ledger check\` clean`,
      ok: cli.status === 0,
      detail: `exit ${cli.status}${cli.status === 0 ? '' : `: ${(cli.stdout || cli.stderr).slice(0, 300)}`}`,
    });
    checks.push({ name: 'server stopped cleanly', ok: code === 0, detail: `exit ${code}` });
    const internal = [...samples].flatMap(([kind, s]) => {
      const n = s.outcomes.get('internal') ?? 0;
      return n > 0 ? [`${kind} ${n}`] : [];
    });
    checks.push({
      name: 'commands failed by the server (internal, e.g. "database is locked") = 0',
      ok: internal.length === 0,
      detail: [internal.join(', ') || '0', ...internalMessages.slice(0, 5)].join('; '),
    });
    printTable(
      ['check', 'result', 'detail'],
      checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.detail]),
    );
    failed = checks.some((c) => !c.ok);
  } catch (err) {
    failed = true;
    console.error(err instanceof Error ? err.message : String(err));
    if (server) console.error(`server stderr (tail):\n${server.stderrTail()}`);
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      await server.stopped;
    }
    agent.destroy();
    if (KEEP) console.log(`kept ${dir}${target?.kind === 'postgres' ? ` and database ${target.name}` : ''}`);
    else {
      rmSync(dir, { recursive: true, force: true });
      if (target) await dropTarget(target).catch((err: unknown) => console.error(`drop: ${String(err)}`));
    }
  }
  process.exitCode = failed ? 1 : 0;
}

void main();
