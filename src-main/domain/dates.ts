/** Plain calendar dates as ISO strings (yyyy-MM-dd), computed in UTC so results never depend on the machine's zone. */

/** The ISO date of a Date, in UTC. */
export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Adds whole days to an ISO date. */
export function addDays(iso: string, days: number): string {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return isoDate(d);
}

/** The date in the month of `iso` shifted by `months`, with day clamped to that month's length. */
export function addMonths(iso: string, months: number, day?: number): string {
  const [y, m, dd] = iso.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = total % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const dayOfMonth = Math.min(day ?? dd, last);
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(dayOfMonth).padStart(2, '0')}`;
}

/** The most recent date on or before `iso` whose day of month is `cycleDay` (clamped to the month). */
export function lastCycleDate(iso: string, cycleDay: number): string {
  const thisMonth = addMonths(iso, 0, cycleDay);
  return thisMonth <= iso ? thisMonth : addMonths(iso, -1, cycleDay);
}

/** True for a yyyy-MM-dd text naming a real calendar day (2026-02-30 is not one, though Date.parse rolls it over). */
export function isRealIsoDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
