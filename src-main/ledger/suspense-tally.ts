import { tallyFoldDueQuery, tallyFoldQueries } from '../../db/repos/journals';
import type { Tx } from '../../db/storage/port';

/** The date `days` before `today` (yyyy-MM-dd). */
export function daysBefore(today: string, days: number): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** Days of the tally older than every age-bucket boundary are folded into one row per group. */
const FOLD_AFTER_DAYS = 100;

/**
 * Folds tally rows of days older than every age-bucket boundary into one row per group, so the tally stays a
 * few thousand rows however long payments sit in suspense. Cheap when there is nothing to fold (one index probe).
 * It runs in the suspense moves' transactions, never with a search: the tally grows only when money moves, and a
 * search that wrote would wait for the write lock behind every job.
 */
export async function foldTallyIn(tx: Tx, today: string): Promise<void> {
  const before = daysBefore(today, FOLD_AFTER_DAYS);
  if (!(await tx.get(tallyFoldDueQuery(before)))) return;
  for (const q of tallyFoldQueries(before)) await tx.run(q);
}
