import { readUploadVia, type CommandFileSource } from '../uploads';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { BatchDto } from '../../../src-shared/dto/batches';
import { formatMinor, parseMinor } from '../../../src-shared/money';
import { conflict, invalidFields } from '../../ledger/errors';
import { MAX_UPLOAD_BYTES } from '../../../src-shared/api/uploads';
import { parseJsonText, readCommandFileVia, uploadedBytes } from '../files';
import { exponentStep } from '../../ledger/rates';
import {
  batchByIdQuery,
  batchEntriesQuery,
  batchNoTakenQuery,
  ledgerIdQuery,
  type BatchRecord,
  type EntryRecord,
} from '../../../db/repos/batches';
import { appendAudit } from '../../../db/repos/audit';
import {
  batchOriginQuery,
  batchOriginUpsertQuery,
  importedFileInsertQuery,
  loadedEntryCurrencyQuery,
  loadedEntrySuspendQuery,
  workingBatchByNoQuery,
  workingBatchBySourceQuery,
  type BatchOriginRecord,
} from '../../../db/repos/imports';
import type { Dialect, Storage } from '../../../db/storage/port';
import { all, DRIVER, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { notFound } from '../../ledger/errors';
import { createBatchIn, entryDto, getBatchIn, saveEntriesIn } from './batch-store';

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
 * transaction, a hand-over file's load builds it inside its own to compare the file with the batch it came from,
 * and the driver form stays for code that holds only the SQLite connection.
 */
function* exportSteps(on: { readonly dialect: Dialect }, batchId: number): Steps<BatchFile> {
  const b = yield* get<BatchRecord>(batchByIdQuery(batchId));
  if (!b) throw notFound('batch', String(batchId));
  const exponents = new Map<string, number>();
  function* exponent(currency: string): Steps<number> {
    let e = exponents.get(currency);
    if (e === undefined) {
      e = yield* exponentStep(currency);
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

/** Builds the hand-over document of a batch through the driver. */
export function exportBatchFile(db: Database.Database, batchId: number): BatchFile {
  return stepsOnDriver(db, exportSteps(DRIVER, batchId));
}

/** The hand-over document of a batch (`batches:export`): everything typed so far, so work can continue elsewhere. */
export function exportBatchFileVia(storage: Storage, batchId: number): Promise<BatchFile> {
  return storage.transaction((tx) => stepsIn(tx, exportSteps(tx, batchId)), { readOnly: true });
}

/** A hand-over file's bytes read as a batch file document, every problem named. */
function parsedBatchFile(bytes: Uint8Array, name: string): BatchFile {
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
  const parsed = batchFileSchema.safeParse(json.value);
  if (!parsed.success) {
    throw invalidFields(
      `${name} is not a valid Paydesk batch file`,
      parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(root)',
        message: i.message,
      })),
    );
  }
  return parsed.data;
}

/**
 * Recreates a batch from a hand-over file (a new open batch; validation starts over). A file whose batch is
 * still open or validated here is refused: the same content (compared as parsed, so line endings, spacing and
 * key order do not matter) never makes a second open batch. Once that batch is submitted or discarded the file
 * loads again, and duplicate detection suspects every entry that matches a posted payment.
 *
 * The file is read (and its read audited) before the transaction; the checks and the new batch are one
 * serializable transaction, so two loads or pushes of one file at once end as one after the other would: on
 * PostgreSQL the second is retried from the start and then finds the first's batch.
 */
export async function importBatchFileVia(
  storage: Storage,
  src: CommandFileSource,
  now: Date,
  operatorId: number | null,
  opts: { push?: boolean } = {},
): Promise<BatchDto> {
  const who = { at: now, operatorId };
  const command = 'batches:import-batch-file';
  const { bytes, name: file } =
    src.content !== undefined
      ? uploadedBytes(src.content, src.fileName, MAX_UPLOAD_BYTES)
      : src.uploaded !== undefined
        ? await readUploadVia(storage, who, command, src.uploaded, MAX_UPLOAD_BYTES)
        : {
            bytes: await readCommandFileVia(storage, who, command, src.file ?? '', MAX_UPLOAD_BYTES),
            name: src.file ?? '',
          };
  const doc = parsedBatchFile(bytes, file);
  const { batch, entries, origin } = doc;
  const identity = handOverIdentity(doc);
  if (opts.push && !origin)
    throw invalidFields(
      `${file} names no origin ledger: it cannot be pushed (export it again with this version)`,
      [{ path: 'file', message: 'no origin' }],
    );
  const at = now.toISOString();
  return storage.transaction(
    async (tx): Promise<BatchDto> => {
      if (opts.push && origin) {
        const here = ledgerIdFound(await tx.get<{ ledgerId: string }>(ledgerIdQuery()));
        if (origin.ledgerId === here)
          throw conflict(
            'push-to-self',
            `batch ${origin.batchNo} was kept in this ledger: push it to another one`,
          );
        const known = await tx.get<BatchOriginRecord>(batchOriginQuery(origin.ledgerId, origin.batchId));
        if (known?.status === 'submitted') return getBatchIn(tx, known.id);
        if (known && known.status !== 'discarded') {
          if (known.content === identity) return getBatchIn(tx, known.id);
          throw conflict(
            'pushed-changed',
            `batch ${origin.batchNo} was pushed before as batch ${known.batchNo} (id ${known.id}, ${known.status}) with other content; discard that batch here to push the changed one`,
          );
        }
      }
      const source = await tx.get<{ id: number; status: string }>(workingBatchByNoQuery(batch.batchNo));
      if (
        source &&
        handOverIdentity(batchFileSchema.parse(await stepsIn(tx, exportSteps(tx, source.id)))) === identity
      )
        throw conflict(
          'already-loaded',
          `this hand-over file is batch ${batch.batchNo} (id ${source.id}), which is ${source.status} on this desk; work on that batch, or discard it to load the file`,
        );
      const loaded = await tx.get<{ id: number; batchNo: string; status: string }>(
        workingBatchBySourceQuery(identity),
      );
      if (loaded)
        throw conflict(
          'already-loaded',
          `this hand-over file is already loaded as batch ${loaded.batchNo} (id ${loaded.id}, ${loaded.status}); work on that batch, or discard it to load the file again`,
        );
      const taken = await tx.get(batchNoTakenQuery(batch.batchNo));
      const created = await createBatchIn(
        tx,
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
      const saved = await saveEntriesIn(
        tx,
        { batchId: created.id, entries: entries.map((e) => ({ ...e, custom: e.custom })) },
        now,
        operatorId,
      );
      for (const [i, e] of entries.entries()) {
        const s = saved[i];
        if (!s) continue;
        if (e.suspendReason !== null) await tx.run(loadedEntrySuspendQuery(s.id, e.suspendReason));
        if (e.currency !== undefined) await tx.run(loadedEntryCurrencyQuery(s.id, e.currency));
      }
      const auditId = await appendAudit(tx, {
        at,
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
        await tx.run(
          batchOriginUpsertQuery({
            originLedger: origin.ledgerId,
            originBatchId: origin.batchId,
            originBatchNo: origin.batchNo,
            batchId: created.id,
            contentSha256: identity,
            at,
          }),
        );
      await tx.run(
        importedFileInsertQuery({
          kind: 'handover',
          sha256: identity,
          fileName: basename(file),
          at,
          auditId,
        }),
      );
      return getBatchIn(tx, created.id);
    },
    { serializable: true },
  );
}
