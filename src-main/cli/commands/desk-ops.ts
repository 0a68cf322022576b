import { Command } from 'commander';
import type { Result } from '../../../src-shared/api/result';
import type { ArPreviewDto, BatchUndoDto, BatchUndoPreviewDto } from '../../../src-shared/dto/desk-ops';
import { formatMinor } from '../../../src-shared/money';
import { humanBatch } from '../human';
import { intOption, type CliKit, type GlobalOptions } from '../kit';
import { printError } from '../output';

/** The undo preview as text: what the reversal batch would reverse, then what stops it. */
export function humanUndoPreview(p: BatchUndoPreviewDto): string {
  const out = [
    `Undo of batch ${p.batch.batchNo} (${p.batch.batchType}, ${p.batch.status}) as reversal batch ${p.reversalBatchNo}`,
  ];
  if (p.reversal)
    out.push(
      `Reversal batch ${p.reversal.batchNo} exists (${p.reversal.status})${p.reversal.pendingApprovalId === null ? '' : `, waiting for approval #${p.reversal.pendingApprovalId}`}`,
    );
  out.push('', '   seq  payment  account              amount  placement  allocated  action');
  for (const e of p.entries)
    out.push(
      `${String(e.seq).padStart(6)} ${String(e.paymentId).padStart(8)}  ${e.accountNo.padEnd(14)} ${`${formatMinor(e.amountMinor, p.totals.find((t) => t.currency === e.currency)?.exponent ?? p.batch.exponent)} ${e.currency}`.padStart(14)}  ${e.placement.padEnd(9)}  ${String(e.allocatedMinor).padStart(9)}  ${e.action}${e.note ? ` (${e.note})` : ''}`,
    );
  out.push(
    '',
    `To reverse: ${p.count} payment${p.count === 1 ? '' : 's'}${p.totals.map((t) => `, ${formatMinor(t.amountMinor, t.exponent)} ${t.currency}`).join('')}`,
  );
  if (p.refusals.length > 0) out.push('', 'Cannot undo now:', ...p.refusals.map((r) => `  ${r.reason}`));
  return out.join('\n') + '\n';
}

/** The undo's result as text. */
function humanUndo(r: BatchUndoDto): string {
  const head =
    r.outcome === 'already_undone'
      ? `Batch ${r.original.batchNo} was already undone by reversal batch ${r.reversal.batchNo}; nothing posted again.`
      : `Batch ${r.original.batchNo} undone: reversal batch ${r.reversal.batchNo} submitted, ${r.submit?.reversed ?? 0} payment(s) reversed.`;
  return `${head}\n${humanBatch(r.reversal)}`;
}

/** The receivables preview as text: counts per file, or every problem. */
export function humanArPreview(p: ArPreviewDto): string {
  if (!p.ok)
    return (
      [
        `${p.problemCount} problem${p.problemCount === 1 ? '' : 's'} in the receivables files; an import would change nothing:`,
        ...p.problems.map((i) => `  ${i.file} line ${i.line}, ${i.column}: ${i.reason}`),
      ].join('\n') + '\n'
    );
  const files = [p.accounts, p.billUnits, p.bills, p.items].filter((f) => f !== undefined);
  return (
    [
      'Preview (nothing was imported):',
      ...files.map(
        (f) =>
          `  ${f.file}: ${f.rows} rows, ${f.inserted} to insert, ${f.updated} to update, ${f.unchanged} unchanged`,
      ),
    ].join('\n') + '\n'
  );
}

/** `batch undo`: reverse a whole submitted batch through a reversal batch (or only show what it would do). */
export function registerDeskOpsCommands(kit: CliKit): void {
  const { program, io, run, withApp, setExitCode } = kit;
  const batch =
    program.commands.find((c) => c.name() === 'batch') ??
    program.command('batch').description('Payment Tool batches: payments, refunds and reversals');

  batch
    .command('undo')
    .description(
      'undo a submitted batch: its reversal batch <batchNo>-U1, submitted under the reversal approval rules (--preview: only show it)',
    )
    .argument('<batchId>', 'batch id', intOption)
    .option('--preview', 'show what the undo would reverse and what stops it; change nothing')
    .option('--reason <text>', 'why the batch is undone (required to undo)')
    .option(
      '--reason-code <code>',
      'payment reversal reason (domain 17; default 4102 Posted in error)',
      intOption,
    )
    .option(
      '--confirmation <id>',
      'the prepared confirmation of the reversal submit (over confirm.submitAboveAmount)',
      intOption,
    )
    .action(
      async (
        batchId: number,
        o: { preview?: boolean; reason?: string; reasonCode?: number; confirmation?: number },
        cmd: Command,
      ) => {
        if (o.preview) {
          const opts = cmd.optsWithGlobals<GlobalOptions>();
          const r = (await (
            await withApp(opts)
          ).dispatch('batches:undo-preview', {
            batchId,
          })) as Result<BatchUndoPreviewDto>;
          if (!r.ok) {
            setExitCode(printError(io, Boolean(opts.json), r.error));
            return;
          }
          io.out(opts.json ? JSON.stringify(r.value) + '\n' : humanUndoPreview(r.value));
          return;
        }
        await run<BatchUndoDto>(
          cmd,
          'batches:undo',
          {
            batchId,
            reason: o.reason ?? '',
            ...(o.reasonCode === undefined ? {} : { reasonCode: o.reasonCode }),
            ...(o.confirmation === undefined ? {} : { confirmationId: o.confirmation }),
          },
          humanUndo,
        );
      },
    );
}
