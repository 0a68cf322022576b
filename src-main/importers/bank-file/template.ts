import { z } from 'zod';
import { ENCODINGS } from './decode';
import { DATE_FORMATS } from './values';

/** Row fields a template column can map (plus `custom:<name>`). */
export const ROW_FIELDS = [
  'accountNo',
  'billNo',
  'amount',
  'paymentDate',
  'checkNo',
  'payerName',
  'reference',
  'paymentId',
  'currency',
  'channel',
] as const;
/** One of ROW_FIELDS. */
export type RowField = (typeof ROW_FIELDS)[number];

/** File layouts a template can describe. */
export const FORMATS = ['delimited', 'fixed', 'bai2'] as const;

const CUSTOM_FIELD = /^custom:[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_LINES = 1000;

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const fieldName = z
  .string()
  .refine((f) => (ROW_FIELDS as readonly string[]).includes(f) || CUSTOM_FIELD.test(f), {
    message: `must be one of ${ROW_FIELDS.join(', ')} or custom:<name> (letters, digits, _ or -)`,
  });

/** Where a value sits in a header or footer line: character positions (1-based start) or a column index (0-based). */
const locationSchema = z
  .object({
    line: int(1, MAX_LINES),
    start: int(1, 1_000_000).optional(),
    length: int(1, 10_000).optional(),
    index: int(0, 9_999).optional(),
    dateFormat: z.enum(DATE_FORMATS).optional(),
  })
  .strict();

const batchInfoSpecSchema = z
  .object({
    lockboxNo: locationSchema.optional(),
    date: locationSchema.optional(),
    count: locationSchema.optional(),
    total: locationSchema.optional(),
  })
  .strict();

const columnSchema = z
  .object({
    field: fieldName,
    index: int(0, 9_999).optional(),
    start: int(1, 1_000_000).optional(),
    length: int(1, 10_000).optional(),
  })
  .strict();

const recordFilterSchema = z
  .object({
    start: int(1, 1_000_000).optional(),
    length: int(1, 10_000).optional(),
    index: int(0, 9_999).optional(),
    equals: z.array(z.string().min(1).max(100)).min(1).max(100),
  })
  .strict();

const singleChar = z
  .string()
  .length(1, { message: 'must be exactly one character' })
  .refine((c) => c !== '\n' && c !== '\r', { message: 'cannot be a line break' });

type Loose = Record<string, unknown>;
type Ctx = z.RefinementCtx;

const isObj = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function checkPlacement(
  ctx: Ctx,
  value: Loose,
  path: (string | number)[],
  allowed: 'positions' | 'index' | 'either',
): void {
  const hasPos = value.start !== undefined || value.length !== undefined;
  const hasIndex = value.index !== undefined;
  if (hasPos && (value.start === undefined || value.length === undefined)) {
    ctx.addIssue({ code: 'custom', path, message: 'give both start and length' });
  }
  if (hasPos && hasIndex)
    ctx.addIssue({ code: 'custom', path, message: 'give start/length or index, not both' });
  if (!hasPos && !hasIndex) {
    const want =
      allowed === 'positions' ? 'start and length' : allowed === 'index' ? 'index' : 'start/length or index';
    ctx.addIssue({ code: 'custom', path, message: `needs ${want}` });
  }
  if (allowed === 'positions' && hasIndex) {
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'index'],
      message: 'fixed-width columns use start and length',
    });
  }
  if (allowed === 'index' && hasPos) {
    ctx.addIssue({ code: 'custom', path: [...path, 'start'], message: 'delimited columns use index' });
  }
}

function checkBatchInfo(ctx: Ctx, spec: unknown, key: 'header' | 'footer', lines: unknown): void {
  if (!isObj(spec)) return;
  const available = isInt(lines) ? lines : 0;
  for (const name of ['lockboxNo', 'date', 'count', 'total']) {
    const loc = spec[name];
    if (!isObj(loc)) continue;
    checkPlacement(ctx, loc, [key, name], 'either');
    if (isInt(loc.line) && loc.line > available) {
      ctx.addIssue({
        code: 'custom',
        path: [key, name, 'line'],
        message: `is ${loc.line} but ${key}Lines is ${available}`,
      });
    }
  }
}

/**
 * Cross-field rules. Runs even when single fields failed (zod `when`), so the value is read defensively:
 * every problem is listed in one pass.
 */
function crossCheck(input: unknown, ctx: Ctx): void {
  if (!isObj(input)) return;
  const format = input.format;
  const columns = Array.isArray(input.columns) ? (input.columns as unknown[]) : [];

  if (format === 'bai2') {
    if (columns.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns'],
        message: 'BAI2 files have a fixed record layout; leave empty',
      });
    }
    for (const key of ['header', 'footer'] as const) {
      if (input[key] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'BAI2 headers and trailers are read from 01/02/99',
        });
      }
    }
    return;
  }

  if (format === 'delimited') {
    if (input.delimiter === undefined) {
      ctx.addIssue({ code: 'custom', path: ['delimiter'], message: 'a delimited file needs a delimiter' });
    }
    const quote = input.quote ?? '"';
    if (input.delimiter !== undefined && input.delimiter === quote) {
      ctx.addIssue({ code: 'custom', path: ['delimiter'], message: 'cannot be the quote character' });
    }
  }
  if (input.dateFormat === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['dateFormat'],
      message: 'required for delimited and fixed-width files',
    });
  }
  const decimal = input.decimalSeparator ?? '.';
  if (input.thousandsSeparator !== undefined && input.thousandsSeparator === decimal) {
    ctx.addIssue({
      code: 'custom',
      path: ['thousandsSeparator'],
      message: 'cannot be the same as decimalSeparator',
    });
  }

  const seen = new Map<string, number>();
  columns.forEach((column, i) => {
    if (!isObj(column)) return;
    if (format === 'fixed' || format === 'delimited') {
      checkPlacement(ctx, column, ['columns', i], format === 'fixed' ? 'positions' : 'index');
    }
    if (typeof column.field === 'string') {
      const first = seen.get(column.field);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i, 'field'],
          message: `${column.field} is already mapped by columns[${first}]`,
        });
      } else seen.set(column.field, i);
    }
  });
  if (format === 'fixed' || format === 'delimited') {
    const has = (f: string) => seen.has(f);
    if (!(has('amount') && (has('accountNo') || has('billNo'))) && !has('paymentId')) {
      ctx.addIssue({
        code: 'custom',
        path: ['columns'],
        message: 'map amount plus accountNo or billNo (payments, refunds), or paymentId (reversals)',
      });
    }
  }

  if (isObj(input.recordFilter) && (format === 'fixed' || format === 'delimited')) {
    checkPlacement(ctx, input.recordFilter, ['recordFilter'], format === 'delimited' ? 'index' : 'either');
  }
  checkBatchInfo(ctx, input.header, 'header', input.headerLines ?? 0);
  checkBatchInfo(ctx, input.footer, 'footer', input.footerLines ?? 0);
}

/** The zod schema of a bank-file import template. */
export const bankFileTemplateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    bank: z.string().max(200).optional(),
    format: z.enum(FORMATS),
    delimiter: singleChar.optional(),
    quote: singleChar.default('"'),
    headerLines: int(0, MAX_LINES).default(0),
    footerLines: int(0, MAX_LINES).default(0),
    hasColumnHeader: z.boolean().default(false),
    columns: z.array(columnSchema).max(500).default([]),
    /** When set, every data row must have exactly this many columns (delimited only). */
    columnCount: int(1, 10_000).optional(),
    /** Only lines whose record-type text is listed are data rows (e.g. lockbox type 6); others are skipped. */
    recordFilter: recordFilterSchema.optional(),
    dateFormat: z.enum(DATE_FORMATS).optional(),
    decimalSeparator: z.enum(['.', ',']).default('.'),
    thousandsSeparator: z.enum([',', '.', ' ', "'", '']).default(''),
    impliedDecimals: int(0, 6).optional(),
    encoding: z.enum(ENCODINGS).default('auto'),
    header: batchInfoSpecSchema.optional(),
    footer: batchInfoSpecSchema.optional(),
  })
  .strict()
  .superRefine((value, ctx) => crossCheck(value, ctx), { when: () => true });

/** A validated template, defaults applied. */
export type BankFileTemplate = z.output<typeof bankFileTemplateSchema>;
/** A template as written by a user or stored as configuration (defaults may be omitted). */
export type BankFileTemplateInput = z.input<typeof bankFileTemplateSchema>;
/** A location of a header/footer value. */
export type ValueLocation = z.output<typeof locationSchema>;
/** Header or footer mapping. */
export type BatchInfoSpec = z.output<typeof batchInfoSpecSchema>;
/** One mapped column. */
export type TemplateColumn = z.output<typeof columnSchema>;
/** A record-type filter. */
export type RecordFilter = z.output<typeof recordFilterSchema>;

/** One template problem with its dotted path, e.g. `columns.2.start`. */
export type TemplateProblem = { path: string; message: string };

/** Validates a template, listing every problem with its path. */
export function parseTemplate(
  input: unknown,
): { ok: true; template: BankFileTemplate } | { ok: false; problems: TemplateProblem[] } {
  const result = bankFileTemplateSchema.safeParse(input);
  if (result.success) return { ok: true, template: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(template)',
      message: issue.message,
    })),
  };
}
