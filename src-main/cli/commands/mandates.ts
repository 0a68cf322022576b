import { Option, type Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandName } from '../../../src-shared/api/contract';
import type { Result } from '../../../src-shared/api/result';
import type {
  AuddisExtractDto,
  CreditorDto,
  MandateDetailDto,
  MandateDto,
  MandateExpireDto,
  MandateImportDto,
  MandatePageDto,
} from '../../../src-shared/dto/mandates';
import { printError } from '../output';
import { dropUndefined, intOption, type CliKit, type GlobalOptions } from '../kit';

/** One line per creditor. */
const humanCreditor = (c: CreditorDto): string =>
  `${c.code.padEnd(12)} ${c.scheme.padEnd(5)} ${c.currency} ${c.identifier.padEnd(20)} ${c.name}${c.isDefault ? ' (default)' : ''}${c.active ? '' : ' (inactive)'}  mandates ${c.mandates}\n`;

/** The bank account of a mandate, per scheme. */
const bankOf = (m: MandateDto): string =>
  m.iban
    ? `${m.iban}${m.bic ? ` ${m.bic}` : ''}`
    : m.sortCode
      ? `${m.sortCode} ${m.bankAccountNo ?? ''}`
      : `${m.routingNo ?? ''} ${m.bankAccountNo ?? ''} ${m.accountType ?? ''} ${m.secCode ?? ''}`;

/** One line per mandate. */
const humanMandate = (m: MandateDto): string =>
  `${String(m.id).padStart(7)}  ${m.reference.padEnd(22)} ${m.creditorCode.padEnd(8)} ${m.scheme.padEnd(9)} ${m.status.padEnd(9)} ${m.accountNo.padEnd(10)} ${bankOf(m)}  v${m.version}\n`;

/** A mandate with its history. */
function humanDetail(m: MandateDetailDto): string {
  const lines = [
    humanMandate(m).trimEnd(),
    `  debtor ${m.debtorName}, signed ${m.signedOn}, ${m.type}, collections ${m.collections}${m.lastCollectedOn ? ` (last ${m.lastCollectedOn})` : ''}`,
  ];
  if (m.pendingAmendment) lines.push(`  amendment to present: ${JSON.stringify(m.pendingAmendment)}`);
  if (m.cancelledOn) lines.push(`  cancelled ${m.cancelledOn}: ${m.cancelReason ?? ''}`);
  for (const e of m.events)
    lines.push(
      `  ${e.at.slice(0, 19)} ${e.kind.padEnd(13)} ${e.source}${e.code ? ` code ${e.code}` : ''}${e.operator ? ` by ${e.operator}` : ''}${e.after ? ` ${JSON.stringify(e.after)}` : ''}`,
    );
  return lines.join('\n') + '\n';
}

/** The import result, readable. */
function humanImport(r: MandateImportDto): string {
  const lines = r.rows.map(
    (x) =>
      `line ${x.line}: ${x.reference} (${x.creditor}) code ${x.code} → ${x.action}; ${JSON.stringify(x.before)} → ${JSON.stringify(x.after)}`,
  );
  for (const p of r.problems) lines.push(`line ${p.line} [${p.column}] ${p.reason}`);
  lines.push(
    r.problems.length
      ? `${r.problems.length} problem(s): nothing applied`
      : r.preview
        ? `preview: ${r.rows.length} row(s) would apply`
        : `applied ${r.applied} row(s) (file ${r.fileId})`,
  );
  return lines.join('\n') + '\n';
}

type BankOptions = {
  name?: string;
  iban?: string;
  bic?: string;
  sortCode?: string;
  routing?: string;
  account?: string;
  accountType?: 'checking' | 'savings';
  sec?: 'PPD' | 'CCD' | 'WEB' | 'TEL';
};

/** The bank-data options shared by `mandate add` and `mandate amend`. */
function withBankOptions(c: Command): Command {
  return c
    .option('--name <text>', 'debtor name (default: the account name)')
    .option('--iban <iban>', 'SEPA: debtor IBAN')
    .option('--bic <bic>', 'SEPA: debtor BIC')
    .option('--sort-code <nnnnnn>', 'BACS: sort code')
    .option('--routing <n>', 'ACH: routing number')
    .option('--account <no>', 'BACS/ACH: bank account number')
    .addOption(new Option('--account-type <t>', 'ACH: account type').choices(['checking', 'savings']))
    .addOption(new Option('--sec <code>', 'ACH: SEC code').choices(['PPD', 'CCD', 'WEB', 'TEL']));
}

/** Bank options as command input fields. */
const bankInput = (o: BankOptions): Record<string, unknown> =>
  dropUndefined({
    debtorName: o.name,
    iban: o.iban,
    bic: o.bic,
    sortCode: o.sortCode,
    routingNo: o.routing,
    bankAccountNo: o.account,
    accountType: o.accountType,
    secCode: o.sec,
  });

/** A mandate named on the command line: a number is an id, anything else a reference. */
const mandateKey = (key: string, creditor?: string): Record<string, unknown> =>
  /^\d+$/.test(key) ? { mandateId: Number(key) } : dropUndefined({ reference: key, creditor });

type CreditorOptions = {
  name?: string;
  identifier?: string;
  iban?: string;
  bic?: string;
  routing?: string;
  account?: string;
  destination?: string;
  destinationName?: string;
  origin?: string;
  originName?: string;
  pain?: 'pain.008.001.08' | 'pain.008.001.02';
  default?: boolean;
  inactive?: boolean;
};

/** The creditor options shared by add and update. */
function withCreditorOptions(c: Command): Command {
  return c
    .option('--name <text>', 'creditor name')
    .option(
      '--identifier <id>',
      'SEPA creditor identifier, ACH company id (10), BACS service user number (6)',
    )
    .option('--iban <iban>', 'SEPA: the creditor IBAN')
    .option('--bic <bic>', 'SEPA: the creditor BIC')
    .option('--routing <n>', 'ACH: ODFI routing number')
    .option('--account <no>', 'ACH: the originator account')
    .option('--destination <n>', 'ACH: immediate destination routing')
    .option('--destination-name <text>', 'ACH: immediate destination name')
    .option('--origin <id>', 'ACH: immediate origin (10)')
    .option('--origin-name <text>', 'ACH: immediate origin name')
    .addOption(
      new Option('--pain <v>', 'SEPA: pain.008 version').choices(['pain.008.001.08', 'pain.008.001.02']),
    )
    .option('--default', 'the default creditor of its scheme');
}

const creditorInput = (o: CreditorOptions): Record<string, unknown> =>
  dropUndefined({
    name: o.name,
    identifier: o.identifier,
    iban: o.iban,
    bic: o.bic,
    routingNo: o.routing,
    accountNo: o.account,
    destinationRouting: o.destination,
    destinationName: o.destinationName,
    originId: o.origin,
    originName: o.originName,
    painVersion: o.pain,
    isDefault: o.default,
    active: o.inactive ? false : undefined,
  });

/** The creditor and mandate commands. */
export function registerMandateCommands(kit: CliKit): void {
  const { program, run, io } = kit;

  const creditor = program
    .command('creditor')
    .description('direct-debit creditors (SEPA, ACH, BACS originators)');
  creditor
    .command('list')
    .description('every creditor')
    .action((_o, cmd: Command) =>
      run<CreditorDto[]>(
        cmd,
        'creditors:list',
        {},
        (rows) => rows.map(humanCreditor).join('') || 'no creditors\n',
      ),
    );
  withCreditorOptions(
    creditor
      .command('add <code>')
      .description('add a creditor')
      .addOption(
        new Option('--scheme <s>', 'sepa, ach or bacs')
          .choices(['sepa', 'ach', 'bacs'])
          .makeOptionMandatory(),
      ),
  ).action((code: string, o: CreditorOptions & { scheme: string }, cmd: Command) =>
    run<CreditorDto>(cmd, 'creditors:add', { code, scheme: o.scheme, ...creditorInput(o) }, humanCreditor),
  );
  withCreditorOptions(creditor.command('update <code>').description('change a creditor'))
    .option('--inactive', 'stop using the creditor for new mandates')
    .action((code: string, o: CreditorOptions, cmd: Command) =>
      run<CreditorDto>(cmd, 'creditors:update', { code, ...creditorInput(o) }, humanCreditor),
    );

  const mandate = program.command('mandate').description('direct-debit mandates (SEPA, BACS, ACH)');
  withBankOptions(
    mandate
      .command('add <accountNo>')
      .description('key a signed mandate for an account')
      .addOption(
        new Option('--scheme <s>', 'sepa_core, sepa_b2b, bacs or ach')
          .choices(['sepa_core', 'sepa_b2b', 'bacs', 'ach'])
          .makeOptionMandatory(),
      )
      .requiredOption('--signed <date>', 'signature date (YYYY-MM-DD)')
      .option('--creditor <code>', 'creditor (default: the default creditor of the scheme)')
      .option('--reference <umr>', 'mandate reference (generated when not given)')
      .option('--bill-unit <no>', 'only this bill unit')
      .option('--oneoff', 'a one-off mandate'),
  ).action(
    (
      accountNo: string,
      o: BankOptions & {
        scheme: string;
        signed: string;
        creditor?: string;
        reference?: string;
        billUnit?: string;
        oneoff?: boolean;
      },
      cmd: Command,
    ) =>
      run<MandateDetailDto>(
        cmd,
        'mandates:add',
        {
          accountNo,
          scheme: o.scheme,
          signedOn: o.signed,
          type: o.oneoff ? 'oneoff' : 'recurrent',
          ...dropUndefined({ creditor: o.creditor, reference: o.reference, billUnitNo: o.billUnit }),
          ...bankInput(o),
        },
        humanDetail,
      ),
  );
  mandate
    .command('list')
    .description('mandates with filters, newest first')
    .option('--account <accountNo>', 'of one account')
    .option('--creditor <code>', 'of one creditor')
    .addOption(new Option('--scheme <s>', 'scheme').choices(['sepa_core', 'sepa_b2b', 'bacs', 'ach']))
    .addOption(new Option('--status <s>', 'status').choices(['pending', 'active', 'cancelled', 'expired']))
    .option('--reference <prefix>', 'references starting with this')
    .addOption(new Option('--limit <n>', 'page size').argParser(intOption).default(100))
    .addOption(new Option('--offset <n>', 'rows to skip').argParser(intOption).default(0))
    .action(
      (
        o: {
          account?: string;
          creditor?: string;
          scheme?: string;
          status?: string;
          reference?: string;
          limit: number;
          offset: number;
        },
        cmd: Command,
      ) =>
        run<MandatePageDto>(
          cmd,
          'mandates:list',
          dropUndefined({
            accountNo: o.account,
            creditor: o.creditor,
            scheme: o.scheme,
            status: o.status,
            referencePrefix: o.reference,
            limit: o.limit,
            offset: o.offset,
          }),
          (p) => p.rows.map(humanMandate).join('') + `${p.rows.length} of ${p.total}\n`,
        ),
    );
  mandate
    .command('show <mandate>')
    .description('a mandate (id or reference) with its history')
    .option('--creditor <code>', 'the creditor, when several use the reference')
    .action((key: string, o: { creditor?: string }, cmd: Command) =>
      run<MandateDetailDto>(cmd, 'mandates:show', mandateKey(key, o.creditor), humanDetail),
    );
  withBankOptions(
    mandate
      .command('amend <mandate>')
      .description('change the reference, debtor name or bank data of a mandate (id or reference)')
      .option('--creditor <code>', 'the creditor, when several use the reference')
      .option('--new-reference <umr>', 'the new mandate reference')
      .addOption(
        new Option('--expect-version <n>', 'refuse unless the mandate is still at this version').argParser(
          intOption,
        ),
      )
      .option('--reason <text>', 'why'),
  ).action(
    (
      key: string,
      o: BankOptions & { creditor?: string; newReference?: string; expectVersion?: number; reason?: string },
      cmd: Command,
    ) =>
      run<MandateDetailDto>(
        cmd,
        'mandates:amend',
        {
          ...mandateKey(key, o.creditor),
          ...bankInput(o),
          ...dropUndefined({ newReference: o.newReference, version: o.expectVersion, reason: o.reason }),
        },
        humanDetail,
      ),
  );
  mandate
    .command('cancel <mandate>')
    .description('cancel a mandate for future collections (never reactivated)')
    .requiredOption('--reason <text>', 'why')
    .option('--creditor <code>', 'the creditor, when several use the reference')
    .addOption(
      new Option('--expect-version <n>', 'refuse unless the mandate is still at this version').argParser(
        intOption,
      ),
    )
    .action((key: string, o: { reason: string; creditor?: string; expectVersion?: number }, cmd: Command) =>
      run<MandateDetailDto>(
        cmd,
        'mandates:cancel',
        { ...mandateKey(key, o.creditor), reason: o.reason, ...dropUndefined({ version: o.expectVersion }) },
        humanDetail,
      ),
    );
  mandate
    .command('expire')
    .description('expire mandates unused for 36 months and used one-off mandates')
    .option('--as-of <date>', 'the day to judge dormancy on (default today)')
    .action((o: { asOf?: string }, cmd: Command) =>
      run<MandateExpireDto>(
        cmd,
        'mandates:expire',
        dropUndefined({ asOf: o.asOf }),
        (r) => `expired ${r.expired} mandate(s) as of ${r.asOf}\n`,
      ),
    );
  mandate
    .command('auddis')
    .description('write the BACS AUDDIS extract of new, amended and cancelled instructions not yet extracted')
    .option('--out <file>', 'where to write the extract (CSV)')
    .action((o: { out?: string }, cmd: Command) =>
      run<AuddisExtractDto>(
        cmd,
        'mandates:auddis',
        dropUndefined({ out: o.out === undefined ? undefined : resolve(o.out) }),
        (r) =>
          r.extractId === null
            ? 'nothing to extract: no new, amended or cancelled BACS instruction\n'
            : `extract ${r.extractId}: ${r.count} line(s), ${r.activated} instruction(s) activated${r.path ? `, written to ${r.path}` : ''}\n${r.path ? '' : r.content}`,
      ),
    );
  mandate
    .command('import <file>')
    .description("apply the bank's mandate revision file (ADDACS-like CSV); all rows or none")
    .option('--preview', 'show what would change without writing')
    .action(async (file: string, o: { preview?: boolean }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const command: CommandName = 'mandates:import';
      const r = (await (
        await kit.withApp(opts)
      ).dispatch(command, { file: resolve(file), preview: Boolean(o.preview) })) as Result<MandateImportDto>;
      if (!r.ok) {
        kit.setExitCode(printError(io, Boolean(opts.json), r.error));
        return;
      }
      io.out(opts.json ? JSON.stringify(r.value) + '\n' : humanImport(r.value));
      // Problems mean nothing was applied: the same exit code as invalid input.
      if (r.value.problems.length > 0) kit.setExitCode(2);
    });
}
