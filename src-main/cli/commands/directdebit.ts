import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { DdFileDetailDto, DdFileDto, DdRunDto } from '../../../src-shared/dto/directdebit';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';
import { runConfirmed, type ConfirmFlags } from '../confirm';
import { dropUndefined, intOption, type CliKit } from '../kit';

const money = (minor: number, currency: string): string =>
  `${formatMinor(minor, KNOWN_EXPONENTS[currency] ?? 2)} ${currency}`;

const fileLine = (f: DdFileDto): string =>
  `${String(f.id ?? '-').padStart(6)}  ${f.status.padEnd(9)} ${f.kind.padEnd(6)} ${f.format.padEnd(15)} ${f.creditor.padEnd(10)} ${f.collectionDate}  ${String(f.count).padStart(7)}  ${money(f.totalMinor, f.currency).padStart(18)}  ${f.sha256.slice(0, 12)}  ${f.path ?? ''}\n`;

const humanRun = (r: DdRunDto): string => {
  const skipped = Object.entries(r.skipped);
  return (
    r.files.map(fileLine).join('') +
    `${r.files.length} file${r.files.length === 1 ? '' : 's'}, ${r.payments} posted` +
    (skipped.length ? `; skipped: ${skipped.map(([k, n]) => `${k} ${n}`).join(', ')}` : '') +
    '\n'
  );
};

const humanDetail = (f: DdFileDetailDto): string =>
  fileLine(f) +
  f.items
    .map(
      (i) =>
        `  ${String(i.seq).padStart(6)}  ${i.status.padEnd(9)} ${i.accountNo.padEnd(12)} ${(i.billNo ?? '').padEnd(14)} ${money(i.amountMinor, i.currency).padStart(16)}  ${i.seqType ?? ''} ${i.endToEndId} ${i.traceNumber ?? ''} ${i.mandateReference ?? ''}\n`,
    )
    .join('');

/** `paydesk dd ...`: direct-debit and credit runs, the outgoing file registry. */
export function registerDirectDebitCommands(kit: CliKit): void {
  const { program, run } = kit;
  const dd = program.command('dd').description('direct debit: SEPA and ACH collection files, credits out');
  dd.command('run')
    .description(
      'select due bills under active mandates, post their payments and write one bank file per creditor; shows the preview and asks first',
    )
    .addOption(new Option('--scheme <scheme>', 'sepa or ach').choices(['sepa', 'ach']).makeOptionMandatory())
    .requiredOption('--collection-date <date>', 'requested collection (or execution) date, YYYY-MM-DD')
    .addOption(
      new Option('--kind <kind>', 'debit (collect) or credit (refunds out)').choices(['debit', 'credit']),
    )
    .option('--creditor <code>', 'only this creditor')
    .option('--out <dir>', 'folder for the files (default bankfiles/ next to the ledger)')
    .option('--dry-run', 'compute the files (counts, totals, skipped) and post and write nothing')
    .option('--yes', 'confirm the preview computed in this invocation without asking (nightly jobs)')
    .option('--preview', 'print the confirmation preview (count and totals) and post nothing')
    .addOption(
      new Option('--confirm <id>', 'run a confirmation prepared earlier with --preview').argParser(intOption),
    )
    .action(
      (
        o: {
          scheme: 'sepa' | 'ach';
          collectionDate: string;
          kind?: 'debit' | 'credit';
          creditor?: string;
          out?: string;
          dryRun?: boolean;
        } & ConfirmFlags,
        cmd: Command,
      ) => {
        const input = dropUndefined({
          scheme: o.scheme,
          collectionDate: o.collectionDate,
          kind: o.kind,
          creditor: o.creditor,
          out: o.out === undefined ? undefined : resolve(o.out),
        });
        if (o.dryRun) return run<DdRunDto>(cmd, 'dd:run', { ...input, dryRun: true }, humanRun);
        return runConfirmed<DdRunDto>(kit, cmd, 'dd:run', input, o, humanRun);
      },
    );
  dd.command('files')
    .description('outgoing bank files, newest first')
    .addOption(new Option('--status <status>', 'only this status').choices(['ready', 'sent', 'cancelled']))
    .addOption(new Option('--limit <n>', 'how many').argParser(intOption).default(200))
    .action((o: { status?: 'ready' | 'sent' | 'cancelled'; limit: number }, cmd: Command) =>
      run<{ rows: DdFileDto[] }>(cmd, 'dd:files', dropUndefined({ status: o.status, limit: o.limit }), (v) =>
        v.rows.map(fileLine).join(''),
      ),
    );
  const file = dd.command('file').description('one outgoing bank file');
  file
    .command('show <id>')
    .description('a file with its items')
    .action((id: string, _o: unknown, cmd: Command) =>
      run<DdFileDetailDto>(cmd, 'dd:show-file', { id: intOption(id) }, humanDetail),
    );
  file
    .command('write <id>')
    .description('write the file again from the registry, byte-identical (its sha256 is checked)')
    .option('--out <dir>', 'folder (default bankfiles/ next to the ledger)')
    .action((id: string, o: { out?: string }, cmd: Command) =>
      run<DdFileDto>(
        cmd,
        'dd:write-file',
        dropUndefined({ id: intOption(id), out: o.out === undefined ? undefined : resolve(o.out) }),
        fileLine,
      ),
    );
  file
    .command('sent <id>')
    .description('mark the file delivered to the bank (once; a second time is refused)')
    .action((id: string, _o: unknown, cmd: Command) =>
      run<DdFileDto>(cmd, 'dd:mark-sent', { id: intOption(id) }, fileLine),
    );
  file
    .command('cancel <id>')
    .description('cancel a ready (unsent) file: its payments are reversed and its bills reopen')
    .requiredOption('--reason <text>', 'why')
    .action((id: string, o: { reason: string }, cmd: Command) =>
      run<DdFileDto>(cmd, 'dd:cancel-file', { id: intOption(id), reason: o.reason }, fileLine),
    );
}
