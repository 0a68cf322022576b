import type Database from 'better-sqlite3';
import type { ZeroProofDto } from '../../../src-shared/dto/batches';
import { zeroProof } from '../../domain/batch-rules';

/** A batch's own figures and what moved out of it to exception batches (their own exception batches included). */
export type FamilyFigures = {
  hereCount: number;
  hereTotalMinor: number;
  movedCount: number;
  movedTotalMinor: number;
  exceptionBatches: ZeroProofDto['exceptionBatches'];
};

/**
 * The figures of a batch and of the exception batches split off it. Each exception batch counts with everything
 * split off it in turn; a discarded one is listed but not counted (its money is no longer in the deposit).
 */
export function familyFigures(db: Database.Database, batchId: number): FamilyFigures {
  const here = db
    .prepare(
      `SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries WHERE batch_id = ?`,
    )
    .get(batchId) as { n: number; s: number };
  const exceptionBatches = db
    .prepare(
      `WITH RECURSIVE tree (id, root) AS (
         SELECT id, id FROM batches WHERE parent_batch_id = @id
         UNION ALL
         SELECT b.id, t.root FROM batches b JOIN tree t ON b.parent_batch_id = t.id WHERE b.status <> 'discarded'
       )
       SELECT r.id, r.batch_no AS batchNo, r.status,
              (SELECT count(*) FROM batch_entries e WHERE e.batch_id IN (SELECT id FROM tree WHERE root = r.id)) AS count,
              (SELECT coalesce(sum(e.amount_minor), 0) FROM batch_entries e WHERE e.batch_id IN (SELECT id FROM tree WHERE root = r.id)) AS totalMinor
       FROM batches r WHERE r.parent_batch_id = @id ORDER BY r.id`,
    )
    .all({ id: batchId }) as ZeroProofDto['exceptionBatches'];
  const counted = exceptionBatches.filter((x) => x.status !== 'discarded');
  return {
    hereCount: here.n,
    hereTotalMinor: here.s,
    movedCount: counted.reduce((n, x) => n + x.count, 0),
    movedTotalMinor: counted.reduce((s, x) => s + x.totalMinor, 0),
    exceptionBatches,
  };
}

/**
 * The zero proof of a batch: its control figures (the deposit slip) against what was entered here plus what
 * moved to its exception batches, so a batch split in two still proves against its slip. An exception batch
 * also shows its parent's proof.
 */
export function batchZeroProof(
  db: Database.Database,
  batch: {
    id: number;
    controlCount: number | null;
    controlTotalMinor: number | null;
    parentBatchId: number | null;
  },
  overrideAllowed: boolean,
): ZeroProofDto {
  const f = familyFigures(db, batch.id);
  const own = proof({ count: batch.controlCount, totalMinor: batch.controlTotalMinor }, f);
  let parent: ZeroProofDto['parent'] = null;
  if (batch.parentBatchId !== null) {
    const p = db
      .prepare(
        `SELECT id, batch_no AS batchNo, control_count AS count, control_total_minor AS totalMinor FROM batches WHERE id = ?`,
      )
      .get(batch.parentBatchId) as
      { id: number; batchNo: string; count: number | null; totalMinor: number | null } | undefined;
    if (p) {
      const pz = proof(p, familyFigures(db, p.id));
      parent = {
        id: p.id,
        batchNo: p.batchNo,
        expectedCount: pz.expectedCount,
        expectedTotalMinor: pz.expectedTotalMinor,
        accountedCount: pz.accountedCount,
        accountedTotalMinor: pz.accountedTotalMinor,
        balanced: pz.balanced,
      };
    }
  }
  return { ...own, overrideAllowed, parent };
}

function proof(
  control: { count: number | null; totalMinor: number | null },
  f: FamilyFigures,
): Omit<ZeroProofDto, 'overrideAllowed' | 'parent'> {
  const accountedCount = f.hereCount + f.movedCount;
  const accountedTotalMinor = f.hereTotalMinor + f.movedTotalMinor;
  const z = zeroProof(control, accountedCount, accountedTotalMinor);
  return {
    ...z,
    enteredCount: f.hereCount,
    enteredTotalMinor: f.hereTotalMinor,
    movedCount: f.movedCount,
    movedTotalMinor: f.movedTotalMinor,
    accountedCount,
    accountedTotalMinor,
    exceptionBatches: f.exceptionBatches,
  };
}
