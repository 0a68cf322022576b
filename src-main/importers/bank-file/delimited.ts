import Papa from 'papaparse';
import { RowCollector, cutAndReadBatchInfo, makeStager, memoReason, passesFilter } from './stage';
import type { BankFileTemplate } from './template';
import { LIMITS, type FileProblem, type ParserOptions, type ParserOutput } from './types';

const CANDIDATE_DELIMITERS = [',', '\t', ';', '|', ' ', '#'];

function describe(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : delimiter === ' ' ? 'space' : `'${delimiter}'`;
}

/** Suggests a delimiter that would give the template its columns on most sample lines. */
function guessDelimiter(
  sample: string[],
  current: string,
  quote: string,
  needed: number,
): string | undefined {
  for (const candidate of CANDIDATE_DELIMITERS) {
    if (candidate === current || candidate === quote) continue;
    const fits = sample.filter((line) => {
      const parsed = Papa.parse<string[]>(line, { delimiter: candidate, quoteChar: quote, newline: '\n' });
      return (parsed.data[0]?.length ?? 0) >= needed;
    }).length;
    if (sample.length > 0 && fits * 2 > sample.length) return candidate;
  }
  return undefined;
}

/**
 * Parses delimited text (already decoded, LF line endings) with papaparse: quoted fields may hold delimiters and
 * line breaks; header and footer lines are taken off by count.
 */
export function parseDelimited(text: string, template: BankFileTemplate, opts: ParserOptions): ParserOutput {
  const delimiter = template.delimiter ?? ',';
  const quote = template.quote;
  const fileErrors: FileProblem[] = [];
  const { blocks, header, footer, problems } = cutAndReadBatchInfo(text, template, opts.exponent);
  fileErrors.push(...problems);
  opts.onBatchInfo?.(header, footer);

  const columns = template.columns;
  const needed = columns.reduce((max, c) => Math.max(max, (c.index ?? 0) + 1), 0);
  const collector = new RowCollector(opts.keepRows, opts.onRow);
  const stage = makeStager(columns, template, opts.exponent);
  const missing = memoReason((key: string) => {
    const [width = '', field = '', index = ''] = key.split('|');
    return `missing: the row has ${width} column(s); ${field} is column ${Number(index) + 1}`;
  });
  const body = blocks.body.join('\n');
  let seenColumnHeader = !template.hasColumnHeader;
  let shortRows = 0;
  let countMismatches = 0;
  const widths = new Map<number, number>();
  let scanned = 0;
  let line = blocks.bodyFirstLine;
  let stopped = false;

  Papa.parse<string[]>(body, {
    delimiter,
    quoteChar: quote,
    escapeChar: quote,
    header: false,
    newline: '\n',
    dynamicTyping: false,
    skipEmptyLines: false,
    step: (results, parser) => {
      if (stopped) return;
      const rowLine = line;
      const cursor = results.meta.cursor;
      // Count the line breaks this row consumed (quoted fields may span lines) for the next row's line number.
      for (let i = body.indexOf('\n', scanned); i >= 0 && i < cursor; i = body.indexOf('\n', i + 1)) line++;
      scanned = cursor;
      const data = results.data;
      if (data.length > LIMITS.maxColumns) {
        fileErrors.push({
          line: rowLine,
          reason: `line ${rowLine} has ${data.length} columns; the limit is ${LIMITS.maxColumns}`,
        });
        stopped = true;
        parser.abort();
        return;
      }
      const quoteErrors = results.errors.filter((e) => e.type === 'Quotes');
      if (quoteErrors.some((e) => e.code === 'MissingQuotes')) {
        fileErrors.push({
          line: rowLine,
          reason: `unterminated quoted field starting at line ${rowLine}: the rest of the file is one field`,
        });
        return;
      }
      if (data.every((cell) => cell.trim() === '')) return;
      if (!seenColumnHeader) {
        seenColumnHeader = true;
        return;
      }
      if (!passesFilter(data, template.recordFilter)) return;
      if (opts.maxRows !== undefined && collector.count >= opts.maxRows) {
        fileErrors.push({ line: rowLine, reason: `the file has more than ${opts.maxRows} data rows` });
        stopped = true;
        parser.abort();
        return;
      }
      widths.set(data.length, (widths.get(data.length) ?? 0) + 1);
      if (data.length < needed) shortRows++;
      const texts = columns.map((c) => data[c.index ?? 0]);
      const row = stage(rowLine, texts, (c) => missing(`${data.length}|${c.field}|${c.index ?? 0}`));
      if (quoteErrors.length > 0) row.problems.push({ column: '*', reason: 'malformed quotes in this row' });
      if (template.columnCount !== undefined && data.length !== template.columnCount) {
        countMismatches++;
        row.problems.push({
          column: '*',
          reason: `the row has ${data.length} column(s); the template expects ${template.columnCount}`,
        });
      }
      collector.add(row);
    },
  });

  const total = collector.count;
  const mostCommon = [...widths.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  if (total > 0 && (shortRows * 2 > total || countMismatches * 2 > total)) {
    const expected = template.columnCount ?? needed;
    const bad = Math.max(shortRows, countMismatches);
    const guess = guessDelimiter(blocks.body.slice(0, 20), delimiter, quote, expected);
    fileErrors.push({
      line: 0,
      reason:
        `wrong layout: ${bad} of ${total} rows do not have the ${expected} column(s) the template needs ` +
        `(most have ${mostCommon}) with delimiter ${describe(delimiter)}` +
        (guess ? `; the file looks ${describe(guess)}-delimited` : ''),
    });
  }
  return {
    header,
    footer,
    rows: collector.rows,
    fileErrors,
    stats: collector,
    stoppedEarly: stopped,
  };
}
