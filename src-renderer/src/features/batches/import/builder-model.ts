/**
 * The template builder's model: the first lines of a file, how they are cut into columns (delimited, or fixed
 * width by boundaries clicked on the preview), which column is which field, where the header and footer figures
 * are (by record-type prefix) and the date, amount and encoding styles. Pure: the dialog keeps one value and
 * replaces it through these functions; `toTemplate` gives the template the import commands take.
 */

/** Row fields a column can be mapped to (the import template's field names). */
export const ROW_FIELDS = [
  'accountNo',
  'amount',
  'paymentDate',
  'reference',
  'payerName',
  'checkNo',
  'billNo',
  'paymentId',
  'currency',
] as const;
/** One of ROW_FIELDS. */
export type RowField = (typeof ROW_FIELDS)[number];

/** Figures read from a header or footer record. */
export const INFO_FIELDS = ['date', 'count', 'total', 'lockboxNo'] as const;
/** One of INFO_FIELDS. */
export type InfoField = (typeof INFO_FIELDS)[number];

/** Date styles the importer reads. */
export const DATE_STYLES = [
  'yyyy-MM-dd',
  'MM/dd/yyyy',
  'dd/MM/yyyy',
  'dd.MM.yyyy',
  'yyyyMMdd',
  'MMddyyyy',
  'MMddyy',
  'yyMMdd',
] as const;
/** One of DATE_STYLES. */
export type DateStyle = (typeof DATE_STYLES)[number];

/** Encodings the importer reads. */
export const ENCODINGS = ['auto', 'utf-8', 'windows-1252', 'utf-16le', 'utf-16be', 'ebcdic'] as const;

/**
 * A header or footer figure: the first header/footer record starting with `prefix` holds it, in cell `column`
 * of a delimited line or at 1-based `start` for `length` characters of a fixed-width one (header and trailer
 * records have layouts of their own, so they do not follow the data row's boundaries).
 */
export type InfoMapping = {
  field: InfoField;
  prefix: string;
  column?: number;
  start?: number;
  length?: number;
};

/** Where a header/footer figure sits in its record. */
export type InfoPlace = { column: number } | { start: number; length: number };

/** The whole builder state. */
export type BuilderState = {
  lines: string[];
  layout: 'delimited' | 'fixed';
  delimiter: string;
  quote: string;
  hasColumnHeader: boolean;
  /** Fixed width: 0-based character positions where a new column starts (0 itself is implied). */
  boundaries: number[];
  /** Only lines starting with this text are data rows ('' = every line between header and footer). */
  recordPrefix: string;
  /** Column index -> field. */
  columns: Partial<Record<number, RowField>>;
  info: InfoMapping[];
  dateStyle: DateStyle;
  impliedDecimals: number;
  decimalComma: boolean;
  encoding: (typeof ENCODINGS)[number];
};

/** A problem that keeps the template from being saved, with the part of the builder it concerns. */
export type BuilderProblem = { where: string; message: string };

const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'];

/**
 * The delimiter that splits most non-empty lines (more than half) into several cells, if any; header and trailer
 * records often have fewer cells than the rows, so the count of cells need not agree.
 */
export function guessDelimiter(lines: readonly string[]): string | null {
  const body = lines.filter((l) => l.trim() !== '').slice(0, 50);
  let best: { d: string; score: number } | null = null;
  for (const d of CANDIDATE_DELIMITERS) {
    const split = body.filter((l) => splitDelimited(l, d, '"').length > 1).length;
    if (split * 2 > body.length && (!best || split > best.score)) best = { d, score: split };
  }
  return best?.d ?? null;
}

/** A fresh builder for a file's first lines: delimited when a delimiter is evident, else fixed width. */
export function initialState(lines: readonly string[]): BuilderState {
  const delimiter = guessDelimiter(lines);
  return {
    lines: [...lines],
    layout: delimiter ? 'delimited' : 'fixed',
    delimiter: delimiter ?? ',',
    quote: '"',
    hasColumnHeader: false,
    boundaries: [],
    recordPrefix: '',
    columns: {},
    info: [],
    dateStyle: 'yyyy-MM-dd',
    impliedDecimals: 0,
    decimalComma: false,
    encoding: 'auto',
  };
}

/** One delimited line split into cells; a quoted cell may hold the delimiter and doubled quotes. */
export function splitDelimited(line: string, delimiter: string, quote: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === quote && line[i + 1] === quote) {
        cell += quote;
        i++;
      } else if (ch === quote) quoted = false;
      else cell += ch;
    } else if (ch === quote && cell === '') quoted = true;
    else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** Sets a column boundary at a character position, or removes the one there (a click on the preview). */
export function toggleBoundary(state: BuilderState, position: number): BuilderState {
  if (!Number.isInteger(position) || position <= 0) return state;
  const has = state.boundaries.includes(position);
  const boundaries = has
    ? state.boundaries.filter((b) => b !== position)
    : [...state.boundaries, position].sort((a, b) => a - b);
  // A removed boundary merges two columns: mappings right of it shift one to the left (and the other way).
  const at = boundaries.filter((b) => b < position).length + 1;
  const shift = (i: number): number | null =>
    has ? (i === at ? null : i > at ? i - 1 : i) : i >= at ? i + 1 : i;
  const columns: BuilderState['columns'] = {};
  for (const [k, f] of Object.entries(state.columns)) {
    const to = shift(Number(k));
    if (to !== null && f) columns[to] = f;
  }
  return { ...state, boundaries, columns };
}

/** The fixed-width columns as 0-based [start, end) spans; the last runs to the longest line. */
export function columnSpans(state: BuilderState): { start: number; end: number }[] {
  const width = Math.max(1, ...state.lines.map((l) => l.length));
  const starts = [0, ...state.boundaries.filter((b) => b < width)];
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? width }));
}

/** One line cut into the builder's columns. */
export function cells(state: BuilderState, line: string): string[] {
  if (state.layout === 'delimited') return splitDelimited(line, state.delimiter, state.quote);
  return columnSpans(state).map((s) => line.slice(s.start, s.end));
}

/** Maps a column to a field (a field is on one column only), or clears it with null. */
export function mapColumn(state: BuilderState, column: number, field: RowField | null): BuilderState {
  const columns: BuilderState['columns'] = {};
  for (const [k, f] of Object.entries(state.columns)) {
    if (f && f !== field && Number(k) !== column) columns[Number(k)] = f;
  }
  if (field) columns[column] = field;
  return { ...state, columns };
}

/** Sets (or with place null removes) where a header/footer figure is read. */
export function mapInfo(
  state: BuilderState,
  field: InfoField,
  prefix: string,
  place: InfoPlace | null,
): BuilderState {
  const info = state.info.filter((m) => m.field !== field);
  if (place !== null) info.push({ field, prefix, ...place });
  return { ...state, info };
}

/** Which lines are which: leading header lines, data rows (and other body lines), trailing footer lines. */
export function lineRoles(
  state: BuilderState,
): ('header' | 'column-header' | 'data' | 'skipped' | 'footer')[] {
  const isData = (l: string): boolean =>
    l.trim() !== '' && (state.recordPrefix === '' || l.startsWith(state.recordPrefix));
  const first = state.lines.findIndex(isData);
  const last = state.lines.length - 1 - [...state.lines].reverse().findIndex(isData);
  return state.lines.map((l, i) => {
    if (first < 0) return 'skipped';
    if (state.hasColumnHeader && i === first) return 'column-header';
    if (i < first) return 'header';
    if (i > last) return 'footer';
    return isData(l) ? 'data' : 'skipped';
  });
}

type Placement = { start: number; length: number } | { index: number };

function placement(state: BuilderState, column: number): Placement {
  if (state.layout === 'delimited') return { index: column };
  const span = columnSpans(state)[column];
  return span ? { start: span.start + 1, length: span.end - span.start } : { start: 1, length: 1 };
}

/** The import template the builder describes, or every problem that keeps it from being one. */
export function toTemplate(
  state: BuilderState,
  name: string,
): { ok: true; definition: Record<string, unknown> } | { ok: false; problems: BuilderProblem[] } {
  const problems: BuilderProblem[] = [];
  if (name.trim() === '') problems.push({ where: 'name', message: 'give the template a name' });
  const mapped = Object.values(state.columns);
  if (!mapped.includes('amount')) problems.push({ where: 'columns', message: 'map a column to amount' });
  if (!mapped.includes('accountNo') && !mapped.includes('billNo') && !mapped.includes('paymentId')) {
    problems.push({ where: 'columns', message: 'map a column to accountNo (or billNo / paymentId)' });
  }
  if (state.layout === 'delimited' && state.delimiter.length !== 1) {
    problems.push({ where: 'delimiter', message: 'the delimiter is one character' });
  }
  const roles = lineRoles(state);
  const firstData = roles.findIndex((r) => r === 'data' || r === 'column-header');
  if (firstData < 0)
    problems.push({ where: 'recordPrefix', message: 'no line of the preview is a data row' });
  const headerLines = Math.max(0, firstData);
  const footerStart = roles.findIndex((r) => r === 'footer');
  const footerLines = footerStart < 0 ? 0 : state.lines.length - footerStart;

  const header: Record<string, unknown> = {};
  const footer: Record<string, unknown> = {};
  for (const m of state.info) {
    const at = state.lines.findIndex(
      (l, i) => (roles[i] === 'header' || roles[i] === 'footer') && l.startsWith(m.prefix),
    );
    if (m.prefix === '' || at < 0) {
      problems.push({
        where: `info.${m.field}`,
        message: `no header or footer record starts with "${m.prefix}"`,
      });
      continue;
    }
    const place =
      state.layout === 'delimited'
        ? m.column === undefined
          ? null
          : { index: m.column }
        : m.start === undefined || m.length === undefined || m.start < 1 || m.length < 1
          ? null
          : { start: m.start, length: m.length };
    if (!place) {
      problems.push({
        where: `info.${m.field}`,
        message: state.layout === 'delimited' ? 'choose the column' : 'give start (from 1) and length',
      });
      continue;
    }
    const loc = {
      // Footer lines count from the bottom (1 = the last line), as the importer reads them.
      line: roles[at] === 'header' ? at + 1 : state.lines.length - at,
      ...place,
      ...(m.field === 'date' ? { dateFormat: state.dateStyle } : {}),
    };
    (roles[at] === 'header' ? header : footer)[m.field] = loc;
  }
  if (problems.length > 0) return { ok: false, problems };

  const columns = Object.entries(state.columns)
    .filter((e): e is [string, RowField] => e[1] !== undefined)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([k, field]) => ({ field, ...placement(state, Number(k)) }));
  const prefix = state.recordPrefix;
  return {
    ok: true,
    definition: {
      name: name.trim(),
      format: state.layout,
      ...(state.layout === 'delimited'
        ? { delimiter: state.delimiter, quote: state.quote, hasColumnHeader: state.hasColumnHeader }
        : {}),
      headerLines,
      footerLines,
      columns,
      ...(prefix
        ? {
            recordFilter:
              state.layout === 'delimited'
                ? { index: 0, equals: [prefix] }
                : { start: 1, length: prefix.length, equals: [prefix] },
          }
        : {}),
      dateFormat: state.dateStyle,
      ...(state.impliedDecimals > 0 ? { impliedDecimals: state.impliedDecimals } : {}),
      ...(state.decimalComma ? { decimalSeparator: ',' } : {}),
      encoding: state.encoding,
      ...(Object.keys(header).length ? { header } : {}),
      ...(Object.keys(footer).length ? { footer } : {}),
    },
  };
}

/** The first lines of a file's bytes (base64) as text, for the builder's preview. */
export function firstLines(base64: string, max = 40): string[] {
  const bin = atob(base64.slice(0, 64 * 1024 - ((64 * 1024) % 4)));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const text = new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');
  return text
    .split(/\r?\n/)
    .filter((l, i, all) => !(i === all.length - 1 && l === ''))
    .slice(0, max);
}
