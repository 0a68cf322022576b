import { z } from 'zod';
import type { AccountDetailDto, AccountSearchDto, BillItemDto, PaymentHistoryDto } from '../../dto/accounts';
import type {
  AccountCreditResultDto,
  AllocationResultDto,
  AllocationRowDto,
  AllocationViewDto,
  RecordedPaymentDto,
} from '../../dto/allocation';
import type {
  AppInfoDto,
  ArImportSummaryDto,
  DemoSummaryDto,
  JobCancelDto,
  JobRunDto,
  LedgerCheckDto,
  TeamServerDto,
} from '../../dto/app';
import {
  ENTRY_STATUSES,
  type BatchDto,
  type BatchEntriesPageDto,
  type BatchEntryDto,
  type BankFilePreviewDto,
  type BatchFileDto,
  type BatchImportDto,
  type BatchPushDto,
  type BatchReportDto,
  type ImportTemplateDto,
  type TemplateProposalDto,
  type BatchSubmitDto,
  type BatchValidationDto,
  type EntryAllocationViewDto,
} from '../../dto/batches';
import type { ReasonCodeDto } from '../../dto/codes';
import { CUSTOM_KEY_PATTERN } from '../../columns';
import { ADMIN, ANY, DESK } from '../operator-roles';
import { filePath, oneSource, oneSourceMessage, upload, uploadedFile } from '../uploads';
import { defineCommand } from '../define';
import { confirmationIdInput } from './confirmation';
import { accountNo, currency, decimal, id, isoDate } from './fields';

const code = z.string().trim().min(1).max(64);
const optionalText = z.string().max(64).nullable().optional();
const entryStatus = z.enum(ENTRY_STATUSES);
/** Manual allocation lines: amounts as decimal strings in the account's currency. */
const billLines = z.array(z.strictObject({ billNo: code, amount: decimal })).max(10_000);
const itemLines = z.array(z.strictObject({ itemNo: code, amount: decimal })).max(100_000);
const autoPolicy = z.enum(['standard', 'bill-number', 'fifo', 'proportional', 'largest']);

/** The four receivables files (any subset), each as a path (command line) or as an upload. */
export const arFiles = z
  .strictObject({
    accountsFile: filePath.optional(),
    billUnitsFile: filePath.optional(),
    billsFile: filePath.optional(),
    itemsFile: filePath.optional(),
    /** The same files as bytes chosen in a file dialog (the desktop window and the bridge send these). */
    accountsUpload: upload.optional(),
    billUnitsUpload: upload.optional(),
    billsUpload: upload.optional(),
    itemsUpload: upload.optional(),
  })
  .refine(
    (v) =>
      v.accountsFile ??
      v.billUnitsFile ??
      v.billsFile ??
      v.itemsFile ??
      v.accountsUpload ??
      v.billUnitsUpload ??
      v.billsUpload ??
      v.itemsUpload,
    { message: 'give at least one of accounts, bill units, bills, items (a path or an upload)' },
  )
  .refine(
    (v) =>
      (['accounts', 'billUnits', 'bills', 'items'] as const).every(
        (k) => v[`${k}File`] === undefined || v[`${k}Upload`] === undefined,
      ),
    { message: 'give each file once: as a path or as an upload, not both' },
  );

/**
 * The desk itself: accounts, allocation, keyed and imported batches, reason codes, import templates, jobs.
 */
export const deskCommands = {
  'app:info': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<AppInfoDto>(),
  'demo:load': defineCommand({
    roles: ADMIN,
    changes: 'demo',
    job: true,
    input: z.strictObject({
      accounts: z.int().min(1).max(1_000_000).default(1000),
      seed: z.int().min(0).max(2_147_483_647).default(1),
    }),
  }).output<DemoSummaryDto>(),
  'ar:import': defineCommand({
    roles: ['supervisor', 'admin'],
    changes: 'ar',
    input: arFiles,
  }).output<ArImportSummaryDto>(),
  'accounts:search': defineCommand({
    roles: ANY,
    input: z.strictObject({
      query: z.string().max(200),
      mode: z.enum(['prefix', 'contains']).default('prefix'),
      limit: z.int().min(1).max(500).default(50),
    }),
  }).output<AccountSearchDto>(),
  'accounts:show': defineCommand({
    roles: ANY,
    input: z.strictObject({ accountNo }),
  }).output<AccountDetailDto>(),
  'accounts:bill-items': defineCommand({
    roles: ANY,
    input: z.strictObject({ billNo: z.string().trim().min(1).max(64) }),
  }).output<BillItemDto[]>(),
  'accounts:payment-history': defineCommand({
    roles: ANY,
    input: z.strictObject({
      accountNo,
      from: isoDate.optional(),
      to: isoDate.optional(),
      limit: z.int().min(1).max(1000).default(50),
      offset: z.int().min(0).default(0),
    }),
  }).output<PaymentHistoryDto>(),
  'ledger:check': defineCommand({
    roles: ANY,
    temporaryTables: true,
    input: z.strictObject({ maxViolations: z.int().min(1).max(100_000).default(1000) }),
  }).output<LedgerCheckDto>(),
  'allocation:view': defineCommand({
    roles: ANY,
    input: z
      .strictObject({ accountNo: accountNo.optional(), paymentId: id.optional() })
      .refine((v) => (v.accountNo === undefined) !== (v.paymentId === undefined), {
        message: 'give exactly one of accountNo or paymentId',
      }),
  }).output<AllocationViewDto>(),
  'allocation:apply': defineCommand({
    roles: DESK,
    changes: 'allocation',
    input: z.strictObject({
      paymentId: id,
      policy: autoPolicy.optional(),
      bills: billLines.optional(),
      items: itemLines.optional(),
      token: z.string().max(64).optional(),
    }),
  }).output<AllocationResultDto>(),
  'allocation:undo': defineCommand({
    roles: DESK,
    changes: 'allocation',
    input: z.strictObject({ paymentId: id, reasonCode: z.int().min(0).max(2_147_483_647) }),
  }).output<AllocationResultDto>(),
  'allocation:account-credit': defineCommand({
    roles: DESK,
    changes: 'allocation',
    input: z.strictObject({ accountNo, policy: autoPolicy.default('fifo') }),
  }).output<AccountCreditResultDto>(),
  'payments:allocations': defineCommand({
    roles: ANY,
    input: z.strictObject({ paymentId: id }),
  }).output<AllocationRowDto[]>(),
  'bills:payments': defineCommand({
    roles: ANY,
    input: z.strictObject({ billNo: code }),
  }).output<AllocationRowDto[]>(),
  'payments:record': defineCommand({
    roles: DESK,
    changes: 'allocation',
    input: z.strictObject({
      accountNo,
      amount: decimal,
      currency: z
        .string()
        .regex(/^[A-Z]{3}$/)
        .optional(),
      effectiveDate: isoDate.optional(),
      payType: z.int().min(0).max(99_999).default(10012),
      channelId: z.int().min(0).max(2_147_483_647).default(0),
      externalRef: z.string().max(120).optional(),
      billNo: code.optional(),
      payerName: z.string().max(200).optional(),
      sourceKey: z.string().min(1).max(200).optional(),
      allocate: z.enum(['none', 'auto']).default('auto'),
    }),
  }).output<RecordedPaymentDto>(),
  'batches:create': defineCommand({
    roles: DESK,
    // Another operator's batch list shows it (team mode); entry saves stay quiet, they would refresh every screen per key.
    changes: 'batches',
    input: z.strictObject({
      batchType: z.enum(['payment', 'refund', 'reversal']),
      payType: z.int().min(0).max(99_999),
      currency: currency,
      channelId: z.int().min(0).max(2_147_483_647).default(0),
      allocationLevel: z.enum(['bill', 'item']).default('bill'),
      batchNo: code.optional(),
      lockboxNo: z.string().trim().max(64).optional(),
      batchDate: isoDate.optional(),
      controlCount: z.int().min(0).max(100_000_000).optional(),
      controlTotal: decimal.optional(),
      note: z.string().max(2000).optional(),
    }),
  }).output<BatchDto>(),
  'batches:list': defineCommand({
    roles: ANY,
    input: z.strictObject({
      status: z.enum(['open', 'validated', 'submitted', 'discarded']).optional(),
      limit: z.int().min(1).max(500).default(50),
      offset: z.int().min(0).default(0),
    }),
  }).output<{ rows: BatchDto[]; total: number }>(),
  'batches:get': defineCommand({
    roles: ANY,
    input: z.strictObject({ batchId: id }),
  }).output<BatchDto>(),
  'batches:entries': defineCommand({
    roles: ANY,
    input: z
      .strictObject({
        batchId: id,
        startRow: z.int().min(0).default(0),
        endRow: z.int().min(0).default(100),
        sortBy: z
          .enum([
            'seq',
            'accountNo',
            'billNo',
            'amountMinor',
            'paymentDate',
            'checkNo',
            'payerName',
            'reference',
            'status',
            'reasonCode',
          ])
          .optional(),
        sortDir: z.enum(['asc', 'desc']).optional(),
        status: z.array(entryStatus).max(7).optional(),
        /** Count and sum the whole filter (total = -1 when false); a grid asks with its first block only. */
        totals: z.boolean().default(true),
        /** Only entries whose custom field holds this value (exact) or contains it (ignoring case; the default). */
        custom: z
          .strictObject({
            field: z.string().regex(CUSTOM_KEY_PATTERN, 'a custom field key'),
            value: z.string().trim().min(1).max(200),
            match: z.enum(['exact', 'contains']).default('contains'),
          })
          .optional(),
      })
      .refine((v) => v.endRow - v.startRow <= 5000, {
        message: 'a page holds at most 5000 rows',
        path: ['endRow'],
      }),
  }).output<BatchEntriesPageDto>(),
  'batches:save-entries': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      batchId: id,
      entries: z
        .array(
          z.strictObject({
            id: id.optional(),
            accountNo: optionalText,
            billNo: optionalText,
            amount: z.string().max(40).nullable().optional(),
            paymentDate: z.string().max(40).nullable().optional(),
            checkNo: optionalText,
            payerName: z.string().max(200).nullable().optional(),
            reference: z.string().max(200).nullable().optional(),
            channelId: z.int().min(0).max(2_147_483_647).nullable().optional(),
            paymentRef: id.nullable().optional(),
            custom: z.record(z.string().max(64), z.string().max(500)).optional(),
          }),
        )
        .min(1)
        .max(10_000),
    }),
  }).output<BatchEntryDto[]>(),
  'batches:delete-entries': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({ batchId: id, ids: z.array(id).min(1).max(100_000) }),
  }).output<{ deleted: number }>(),
  'batches:validate': defineCommand({
    roles: DESK,
    job: true,
    input: z.strictObject({ batchId: id }),
  }).output<BatchValidationDto>(),
  'batches:suspend-entry': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      batchId: id,
      entryId: id,
      reasonCode: z.int().min(1).max(2_147_483_647).nullable(),
    }),
  }).output<BatchEntryDto>(),
  'batches:release-duplicate': defineCommand({
    /** Only a supervisor lets a suspected duplicate post. */
    roles: ['supervisor', 'admin'],
    writes: true,
    input: z.strictObject({
      batchId: id,
      entryId: id,
      /** Why the suspected duplicate is a payment of its own: a reason of domain 20. */
      reasonCode: z.int().min(1).max(2_147_483_647),
      note: z.string().trim().max(500).optional(),
    }),
  }).output<BatchEntryDto>(),
  'batches:exception': defineCommand({
    roles: DESK,
    changes: 'batches',
    input: z.strictObject({ batchId: id }),
  }).output<{ exception: BatchDto; moved: number }>(),
  'batches:submit': defineCommand({
    roles: DESK,
    changes: 'allocation',
    job: true,
    confirm: true,
    input: z.strictObject({
      batchId: id,
      /** Zero-proof override (setting zeroProof.override, supervisors): a reason of domain 19 and a note. */
      overrideReasonCode: z.int().min(1).max(2_147_483_647).optional(),
      overrideNote: z.string().trim().max(500).optional(),
      /** The prepared confirmation, needed when the batch total is over confirm.submitAboveAmount. */
      confirmationId: confirmationIdInput,
    }),
  }).output<BatchSubmitDto>(),
  'batches:discard': defineCommand({
    roles: DESK,
    changes: 'batches',
    input: z.strictObject({ batchId: id }),
  }).output<BatchDto>(),
  'batches:export': defineCommand({
    roles: ANY,
    input: z.strictObject({ batchId: id }),
  }).output<BatchFileDto>(),
  'batches:import-batch-file': defineCommand({
    roles: DESK,
    changes: 'batches',
    input: z
      .strictObject({
        file: filePath.optional(),
        ...uploadedFile,
        /**
         * A push from another ledger (`batch push`): the batch already recreated here from the same origin is
         * answered instead of a new one (a submitted one too, so a retried push never posts twice).
         */
        push: z.boolean().optional(),
      })
      .refine(oneSource, oneSourceMessage),
  }).output<BatchDto>(),
  'batches:mark-pushed': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      batchId: id,
      /** The team server the batch was submitted on, and its batch there. */
      serverUrl: z.url().max(500),
      serverBatchId: id,
      serverBatchNo: z.string().min(1).max(80),
    }),
  }).output<BatchPushDto>(),
  'batches:preview-file': defineCommand({
    roles: ANY,
    writes: true,
    input: z
      .strictObject({
        file: filePath.optional(),
        ...uploadedFile,
        templateName: code.optional(),
        template: z.unknown().optional(),
        currency,
        previewRows: z.int().min(1).max(1000).default(20),
      })
      .refine(oneSource, oneSourceMessage),
  }).output<BankFilePreviewDto>(),
  'batches:import-file': defineCommand({
    roles: DESK,
    changes: 'batches',
    job: true,
    input: z
      .strictObject({
        file: filePath.optional(),
        ...uploadedFile,
        templateName: code.optional(),
        template: z.unknown().optional(),
        batchType: z.enum(['payment', 'refund', 'reversal']).default('payment'),
        payType: z.int().min(0).max(99_999),
        /** Absent: the one currency the file states (a CAD BAI2 file makes a CAD batch), else USD. */
        currency: currency.optional(),
        channelId: z.int().min(0).max(2_147_483_647).default(0),
        allocationLevel: z.enum(['bill', 'item']).default('bill'),
        batchNo: code.optional(),
        lockboxNo: z.string().trim().max(64).optional(),
        batchDate: isoDate.optional(),
        controlCount: z.int().min(0).max(100_000_000).optional(),
        controlTotal: decimal.optional(),
        force: z.boolean().default(false),
      })
      .refine(oneSource, oneSourceMessage),
  }).output<BatchImportDto>(),
  'batches:entry-allocation': defineCommand({
    roles: ANY,
    temporaryTables: true,
    input: z.strictObject({ batchId: id, entryId: id }),
  }).output<EntryAllocationViewDto>(),
  'batches:allocate-entry': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      batchId: id,
      entryId: id,
      bills: billLines.optional(),
      items: itemLines.optional(),
    }),
  }).output<EntryAllocationViewDto>(),
  'batches:update-header': defineCommand({
    roles: DESK,
    writes: true,
    input: z
      .strictObject({
        batchId: id,
        note: z.string().max(2000).nullable().optional(),
        lockboxNo: z.string().trim().max(64).nullable().optional(),
        controlCount: z.int().min(0).max(100_000_000).nullable().optional(),
        controlTotal: decimal.nullable().optional(),
      })
      .refine(
        (v) =>
          v.note !== undefined ||
          v.lockboxNo !== undefined ||
          v.controlCount !== undefined ||
          v.controlTotal !== undefined,
        { message: 'give at least one of note, lockboxNo, controlCount, controlTotal' },
      ),
  }).output<BatchDto>(),
  'batches:report': defineCommand({
    roles: ANY,
    input: z.strictObject({
      batchId: id,
      csv: z.boolean().default(false),
      pdf: z.boolean().default(false),
    }),
  }).output<BatchReportDto>(),
  'codes:list': defineCommand({
    roles: ANY,
    input: z.strictObject({
      /** Omitted: the codes of every domain. */
      domainId: z.int().min(1).max(1_000_000).optional(),
      includeRetired: z.boolean().default(false),
    }),
  }).output<ReasonCodeDto[]>(),
  'templates:list': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<ImportTemplateDto[]>(),
  'templates:save': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      name: code,
      bank: z.string().max(120).optional(),
      definition: z.unknown(),
    }),
  }).output<ImportTemplateDto>(),
  /** Ranks the templates for a file (its first 64 KiB), or for its first lines pasted as text. */
  'templates:detect': defineCommand({
    roles: ANY,
    writes: true,
    input: z
      .strictObject({
        file: filePath.optional(),
        ...uploadedFile,
        lines: z.array(z.string().max(100_000)).min(1).max(1000).optional(),
      })
      .refine((v) => [v.file, v.content, v.uploadId, v.lines].filter((x) => x !== undefined).length === 1, {
        message: 'give exactly one of file (command line only), content, uploadId or lines',
        path: ['file'],
      }),
  }).output<TemplateProposalDto[]>(),
  /** Cancels a running job by the id its progress events carry. */
  'jobs:cancel': defineCommand({
    /** The handler decides: whoever may run that job's command, whoever started it, and admins. */
    roles: ANY,
    input: z.strictObject({ jobId: z.string().trim().min(1).max(100) }),
  }).output<JobCancelDto>(),
  /**
   * The recorded jobs, most recent first: your own, or everyone's (`all`, as the status bar's Cancel rule lets
   * others stop a job they may run). A job waiting for the ledger behind other work is queued; one whose process
   * ended while it ran is reported as interrupted.
   */
  'jobs:list': defineCommand({
    roles: ANY,
    input: z.strictObject({
      status: z.enum(['queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted']).optional(),
      all: z.boolean().optional(),
      limit: z.number().int().min(1).max(1000).default(50),
    }),
  }).output<JobRunDto[]>(),
  /** Where this desktop works: its ledger file or a team server (desktop app only). */
  'desktop:team-server': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<TeamServerDto>(),
  /**
   * Points this desktop at a team server (checked at its /healthz first) and restarts the window onto it; null
   * goes back to the ledger file on this computer.
   */
  'desktop:connect-server': defineCommand({
    roles: ANY,
    input: z.strictObject({ url: z.string().trim().min(1).max(2000).nullable() }),
  }).output<TeamServerDto>(),
};
