import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type {
  AmountDto,
  CollectRunDto,
  DailySummaryDto,
  PaymentMethodDto,
  PendingPaymentDto,
  ProcessorDto,
  ProcessorTestDto,
  ProcessorTxnPageDto,
  RecoveryResultDto,
  RecoverySummaryDto,
  RefundResultDto,
  WorkflowItemDto,
} from '../../../src-shared/dto/processors';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';
import { startSimulator } from '../../processors/simulator';
import { simulatorProcessor } from '../../processors/simulator-adapter';
import { findProcessorIn } from '../../services/processors/config';
import { printError } from '../output';
import { runConfirmed, withConfirmOptions, type ConfirmFlags } from '../confirm';
import { dropUndefined, humanJson, intOption, type CliKit, type GlobalOptions } from '../kit';

const money = (minor: number, currency: string): string =>
  `${formatMinor(minor, KNOWN_EXPONENTS[currency] ?? 2)} ${currency}`;

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Amounts per currency, never added across currencies. */
const amounts = (list: readonly AmountDto[]): string =>
  list.map((a) => money(a.amountMinor, a.currency)).join(', ') || '0';

/** Readable form of a run. */
function humanRun(r: CollectRunDto): string {
  const lines = [
    `${r.kind} run ${r.runId} on ${r.processor}: ${r.status}${r.windowStart ? `, window ${r.windowStart}..${r.windowEnd}` : ''}`,
    `selected ${r.selected}, sent ${r.sent}, posted ${r.postedCount} (${amounts(r.posted)}), unresolved ${r.unresolved}`,
    ...r.totals.map(
      (t) =>
        `  ${String(t.result).padStart(4)} ${t.name.padEnd(24)} ${String(t.count).padStart(8)}  ${amounts(t.amounts)}`,
    ),
  ];
  const skipped = Object.entries(r.skipped).filter(([, n]) => n > 0);
  if (skipped.length) lines.push(`skipped: ${skipped.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (r.latencyMs)
    lines.push(`batch latency ms: p50 ${r.latencyMs.p50}, p95 ${r.latencyMs.p95}, p99 ${r.latencyMs.p99}`);
  if (r.elapsedMs !== null) lines.push(`elapsed ${r.elapsedMs} ms`);
  return lines.join('\n') + '\n';
}

function humanTxns(p: ProcessorTxnPageDto): string {
  return (
    p.rows
      .map(
        (t) =>
          `${String(t.id).padStart(7)}  ${t.command.padEnd(9)} ${String(t.result).padStart(4)} ${t.resultName.padEnd(20)} ${t.accountNo.padEnd(12)} ${(t.billNo ?? '-').padEnd(12)} ${money(t.amountMinor, t.currency).padStart(14)}  ${t.createdAt.slice(0, 19)}  ${t.batchKey ?? '-'}`,
      )
      .join('\n') + `\n${p.rows.length} of ${p.total}\n`
  );
}

function humanPending(p: PendingPaymentDto): string {
  return `${String(p.id).padStart(6)}  ${p.status.padEnd(10)} ${p.accountNo.padEnd(12)} ${money(p.amountMinor, p.currency).padStart(14)}  ${p.mask}  expires ${p.expiresAt.slice(0, 16)} (${p.urgency}${p.needsSupervisor ? ', four-eyes' : ''})${p.resultName ? `  ${p.resultName}` : ''}\n`;
}

/** Reads a file holding one secret or card line, without echoing it anywhere. */
function readSecretFile(file: string): string {
  return readFileSync(resolve(file), 'utf8').trim();
}

/** The processor, collection, recovery and one-off payment commands. */
export function registerProcessorCommands(kit: CliKit): void {
  const { program, run, io } = kit;

  program
    .command('simulator')
    .description('run the payment processor simulator on 127.0.0.1 (HTTP/JSON) until stopped')
    .addOption(new Option('--port <p>', 'port (0 picks a free one)').argParser(intOption).default(0))
    .option('--config <file>', 'response rules and faults (JSON), re-read on every request')
    .action(async (o: { port: number; config?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const sim = await startSimulator({ port: o.port, configFile: o.config ? resolve(o.config) : null });
      const info = { port: sim.port, url: `http://127.0.0.1:${sim.port}`, pid: process.pid };
      io.out(opts.json ? JSON.stringify(info) + '\n' : `simulator listening on ${info.url}\n`);
      await new Promise<void>((done) => {
        const stop = (): void => {
          void sim.close().then(done);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });

  const processor = program.command('processor').description('payment processor connections');
  processor
    .command('list')
    .description('configured processors with health (secrets are never shown)')
    .action((_o, cmd: Command) =>
      run<ProcessorDto[]>(cmd, 'processors:list', {}, (rows) =>
        rows
          .map(
            (p) =>
              `${p.name}${p.isDefault ? ' (default)' : ''}  ${p.url}  ${p.health}  merchants ${Object.entries(
                p.merchants,
              )
                .map(([c, m]) => `${c}=${m.merchant}:${m.mid}`)
                .join(' ')}  secret ${p.secretHint ?? 'none'}\n`,
          )
          .join(''),
      ),
    );
  processor
    .command('add <name>')
    .description('add or update a processor; the secret comes from an environment variable or a file')
    .requiredOption('--url <url>', 'processor URL, e.g. http://127.0.0.1:7300')
    .option('--merchant <CUR=name:mid>', 'merchant account per currency (repeatable)', collect)
    .addOption(
      new Option('--online-timeout <s>', 'online timeout in seconds (default 600)').argParser(intOption),
    )
    .addOption(
      new Option('--batch-timeout <s>', 'batch timeout in seconds (default 600)').argParser(intOption),
    )
    .addOption(new Option('--retries <n>', 'connect retries (default 2)').argParser(intOption))
    .addOption(
      new Option('--heartbeat <s>', 'heartbeat interval in seconds (default 120)').argParser(intOption),
    )
    .addOption(new Option('--channel <n>', 'payment channel id of its payments').argParser(intOption))
    .option('--secret-env <var>', 'read the presenter secret from this environment variable')
    .option('--secret-file <file>', 'read the presenter secret from this file')
    .option('--default', 'make it the default processor')
    .action(
      (
        name: string,
        o: {
          url: string;
          merchant?: string[];
          onlineTimeout?: number;
          batchTimeout?: number;
          retries?: number;
          heartbeat?: number;
          channel?: number;
          secretEnv?: string;
          secretFile?: string;
          default?: boolean;
        },
        cmd: Command,
      ) => {
        const merchants: Record<string, { merchant: string; mid: string }> = {};
        for (const m of o.merchant ?? ['USD=paydesk:000001']) {
          const match = /^([A-Z]{3})=([^:]+):(\d+)$/.exec(m);
          if (!match) {
            kit.setExitCode(
              printError(io, Boolean(cmd.optsWithGlobals<GlobalOptions>().json), {
                code: 'validation',
                message: `--merchant ${m} is not CUR=name:mid`,
                issues: [{ path: 'merchant', message: 'CUR=name:mid, e.g. USD=ispname:050505' }],
              }),
            );
            return;
          }
          merchants[match[1]!] = { merchant: match[2]!, mid: match[3]! };
        }
        if (o.secretEnv && !process.env[o.secretEnv]) {
          // An unset variable would silently save a connection without its secret.
          kit.setExitCode(
            printError(io, Boolean(cmd.optsWithGlobals<GlobalOptions>().json), {
              code: 'validation',
              message: `--secret-env ${o.secretEnv}: the environment variable is not set`,
              issues: [
                { path: 'secret', message: `environment variable ${o.secretEnv} is empty or not set` },
              ],
            }),
          );
          return;
        }
        const secret = o.secretEnv
          ? process.env[o.secretEnv]
          : o.secretFile
            ? readSecretFile(o.secretFile)
            : undefined;
        return run<ProcessorDto>(
          cmd,
          'processors:save',
          dropUndefined({
            name,
            url: o.url,
            merchants,
            onlineTimeoutMs: o.onlineTimeout === undefined ? undefined : o.onlineTimeout * 1000,
            batchTimeoutMs: o.batchTimeout === undefined ? undefined : o.batchTimeout * 1000,
            connectRetries: o.retries,
            heartbeatSec: o.heartbeat,
            channelId: o.channel,
            secret,
            isDefault: o.default,
          }),
          (p) => `processor ${p.name} saved (${p.url}, secret ${p.secretHint ?? 'none'})\n`,
        );
      },
    );
  processor
    .command('test [name]')
    .description('send a heartbeat and record the processor health')
    .action((name: string | undefined, _o, cmd: Command) =>
      run<ProcessorTestDto>(
        cmd,
        'processors:test',
        dropUndefined({ name }),
        (t) => `${t.processor}: ${t.health} — ${t.message}\n`,
      ),
    );

  /** `--start 0` is today only; `--start N` is N days back; a date is a date. */
  const startOf = (start: string | undefined, today: string): { start?: string; todayOnly?: boolean } => {
    if (start === undefined) return {};
    if (start === '0') return { todayOnly: true };
    if (/^\d{1,4}$/.test(start)) {
      const d = new Date(`${today}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() - Number(start));
      return { start: d.toISOString().slice(0, 10) };
    }
    return { start };
  };

  withConfirmOptions(
    program
      .command('collect')
      .description(
        'collect due bills of card accounts (pin_collect; direct debit goes by bank file: dd run); shows the preview and asks first',
      )
      .option('--processor <name>', 'processor (default: the default processor)')
      .option(
        '--start <date|N|0>',
        'window start: a date, N days back, or 0 for today only (default yesterday)',
      )
      .option('--end <date>', 'window end (default today)')
      .option('--rebill', 'collect every outstanding bill, on active, inactive and closed accounts')
      .option('--minimum <amount>', 'minimum amount (default the collect.minimumAmount setting, 2.00)')
      .addOption(new Option('--concurrency <n>', 'processor batches in flight').argParser(intOption))
      .addOption(new Option('--batch-size <n>', 'items per processor batch').argParser(intOption)),
  ).action(
    (
      o: {
        processor?: string;
        start?: string;
        end?: string;
        rebill?: boolean;
        minimum?: string;
        concurrency?: number;
        batchSize?: number;
      } & ConfirmFlags,
      cmd: Command,
    ) =>
      runConfirmed<CollectRunDto>(
        kit,
        cmd,
        'collect:run',
        dropUndefined({
          processor: o.processor,
          ...startOf(o.start, new Date().toISOString().slice(0, 10)),
          end: o.end,
          rebill: o.rebill,
          minimumAmount: o.minimum,
          concurrency: o.concurrency,
          batchSize: o.batchSize,
        }),
        o,
        humanRun,
      ),
  );
  withConfirmOptions(
    program
      .command('deposit')
      .description('deposit pre-authorized card payments of the last 30 days (pin_deposit); asks first')
      .option('--processor <name>', 'processor')
      .option('--start <date>', 'first authorization date')
      .option('--end <date>', 'last authorization date'),
  ).action((o: { processor?: string; start?: string; end?: string } & ConfirmFlags, cmd: Command) =>
    runConfirmed<CollectRunDto>(
      kit,
      cmd,
      'collect:deposit',
      dropUndefined({ processor: o.processor, start: o.start, end: o.end }),
      o,
      humanRun,
    ),
  );
  withConfirmOptions(
    program
      .command('refund')
      .description('refund the unallocated credit of card and direct-debit accounts (pin_refund); asks first')
      .option('--processor <name>', 'processor'),
  ).action((o: { processor?: string } & ConfirmFlags, cmd: Command) =>
    runConfirmed<CollectRunDto>(
      kit,
      cmd,
      'collect:refund',
      dropUndefined({ processor: o.processor }),
      o,
      humanRun,
    ),
  );

  const runs = program.command('runs').description('collection, deposit and refund runs');
  runs
    .command('list')
    .description('collection, deposit and refund runs, newest first')
    .addOption(new Option('--limit <n>', 'how many').argParser(intOption).default(20))
    .action((o: { limit: number }, cmd: Command) =>
      run<{ rows: CollectRunDto[] }>(cmd, 'collect:runs', { limit: o.limit }, (v) =>
        v.rows.map(humanRun).join('\n'),
      ),
    );
  runs
    .command('show <runId>')
    .description('the transactions of a run (drill-down), optionally of one result')
    .addOption(new Option('--result <code>', 'only this result code').argParser(intOption))
    .addOption(new Option('--limit <n>', 'rows').argParser(intOption).default(200))
    .action((runId: string, o: { result?: number; limit: number }, cmd: Command) =>
      run<ProcessorTxnPageDto>(
        cmd,
        'collect:run-txns',
        dropUndefined({ runId: intOption(runId), result: o.result, limit: o.limit }),
        humanTxns,
      ),
    );

  program
    .command('workflow')
    .description(
      'follow-ups raised by collection: soft and hard declines, exhausted retries, processor errors',
    )
    .option('--all', 'done ones too')
    .addOption(new Option('--limit <n>', 'rows').argParser(intOption).default(200))
    .action((o: { all?: boolean; limit: number }, cmd: Command) =>
      run<{ rows: WorkflowItemDto[] }>(
        cmd,
        'collect:workflow',
        { status: o.all ? 'all' : 'open', limit: o.limit },
        (v) =>
          v.rows
            .map(
              (w) =>
                `${String(w.id).padStart(6)}  ${w.createdAt.slice(0, 16)}  ${w.accountNo.padEnd(12)} ${w.kind.padEnd(18)} ${w.message}\n`,
            )
            .join('') || 'no open follow-ups\n',
      ),
    );

  const recovery = program
    .command('recovery')
    .description('open checkpoints and their resolution (pin_clean / pin_recover)');
  recovery
    .command('summary')
    .description('open checkpoints (999) and unposted charges (1000+) by command type')
    .action((_o, cmd: Command) =>
      run<RecoverySummaryDto>(
        cmd,
        'recovery:summary',
        {},
        (s) =>
          [
            ...s.open.map(
              (o, i) =>
                `${i + 1}) ${o.label.padEnd(26)} ${String(o.count).padStart(6)}  ${amounts(o.amounts)}${o.oldest ? `  oldest ${o.oldest.slice(0, 10)}` : ''}`,
            ),
            `open ${s.totalOpen}; charged but not posted ${s.totalUnposted}`,
          ].join('\n') + '\n',
      ),
    );
  recovery
    .command('show')
    .description('open records with account and amount')
    .addOption(
      new Option('--state <s>', 'open | unposted | unresolved')
        .choices(['open', 'unposted', 'unresolved'])
        .default('unresolved'),
    )
    .addOption(
      new Option('--command <c>', 'command type').choices([
        'verify',
        'auth',
        'condition',
        'deposit',
        'refund',
      ]),
    )
    .addOption(new Option('--limit <n>', 'rows').argParser(intOption).default(200))
    .action((o: { state: string; command?: string; limit: number }, cmd: Command) =>
      run<ProcessorTxnPageDto>(cmd, 'recovery:show', dropUndefined(o), humanTxns),
    );
  recovery
    .command('resolve')
    .description(
      'rfr (ask for the reply), resubmit (same keys), recover-payment (post 1000+), delete (not deposits under 7 days)',
    )
    .addOption(
      new Option('--action <a>', 'what to do')
        .choices(['rfr', 'resubmit', 'recover-payment', 'delete'])
        .makeOptionMandatory(),
    )
    .option('--txn <id>', 'a transaction id (repeatable; default every open record)', collect)
    .option('--batch <key>', 'one processor batch id')
    .addOption(
      new Option('--command <c>', 'command type').choices([
        'verify',
        'auth',
        'condition',
        'deposit',
        'refund',
      ]),
    )
    .action((o: { action: string; txn?: string[]; batch?: string; command?: string }, cmd: Command) =>
      run<RecoveryResultDto>(
        cmd,
        'recovery:resolve',
        dropUndefined({
          action: o.action,
          txnIds: o.txn?.map(intOption),
          batchKey: o.batch,
          command: o.command,
        }),
        (r) =>
          `${r.action}: examined ${r.examined}, settled ${r.settled}, posted ${r.posted}, resubmitted ${r.resubmitted}, deleted ${r.deleted}, still open ${r.stillOpen}\n` +
          r.refused.map((x) => `  ${x.txnId}: ${x.reason}\n`).join(''),
      ),
    );
  recovery
    .command('daily')
    .description('the daily summary (default yesterday)')
    .option('--date <date>', 'day')
    .action((o: { date?: string }, cmd: Command) =>
      run<DailySummaryDto>(
        cmd,
        'recovery:daily',
        dropUndefined(o),
        (d) =>
          [
            `processor activity on ${d.date}`,
            ...d.byCommand.map(
              (r) =>
                `  ${r.command.padEnd(10)} ${r.name.padEnd(22)} ${String(r.count).padStart(7)}  ${amounts(r.amounts)}`,
            ),
            `open checkpoints ${d.openCheckpoints}, charged but not posted ${d.unposted}`,
          ].join('\n') + '\n',
      ),
    );

  const method = program.command('method').description('stored payment methods (tokens only)');
  method
    .command('list <accountNo>')
    .description("an account's stored payment methods")
    .action((accountNo: string, _o, cmd: Command) =>
      run<PaymentMethodDto[]>(cmd, 'methods:list', { accountNo }, (rows) =>
        rows
          .map(
            (m) =>
              `${m.id}  ${m.type}  ${m.brand ?? ''} ${m.mask}  ${m.expiry ?? ''}  ${m.verification}${m.isDefault ? '  default' : ''}\n`,
          )
          .join(''),
      ),
    );
  method
    .command('add <accountNo>')
    .description(
      'add a card (read from --card-file and sent straight to the processor), bank account or wallet',
    )
    .addOption(
      new Option('--type <t>', 'card | bank | wallet').choices(['card', 'bank', 'wallet']).default('card'),
    )
    .option(
      '--card-file <file>',
      'file with one line "NUMBER MM/YY [CVV] [ZIP]"; only the processor sees the number',
    )
    .option('--token <t>', 'a processor token obtained elsewhere')
    .option('--brand <b>', 'card brand (VI, MC, AX, DI)')
    .option('--expiry <MM/YY>', 'card expiry')
    .option('--holder <name>', 'card holder')
    .option('--zip <zip>', 'billing ZIP (AVS)')
    .option('--routing <n>', 'bank routing number (9 digits)')
    .option('--bank-account <n>', 'bank account number (up to 17 digits)')
    .option('--wallet <id>', 'wallet id')
    .option('--processor <name>', 'processor that tokenizes the card')
    .option('--default', 'make it the default method')
    .action(
      async (
        accountNo: string,
        o: {
          type: 'card' | 'bank' | 'wallet';
          cardFile?: string;
          token?: string;
          brand?: string;
          expiry?: string;
          holder?: string;
          zip?: string;
          routing?: string;
          bankAccount?: string;
          wallet?: string;
          processor?: string;
          default?: boolean;
        },
        cmd: Command,
      ) => {
        const opts = cmd.optsWithGlobals<GlobalOptions>();
        let token = o.token;
        let brand = o.brand;
        let expiry = o.expiry;
        let zip = o.zip;
        if (o.type === 'card' && o.cardFile) {
          const [number = '', exp, cvv, z] = readSecretFile(o.cardFile).split(/\s+/);
          const app = await kit.withApp(opts);
          // Sign in before a card number goes anywhere: the vault call is made on the operator's behalf.
          const signedIn = await app.dispatch('auth:status', {});
          if (!signedIn.ok) {
            kit.setExitCode(printError(io, Boolean(opts.json), signedIn.error));
            return;
          }
          const row = await app.ctx.storage.transaction((tx) => findProcessorIn(tx, o.processor), {
            readOnly: true,
          });
          // The number goes from this process straight to the processor's vault; the ledger only sees the token.
          const port = simulatorProcessor({
            url: row.url,
            onlineTimeoutMs: row.onlineTimeoutMs,
            batchTimeoutMs: row.batchTimeoutMs,
            connectRetries: row.connectRetries,
            secret: null,
          });
          const t = await port.tokenize({
            number,
            expiry: exp ?? '',
            ...(cvv ? { cvv } : {}),
            ...(z ? { zip: z } : {}),
          });
          if (t.result !== 0 || !t.token) {
            kit.setExitCode(
              printError(io, Boolean(opts.json), {
                code: 'processor_declined',
                message: `card refused by the processor (result ${t.result}, card ****${t.last4})`,
                resultCode: t.result,
              }),
            );
            return;
          }
          token = t.token;
          brand = t.brand;
          expiry = expiry ?? exp;
          zip = zip ?? z;
        }
        await run<PaymentMethodDto>(
          cmd,
          'methods:add',
          dropUndefined({
            accountNo,
            type: o.type,
            token,
            brand,
            expiry,
            holder: o.holder,
            zip,
            routingNo: o.routing,
            bankAccountNo: o.bankAccount,
            walletId: o.wallet,
            isDefault: o.default,
            processor: o.type === 'card' ? o.processor : undefined,
          }),
          (m) =>
            `method ${m.id} added: ${m.type} ${m.brand ?? ''} ${m.mask}${m.isDefault ? ' (default)' : ''}\n`,
        );
      },
    );
  method
    .command('default <methodId>')
    .description("make a method the account's default")
    .action((id: string, _o, cmd: Command) =>
      run<PaymentMethodDto>(cmd, 'methods:set-default', { methodId: intOption(id) }, humanJson),
    );
  method
    .command('validate <methodId>')
    .description('AVS/CVV validation with the processor ($1.00, not charged)')
    .option('--cvv-file <file>', 'file holding the CVV (sent through, never stored)')
    .action((id: string, o: { cvvFile?: string }, cmd: Command) =>
      run<PaymentMethodDto>(
        cmd,
        'methods:validate',
        dropUndefined({ methodId: intOption(id), cvv: o.cvvFile ? readSecretFile(o.cvvFile) : undefined }),
        (m) => `method ${m.id}: ${m.verification} (AVS ${m.avsCode ?? '-'}, CVV ${m.cvvCode ?? '-'})\n`,
      ),
    );

  method
    .command('update <methodId>')
    .description('correct a stored method: expiry, holder, billing ZIP or brand (never the card itself)')
    .option('--expiry <MM/YY>', 'card expiry')
    .option('--holder <name>', 'holder name ("" clears it)')
    .option('--zip <zip>', 'billing ZIP for AVS ("" clears it)')
    .option('--brand <b>', 'card brand (VI, MC, AX, DI, SW, XX)')
    .action(
      (id: string, o: { expiry?: string; holder?: string; zip?: string; brand?: string }, cmd: Command) =>
        run<PaymentMethodDto>(
          cmd,
          'methods:update',
          dropUndefined({
            methodId: intOption(id),
            expiry: o.expiry,
            holder: o.holder === '' ? null : o.holder,
            zip: o.zip === '' ? null : o.zip,
            brand: o.brand,
          }),
          (m) =>
            `method ${m.id} updated: ${m.type} ${m.brand ?? ''} ${m.mask} ${m.expiry ?? ''} ${m.holder ?? ''} (${m.verification})\n`,
        ),
    );
  method
    .command('remove <methodId>')
    .description('remove a stored method (kept in history; refused while it is the default or still in use)')
    .requiredOption('--reason <text>', 'why it is removed (audited)')
    .action((id: string, o: { reason: string }, cmd: Command) =>
      run<PaymentMethodDto>(
        cmd,
        'methods:remove',
        { methodId: intOption(id), reason: o.reason },
        (m) => `method ${m.id} removed: ${m.type} ${m.brand ?? ''} ${m.mask}\n`,
      ),
    );

  const pay = program.command('pay').description('one-off payments: prepare, then confirm');
  pay
    .command('prepare <accountNo> <amount>')
    .description('prepare a pending payment (nothing is charged until confirm)')
    .addOption(new Option('--method <id>', 'stored payment method').argParser(intOption))
    .option('--card-token <token>', 'a token from the secure card entry')
    .option('--currency <c>', 'currency (default the account currency)')
    .option('--description <text>', 'description')
    .action(
      (
        accountNo: string,
        amount: string,
        o: { method?: number; cardToken?: string; currency?: string; description?: string },
        cmd: Command,
      ) =>
        run<PendingPaymentDto>(
          cmd,
          'pay:prepare',
          dropUndefined({
            accountNo,
            amount,
            methodId: o.method,
            card: o.cardToken ? { token: o.cardToken } : undefined,
            currency: o.currency,
            description: o.description,
          }),
          humanPending,
        ),
    );
  pay
    .command('confirm <pendingId>')
    .description('charge a pending payment (above the pay:one-off policy: sent for approval, exit 9)')
    .option('--processor <name>', 'processor')
    .option('--authorize-only', 'authorize now, deposit with the next deposit run')
    .action((id: string, o: { processor?: string; authorizeOnly?: boolean }, cmd: Command) =>
      run<PendingPaymentDto>(
        cmd,
        'pay:confirm',
        dropUndefined({ pendingId: intOption(id), processor: o.processor, authorizeOnly: o.authorizeOnly }),
        humanPending,
      ),
    );
  pay
    .command('cancel <pendingId>')
    .description('cancel a payment that is still pending (nothing was charged)')
    .requiredOption('--reason <text>', 'why')
    .action((id: string, o: { reason: string }, cmd: Command) =>
      run<PendingPaymentDto>(cmd, 'pay:cancel', { pendingId: intOption(id), reason: o.reason }, humanPending),
    );
  pay
    .command('pending')
    .description('pending payments with expiry and urgency')
    .option('--all', 'every status, newest first')
    .action((o: { all?: boolean }, cmd: Command) =>
      run<{ rows: PendingPaymentDto[] }>(
        cmd,
        'pay:pending',
        { all: Boolean(o.all) },
        (v) => v.rows.map(humanPending).join('') || 'no pending payments\n',
      ),
    );
  pay
    .command('refund <txnId>')
    .description('refund a charged transaction, in full by default')
    .option('--amount <x>', 'partial amount')
    .addOption(
      new Option('--reason <code>', 'refund reason (domain 18)').argParser(intOption).makeOptionMandatory(),
    )
    .action((id: string, o: { amount?: string; reason: number }, cmd: Command) =>
      run<RefundResultDto>(
        cmd,
        'pay:refund',
        dropUndefined({ txnId: intOption(id), amount: o.amount, reasonCode: o.reason }),
        (r) =>
          `refund ${r.refundTxnId} of transaction ${r.originalTxnId}: ${money(r.amountMinor, r.currency)} ${r.resultName}\n`,
      ),
    );
}
