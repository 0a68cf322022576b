import { CommanderError, type Command } from 'commander';
import {
  REPORT_NAMES,
  type ReportDto,
  type ReportExportDto,
  type ReportName,
  type ReportTableDto,
} from '../../../src-shared/dto/reports';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { cellText } from '../../services/reports/csv';
import { dropUndefined, intOption, type CliKit } from '../kit';

type ReportOptions = {
  from?: string;
  to?: string;
  currency?: string;
  channel?: number;
  payType?: number;
  batch?: number;
  by?: string;
  account?: string;
  csv?: string;
  pdf?: string;
};

/** A pay type by element id or by name (check, cash, creditCard, wireTransfer, ...; case and dashes ignored). */
export function payTypeOption(text: string): number {
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const key = text.replace(/[-_\s]/g, '').toLowerCase();
  const hit = Object.entries(PAY_TYPE).find(([k]) => k.toLowerCase() === key);
  if (!hit)
    throw new CommanderError(
      2,
      'paydesk.invalidPayType',
      `--pay-type "${text}" is not a pay type: use an element id or one of ${Object.keys(PAY_TYPE).join(', ')}`,
    );
  return hit[1];
}

/** One table as aligned text: numbers right, totals under a rule. */
function humanTable(t: ReportTableDto): string {
  const first = t.columns[0]?.key;
  const body = [
    ...t.rows.map((r) => t.columns.map((c) => cellText(c, r))),
    ...(t.totals ?? []).map((r) =>
      t.columns.map((c) =>
        cellText(c, first !== undefined && r[first] == null ? { ...r, [first]: 'Total' } : r),
      ),
    ),
  ];
  const head = t.columns.map((c) => c.label);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const right = t.columns.map(
    (c) => c.kind === 'int' || c.kind === 'code' || c.kind === 'money' || c.kind === 'percent',
  );
  const line = (row: string[]): string =>
    row
      .map((v, i) => (right[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [`${t.title}`, line(head)];
  if (t.rows.length === 0) out.push('  (no rows)');
  out.push(...body.slice(0, t.rows.length).map(line));
  if (t.totals?.length) {
    out.push(widths.map((w) => '-'.repeat(w)).join('  '));
    out.push(...body.slice(t.rows.length).map(line));
  }
  return out.join('\n') + '\n';
}

/** A report as text: title, subtitle, then each table. */
export function humanReportDto(r: ReportDto): string {
  return [
    `${r.title}`,
    r.subtitle,
    `generated ${r.generatedAt}`,
    '',
    ...r.tables.map((t) => humanTable(t)),
  ].join('\n');
}

/**
 * `paydesk report NAME [--from --to --currency --channel --pay-type --batch --by LOGIN --account] [--csv F --pdf F]`: prints the report (`--json`: the ReportDto); with --csv or
 * --pdf it writes the files and prints the ReportExportDto (`--json`) or the report and the files written.
 */
export function registerReportCommands({ program, run }: CliKit): void {
  program
    .command('report')
    .description(
      'reports: deposit, suspense-aging, collections, history, daily, gl (CSV and PDF with --csv/--pdf)',
    )
    .argument('<name>', REPORT_NAMES.join(' | '))
    .option('--from <date>', 'first posting date (YYYY-MM-DD; default the first of this month)')
    .option(
      '--to <date>',
      'last posting date (default the end of this month; daily: the day, default yesterday)',
    )
    .option('--currency <code>', 'one currency')
    .option('--channel <id>', 'one payment channel', intOption)
    .option(
      '--pay-type <type>',
      'one pay type (element id or name: check, cash, creditCard, ...)',
      payTypeOption,
    )
    .option('--batch <id>', 'one batch', intOption)
    // `--operator` is the global sign-in option (commander hands it to the program wherever it stands).
    .option('--by <login>', 'one operator: who created the batches or posted the payments')
    .option('--account <accountNo>', 'one account (payment history)')
    .option('--csv <file>', 'write the CSV (first table; the others beside it as <stem>-<table>.csv)')
    .option('--pdf <file>', 'write the PDF')
    .action(async (name: string, o: ReportOptions, cmd: Command) => {
      if (!(REPORT_NAMES as readonly string[]).includes(name))
        throw new CommanderError(
          2,
          'paydesk.invalidReport',
          `unknown report "${name}": use ${REPORT_NAMES.join(', ')}`,
        );
      const filters = dropUndefined({
        from: o.from,
        to: o.to,
        currency: o.currency,
        channelId: o.channel,
        payType: o.payType,
        batchId: o.batch,
        operator: o.by,
        accountNo: o.account,
      });
      if (o.csv === undefined && o.pdf === undefined) {
        await run<ReportDto>(cmd, 'reports:run', { name: name as ReportName, filters }, humanReportDto);
        return;
      }
      await run<ReportExportDto>(
        cmd,
        'reports:export',
        { name, filters, ...dropUndefined({ csvFile: o.csv, pdfFile: o.pdf }) },
        (x) =>
          humanReportDto(x.report) +
          x.files.map((f) => `Wrote ${f.format.toUpperCase()} ${f.path} (${f.bytes} bytes)\n`).join(''),
      );
    });
}
