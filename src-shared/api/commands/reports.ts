import type {
  ExportRunDto,
  GlLinesDto,
  GlSummaryDto,
  PaymentTimelineDto,
  ReportDto,
  ReportExportDto,
} from '../../dto/reports';
import { ANY, type Role } from '../operator-roles';
import { z } from 'zod';
import { REPORT_NAMES } from '../../dto/reports';
import { defineCommand } from '../define';
import { id } from './fields';

/** Exports advance the watermark the billing system and the G/L read from: supervisors, admins (and their tokens). */
const EXPORTERS: readonly Role[] = ['supervisor', 'admin'];
const path = z.string().trim().min(1).max(1000);
const day = z.iso.date();
const currency = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'a three-letter currency code')
  .transform((c) => c.toUpperCase());

/** The filters every report takes. */
export const reportFilters = z
  .strictObject({
    from: day.optional(),
    to: day.optional(),
    currency: currency.optional(),
    channelId: z.int().min(0).max(2_147_483_647).optional(),
    payType: z.int().min(0).max(2_147_483_647).optional(),
    batchId: id.optional(),
    operator: z.string().trim().min(1).max(64).optional(),
    accountNo: z.string().trim().min(1).max(64).optional(),
  })
  .refine((f) => !f.from || !f.to || f.from <= f.to, { message: 'from is after to', path: ['from'] });

/**
 * Reports, the G/L summary, the payment timeline and the exports to billing and G/L (issue #15).
 *
 * Who may run each reports command: reading is for everyone; only an export changes what the next one covers.
 *
 * Inputs of the reports commands.
 */
export const reportsCommands = {
  'reports:gl-summary': defineCommand({
    roles: ANY,
    input: z
      .strictObject({ from: day, to: day, currency: currency.optional() })
      .refine((f) => f.from <= f.to, { message: 'from is after to', path: ['from'] }),
  }).output<GlSummaryDto>(),
  'reports:gl-lines': defineCommand({
    roles: ANY,
    input: z
      .strictObject({
        glId: z.int().min(0).max(2_147_483_647),
        from: day,
        to: day,
        currency: currency.optional(),
        offset: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
        limit: z.int().min(1).max(5000).default(200),
      })
      .refine((f) => f.from <= f.to, { message: 'from is after to', path: ['from'] }),
  }).output<GlLinesDto>(),
  'reports:run': defineCommand({
    roles: ANY,
    input: z.strictObject({ name: z.enum(REPORT_NAMES), filters: reportFilters.default({}) }),
  }).output<ReportDto>(),
  'reports:export': defineCommand({
    roles: ANY,
    input: z.strictObject({
      name: z.enum(REPORT_NAMES),
      filters: reportFilters.default({}),
      /** Paths to write (command line only); without them the CSV text and PDF bytes are returned. */
      csvFile: path.optional(),
      pdfFile: path.optional(),
      csv: z.boolean().default(false),
      pdf: z.boolean().default(false),
    }),
  }).output<ReportExportDto>(),
  'payments:timeline': defineCommand({
    roles: ANY,
    input: z.strictObject({ paymentId: id }),
  }).output<PaymentTimelineDto>(),
  'exports:run': defineCommand({
    roles: EXPORTERS,
    writes: true,
    input: z
      .strictObject({
        kind: z.enum(['posted', 'gl']),
        /** Folder the files go to (command line only); default `exports/` next to the ledger. */
        out: path.optional(),
        /** A past range on purpose (posting dates, inclusive); leaves the watermark alone. */
        from: day.optional(),
        to: day.optional(),
        /** A calendar month, YYYY-MM: the same as --from its first day --to its last. */
        period: z
          .string()
          .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM')
          .optional(),
      })
      .refine((x) => !(x.period && (x.from || x.to)), {
        message: 'give a period or a from/to range, not both',
      })
      .refine((x) => !x.from === !x.to, { message: 'a range needs both from and to', path: ['from'] })
      .refine((x) => !x.from || !x.to || x.from <= x.to, { message: 'from is after to', path: ['from'] }),
  }).output<ExportRunDto>(),
  'exports:list': defineCommand({
    roles: ANY,
    input: z.strictObject({
      kind: z.enum(['posted', 'gl']).optional(),
      limit: z.int().min(1).max(1000).default(50),
    }),
  }).output<ExportRunDto[]>(),
};
