import Papa from 'papaparse';
import type { Alignment, Content } from 'pdfmake/interfaces';
import {
  reportExceptionBatchesQuery,
  reportSectionLinesQuery,
  reportSectionTotalsQuery,
  type ReportLineRecord,
  type ReportSection,
} from '../../../db/repos/batches';
import { reasonCodeQuery, type ReasonCodeRecord } from '../../../db/repos/reason-codes';
import type { Storage, Tx } from '../../../db/storage/port';
import {
  ENTRY_STATUSES,
  type BatchReportDto,
  type BatchReportLineDto,
  type EntryStatusDto,
} from '../../../src-shared/dto/batches';
import { formatMinor } from '../../../src-shared/money';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { REASON_DOMAIN } from '../../ledger/codes';
import { pdfText, renderPdf } from '../reports/pdf';
import { getBatchIn } from './batch-store';

// The batch report reads its figures through the storage port (issue #17) in one read-only transaction, so the
// batch's per-status figures, its lists and its exception batches are of the same moment on SQLite and PostgreSQL;
// the CSV and the PDF are made from them after it has ended.

/** Lists in a report stop here; the totals still count every entry. */
const MAX_LINES = 10_000;

const STATUS_ORDER: readonly EntryStatusDto[] = ENTRY_STATUSES;

async function section(
  tx: Tx,
  batchId: number,
  which: ReportSection,
  reasonDomain: number | null,
): Promise<BatchReportDto['suspended']> {
  const agg = (await tx.get<{ n: number; s: number }>(reportSectionTotalsQuery(batchId, which))) ?? {
    n: 0,
    s: 0,
  };
  const rows = await tx.all<ReportLineRecord>(reportSectionLinesQuery(batchId, which, MAX_LINES));
  const labels = new Map<number, string | null>();
  if (reasonDomain !== null)
    for (const code of new Set(rows.map((r) => r.reasonCode))) {
      if (code === null) continue;
      const found = await tx.get<ReasonCodeRecord>(reasonCodeQuery(reasonDomain, code));
      labels.set(code, found?.label || null);
    }
  return {
    total: agg.n,
    totalMinor: agg.s,
    rows: rows.map((r): BatchReportLineDto => ({
      entryId: r.id,
      seq: r.seq,
      accountNo: r.accountNo,
      billNo: r.billNo,
      amountMinor: r.amountMinor,
      status: r.status,
      reasonCode: r.reasonCode,
      reasonLabel: r.reasonCode === null ? null : (labels.get(r.reasonCode) ?? null),
      problem: r.problemColumn && r.problem ? `${r.problemColumn}: ${r.problem}` : r.problem,
    })),
  };
}

/** The batch report's figures: counts and totals per status, the suspended list and the exceptions. */
async function batchReportIn(
  tx: Tx,
  batchId: number,
  now: Date,
): Promise<Omit<BatchReportDto, 'csv' | 'pdfBase64'>> {
  const batch = await getBatchIn(tx, batchId);
  const byStatus = STATUS_ORDER.filter((s) => batch.countsByStatus[s] !== undefined).map((status) => ({
    status,
    count: batch.countsByStatus[status] ?? 0,
    totalMinor: batch.totalsByStatus[status] ?? 0,
  }));
  const postedToAccounts = {
    count: batch.countsByStatus.posted ?? 0,
    totalMinor: batch.totalsByStatus.posted ?? 0,
  };
  const postedToSuspense = {
    count: batch.countsByStatus.posted_suspense ?? 0,
    totalMinor: batch.totalsByStatus.posted_suspense ?? 0,
  };
  const suspended = await section(tx, batchId, 'suspended', REASON_DOMAIN.suspense);
  const exceptions = await section(tx, batchId, 'exceptions', null);
  const exceptionBatches = await tx.all<BatchReportDto['exceptionBatches'][number]>(
    reportExceptionBatchesQuery(batchId),
  );
  return {
    batch,
    generatedAt: now.toISOString(),
    byStatus,
    postedToAccounts,
    postedToSuspense,
    suspended,
    exceptions,
    exceptionBatches,
  };
}

/** The batch report's figures, read in one snapshot. */
export function batchReportData(
  storage: Storage,
  batchId: number,
  now: Date,
): Promise<Omit<BatchReportDto, 'csv' | 'pdfBase64'>> {
  return storage.transaction((tx) => batchReportIn(tx, batchId, now), { readOnly: true });
}

const money = (minor: number | null, exponent: number): string =>
  minor === null ? '' : formatMinor(minor, exponent);

/** The report as one CSV file: a `section` column tells the batch line, status totals, suspended and exception rows. */
export function reportCsv(r: Omit<BatchReportDto, 'csv' | 'pdfBase64'>): string {
  const b = r.batch;
  const e = b.exponent;
  const rows: (string | number)[][] = [
    [
      'section',
      'key',
      'count',
      'amount',
      'currency',
      'account_no',
      'bill_no',
      'status',
      'reason_code',
      'reason',
      'problem',
    ],
    [
      'batch',
      b.batchNo,
      b.zeroProof.enteredCount,
      money(b.zeroProof.enteredTotalMinor, e),
      b.currency,
      '',
      '',
      b.status,
      '',
      `${b.batchType} ${PAY_TYPE_NAMES[b.payType] ?? b.payType}`,
      b.zeroProof.balanced
        ? ''
        : `control ${b.zeroProof.expectedCount ?? '-'} / ${money(b.zeroProof.expectedTotalMinor, e) || '-'}`,
    ],
    ...r.byStatus.map((s) => [
      'status',
      s.status,
      s.count,
      money(s.totalMinor, e),
      b.currency,
      '',
      '',
      s.status,
      '',
      '',
      '',
    ]),
    // Where the posted money went: to the customers' accounts, or to the payment suspense account.
    ...(
      [
        ['accounts', r.postedToAccounts],
        ['suspense', r.postedToSuspense],
      ] as const
    ).map(([to, p]) => ['posted', to, p.count, money(p.totalMinor, e), b.currency, '', '', '', '', '', '']),
    ...(['suspended', 'exceptions'] as const).flatMap((name) =>
      r[name].rows.map((l) => [
        name === 'suspended' ? 'suspended' : 'exception',
        `#${l.seq}`,
        '',
        money(l.amountMinor, e),
        b.currency,
        l.accountNo ?? '',
        l.billNo ?? '',
        l.status,
        l.reasonCode ?? '',
        l.reasonLabel ?? '',
        l.problem ?? '',
      ]),
    ),
    ...r.exceptionBatches.map((x) => [
      'exception_batch',
      x.batchNo,
      x.entries,
      money(x.totalMinor, e),
      b.currency,
      '',
      '',
      x.status,
      '',
      '',
      '',
    ]),
  ];
  // Leading = + - @ would run as formulas in a spreadsheet; a quote mark keeps them text.
  const safe = rows.map((row) =>
    row.map((v) => (typeof v === 'string' && /^[=+\-@]/.test(v) && !/^-?\d/.test(v) ? `'${v}` : v)),
  );
  return Papa.unparse(safe, { newline: '\r\n' }) + '\r\n';
}

/** The report as a printable PDF (A4, standard fonts, paginated) on the reports' pdfmake kit. */
export async function reportPdf(r: Omit<BatchReportDto, 'csv' | 'pdfBase64'>): Promise<Uint8Array> {
  const b = r.batch;
  const e = b.exponent;
  const withCurrency = (minor: number | null): string => `${money(minor, e)} ${b.currency}`;
  const header: [string, string][] = [
    ['Type', `${b.batchType}, ${PAY_TYPE_NAMES[b.payType] ?? String(b.payType)}, ${b.allocationLevel}-level`],
    ['Status', b.status],
    ['Batch date', b.batchDate],
    ['Currency', b.currency],
    ['Lockbox', b.lockboxNo ?? '-'],
    [
      'Control',
      `${b.zeroProof.expectedCount ?? '-'} entries / ${money(b.zeroProof.expectedTotalMinor, e) || '-'}`,
    ],
    [
      'Entered',
      b.zeroProof.movedCount > 0
        ? `${b.zeroProof.enteredCount} entries / ${money(b.zeroProof.enteredTotalMinor, e)} here, ${b.zeroProof.movedCount} / ${money(b.zeroProof.movedTotalMinor, e)} in exception batches ${b.zeroProof.balanced ? '(balanced)' : '(differs)'}`
        : `${b.zeroProof.enteredCount} entries / ${money(b.zeroProof.enteredTotalMinor, e)} ${b.zeroProof.balanced ? '(balanced)' : '(differs)'}`,
    ],
    ...(b.zeroProof.parent
      ? ([
          [
            'Split off',
            `${b.zeroProof.parent.batchNo}: slip ${b.zeroProof.parent.expectedCount ?? '-'} / ${money(b.zeroProof.parent.expectedTotalMinor, e) || '-'}, accounted ${b.zeroProof.parent.accountedCount} / ${money(b.zeroProof.parent.accountedTotalMinor, e)}`,
          ],
        ] as [string, string][])
      : []),
    ['Note', b.note ?? '-'],
    ['Printed', r.generatedAt.replace('T', ' ').slice(0, 19) + ' UTC'],
  ];
  const heading = (text: string): Content => ({
    text: pdfText(text),
    fontSize: 12,
    bold: true,
    margin: [0, 10, 0, 4],
  });
  const grid = (head: string[], rows: string[][], right: number[]): Content => {
    const align = (i: number): Alignment => (right.includes(i) ? 'right' : 'left');
    return {
      table: {
        headerRows: 1,
        dontBreakRows: true,
        body: [
          head.map((h, i) => ({
            text: h,
            bold: true,
            fillColor: '#dde6f0',
            alignment: align(i),
          })),
          ...rows.map((row) => row.map((v, i) => ({ text: pdfText(v), alignment: align(i) }))),
        ],
      },
      layout: 'lightHorizontalLines',
    };
  };
  const list = (title: string, sec: BatchReportDto['suspended'], reason: boolean): Content[] => [
    heading(`${title}: ${sec.total} entries, ${withCurrency(sec.totalMinor)}`),
    sec.total === 0
      ? { text: 'None.' }
      : grid(
          ['#', 'Account', 'Bill', 'Amount', reason ? 'Reason' : 'Problem'],
          sec.rows.map((l) => [
            String(l.seq),
            l.accountNo ?? '',
            l.billNo ?? '',
            money(l.amountMinor, e),
            reason
              ? `${l.reasonCode ?? ''} ${l.reasonLabel ?? ''}`.trim()
              : (l.problem ?? l.status.replace(/_/g, ' ')),
          ]),
          [3],
        ),
    ...(sec.total > sec.rows.length ? [{ text: `... and ${sec.total - sec.rows.length} more` }] : []),
  ];
  const content: Content[] = [
    { text: pdfText(`Batch report ${b.batchNo}`), fontSize: 16, bold: true, margin: [0, 0, 0, 8] },
    {
      table: {
        widths: [70, '*'],
        body: header.map(([k, v]) => [{ text: k, bold: true }, { text: pdfText(v) }]),
      },
      layout: 'noBorders',
    },
    heading('Posted'),
    grid(
      ['Where', 'Entries', 'Amount'],
      (
        [
          ['Posted to accounts', r.postedToAccounts],
          ['Posted to suspense', r.postedToSuspense],
        ] as const
      ).map(([label, p]) => [label, String(p.count), withCurrency(p.totalMinor)]),
      [1, 2],
    ),
    heading('Entries per status'),
    grid(
      ['Status', 'Entries', 'Amount'],
      r.byStatus.map((x) => [x.status.replace(/_/g, ' '), String(x.count), withCurrency(x.totalMinor)]),
      [1, 2],
    ),
    ...list('Suspended', r.suspended, true),
    ...list('Exceptions', r.exceptions, false),
    heading(`Exception batches: ${r.exceptionBatches.length}`),
    ...(r.exceptionBatches.length === 0
      ? []
      : [
          grid(
            ['Batch', 'Status', 'Entries', 'Amount'],
            r.exceptionBatches.map((x) => [
              x.batchNo,
              x.status,
              String(x.entries),
              withCurrency(x.totalMinor),
            ]),
            [2, 3],
          ),
        ]),
  ];
  return renderPdf({
    info: { title: pdfText(`Batch report ${b.batchNo}`), producer: 'Paydesk', creator: 'Paydesk' },
    content,
    footerText: b.batchNo,
  });
}

/** The batch report with the formats asked for (CSV text, PDF as base64). */
export async function batchReport(
  storage: Storage,
  input: { batchId: number; csv: boolean; pdf: boolean },
  now: Date,
): Promise<BatchReportDto> {
  const data = await batchReportData(storage, input.batchId, now);
  return {
    ...data,
    csv: input.csv ? reportCsv(data) : null,
    pdfBase64: input.pdf ? Buffer.from(await reportPdf(data)).toString('base64') : null,
  };
}
