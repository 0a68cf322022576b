import type Database from 'better-sqlite3';
import type { BatchPushDto } from '../../../src-shared/dto/batches';
import { writeAudit } from '../../ledger/audit';
import { conflict } from '../../ledger/errors';
import { assertEditable, loadBatchRow } from './batch-store';

type PushRow = { serverUrl: string; serverBatchId: number; serverBatchNo: string; pushedAt: string };

/**
 * Closes a local batch that `batch push` submitted on a team server: it can no longer change, be submitted or be
 * pushed here (README "Push a batch to the server"). Marking again with the same server batch answers the first
 * mark, so a push retried after its mark was written changes nothing; another server batch is a conflict.
 */
export function markPushed(
  db: Database.Database,
  input: { batchId: number; serverUrl: string; serverBatchId: number; serverBatchNo: string },
  now: Date,
  operatorId: number | null,
): BatchPushDto {
  return db.transaction((): BatchPushDto => {
    const batch = loadBatchRow(db, input.batchId);
    const serverUrl = new URL(input.serverUrl).origin;
    const prior = db
      .prepare(
        `SELECT server_url AS serverUrl, server_batch_id AS serverBatchId, server_batch_no AS serverBatchNo,
         pushed_at AS pushedAt FROM batch_pushes WHERE batch_id = ?`,
      )
      .get(batch.id) as PushRow | undefined;
    if (prior) {
      if (prior.serverUrl !== serverUrl || prior.serverBatchId !== input.serverBatchId)
        throw conflict(
          'batch-pushed',
          `batch ${batch.batchNo} was already pushed to ${prior.serverUrl} as batch ${prior.serverBatchNo} (id ${prior.serverBatchId})`,
        );
      return { batchId: batch.id, batchNo: batch.batchNo, ...prior, marked: false };
    }
    assertEditable(batch);
    const pushedAt = now.toISOString();
    db.prepare(
      `INSERT INTO batch_pushes (batch_id, server_url, server_batch_id, server_batch_no, pushed_at, operator_id)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(batch.id, serverUrl, input.serverBatchId, input.serverBatchNo, pushedAt, operatorId);
    writeAudit(db, {
      at: pushedAt,
      operatorId,
      action: 'batch.pushed',
      entity: 'batch',
      entityId: String(batch.id),
      before: { status: batch.status },
      after: { serverUrl, serverBatchId: input.serverBatchId, serverBatchNo: input.serverBatchNo },
    });
    return {
      batchId: batch.id,
      batchNo: batch.batchNo,
      serverUrl,
      serverBatchId: input.serverBatchId,
      serverBatchNo: input.serverBatchNo,
      pushedAt,
      marked: true,
    };
  })();
}
