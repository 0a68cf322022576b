import type {
  ExportRunDto,
  GlLinesDto,
  GlSummaryDto,
  PaymentTimelineDto,
  ReportDto,
  ReportExportDto,
} from '../dto/reports';
import type { CommandRoles, Role } from './roles';

/** Reports, the G/L summary, the payment timeline and the exports to billing and G/L (issue #15). */
export const REPORTS_COMMANDS = [
  'reports:gl-summary',
  'reports:gl-lines',
  'reports:run',
  'reports:export',
  'payments:timeline',
  'exports:run',
  'exports:list',
] as const;

/** A reports command name. */
export type ReportsCommandName = (typeof REPORTS_COMMANDS)[number];

/** The output type of each reports command. */
export type ReportsCommandOutputs = {
  'reports:gl-summary': GlSummaryDto;
  'reports:gl-lines': GlLinesDto;
  'reports:run': ReportDto;
  'reports:export': ReportExportDto;
  'payments:timeline': PaymentTimelineDto;
  'exports:run': ExportRunDto;
  'exports:list': ExportRunDto[];
};

const ANY = 'any' as const;
/** Exports advance the watermark the billing system and the G/L read from: supervisors, admins (and their tokens). */
const EXPORTERS: readonly Role[] = ['supervisor', 'admin'];

/** Who may run each reports command: reading is for everyone; only an export changes what the next one covers. */
export const REPORTS_COMMAND_ROLES: Record<ReportsCommandName, CommandRoles> = {
  'reports:gl-summary': ANY,
  'reports:gl-lines': ANY,
  'reports:run': ANY,
  'reports:export': ANY,
  'payments:timeline': ANY,
  'exports:run': EXPORTERS,
  'exports:list': ANY,
};
