import type Database from 'better-sqlite3';
import type { ReportDto, ReportFiltersDto, ReportName } from '../../../src-shared/dto/reports';
import { dailyReport } from './daily';
import { depositReport } from './deposit';
import { historyReport } from './history';
import { glReport } from './gl-report';
import { suspenseAgingReport } from './suspense-aging';
import { collectionsReport } from './collections';

/** A report builder: reads the ledger (never writes) and returns the report's tables and charts. */
export type ReportBuilder = (db: Database.Database, filters: ReportFiltersDto, now: Date) => ReportDto;

/** Builders that take the clock as an ISO string. */
const atIso =
  (build: (db: Database.Database, filters: ReportFiltersDto, now: string) => ReportDto): ReportBuilder =>
  (db, filters, now) =>
    build(db, filters, now.toISOString());

/** The reports, by name. */
export const REPORT_BUILDERS: Record<ReportName, ReportBuilder> = {
  gl: atIso(glReport),
  deposit: depositReport,
  'suspense-aging': atIso(suspenseAgingReport),
  collections: atIso(collectionsReport),
  history: historyReport,
  daily: dailyReport,
};

/** Runs one report by name. */
export function runReport(
  db: Database.Database,
  name: ReportName,
  filters: ReportFiltersDto,
  now: Date,
): ReportDto {
  return REPORT_BUILDERS[name](db, filters, now);
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
