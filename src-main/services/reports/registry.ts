import type Database from 'better-sqlite3';
import type { ReportDto, ReportFiltersDto, ReportName } from '../../../src-shared/dto/reports';
import { conflict } from '../../ledger/errors';
import { dailyReport } from './daily';
import { depositReport } from './deposit';
import { historyReport } from './history';

/** A report builder: reads the ledger (never writes) and returns the report's tables and charts. */
export type ReportBuilder = (db: Database.Database, filters: ReportFiltersDto, now: Date) => ReportDto;

/**
 * The reports this build knows, by name. The G/L, suspense-aging and collections builders (gl-report.ts,
 * suspense-aging.ts, collections.ts) are added here when they land.
 */
export const REPORT_BUILDERS: Partial<Record<ReportName, ReportBuilder>> = {
  deposit: depositReport,
  history: historyReport,
  daily: dailyReport,
};

/** Runs one report by name; a report this build does not have is a clear `not available` conflict. */
export function runReport(
  db: Database.Database,
  name: ReportName,
  filters: ReportFiltersDto,
  now: Date,
): ReportDto {
  const build = REPORT_BUILDERS[name];
  if (!build) throw conflict('report-not-available', `the ${name} report is not available in this build`);
  return build(db, filters, now);
}

/** Minor-unit exponents of the currencies a report shows, from the ledger's currencies table. */
export function reportExponents(db: Database.Database, report: ReportDto): Record<string, number> {
  const codes = new Set<string>();
  for (const t of report.tables)
    for (const c of t.columns)
      if (c.kind === 'money')
        for (const r of [...t.rows, ...(t.totals ?? [])]) {
          const v = r[c.currencyKey ?? 'currency'];
          if (typeof v === 'string') codes.add(v);
        }
  const out: Record<string, number> = {};
  const stmt = db.prepare('SELECT exponent FROM currencies WHERE code = ?');
  for (const code of codes) {
    const r = stmt.get(code) as { exponent: number } | undefined;
    if (r) out[code] = r.exponent;
  }
  return out;
}
