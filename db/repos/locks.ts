import { sql } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { inList } from './dialect';

/*
 * Row locks for PostgreSQL's locking transactions (TxOptions.locking): a big transaction locks the rows it will
 * read-then-write before reading them, and writers of the same money lock them before writing, so they wait for
 * each other instead of aborting each other. Locks are taken in id order, one statement per table, so two lockers
 * of overlapping sets cannot deadlock. On SQLite the one writer already holds the whole file: nothing to do.
 */

/** Locks a batch's row: its saves, validations and submits take turns on it. */
export async function lockBatchIn(tx: Tx, batchId: number): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await tx.all(sql`SELECT id FROM batches WHERE id = ${batchId} FOR UPDATE`);
}

/**
 * Locks the accounts a batch can post to: its entries' accounts by id or number, their bills' accounts, and the
 * accounts of the payments a reversal batch names.
 */
export async function lockBatchAccountsIn(tx: Tx, batchId: number): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await tx.all(sql`SELECT id FROM accounts WHERE id IN (
      SELECT e.account_id FROM batch_entries e WHERE e.batch_id = ${batchId} AND e.account_id IS NOT NULL
      UNION SELECT a.id FROM batch_entries e JOIN accounts a ON a.account_no = e.account_no WHERE e.batch_id = ${batchId}
      UNION SELECT b.account_id FROM batch_entries e JOIN bills b ON b.bill_no = e.bill_no WHERE e.batch_id = ${batchId}
      UNION SELECT p.account_id FROM batch_entries e JOIN payments p ON p.id = e.payment_ref WHERE e.batch_id = ${batchId})
    ORDER BY id FOR UPDATE`);
}

/** Locks accounts by id, before a move reads-then-writes their bills, items and balances. */
export async function lockAccountsIn(tx: Tx, accountIds: Iterable<number>): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  const ids = [...new Set(accountIds)];
  if (ids.length === 0) return;
  await tx.all(sql`SELECT id FROM accounts WHERE ${inList(tx, sql`id`, ids)} ORDER BY id FOR UPDATE`);
}
