import { readUpload } from '../uploads';
import type { CommandFileSource } from '../uploads';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { BatchDto } from '../../../src-shared/dto/batches';
import { formatMinor, parseMinor } from '../../../src-shared/money';
import { writeAudit } from '../../ledger/audit';
import { conflict, invalidFields } from '../../ledger/errors';
import { MAX_UPLOAD_BYTES } from '../../../src-shared/api/uploads';
import { parseJsonText, readCommandFile, uploadedBytes } from '../files';
import { exponentOf, exponentOfIn } from '../../ledger/rates';
import {
  batchByIdQuery,
  batchEntriesQuery,
  ledgerIdQuery,
  type BatchRecord,
  type EntryRecord,
} from '../../../db/repos/batches';
import type { Dialect, Storage } from '../../../db/storage/port';
import { driverGet } from '../../../db/storage/sqlite';
import { all, call, DRIVER, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { notFound } from '../../ledger/errors';
import { createBatch, entryDto, getBatch, saveEntries } from './batch-store';

/** The hand-over file of a batch (Payment Tool's "PMT file"): header and entries as typed, versioned. */
const batchFileSchema = z.strictObject({
  format: z.literal('paydesk-batch'),
  version: z.literal(1),
  /**
   * Where the batch was kept: the exporting ledger's identity and the batch's id and number there. Not part of the
   * content identity; a push (`batch push`) is recognised by it. Files written before it existed have none.
   */
  origin: z
    .strictObject({
      ledgerId: z.string().regex(/^[0-9a-f]{32}$/),
      batchId: z.int().min(1),
      batchNo: z.string().min(1).max(64),
    })
    .optional(),
  batch: z.strictObject({
    batchNo: z.string().min(1).max(64),
    batchType: z.enum(['payment', 'refund', 'reversal']),
    payType: z.int(),
    currency: z.string().regex(/^[A-Z]{3}$/),
    channelId: z.int().min(0),
    allocationLevel: z.enum(['bill', 'item']),
    lockboxNo: z.string().max(64).nullable(),
    batchDate: z.iso.date(),
    controlCount: z.int().min(0).nullable(),
    controlTotal: z.string().nullable(),
    note: z.string().max(2000).nullable(),
    header: z.array(z.string()),
    footer: z.array(z.string()),
  }),
  entries: z.array(
    z.strictObject({
      accountNo: z.string().nullable(),
      billNo: z.string().nullable(),
      amount: z.string().nullable(),
      paymentDate: z.string().nullable(),
      checkNo: z.string().nullable(),
      payerName: z.string().nullable(),
      reference: z.string().nullable(),
      channelId: z.int().nullable(),
      paymentRef: z.int().nullable(),
      /** The entry's own currency (files written before it existed: the batch currency). */
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .optional(),
      custom: z.record(z.string(), z.string()),
      suspendReason: z.int().nullable(),
    }),
  ),
});

/** The batch file document. */
export type BatchFile = z.infer<typeof batchFileSchema>;

/**
 * The identity of a hand-over document: its content as parsed, so line endings, spacing and key order do not count;
 * the origin is left out, so the same content exported from another ledger (or batch) is the same file.
 */
function handOverIdentity(doc: BatchFile): string {
  const { origin: _origin, ...content } = doc;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function ledgerIdFound(row: { ledgerId: string } | undefined): string {
  if (!row) throw new Error('ledger_identity has no row: the ledger was not migrated');
  return row.ledgerId;
}

/** This ledger's identity (set once by its migration). */
export function ledgerIdOf(db: Database.Database): string {
  return ledgerIdFound(driverGet<{ ledgerId: string }>(db, ledgerIdQuery()));
}

/**
 * The amount text a hand-over file carries: the clerk's own text when it reads back as the stored amount, else the
 * contract's plain decimal. A bank file's notation (implied decimals, decimal comma) would read differently once it
 * is keyed text in the reopened batch.
 */
function handOverAmount(text: string | null, amountMinor: number | null, exponent: number): string | null {
  if (amountMinor === null || text === null) return text;
  const asTyped = parseMinor(text, exponent);
  return asTyped.ok && asTyped.value === amountMinor ? text : formatMinor(amountMinor, exponent);
}

/**
 * The hand-over document of a batch, written once as steps: `batches:export` reads it in one read-only port
 * transaction, a batch import (still on the driver) builds it to compare a file with the batch it came from.
 */
function* exportSteps(on: { readonly dialect: Dialect }, batchId: number): Steps<BatchFile> {
  const b = yield* get<BatchRecord>(batchByIdQuery(batchId));
  if (!b) throw notFound('batch', String(batchId));
  const exponents = new Map<string, number>();
  function* exponent(currency: string): Steps<number> {
    let e = exponents.get(currency);
    if (e === undefined) {
      e = yield* call(
        (db) => exponentOf(db, currency),
        (tx) => exponentOfIn(tx, currency),
        currency,
      );
      exponents.set(currency, e);
    }
    return e;
  }
  const batchExponent = yield* exponent(b.currency);
  const rows = yield* all<EntryRecord>(batchEntriesQuery(on, batchId));
  const ledgerId = ledgerIdFound(yield* get<{ ledgerId: string }>(ledgerIdQuery()));
  const entries: BatchFile['entries'] = [];
  for (const e of rows.map(entryDto))
    entries.push({
      accountNo: e.accountNo,
      billNo: e.billNo,
      amount: handOverAmount(e.amountText, e.amountMinor, yield* exponent(e.currency ?? b.currency)),
      paymentDate: e.paymentDate,
      checkNo: e.checkNo,
      payerName: e.payerName,
      reference: e.reference,
      channelId: e.channelId,
      paymentRef: e.paymentRef,
      currency: e.currency,
      custom: e.custom,
      suspendReason: e.manualSuspend ? e.reasonCode : null,
    });
  return {
    format: 'paydesk-batch',
    version: 1,
    origin: { ledgerId, batchId: b.id, batchNo: b.batchNo },
    batch: {
      batchNo: b.batchNo,
      batchType: b.batchType,
      payType: b.payType,
      currency: b.currency,
      channelId: b.channelId,
      allocationLevel: b.allocationLevel,
      lockboxNo: b.lockboxNo,
      batchDate: b.batchDate,
      controlCount: b.controlCount,
      controlTotal: b.controlTotalMinor === null ? null : formatMinor(b.controlTotalMinor, batchExponent),
      note: b.note,
      header: b.headerJson ? (JSON.parse(b.headerJson) as string[]) : [],
      footer: b.footerJson ? (JSON.parse(b.footerJson) as string[]) : [],
    },
    entries,
  };
}

/** Builds the hand-over document of a batch through the driver (a batch import compares a file with it). */
export function exportBatchFile(db: Database.Database, batchId: number): BatchFile {
  return stepsOnDriver(db, exportSteps(DRIVER, batchId));
}

/** The hand-over document of a batch (`batches:export`): everything typed so far, so work can continue elsewhere. */
export function exportBatchFileVia(storage: Storage, batchId: number): Promise<BatchFile> {
  return storage.transaction((tx) => stepsIn(tx, exportSteps(tx, batchId)), { readOnly: true });
}

/**
 * Recreates a batch from a hand-over file (a new open batch; validation starts over). A file whose batch is
 * still open or validated here is refused: the same content (compared as parsed, so line endings, spacing and
 * key order do not matter) never makes a second open batch. Once that batch is submitted or discarded the file
 * loads again, and duplicate detection suspects every entry that matches a posted payment.
 */
export function importBatchFile(
  db: Database.Database,
  src: CommandFileSource,
  now: Date,
  operatorId: number | null,
  opts: { push?: boolean } = {},
): BatchDto {
  const who = { at: now, operatorId };
  const { bytes, name } =
    src.content !== undefined
      ? uploadedBytes(src.content, src.fileName, MAX_UPLOAD_BYTES)
      : src.uploaded !== undefined
        ? readUpload(db, who, 'batches:import-batch-file', src.uploaded, MAX_UPLOAD_BYTES)
        : {
            bytes: readCommandFile(db, who, 'batches:import-batch-file', src.file ?? '', MAX_UPLOAD_BYTES),
            name: src.file ?? '',
          };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalidFields(`${name} is not a readable batch file: it is not UTF-8 text (line 1)`, [
      { path: 'file', message: 'not UTF-8 text' },
    ]);
  }
  const json = parseJsonText(text, name);
  if (!json.ok)
    throw invalidFields(`${json.reason}; it is not a readable batch file`, [
      { path: 'file', message: 'not a readable JSON batch file' },
    ]);
  const doc = json.value;
  const file = name;
  const parsed = batchFileSchema.safeParse(doc);
  if (!parsed.success) {
    throw invalidFields(
      `${file} is not a valid Paydesk batch file`,
      parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(root)',
        message: i.message,
      })),
    );
  }
  const { batch, entries } = parsed.data;
  const identity = handOverIdentity(parsed.data);
  const origin = parsed.data.origin;
  if (opts.push && !origin)
    throw invalidFields(
      `${file} names no origin ledger: it cannot be pushed (export it again with this version)`,
      [{ path: 'file', message: 'no origin' }],
    );
  return db.transaction((): BatchDto => {
    if (opts.push && origin) {
      if (origin.ledgerId === ledgerIdOf(db))
        throw conflict(
          'push-to-self',
          `batch ${origin.batchNo} was kept in this ledger: push it to another one`,
        );
      // A retried push answers the batch already recreated from the same origin, so it is never made twice.
      const known = db
        .prepare(
          `SELECT o.batch_id AS id, o.content_sha256 AS content, b.batch_no AS batchNo, b.status
           FROM batch_origins o JOIN batches b ON b.id = o.batch_id
           WHERE o.origin_ledger = ? AND o.origin_batch_id = ?`,
        )
        .get(origin.ledgerId, origin.batchId) as
        { id: number; content: string; batchNo: string; status: string } | undefined;
      if (known?.status === 'submitted') return getBatch(db, known.id);
      if (known && known.status !== 'discarded') {
        if (known.content === identity) return getBatch(db, known.id);
        throw conflict(
          'pushed-changed',
          `batch ${origin.batchNo} was pushed before as batch ${known.batchNo} (id ${known.id}, ${known.status}) with other content; discard that batch here to push the changed one`,
        );
      }
    }
    // The batch the file was exported from, still open on this desk, with the same content.
    const source = db
      .prepare(`SELECT id, status FROM batches WHERE batch_no = ? AND status IN ('open', 'validated')`)
      .get(batch.batchNo) as { id: number; status: string } | undefined;
    if (source && handOverIdentity(batchFileSchema.parse(exportBatchFile(db, source.id))) === identity)
      throw conflict(
        'already-loaded',
        `this hand-over file is batch ${batch.batchNo} (id ${source.id}), which is ${source.status} on this desk; work on that batch, or discard it to load the file`,
      );
    const loaded = db
      .prepare(
        `SELECT id, batch_no AS batchNo, status FROM batches WHERE source_sha256 = ? AND status IN ('open', 'validated') ORDER BY id LIMIT 1`,
      )
      .get(identity) as { id: number; batchNo: string; status: string } | undefined;
    if (loaded)
      throw conflict(
        'already-loaded',
        `this hand-over file is already loaded as batch ${loaded.batchNo} (id ${loaded.id}, ${loaded.status}); work on that batch, or discard it to load the file again`,
      );
    const taken = db.prepare('SELECT 1 FROM batches WHERE batch_no = ?').get(batch.batchNo);
    const created = createBatch(
      db,
      {
        ...batch,
        batchNo: taken ? `${batch.batchNo}-R${now.getTime()}` : batch.batchNo,
        lockboxNo: batch.lockboxNo ?? undefined,
        controlCount: batch.controlCount ?? undefined,
        controlTotal: batch.controlTotal ?? undefined,
        note: batch.note ?? undefined,
        sourceFile: basename(file),
        sourceSha256: identity,
      },
      now,
      operatorId,
    );
    const saved = saveEntries(
      db,
      {
        batchId: created.id,
        entries: entries.map((e) => ({ ...e, custom: e.custom })),
      },
      now,
      operatorId,
    );
    const suspend = db.prepare(
      `UPDATE batch_entries SET manual_suspend = 1, reason_code = ?, status = 'to_be_suspended', problem = 'suspended by hand' WHERE id = ?`,
    );
    // An entry keeps the currency its bank file stated, so the hand-over cannot turn CAD into the batch's USD.
    const currency = db.prepare(`UPDATE batch_entries SET currency = ? WHERE id = ?`);
    entries.forEach((e, i) => {
      const s = saved[i];
      if (e.suspendReason !== null && s) suspend.run(e.suspendReason, s.id);
      if (e.currency !== undefined && s) currency.run(e.currency, s.id);
    });
    const auditId = writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.load',
      entity: 'batch',
      entityId: String(created.id),
      after: {
        file: basename(file),
        sha256: identity,
        entries: entries.length,
        ...(opts.push && origin ? { pushedFrom: origin } : {}),
      },
    });
    if (opts.push && origin)
      db.prepare(
        `INSERT INTO batch_origins (origin_ledger, origin_batch_id, origin_batch_no, batch_id, content_sha256, created_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (origin_ledger, origin_batch_id) DO UPDATE SET
           origin_batch_no = excluded.origin_batch_no, batch_id = excluded.batch_id,
           content_sha256 = excluded.content_sha256, created_at = excluded.created_at`,
      ).run(origin.ledgerId, origin.batchId, origin.batchNo, created.id, identity, now.toISOString());
    db.prepare(
      `INSERT INTO imported_files (kind, sha256, file_name, imported_at, audit_id) VALUES ('handover', ?, ?, ?, ?)`,
    ).run(identity, basename(file), now.toISOString(), auditId);
    return getBatch(db, created.id);
  })();
}
