import type { BatchTypeDto } from './dto/batches';
import { amountTextProblem } from './money';

/** What a column is for (PIN_FLD_PURPOSE, DOMAIN.md §3.8): keyed, shown read-only, or shown in the account's payments tab. */
export const COLUMN_PURPOSES = ['entry', 'display', 'payments_tab'] as const;

/** A column purpose. */
export type ColumnPurpose = (typeof COLUMN_PURPOSES)[number];

/** Types of admin-defined (custom) fields. */
export const CUSTOM_FIELD_TYPES = ['text', 'number', 'date', 'amount', 'code'] as const;

/** A custom field type. */
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** The built-in entry fields a column can show. */
export const STANDARD_FIELDS = [
  'accountNo',
  'billNo',
  'amount',
  'paymentDate',
  'checkNo',
  'payerName',
  'reference',
  'paymentRef',
] as const;

/** A built-in entry field. */
export type StandardField = (typeof STANDARD_FIELDS)[number];

/** The type of each built-in field, which decides the formats it accepts. */
export const STANDARD_FIELD_TYPES: Readonly<Record<StandardField, CustomFieldType>> = {
  accountNo: 'text',
  billNo: 'text',
  amount: 'amount',
  paymentDate: 'date',
  checkNo: 'text',
  payerName: 'text',
  reference: 'text',
  paymentRef: 'number',
};

/** Built-in fields each batch type can show (V1: reversals are keyed by payment ID, not by account). */
export const BATCH_TYPE_FIELDS: Readonly<Record<BatchTypeDto, readonly StandardField[]>> = {
  payment: ['accountNo', 'billNo', 'amount', 'paymentDate', 'checkNo', 'payerName', 'reference'],
  refund: ['accountNo', 'billNo', 'amount', 'paymentDate', 'checkNo', 'payerName', 'reference'],
  reversal: ['paymentRef', 'paymentDate', 'checkNo', 'payerName', 'reference'],
};

/** Display formats per field type ('' = as keyed). */
export const FORMATS_BY_TYPE: Readonly<Record<CustomFieldType, readonly string[]>> = {
  text: ['', 'uppercase'],
  number: ['', 'integer'],
  date: ['', 'yyyy-MM-dd'],
  amount: ['', 'amount'],
  code: ['', 'code', 'code-label'],
};

/** The column field that holds a custom field's value. */
export function customFieldRef(key: string): string {
  return `custom:${key}`;
}

/** The custom field key a column field names, or null for a built-in field. */
export function customKeyOf(field: string): string | null {
  return field.startsWith('custom:') ? field.slice('custom:'.length) : null;
}

/** A custom field key: letters, digits, `_` and `-` (the same names bank-file templates map as `custom:<name>`). */
export const CUSTOM_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

/** One configured column. */
export type ColumnConfig = {
  field: string;
  caption: string;
  purpose: ColumnPurpose;
  width: number;
  visible: boolean;
  required: boolean;
  format: string;
};

/** A custom field as the column rules need it. */
export type CustomFieldRef = { key: string; type: CustomFieldType };

/** One broken column rule with the path of the offending value. */
export type ColumnProblem = { path: string; message: string };

/**
 * Checks one column set against the Payment Tool rules (DOMAIN.md §2.16, §3.8, §6.2): payment and refund
 * batches hold only data-entry fields (C8); every field exists (built-in for the batch type, or a defined
 * custom field); no field twice; the fields V1 needs are keyed and visible; formats fit the field type.
 */
export function columnSetProblems(
  batchType: BatchTypeDto,
  columns: readonly ColumnConfig[],
  customFields: readonly CustomFieldRef[],
  prefix = 'columns',
): ColumnProblem[] {
  const problems: ColumnProblem[] = [];
  const custom = new Map(customFields.map((f) => [f.key, f.type]));
  const seen = new Set<string>();
  const builtIn: readonly string[] = BATCH_TYPE_FIELDS[batchType];
  columns.forEach((c, i) => {
    const at = `${prefix}.${i}`;
    if (seen.has(c.field)) problems.push({ path: `${at}.field`, message: `${c.field} is shown twice` });
    seen.add(c.field);
    const key = customKeyOf(c.field);
    let type: CustomFieldType | undefined;
    if (key !== null) {
      type = custom.get(key);
      if (!type) problems.push({ path: `${at}.field`, message: `custom field "${key}" is not defined` });
    } else if (builtIn.includes(c.field)) {
      type = STANDARD_FIELD_TYPES[c.field as StandardField];
    } else {
      problems.push({ path: `${at}.field`, message: `${c.field} is not a field of ${batchType} batches` });
    }
    if (batchType !== 'reversal' && c.purpose === 'display')
      problems.push({
        path: `${at}.purpose`,
        message: `${batchType} batches hold only data-entry fields; only reversal batches show read-only fields`,
      });
    if (c.caption.trim() === '') problems.push({ path: `${at}.caption`, message: 'a caption is required' });
    if (type && !FORMATS_BY_TYPE[type].includes(c.format))
      problems.push({
        path: `${at}.format`,
        message: `"${c.format}" is not a format of ${type} fields (${FORMATS_BY_TYPE[type]
          .map((f) => f || '(none)')
          .join(', ')})`,
      });
    if (c.required && c.purpose !== 'entry')
      problems.push({ path: `${at}.required`, message: 'only data-entry columns can be required' });
  });
  const keyed = (field: string): boolean =>
    columns.some((c) => c.field === field && c.purpose === 'entry' && c.visible);
  if (batchType === 'reversal') {
    if (!keyed('paymentRef'))
      problems.push({
        path: prefix,
        message: 'a reversal batch needs a visible data-entry Payment ID column',
      });
  } else {
    if (!keyed('amount'))
      problems.push({
        path: prefix,
        message: `a ${batchType} batch needs a visible data-entry amount column`,
      });
    if (!keyed('accountNo') && !keyed('billNo'))
      problems.push({
        path: prefix,
        message: `a ${batchType} batch needs a visible data-entry account number or bill number column`,
      });
  }
  return problems;
}

/** Why a keyed custom value does not fit its field, or null when it does (blank is always allowed). */
export function customValueProblem(
  field: { label: string; type: CustomFieldType; codes: readonly { code: string }[]; maxLength: number },
  text: string,
): string | null {
  const t = text.trim();
  if (t === '') return null;
  if (t.length > field.maxLength) return `${field.label} takes at most ${field.maxLength} characters`;
  switch (field.type) {
    case 'number':
      return /^-?\d{1,15}(\.\d{1,6})?$/.test(t) ? null : `${field.label}: "${t}" is not a number`;
    case 'date': {
      const ok = /^\d{4}-\d{2}-\d{2}$/.test(t) && !Number.isNaN(Date.parse(t + 'T00:00:00Z'));
      return ok && new Date(t + 'T00:00:00Z').toISOString().startsWith(t)
        ? null
        : `${field.label}: "${t}" is not a date (yyyy-MM-dd)`;
    }
    case 'amount': {
      // The shape of the one amount rule; the batch currency's decimals are checked when the entry is saved.
      const problem = amountTextProblem(t);
      return problem === null ? null : `${field.label}: ${problem}`;
    }
    case 'code':
      return field.codes.some((c) => c.code === t)
        ? null
        : `${field.label}: "${t}" is not one of ${field.codes.map((c) => c.code).join(', ')}`;
    default:
      return null;
  }
}
