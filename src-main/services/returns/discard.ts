import type Database from 'better-sqlite3';

/**
 * Marks the pending bank returns of a discarded return batch `discarded` (inside the caller's transaction) and
 * frees their return keys (the key gets a `#discarded-<id>` suffix), so the same return can be read again from
 * the bank's file; the rows stay for the record.
 */
export function discardBankReturns(db: Database.Database, batchId: number): number {
  return db
    .prepare(
      `UPDATE bank_returns SET status = 'discarded', return_key = return_key || '#discarded-' || id
       WHERE batch_id = ? AND status = 'pending'`,
    )
    .run(batchId).changes;
}
