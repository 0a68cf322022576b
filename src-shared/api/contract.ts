import type { z } from 'zod';
import type { commandInputs } from './inputs';
import type { Result } from './result';
import type { UploadDto } from '../dto/uploads';
import type { AccountDetailDto, AccountSearchDto, BillItemDto, PaymentHistoryDto } from '../dto/accounts';
import type {
  AccountCreditResultDto,
  AllocationResultDto,
  AllocationRowDto,
  AllocationViewDto,
  RecordedPaymentDto,
} from '../dto/allocation';
import type {
  BatchDto,
  BatchEntriesPageDto,
  BatchEntryDto,
  BankFilePreviewDto,
  BatchFileDto,
  BatchImportDto,
  BatchReportDto,
  ImportTemplateDto,
  TemplateProposalDto,
  BatchSubmitDto,
  BatchValidationDto,
  EntryAllocationViewDto,
} from '../dto/batches';
import type { ReasonCodeDto } from '../dto/codes';
import type {
  SuspenseCandidatesDto,
  SuspenseDetailDto,
  SuspenseMoveDto,
  SuspenseSavedSearchDto,
  SuspenseSearchDto,
} from '../dto/suspense';
import { ADMIN_COMMANDS, type AdminCommandOutputs } from './admin-contract';
import { PROCESSOR_COMMANDS, type ProcessorCommandOutputs } from './processor-contract';
import { BANKFILE_COMMANDS, type BankFileCommandOutputs } from './bankfiles-contract';
import { DIRECTDEBIT_COMMANDS, type DirectDebitCommandOutputs } from './directdebit-contract';
import { CONFIRMATION_COMMANDS, type ConfirmationCommandOutputs } from './confirmation-contract';
import { AUTH_COMMANDS, type AuthCommandOutputs } from './auth-contract';
import { APPROVAL_COMMANDS, type ApprovalCommandOutputs } from './approval-contract';
import { UPLOAD_COMMANDS, type UploadCommandOutputs } from './upload-contract';
import { MANDATE_COMMANDS, type MandateCommandOutputs } from './mandate-contract';
import { RETURNS_COMMANDS, type ReturnsCommandOutputs } from './returns-contract';
import { REPORTS_COMMANDS, type ReportsCommandOutputs } from './reports-contract';
import { DESK_OPS_COMMANDS, type DeskOpsCommandOutputs } from './desk-ops-contract';
import type {
  AppInfoDto,
  ArImportSummaryDto,
  DemoSummaryDto,
  JobCancelDto,
  JobFinishedDto,
  JobProgressDto,
  LedgerCheckDto,
  LedgerViolationDto,
} from '../dto/app';

/** Every command name, as a runtime list (the preload, the bridge and the CLI allow only these). */
export const COMMANDS = [
  'app:info',
  'demo:load',
  'ar:import',
  'accounts:search',
  'accounts:show',
  'accounts:bill-items',
  'accounts:payment-history',
  'ledger:check',
  'allocation:view',
  'allocation:apply',
  'allocation:undo',
  'allocation:account-credit',
  'payments:allocations',
  'bills:payments',
  'payments:record',
  'batches:create',
  'batches:list',
  'batches:get',
  'batches:entries',
  'batches:save-entries',
  'batches:delete-entries',
  'batches:validate',
  'batches:suspend-entry',
  'batches:release-duplicate',
  'batches:exception',
  'batches:submit',
  'batches:discard',
  'batches:export',
  'batches:import-batch-file',
  'batches:preview-file',
  'batches:import-file',
  'batches:entry-allocation',
  'batches:allocate-entry',
  'batches:update-header',
  'batches:report',
  'codes:list',
  'templates:list',
  'templates:save',
  'templates:detect',
  'jobs:cancel',
  ...ADMIN_COMMANDS,
  ...PROCESSOR_COMMANDS,
  ...BANKFILE_COMMANDS,
  ...DIRECTDEBIT_COMMANDS,
  ...CONFIRMATION_COMMANDS,
  ...AUTH_COMMANDS,
  ...APPROVAL_COMMANDS,
  ...UPLOAD_COMMANDS,
  ...MANDATE_COMMANDS,
  ...RETURNS_COMMANDS,
  ...REPORTS_COMMANDS,
  ...DESK_OPS_COMMANDS,
  'suspense:search',
  'suspense:show',
  'suspense:candidates',
  'suspense:apply',
  'suspense:distribute',
  'suspense:recycle',
  'suspense:remove',
  'suspense:reverse',
  'suspense:assign',
  'suspense:note',
  'suspense:change-reason',
  'suspense:export',
  'suspense:saved-searches',
  'suspense:save-search',
  'suspense:delete-search',
  'suspense:rename-search',
] as const;

/** A command name. */
export type CommandName = (typeof COMMANDS)[number];

/** The output type of each command. */
export type CommandOutputs = AdminCommandOutputs &
  ProcessorCommandOutputs &
  BankFileCommandOutputs &
  DirectDebitCommandOutputs &
  ConfirmationCommandOutputs &
  AuthCommandOutputs &
  ApprovalCommandOutputs &
  UploadCommandOutputs &
  MandateCommandOutputs &
  ReturnsCommandOutputs &
  ReportsCommandOutputs &
  DeskOpsCommandOutputs & {
    'app:info': AppInfoDto;
    'demo:load': DemoSummaryDto;
    'ar:import': ArImportSummaryDto;
    'accounts:search': AccountSearchDto;
    'accounts:show': AccountDetailDto;
    'accounts:bill-items': BillItemDto[];
    'accounts:payment-history': PaymentHistoryDto;
    'ledger:check': LedgerCheckDto;
    'allocation:view': AllocationViewDto;
    'allocation:apply': AllocationResultDto;
    'allocation:undo': AllocationResultDto;
    'allocation:account-credit': AccountCreditResultDto;
    'payments:allocations': AllocationRowDto[];
    'bills:payments': AllocationRowDto[];
    'payments:record': RecordedPaymentDto;
    'batches:create': BatchDto;
    'batches:list': { rows: BatchDto[]; total: number };
    'batches:get': BatchDto;
    'batches:entries': BatchEntriesPageDto;
    'batches:save-entries': BatchEntryDto[];
    'batches:delete-entries': { deleted: number };
    'batches:validate': BatchValidationDto;
    'batches:suspend-entry': BatchEntryDto;
    'batches:release-duplicate': BatchEntryDto;
    'batches:exception': { exception: BatchDto; moved: number };
    'batches:submit': BatchSubmitDto;
    'batches:discard': BatchDto;
    'batches:export': BatchFileDto;
    'batches:import-batch-file': BatchDto;
    'batches:preview-file': BankFilePreviewDto;
    'batches:import-file': BatchImportDto;
    'batches:entry-allocation': EntryAllocationViewDto;
    'batches:allocate-entry': EntryAllocationViewDto;
    'batches:update-header': BatchDto;
    'batches:report': BatchReportDto;
    'codes:list': ReasonCodeDto[];
    'templates:list': ImportTemplateDto[];
    'templates:save': ImportTemplateDto;
    'templates:detect': TemplateProposalDto[];
    'jobs:cancel': JobCancelDto;
    'suspense:search': SuspenseSearchDto;
    'suspense:show': SuspenseDetailDto;
    'suspense:candidates': SuspenseCandidatesDto;
    'suspense:apply': SuspenseMoveDto;
    'suspense:distribute': SuspenseMoveDto;
    'suspense:recycle': SuspenseMoveDto;
    'suspense:remove': SuspenseMoveDto;
    'suspense:reverse': SuspenseMoveDto;
    'suspense:assign': SuspenseMoveDto;
    'suspense:note': SuspenseMoveDto;
    'suspense:change-reason': SuspenseMoveDto;
    'suspense:export': { csv: string; rows: number };
    'suspense:saved-searches': SuspenseSavedSearchDto[];
    'suspense:save-search': SuspenseSavedSearchDto;
    'suspense:delete-search': { deleted: number };
    'suspense:rename-search': SuspenseSavedSearchDto;
  };

/** What a caller may pass (defaults still optional). */
export type CommandInput<K extends CommandName> = z.input<(typeof commandInputs)[K]>;

/** What a handler receives after parsing (defaults applied). */
export type ParsedInput<K extends CommandName> = z.output<(typeof commandInputs)[K]>;

/** What a command returns. */
export type CommandOutput<K extends CommandName> = CommandOutputs[K];

/** Events pushed from main to the renderer. */
export const EVENTS = [
  'job:progress',
  'job:finished',
  'ledger:changed',
  'auth:changed',
  'ledger:violation',
] as const;

/** An event name. */
export type EventName = (typeof EVENTS)[number];

/** The payload of each event. */
export type EventPayloads = {
  'job:progress': JobProgressDto;
  'job:finished': JobFinishedDto;
  'ledger:changed': { what: string };
  /** Sessions were locked (OS lock) or signed out: re-read auth:status. */
  'auth:changed': { locked: boolean };
  /** A running ledger check found a violation (streamed as found; the command's result lists them too). */
  'ledger:violation': LedgerViolationDto;
};

/** How a streamed upload reports and stops: bytes sent so far of the total, and a signal that cancels it. */
export type UploadOptions = {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
};

/** The typed client the renderer sees as window.api. */
export type PaydeskApi = {
  invoke<K extends CommandName>(command: K, input: CommandInput<K>): Promise<Result<CommandOutput<K>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /**
   * Streams a file to the main process as one upload (the bridge: POST /__upload). Absent in the desktop
   * window, which sends large files in chunks with the files:upload-* commands instead.
   */
  upload?: (file: Blob, fileName: string, opts?: UploadOptions) => Promise<Result<UploadDto>>;
};

/** The IPC channel for a command. */
export const commandChannel = (name: CommandName): string => `cmd:${name}`;

/** The IPC channel for an event. */
export const eventChannel = (name: EventName): string => `evt:${name}`;
