import { chmodSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Storage } from '../../../db/storage/port';
import type { ReportExportDto, ReportFiltersDto, ReportName } from '../../../src-shared/dto/reports';
import { invalidFields } from '../../ledger/errors';
import { assertPathsAllowedVia, type FileReader } from '../files';
import { reportCsv } from './csv';
import { reportPdf } from './pdf';
import { reportExponents, runReport } from './registry';

/** What `reports:export` takes (after its zod schema). */
export type ReportExportInput = {
  name: ReportName;
  filters: ReportFiltersDto;
  csvFile?: string;
  pdfFile?: string;
  csv: boolean;
  pdf: boolean;
};

/**
 * Where each table's CSV goes when the first table is written to `file`: the first to `file`, every other beside it
 * as `<stem>-<tableId>.csv`.
 */
export function csvPaths(file: string, tableIds: readonly string[]): Map<string, string> {
  const full = resolve(file);
  const ext = extname(full);
  const stem = basename(full, ext);
  return new Map(
    tableIds.map((id, i) => [id, i === 0 ? full : join(dirname(full), `${stem}-${id}${ext || '.csv'}`)]),
  );
}

function writeOwnerOnly(field: string, path: string, data: string | Uint8Array): number {
  try {
    // Reports carry customer and payment data: only the owner may read the file (an existing one is narrowed too).
    writeFileSync(path, data, { mode: 0o600 });
    chmodSync(path, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const reason =
      code === 'ENOENT'
        ? 'the folder does not exist'
        : code === 'EACCES'
          ? 'permission denied'
          : `cannot write (${code})`;
    throw invalidFields(`${path} cannot be written: ${reason}`, [{ path: field, message: reason }]);
  }
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

/**
 * Runs a report and exports it: to the files named (command line and in-process only; the window and the bridge
 * get the CSV texts and the PDF as base64 and save them). Without any path or format asked, both are returned.
 * Reading only: the ledger is not written.
 */
export async function exportReport(
  storage: Storage,
  who: FileReader,
  input: ReportExportInput,
  now: Date,
): Promise<ReportExportDto> {
  await assertPathsAllowedVia(storage, who, 'reports:export', input, ['csvFile', 'pdfFile']);
  const report = await runReport(storage, input.name, input.filters, now);
  const exponents = await reportExponents(storage, report);
  const nothingAsked = !input.csv && !input.pdf && input.csvFile === undefined && input.pdfFile === undefined;
  const out: ReportExportDto = { report, files: [] };
  if (input.csvFile !== undefined || input.csv || nothingAsked) {
    const csv = reportCsv(report, exponents);
    if (input.csvFile !== undefined) {
      for (const [id, path] of csvPaths(input.csvFile, Object.keys(csv)))
        out.files.push({ format: 'csv', path, bytes: writeOwnerOnly('csvFile', path, csv[id]!) });
    } else out.csv = csv;
  }
  if (input.pdfFile !== undefined || input.pdf || nothingAsked) {
    const pdf = await reportPdf(report, exponents);
    if (input.pdfFile !== undefined) {
      const path = resolve(input.pdfFile);
      out.files.push({ format: 'pdf', path, bytes: writeOwnerOnly('pdfFile', path, pdf) });
    } else out.pdfBase64 = pdf.toString('base64');
  }
  return out;
}
