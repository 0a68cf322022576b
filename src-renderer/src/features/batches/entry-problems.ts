import type { BatchEntryDto } from '../../../../src-shared/dto/batches';

/** The entry's problems, with the headline problem standing in for rows that carry no list. */
export function problemList(row: BatchEntryDto): { column: string | null; reason: string }[] {
  if (row.problems.length > 0) return row.problems;
  return row.problem !== null ? [{ column: row.problemColumn, reason: row.problem }] : [];
}

/** True when one of the entry's problems is on this column (so the cell is marked, not only the first one's). */
export function hasProblemOn(row: BatchEntryDto, column: string): boolean {
  return problemList(row).some((p) => p.column === column);
}

/** What the cell's tooltip says: every problem on this column, one a line. */
export function problemsOnText(row: BatchEntryDto, column: string): string | undefined {
  const on = problemList(row).filter((p) => p.column === column);
  return on.length ? on.map((p) => p.reason).join('\n') : undefined;
}

/** The problem column's text: the first problem, and how many more there are. */
export function problemSummary(row: BatchEntryDto): string | null {
  const list = problemList(row);
  const first = list[0];
  if (!first) return row.problem;
  return list.length > 1 ? `${first.reason} (+${list.length - 1} more)` : first.reason;
}

/** Every problem of the entry, one a line with its column, for the status and problem tooltips. */
export function problemsTooltip(row: BatchEntryDto): string | null {
  const list = problemList(row);
  if (list.length === 0) return row.problem;
  return list.map((p) => (p.column ? `${p.column}: ${p.reason}` : p.reason)).join('\n');
}
