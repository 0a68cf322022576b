import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { ReturnsImportDto, ReturnsPreviewDto } from '../../../src-shared/dto/returns';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';
import { humanBatch } from '../human';
import { intOption, type CliKit } from '../kit';

const money = (minor: number | null, currency: string | null): string =>
  minor === null || currency === null
    ? '-'
    : `${formatMinor(minor, KNOWN_EXPONENTS[currency] ?? 2)} ${currency}`;

/** Readable preview: one line per return (matched or why not), then the notifications of change. */
function humanPreview(p: ReturnsPreviewDto): string {
  const lines = [
    `${p.fileName ?? 'returns'} (${p.format}): ${p.matched} to reverse, ${p.unmatched} not (${p.alreadyReturned} already returned), ${p.accepted} accepted`,
    ...p.lines.map(
      (l) =>
        `${String(l.line ?? l.path ?? `#${l.n}`).padEnd(6)} ${l.reference.padEnd(28)} ${(l.accountNo ?? '-').padEnd(12)} ${String(l.paymentId ?? '-').padStart(7)} ${money(l.amountMinor, l.currency).padStart(14)}  ${l.bankCode} -> ${l.rejectionCode ?? 'unknown'} (${l.declineClass})  ${l.matched ? 'matched' : `NOT: ${l.reason ?? ''}`}`,
    ),
    ...p.totals.map((t) => `total ${t.count} ${money(t.amountMinor, t.currency)}`),
    ...p.changes.map(
      (c) =>
        `change ${c.code} ${c.reference} mandate ${c.mandateReference ?? '-'}: ${c.applied ? 'applied' : (c.reason ?? 'to apply')} ${JSON.stringify(c.after)}`,
    ),
    ...p.problems.map((x) => `problem ${x.line ?? x.path ?? ''}: ${x.reason}`),
  ];
  return lines.join('\n') + '\n';
}

function humanImport(r: ReturnsImportDto): string {
  const head = humanPreview(r);
  if (r.batches.length === 0) return `${head}No return batch created.\n`;
  return `${head}Created ${r.batches.length} return batch(es) with ${r.rows} entries (${r.invalid} lines not returned):\n${r.batches.map(humanBatch).join('')}`;
}

/**
 * `paydesk bankfile returns FILE [--preview]` and `paydesk payment bounce PAYMENT_ID --code C [--text T]`. The
 * `bankfile` and `payment` groups are shared with other files: each adds its subcommands to whichever made it.
 */
export function registerReturnsCommands({ program, run }: CliKit): void {
  const bankfile =
    program.commands.find((c) => c.name() === 'bankfile') ??
    program.command('bankfile').description('bank files: check, returns');
  bankfile
    .command('returns')
    .description(
      'read a returns file (pain.002, camt.054, NACHA returns/NOC, rejection CSV; detected by content) into a return batch',
    )
    .argument('<file>', 'the returns file')
    .option('--preview', 'show what would be reversed and changed; write nothing')
    .action((file: string, o: { preview?: boolean }, cmd: Command) =>
      o.preview
        ? run<ReturnsPreviewDto>(cmd, 'returns:preview', { file: resolve(file) }, humanPreview)
        : run<ReturnsImportDto>(cmd, 'returns:import', { file: resolve(file) }, humanImport),
    );
  const payment =
    program.commands.find((c) => c.name() === 'payment') ??
    program.command('payment').description('single payments outside a batch');
  payment
    .command('bounce')
    .description('record a bounced payment (a returned check) as a one-entry return batch')
    .argument('<paymentId>', 'the payment that bounced', intOption)
    .requiredOption('--code <code>', 'the rejection code (admin: rejection codes), e.g. NSF, R01, AM04')
    .option('--text <text>', "the bank's words")
    .action((paymentId: number, o: { code: string; text?: string }, cmd: Command) =>
      run<ReturnsImportDto>(
        cmd,
        'returns:bounce',
        { paymentId, code: o.code, ...(o.text !== undefined ? { text: o.text } : {}) },
        humanImport,
      ),
    );
}
