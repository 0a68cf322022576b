import {
  batchByIdQuery,
  batchPushInsertQuery,
  batchPushQuery,
  type BatchPushRecord,
  type BatchRecord,
} from '../../../db/repos/batches';
import { appendAudit } from '../../../db/repos/audit';
import type { Storage } from '../../../db/storage/port';
import type { BatchPushDto } from '../../../src-shared/dto/batches';
import { conflict, notFound } from '../../ledger/errors';
import { assertEditable } from './batch-store';

/**
 * Closes a local batch that `batch push` submitted on a team server: it can no longer change, be submitted or be
 * pushed here (README "Push a batch to the server"). Marking again with the same server batch answers the first
 * mark, so a push retried after its mark was written changes nothing; another server batch is a conflict.
 * Serializable: two marks at once take turns (on PostgreSQL the second is retried when the mark's primary key
 * refuses it), so the second finds the first mark and the batch is marked and audited once.
 */
export function markPushed(
  storage: Storage,
  input: { batchId: number; serverUrl: string; serverBatchId: number; serverBatchNo: string },
  now: Date,
  operatorId: number | null,
): Promise<BatchPushDto> {
  const serverUrl = new URL(input.serverUrl).origin;
  return storage.transaction(
    async (tx): Promise<BatchPushDto> => {
      const batch = await tx.get<BatchRecord>(batchByIdQuery(input.batchId));
      if (!batch) throw notFound('batch', String(input.batchId));
      const prior = await tx.get<BatchPushRecord>(batchPushQuery(batch.id));
      if (prior) {
        if (prior.serverUrl !== serverUrl || prior.serverBatchId !== input.serverBatchId)
          throw conflict(
            'batch-pushed',
            `batch ${batch.batchNo} was already pushed to ${prior.serverUrl} as batch ${prior.serverBatchNo} (id ${prior.serverBatchId})`,
          );
        return { batchId: batch.id, batchNo: batch.batchNo, ...prior, marked: false };
      }
      assertEditable(batch);
      const mark: BatchPushRecord = {
        serverUrl,
        serverBatchId: input.serverBatchId,
        serverBatchNo: input.serverBatchNo,
        pushedAt: now.toISOString(),
      };
      await tx.run(batchPushInsertQuery(batch.id, mark, operatorId));
      await appendAudit(tx, {
        at: mark.pushedAt,
        operatorId,
        action: 'batch.pushed',
        entity: 'batch',
        entityId: String(batch.id),
        before: { status: batch.status },
        after: { serverUrl, serverBatchId: input.serverBatchId, serverBatchNo: input.serverBatchNo },
      });
      return { batchId: batch.id, batchNo: batch.batchNo, ...mark, marked: true };
    },
    { serializable: true },
  );
}
