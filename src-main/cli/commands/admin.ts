import { writePrivateFile } from '../private-file';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { CommandName } from '../../../src-shared/api/contract';
import type { Result } from '../../../src-shared/api/result';
import { ROLES } from '../../../src-shared/api/roles';
import type {
  AuditPageDto,
  ChannelDto,
  ConfigImportDto,
  ExchangeRateDto,
  GridColumnsDto,
  OperatorAdminDto,
  PayTypeDto,
  ReasonDomainDto,
  ReasonsFileDto,
  SettingDto,
} from '../../../src-shared/dto/admin';
import type { CurrencyDto } from '../../../src-shared/dto/app';
import type { ReasonCodeDto } from '../../../src-shared/dto/codes';
import { formatReasonsText } from '../../services/admin/reasons-text';
import { coerceSettingText } from '../../services/admin/settings-admin';
import { newPasswordFromUser } from '../new-password';
import { dropUndefined, humanJson, intOption, type CliKit, type GlobalOptions } from '../kit';
import { printError, table } from '../output';

const humanCodes = (rows: ReasonCodeDto[]): string =>
  rows
    .map(
      (c) =>
        `${String(c.domainId).padStart(3)} ${String(c.id).padStart(7)}  ${c.label}${c.glId !== null ? `  (G/L ${c.glId})` : ''}${c.active ? '' : '  [retired]'}`,
    )
    .join('\n') + '\n';

const humanSetting = (s: SettingDto): string =>
  `${s.key} = ${JSON.stringify(s.value)}${s.isDefault ? ' (default)' : `  (default ${JSON.stringify(s.defaultValue)})`}\n`;

/** One operator line: login, name, roles and what stands out (inactive, no password, 2FA, locked). */
export const humanOperator = (o: OperatorAdminDto): string =>
  `${o.login.padEnd(16)} ${o.name.padEnd(24)} ${o.roles.join(',')}${o.active ? '' : '  [inactive]'}` +
  `${o.hasPassword ? '' : '  [no password]'}${o.totpEnabled ? '  [2FA]' : ''}` +
  `${o.lockedUntil ? `  [locked until ${o.lockedUntil}]` : ''}\n`;

/** Splits "a,b c" role lists given as several arguments or comma lists. */
function rolesOf(values: string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
}

/**
 * Administration from the command line: configuration file, reason codes, settings, operators, channels,
 * pay types, rates, column sets and the change history. Every command goes through dispatch, so the role
 * guard refuses a clerk exactly as in the app.
 */
export function registerAdminCommands(kit: CliKit): void {
  const { program, run, io } = kit;

  /** Dispatches and hands the value to `done`, or prints the error and sets the exit code. */
  const fetch = async <T>(
    cmd: Command,
    command: CommandName,
    input: unknown,
    done: (value: T, json: boolean) => void | Promise<void>,
  ): Promise<void> => {
    const opts = cmd.optsWithGlobals<GlobalOptions>();
    const r = (await (await kit.withApp(opts)).dispatch(command, input)) as Result<T>;
    if (!r.ok) {
      kit.setExitCode(printError(io, Boolean(opts.json), r.error));
      return;
    }
    await done(r.value, Boolean(opts.json));
  };

  const config = program.command('config').description('the desk configuration as one versioned JSON file');
  config
    .command('export <file>')
    .description('write settings, code lists, channels, pay types, terms, rates and column sets to a file')
    .action((file: string, _o, cmd: Command) =>
      fetch<object>(cmd, 'admin:export-config', {}, (value, json) => {
        const path = resolve(file);
        writePrivateFile(path, JSON.stringify(value, null, 2) + '\n');
        const summary = {
          file: path,
          // Every section the file holds: the lists and the settings object, not the envelope fields.
          sections: Object.keys(value).filter((k) => !['format', 'version', 'exportedAt'].includes(k)),
        };
        io.out(json ? JSON.stringify(summary) + '\n' : `Wrote the configuration to ${path}\n`);
      }),
    );
  config
    .command('import <file>')
    .description('apply a configuration file whole (every problem listed, nothing half-applied)')
    .action((file: string, _o, cmd: Command) =>
      run<ConfigImportDto>(cmd, 'admin:import-config', { file: resolve(file) }, (v) =>
        table(Object.entries(v.applied).map(([k, n]) => [k, n])),
      ),
    );

  const codes = program.command('codes').description('reason codes, action owner codes and reversal reasons');
  codes
    .command('list')
    .description('codes of one domain (or every domain)')
    .addOption(
      new Option('--domain <id>', 'domain id (14 suspense, 15 action owner, 16 reversal...)').argParser(
        intOption,
      ),
    )
    .option('--all', 'include retired codes')
    .action((o: { domain?: number; all?: boolean }, cmd: Command) =>
      run<ReasonCodeDto[]>(
        cmd,
        'codes:list',
        dropUndefined({ domainId: o.domain, includeRetired: Boolean(o.all) }),
        humanCodes,
      ),
    );
  codes
    .command('domains')
    .description('reason-code domains with their G/L rule')
    .action((_o, cmd: Command) =>
      run<ReasonDomainDto[]>(
        cmd,
        'codes:domains',
        {},
        (rows) =>
          rows
            .map((d) => `${String(d.id).padStart(3)}  ${d.name}  (G/L ${d.glRule}, ${d.codes} codes)`)
            .join('\n') + '\n',
      ),
    );
  codes
    .command('add')
    .description('add a code of your own (ids above 100,000)')
    .requiredOption('--domain <id>', 'domain id', intOption)
    .requiredOption('--id <id>', 'code id (above 100,000)', intOption)
    .requiredOption('--label <text>', 'label')
    .option('--help-text <text>', 'help text')
    .addOption(
      new Option('--gl <id>', 'G/L ID (required for reversal reasons, refused for action owners)').argParser(
        intOption,
      ),
    )
    .action(
      (o: { domain: number; id: number; label: string; helpText?: string; gl?: number }, cmd: Command) =>
        run<ReasonCodeDto>(
          cmd,
          'codes:add',
          dropUndefined({ domainId: o.domain, id: o.id, label: o.label, help: o.helpText, glId: o.gl }),
          (c) => humanCodes([c]),
        ),
    );
  codes
    .command('update')
    .description('change the label, help text or G/L ID of a code')
    .requiredOption('--domain <id>', 'domain id', intOption)
    .requiredOption('--id <id>', 'code id', intOption)
    .option('--label <text>', 'label')
    .option('--help-text <text>', 'help text')
    .addOption(new Option('--gl <id>', 'G/L ID').argParser(intOption))
    .option('--no-gl', 'remove the G/L ID')
    .action(
      (
        o: { domain: number; id: number; label?: string; helpText?: string; gl?: number | false },
        cmd: Command,
      ) =>
        run<ReasonCodeDto>(
          cmd,
          'codes:update',
          dropUndefined({
            domainId: o.domain,
            id: o.id,
            label: o.label,
            help: o.helpText,
            glId: o.gl === false ? null : o.gl,
          }),
          (c) => humanCodes([c]),
        ),
    );
  codes
    .command('retire')
    .description('retire a code (kept on old rows, no longer offered); --restore brings it back')
    .requiredOption('--domain <id>', 'domain id', intOption)
    .requiredOption('--id <id>', 'code id', intOption)
    .option('--restore', 'make the code active again')
    .action((o: { domain: number; id: number; restore?: boolean }, cmd: Command) =>
      run<ReasonCodeDto>(
        cmd,
        'codes:retire',
        { domainId: o.domain, id: o.id, restore: Boolean(o.restore) },
        (c) => humanCodes([c]),
      ),
    );
  codes
    .command('delete')
    .description('delete a code of your own that nothing uses (codes in use can only be retired)')
    .requiredOption('--domain <id>', 'domain id', intOption)
    .requiredOption('--id <id>', 'code id', intOption)
    .action((o: { domain: number; id: number }, cmd: Command) =>
      run<object>(
        cmd,
        'codes:delete',
        { domainId: o.domain, id: o.id },
        () => `Deleted ${o.domain}/${o.id}\n`,
      ),
    );
  codes
    .command('export <file>')
    .description('write a reasons file (JSON, or with --brm the reasons.<locale> text of active codes)')
    .addOption(new Option('--domain <id>', 'only this domain').argParser(intOption))
    .option('--brm', 'write the reasons.<locale> text format')
    .action((file: string, o: { domain?: number; brm?: boolean }, cmd: Command) =>
      fetch<ReasonsFileDto>(
        cmd,
        'codes:export',
        dropUndefined({ domainId: o.domain }),
        async (value, json) => {
          const path = resolve(file);
          let count = value.codes.length;
          if (o.brm) {
            const domains = (await (
              await kit.withApp(cmd.optsWithGlobals<GlobalOptions>())
            ).dispatch('codes:domains', {})) as Result<ReasonDomainDto[]>;
            const names = new Map(domains.ok ? domains.value.map((d) => [d.id, d.name]) : []);
            const active = value.codes.filter((c) => c.active);
            count = active.length;
            writePrivateFile(path, formatReasonsText(value.locale, active, names));
          } else writePrivateFile(path, JSON.stringify(value, null, 2) + '\n');
          const summary = { file: path, codes: count };
          io.out(json ? JSON.stringify(summary) + '\n' : `Wrote ${summary.codes} codes to ${path}\n`);
        },
      ),
    );
  codes
    .command('import <file>')
    .description('add and update codes from a reasons file, JSON or reasons.<locale> text (all or nothing)')
    .action((file: string, _o, cmd: Command) =>
      run<object>(cmd, 'codes:import', { file: resolve(file) }, humanJson),
    );

  const settings = program.command('settings').description('business settings (DOMAIN.md §5)');
  settings
    .command('get [key]')
    .description('every setting, or one, with its default')
    .action((key: string | undefined, _o, cmd: Command) =>
      fetch<SettingDto[]>(cmd, 'admin:settings', {}, (rows, json) => {
        const picked = key === undefined ? rows : rows.filter((s) => s.key === key);
        if (key !== undefined && picked.length === 0) {
          kit.setExitCode(
            printError(io, json, {
              code: 'not_found',
              message: `setting ${key} not found`,
              entity: 'setting',
              key,
            }),
          );
          return;
        }
        io.out(
          json
            ? JSON.stringify(key === undefined ? picked : picked[0]) + '\n'
            : picked.map(humanSetting).join(''),
        );
      }),
    );
  settings
    .command('set <key> <value>')
    .description('set a setting (true/false, numbers and text as typed; checked against its rule)')
    .action((key: string, value: string, _o, cmd: Command) =>
      run<SettingDto>(cmd, 'admin:set-setting', { key, value: coerceSettingText(key, value) }, humanSetting),
    );

  const operator = program.command('operator').description('operator profiles and roles (admins only)');
  operator
    .command('list')
    .description('every operator with roles')
    .action((_o, cmd: Command) =>
      run<OperatorAdminDto[]>(cmd, 'operators:list', {}, (rows) => rows.map(humanOperator).join('')),
    );
  operator
    .command('add <login>')
    .description(`add an operator (roles: ${ROLES.join(', ')})`)
    .option('--name <name>', 'display name (default: the login)')
    .option('--roles <roles>', 'comma list of roles', 'clerk')
    .option('--set-password', 'give a first password (PAYDESK_NEW_PASSWORD, or typed twice on a terminal)')
    .action(
      async (login: string, o: { name?: string; roles: string; setPassword?: boolean }, cmd: Command) => {
        const password = o.setPassword ? await newPasswordFromUser(io, login) : undefined;
        return run<OperatorAdminDto>(
          cmd,
          'operators:add',
          dropUndefined({ login, name: o.name ?? login, roles: rolesOf([o.roles]), password }),
          humanOperator,
        );
      },
    );
  operator
    .command('grant <login> <roles...>')
    .description('give roles to an operator')
    .action((login: string, roles: string[], _o, cmd: Command) =>
      run<OperatorAdminDto>(cmd, 'operators:grant', { login, roles: rolesOf(roles) }, humanOperator),
    );
  operator
    .command('revoke <login> <roles...>')
    .description('take roles from an operator (the last admin keeps admin)')
    .action((login: string, roles: string[], _o, cmd: Command) =>
      run<OperatorAdminDto>(cmd, 'operators:revoke', { login, roles: rolesOf(roles) }, humanOperator),
    );
  operator
    .command('update <login>')
    .description('rename, deactivate or reactivate an operator')
    .option('--name <name>', 'display name')
    .option('--inactive', 'deactivate')
    .option('--active', 'reactivate')
    .action((login: string, o: { name?: string; inactive?: boolean; active?: boolean }, cmd: Command) =>
      run<OperatorAdminDto>(
        cmd,
        'operators:update',
        dropUndefined({ login, name: o.name, active: o.inactive ? false : o.active ? true : undefined }),
        humanOperator,
      ),
    );

  program
    .command('channels')
    .description('payment channels (id 0 = unspecified)')
    .action((_o, cmd: Command) =>
      run<ChannelDto[]>(
        cmd,
        'admin:channels',
        {},
        (rows) =>
          rows
            .map((c) => `${String(c.id).padStart(4)}  ${c.description}${c.active ? '' : '  [inactive]'}`)
            .join('\n') + '\n',
      ),
    );
  program
    .command('channel <id> <description>')
    .description('add or change a payment channel')
    .option('--inactive', 'no longer offered')
    .action((id: string, description: string, o: { inactive?: boolean }, cmd: Command) =>
      run<ChannelDto>(
        cmd,
        'admin:save-channel',
        { id: intOption(id), description, active: !o.inactive },
        (c) => `${c.id}  ${c.description}\n`,
      ),
    );
  program
    .command('pay-types')
    .description('pay types: enabled flag and behaviour matrix')
    .action((_o, cmd: Command) =>
      run<PayTypeDto[]>(
        cmd,
        'admin:pay-types',
        {},
        (rows) =>
          rows
            .map(
              (p) =>
                `${String(p.payType).padStart(5)}  ${p.name.padEnd(26)} ${p.enabled ? 'enabled ' : 'disabled'}  batches: ${p.batchTypes.join(',') || '-'}`,
            )
            .join('\n') + '\n',
      ),
    );
  program
    .command('currency <code> <exponent> <name>')
    .description('add a currency or rename one')
    .action((code: string, exponent: string, name: string, _o, cmd: Command) =>
      run<CurrencyDto>(cmd, 'admin:save-currency', { code, exponent: intOption(exponent), name }, humanJson),
    );
  const rate = program.command('rate').description('dated exchange rates');
  rate
    .command('list')
    .description('dated exchange rates, optionally of one currency pair')
    .option('--from <currency>', 'source currency')
    .option('--to <currency>', 'target currency')
    .action((o: { from?: string; to?: string }, cmd: Command) =>
      run<ExchangeRateDto[]>(
        cmd,
        'admin:rates',
        dropUndefined({ fromCurrency: o.from, toCurrency: o.to }),
        (rows) =>
          rows.map((r) => `${r.fromCurrency}→${r.toCurrency}  ${r.validFrom}  ${r.rate}`).join('\n') + '\n',
      ),
    );
  rate
    .command('set <from> <to> <validFrom> <rate>')
    .description('set the rate of a pair from a date on (target units per source unit, e.g. 1.0825)')
    .action((from: string, to: string, validFrom: string, r: string, _o, cmd: Command) =>
      run<ExchangeRateDto>(
        cmd,
        'admin:save-rate',
        { fromCurrency: from, toCurrency: to, validFrom, rate: r },
        (x) => `${x.fromCurrency}→${x.toCurrency} from ${x.validFrom}: ${x.rate}\n`,
      ),
    );

  const columns = program.command('columns').description('batch grid column sets');
  columns
    .command('show')
    .description('the columns a batch grid shows for a batch type and pay type')
    .addOption(
      new Option('--type <type>', 'batch type').choices(['payment', 'refund', 'reversal']).default('payment'),
    )
    .addOption(new Option('--pay-type <id>', 'pay type element id').argParser(intOption).default(0))
    .action((o: { type: string; payType: number }, cmd: Command) =>
      run<GridColumnsDto>(
        cmd,
        'columns:grid',
        { batchType: o.type, payType: o.payType },
        (g) =>
          g.columns
            .map(
              (c, i) =>
                `${String(i + 1).padStart(2)}. ${c.caption.padEnd(20)} ${c.field.padEnd(20)} ${c.purpose.padEnd(8)} ${c.width}px${c.visible ? '' : ' hidden'}${c.required ? ' required' : ''}`,
            )
            .join('\n') + '\n',
      ),
    );

  program
    .command('history')
    .description('change history: audit rows with before and after, newest first')
    .option('--entity <entity>', 'e.g. reason_code, setting, operator, column_set')
    .option('--action <action>', 'exact action, or a prefix ending in * (operator.*)')
    .option('--by <login>', 'changes by this operator')
    .addOption(new Option('--limit <n>', 'rows').argParser(intOption).default(50))
    .addOption(new Option('--offset <n>', 'rows to skip').argParser(intOption).default(0))
    .action(
      (o: { entity?: string; action?: string; by?: string; limit: number; offset: number }, cmd: Command) =>
        run<AuditPageDto>(
          cmd,
          'admin:history',
          dropUndefined({
            entity: o.entity,
            action: o.action,
            operatorLogin: o.by,
            limit: o.limit,
            offset: o.offset,
          }),
          (p) =>
            p.rows
              .map(
                (r) =>
                  `${r.at}  ${(r.operatorLogin ?? '-').padEnd(12)} ${r.action.padEnd(24)} ${r.entity}${r.entityId ? ` ${r.entityId}` : ''}\n    before ${JSON.stringify(r.before)}\n    after  ${JSON.stringify(r.after)}`,
              )
              .join('\n') + `\n(${p.rows.length} of ${p.total})\n`,
        ),
    );
}
