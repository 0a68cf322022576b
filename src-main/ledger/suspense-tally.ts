import type Database from 'better-sqlite3';

/** The date `days` before `today` (yyyy-MM-dd). */
export function daysBefore(today: string, days: number): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/** The entry date older days of the tally are folded into (always in the oldest age bucket). */
const FOLDED_DAY = '0000-01-01';

/**
 * Folds tally rows of days older than every age-bucket boundary into one row per group, so the tally stays a
 * few thousand rows however long payments sit in suspense. Cheap when there is nothing to fold (one index probe).
 * It runs with the suspense moves, which hold the write lock already, never with a search: the tally grows only
 * when money moves, and a search that wrote would wait for the lock behind every job.
 */
export function foldTally(db: Database.Database, today: string): void {
  const before = daysBefore(today, 100);
  const due = db
    .prepare('SELECT 1 FROM suspense_tally WHERE entered_on > ? AND entered_on < ? LIMIT 1')
    .get(FOLDED_DAY, before);
  if (!due) return;
  db.transaction(() => {
    db.prepare(
      `INSERT INTO suspense_tally (state, currency, owner, reason_code, entered_on, count, amount_minor)
       SELECT state, currency, owner, reason_code, ?, sum(count), sum(amount_minor) FROM suspense_tally
       WHERE entered_on > ? AND entered_on < ? GROUP BY 1, 2, 3, 4 HAVING true
       ON CONFLICT (state, currency, owner, reason_code, entered_on)
       DO UPDATE SET count = count + excluded.count, amount_minor = amount_minor + excluded.amount_minor`,
    ).run(FOLDED_DAY, FOLDED_DAY, before);
    db.prepare('DELETE FROM suspense_tally WHERE entered_on > ? AND entered_on < ?').run(FOLDED_DAY, before);
    db.prepare('DELETE FROM suspense_tally WHERE count = 0 AND amount_minor = 0').run();
  })();
}
