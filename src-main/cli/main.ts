import { Command, CommanderError, Option } from 'commander';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { LedgerOpenError } from '../../db/client';
import { COMMANDS, type CommandName } from '../../src-shared/api/contract';
import { commandInputs } from '../../src-shared/api/inputs';
import type { AppError, Result } from '../../src-shared/api/result';
import type { AccountDetailDto, AccountSearchDto, PaymentHistoryDto } from '../../src-shared/dto/accounts';
import type {
  ArImportSummaryDto,
  DemoSummaryDto,
  LedgerCheckDto,
  LedgerViolationDto,
} from '../../src-shared/dto/app';
import { openApp, osLogin, type App } from '../app-context';
import type { Ledger } from '../../db/client';
import type { LedgerPlace } from '../services/context';
import { openPostgresLedger, pgEncryptRefusal, pgUrlOf } from './postgres';
import { createFirstAdminCli, signInCli, type CliCredentials } from './auth';
import { AppFailure } from '../ledger/errors';
import type { Client } from '../services/identity/client';
import { isFirstRunIn } from '../services/identity/operator-rows';
import { writePrivateFile } from './private-file';
import { defaultLedgerFile } from '../paths';
import { stderrLogger } from '../services/context';
import { PAYDESK_VERSION } from '../version';
import type {
  AccountCreditResultDto,
  AllocationResultDto,
  RecordedPaymentDto,
} from '../../src-shared/dto/allocation';
import { PAY_TYPE } from '../../src-shared/pay-types';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  BatchFileDto,
  BatchImportDto,
  BatchSubmitDto,
  ImportTemplateDto,
  TemplateProposalDto,
} from '../../src-shared/dto/batches';
import {
  humanAccount,
  humanAllocation,
  humanArImport,
  humanBatch,
  humanCheck,
  humanCheckSummary,
  humanDemo,
  humanEntries,
  humanHistory,
  humanSearch,
} from './human';
import { EXIT_CODES, printError, processIo, type CliIo } from './output';
import { activeJobsOf } from '../ipc/handlers';
import { workerJobRunner } from '../jobs/worker-runner';
import { dropUndefined, humanJson, intOption, type CliKit, type GlobalOptions } from './kit';
import { COMMAND_GROUPS } from './commands';
import { humanArPreview } from './commands/desk-ops';
import type { ArPreviewDto } from '../../src-shared/dto/desk-ops';
import { cliLedgerKey, encryptInitRefusal } from './commands/ledger';
import { runConfirmed, withConfirmOptions, type ConfirmFlags } from './confirm';
import { localOnly, openRemoteLedger, serverUrlOf, type RemoteLedger } from './remote';

/** Commands that work on the ledger file itself (or start a server on it): refused with --server. */
const LOCAL_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  'init',
  'ledger encrypt',
  'ledger decrypt',
  'server',
  // The batch is kept in the local ledger; `--to URL` names the server.
  'batch push',
]);

/** A command's name as typed, e.g. "batch submit". */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

const POLICIES = ['standard', 'fifo', 'proportional', 'bill-number', 'largest'];

const PAY_TYPE_ALIASES: Record<string, number> = {
  cash: PAY_TYPE.cash,
  check: PAY_TYPE.check,
  wire: PAY_TYPE.wireTransfer,
  payorder: PAY_TYPE.paymentOrder,
  postal: PAY_TYPE.postalOrder,
};

const PAY_TYPE_ALIASES_ALL: Record<string, number> = { card: PAY_TYPE.creditCard, dd: PAY_TYPE.directDebit };

/** A pay type given by alias (check, cash, wire...) or element id. */
function payTypeOf(
  text: string,
  aliases: Record<string, number> = { ...PAY_TYPE_ALIASES, ...PAY_TYPE_ALIASES_ALL },
): number {
  const alias = aliases[text];
  if (alias !== undefined) return alias;
  if (/^\d+$/.test(text)) return Number(text);
  throw new CommanderError(
    2,
    'paydesk.payType',
    `--pay-type "${text}" is not a pay type here: use ${Object.keys(aliases).join(', ')} or a pay type id`,
  );
}

/** True when the file starts like a Paydesk hand-over file (JSON with format "paydesk-batch"). */
function looksLikeBatchFile(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, 256, 0);
    closeSync(fd);
    return /^\s*\{[\s\S]*"format"\s*:\s*"paydesk-batch"/.test(buf.subarray(0, n).toString('utf8'));
  } catch {
    return false;
  }
}

/** Maps a ledger-open failure to the error shape every front door uses. */
function openError(err: LedgerOpenError): AppError {
  return err.reason === 'newer_version'
    ? { code: 'conflict', message: err.message, rule: 'newer-ledger' }
    : { code: 'validation', message: err.message, issues: [{ path: 'db', message: err.message }] };
}

/**
 * Runs the command-line tool. Every command goes through the same dispatch as IPC; with --json exactly
 * one JSON document is printed on stdout, errors included. Returns the exit code.
 */
export async function runCli(
  argv: string[],
  io: CliIo = processIo,
  opts: { jobs?: 'inline' | 'worker' } = {},
): Promise<number> {
  let exitCode = 0;
  // The real process runs long jobs in a worker thread, so Ctrl+C is heard while they run; in-process callers
  // (tests) and the crash-injection runs (whose crash points count in this thread) run them inline.
  const crashTest = Boolean(process.env.PAYDESK_CRASH_AFTER || process.env.PAYDESK_CRASH_REPORT);
  const jobsInWorker = (opts.jobs ?? (io === processIo && !crashTest ? 'worker' : 'inline')) === 'worker';
  let app: App<LedgerPlace> | undefined;
  let json = argv.includes('--json');
  const program = new Command();

  let rawApp: App<LedgerPlace> | undefined;
  let client: Client | undefined;
  let interruptHandler: (() => void) | undefined;
  let signedIn: Promise<void> | undefined;
  const credentials = (opts: GlobalOptions): CliCredentials => ({
    token: opts.token,
    operator: opts.operator,
    otp: opts.otp,
    defaultLogin: osLogin(),
  });
  /** The one client of this process, signed in on first use (so --help and `api` need no credentials). */
  const signIn = (raw: App<LedgerPlace>, opts: GlobalOptions): Promise<void> => {
    client ??= raw.openClient('cli');
    signedIn ??= signInCli(raw, client, io, credentials(opts));
    return signedIn;
  };
  let remote: RemoteLedger | undefined;
  /** The subcommand being run, for messages about it. */
  let running = '';
  /** Under --server: the App the commands see, whose dispatch goes to the server; the rest is refused. */
  const remoteApp = (url: string, opts: GlobalOptions): App<LedgerPlace> => {
    const r = openRemoteLedger(url, io, credentials(opts));
    remote = r;
    const refused = (): never => {
      throw localOnly(running);
    };
    return {
      get ctx(): never {
        return refused();
      },
      get handlers(): never {
        return refused();
      },
      get uploads(): never {
        return refused();
      },
      openClient: refused,
      lockAll: refused,
      dispatch: (command, input) => r.dispatch(command, input),
      // Events stay on the server; commands print their result when it arrives.
      subscribe: () => () => undefined,
      close: () => undefined,
    };
  };
  /** The local ledger's App, opened once: the SQLite file (--db) or a PostgreSQL database (--pg). */
  let opening: Promise<App<LedgerPlace>> | undefined;
  const withApp = (opts: GlobalOptions): Promise<App<LedgerPlace>> => {
    json = Boolean(opts.json);
    const serverUrl = serverUrlOf(opts);
    if (!app && serverUrl !== undefined) app = remoteApp(serverUrl, opts);
    if (app) return Promise.resolve(app);
    opening ??= openLocal(opts).then((raw) => {
      rawApp = raw;
      // Every command of this process runs as the signed-in client; a failed sign-in is the command's error.
      const signed: App<LedgerPlace> = {
        ...raw,
        dispatch: async (command, input) => {
          try {
            await signIn(raw, opts);
          } catch (err) {
            if (err instanceof AppFailure) return { ok: false, error: err.error };
            throw err;
          }
          return raw.dispatch(command, input, client);
        },
      };
      app = signed;
      signed.subscribe((event, payload) => {
        // Tells a watching script (or test) that a cancellable job is running.
        if (event === 'job:progress' && (payload as { phase: string }).phase === 'starting')
          stderrLogger.info('job started', { ...(payload as { jobId: string; kind: string }) });
      });
      if (io.isTty && !json) {
        signed.subscribe((event, payload) => {
          if (event === 'job:progress') {
            const p = payload as { phase: string; done: number; total: number; ratePerSec: number };
            io.err(`\r${p.phase} ${p.done}/${p.total} (${p.ratePerSec}/s)   `);
          }
        });
      }
      return signed;
    });
    return opening;
  };
  /** Opens the ledger the global options name, without signing in. */
  const openLocal = async (opts: GlobalOptions): Promise<App<LedgerPlace>> => {
    const pgUrl = pgUrlOf(opts);
    if (pgUrl !== undefined) return openPostgresLedger(pgUrl, stderrLogger);
    const file = opts.db ? resolve(opts.db) : defaultLedgerFile();
    const ledgerKey = cliLedgerKey();
    return openApp({
      file,
      log: stderrLogger,
      ...(ledgerKey !== undefined ? { ledgerKey } : {}),
      ...(jobsInWorker
        ? {
            jobs: (c: { ledger: Ledger }) =>
              workerJobRunner(
                c.ledger.file,
                undefined,
                c.ledger.key === undefined ? {} : { key: c.ledger.key },
              ),
          }
        : {}),
    });
  };

  /** Dispatches one command and prints its result; `human` renders the non-JSON form. */
  const run = async <T>(
    cmd: Command,
    command: CommandName,
    input: unknown,
    human: (value: T) => string,
  ): Promise<void> => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const result = (await (await withApp(opts)).dispatch(command, input)) as Result<T>;
    if (!result.ok) {
      exitCode = printError(io, Boolean(opts.json), result.error);
      return;
    }
    io.out(opts.json ? JSON.stringify(result.value) + '\n' : human(result.value));
  };

  program
    .name('paydesk')
    .description('Paydesk payment back office: ledger, batches and collections from the command line')
    .version(PAYDESK_VERSION)
    .option('--db <file>', 'ledger file (default: ledger.sqlite in the user data directory)')
    .option(
      '--pg <url>',
      'a PostgreSQL ledger instead of a file: postgres://user:password@host:port/db (or PAYDESK_PG)',
    )
    .option('--json', 'print exactly one JSON document on stdout')
    .option(
      '--operator <login>',
      'operator login, with PAYDESK_PASSWORD or a typed password (default: the OS user)',
    )
    .option('--token <token>', 'API token for unattended jobs (or PAYDESK_TOKEN)')
    .option('--otp <code>', 'second-factor code when the operator has one (or PAYDESK_OTP)')
    .option(
      '--server <url>',
      'run the command on a team server (`paydesk server`) instead of a local ledger (or PAYDESK_SERVER)',
    )
    .hook('preAction', (_program, action) => {
      running = commandPath(action);
      if (
        serverUrlOf(action.optsWithGlobals<GlobalOptions>()) !== undefined &&
        LOCAL_ONLY_COMMANDS.has(running)
      )
        throw localOnly(running);
    })
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(false);

  program
    .command('init')
    .description('create (or migrate) the ledger file, or with --pg the PostgreSQL ledger')
    .option('--encrypt', 'create the new ledger encrypted with PAYDESK_LEDGER_KEY (SQLCipher)')
    .action(async (o: { encrypt?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const pg = pgUrlOf(opts) !== undefined;
      const file = opts.db ? resolve(opts.db) : defaultLedgerFile();
      const existed = !pg && existsSync(file);
      const refusal = !o.encrypt ? undefined : pg ? pgEncryptRefusal() : encryptInitRefusal(file);
      if (refusal) {
        exitCode = printError(io, Boolean(opts.json), refusal);
        return;
      }
      const a = await withApp(opts);
      const raw = rawApp!;
      let firstRun = false;
      try {
        if (await raw.ctx.storage.transaction(isFirstRunIn, { readOnly: true })) {
          firstRun = true;
          client ??= raw.openClient('cli');
          await createFirstAdminCli(raw, client, io, credentials(opts));
          signedIn = Promise.resolve();
        } else {
          const r = await a.dispatch('auth:status', {});
          if (!r.ok) throw new AppFailure(r.error);
        }
      } catch (err) {
        if (!(err instanceof AppFailure)) throw err;
        exitCode = printError(io, Boolean(opts.json), err.error);
        return;
      }
      const value = {
        database: raw.ctx.storage.dialect,
        // A PostgreSQL ledger is no file: null there (its URL carries a password, so it is not printed).
        ledgerFile: pg ? null : a.ctx.ledger.file,
        // On PostgreSQL "new" is a database with no operator yet (its schema may have been migrated before).
        created: pg ? firstRun : !existed,
        operator: client?.principal?.operator ?? null,
      };
      io.out(
        opts.json
          ? JSON.stringify(value) + '\n'
          : `Ledger ready: ${value.ledgerFile ?? 'PostgreSQL'}${value.created ? ' (new)' : ''}\n`,
      );
    });

  program
    .command('demo')
    .description('load deterministic demo receivables into an empty ledger')
    .addOption(
      new Option('--accounts <n>', 'number of accounts (1 to 1,000,000)').argParser(intOption).default(1000),
    )
    .addOption(new Option('--seed <s>', 'random seed').argParser(intOption).default(1))
    .action((o: { accounts: number; seed: number }, cmd: Command) =>
      run<DemoSummaryDto>(cmd, 'demo:load', { accounts: o.accounts, seed: o.seed }, humanDemo),
    );

  const ar = program.command('ar').description('receivables from the billing system');
  ar.command('import')
    .description('import accounts, bill units, bills and items CSV files (all or nothing)')
    .option('--accounts <file>', 'accounts.csv')
    .option('--bill-units <file>', 'bill_units.csv')
    .option('--bills <file>', 'bills.csv')
    .option('--items <file>', 'items.csv')
    .option('--preview', 'check every file in full and report counts and every problem; import nothing')
    .action(
      async (
        o: { accounts?: string; billUnits?: string; bills?: string; items?: string; preview?: boolean },
        cmd: Command,
      ) => {
        const abs = (f?: string): string | undefined => (f === undefined ? undefined : resolve(f));
        const input = Object.fromEntries(
          Object.entries({
            accountsFile: abs(o.accounts),
            billUnitsFile: abs(o.billUnits),
            billsFile: abs(o.bills),
            itemsFile: abs(o.items),
          }).filter(([, v]) => v !== undefined),
        );
        if (o.preview) {
          const opts = cmd.optsWithGlobals<GlobalOptions>();
          const r = (await (await withApp(opts)).dispatch('ar:preview', input)) as Result<ArPreviewDto>;
          if (!r.ok) {
            exitCode = printError(io, Boolean(opts.json), r.error);
            return;
          }
          io.out(opts.json ? JSON.stringify(r.value) + '\n' : humanArPreview(r.value));
          // A preview that finds problems fails as the import would (exit 2), with the report printed.
          if (!r.value.ok) exitCode = EXIT_CODES.validation;
          return;
        }
        return run<ArImportSummaryDto>(cmd, 'ar:import', input, humanArImport);
      },
    );

  const account = program.command('account').description('customer accounts');
  account
    .command('show <accountNo>')
    .description('balance, bill units, open bills, payment status and billing cycle of an account')
    .action((accountNo: string, _o, cmd: Command) =>
      run<AccountDetailDto>(cmd, 'accounts:show', { accountNo }, humanAccount),
    );
  account
    .command('search <query>')
    .description('find accounts by number or name (prefix by default)')
    .option('--contains', 'match anywhere in number or name')
    .addOption(new Option('--limit <n>', 'maximum rows').argParser(intOption).default(50))
    .action((query: string, o: { contains?: boolean; limit: number }, cmd: Command) =>
      run<AccountSearchDto>(
        cmd,
        'accounts:search',
        { query, mode: o.contains ? 'contains' : 'prefix', limit: o.limit },
        humanSearch,
      ),
    );
  account
    .command('history <accountNo>')
    .description('payment history of an account')
    .option('--from <date>', 'first effective date (yyyy-MM-dd)')
    .option('--to <date>', 'last effective date (yyyy-MM-dd)')
    .addOption(new Option('--limit <n>', 'page size').argParser(intOption).default(50))
    .addOption(new Option('--offset <n>', 'rows to skip').argParser(intOption).default(0))
    .action(
      (accountNo: string, o: { from?: string; to?: string; limit: number; offset: number }, cmd: Command) =>
        run<PaymentHistoryDto>(cmd, 'accounts:payment-history', { accountNo, ...o }, humanHistory),
    );

  account
    .command('credit <accountNo>')
    .description("allocate the account's unallocated credit to its open bills")
    .addOption(new Option('--to-bills <policy>', 'allocation policy').choices(POLICIES).default('fifo'))
    .action((accountNo: string, o: { toBills: string }, cmd: Command) =>
      run<AccountCreditResultDto>(
        cmd,
        'allocation:account-credit',
        { accountNo, policy: o.toBills },
        humanJson,
      ),
    );

  const allocate = program
    .command('allocate')
    .description('allocate a posted payment by policy or to given bills/items; `allocate undo` reverses it')
    .argument('<paymentId>', 'payment id', intOption)
    .addOption(new Option('--policy <policy>', 'automatic policy').choices(POLICIES))
    .option('--bill <NO=AMOUNT...>', 'allocate AMOUNT to bill NO (repeatable)')
    .option('--item <ID=AMOUNT...>', 'allocate AMOUNT to item ID (repeatable)')
    .option('--token <token>', 'fail if the account changed since this token (from allocation:view)')
    .action(
      (
        paymentId: number,
        o: { policy?: string; bill?: string[]; item?: string[]; token?: string },
        cmd: Command,
      ) => {
        const pairs = (
          list: string[] | undefined,
          key: 'billNo' | 'itemNo',
        ): Record<string, string>[] | undefined =>
          list?.map((pair) => {
            const at = pair.lastIndexOf('=');
            return { [key]: at > 0 ? pair.slice(0, at) : pair, amount: at > 0 ? pair.slice(at + 1) : '' };
          });
        const input = {
          paymentId,
          ...(o.policy ? { policy: o.policy } : {}),
          ...(o.bill ? { bills: pairs(o.bill, 'billNo') } : {}),
          ...(o.item ? { items: pairs(o.item, 'itemNo') } : {}),
          ...(o.token ? { token: o.token } : {}),
        };
        return run<AllocationResultDto>(cmd, 'allocation:apply', input, humanAllocation);
      },
    );
  allocate
    .command('undo')
    .description('undo every allocation of a payment, with a reason code')
    .argument('<paymentId>', 'payment id', intOption)
    .requiredOption('--reason <code>', 'reason code', intOption)
    .action((paymentId: number, o: { reason: number }, cmd: Command) =>
      run<AllocationResultDto>(cmd, 'allocation:undo', { paymentId, reasonCode: o.reason }, humanAllocation),
    );

  const payment = program.command('payment').description('single payments outside a batch');
  payment
    .command('record <accountNo> <amount>')
    .description('record an external payment (check by default) and allocate it by the configured policy')
    .option('--currency <code>', 'payment currency (default: the account currency)')
    .option('--date <date>', 'effective date (yyyy-MM-dd, default today)')
    .addOption(
      new Option('--pay-type <type>', 'cash, check, wire, payorder, postal or an element id').default(
        'check',
      ),
    )
    .option('--ref <text>', 'external reference')
    .option('--bill <billNo>', 'bill number quoted by the payer')
    .option('--payer <name>', 'payer name')
    .option('--key <key>', 'idempotency key (a repeat with the same key posts nothing)')
    .option('--no-allocate', 'leave the payment as unallocated credit')
    .action(
      (
        accountNo: string,
        amount: string,
        o: {
          currency?: string;
          date?: string;
          payType: string;
          ref?: string;
          bill?: string;
          payer?: string;
          key?: string;
          allocate: boolean;
        },
        cmd: Command,
      ) => {
        // Only the external pay types have aliases here: a card or direct debit is collected, not recorded.
        const payType = payTypeOf(o.payType, PAY_TYPE_ALIASES);
        const input = {
          accountNo,
          amount,
          payType,
          allocate: o.allocate ? 'auto' : 'none',
          ...(o.currency ? { currency: o.currency } : {}),
          ...(o.date ? { effectiveDate: o.date } : {}),
          ...(o.ref ? { externalRef: o.ref } : {}),
          ...(o.bill ? { billNo: o.bill } : {}),
          ...(o.payer ? { payerName: o.payer } : {}),
          ...(o.key ? { sourceKey: o.key } : {}),
        };
        return run<RecordedPaymentDto>(cmd, 'payments:record', input, humanJson);
      },
    );
  payment
    .command('allocations')
    .description('where a payment went: its allocation rows')
    .argument('<paymentId>', 'payment id', intOption)
    .action((paymentId: number, _o, cmd: Command) =>
      run<unknown>(cmd, 'payments:allocations', { paymentId }, humanJson),
    );
  program
    .command('bill')
    .description('bills')
    .command('payments <billNo>')
    .description('what paid a bill')
    .action((billNo: string, _o, cmd: Command) => run<unknown>(cmd, 'bills:payments', { billNo }, humanJson));

  const batch = program.command('batch').description('Payment Tool batches: payments, refunds and reversals');
  batch
    .command('create')
    .description('create an open batch')
    .addOption(
      new Option('--type <type>', 'batch type').choices(['payment', 'refund', 'reversal']).default('payment'),
    )
    .addOption(
      new Option(
        '--pay-type <type>',
        'cash, check, wire, payorder, postal, card, dd or an element id',
      ).default('check'),
    )
    .requiredOption('--currency <code>', 'batch currency (ISO 4217)')
    .addOption(new Option('--channel <n>', 'payment channel id').argParser(intOption).default(0))
    .addOption(
      new Option('--level <level>', 'allocation level, fixed for the batch')
        .choices(['bill', 'item'])
        .default('bill'),
    )
    .option('--batch-no <no>', 'batch number (default: generated)')
    .option('--lockbox <no>', 'lockbox number')
    .option('--date <date>', 'batch date (yyyy-MM-dd)')
    .addOption(new Option('--control-count <n>', 'expected number of entries').argParser(intOption))
    .option('--control-total <amount>', 'expected total amount')
    .option('--note <text>', 'free note')
    .action(
      (
        o: {
          type: string;
          payType: string;
          currency: string;
          channel: number;
          level: string;
          batchNo?: string;
          lockbox?: string;
          date?: string;
          controlCount?: number;
          controlTotal?: string;
          note?: string;
        },
        cmd: Command,
      ) =>
        run<BatchDto>(
          cmd,
          'batches:create',
          dropUndefined({
            batchType: o.type,
            payType: payTypeOf(o.payType),
            currency: o.currency,
            channelId: o.channel,
            allocationLevel: o.level,
            batchNo: o.batchNo,
            lockboxNo: o.lockbox,
            batchDate: o.date,
            controlCount: o.controlCount,
            controlTotal: o.controlTotal,
            note: o.note,
          }),
          humanBatch,
        ),
    );
  batch
    .command('list')
    .description('batches, newest first')
    .addOption(
      new Option('--status <status>', 'only this status').choices([
        'open',
        'validated',
        'submitted',
        'discarded',
      ]),
    )
    .addOption(new Option('--limit <n>', 'page size').argParser(intOption).default(50))
    .addOption(new Option('--offset <n>', 'rows to skip').argParser(intOption).default(0))
    .action((o: { status?: string; limit: number; offset: number }, cmd: Command) =>
      run<{ rows: BatchDto[]; total: number }>(cmd, 'batches:list', dropUndefined(o), (v) =>
        v.rows.map(humanBatch).join('\n'),
      ),
    );
  batch
    .command('show')
    .description('a batch with its zero-proof figures; --entries adds the entries')
    .argument('<batchId>', 'batch id', intOption)
    .option('--entries', 'include the entries')
    .addOption(new Option('--status <status...>', 'only entries with these statuses'))
    .option('--custom <field=value>', 'only entries whose custom field contains the value (ignoring case)')
    .option('--exact', 'with --custom: the whole value must match')
    .action(
      async (
        batchId: number,
        o: { entries?: boolean; status?: string[]; custom?: string; exact?: boolean },
        cmd: Command,
      ) => {
        if (!o.entries) return run<BatchDto>(cmd, 'batches:get', { batchId }, humanBatch);
        const opts = cmd.optsWithGlobals<GlobalOptions>();
        const a = await withApp(opts);
        const head = (await a.dispatch('batches:get', { batchId })) as Result<BatchDto>;
        if (!head.ok) {
          exitCode = printError(io, Boolean(opts.json), head.error);
          return;
        }
        const eq = o.custom?.indexOf('=') ?? -1;
        const custom =
          o.custom === undefined
            ? undefined
            : {
                field: eq < 0 ? o.custom : o.custom.slice(0, eq),
                value: eq < 0 ? '' : o.custom.slice(eq + 1),
                match: o.exact ? 'exact' : 'contains',
              };
        const page = (await a.dispatch(
          'batches:entries',
          dropUndefined({ batchId, startRow: 0, endRow: 5000, status: o.status, custom }),
        )) as Result<BatchEntriesPageDto>;
        if (!page.ok) {
          exitCode = printError(io, Boolean(opts.json), page.error);
          return;
        }
        io.out(
          opts.json
            ? JSON.stringify({ ...head.value, entries: page.value.rows }) + '\n'
            : humanBatch(head.value) + humanEntries(page.value.rows),
        );
      },
    );
  batch
    .command('add')
    .description('key one entry into a batch')
    .argument('<batchId>', 'batch id', intOption)
    .option('--account <no>', 'account number')
    .option('--bill <no>', 'bill number')
    .option('--amount <amount>', 'amount (decimal)')
    .option('--date <date>', 'payment date (yyyy-MM-dd)')
    .option('--check <no>', 'check number')
    .option('--payer <name>', 'payer name')
    .option('--ref <text>', 'reference')
    .addOption(new Option('--payment <id>', 'payment id to reverse (reversal batches)').argParser(intOption))
    .option(
      '--reason <code>',
      'refund reason code, domain 18 (refund batches; default: setting refund.defaultReason)',
    )
    .action(
      (
        batchId: number,
        o: {
          reason?: string;
          account?: string;
          bill?: string;
          amount?: string;
          date?: string;
          check?: string;
          payer?: string;
          ref?: string;
          payment?: number;
        },
        cmd: Command,
      ) =>
        run<BatchEntryDto[]>(
          cmd,
          'batches:save-entries',
          {
            batchId,
            entries: [
              dropUndefined({
                accountNo: o.account,
                billNo: o.bill,
                amount: o.amount,
                paymentDate: o.date,
                checkNo: o.check,
                payerName: o.payer,
                reference: o.ref,
                paymentRef: o.payment,
                custom: o.reason === undefined ? undefined : { reasonCode: o.reason },
              }),
            ],
          },
          humanEntries,
        ),
    );
  batch
    .command('validate')
    .description('validate every entry (statuses, allocation, suspense candidates)')
    .argument('<batchId>', 'batch id', intOption)
    .action((batchId: number, _o, cmd: Command) =>
      run<{ batch: BatchDto }>(cmd, 'batches:validate', { batchId }, (v) => humanBatch(v.batch)),
    );
  batch
    .command('suspend')
    .description('suspend an entry by hand with a reason code (--release returns it to validation)')
    .argument('<batchId>', 'batch id', intOption)
    .argument('<entryId>', 'entry id', intOption)
    .addOption(new Option('--reason <code>', 'suspense reason code').argParser(intOption))
    .option('--release', 'undo a manual suspension')
    .action((batchId: number, entryId: number, o: { reason?: number; release?: boolean }, cmd: Command) => {
      if (!o.release && o.reason === undefined) {
        exitCode = printError(io, json, {
          code: 'validation',
          message: 'give --reason CODE (or --release)',
          issues: [{ path: 'reason', message: 'required' }],
        });
        return;
      }
      return run<BatchEntryDto>(
        cmd,
        'batches:suspend-entry',
        { batchId, entryId, reasonCode: o.release ? null : o.reason },
        (e) => humanEntries([e]),
      );
    });
  batch
    .command('release-duplicate')
    .description(
      'let a suspected duplicate post (supervisors): a reason code of domain 20 and an optional note',
    )
    .argument('<batchId>', 'batch id', intOption)
    .argument('<entryId>', 'entry id', intOption)
    .addOption(
      new Option('--reason <code>', 'release reason code (domain 20)')
        .argParser(intOption)
        .makeOptionMandatory(),
    )
    .option('--note <text>', 'free text kept on the entry and in the audit log')
    .action((batchId: number, entryId: number, o: { reason: number; note?: string }, cmd: Command) =>
      run<BatchEntryDto>(
        cmd,
        'batches:release-duplicate',
        dropUndefined({ batchId, entryId, reasonCode: o.reason, note: o.note }),
        (e) => humanEntries([e]),
      ),
    );
  batch
    .command('exception')
    .description('move every invalid entry into a new exception batch linked to this one')
    .argument('<batchId>', 'batch id', intOption)
    .action((batchId: number, _o, cmd: Command) =>
      run<{ exception: BatchDto; moved: number }>(
        cmd,
        'batches:exception',
        { batchId },
        (v) => `Moved ${v.moved} entries to\n${humanBatch(v.exception)}`,
      ),
    );
  withConfirmOptions(
    batch
      .command('submit')
      .description(
        'post the batch (all or nothing; a resubmit never posts twice); over confirm.submitAboveAmount it shows the totals and asks first',
      )
      .argument('<batchId>', 'batch id', intOption)
      .addOption(
        new Option(
          '--override-reason <code>',
          'submit although the zero-proof figures differ: a reason code of domain 19 (zeroProof.override setting, supervisors)',
        ).argParser(intOption),
      )
      .option('--override-note <text>', 'free text kept with the override in the audit log'),
  ).action(
    (batchId: number, o: { overrideReason?: number; overrideNote?: string } & ConfirmFlags, cmd: Command) =>
      runConfirmed<BatchSubmitDto>(
        kit,
        cmd,
        'batches:submit',
        dropUndefined({ batchId, overrideReasonCode: o.overrideReason, overrideNote: o.overrideNote }),
        o,
        (v) =>
          `Posted ${v.posted}, suspended ${v.suspended}, reversed ${v.reversed}, refunded ${v.refunded}${v.alreadyPosted ? ` (already posted: ${v.alreadyPosted})` : ''}${v.failed.map((f) => `\n  entry #${f.seq} not posted: ${f.message}`).join('')}\n${humanBatch(v.batch)}`,
      ),
  );
  batch
    .command('discard')
    .description('discard an unsubmitted batch')
    .argument('<batchId>', 'batch id', intOption)
    .action((batchId: number, _o, cmd: Command) =>
      run<BatchDto>(cmd, 'batches:discard', { batchId }, humanBatch),
    );
  batch
    .command('export')
    .description('write the batch to a hand-over file (JSON) to continue elsewhere')
    .argument('<batchId>', 'batch id', intOption)
    .argument('<file>', 'file to write')
    .action(async (batchId: number, file: string, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const r = (await (await withApp(opts)).dispatch('batches:export', { batchId })) as Result<BatchFileDto>;
      if (!r.ok) {
        exitCode = printError(io, Boolean(opts.json), r.error);
        return;
      }
      writePrivateFile(resolve(file), JSON.stringify(r.value, null, 2) + '\n');
      const summary = {
        file: resolve(file),
        batchNo: r.value.batch.batchNo,
        entries: r.value.entries.length,
      };
      io.out(
        opts.json
          ? JSON.stringify(summary) + '\n'
          : `Wrote ${summary.entries} entries of ${summary.batchNo} to ${summary.file}\n`,
      );
    });
  batch
    .command('load')
    .description('open a batch from a hand-over file written by `batch export`')
    .argument('<file>', 'hand-over file')
    .action((file: string, _o, cmd: Command) =>
      run<BatchDto>(cmd, 'batches:import-batch-file', { file: resolve(file) }, humanBatch),
    );

  type ImportOptions = {
    type: string;
    payType: string;
    template?: string;
    format?: string;
    delimiter?: string;
    columns?: string;
    dateFormat?: string;
    headerLines?: number;
    footerLines?: number;
    hasHeader?: boolean;
    encoding?: string;
    decimalComma?: boolean;
    thousands?: string;
    impliedDecimals?: number;
    currency?: string;
    channel: number;
    level: string;
    batchNo?: string;
    lockbox?: string;
    date?: string;
    controlCount?: number;
    controlTotal?: string;
    force?: boolean;
    preview?: boolean;
    saveTemplate?: string;
  };
  /** Builds an inline template from the layout options (`--columns a,b,...` or `name:start:length,...` for fixed). */
  const inlineTemplate = (o: ImportOptions): Record<string, unknown> => {
    const format = o.format ?? (o.delimiter ? 'delimited' : 'delimited');
    const columns = (o.columns ?? '')
      .split(',')
      .map((c, index) => {
        const [field, start, length] = c.trim().split(':');
        if (!field) return null;
        return format === 'fixed'
          ? { field, start: Number(start), length: Number(length) }
          : { field, index };
      })
      .filter((c) => c !== null);
    const delimiter =
      o.delimiter === '\\t' || o.delimiter === 'tab' ? '\t' : o.delimiter === 'space' ? ' ' : o.delimiter;
    return dropUndefined({
      name: o.saveTemplate ?? 'inline',
      format,
      delimiter: format === 'delimited' ? (delimiter ?? ',') : undefined,
      columns: format === 'bai2' ? [] : columns,
      dateFormat: format === 'bai2' ? undefined : (o.dateFormat ?? 'MM/dd/yyyy'),
      headerLines: o.headerLines,
      footerLines: o.footerLines,
      hasColumnHeader: o.hasHeader,
      encoding: o.encoding,
      decimalSeparator: o.decimalComma ? ',' : undefined,
      thousandsSeparator: o.thousands,
      impliedDecimals: o.impliedDecimals,
    });
  };
  batch
    .command('import')
    .description(
      'import a bank file (delimited, fixed-width, BAI2; a camt.053 statement is recognised by content) into a new batch, or reopen a `batch export` file',
    )
    .argument('<file>', 'bank file or hand-over file')
    .addOption(
      new Option('--type <type>', 'batch type').choices(['payment', 'refund', 'reversal']).default('payment'),
    )
    .addOption(
      new Option(
        '--pay-type <type>',
        'cash, check, wire, payorder, postal, card, dd or an element id',
      ).default('check'),
    )
    .option('--template <name>', 'a saved import template')
    .addOption(new Option('--format <format>', 'file layout').choices(['delimited', 'fixed', 'bai2']))
    .option('--delimiter <c>', 'any single character; "tab" and "space" are understood')
    .option(
      '--columns <list>',
      'field per column: accountNo,billNo,amount,paymentDate,checkNo,payerName,reference,paymentId,custom:<name> (fixed: field:start:length)',
    )
    .option('--date-format <f>', 'MM/dd/yyyy, dd/MM/yyyy, dd.MM.yyyy, yyyy-MM-dd, ...')
    .addOption(new Option('--header-lines <n>', 'lines before the data').argParser(intOption))
    .addOption(new Option('--footer-lines <n>', 'lines after the data').argParser(intOption))
    .option('--has-header', 'the first data line holds column titles')
    .addOption(
      new Option('--encoding <e>', 'text encoding').choices([
        'auto',
        'utf-8',
        'utf-16le',
        'utf-16be',
        'windows-1252',
        'ebcdic',
      ]),
    )
    .option('--decimal-comma', 'amounts use a decimal comma')
    .option('--thousands <c>', 'thousands separator')
    .addOption(
      new Option('--implied-decimals <n>', 'amounts are digits only; the last N are decimals').argParser(
        intOption,
      ),
    )
    .option('--currency <code>', 'batch currency (default: the one currency the file states, else USD)')
    .addOption(new Option('--channel <n>', 'payment channel id').argParser(intOption).default(0))
    .addOption(new Option('--level <level>', 'allocation level').choices(['bill', 'item']).default('bill'))
    .option('--batch-no <no>', 'batch number')
    .option('--lockbox <no>', 'lockbox number (default: from the file header)')
    .option('--date <date>', 'batch date (default: from the file header)')
    .addOption(
      new Option('--control-count <n>', 'expected entries (default: from header/footer)').argParser(
        intOption,
      ),
    )
    .option('--control-total <amount>', 'expected total (default: from header/footer)')
    .option('--force', 'import a file that was imported before')
    .option('--preview', 'show the first rows and every problem; stage nothing')
    .option('--save-template <name>', 'save the layout options as a named template')
    .action(async (file: string, o: ImportOptions, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const path = resolve(file);
      if (looksLikeBatchFile(path))
        return run<BatchDto>(cmd, 'batches:import-batch-file', { file: path }, humanBatch);
      const a = await withApp(opts);
      // Without a template or a layout the services detect the format (a sure proposal is used, else they ask).
      const templateSource = o.template
        ? { templateName: o.template }
        : o.format || o.columns
          ? { template: inlineTemplate(o) }
          : {};
      const payType = payTypeOf(o.payType);
      const json = Boolean(opts.json);
      // The layout is saved only once the file was read with it, so a refused import leaves no template behind.
      const result = o.preview
        ? await a.dispatch('batches:preview-file', {
            file: path,
            currency: o.currency ?? 'USD',
            ...templateSource,
          })
        : await a.dispatch(
            'batches:import-file',
            dropUndefined({
              file: path,
              ...templateSource,
              batchType: o.type,
              payType,
              currency: o.currency,
              channelId: o.channel,
              allocationLevel: o.level,
              batchNo: o.batchNo,
              lockboxNo: o.lockbox,
              batchDate: o.date,
              controlCount: o.controlCount,
              controlTotal: o.controlTotal,
              force: Boolean(o.force),
            }),
          );
      if (!result.ok) {
        exitCode = printError(io, json, result.error);
        return;
      }
      if (o.saveTemplate && 'template' in templateSource) {
        const saved = await a.dispatch('templates:save', {
          name: o.saveTemplate,
          definition: (templateSource as { template: unknown }).template,
        });
        if (!saved.ok) {
          exitCode = printError(io, json, saved.error);
          return;
        }
      }
      if (json) return io.out(JSON.stringify(result.value) + '\n');
      if (o.preview) return io.out(JSON.stringify(result.value, null, 2) + '\n');
      const v = result.value as BatchImportDto;
      io.out(`Imported ${v.rows} rows (${v.invalid} with problems)\n${humanBatch(v.batch)}`);
    });

  const template = program.command('template').description('import templates (column mappings per bank)');
  template
    .command('list')
    .description('saved import templates')
    .action((_o, cmd: Command) =>
      run<ImportTemplateDto[]>(
        cmd,
        'templates:list',
        {},
        (v) => v.map((t) => `${t.name}${t.bank ? ` (${t.bank})` : ''}`).join('\n') + '\n',
      ),
    );
  template
    .command('save <name> <file>')
    .description('save a template from a JSON file (see README, Bank files)')
    .option('--bank <bank>', 'bank name')
    .action((name: string, file: string, o: { bank?: string }, cmd: Command) => {
      let definition: unknown;
      try {
        definition = JSON.parse(readFileSync(resolve(file), 'utf8'));
      } catch (err) {
        exitCode = printError(io, json, {
          code: 'validation',
          message: `${file}: ${(err as Error).message}`,
          issues: [{ path: 'file', message: 'not readable JSON' }],
        });
        return;
      }
      return run<ImportTemplateDto>(
        cmd,
        'templates:save',
        dropUndefined({ name, bank: o.bank, definition }),
        (t) => `Saved template ${t.name}\n`,
      );
    });

  template
    .command('detect <file>')
    .description('rank the templates by how well each reads the file (confidence 0..1 and why)')
    .action((file: string, _o, cmd: Command) =>
      run<TemplateProposalDto[]>(cmd, 'templates:detect', { file: resolve(file) }, (v) =>
        v.length === 0
          ? 'No templates\n'
          : v
              .map((p) => `${String(Math.round(p.confidence * 100)).padStart(3)}%  ${p.name}  (${p.why})`)
              .join('\n') + '\n',
      ),
    );

  const kit: CliKit = {
    program,
    io,
    run,
    withApp,
    setExitCode: (code) => {
      exitCode = code;
    },
    onInterrupt: (handler) => {
      interruptHandler = handler;
    },
    handlesSigint: jobsInWorker,
  };
  for (const register of COMMAND_GROUPS) register(kit);

  // The group may already hold encrypt/decrypt (commands/ledger.ts).
  const ledger = (
    program.commands.find((c) => c.name() === 'ledger') ?? program.command('ledger')
  ).description('ledger integrity and encryption');
  ledger
    .command('check')
    .description('verify every ledger invariant and print each violation (exit 1 when any)')
    .addOption(new Option('--max <n>', 'stop after this many violations').argParser(intOption).default(1000))
    .action(async (o: { max: number }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const checking = await withApp(opts);
      // Human output prints each violation as the check finds it; --json prints one document at the end.
      let streamed = 0;
      const stop = opts.json
        ? () => undefined
        : checking.subscribe((event, payload) => {
            if (event !== 'ledger:violation') return;
            const v = payload as LedgerViolationDto;
            if (streamed++ === 0) io.out('Ledger check violations, as found:\n');
            io.out(`  [${v.rule}] ${v.message}\n`);
          });
      let result: Result<LedgerCheckDto>;
      try {
        result = (await checking.dispatch('ledger:check', {
          maxViolations: o.max,
        })) as Result<LedgerCheckDto>;
      } finally {
        stop();
      }
      if (!result.ok) {
        exitCode = printError(io, Boolean(opts.json), result.error);
        return;
      }
      const c = result.value;
      io.out(opts.json ? JSON.stringify(c) + '\n' : streamed > 0 ? humanCheckSummary(c) : humanCheck(c));
      if (!c.ok) exitCode = 1;
    });

  program
    .command('api')
    .description('list every command with the JSON schema of its input')
    .action((_o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const commands = COMMANDS.map((name) => ({
        name,
        input: z.toJSONSchema(commandInputs[name], { io: 'input', unrepresentable: 'any' }),
      }));
      io.out(
        opts.json
          ? JSON.stringify({ commands }) + '\n'
          : commands.map((c) => `${c.name}\n  ${JSON.stringify(c.input)}`).join('\n') + '\n',
      );
    });

  program
    .command('call <command> [json]')
    .description('invoke any command with a JSON input, through the same parse-and-dispatch path as IPC')
    .action(async (command: string, jsonText: string | undefined, _o, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      let input: unknown = {};
      if (jsonText !== undefined) {
        try {
          input = JSON.parse(jsonText);
        } catch (err) {
          exitCode = printError(io, Boolean(opts.json), {
            code: 'validation',
            message: `the input is not valid JSON: ${(err as Error).message}`,
            issues: [{ path: '(input)', message: 'not valid JSON' }],
          });
          return;
        }
      }
      await run<unknown>(cmd, command as CommandName, input, (v) => JSON.stringify(v, null, 2) + '\n');
    });

  // Ctrl+C: the first cancels the running job (it rolls back and the command prints the cancelled error),
  // a second one, or one while no job runs, quits at once (an uncommitted transaction is simply discarded).
  let interrupted = false;
  const onSigint = (): void => {
    if (interruptHandler) {
      interruptHandler();
      return;
    }
    const running = rawApp ? activeJobsOf(rawApp.ctx).running() : [];
    if (interrupted || running.length === 0 || !app) {
      io.err('\n');
      process.exit(EXIT_CODES.cancelled);
    }
    interrupted = true;
    io.err('\ncancelling... (Ctrl+C again to quit at once)\n');
    for (const job of running) void app.dispatch('jobs:cancel', { jobId: job.jobId });
  };
  if (jobsInWorker) process.on('SIGINT', onSigint);
  try {
    // With --json even the version is a JSON document, so scripts can parse every answer the same way.
    if (json && argv.slice(2).some((a) => a === '--version' || a === '-V')) {
      io.out(JSON.stringify({ version: PAYDESK_VERSION }) + '\n');
      return 0;
    }
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version')
        return 0;
      if (err.code === 'commander.help') {
        // A command group run without its subcommand: commander printed the usage on stderr.
        const message = 'a subcommand is needed: the usage lists them (add --help for details)';
        return printError(io, json, {
          code: 'validation',
          message,
          issues: [{ path: 'arguments', message }],
        });
      }
      return printError(io, json, {
        code: 'validation',
        message: err.message.replace(/^error: /, ''),
        issues: [{ path: 'arguments', message: err.message.replace(/^error: /, '') }],
      });
    }
    if (err instanceof LedgerOpenError) return printError(io, json, openError(err));
    // A refusal raised before dispatch (a missing password, a failed sign-in) is still one clean error.
    if (err instanceof AppFailure) return printError(io, json, err.error);
    // A file the command reads or writes (export, report, template...) is the caller's input: a missing
    // directory or a denied path is a validation error naming the file, and --json still gets one document.
    const fsError = err as NodeJS.ErrnoException;
    if (
      typeof fsError?.code === 'string' &&
      typeof fsError.path === 'string' &&
      /^E[A-Z]+$/.test(fsError.code)
    ) {
      const message = `cannot use ${fsError.path}: ${fsError.message}`;
      return printError(io, json, { code: 'validation', message, issues: [{ path: 'file', message }] });
    }
    if (json) {
      const message = err instanceof Error ? err.message : String(err);
      return printError(io, json, { code: 'internal', message, correlationId: randomUUID() });
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await remote?.signOut();
    app?.close();
  }
  return exitCode;
}

if (require.main === module) {
  runCli(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`paydesk: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
