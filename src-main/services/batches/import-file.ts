import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import type { BatchDto } from '../../../src-shared/dto/batches';
import type { FileIssue } from '../../../src-shared/api/result';
import { formatMinor } from '../../../src-shared/money';
import { appendAudit } from '../../../db/repos/audit';
import { batchAmountSlicesQuery } from '../../../db/repos/batches';
import { importedBeforeQuery, importedFileInsertQuery, nextBatchIdQuery } from '../../../db/repos/imports';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverGet, driverRun } from '../../../db/storage/sqlite';
import { call, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { normalisedSha256Hex, sha256Hex } from '../../importers/bank-file/hash';
import { parseBankFile } from '../../importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../importers/bank-file/template';
import type { ParseResult, StagedRow } from '../../importers/bank-file/types';
import type { BatchType } from '../../domain/batch-rules';
import { assertBatchSlicesWithinCeiling, assertBatchWithinCeiling } from '../../ledger/ceiling';
import { writeAudit } from '../../ledger/audit';
import { AppFailure, conflict, invalidFields, invalidFileRows } from '../../ledger/errors';
import { readCommandFile, readCommandFileVia, type FileReader } from '../files';
import { readUpload, readUploadVia, type CommandFileSource } from '../uploads';
import { exponentOf, exponentOfIn } from '../../ledger/rates';
import { createBatch, createBatchIn, getBatch, getBatchIn, type CreateBatchInput } from './batch-store';
import {
  collectFileRows,
  currencyKnown,
  currencyKnownIn,
  DEFAULT_CURRENCY,
  stageFileRows,
  writeEntriesIn,
} from './stage-rows';
import { refreshFingerprints } from './duplicates';
import {
  isCamtStatement,
  previewCamtStatementIn,
  stageCamtStatement,
  stageCamtStatementIn,
} from './import-camt';
import {
  AUTO_TEMPLATE_CONFIDENCE,
  proposeTemplates,
  proposeTemplatesIn,
  resolveTemplate,
  resolveTemplateIn,
} from './templates';

const READ = { readOnly: true } as const;
// The import reads (earlier imports of the content, the batch numbers taken) before it writes: serializable, so two
// clerks importing at once take turns on PostgreSQL as SQLite's one writer makes them.
const WRITE = { serializable: true } as const;

/** Largest bank file accepted (bytes); bigger files are refused before reading. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Where a bank file comes from: a path the main process reads, the bytes the renderer sent (base64), or the
 * caller's upload (resolved to its file before the job runs).
 */
export type BankFileSource = CommandFileSource;

/** The bytes the renderer sent, refused as a file problem when over the limit. */
function sentBytes(
  content: string,
  fileName: string | undefined,
): { bytes: Uint8Array; name: string; label: string } {
  const name = basename(fileName ?? 'uploaded file');
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length > MAX_FILE_BYTES)
    throw invalidFileRows(`${name} is too large`, [
      { file: name, line: 0, column: '', reason: `at most ${MAX_FILE_BYTES} bytes are accepted` },
    ]);
  return { bytes, name, label: name };
}

/** A path's read failure as the import words it: a refused path stays forbidden; a missing file is a file problem. */
function unreadable(file: string, err: unknown): unknown {
  if (err instanceof AppFailure && err.error.code === 'validation')
    return invalidFileRows(`${file} cannot be read`, [
      { file, line: 0, column: '', reason: err.error.issues?.[0]?.message ?? err.message },
    ]);
  return err;
}

/**
 * The file's bytes and the name it is known by (a path's base name, or the uploaded file's name). A path is
 * read only for the command line or in-process callers, and the read is audited (services/files.ts).
 */
export function readSource(
  db: Database.Database,
  src: BankFileSource,
  who: FileReader,
  command: string,
): { bytes: Uint8Array; name: string; label: string } {
  if (src.content !== undefined) return sentBytes(src.content, src.fileName);
  if (src.uploaded !== undefined) {
    const { bytes, name } = readUpload(db, who, command, src.uploaded, MAX_FILE_BYTES);
    return { bytes, name, label: name };
  }
  const file = src.file ?? '';
  try {
    return {
      bytes: readCommandFile(db, who, command, file, MAX_FILE_BYTES),
      name: basename(file),
      label: file,
    };
  } catch (err) {
    throw unreadable(file, err);
  }
}

/** readSource through the storage port (the read's audit row committed before the command's own transaction). */
export async function readSourceVia(
  storage: Storage,
  src: BankFileSource,
  who: FileReader,
  command: string,
): Promise<{ bytes: Uint8Array; name: string; label: string }> {
  if (src.content !== undefined) return sentBytes(src.content, src.fileName);
  if (src.uploaded !== undefined) {
    const { bytes, name } = await readUploadVia(storage, who, command, src.uploaded, MAX_FILE_BYTES);
    return { bytes, name, label: name };
  }
  const file = src.file ?? '';
  try {
    const bytes = await readCommandFileVia(storage, who, command, file, MAX_FILE_BYTES);
    return { bytes, name: basename(file), label: file };
  } catch (err) {
    throw unreadable(file, err);
  }
}

/**
 * The template for a file: the one named or given, else the best detected one when detection is sure enough
 * (AUTO_TEMPLATE_CONFIDENCE); otherwise the clerk is asked to choose, with the proposals in the message.
 */
function* templateSteps(
  input: { templateName?: string | undefined; template?: unknown },
  bytes: Uint8Array,
): Steps<{ template: BankFileTemplateInput; templateName: string | undefined }> {
  const resolve = (named: { templateName?: string | undefined; template?: unknown }) =>
    call(
      (db) => resolveTemplate(db, named),
      (tx) => resolveTemplateIn(tx, named),
    );
  if (input.templateName !== undefined || input.template !== undefined) {
    return { template: yield* resolve(input), templateName: input.templateName };
  }
  const proposals = yield* call(
    (db) => proposeTemplates(db, bytes),
    (tx) => proposeTemplatesIn(tx, bytes),
  );
  const [best, second] = proposals;
  const tie = best !== undefined && second !== undefined && second.confidence === best.confidence;
  if (best && best.confidence >= AUTO_TEMPLATE_CONFIDENCE && !tie) {
    return { template: yield* resolve({ templateName: best.name }), templateName: best.name };
  }
  const named = proposals
    .slice(0, 3)
    .filter((p) => p.confidence > 0)
    .map((p) => `${p.name} ${Math.round(p.confidence * 100)}%`);
  throw invalidFields(
    tie
      ? `choose a template: ${best.name} and ${second.name} read this file equally well`
      : `choose a template: no template recognises this file for sure${named.length ? ` (closest: ${named.join(', ')})` : ''}`,
    [{ path: 'templateName', message: 'required: the file format was not recognised for sure' }],
  );
}

/**
 * The template for a file: the one named or given, else the best detected one when detection is sure enough
 * (AUTO_TEMPLATE_CONFIDENCE); otherwise the clerk is asked to choose, with the proposals in the message.
 */
export function resolveTemplateFor(
  db: Database.Database,
  input: { templateName?: string | undefined; template?: unknown },
  bytes: Uint8Array,
): { template: BankFileTemplateInput; templateName: string | undefined } {
  return stepsOnDriver(db, templateSteps(input, bytes));
}

/** resolveTemplateFor in a port transaction. */
export function resolveTemplateForIn(
  tx: Tx,
  input: { templateName?: string | undefined; template?: unknown },
  bytes: Uint8Array,
): Promise<{ template: BankFileTemplateInput; templateName: string | undefined }> {
  return stepsIn(tx, templateSteps(input, bytes));
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
  /** A camt.053 statement: what it is and its warnings (see BankFilePreviewDto). */
  statement?: { format: 'camt.053'; messageId: string | null; currency: string; warnings: FileIssue[] };
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

/** When a file of this content hash was imported before (files recorded before normalised hashes: the raw one). */
function importedBefore(
  db: Database.Database,
  sha256: string,
  bytes: Uint8Array,
): { importedAt: string; fileName: string } | undefined {
  return driverGet(db, importedBeforeQuery('bank', [sha256, sha256Hex(bytes)]));
}

/** importedBefore in a port transaction. */
function importedBeforeIn(
  tx: Tx,
  sha256: string,
  bytes: Uint8Array,
): Promise<{ importedAt: string; fileName: string } | undefined> {
  return tx.get(importedBeforeQuery('bank', [sha256, sha256Hex(bytes)]));
}

function alreadyImported(at: string): AppFailure {
  return conflict(
    'already-imported',
    `this file (same content) was already imported on ${at}; import again only on purpose (force)`,
  );
}

/** The preview of a camt.053 statement: its credits as they would be staged, resolved to bills and accounts. */
async function previewStatementIn(
  tx: Tx,
  bytes: Uint8Array,
  label: string,
  sha256: string,
  previewRows: number,
): Promise<BankFilePreview> {
  const p = await previewCamtStatementIn(tx, bytes, label, previewRows);
  const exponent = (await currencyKnownIn(tx, p.currency)) ? await exponentOfIn(tx, p.currency) : 2;
  const info = {
    lockboxNo: null,
    date: null,
    count: p.count,
    total: formatMinor(p.totalMinor, exponent),
    raw: [`camt.053 ${p.messageId ?? ''}`.trim(), p.currency],
  };
  return {
    file: label,
    sha256,
    alreadyImported: (await importedBeforeIn(tx, sha256, bytes)) ?? null,
    header: info,
    footer: { lockboxNo: null, date: null, count: null, total: null, raw: [] },
    rows: p.rows,
    rowsWithProblems: p.rows.filter((r) => r.problems.length > 0).length,
    fileErrors: [],
    statement: { format: 'camt.053', messageId: p.messageId, currency: p.currency, warnings: p.warnings },
  };
}

/**
 * Parses a bank file with a template and shows the first rows and every problem; stages nothing. The file is read
 * (and a path's read audited) first; the template, the amounts' exponent and the earlier import of the same content
 * are then read in one snapshot.
 */
export async function previewBankFileVia(
  storage: Storage,
  input: BankFileSource & {
    templateName?: string | undefined;
    template?: unknown;
    currency: string;
    previewRows: number;
  },
  who: FileReader,
): Promise<BankFilePreview> {
  const { bytes, label } = await readSourceVia(storage, input, who, 'batches:preview-file');
  const sha256 = normalisedSha256Hex(bytes);
  return storage.transaction(async (tx) => {
    // A camt.053 statement is recognised by its content: no template applies.
    if (isCamtStatement(bytes)) return previewStatementIn(tx, bytes, label, sha256, input.previewRows);
    const { template } = await resolveTemplateForIn(tx, input, bytes);
    const exponent = await exponentOfIn(tx, input.currency);
    // One full parse: the preview shows the first rows, but counts rows with problems over the whole file. Rows are
    // looked at as they are read and only the first ones kept, so a million-row file is previewed in bounded memory.
    const rows: PreviewRow[] = [];
    let rowsWithProblems = 0;
    const result = parseBankFile(bytes, template, {
      exponent,
      onRow: (r) => {
        if (r.problems.length > 0) rowsWithProblems++;
        if (rows.length < input.previewRows) rows.push(previewRow(r, exponent));
      },
    });
    // Files recorded before hashes were normalised are found by their raw hash.
    const seen = await importedBeforeIn(tx, sha256, bytes);
    return {
      file: label,
      sha256,
      alreadyImported: seen ?? null,
      header: info(result.header, exponent),
      footer: info(result.footer, exponent),
      rows,
      rowsWithProblems,
      fileErrors: fileIssues(label, result),
    };
  }, READ);
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

/** The next batch id (AUTOINCREMENT: past every id ever used, deleted ones included). */
function nextBatchId(db: Database.Database): number {
  return driverGet<{ id: number }>(db, nextBatchIdQuery())!.id;
}

/** Files with more lines than this import with a bigger page cache (IMPORT_CACHE_KIB). */
const IMPORT_CACHE_ABOVE_ROWS = 100_000;
/** Page cache of a big import, as SQLite's negative cache_size (KiB): 256 MiB. */
const IMPORT_CACHE_KIB = -262_144;

/** Line breaks in the file: a cheap estimate of its rows for the progress bar (one pass of memchr). */
function countLines(bytes: Uint8Array): number {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let n = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/**
 * Imports a bank file into a new open batch in one transaction. The rows are staged chunk by chunk as the file is
 * parsed (stage-rows.ts), so memory does not grow with the row count; a file-level problem found at the end
 * (layout, encoding, totals that contradict the rows, no data) throws and rolls every staged chunk back, and so
 * does an exception from progress (a cancelled job). Row-level problems become invalid entries to fix in the
 * grid. Header/footer figures fill the batch header unless keyed. A file imported before (same content hash) is
 * refused unless forced.
 */
export function importBankFile(
  db: Database.Database,
  input: ImportBankFileInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): { batch: BatchDto; rows: number; invalid: number } {
  const { bytes, name, label } = readSource(db, input, { at: now, operatorId }, 'batches:import-file');
  // Line endings, a byte-order mark and trailing blank lines do not make another file.
  const sha256 = normalisedSha256Hex(bytes);
  const before = importedBefore(db, sha256, bytes);
  const seen = before ? { at: before.importedAt } : undefined;
  if (seen && !input.force) throw alreadyImported(seen.at);
  // Checked again in the writer's turn: another clerk's import of the same file may have committed meanwhile.
  const notImportedMeanwhile = (): void => {
    const meanwhile = input.force ? undefined : importedBefore(db, sha256, bytes);
    if (meanwhile) throw alreadyImported(meanwhile.importedAt);
  };
  // A camt.053 statement is recognised by its content (root namespace): its booked credits become the entries.
  if (isCamtStatement(bytes)) {
    progress('staging', 0, 1);
    const result = db
      .transaction(() => {
        notImportedMeanwhile();
        const staged = stageCamtStatement(db, bytes, { name, label, sha256 }, input, now, operatorId);
        const auditId = writeAudit(db, {
          at: now.toISOString(),
          operatorId,
          action: 'batch.import',
          entity: 'batch',
          entityId: String(staged.batch.id),
          after: { ...staged.auditAfter, forced: Boolean(seen) },
        });
        driverRun(
          db,
          importedFileInsertQuery({ kind: 'bank', sha256, fileName: name, at: now.toISOString(), auditId }),
        );
        return { batch: staged.batch, rows: staged.rows, invalid: staged.invalid };
      })
      .immediate();
    progress('staging', result.rows, result.rows);
    return result;
  }
  const { template, templateName } = resolveTemplateFor(db, input, bytes);
  const estimatedRows = countLines(bytes);
  progress('staging', 0, estimatedRows);
  const at = now.toISOString();
  // Two of batch_entries' indexes (fingerprint, and batch/status/amount) take rows at random places: with the
  // usual 64 MiB page cache a million-row import spills dirty pages to the WAL and reads them back mid-transaction.
  // A big import gets a bigger cache for its duration (SQLite allocates it as pages are touched; given back after).
  const stageAndCreate = db.transaction(() => {
    notImportedMeanwhile();
    // The entries are written before their batch row (whose header the file's footer and currency decide), so
    // the batch id is taken now and the foreign key is checked at commit.
    const batchId = nextBatchId(db);
    db.pragma('defer_foreign_keys = ON');
    let currency = input.currency ?? DEFAULT_CURRENCY;
    let exponent = exponentOf(db, currency);
    const stage = (c: string, e: number): ReturnType<typeof stageFileRows> =>
      stageFileRows(db, bytes, template, {
        batchId,
        currency: c,
        exponent: e,
        fingerprints: input.batchType === 'payment',
        lockboxNo: input.lockboxNo,
        estimatedRows,
        progress: (done, total) => progress('staging', done, total),
      });
    let staging = stage(currency, exponent);
    // Without a batch currency the file's own currency decides, when it states exactly one. Rows that state none
    // were staged in the default currency and take the stated one; when its minor units differ, every amount
    // (and the header and footer totals) is read again: the staged rows are dropped and the file staged anew.
    const stated = staging.currencies.size === 1 ? [...staging.currencies][0] : undefined;
    let refingerprint = false;
    if (
      input.currency === undefined &&
      stated !== undefined &&
      stated !== currency &&
      currencyKnown(db, stated)
    ) {
      const statedExponent = exponentOf(db, stated);
      if (statedExponent !== exponent) {
        db.prepare('DELETE FROM batch_entries WHERE batch_id = ?').run(batchId);
        staging = stage(stated, statedExponent);
      } else {
        // Only the stated currency was stated, so every row in the default one was filled in.
        db.prepare('UPDATE batch_entries SET currency = ? WHERE batch_id = ? AND currency = ?').run(
          stated,
          batchId,
          currency,
        );
        refingerprint = true;
      }
      currency = stated;
      exponent = statedExponent;
    }
    const { parsed, invalid } = staging;
    const count = staging.rows;
    if (parsed.fileErrors.length > 0) {
      throw invalidFileRows(
        `${name} was not imported: ${parsed.fileErrors[0]?.reason ?? 'file error'}`,
        fileIssues(label, parsed),
      );
    }
    const batch = createBatch(
      db,
      importedBatchInput(input, parsed, count, currency, exponent, { name, sha256, templateName }),
      now,
      operatorId,
    );
    if (batch.id !== batchId) throw new Error(`batch id ${batch.id} is not the staged ${batchId}`);
    // Every total the batch shows must stay exact (ledger/ceiling.ts).
    assertBatchWithinCeiling(db, batch.id, batch.batchNo);
    // Fingerprints were computed as rows were staged; only a lockbox or currency learnt afterwards redoes them.
    if (refingerprint || (batch.lockboxNo ?? undefined) !== staging.fingerprintLockboxNo)
      refreshFingerprints(db, batch.id);
    const auditId = writeAudit(db, {
      at,
      operatorId,
      action: 'batch.import',
      entity: 'batch',
      entityId: String(batch.id),
      after: { file: name, sha256, rows: count, invalid, forced: Boolean(seen) },
    });
    driverRun(db, importedFileInsertQuery({ kind: 'bank', sha256, fileName: name, at, auditId }));
    progress('staging', count, count);
    return { batch: getBatch(db, batch.id), rows: count, invalid };
  });
  const bigger = estimatedRows > IMPORT_CACHE_ABOVE_ROWS;
  const cacheBefore = Number(db.pragma('cache_size', { simple: true }));
  if (bigger) db.pragma(`cache_size = ${IMPORT_CACHE_KIB}`);
  try {
    // IMMEDIATE: the batch id taken first must still be free when the batch row is written at the end.
    return stageAndCreate.immediate();
  } finally {
    if (bigger) db.pragma(`cache_size = ${cacheBefore}`);
  }
}

/** The batch header an import fills from the file where the clerk keyed nothing (header first, then footer). */
function importedBatchInput(
  input: ImportBankFileInput,
  parsed: ParseResult,
  count: number,
  currency: string,
  exponent: number,
  file: { name: string; sha256: string; templateName: string | undefined },
): CreateBatchInput {
  const h = parsed.header;
  const f = parsed.footer;
  const controlTotalMinor = h.totalMinor ?? f.totalMinor;
  return {
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
    sourceFile: file.name,
    sourceSha256: file.sha256,
    templateName: file.templateName,
  };
}

/**
 * importBankFile through the storage port (the job on PostgreSQL). The file is read (and a path's read audited)
 * before the transaction; the check against earlier imports of the same content, the batch and every entry are one
 * serializable transaction, so a rejected file writes nothing, a cancelled job (progress throws) rolls back, and
 * two clerks importing one file at once end as one after the other: the second is retried and refused
 * `already-imported` (unless forced). The file is parsed whole first (the parser calls back synchronously, the port
 * awaits), so the batch row is written before its entries with its final currency and header, and each entry's
 * fingerprint is computed once with the batch's lockbox: the rows written are those the driver's import leaves.
 */
export async function importBankFileVia(
  storage: Storage,
  input: ImportBankFileInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): Promise<{ batch: BatchDto; rows: number; invalid: number }> {
  const { bytes, name, label } = await readSourceVia(
    storage,
    input,
    { at: now, operatorId },
    'batches:import-file',
  );
  // Line endings, a byte-order mark and trailing blank lines do not make another file.
  const sha256 = normalisedSha256Hex(bytes);
  const at = now.toISOString();
  const camt = isCamtStatement(bytes);
  const estimatedRows = camt ? 1 : countLines(bytes);
  return storage.transaction(async (tx) => {
    const before = await importedBeforeIn(tx, sha256, bytes);
    if (before && !input.force) throw alreadyImported(before.importedAt);
    const record = async (batchId: number, after: Record<string, unknown>): Promise<void> => {
      const auditId = await appendAudit(tx, {
        at,
        operatorId,
        action: 'batch.import',
        entity: 'batch',
        entityId: String(batchId),
        after: { ...after, forced: Boolean(before) },
      });
      await tx.run(importedFileInsertQuery({ kind: 'bank', sha256, fileName: name, at, auditId }));
    };
    // A camt.053 statement is recognised by its content (root namespace): its booked credits become the entries.
    if (camt) {
      progress('staging', 0, 1);
      const staged = await stageCamtStatementIn(tx, bytes, { name, label, sha256 }, input, now, operatorId);
      await record(staged.batch.id, staged.auditAfter);
      progress('staging', staged.rows, staged.rows);
      return { batch: staged.batch, rows: staged.rows, invalid: staged.invalid };
    }
    const { template, templateName } = await resolveTemplateForIn(tx, input, bytes);
    progress('staging', 0, estimatedRows);
    let currency = input.currency ?? DEFAULT_CURRENCY;
    let exponent = await exponentOfIn(tx, currency);
    let file = collectFileRows(bytes, template, exponent);
    // Without a batch currency the file's own currency decides, when it states exactly one; when its minor units
    // differ, every amount (and the header and footer totals) is read again.
    const stated = file.currencies.size === 1 ? [...file.currencies][0] : undefined;
    if (
      input.currency === undefined &&
      stated !== undefined &&
      stated !== currency &&
      (await currencyKnownIn(tx, stated))
    ) {
      const statedExponent = await exponentOfIn(tx, stated);
      if (statedExponent !== exponent) file = collectFileRows(bytes, template, statedExponent);
      currency = stated;
      exponent = statedExponent;
    }
    const { parsed, staged } = file;
    if (parsed.fileErrors.length > 0) {
      throw invalidFileRows(
        `${name} was not imported: ${parsed.fileErrors[0]?.reason ?? 'file error'}`,
        fileIssues(label, parsed),
      );
    }
    const count = staged.length;
    const batch = await createBatchIn(
      tx,
      importedBatchInput(input, parsed, count, currency, exponent, { name, sha256, templateName }),
      now,
      operatorId,
    );
    const { invalid } = await writeEntriesIn(
      tx,
      {
        batchId: batch.id,
        currency,
        fingerprints: input.batchType === 'payment',
        progress: (done) => progress('staging', done, Math.max(done, estimatedRows)),
      },
      staged,
      batch.lockboxNo ?? undefined,
    );
    // Every total the batch shows must stay exact (ledger/ceiling.ts).
    assertBatchSlicesWithinCeiling(
      await tx.all<{ s: string }>(batchAmountSlicesQuery(batch.id)),
      batch.batchNo,
    );
    await record(batch.id, { file: name, sha256, rows: count, invalid });
    progress('staging', count, count);
    return { batch: await getBatchIn(tx, batch.id), rows: count, invalid };
  }, WRITE);
}
