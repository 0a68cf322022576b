import { RowCollector, cutAndReadBatchInfo, makeStager, memoReason, passesFilter } from './stage';
import type { BankFileTemplate } from './template';
import type { FileProblem, ParserOptions, ParserOutput } from './types';

/**
 * Parses fixed-width text (decoded, LF line endings): each column is `length` characters from a 1-based `start`.
 * A line that ends inside a column yields what is there (trailing blanks are often trimmed); a line that ends before
 * a column starts marks that column missing.
 */
export function parseFixedWidth(text: string, template: BankFileTemplate, opts: ParserOptions): ParserOutput {
  const fileErrors: FileProblem[] = [];
  const { blocks, header, footer, problems } = cutAndReadBatchInfo(text, template, opts.exponent);
  fileErrors.push(...problems);
  opts.onBatchInfo?.(header, footer);

  const columns = template.columns;
  const lastStart = columns.reduce((max, c) => Math.max(max, c.start ?? 1), 1);
  const collector = new RowCollector(opts.keepRows, opts.onRow);
  const stage = makeStager(columns, template, opts.exponent);
  const missing = memoReason((key: string) => {
    const [length = '', field = '', start = ''] = key.split('|');
    return `missing: the line is ${length} characters; ${field} starts at ${start}`;
  });
  let seenColumnHeader = !template.hasColumnHeader;
  let shortRows = 0;
  let stoppedEarly = false;
  const lengths = new Map<number, number>();

  for (let i = 0; i < blocks.body.length; i++) {
    const text = blocks.body[i] ?? '';
    const lineNo = blocks.bodyFirstLine + i;
    if (text.trim() === '') continue;
    if (!seenColumnHeader) {
      seenColumnHeader = true;
      continue;
    }
    if (!passesFilter(text, template.recordFilter)) continue;
    if (opts.maxRows !== undefined && collector.count >= opts.maxRows) {
      fileErrors.push({ line: lineNo, reason: `the file has more than ${opts.maxRows} data rows` });
      stoppedEarly = true;
      break;
    }
    lengths.set(text.length, (lengths.get(text.length) ?? 0) + 1);
    if (text.length < lastStart) shortRows++;
    const texts = columns.map((c) => {
      const start = c.start ?? 1;
      return text.length < start ? undefined : text.slice(start - 1, start - 1 + (c.length ?? 0));
    });
    collector.add(stage(lineNo, texts, (c) => missing(`${text.length}|${c.field}|${c.start ?? 1}`)));
  }

  const total = collector.count;
  if (total > 0 && shortRows * 2 > total) {
    const mostCommon = [...lengths.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
    fileErrors.push({
      line: 0,
      reason:
        `wrong layout: ${shortRows} of ${total} lines end before column ${lastStart}, ` +
        `where the template's last field starts (most lines are ${mostCommon} characters)`,
    });
  }
  return {
    header,
    footer,
    rows: collector.rows,
    fileErrors,
    stats: collector,
    stoppedEarly,
  };
}
