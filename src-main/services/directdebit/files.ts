import { join } from 'node:path';
import { appendAudit } from '../../../db/repos/audit';
import {
  ddFileByIdQuery,
  ddFileCancelledQuery,
  ddFileItemsCancelledQuery,
  ddFileItemsQuery,
  ddFilePathQuery,
  ddFileSentQuery,
  ddFilesQuery,
  ddMandateCollectedQuery,
  ddMandateCountersQuery,
  ddMandateRestoreQuery,
  type DdFileItemRecord,
  type DdFileRecord,
  type DdMandateCounters,
} from '../../../db/repos/dd-files';
import { mandateEventInsertQuery } from '../../../db/repos/mandates';
import type { Storage, Tx } from '../../../db/storage/port';
import type { DdFileDetailDto, DdFileDto } from '../../../src-shared/dto/directdebit';
import { conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentOfIn } from '../../ledger/rates';
import { reversePaymentIn } from '../../ledger/reversals';
import type { SequenceType } from '../../domain/mandate-rules';
import { isoDate } from '../../domain/dates';
import { makeFolder } from '../files';
import { stageFile, type StagedFile } from '../staged-file';
import { fileNameOf, renderFile, type Rendered } from './render';
import type { ItemSnapshot } from './select';

// The registry of outgoing direct-debit and credit files (issue #17: through the storage port). Reads run in one
// read-only snapshot (a file and its items agree); sending and cancelling check the file's status and change it in
// one serializable transaction, so two supervisors acting on one file at once make one change and the other is
// refused as if it had come second (on PostgreSQL its retry finds the file sent or cancelled).

async function loadFile(tx: Tx, id: number): Promise<DdFileRecord> {
  const row = await tx.get<DdFileRecord>(ddFileByIdQuery(id));
  if (!row) throw notFound('bank file', String(id));
  return row;
}

/** The outgoing files, newest first, optionally of one status. */
export function listFiles(
  storage: Storage,
  o: { status?: DdFileDto['status'] | undefined; limit?: number | undefined },
): Promise<DdFileDto[]> {
  return storage.transaction((tx) => tx.all<DdFileDto>(ddFilesQuery(o.status, o.limit ?? 200)), {
    readOnly: true,
  });
}

/** A file with its items. */
export function showFile(storage: Storage, id: number): Promise<DdFileDetailDto> {
  return storage.transaction(
    async (tx): Promise<DdFileDetailDto> => {
      const f = await loadFile(tx, id);
      const items = await tx.all<DdFileItemRecord>(ddFileItemsQuery(id));
      return {
        ...f,
        items: items.map((i) => {
          const s = JSON.parse(i.snapshotJson) as ItemSnapshot;
          return {
            seq: i.seq,
            accountNo: i.accountNo,
            billNo: i.billNo,
            amountMinor: i.amountMinor,
            currency: i.currency,
            endToEndId: i.endToEndId,
            traceNumber: i.traceNumber,
            paymentInfoId: i.paymentInfoId,
            seqType: i.seqType,
            mandateReference: s.reference,
            debtorName: s.name,
            status: i.status,
            paymentId: i.paymentId,
            returnCode: i.returnCode,
          };
        }),
      };
    },
    { readOnly: true },
  );
}

/** Renders a registered file again from its row and items' snapshots (nothing read from mandates or creditors). */
async function regenerate(tx: Tx, id: number): Promise<{ file: DdFileRecord; rendered: Rendered }> {
  const file = await loadFile(tx, id);
  const items = await tx.all<DdFileItemRecord>(ddFileItemsQuery(id));
  const first = items[0];
  if (!first) throw conflict('empty-file', `bank file ${id} has no items`);
  const header = (JSON.parse(first.snapshotJson) as ItemSnapshot).header;
  if (!header) throw conflict('no-header', `bank file ${id} has no stored header`);
  const rendered = renderFile({
    kind: file.kind,
    format: file.format,
    messageId: file.messageId,
    createdAt: file.createdAt,
    collectionDate: file.collectionDate,
    currency: file.currency,
    exponent: await exponentOfIn(tx, file.currency),
    header,
    items: items.map((i) => ({
      amountMinor: i.amountMinor,
      endToEndId: i.endToEndId,
      seqType: i.seqType as SequenceType | null,
      snapshot: JSON.parse(i.snapshotJson) as ItemSnapshot,
    })),
  });
  return { file, rendered };
}

const changed = (id: number, rendered: Rendered, file: DdFileRecord): string =>
  `bank file ${id} regenerates with sha256 ${rendered.sha256}, not the recorded ${file.sha256}`;

/** A file's bytes regenerated from the registry, refused unless they hash to the recorded sha256. */
export function fileText(
  storage: Storage,
  id: number,
): Promise<{ name: string; text: string; sha256: string }> {
  return storage.transaction(
    async (tx) => {
      const { file, rendered } = await regenerate(tx, id);
      if (rendered.sha256 !== file.sha256) throw conflict('file-changed', changed(id, rendered, file));
      return { name: fileNameOf(file.messageId, file.format), text: rendered.text, sha256: rendered.sha256 };
    },
    { readOnly: true },
  );
}

/**
 * Writes a registered file again into a folder, byte-identical to the first writing: the regenerated bytes
 * must hash to the recorded sha256, else nothing is written and the mismatch is an error. The bytes are staged
 * beside the file's name inside the transaction that records the path, and appear under it only once that
 * transaction has committed (an attempt PostgreSQL retries leaves no file of its own).
 */
export async function writeFileAgain(storage: Storage, id: number, outDir: string): Promise<DdFileDto> {
  let staged: StagedFile | null = null;
  const discard = (): void => {
    staged?.discard();
    staged = null;
  };
  try {
    const written = await storage.transaction(
      async (tx) => {
        discard();
        const { file, rendered } = await regenerate(tx, id);
        if (file.status === 'cancelled') throw conflict('file-cancelled', `bank file ${id} is cancelled`);
        if (rendered.sha256 !== file.sha256)
          throw conflict('file-changed', `${changed(id, rendered, file)}: nothing written`);
        makeFolder(outDir);
        staged = stageFile(join(outDir, fileNameOf(file.messageId, file.format)), rendered.text);
        await tx.run(ddFilePathQuery(id, staged.path));
        return loadFile(tx, id);
      },
      { serializable: true },
    );
    (staged as StagedFile | null)?.commit();
    staged = null;
    return written;
  } finally {
    discard();
  }
}

/** Marks a ready file as delivered to the bank, once: a second call is refused ('already sent'). */
export function markSent(storage: Storage, id: number, now: Date, operatorId: number): Promise<DdFileDto> {
  const at = now.toISOString();
  return storage.transaction(
    async (tx) => {
      const f = await loadFile(tx, id);
      if (f.status === 'sent')
        throw conflict(
          'already-sent',
          `bank file ${id} (${f.messageId}) is already sent (${f.sentAt ?? ''})`,
        );
      if (f.status !== 'ready')
        throw conflict('not-ready', `bank file ${id} is ${f.status}; only a ready file can be sent`);
      await tx.run(ddFileSentQuery(id, at, operatorId));
      await appendAudit(tx, {
        at,
        operatorId,
        action: 'dd.file.sent',
        entity: 'bank_file_out',
        entityId: String(id),
        before: { status: 'ready' },
        after: { status: 'sent', messageId: f.messageId, sha256: f.sha256 },
      });
      return loadFile(tx, id);
    },
    { serializable: true },
  );
}

/** Reason code (payment reversal domain) of payments reversed because their file was cancelled. */
const POSTED_IN_ERROR = 4102;

/**
 * Cancels a ready (not yet sent) file: reverses each of its payments through the ledger's reversal (bills
 * reopen), marks its items cancelled (so a later run can collect those bills again), restores the mandates'
 * counters and pending amendments with an event, and audits. Credit files cannot be cancelled this way.
 */
export async function cancelFile(
  storage: Storage,
  id: number,
  reason: string,
  now: Date,
  operatorId: number,
): Promise<DdFileDto> {
  if (reason.trim() === '')
    throw invalidFields('reason: say why the file is cancelled', [{ path: 'reason', message: 'required' }]);
  const at = now.toISOString();
  return storage.transaction(
    async (tx) => {
      const f = await loadFile(tx, id);
      if (f.status !== 'ready')
        throw conflict(
          'not-ready',
          `bank file ${id} is ${f.status}; only a ready (unsent) file can be cancelled`,
        );
      if (f.kind !== 'debit')
        throw conflict('credit-file', `bank file ${id} pays refunds out; cancel it by reversing the refunds`);
      const auditId = await appendAudit(tx, {
        at,
        operatorId,
        action: 'dd.file.cancel',
        entity: 'bank_file_out',
        entityId: String(id),
        before: { status: 'ready' },
        after: { status: 'cancelled', reason, count: f.count, totalMinor: f.totalMinor },
      });
      const items = (await tx.all<DdFileItemRecord>(ddFileItemsQuery(id))).filter((i) => i.status === 'sent');
      const today = isoDate(now);
      for (const i of items)
        if (i.paymentId !== null)
          await reversePaymentIn(
            tx,
            { paymentId: i.paymentId, reasonCode: POSTED_IN_ERROR, idemKey: `dd-cancel:${i.endToEndId}` },
            at,
            today,
            operatorId,
            auditId,
          );
      await tx.run(ddFileItemsCancelledQuery(id));
      await tx.run(ddFileCancelledQuery(id, at, operatorId));
      await restoreMandates(tx, id, items, at, operatorId);
      return loadFile(tx, id);
    },
    { serializable: true },
  );
}

/** Undoes what a cancelled file did to its mandates: counts, collection dates (from the files still live), amendments. */
async function restoreMandates(
  tx: Tx,
  fileId: number,
  items: readonly DdFileItemRecord[],
  at: string,
  operatorId: number,
): Promise<void> {
  const byMandate = new Map<number, DdFileItemRecord[]>();
  for (const i of items)
    if (i.mandateId !== null) byMandate.set(i.mandateId, [...(byMandate.get(i.mandateId) ?? []), i]);
  for (const [mandateId, list] of byMandate) {
    const before = await tx.get<DdMandateCounters>(ddMandateCountersQuery(mandateId));
    const d = (await tx.get<{ first: string | null; last: string | null }>(
      ddMandateCollectedQuery(mandateId),
    ))!;
    const amendment = (JSON.parse(list[0]!.snapshotJson) as ItemSnapshot).amendment;
    await tx.run(
      ddMandateRestoreQuery({
        mandateId,
        collections: list.length,
        first: d.first,
        last: d.last,
        amendmentJson: amendment ? JSON.stringify(amendment) : null,
        at,
      }),
    );
    await tx.run(
      mandateEventInsertQuery({
        mandateId,
        at,
        kind: 'amended',
        beforeJson: JSON.stringify(before),
        afterJson: JSON.stringify(await tx.get<DdMandateCounters>(ddMandateCountersQuery(mandateId))),
        source: `dd-file:${fileId}`,
        code: 'FILE-CANCELLED',
        operatorId,
      }),
    );
  }
}
