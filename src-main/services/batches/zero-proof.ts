import type Database from 'better-sqlite3';
import {
  batchFiguresQuery,
  exceptionBatchesQuery,
  parentControlQuery,
  type ExceptionBatchRecord,
  type ParentControl,
} from '../../../db/repos/batches';
import type { Tx } from '../../../db/storage/port';
import { driverAll, driverGet } from '../../../db/storage/sqlite';
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
  return figures(
    driverGet<{ n: number; s: number }>(db, batchFiguresQuery(batchId))!,
    driverAll<ExceptionBatchRecord>(db, exceptionBatchesQuery(batchId)),
  );
}

/** familyFigures in a port transaction. */
export async function familyFiguresIn(tx: Tx, batchId: number): Promise<FamilyFigures> {
  return figures(
    (await tx.get<{ n: number; s: number }>(batchFiguresQuery(batchId)))!,
    await tx.all<ExceptionBatchRecord>(exceptionBatchesQuery(batchId)),
  );
}

function figures(here: { n: number; s: number }, exceptionBatches: ExceptionBatchRecord[]): FamilyFigures {
  const counted = exceptionBatches.filter((x) => x.status !== 'discarded');
  return {
    hereCount: here.n,
    hereTotalMinor: here.s,
    movedCount: counted.reduce((n, x) => n + x.count, 0),
    movedTotalMinor: counted.reduce((s, x) => s + x.totalMinor, 0),
    exceptionBatches,
  };
}

/** What the zero proof needs of a batch. */
type ProvedBatch = {
  id: number;
  controlCount: number | null;
  controlTotalMinor: number | null;
  parentBatchId: number | null;
};

/**
 * The zero proof of a batch: its control figures (the deposit slip) against what was entered here plus what
 * moved to its exception batches, so a batch split in two still proves against its slip. An exception batch
 * also shows its parent's proof.
 */
export function batchZeroProof(
  db: Database.Database,
  batch: ProvedBatch,
  overrideAllowed: boolean,
): ZeroProofDto {
  const p =
    batch.parentBatchId === null
      ? undefined
      : driverGet<ParentControl>(db, parentControlQuery(batch.parentBatchId));
  return zeroProofDto(
    batch,
    familyFigures(db, batch.id),
    p && { p, f: familyFigures(db, p.id) },
    overrideAllowed,
  );
}

/** batchZeroProof in a port transaction. */
export async function batchZeroProofIn(
  tx: Tx,
  batch: ProvedBatch,
  overrideAllowed: boolean,
): Promise<ZeroProofDto> {
  const p =
    batch.parentBatchId === null
      ? undefined
      : await tx.get<ParentControl>(parentControlQuery(batch.parentBatchId));
  const own = await familyFiguresIn(tx, batch.id);
  return zeroProofDto(batch, own, p && { p, f: await familyFiguresIn(tx, p.id) }, overrideAllowed);
}

function zeroProofDto(
  batch: ProvedBatch,
  f: FamilyFigures,
  parentOf: { p: ParentControl; f: FamilyFigures } | undefined,
  overrideAllowed: boolean,
): ZeroProofDto {
  const own = proof({ count: batch.controlCount, totalMinor: batch.controlTotalMinor }, f);
  let parent: ZeroProofDto['parent'] = null;
  if (parentOf) {
    const { p } = parentOf;
    const pz = proof(p, parentOf.f);
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
