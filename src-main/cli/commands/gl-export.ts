import { CommanderError, type Command } from 'commander';
import { resolve } from 'node:path';
import type { ExportRunDto, GlLinesDto, GlSummaryDto, GlTotalsDto } from '../../../src-shared/dto/reports';
import { formatAmount, KNOWN_EXPONENTS } from '../../../src-shared/money';
import { dropUndefined, intOption, type CliKit } from '../kit';

const amount = (minor: number, currency: string): string =>
  formatAmount(minor, { exponent: KNOWN_EXPONENTS[currency] ?? 2 });

/** Lays out rows of cells as columns (numbers right-aligned where `right` says so). */
function table(head: string[], rows: string[][], right: ReadonlySet<number>): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

function totalsLines(title: string, totals: GlTotalsDto[]): string[] {
  return totals.map(
    (t) =>
      `${title} ${t.currency}: debit ${amount(t.debitMinor, t.currency)}, credit ${amount(t.creditMinor, t.currency)}, net ${amount(t.netMinor, t.currency)}`,
  );
}

/** The G/L summary as a readable table with its totals and whether they tie out to the journal. */
export function humanGlSummary(s: GlSummaryDto): string {
  const head = `G/L summary ${s.from} to ${s.to}${s.currency ? ` (${s.currency})` : ''}\n`;
  if (s.rows.length === 0) return `${head}No journal lines posted in this period.\n`;
  const body = table(
    ['G/L ID', 'Label', 'Cur', 'Debit', 'Credit', 'Net', 'Lines'],
    s.rows.map((r) => [
      String(r.glId),
      r.label,
      r.currency,
      amount(r.debitMinor, r.currency),
      amount(r.creditMinor, r.currency),
      amount(r.netMinor, r.currency),
      String(r.lines),
    ]),
    new Set([0, 3, 4, 5, 6]),
  );
  return (
    [
      head + body.trimEnd(),
      ...totalsLines('Total', s.totals),
      ...totalsLines('Journal', s.journalTotals),
      s.tiesOut ? 'Ties out to the journal.' : 'DOES NOT tie out to the journal.',
    ].join('\n') + '\n'
  );
}

/** The journal lines of one G/L ID as a table. */
export function humanGlLines(l: GlLinesDto): string {
  const head = `G/L ${l.glId}${l.currency ? ` (${l.currency})` : ''}: ${l.total} line(s), showing ${l.rows.length}\n`;
  if (l.rows.length === 0) return head;
  return (
    head +
    table(
      [
        'Line',
        'Journal',
        'Kind',
        'Posted',
        'Effective',
        'Ledger',
        'Account',
        'Debit',
        'Credit',
        'Cur',
        'Reason',
        'Payment',
      ],
      l.rows.map((r) => [
        String(r.lineId),
        String(r.journalId),
        r.journalKind,
        r.at.slice(0, 19).replace('T', ' '),
        r.effectiveDate,
        r.glAccount,
        r.accountNo ?? '-',
        r.amountMinor > 0 ? amount(r.amountMinor, r.currency) : '',
        r.amountMinor < 0 ? amount(-r.amountMinor, r.currency) : '',
        r.currency,
        r.reasonCode === null ? '-' : String(r.reasonCode),
        r.paymentId === null ? '-' : String(r.paymentId),
      ]),
      new Set([0, 1, 7, 8, 10, 11]),
    )
  );
}

/** One export run in words: what it covered and the files with their digests. */
export function humanExportRun(r: ExportRunDto): string {
  const range =
    r.mode === 'range'
      ? `posting dates ${r.fromDate ?? ''} to ${r.toDate ?? ''}`
      : `journals ${r.journals.from + 1}..${r.journals.to}${r.kind === 'posted' ? `, allocations ${r.allocations.from + 1}..${r.allocations.to}` : ''} (since the watermark)`;
  return (
    `Export #${r.id} ${r.kind} (${r.mode}) at ${r.at}${r.operator ? ` by ${r.operator}` : ''}: ${r.records} record(s), ${range}\n` +
    r.files.map((f) => `  ${f.path}  ${f.bytes} bytes  sha256 ${f.sha256}\n`).join('')
  );
}

type ExportOptions = { out?: string; sinceWatermark?: boolean; from?: string; to?: string; period?: string };

/** The exports:run input of the CLI options; a watermark run with a range is refused before anything runs. */
function exportInput(kind: 'posted' | 'gl', o: ExportOptions): Record<string, unknown> {
  if (o.sinceWatermark && (o.from !== undefined || o.to !== undefined || o.period !== undefined))
    throw new CommanderError(
      2,
      'paydesk.exportMode',
      '--since-watermark exports what is new; give it without --from/--to/--period',
    );
  return dropUndefined({
    kind,
    out: o.out === undefined ? undefined : resolve(o.out),
    from: o.from,
    to: o.to,
    period: o.period,
  });
}

/**
 * `paydesk gl summary|lines` (the G/L summary and its journal lines) and `paydesk export posted|gl|list` (the
 * exports to the billing system and the general ledger, with their watermark).
 */
export function registerGlExportCommands({ program, run }: CliKit): void {
  const gl = program.command('gl').description('the G/L summary: debits, credits and net per G/L ID');
  gl.command('summary')
    .description('debits, credits and net per G/L ID and currency of the journal lines posted in a period')
    .requiredOption('--from <date>', 'first posting date (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last posting date (YYYY-MM-DD)')
    .option('--currency <code>', 'one currency only')
    .action((o: { from: string; to: string; currency?: string }, cmd: Command) =>
      run<GlSummaryDto>(cmd, 'reports:gl-summary', dropUndefined(o), humanGlSummary),
    );
  gl.command('lines')
    .description('the journal lines behind one G/L ID (drill-down), in posting order')
    .argument('<glId>', 'the G/L ID (0 = unmapped)', intOption)
    .requiredOption('--from <date>', 'first posting date (YYYY-MM-DD)')
    .requiredOption('--to <date>', 'last posting date (YYYY-MM-DD)')
    .option('--currency <code>', 'one currency only')
    .option('--limit <n>', 'lines per page (default 200, at most 5000)', intOption)
    .option('--offset <n>', 'lines to skip', intOption)
    .action(
      (
        glId: number,
        o: { from: string; to: string; currency?: string; limit?: number; offset?: number },
        cmd: Command,
      ) => run<GlLinesDto>(cmd, 'reports:gl-lines', dropUndefined({ glId, ...o }), humanGlLines),
    );

  const exp = program
    .command('export')
    .description('export what was posted to the billing system (posted) or the general ledger (gl)');
  for (const kind of ['posted', 'gl'] as const) {
    exp
      .command(kind)
      .description(
        kind === 'posted'
          ? 'payments, reversals, suspense moves, fees, refunds, returns and allocations, as CSV and JSON Lines'
          : 'journal lines by G/L ID, as CSV and JSON Lines',
      )
      .option('--out <dir>', 'folder for the files (default exports/ next to the ledger)')
      .option(
        '--since-watermark',
        'everything posted since the last export of this kind (the default); advances it',
      )
      .option('--from <date>', 're-export posting dates from (YYYY-MM-DD), with --to; leaves the watermark')
      .option('--to <date>', 'last posting date of the re-export (YYYY-MM-DD)')
      .option('--period <month>', 're-export a month (YYYY-MM); leaves the watermark')
      .action((o: ExportOptions, cmd: Command) =>
        run<ExportRunDto>(cmd, 'exports:run', exportInput(kind, o), humanExportRun),
      );
  }
  exp
    .command('list')
    .description('the recorded export runs, newest first')
    .option('--kind <kind>', 'posted or gl')
    .option('--limit <n>', 'how many (default 50)', intOption)
    .action((o: { kind?: string; limit?: number }, cmd: Command) =>
      run<ExportRunDto[]>(cmd, 'exports:list', dropUndefined(o), (runs) =>
        runs.length === 0 ? 'No exports yet.\n' : runs.map(humanExportRun).join(''),
      ),
    );
}
