import { Command, Option } from 'commander';
import type { OperatorAdminDto } from '../../../src-shared/dto/admin';
import type {
  ApiTokenDto,
  AuthStatusDto,
  NewApiTokenDto,
  RecoveryCodesDto,
  TotpEnrolmentDto,
} from '../../../src-shared/dto/auth';
import { dropUndefined, intOption, type CliKit } from '../kit';
import { newPasswordFromUser } from '../new-password';
import { table } from '../output';
import { humanOperator } from './admin';

const humanStatus = (s: AuthStatusDto): string =>
  s.operator
    ? table([
        ['Operator', `${s.operator.login} (${s.operator.name})`],
        ['Roles', s.operator.roles.join(', ')],
        ['Signed in by', s.via],
        ['Second factor', s.totpEnabled ? 'on' : 'off'],
      ])
    : 'Not signed in\n';

const humanToken = (t: ApiTokenDto): string =>
  `${String(t.id).padStart(5)}  ${t.login.padEnd(14)} ${t.name.padEnd(20)} ${t.roles.join(',').padEnd(24)} ${t.status.padEnd(8)} expires ${t.expiresAt.slice(0, 10)}  last used ${t.lastUsedAt?.slice(0, 16) ?? '-'}\n`;

/** Sign-in status, API tokens, passwords, second factor and operator credentials from the command line. */
export function registerAuthCommands(kit: CliKit): void {
  const { program, run, io } = kit;

  /** The operator's current password: PAYDESK_PASSWORD, or typed (hidden) on a terminal; '' when neither. */
  const currentPassword = async (prompt: string): Promise<string> =>
    process.env.PAYDESK_PASSWORD ?? (io.askSecret ? await io.askSecret(prompt) : '');

  program
    .command('whoami')
    .description('the signed-in operator, roles and how they signed in')
    .action((_o, cmd: Command) => run<AuthStatusDto>(cmd, 'auth:status', {}, humanStatus));

  const operator = program.commands.find((c) => c.name() === 'operator');
  if (operator) {
    operator
      .command('set-password <login>')
      .description("set an operator's password (PAYDESK_NEW_PASSWORD, or typed twice); also lifts a lockout")
      .action(async (login: string, _o, cmd: Command) => {
        // A refusal here (no new password given) is printed by runCli like any command error.
        const password = await newPasswordFromUser(io, login);
        await run<OperatorAdminDto>(cmd, 'operators:set-password', { login, password }, humanOperator);
      });
    operator
      .command('unlock <login>')
      .description('lift the lockout after too many failed sign-ins')
      .action((login: string, _o, cmd: Command) =>
        run<OperatorAdminDto>(cmd, 'operators:unlock', { login }, humanOperator),
      );
  }

  program
    .command('password')
    .description(
      'change your own password (current: PAYDESK_PASSWORD or typed; new: PAYDESK_NEW_PASSWORD or typed)',
    )
    .action(async (_o, cmd: Command) => {
      const current = await currentPassword('Current password: ');
      const newPassword = await newPasswordFromUser(io, 'you');
      await run<AuthStatusDto>(
        cmd,
        'auth:change-password',
        { currentPassword: current, newPassword },
        () => 'Password changed\n',
      );
    });

  const twoFa = program.command('2fa').description('your second factor (TOTP authenticator app)');
  twoFa
    .command('begin')
    .description('start enrolment: prints the secret and otpauth URI to add to an authenticator app')
    .action((_o, cmd: Command) =>
      run<TotpEnrolmentDto>(
        cmd,
        'auth:totp-begin',
        {},
        (e) =>
          table([
            ['Secret', e.secret],
            ['URI', e.uri],
          ]) + 'Then run: paydesk 2fa enable --code 123456\n',
      ),
    );
  twoFa
    .command('enable')
    .description('finish enrolment with the first code; prints the one-use recovery codes once')
    .requiredOption('--code <code>', 'the 6-digit code the app shows')
    .action((o: { code: string }, cmd: Command) =>
      run<RecoveryCodesDto>(
        cmd,
        'auth:totp-enable',
        { code: o.code },
        (r) =>
          `Second factor on. Recovery codes (each works once; keep them safe):\n${r.recoveryCodes.map((c) => `  ${c}\n`).join('')}`,
      ),
    );
  twoFa
    .command('disable')
    .description('turn the second factor off (needs the password: PAYDESK_PASSWORD or typed)')
    .action(async (_o, cmd: Command) => {
      const password = await currentPassword('Password: ');
      await run<AuthStatusDto>(cmd, 'auth:totp-disable', { password }, () => 'Second factor off\n');
    });

  const token = program.command('token').description('API tokens for unattended jobs');
  token
    .command('create <name>')
    .description('create a token (shown once); scoped to roles, with an expiry')
    .option('--login <login>', "another operator's token (admins only)")
    .option('--roles <roles>', 'comma list of roles (default: all the operator holds)')
    .addOption(new Option('--days <n>', 'days until it expires (1 to 366)').argParser(intOption).default(90))
    .action((name: string, o: { login?: string; roles?: string; days: number }, cmd: Command) =>
      run<NewApiTokenDto>(
        cmd,
        'tokens:create',
        dropUndefined({
          name,
          login: o.login,
          roles: o.roles
            ?.split(',')
            .map((r) => r.trim())
            .filter(Boolean),
          expiresInDays: o.days,
        }),
        (t) =>
          `${t.token}\n\nThe token is shown only now: store it where the job reads PAYDESK_TOKEN.\n` +
          humanToken(t),
      ),
    );
  token
    .command('list')
    .description('your tokens (an admin sees everyone’s); active only unless --all')
    .option('--login <login>', "one operator's tokens")
    .option('--all', 'include revoked and expired tokens')
    .action((o: { login?: string; all?: boolean }, cmd: Command) =>
      run<ApiTokenDto[]>(
        cmd,
        'tokens:list',
        dropUndefined({ login: o.login, includeInactive: o.all ? true : undefined }),
        (rows) => (rows.length ? rows.map(humanToken).join('') : 'No tokens\n'),
      ),
    );
  token
    .command('revoke <id>')
    .description('revoke a token: jobs using it are refused from their next command')
    .action((id: string, _o, cmd: Command) =>
      run<ApiTokenDto>(cmd, 'tokens:revoke', { id: intOption(id) }, humanToken),
    );
}
