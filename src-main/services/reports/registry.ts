import { reportsRepo } from '../../../db/repos/reports';
import type { Storage } from '../../../db/storage/port';
import type { ReportDto, ReportFiltersDto, ReportName } from '../../../src-shared/dto/reports';
import { dailyReport } from './daily';
import { depositReport } from './deposit';
import { historyReport } from './history';
import { glReport } from './gl-report';
import { suspenseAgingReport } from './suspense-aging';
import { collectionsReport } from './collections';

/**
 * A report builder: reads the ledger in one read-only transaction (never writes) and returns the report's tables
 * and charts.
 */
export type ReportBuilder = (storage: Storage, filters: ReportFiltersDto, now: Date) => Promise<ReportDto>;

/** Builders that take the clock as an ISO string. */
const atIso =
  (build: (storage: Storage, filters: ReportFiltersDto, now: string) => Promise<ReportDto>): ReportBuilder =>
  (storage, filters, now) =>
    build(storage, filters, now.toISOString());

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
  storage: Storage,
  name: ReportName,
  filters: ReportFiltersDto,
  now: Date,
): Promise<ReportDto> {
  return REPORT_BUILDERS[name](storage, filters, now);
}

/** Minor-unit exponents of the currencies a report shows, from the ledger's currencies table. */
export async function reportExponents(storage: Storage, report: ReportDto): Promise<Record<string, number>> {
  const codes = new Set<string>();
  for (const t of report.tables)
    for (const c of t.columns)
      if (c.kind === 'money')
        for (const r of [...t.rows, ...(t.totals ?? [])]) {
          const v = r[c.currencyKey ?? 'currency'];
          if (typeof v === 'string') codes.add(v);
        }
  const exponents = await storage.transaction((tx) => reportsRepo.exponents(tx, [...codes]), {
    readOnly: true,
  });
  // In the order the report shows them, as before (CSV and PDF look currencies up by code).
  const out: Record<string, number> = {};
  for (const code of codes) {
    const e = exponents.get(code);
    if (e !== undefined) out[code] = e;
  }
  return out;
}
