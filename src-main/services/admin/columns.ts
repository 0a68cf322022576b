import type Database from 'better-sqlite3';
import type { FieldIssue } from '../../../src-shared/api/result';
import {
  columnSetProblems,
  CUSTOM_KEY_PATTERN,
  customKeyOf,
  customValueProblem,
  type ColumnConfig,
  type ColumnPurpose,
} from '../../../src-shared/columns';
import type {
  ColumnLayoutDto,
  ColumnSetDto,
  CustomFieldDto,
  GridColumnsDto,
} from '../../../src-shared/dto/admin';
import { isPostedEntry, type BatchTypeDto } from '../../../src-shared/dto/batches';
import { parseMinor } from '../../../src-shared/money';
import { BATCH_PAY_TYPES } from '../../domain/batch-rules';
import { conflict, notFound } from '../../ledger/errors';
import { exponentOf } from '../../ledger/rates';
import { auditChange, failOn } from './changes';
import { payTypeEnabled } from './reference-data';

// ---- custom fields ----

type FieldRow = {
  key: string;
  label: string;
  type: CustomFieldDto['type'];
  codesJson: string;
  maxLength: number;
};

function fieldDto(r: FieldRow): CustomFieldDto {
  return {
    key: r.key,
    label: r.label,
    type: r.type,
    codes: JSON.parse(r.codesJson) as CustomFieldDto['codes'],
    maxLength: r.maxLength,
  };
}

/** Every admin-defined entry field. */
export function listCustomFields(db: Database.Database): CustomFieldDto[] {
  return (
    db
      .prepare(
        'SELECT key, label, type, codes_json AS codesJson, max_length AS maxLength FROM custom_fields ORDER BY key',
      )
      .all() as FieldRow[]
  ).map(fieldDto);
}

/** Issues of a custom field: a code list needs codes, each once; other types take none. */
export function customFieldIssues(f: CustomFieldDto, prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (f.type === 'code' && f.codes.length === 0)
    issues.push({ path: `${prefix}codes`, message: 'a code-list field needs at least one code' });
  if (f.type !== 'code' && f.codes.length > 0)
    issues.push({ path: `${prefix}codes`, message: `a ${f.type} field takes no code list` });
  const seen = new Set<string>();
  f.codes.forEach((c, i) => {
    if (seen.has(c.code))
      issues.push({ path: `${prefix}codes.${i}.code`, message: `code ${c.code} appears twice` });
    seen.add(c.code);
  });
  return issues;
}

/** True when some batch entry holds a value for the custom field. */
function customFieldHasValues(db: Database.Database, key: string): boolean {
  return Boolean(
    db
      .prepare(
        `SELECT 1 FROM batch_entries WHERE custom_json IS NOT NULL AND json_extract(custom_json, ?) IS NOT NULL LIMIT 1`,
      )
      .get(`$."${key}"`),
  );
}

/** Adds or changes a custom field; the type of a field that already holds values cannot change. */
export function saveCustomField(
  db: Database.Database,
  f: CustomFieldDto,
  now: Date,
  operatorId: number,
): CustomFieldDto {
  failOn(customFieldIssues(f), 'custom field');
  return db.transaction(() => {
    const before = listCustomFields(db).find((x) => x.key === f.key);
    if (before && before.type !== f.type && customFieldHasValues(db, f.key))
      throw conflict(
        'custom-field-in-use',
        `${f.key} already holds ${before.type} values in batch entries; add a new field instead`,
      );
    db.prepare(
      `INSERT INTO custom_fields (key, label, type, codes_json, max_length) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET label = excluded.label, type = excluded.type, codes_json = excluded.codes_json,
         max_length = excluded.max_length`,
    ).run(f.key, f.label, f.type, JSON.stringify(f.codes), f.maxLength);
    auditChange(db, now, operatorId, 'custom_field.save', 'custom_field', f.key, before, f);
    return f;
  })();
}

/** Deletes a custom field that no column shows and no entry holds. */
export function deleteCustomField(
  db: Database.Database,
  key: string,
  now: Date,
  operatorId: number,
): { deleted: string } {
  return db.transaction(() => {
    const before = listCustomFields(db).find((x) => x.key === key);
    if (!before) throw notFound('custom field', key);
    const col = db
      .prepare(
        'SELECT batch_type AS batchType, pay_type AS payType FROM column_configs WHERE field = ? LIMIT 1',
      )
      .get(`custom:${key}`) as { batchType: string; payType: number } | undefined;
    if (col)
      throw conflict(
        'custom-field-in-use',
        `${key} is a column of the ${col.batchType} batch layout (pay type ${col.payType}); remove the column first`,
      );
    if (customFieldHasValues(db, key))
      throw conflict('custom-field-in-use', `${key} holds values in batch entries`);
    db.prepare('DELETE FROM custom_fields WHERE key = ?').run(key);
    // The search index batches:entries made for the field (key checked by the input schema) has nothing to find.
    if (CUSTOM_KEY_PATTERN.test(key)) db.exec(`DROP INDEX IF EXISTS "batch_entries_custom_${key}_idx"`);
    auditChange(db, now, operatorId, 'custom_field.delete', 'custom_field', key, before, undefined);
    return { deleted: key };
  })();
}

// ---- column sets (admin defaults) ----

type ColumnRow = {
  batchType: BatchTypeDto;
  payType: number;
  field: string;
  caption: string;
  purpose: ColumnPurpose;
  width: number;
  visible: number;
  required: number;
  format: string;
};

function columnDto(r: ColumnRow): ColumnConfig {
  return {
    field: r.field,
    caption: r.caption,
    purpose: r.purpose,
    width: r.width,
    visible: r.visible === 1,
    required: r.required === 1,
    format: r.format,
  };
}

const COLUMN_SELECT = `SELECT batch_type AS batchType, pay_type AS payType, field, caption, purpose, width, visible, required, format
  FROM column_configs`;

/** Every configured column set, by batch type and pay type (0 = the default of the batch type). */
export function listColumnSets(db: Database.Database): ColumnSetDto[] {
  const rows = db.prepare(`${COLUMN_SELECT} ORDER BY batch_type, pay_type, position`).all() as ColumnRow[];
  const sets = new Map<string, ColumnSetDto>();
  for (const r of rows) {
    const k = `${r.batchType}/${r.payType}`;
    let set = sets.get(k);
    if (!set) {
      set = { batchType: r.batchType, payType: r.payType, columns: [] };
      sets.set(k, set);
    }
    set.columns.push(columnDto(r));
  }
  return [...sets.values()];
}

function columnSetOf(db: Database.Database, batchType: BatchTypeDto, payType: number): ColumnConfig[] {
  return (
    db
      .prepare(`${COLUMN_SELECT} WHERE batch_type = ? AND pay_type = ? ORDER BY position`)
      .all(batchType, payType) as ColumnRow[]
  ).map(columnDto);
}

/**
 * Every problem of a column set, including the pay type: 0 (every pay type) or one this batch type takes
 * that is set up and enabled (C2: a pay type in the tool needs a payment method entry).
 */
export function columnSetIssues(
  set: ColumnSetDto,
  customFields: readonly CustomFieldDto[],
  enabled: (payType: number) => boolean,
  prefix = '',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (set.payType !== 0) {
    if (!BATCH_PAY_TYPES[set.batchType].includes(set.payType))
      issues.push({
        path: `${prefix}payType`,
        message: `${set.batchType} batches do not take pay type ${set.payType}`,
      });
    else if (!enabled(set.payType))
      issues.push({ path: `${prefix}payType`, message: `pay type ${set.payType} is not enabled` });
  }
  return issues.concat(columnSetProblems(set.batchType, set.columns, customFields, `${prefix}columns`));
}

/** Replaces one column set without checks or audit (callers check and audit). */
export function writeColumnSet(db: Database.Database, set: ColumnSetDto): void {
  db.prepare('DELETE FROM column_configs WHERE batch_type = ? AND pay_type = ?').run(
    set.batchType,
    set.payType,
  );
  const ins = db.prepare(
    `INSERT INTO column_configs (batch_type, pay_type, position, field, caption, purpose, width, visible, required, format)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  set.columns.forEach((c, i) =>
    ins.run(
      set.batchType,
      set.payType,
      i,
      c.field,
      c.caption.trim(),
      c.purpose,
      c.width,
      c.visible ? 1 : 0,
      c.required ? 1 : 0,
      c.format,
    ),
  );
}

/** Saves the admin's column set of a batch type and pay type, after checking every Payment Tool rule. */
export function saveColumns(
  db: Database.Database,
  set: ColumnSetDto,
  now: Date,
  operatorId: number,
): ColumnSetDto {
  return db.transaction(() => {
    failOn(
      columnSetIssues(set, listCustomFields(db), (p) => payTypeEnabled(db, p)),
      'column set',
    );
    const before = columnSetOf(db, set.batchType, set.payType);
    writeColumnSet(db, set);
    const after = { ...set, columns: columnSetOf(db, set.batchType, set.payType) };
    auditChange(
      db,
      now,
      operatorId,
      'columns.save',
      'column_set',
      `${set.batchType}/${set.payType}`,
      before.length ? { columns: before } : undefined,
      { columns: after.columns },
    );
    return after;
  })();
}

/** Removes a pay type's own column set, so its batches show the batch type's default set again. */
export function deleteColumns(
  db: Database.Database,
  input: { batchType: BatchTypeDto; payType: number },
  now: Date,
  operatorId: number,
): { deleted: boolean } {
  return db.transaction(() => {
    const before = columnSetOf(db, input.batchType, input.payType);
    if (before.length === 0) return { deleted: false };
    db.prepare('DELETE FROM column_configs WHERE batch_type = ? AND pay_type = ?').run(
      input.batchType,
      input.payType,
    );
    auditChange(
      db,
      now,
      operatorId,
      'columns.delete',
      'column_set',
      `${input.batchType}/${input.payType}`,
      { columns: before },
      undefined,
    );
    return { deleted: true };
  })();
}

// ---- what a batch grid shows, and each operator's own layout ----

/** The admin's columns for a batch type and pay type: the pay type's own set, else the default set (0). */
export function effectiveColumns(
  db: Database.Database,
  batchType: BatchTypeDto,
  payType: number,
): { sourcePayType: number; columns: ColumnConfig[] } {
  const own = payType === 0 ? [] : columnSetOf(db, batchType, payType);
  if (own.length) return { sourcePayType: payType, columns: own };
  return { sourcePayType: 0, columns: columnSetOf(db, batchType, 0) };
}

/** The columns a batch grid shows, the custom fields they use and the operator's own layout. */
export function gridColumns(
  db: Database.Database,
  operatorId: number,
  input: { batchType: BatchTypeDto; payType: number },
): GridColumnsDto {
  const { sourcePayType, columns } = effectiveColumns(db, input.batchType, input.payType);
  const used = new Set(columns.map((c) => customKeyOf(c.field)).filter((k): k is string => k !== null));
  const row = db
    .prepare(
      'SELECT layout_json AS json FROM column_layouts WHERE operator_id = ? AND batch_type = ? AND pay_type = ?',
    )
    .get(operatorId, input.batchType, input.payType) as { json: string } | undefined;
  return {
    batchType: input.batchType,
    payType: input.payType,
    sourcePayType,
    columns,
    customFields: listCustomFields(db).filter((f) => used.has(f.key)),
    layout: row ? (JSON.parse(row.json) as ColumnLayoutDto) : null,
  };
}

/** Keeps the operator's own order, widths and hidden columns of a batch grid. */
export function saveLayout(
  db: Database.Database,
  operatorId: number,
  input: { batchType: BatchTypeDto; payType: number; layout: ColumnLayoutDto },
  now: Date,
): GridColumnsDto {
  db.transaction(() => {
    db.prepare(
      `INSERT INTO column_layouts (operator_id, batch_type, pay_type, layout_json, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(operator_id, batch_type, pay_type) DO UPDATE SET layout_json = excluded.layout_json, updated_at = excluded.updated_at`,
    ).run(operatorId, input.batchType, input.payType, JSON.stringify(input.layout), now.toISOString());
    auditChange(
      db,
      now,
      operatorId,
      'column_layout.save',
      'column_layout',
      `${operatorId}/${input.batchType}/${input.payType}`,
      undefined,
      input.layout,
    );
  })();
  return gridColumns(db, operatorId, input);
}

/** Forgets the operator's own layout: the grid shows the admin's default again. */
export function resetLayout(
  db: Database.Database,
  operatorId: number,
  input: { batchType: BatchTypeDto; payType: number },
  now: Date,
): GridColumnsDto {
  db.transaction(() => {
    const info = db
      .prepare('DELETE FROM column_layouts WHERE operator_id = ? AND batch_type = ? AND pay_type = ?')
      .run(operatorId, input.batchType, input.payType);
    if (info.changes > 0)
      auditChange(
        db,
        now,
        operatorId,
        'column_layout.reset',
        'column_layout',
        `${operatorId}/${input.batchType}/${input.payType}`,
        undefined,
        undefined,
      );
  })();
  return gridColumns(db, operatorId, input);
}

/**
 * A checker for the custom values of entries of one batch: the first value that does not fit its field (type,
 * code list, length, the batch currency's decimals for amounts), as the problem and its column. Keys without
 * a definition (staged from a bank file's `custom:` mapping) are kept as text. The field definitions are read
 * once, when the first entry with custom values is checked.
 */
export function customValueChecker(
  db: Database.Database,
  exponent: number,
): (custom: Readonly<Record<string, string>>) => { problem: string; column: string } | null {
  let fields: Map<string, CustomFieldDto> | null = null;
  return (custom) => {
    const keys = Object.keys(custom);
    if (keys.length === 0) return null;
    fields ??= new Map(listCustomFields(db).map((f) => [f.key, f]));
    for (const key of keys) {
      const field = fields.get(key);
      const text = custom[key] ?? '';
      if (!field) continue;
      const problem = customValueProblem(field, text);
      if (problem) return { problem, column: `custom:${key}` };
      if (field.type === 'amount' && text.trim() !== '') {
        const r = parseMinor(text, exponent);
        if (!r.ok) return { problem: `${field.label}: ${r.error.reason}`, column: `custom:${key}` };
      }
    }
    return null;
  };
}

/** Fields whose presence the batch rules already check (V1), so a required flag on them adds nothing. */
const RULE_CHECKED: ReadonlySet<string> = new Set(['amount', 'accountNo', 'billNo', 'paymentRef']);

const ENTRY_FIELD_SQL: Readonly<Record<string, string>> = {
  paymentDate: 'payment_date',
  checkNo: 'check_no',
  payerName: 'payer_name',
  reference: 'reference',
};

/**
 * Applies the admin's column rules to validation verdicts: an entry that passed the batch rules but has no
 * value in a required data-entry column, or a custom value that does not fit its field (values staged by a
 * bank-file import were never checked as typed), becomes invalid with that column and the reason. Costs
 * nothing when the batch's columns require no more than the rules do and no custom field is defined.
 */
export function applyColumnRules<
  V extends {
    id: number;
    status: string;
    reasonCode: number | null;
    problem: string | null;
    problemColumn: string | null;
  },
>(
  db: Database.Database,
  batch: { batchType: BatchTypeDto; payType: number; currency: string },
  verdicts: V[],
): V[] {
  const required = effectiveColumns(db, batch.batchType, batch.payType).columns.filter(
    (c) => c.required && c.purpose === 'entry' && !RULE_CHECKED.has(c.field),
  );
  const typed = listCustomFields(db).length > 0;
  if ((required.length === 0 && !typed) || verdicts.length === 0) return verdicts;
  const check = customValueChecker(db, exponentOf(db, batch.currency));
  const get = db.prepare(
    'SELECT payment_date, check_no, payer_name, reference, custom_json AS customJson FROM batch_entries WHERE id = ?',
  );
  return verdicts.map((v) => {
    if (v.status === 'invalid' || isPostedEntry(v.status)) return v;
    const row = get.get(v.id) as Record<string, string | null> | undefined;
    if (!row) return v;
    const custom = row.customJson ? (JSON.parse(row.customJson) as Record<string, string>) : {};
    const missing = required.find((c) => {
      const key = customKeyOf(c.field);
      const value = key !== null ? custom[key] : row[ENTRY_FIELD_SQL[c.field] ?? ''];
      return value === undefined || value === null || value.trim() === '';
    });
    const bad = missing
      ? { problem: `${missing.caption} is required`, column: missing.field }
      : typed
        ? check(custom)
        : null;
    if (!bad) return v;
    return { ...v, status: 'invalid', reasonCode: null, problem: bad.problem, problemColumn: bad.column };
  });
}
