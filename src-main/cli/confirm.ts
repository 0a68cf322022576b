import { Command, Option } from 'commander';
import type { CommandName } from '../../src-shared/api/contract';
import type { AppError, Result } from '../../src-shared/api/result';
import type {
  ConfirmableOperation,
  ConfirmationDto,
  CurrencyTotalDto,
} from '../../src-shared/dto/confirmations';
import { formatMinor, KNOWN_EXPONENTS } from '../../src-shared/money';
import { intOption, type CliKit, type GlobalOptions } from './kit';
import { EXIT_CODES, printError, type CliIo } from './output';

/** The options every command that sends money takes. */
export type ConfirmFlags = { yes?: boolean; preview?: boolean; confirm?: number };

/** Adds --yes, --preview (alias --dry-run) and --confirm ID to a command that sends money. */
export function withConfirmOptions(cmd: Command): Command {
  return cmd
    .option('--yes', 'confirm the preview computed in this invocation without asking (nightly jobs)')
    .option('--preview', 'print what would be sent (count and totals per currency) and send nothing')
    .addOption(new Option('--dry-run', 'same as --preview').implies({ preview: true }))
    .addOption(
      new Option('--confirm <id>', 'run a confirmation prepared earlier with --preview').argParser(intOption),
    );
}

const money = (t: { amountMinor: number; currency: string }): string =>
  `${formatMinor(t.amountMinor, KNOWN_EXPONENTS[t.currency] ?? 2)} ${t.currency}`;

const totalsLine = (totals: readonly CurrencyTotalDto[]): string =>
  totals.map((t) => `${t.count} × ${money(t)}`).join(', ') || 'nothing';

/** The preview as the operator reads it before answering. */
export function humanPreview(p: ConfirmationDto): string {
  const lines = [
    `${p.description}${p.window?.start ? ` (window ${p.window.start}..${p.window.end})` : ''}`,
    ...p.totals.map((t) => `  ${t.currency}  ${String(t.count).padStart(8)}  ${money(t).padStart(22)}`),
    ...(p.groups.length > 1 || p.processor === null
      ? p.groups.map((g) => `  ${g.label.padEnd(28)} ${totalsLine(g.totals)}`)
      : []),
  ];
  const skipped = Object.entries(p.skipped ?? {}).filter(([, n]) => n > 0);
  if (skipped.length) lines.push(`  skipped: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (p.limit)
    lines.push(
      `  confirmation limit ${money(p.limit)}${p.required ? '' : ' (under it: no confirmation needed)'}`,
    );
  lines.push(`confirmation ${p.id}, expires ${p.expiresAt.slice(0, 16).replace('T', ' ')} UTC`);
  return lines.join('\n') + '\n';
}

/** A refusal that carries the preview so a script can show it or confirm it later with --confirm ID. */
function refuse(io: CliIo, json: boolean, error: AppError, preview: ConfirmationDto): number {
  if (json) {
    io.out(JSON.stringify({ error, confirmation: preview }) + '\n');
    return EXIT_CODES[error.code];
  }
  io.err(humanPreview(preview));
  return printError(io, false, error);
}

/**
 * Runs a command that sends money through prepare -> confirm: `--confirm ID` runs a prepared one,
 * `--preview` prints the preview and sends nothing, otherwise the preview is computed and shown and the
 * operator answers "Proceed? [y/N]" on a terminal; `--yes` confirms it without asking; without a terminal
 * and without --yes it is refused (conflict, exit 4). A batch submit under the limit runs at once.
 */
export async function runConfirmed<T>(
  kit: CliKit,
  cmd: Command,
  operation: ConfirmableOperation & CommandName,
  input: Record<string, unknown>,
  flags: ConfirmFlags,
  human: (value: T) => string,
): Promise<void> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const json = Boolean(opts.json);
  const { io } = kit;
  if (flags.confirm !== undefined)
    return kit.run(cmd, operation, { ...input, confirmationId: flags.confirm }, human);
  const app = await kit.withApp(opts);
  if (!flags.preview && operation === 'batches:submit') {
    // Only a batch over the limit needs a confirmation; the service says so, and a smaller one just posts.
    const first = (await app.dispatch(operation, input)) as Result<T>;
    if (first.ok) return void io.out(json ? JSON.stringify(first.value) + '\n' : human(first.value));
    if (first.error.code !== 'conflict' || first.error.rule !== 'confirmation-required')
      return kit.setExitCode(printError(io, json, first.error));
  }
  const prepared = (await app.dispatch('confirmations:prepare', {
    operation,
    input,
  })) as Result<ConfirmationDto>;
  if (!prepared.ok) return kit.setExitCode(printError(io, json, prepared.error));
  const p = prepared.value;
  if (flags.preview) return void io.out(json ? JSON.stringify(p) + '\n' : humanPreview(p));
  if (!flags.yes) {
    if (!io.ask)
      return kit.setExitCode(
        refuse(
          io,
          json,
          {
            code: 'conflict',
            rule: 'confirmation-required',
            message: `${operation} sends money and needs a confirmation: not on a terminal, so nothing was sent; give --yes to confirm the preview computed now, --preview to see it, or --confirm ${p.id} to run this preview`,
          },
          p,
        ),
      );
    io.err(humanPreview(p));
    const answer = (await io.ask('Proceed? [y/N] ')).trim();
    if (!/^y(es)?$/i.test(answer))
      return kit.setExitCode(
        printError(io, json, {
          code: 'conflict',
          rule: 'not-confirmed',
          message: `not confirmed: nothing was sent (confirmation ${p.id} stays pending until ${p.expiresAt})`,
        }),
      );
  }
  return kit.run(cmd, operation, { ...input, confirmationId: p.id }, human);
}
