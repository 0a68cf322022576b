import { sql, type SQL } from 'drizzle-orm';
import type { ColumnConfig, ColumnPurpose, CustomFieldType } from '../../src-shared/columns';
import type { CustomFieldDto } from '../../src-shared/dto/admin';
import type { BatchTypeDto } from '../../src-shared/dto/batches';
import type { Dialect } from '../storage/port';
import { entryCustomIndex } from './batches';
import { binary, inList } from './dialect';

/**
 * Batch grid columns (issue #17): the admin's custom fields and column sets per batch type and pay type, and each
 * operator's own layout. Written once here for both databases; the port's service (services/admin/columns.ts)
 * and the batch code that still runs on the driver (driverAll) compile the same queries.
 */

/** A custom field as stored (its code list as the JSON text saved). */
export type CustomFieldRow = {
  key: string;
  label: string;
  type: CustomFieldType;
  codesJson: string;
  maxLength: number;
};

/** One configured column as stored (flags 0/1). */
export type ColumnRow = {
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

/** Every custom field, by key (code-point order on both databases). */
export function customFieldsQuery(d: Dialect): SQL {
  return sql`SELECT key, label, type, codes_json AS "codesJson", max_length AS "maxLength" FROM custom_fields
    ORDER BY ${binary({ dialect: d }, sql`key`)}`;
}

/** One custom field, or none. */
export function customFieldQuery(key: string): SQL {
  return sql`SELECT key, label, type, codes_json AS "codesJson", max_length AS "maxLength" FROM custom_fields
    WHERE key = ${key}`;
}

/** Adds a custom field or replaces everything but its key. */
export function customFieldUpsertQuery(f: CustomFieldDto): SQL {
  return sql`INSERT INTO custom_fields (key, label, type, codes_json, max_length)
    VALUES (${f.key}, ${f.label}, ${f.type}, ${JSON.stringify(f.codes)}, ${f.maxLength})
    ON CONFLICT (key) DO UPDATE SET label = excluded.label, type = excluded.type, codes_json = excluded.codes_json,
      max_length = excluded.max_length`;
}

/** Deletes a custom field's definition. */
export function customFieldDeleteQuery(key: string): SQL {
  return sql`DELETE FROM custom_fields WHERE key = ${key}`;
}

/**
 * A row when some batch entry holds a value for the custom field. A JSON null counts as no value on both
 * (json_extract and ->> both answer SQL NULL for it).
 */
export function customFieldHasValuesQuery(d: Dialect, key: string): SQL {
  return d === 'postgres'
    ? sql`SELECT 1 AS found FROM batch_entries
        WHERE custom_json IS NOT NULL AND (CAST(custom_json AS jsonb) ->> CAST(${key} AS text)) IS NOT NULL LIMIT 1`
    : sql`SELECT 1 AS found FROM batch_entries
        WHERE custom_json IS NOT NULL AND json_extract(custom_json, ${`$."${key}"`}) IS NOT NULL LIMIT 1`;
}

/**
 * The first column set (by batch type, then pay type) that shows the custom field, or none. Ordered so that both
 * databases name the same set when several show it.
 */
export function customFieldColumnQuery(d: Dialect, key: string): SQL {
  return sql`SELECT batch_type AS "batchType", pay_type AS "payType" FROM column_configs
    WHERE field = ${`custom:${key}`} ORDER BY ${binary({ dialect: d }, sql`batch_type`)}, pay_type LIMIT 1`;
}

/**
 * Drops the search index batch entries get for a custom field on its first exact search (batch-store); the caller
 * checks the key against CUSTOM_KEY_PATTERN, since an index name cannot be a parameter.
 */
export function customFieldIndexDropQuery(key: string): SQL {
  return sql`DROP INDEX IF EXISTS ${sql.identifier(entryCustomIndex(key).name)}`;
}

const COLUMN_COLUMNS = sql`batch_type AS "batchType", pay_type AS "payType", field, caption, purpose, width, visible,
  required, format`;

/** Every configured column, by batch type, pay type and position. */
export function columnSetsQuery(d: Dialect): SQL {
  return sql`SELECT ${COLUMN_COLUMNS} FROM column_configs
    ORDER BY ${binary({ dialect: d }, sql`batch_type`)}, pay_type, position`;
}

/** The columns of one set, by position. */
export function columnSetQuery(batchType: BatchTypeDto, payType: number): SQL {
  return sql`SELECT ${COLUMN_COLUMNS} FROM column_configs
    WHERE batch_type = ${batchType} AND pay_type = ${payType} ORDER BY position`;
}

/**
 * The columns of a batch type's set for the pay type and of its default set (pay type 0), each by position, in
 * one read: the caller keeps the pay type's own set when there is one.
 */
export function effectiveColumnsQuery(batchType: BatchTypeDto, payType: number): SQL {
  return sql`SELECT ${COLUMN_COLUMNS} FROM column_configs
    WHERE batch_type = ${batchType} AND pay_type IN (0, ${payType}) ORDER BY pay_type, position`;
}

/** Deletes one column set. */
export function columnSetDeleteQuery(batchType: BatchTypeDto, payType: number): SQL {
  return sql`DELETE FROM column_configs WHERE batch_type = ${batchType} AND pay_type = ${payType}`;
}

/** Inserts the columns of one set in their order (position = index); captions trimmed, flags as 0/1. */
export function columnSetInsertQuery(
  batchType: BatchTypeDto,
  payType: number,
  columns: readonly ColumnConfig[],
): SQL {
  const rows = columns.map(
    (c, i) =>
      sql`(${batchType}, ${payType}, ${i}, ${c.field}, ${c.caption.trim()}, ${c.purpose}, ${c.width},
        ${c.visible ? 1 : 0}, ${c.required ? 1 : 0}, ${c.format})`,
  );
  return sql`INSERT INTO column_configs (batch_type, pay_type, position, field, caption, purpose, width, visible,
    required, format) VALUES ${sql.join(rows, sql`, `)}`;
}

/** The enabled flag (0/1) of a pay type, or no row when it is not a payment method. */
export function payTypeEnabledQuery(payType: number): SQL {
  return sql`SELECT enabled FROM pay_type_settings WHERE pay_type = ${payType}`;
}

/** An operator's own layout of one column set (as the JSON text saved), or none. */
export function layoutQuery(operatorId: number, batchType: BatchTypeDto, payType: number): SQL {
  return sql`SELECT layout_json AS json FROM column_layouts
    WHERE operator_id = ${operatorId} AND batch_type = ${batchType} AND pay_type = ${payType}`;
}

/** Keeps an operator's own layout of one column set, replacing the one kept before. */
export function layoutUpsertQuery(
  operatorId: number,
  batchType: BatchTypeDto,
  payType: number,
  layoutJson: string,
  at: string,
): SQL {
  return sql`INSERT INTO column_layouts (operator_id, batch_type, pay_type, layout_json, updated_at)
    VALUES (${operatorId}, ${batchType}, ${payType}, ${layoutJson}, ${at})
    ON CONFLICT (operator_id, batch_type, pay_type) DO UPDATE SET layout_json = excluded.layout_json,
      updated_at = excluded.updated_at`;
}

/** Forgets an operator's own layout of one column set. */
export function layoutDeleteQuery(operatorId: number, batchType: BatchTypeDto, payType: number): SQL {
  return sql`DELETE FROM column_layouts
    WHERE operator_id = ${operatorId} AND batch_type = ${batchType} AND pay_type = ${payType}`;
}

/** The values of batch entries that the column rules check, keyed by the entry fields' column names. */
export type EntryRuleValuesRow = {
  id: number;
  payment_date: string | null;
  check_no: string | null;
  payer_name: string | null;
  reference: string | null;
  customJson: string | null;
};

/** The values the column rules check of the given batch entries (one parameter however many). */
export function entryRuleValuesQuery(d: Dialect, entryIds: readonly number[]): SQL {
  return sql`SELECT id, payment_date, check_no, payer_name, reference, custom_json AS "customJson"
    FROM batch_entries WHERE ${inList({ dialect: d }, sql`id`, entryIds)}`;
}
