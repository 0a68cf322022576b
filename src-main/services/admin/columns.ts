import type Database from 'better-sqlite3';
import {
  columnSetDeleteQuery,
  columnSetInsertQuery,
  columnSetQuery,
  columnSetsQuery,
  customFieldColumnQuery,
  customFieldDeleteQuery,
  customFieldHasValuesQuery,
  customFieldIndexDropQuery,
  customFieldQuery,
  customFieldsQuery,
  customFieldUpsertQuery,
  effectiveColumnsQuery,
  entryRuleValuesQuery,
  layoutDeleteQuery,
  layoutQuery,
  layoutUpsertQuery,
  payTypeEnabledQuery,
  type ColumnRow,
  type CustomFieldRow,
  type EntryRuleValuesRow,
} from '../../../db/repos/columns';
import type { Dialect, Storage, Tx } from '../../../db/storage/port';
import { driverAll } from '../../../db/storage/sqlite';
import { all, call, DRIVER, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import type { FieldIssue } from '../../../src-shared/api/result';
import {
  columnSetProblems,
  CUSTOM_KEY_PATTERN,
  customKeyOf,
  customValueProblem,
  type ColumnConfig,
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
import { exponentOf, exponentOfIn } from '../../ledger/rates';
import { auditChangeIn, failOn } from './changes';

// Custom fields, column sets and the operators' grid layouts behind the storage seam (issue #17): the admin
// commands run on SQLite and PostgreSQL alike. The batch code still runs synchronously on the driver, so the
// column rules it applies (customValueChecker, applyColumnRules, effectiveColumns) read through driverAll with
// the same repository queries.

export { customFieldUpsertQuery };

type GridInput = { batchType: BatchTypeDto; payType: number };

// ---- custom fields ----

function fieldDto(r: CustomFieldRow): CustomFieldDto {
  return {
    key: r.key,
    label: r.label,
    type: r.type,
    codes: JSON.parse(r.codesJson) as CustomFieldDto['codes'],
    maxLength: r.maxLength,
  };
}

/** Every admin-defined entry field, by key, in the caller's transaction. */
export async function listCustomFieldsIn(tx: Tx): Promise<CustomFieldDto[]> {
  return (await tx.all<CustomFieldRow>(customFieldsQuery(tx.dialect))).map(fieldDto);
}

/** Every admin-defined entry field, by key. */
export function listCustomFields(storage: Storage): Promise<CustomFieldDto[]> {
  return storage.transaction(listCustomFieldsIn, { readOnly: true });
}

/** The same list for the batch code that still runs on the driver. */
function customFieldsOn(db: Database.Database): CustomFieldDto[] {
  return driverAll<CustomFieldRow>(db, customFieldsQuery('sqlite')).map(fieldDto);
}

async function customFieldIn(tx: Tx, key: string): Promise<CustomFieldDto | undefined> {
  const row = await tx.get<CustomFieldRow>(customFieldQuery(key));
  return row && fieldDto(row);
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

async function customFieldHasValues(tx: Tx, key: string): Promise<boolean> {
  return (await tx.get(customFieldHasValuesQuery(tx.dialect, key))) !== undefined;
}

/** Adds or changes a custom field; the type of a field that already holds values cannot change. */
export async function saveCustomField(
  storage: Storage,
  f: CustomFieldDto,
  now: Date,
  operatorId: number,
): Promise<CustomFieldDto> {
  failOn(customFieldIssues(f), 'custom field');
  return storage.transaction(
    async (tx) => {
      const before = await customFieldIn(tx, f.key);
      if (before && before.type !== f.type && (await customFieldHasValues(tx, f.key)))
        throw conflict(
          'custom-field-in-use',
          `${f.key} already holds ${before.type} values in batch entries; add a new field instead`,
        );
      await tx.run(customFieldUpsertQuery(f));
      await auditChangeIn(tx, now, operatorId, {
        action: 'custom_field.save',
        entity: 'custom_field',
        entityId: f.key,
        before,
        after: f,
      });
      return f;
    },
    { serializable: true },
  );
}

/** Deletes a custom field that no column shows and no entry holds. */
export async function deleteCustomField(
  storage: Storage,
  key: string,
  now: Date,
  operatorId: number,
): Promise<{ deleted: string }> {
  return storage.transaction(
    async (tx) => {
      const before = await customFieldIn(tx, key);
      if (!before) throw notFound('custom field', key);
      const col = await tx.get<{ batchType: string; payType: number }>(
        customFieldColumnQuery(tx.dialect, key),
      );
      if (col)
        throw conflict(
          'custom-field-in-use',
          `${key} is a column of the ${col.batchType} batch layout (pay type ${col.payType}); remove the column first`,
        );
      if (await customFieldHasValues(tx, key))
        throw conflict('custom-field-in-use', `${key} holds values in batch entries`);
      await tx.run(customFieldDeleteQuery(key));
      // The search index batches:entries made for the field (key checked by the input schema) has nothing to find.
      if (CUSTOM_KEY_PATTERN.test(key)) await tx.run(customFieldIndexDropQuery(key));
      await auditChangeIn(tx, now, operatorId, {
        action: 'custom_field.delete',
        entity: 'custom_field',
        entityId: key,
        before,
        after: undefined,
      });
      return { deleted: key };
    },
    { serializable: true },
  );
}

// ---- column sets (admin defaults) ----

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

/** Every configured column set, by batch type and pay type (0 = the default of the batch type). */
export async function listColumnSetsIn(tx: Tx): Promise<ColumnSetDto[]> {
  const rows = await tx.all<ColumnRow>(columnSetsQuery(tx.dialect));
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

/** Every configured column set, by batch type and pay type (0 = the default of the batch type). */
export function listColumnSets(storage: Storage): Promise<ColumnSetDto[]> {
  return storage.transaction(listColumnSetsIn, { readOnly: true });
}

async function columnSetIn(tx: Tx, batchType: BatchTypeDto, payType: number): Promise<ColumnConfig[]> {
  return (await tx.all<ColumnRow>(columnSetQuery(batchType, payType))).map(columnDto);
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

/** Replaces one column set in the caller's transaction, without checks or audit (callers check and audit). */
export async function writeColumnSetIn(tx: Tx, set: ColumnSetDto): Promise<void> {
  await tx.run(columnSetDeleteQuery(set.batchType, set.payType));
  if (set.columns.length > 0) await tx.run(columnSetInsertQuery(set.batchType, set.payType, set.columns));
}

/** Saves the admin's column set of a batch type and pay type, after checking every Payment Tool rule. */
export async function saveColumns(
  storage: Storage,
  set: ColumnSetDto,
  now: Date,
  operatorId: number,
): Promise<ColumnSetDto> {
  return storage.transaction(
    async (tx) => {
      const fields = await listCustomFieldsIn(tx);
      // Read here rather than through reference-data's driver reader, which cannot run in a port transaction.
      const enabled =
        set.payType !== 0 &&
        (await tx.get<{ enabled: number }>(payTypeEnabledQuery(set.payType)))?.enabled === 1;
      failOn(
        columnSetIssues(set, fields, (p) => p === set.payType && enabled),
        'column set',
      );
      const before = await columnSetIn(tx, set.batchType, set.payType);
      await writeColumnSetIn(tx, set);
      const after = { ...set, columns: await columnSetIn(tx, set.batchType, set.payType) };
      await auditChangeIn(tx, now, operatorId, {
        action: 'columns.save',
        entity: 'column_set',
        entityId: `${set.batchType}/${set.payType}`,
        before: before.length ? { columns: before } : undefined,
        after: { columns: after.columns },
      });
      return after;
    },
    { serializable: true },
  );
}

/** Removes a pay type's own column set, so its batches show the batch type's default set again. */
export async function deleteColumns(
  storage: Storage,
  input: GridInput,
  now: Date,
  operatorId: number,
): Promise<{ deleted: boolean }> {
  return storage.transaction(
    async (tx) => {
      const before = await columnSetIn(tx, input.batchType, input.payType);
      if (before.length === 0) return { deleted: false };
      await tx.run(columnSetDeleteQuery(input.batchType, input.payType));
      await auditChangeIn(tx, now, operatorId, {
        action: 'columns.delete',
        entity: 'column_set',
        entityId: `${input.batchType}/${input.payType}`,
        before: { columns: before },
        after: undefined,
      });
      return { deleted: true };
    },
    { serializable: true },
  );
}

// ---- what a batch grid shows, and each operator's own layout ----

type EffectiveColumns = { sourcePayType: number; columns: ColumnConfig[] };

/** The pay type's own set when it has one (pay type 0 has none of its own), else the default set (0). */
function effectiveOf(rows: readonly ColumnRow[], payType: number): EffectiveColumns {
  const own = payType === 0 ? [] : rows.filter((r) => r.payType === payType);
  if (own.length) return { sourcePayType: payType, columns: own.map(columnDto) };
  return { sourcePayType: 0, columns: rows.filter((r) => r.payType === 0).map(columnDto) };
}

/** The admin's columns for a batch type and pay type: the pay type's own set, else the default set (0). */
export function effectiveColumns(
  db: Database.Database,
  batchType: BatchTypeDto,
  payType: number,
): EffectiveColumns {
  return effectiveOf(driverAll<ColumnRow>(db, effectiveColumnsQuery(batchType, payType)), payType);
}

async function gridColumnsIn(tx: Tx, operatorId: number, input: GridInput): Promise<GridColumnsDto> {
  const { sourcePayType, columns } = effectiveOf(
    await tx.all<ColumnRow>(effectiveColumnsQuery(input.batchType, input.payType)),
    input.payType,
  );
  const used = new Set(columns.map((c) => customKeyOf(c.field)).filter((k): k is string => k !== null));
  const row = await tx.get<{ json: string }>(layoutQuery(operatorId, input.batchType, input.payType));
  return {
    batchType: input.batchType,
    payType: input.payType,
    sourcePayType,
    columns,
    customFields: (await listCustomFieldsIn(tx)).filter((f) => used.has(f.key)),
    layout: row ? (JSON.parse(row.json) as ColumnLayoutDto) : null,
  };
}

/** The columns a batch grid shows, the custom fields they use and the operator's own layout. */
export function gridColumns(storage: Storage, operatorId: number, input: GridInput): Promise<GridColumnsDto> {
  return storage.transaction((tx) => gridColumnsIn(tx, operatorId, input), { readOnly: true });
}

/** Keeps the operator's own order, widths and hidden columns of a batch grid. */
export function saveLayout(
  storage: Storage,
  operatorId: number,
  input: GridInput & { layout: ColumnLayoutDto },
  now: Date,
): Promise<GridColumnsDto> {
  return storage.transaction(async (tx) => {
    await tx.run(
      layoutUpsertQuery(
        operatorId,
        input.batchType,
        input.payType,
        JSON.stringify(input.layout),
        now.toISOString(),
      ),
    );
    await auditChangeIn(tx, now, operatorId, {
      action: 'column_layout.save',
      entity: 'column_layout',
      entityId: `${operatorId}/${input.batchType}/${input.payType}`,
      before: undefined,
      after: input.layout,
    });
    return gridColumnsIn(tx, operatorId, input);
  });
}

/** Forgets the operator's own layout: the grid shows the admin's default again. */
export function resetLayout(
  storage: Storage,
  operatorId: number,
  input: GridInput,
  now: Date,
): Promise<GridColumnsDto> {
  return storage.transaction(async (tx) => {
    const { changes } = await tx.run(layoutDeleteQuery(operatorId, input.batchType, input.payType));
    if (changes > 0)
      await auditChangeIn(tx, now, operatorId, {
        action: 'column_layout.reset',
        entity: 'column_layout',
        entityId: `${operatorId}/${input.batchType}/${input.payType}`,
        before: undefined,
        after: undefined,
      });
    return gridColumnsIn(tx, operatorId, input);
  });
}

// ---- the column rules the batch code applies (driver, synchronous) ----

type CustomCheck = (custom: Readonly<Record<string, string>>) => { problem: string; column: string } | null;

function checkerOf(fieldsOf: () => readonly CustomFieldDto[], exponent: number): CustomCheck {
  let fields: Map<string, CustomFieldDto> | null = null;
  return (custom) => {
    const keys = Object.keys(custom);
    if (keys.length === 0) return null;
    fields ??= new Map(fieldsOf().map((f) => [f.key, f]));
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

/**
 * A checker for the custom values of entries of one batch: the first value that does not fit its field (type,
 * code list, length, the batch currency's decimals for amounts), as the problem and its column. Keys without
 * a definition (staged from a bank file's `custom:` mapping) are kept as text. The field definitions are read
 * once, when the first entry with custom values is checked.
 */
export function customValueChecker(db: Database.Database, exponent: number): CustomCheck {
  return checkerOf(() => customFieldsOn(db), exponent);
}

/** customValueChecker in a port transaction (the field definitions read there, before any entry is checked). */
export async function customValueCheckerIn(tx: Tx, exponent: number): Promise<CustomCheck> {
  const fields = await listCustomFieldsIn(tx);
  return checkerOf(() => fields, exponent);
}

/** Fields whose presence the batch rules already check (V1), so a required flag on them adds nothing. */
const RULE_CHECKED: ReadonlySet<string> = new Set(['amount', 'accountNo', 'billNo', 'paymentRef']);

const ENTRY_FIELD_SQL: Readonly<
  Record<string, keyof Pick<EntryRuleValuesRow, 'payment_date' | 'check_no' | 'payer_name' | 'reference'>>
> = {
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
  return stepsOnDriver(db, columnRulesSteps(DRIVER, batch, verdicts));
}

/** applyColumnRules as steps, run through the driver or in a port transaction (batch validation). */
export function* columnRulesSteps<
  V extends {
    id: number;
    status: string;
    reasonCode: number | null;
    problem: string | null;
    problemColumn: string | null;
  },
>(
  d: { readonly dialect: Dialect },
  batch: { batchType: BatchTypeDto; payType: number; currency: string },
  verdicts: V[],
): Steps<V[]> {
  const required = effectiveOf(
    yield* all<ColumnRow>(effectiveColumnsQuery(batch.batchType, batch.payType)),
    batch.payType,
  ).columns.filter((c) => c.required && c.purpose === 'entry' && !RULE_CHECKED.has(c.field));
  const fields = (yield* all<CustomFieldRow>(customFieldsQuery(d.dialect))).map(fieldDto);
  const typed = fields.length > 0;
  if ((required.length === 0 && !typed) || verdicts.length === 0) return verdicts;
  const exponent = yield* call(
    (db) => exponentOf(db, batch.currency),
    (tx) => exponentOfIn(tx, batch.currency),
  );
  const check = checkerOf(() => fields, exponent);
  const open = verdicts.filter((v) => v.status !== 'invalid' && !isPostedEntry(v.status));
  if (open.length === 0) return verdicts;
  // One read for the chunk's entries, not one per entry.
  const rows = new Map(
    (yield* all<EntryRuleValuesRow>(
      entryRuleValuesQuery(
        d.dialect,
        open.map((v) => v.id),
      ),
    )).map((r) => [r.id, r]),
  );
  return verdicts.map((v) => {
    if (v.status === 'invalid' || isPostedEntry(v.status)) return v;
    const row = rows.get(v.id);
    if (!row) return v;
    const custom = row.customJson ? (JSON.parse(row.customJson) as Record<string, string>) : {};
    const missing = required.find((c) => {
      const key = customKeyOf(c.field);
      const column = ENTRY_FIELD_SQL[c.field];
      const value = key !== null ? custom[key] : column ? row[column] : undefined;
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
