import { writePrivateFile } from '../private-file';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { Result } from '../../../src-shared/api/result';
import type { BatchDto, BatchReportDto } from '../../../src-shared/dto/batches';
import { formatMinor } from '../../../src-shared/money';
import { humanBatch } from '../human';
import { dropUndefined, intOption, type CliKit, type GlobalOptions } from '../kit';
import { printError } from '../output';

/** The report as text: the figures per status, then the suspended entries and the exceptions. */
function humanReport(r: BatchReportDto): string {
  const e = r.batch.exponent;
  const m = (minor: number | null): string => (minor === null ? '' : formatMinor(minor, e));
  const out = [humanBatch(r.batch).trimEnd(), '', 'status                 count          amount'];
  for (const s of r.byStatus)
    out.push(`${s.status.padEnd(20)} ${String(s.count).padStart(7)} ${m(s.totalMinor).padStart(15)}`);
  out.push(
    '',
    `Posted to accounts: ${r.postedToAccounts.count} (${m(r.postedToAccounts.totalMinor)} ${r.batch.currency})`,
    `Posted to suspense: ${r.postedToSuspense.count} (${m(r.postedToSuspense.totalMinor)} ${r.batch.currency})`,
  );
  for (const [title, sec] of [
    ['Suspended', r.suspended],
    ['Exceptions', r.exceptions],
  ] as const) {
    out.push('', `${title}: ${sec.total} (${m(sec.totalMinor)} ${r.batch.currency})`);
    for (const l of sec.rows)
      out.push(
        `  #${l.seq} ${l.accountNo ?? l.billNo ?? '-'} ${m(l.amountMinor)} ${l.reasonCode ?? ''} ${l.reasonLabel ?? l.problem ?? ''}`.trimEnd(),
      );
  }
  for (const x of r.exceptionBatches)
    out.push(`Exception batch ${x.batchNo} (${x.status}): ${x.entries} entries, ${m(x.totalMinor)}`);
  return out.join('\n') + '\n';
}

/** `batch report` and `batch header`: the batch report as CSV/PDF files, and header edits. */
export function registerBatchCommands(kit: CliKit): void {
  const { program, io, run, withApp, setExitCode } = kit;
  const batch =
    program.commands.find((c) => c.name() === 'batch') ??
    program.command('batch').description('Payment Tool batches: payments, refunds and reversals');

  batch
    .command('report')
    .description(
      'batch report: counts and totals per status, suspended list, exceptions (--csv / --pdf files)',
    )
    .argument('<batchId>', 'batch id', intOption)
    .option('--csv <file>', 'write the report as CSV')
    .option('--pdf <file>', 'write the report as PDF')
    .action(async (batchId: number, o: { csv?: string; pdf?: string }, cmd: Command) => {
      const opts = cmd.optsWithGlobals<GlobalOptions>();
      const r = (await (
        await withApp(opts)
      ).dispatch('batches:report', {
        batchId,
        csv: o.csv !== undefined,
        pdf: o.pdf !== undefined,
      })) as Result<BatchReportDto>;
      if (!r.ok) {
        setExitCode(printError(io, Boolean(opts.json), r.error));
        return;
      }
      const { csv, pdfBase64, ...report } = r.value;
      const files: { csv?: string; pdf?: string } = {};
      if (o.csv !== undefined && csv !== null) {
        files.csv = resolve(o.csv);
        writePrivateFile(files.csv, csv);
      }
      if (o.pdf !== undefined && pdfBase64 !== null) {
        files.pdf = resolve(o.pdf);
        writePrivateFile(files.pdf, Buffer.from(pdfBase64, 'base64'));
      }
      io.out(
        opts.json
          ? JSON.stringify({ ...report, files }) + '\n'
          : humanReport(r.value) +
              Object.entries(files)
                .map(([k, f]) => `Wrote ${k.toUpperCase()} to ${f}\n`)
                .join(''),
      );
    });

  batch
    .command('header')
    .description('edit a batch header: the note at any time, lockbox and control figures until submit')
    .argument('<batchId>', 'batch id', intOption)
    .option('--note <text>', 'free note ("" clears it)')
    .option('--lockbox <no>', 'lockbox number ("" clears it)')
    .addOption(new Option('--control-count <n>', 'expected number of entries').argParser(intOption))
    .option('--control-total <amount>', 'expected total (decimal)')
    .option('--clear-control', 'remove both control figures')
    .action(
      (
        batchId: number,
        o: {
          note?: string;
          lockbox?: string;
          controlCount?: number;
          controlTotal?: string;
          clearControl?: boolean;
        },
        cmd: Command,
      ) =>
        run<BatchDto>(
          cmd,
          'batches:update-header',
          dropUndefined({
            batchId,
            note: o.note,
            lockboxNo: o.lockbox,
            controlCount: o.clearControl ? null : o.controlCount,
            controlTotal: o.clearControl ? null : o.controlTotal,
          }),
          humanBatch,
        ),
    );
}
