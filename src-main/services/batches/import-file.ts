import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import type { BatchDto } from '../../../src-shared/dto/batches';
import type { FileIssue } from '../../../src-shared/api/result';
import { formatMinor } from '../../../src-shared/money';
import { normalisedSha256Hex, sha256Hex } from '../../importers/bank-file/hash';
import { parseBankFile } from '../../importers/bank-file/parse-bank-file';
import { parseTemplate, type BankFileTemplateInput } from '../../importers/bank-file/template';
import type { ParseResult, StagedRow } from '../../importers/bank-file/types';
import type { BatchType } from '../../domain/batch-rules';
import { assertBatchWithinCeiling } from '../../ledger/ceiling';
import { writeAudit } from '../../ledger/audit';
import { AppFailure, conflict, invalidFields, invalidFileRows, notFound } from '../../ledger/errors';
import { readCommandFile, type FileReader } from '../files';
import { exponentOf } from '../../ledger/rates';
import { createBatch, entryKey, getBatch, nextEntryId } from './batch-store';
import { currencyKnown, DEFAULT_CURRENCY, stageFile } from './stage-rows';
import { refreshFingerprints } from './duplicates';

/** Staged entries per multi-row INSERT, and the columns each one binds (900 parameters a statement). */
const ENTRIES_PER_INSERT = 45;
const ENTRY_COLUMNS = 20;
/** Values kept per row between parsing and staging (the entry's columns less id, batch, seq and key). */
const STAGED_VALUES = 16;
/** Where the entry's currency sits among its staged values (null until the batch currency is known). */
const CURRENCY_VALUE = 15;

/** Largest bank file accepted (bytes); bigger files are refused before reading. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** Where a bank file comes from: a path the main process reads, or the bytes the renderer sent (base64). */
export type BankFileSource = {
  file?: string | undefined;
  content?: string | undefined;
  fileName?: string | undefined;
};

/**
 * The file's bytes and the name it is known by (a path's base name, or the uploaded file's name). A path is
 * read only for the command line or in-process callers, and the read is audited (services/files.ts).
 */
function readSource(
  db: Database.Database,
  src: BankFileSource,
  who: FileReader,
  command: string,
): { bytes: Uint8Array; name: string; label: string } {
  if (src.content !== undefined) {
    const name = basename(src.fileName ?? 'uploaded file');
    const bytes = Buffer.from(src.content, 'base64');
    if (bytes.length > MAX_FILE_BYTES)
      throw invalidFileRows(`${name} is too large`, [
        { file: name, line: 0, column: '', reason: `at most ${MAX_FILE_BYTES} bytes are accepted` },
      ]);
    return { bytes, name, label: name };
  }
  const file = src.file ?? '';
  let bytes: Uint8Array;
  try {
    bytes = readCommandFile(db, who, command, file, MAX_FILE_BYTES);
  } catch (err) {
    // A refused path stays forbidden; a missing or unreadable file is a file-level problem of the import.
    if (err instanceof AppFailure && err.error.code === 'validation')
      throw invalidFileRows(`${file} cannot be read`, [
        { file, line: 0, column: '', reason: err.error.issues?.[0]?.message ?? err.message },
      ]);
    throw err;
  }
  return { bytes, name: basename(file), label: file };
}

/** The template to use: a stored one by name, or the one given inline (validated, every problem listed). */
export function resolveTemplate(
  db: Database.Database,
  input: { templateName?: string | undefined; template?: unknown },
): BankFileTemplateInput {
  if (input.templateName !== undefined) {
    const row = db
      .prepare('SELECT definition FROM import_templates WHERE name = ?')
      .get(input.templateName) as { definition: string } | undefined;
    if (!row) throw notFound('import template', input.templateName);
    return JSON.parse(row.definition) as BankFileTemplateInput;
  }
  if (input.template === undefined) {
    throw invalidFields('give a template name or an inline template', [
      { path: 'template', message: 'required' },
    ]);
  }
  const parsed = parseTemplate(input.template);
  if (!parsed.ok) {
    throw invalidFields(
      `the import template has ${parsed.problems.length} problem(s)`,
      parsed.problems.map((p) => ({ path: `template.${p.path}`, message: p.message })),
    );
  }
  return input.template as BankFileTemplateInput;
}

function fileIssues(file: string, result: ParseResult): FileIssue[] {
  return result.fileErrors.map((e) => ({ file, line: e.line, column: e.column ?? '', reason: e.reason }));
}

/** A preview row as the clerk sees it before anything is staged. */
export type PreviewRow = {
  line: number;
  fields: Record<string, string>;
  amount: string | null;
  paymentDate: string | null;
  problems: string[];
};

/** What the import preview shows: header/footer values, the first rows as read, and every problem. */
export type BankFilePreview = {
  file: string;
  sha256: string;
  alreadyImported: { importedAt: string; fileName: string } | null;
  header: {
    lockboxNo: string | null;
    date: string | null;
    count: number | null;
    total: string | null;
    raw: string[];
  };
  footer: {
    lockboxNo: string | null;
    date: string | null;
    count: number | null;
    total: string | null;
    raw: string[];
  };
  rows: PreviewRow[];
  rowsWithProblems: number;
  fileErrors: FileIssue[];
};

function info(b: ParseResult['header'], exponent: number): BankFilePreview['header'] {
  return {
    lockboxNo: b.lockboxNo ?? null,
    date: b.date ?? null,
    count: b.count ?? null,
    total: b.totalMinor === undefined ? null : formatMinor(b.totalMinor, exponent),
    raw: b.raw,
  };
}

function previewRow(r: StagedRow, exponent: number): PreviewRow {
  return {
    line: r.line,
    fields: r.fields,
    amount: r.values.amountMinor === undefined ? null : formatMinor(r.values.amountMinor, exponent),
    paymentDate: r.values.paymentDate ?? null,
    problems: r.problems.map((p) => `${p.column}: ${p.reason}`),
  };
}

/** Parses a bank file with a template and shows the first rows and every problem; stages nothing. */
export function previewBankFile(
  db: Database.Database,
  input: BankFileSource & {
    templateName?: string | undefined;
    template?: unknown;
    currency: string;
    previewRows: number;
  },
  who: FileReader,
): BankFilePreview {
  const template = resolveTemplate(db, input);
  const exponent = exponentOf(db, input.currency);
  const { bytes, label } = readSource(db, input, who, 'batches:preview-file');
  const sha256 = normalisedSha256Hex(bytes);
  // One full parse: the preview shows the first rows, but counts rows with problems over the whole file.
  const result = parseBankFile(bytes, template, { exponent });
  // Files recorded before hashes were normalised are found by their raw hash.
  const seen = db
    .prepare(
      `SELECT imported_at AS importedAt, file_name AS fileName FROM imported_files WHERE kind = 'bank' AND sha256 IN (?, ?)`,
    )
    .get(sha256, sha256Hex(bytes)) as { importedAt: string; fileName: string } | undefined;
  return {
    file: label,
    sha256,
    alreadyImported: seen ?? null,
    header: info(result.header, exponent),
    footer: info(result.footer, exponent),
    rows: result.rows.slice(0, input.previewRows).map((r) => previewRow(r, exponent)),
    rowsWithProblems: result.rows.filter((r) => r.problems.length > 0).length,
    fileErrors: fileIssues(label, result),
  };
}

/** Input of a bank file import into a new batch. */
export type ImportBankFileInput = BankFileSource & {
  templateName?: string | undefined;
  template?: unknown;
  batchType: BatchType;
  payType: number;
  /** The batch currency; when absent, the one currency the file states (else USD). */
  currency?: string | undefined;
  channelId: number;
  allocationLevel: 'bill' | 'item';
  batchNo?: string | undefined;
  lockboxNo?: string | undefined;
  batchDate?: string | undefined;
  controlCount?: number | undefined;
  controlTotal?: string | undefined;
  force: boolean;
};

/**
 * Imports a bank file into a new open batch in one transaction. File-level problems (layout, encoding, totals
 * that contradict the rows, no data) stage nothing; row-level problems become invalid entries to fix in the
 * grid. Header/footer figures fill the batch header unless keyed. A file imported before (same content hash)
 * is refused unless forced.
 */
export function importBankFile(
  db: Database.Database,
  input: ImportBankFileInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): { batch: BatchDto; rows: number; invalid: number } {
  const template = resolveTemplate(db, input);
  const { bytes, name, label } = readSource(db, input, { at: now, operatorId }, 'batches:import-file');
  // Line endings, a byte-order mark and trailing blank lines do not make another file.
  const sha256 = normalisedSha256Hex(bytes);
  const seen = db
    .prepare(`SELECT imported_at AS at FROM imported_files WHERE kind = 'bank' AND sha256 IN (?, ?)`)
    .get(sha256, sha256Hex(bytes)) as { at: string } | undefined;
  if (seen && !input.force) {
    throw conflict(
      'already-imported',
      `this file (same content) was already imported on ${seen.at}; import again only on purpose (force)`,
    );
  }
  progress('parsing', 0, bytes.length);
  let currency = input.currency ?? DEFAULT_CURRENCY;
  let exponent = exponentOf(db, currency);
  let staging = stageFile(bytes, template, exponent);
  // Without a batch currency the file's own currency decides, when it states exactly one; amounts are read
  // again when that currency has other minor units than the one they were read with.
  const stated = staging.currencies.size === 1 ? [...staging.currencies][0] : undefined;
  if (input.currency === undefined && stated !== undefined && currencyKnown(db, stated)) {
    currency = stated;
    const statedExponent = exponentOf(db, stated);
    if (statedExponent !== exponent) staging = stageFile(bytes, template, statedExponent);
    exponent = statedExponent;
  }
  const { staged, parsed } = staging;
  const invalid = staging.invalid;
  if (parsed.fileErrors.length > 0) {
    throw invalidFileRows(
      `${name} was not imported: ${parsed.fileErrors[0]?.reason ?? 'file error'}`,
      fileIssues(label, parsed),
    );
  }
  const count = staged.length / STAGED_VALUES;
  const at = now.toISOString();
  return db.transaction(() => {
    const h = parsed.header;
    const f = parsed.footer;
    const controlTotalMinor = h.totalMinor ?? f.totalMinor;
    const batch = createBatch(
      db,
      {
        batchType: input.batchType,
        payType: input.payType,
        currency,
        channelId: input.channelId,
        allocationLevel: input.allocationLevel,
        batchNo: input.batchNo,
        lockboxNo: input.lockboxNo ?? h.lockboxNo ?? f.lockboxNo,
        batchDate: input.batchDate ?? h.date ?? f.date,
        // A file without rows got here only because its controls say it is empty: 0 items, 0.00.
        controlCount: input.controlCount ?? h.count ?? f.count ?? (count === 0 ? 0 : undefined),
        controlTotal:
          input.controlTotal ??
          (controlTotalMinor === undefined
            ? count === 0
              ? formatMinor(0, exponent)
              : undefined
            : formatMinor(controlTotalMinor, exponent)),
        header: h.raw,
        footer: f.raw,
        sourceFile: name,
        sourceSha256: sha256,
        templateName: input.templateName,
      },
      now,
      operatorId,
    );
    // Multi-row INSERTs: one statement step per 50 entries instead of one per entry (a file can have a million).
    const insertSql = (rows: number): string =>
      `INSERT INTO batch_entries (id, batch_id, seq, entry_key, source_line, account_no, bill_no, amount_text, amount_minor, payment_date,
         check_no, payer_name, reference, payment_ref, custom_json, status, problem, problem_column, problems_json, currency)
       VALUES ${Array.from({ length: rows }, () => `(${Array.from({ length: ENTRY_COLUMNS }, () => '?').join(', ')})`).join(', ')}`;
    const full = db.prepare(insertSql(ENTRIES_PER_INSERT));
    const args: unknown[] = [];
    const flush = (): void => {
      if (args.length === 0) return;
      const n = args.length / ENTRY_COLUMNS;
      (n === ENTRIES_PER_INSERT ? full : db.prepare(insertSql(n))).run(args);
      args.length = 0;
    };
    const firstId = nextEntryId(db);
    for (let i = 0; i < count; i++) {
      const id = firstId + i;
      args.push(id, batch.id, i + 1, entryKey(id));
      for (let k = i * STAGED_VALUES; k < (i + 1) * STAGED_VALUES; k++) args.push(staged[k]);
      // An entry whose file said nothing of its currency is in the batch currency.
      if (args[args.length - STAGED_VALUES + CURRENCY_VALUE] === null)
        args[args.length - STAGED_VALUES + CURRENCY_VALUE] = batch.currency;
      if (args.length === ENTRIES_PER_INSERT * ENTRY_COLUMNS) flush();
      if ((i + 1) % 10_000 === 0) progress('staging', i + 1, count);
    }
    flush();
    // Every total the batch shows must stay exact (ledger/ceiling.ts).
    assertBatchWithinCeiling(db, batch.id, batch.batchNo);
    refreshFingerprints(db, batch.id);
    const auditId = writeAudit(db, {
      at,
      operatorId,
      action: 'batch.import',
      entity: 'batch',
      entityId: String(batch.id),
      after: { file: name, sha256, rows: count, invalid, forced: Boolean(seen) },
    });
    db.prepare(
      `INSERT INTO imported_files (kind, sha256, file_name, imported_at, audit_id) VALUES ('bank', ?, ?, ?, ?)`,
    ).run(sha256, name, at, auditId);
    progress('staging', count, count);
    return { batch: getBatch(db, batch.id), rows: count, invalid };
  })();
}

/** A stored import template. */
export type TemplateDto = { name: string; bank: string | null; definition: unknown; updatedAt: string };

/** Saves (creates or replaces) a named import template after validating it. */
export function saveTemplate(
  db: Database.Database,
  input: { name: string; bank?: string | undefined; definition: unknown },
  now: Date,
  operatorId: number | null,
): TemplateDto {
  const parsed = parseTemplate(input.definition);
  if (!parsed.ok) {
    throw invalidFields(
      `the import template has ${parsed.problems.length} problem(s)`,
      parsed.problems.map((p) => ({ path: `definition.${p.path}`, message: p.message })),
    );
  }
  const at = now.toISOString();
  return db.transaction((): TemplateDto => {
    const before = db.prepare('SELECT definition FROM import_templates WHERE name = ?').get(input.name) as
      { definition: string } | undefined;
    db.prepare(
      `INSERT INTO import_templates (name, bank, definition, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET bank = excluded.bank, definition = excluded.definition, updated_at = excluded.updated_at`,
    ).run(input.name, input.bank ?? null, JSON.stringify(input.definition), at, at);
    writeAudit(db, {
      at,
      operatorId,
      action: 'template.save',
      entity: 'import_template',
      entityId: input.name,
      before: before ? (JSON.parse(before.definition) as unknown) : undefined,
      after: input.definition,
    });
    return { name: input.name, bank: input.bank ?? null, definition: input.definition, updatedAt: at };
  })();
}

/** Every stored import template. */
export function listTemplates(db: Database.Database): TemplateDto[] {
  return (
    db
      .prepare('SELECT name, bank, definition, updated_at AS updatedAt FROM import_templates ORDER BY name')
      .all() as {
      name: string;
      bank: string | null;
      definition: string;
      updatedAt: string;
    }[]
  ).map((r) => ({ ...r, definition: JSON.parse(r.definition) as unknown }));
}
