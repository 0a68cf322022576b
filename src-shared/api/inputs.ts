import { z } from 'zod';
import { adminInputs } from './admin-inputs';
import { amountInput } from './amount';
import { processorInputs } from './processor-inputs';
import { bankFileInputs } from './bankfiles-inputs';
import { directDebitInputs } from './directdebit-inputs';
import { returnsInputs } from './returns-inputs';
import { deskOpsInputs } from './desk-ops-inputs';
import { reportsInputs } from './reports-inputs';
import { confirmationIdInput, confirmationInputs } from './confirmation-inputs';
import { authInputs } from './auth-inputs';
import { approvalInputs } from './approval-inputs';
import { uploadInputs } from './upload-inputs';
import { mandateInputs } from './mandate-inputs';
import { CUSTOM_KEY_PATTERN } from '../columns';
import { ENTRY_STATUSES } from '../dto/batches';
import { filePath, oneSource, oneSourceMessage, upload, uploadedFile } from './uploads';

const accountNo = z.string().trim().min(1).max(64);
const isoDate = z.iso.date();
const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const code = z.string().trim().min(1).max(64);
/** Money crosses the boundary as a decimal string; services parse it with the currency's exponent. */
const decimal = amountInput;
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');
const optionalText = z.string().max(64).nullable().optional();
const entryStatus = z.enum(ENTRY_STATUSES);
/** Manual allocation lines: amounts as decimal strings in the account's currency. */
const billLines = z.array(z.strictObject({ billNo: code, amount: decimal })).max(10_000);
const itemLines = z.array(z.strictObject({ itemNo: code, amount: decimal })).max(100_000);
const autoPolicy = z.enum(['standard', 'bill-number', 'fifo', 'proportional', 'largest']);

const suspenseState = z.enum([
  'suspended',
  'partial',
  'recycled',
  'distributed',
  'removed',
  'reversed',
  'replaced',
]);
const searchText = z.string().max(200).optional();
const suspenseSort = z.enum([
  'paymentId',
  'enteredOn',
  'effectiveDate',
  'amountMinor',
  'currency',
  'state',
  'reasonCode',
  'actionOwner',
  'accountHint',
  'billNo',
  'payerName',
  'externalRef',
  'batchId',
  'lockboxNo',
  'channelId',
  'payType',
]);
/** Payment Center search filters (also the content of a saved search). */
export const suspenseFilterShape = {
  from: isoDate.optional(),
  to: isoDate.optional(),
  minAmount: decimal.optional(),
  maxAmount: decimal.optional(),
  currency: currency.optional(),
  accountHint: z.string().trim().min(1).max(64).optional(),
  billNo: z.string().trim().min(1).max(64).optional(),
  text: searchText,
  payer: searchText,
  reference: searchText,
  batchId: id.optional(),
  lockboxNo: z.string().trim().min(1).max(64).optional(),
  channelId: z.int().min(0).max(2_147_483_647).optional(),
  payType: z.int().min(0).max(99_999).optional(),
  reasonCode: z.int().min(0).max(2_147_483_647).optional(),
  owner: z.union([z.int().min(0).max(2_147_483_647), z.literal('none')]).optional(),
  status: z
    .array(z.union([suspenseState, z.literal('active'), z.literal('all')]))
    .max(9)
    .optional(),
  ageBucket: z
    .array(z.enum(['0-7', '8-30', '31-60', '61-90', '90+']))
    .max(5)
    .optional(),
};
const distributionTarget = z
  .strictObject({ accountNo: accountNo.optional(), billNo: code.optional(), amount: decimal })
  .refine((t) => t.accountNo !== undefined || t.billNo !== undefined, {
    message: 'give an account or a bill number',
  });
const paymentIds = z.array(id).min(1).max(10_000);

/** The four receivables files (any subset), each as a path (command line) or as an upload. */
const arFiles = z
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

/** One zod schema per command; every front door parses with these before a service sees the input. */
export const commandInputs = {
  'app:info': z.strictObject({}),
  'demo:load': z.strictObject({
    accounts: z.int().min(1).max(1_000_000).default(1000),
    seed: z.int().min(0).max(2_147_483_647).default(1),
  }),
  'ar:import': arFiles,
  /** The same files checked in full, nothing written (the import dialog's Preview). */
  'ar:preview': arFiles,
  'accounts:search': z.strictObject({
    query: z.string().max(200),
    mode: z.enum(['prefix', 'contains']).default('prefix'),
    limit: z.int().min(1).max(500).default(50),
  }),
  'accounts:show': z.strictObject({ accountNo }),
  'accounts:bill-items': z.strictObject({ billNo: z.string().trim().min(1).max(64) }),
  'accounts:payment-history': z.strictObject({
    accountNo,
    from: isoDate.optional(),
    to: isoDate.optional(),
    limit: z.int().min(1).max(1000).default(50),
    offset: z.int().min(0).default(0),
  }),
  'ledger:check': z.strictObject({ maxViolations: z.int().min(1).max(100_000).default(1000) }),
  'allocation:view': z
    .strictObject({ accountNo: accountNo.optional(), paymentId: id.optional() })
    .refine((v) => (v.accountNo === undefined) !== (v.paymentId === undefined), {
      message: 'give exactly one of accountNo or paymentId',
    }),
  'allocation:apply': z.strictObject({
    paymentId: id,
    policy: autoPolicy.optional(),
    bills: billLines.optional(),
    items: itemLines.optional(),
    token: z.string().max(64).optional(),
  }),
  'allocation:undo': z.strictObject({ paymentId: id, reasonCode: z.int().min(0).max(2_147_483_647) }),
  'allocation:account-credit': z.strictObject({ accountNo, policy: autoPolicy.default('fifo') }),
  'payments:allocations': z.strictObject({ paymentId: id }),
  'bills:payments': z.strictObject({ billNo: code }),
  'payments:record': z.strictObject({
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
  'batches:create': z.strictObject({
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
  'batches:list': z.strictObject({
    status: z.enum(['open', 'validated', 'submitted', 'discarded']).optional(),
    limit: z.int().min(1).max(500).default(50),
    offset: z.int().min(0).default(0),
  }),
  'batches:get': z.strictObject({ batchId: id }),
  'batches:entries': z
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
  'batches:save-entries': z.strictObject({
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
  'batches:delete-entries': z.strictObject({ batchId: id, ids: z.array(id).min(1).max(100_000) }),
  'batches:validate': z.strictObject({ batchId: id }),
  'batches:suspend-entry': z.strictObject({
    batchId: id,
    entryId: id,
    reasonCode: z.int().min(1).max(2_147_483_647).nullable(),
  }),
  'batches:release-duplicate': z.strictObject({
    batchId: id,
    entryId: id,
    /** Why the suspected duplicate is a payment of its own: a reason of domain 20. */
    reasonCode: z.int().min(1).max(2_147_483_647),
    note: z.string().trim().max(500).optional(),
  }),
  'batches:exception': z.strictObject({ batchId: id }),
  'batches:submit': z.strictObject({
    batchId: id,
    /** Zero-proof override (setting zeroProof.override, supervisors): a reason of domain 19 and a note. */
    overrideReasonCode: z.int().min(1).max(2_147_483_647).optional(),
    overrideNote: z.string().trim().max(500).optional(),
    /** The prepared confirmation, needed when the batch total is over confirm.submitAboveAmount. */
    confirmationId: confirmationIdInput,
  }),
  'batches:discard': z.strictObject({ batchId: id }),
  'batches:export': z.strictObject({ batchId: id }),
  'batches:import-batch-file': z
    .strictObject({ file: filePath.optional(), ...uploadedFile })
    .refine(oneSource, oneSourceMessage),
  'batches:preview-file': z
    .strictObject({
      file: filePath.optional(),
      ...uploadedFile,
      templateName: code.optional(),
      template: z.unknown().optional(),
      currency,
      previewRows: z.int().min(1).max(1000).default(20),
    })
    .refine(oneSource, oneSourceMessage),
  'batches:import-file': z
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
  'batches:entry-allocation': z.strictObject({ batchId: id, entryId: id }),
  'batches:update-header': z
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
  'batches:report': z.strictObject({
    batchId: id,
    csv: z.boolean().default(false),
    pdf: z.boolean().default(false),
  }),
  'batches:allocate-entry': z.strictObject({
    batchId: id,
    entryId: id,
    bills: billLines.optional(),
    items: itemLines.optional(),
  }),
  'codes:list': z.strictObject({
    /** Omitted: the codes of every domain. */
    domainId: z.int().min(1).max(1_000_000).optional(),
    includeRetired: z.boolean().default(false),
  }),
  'templates:list': z.strictObject({}),
  'templates:save': z.strictObject({
    name: code,
    bank: z.string().max(120).optional(),
    definition: z.unknown(),
  }),
  /** Ranks the templates for a file (its first 64 KiB), or for its first lines pasted as text. */
  'templates:detect': z
    .strictObject({
      file: filePath.optional(),
      ...uploadedFile,
      lines: z.array(z.string().max(100_000)).min(1).max(1000).optional(),
    })
    .refine((v) => [v.file, v.content, v.uploadId, v.lines].filter((x) => x !== undefined).length === 1, {
      message: 'give exactly one of file (command line only), content, uploadId or lines',
      path: ['file'],
    }),
  /** Cancels a running job by the id its progress events carry. */
  'jobs:cancel': z.strictObject({ jobId: z.string().trim().min(1).max(100) }),
  ...adminInputs,
  ...processorInputs,
  ...bankFileInputs,
  ...mandateInputs,
  ...directDebitInputs,
  ...returnsInputs,
  ...deskOpsInputs,
  ...reportsInputs,
  ...confirmationInputs,
  ...authInputs,
  ...uploadInputs,
  ...approvalInputs,
  'suspense:search': z.strictObject({
    ...suspenseFilterShape,
    sortBy: suspenseSort.default('enteredOn'),
    sortDir: z.enum(['asc', 'desc']).default('asc'),
    limit: z.int().min(1).max(5000).default(100),
    offset: z.int().min(0).max(100_000_000).optional(),
    cursor: z.string().max(500).optional(),
    totals: z.boolean().default(true),
  }),
  'suspense:show': z.strictObject({ paymentId: id }),
  'suspense:candidates': z
    .strictObject({
      paymentId: id.optional(),
      batchId: id.optional(),
      entryId: id.optional(),
      limit: z.int().min(1).max(50).default(10),
    })
    .refine((v) => (v.paymentId !== undefined) !== (v.batchId !== undefined && v.entryId !== undefined), {
      message: 'give a paymentId, or a batchId with an entryId',
    }),
  'suspense:apply': z
    .strictObject({
      paymentId: id,
      accountNo: accountNo.optional(),
      billNo: code.optional(),
      reasonCode: z.int().min(0).max(2_147_483_647).optional(),
    })
    .refine((v) => v.accountNo !== undefined || v.billNo !== undefined, {
      message: 'give the account or the bill number to apply to',
    }),
  'suspense:distribute': z.strictObject({
    paymentId: id,
    targets: z.array(distributionTarget).min(1).max(1000),
    reasonCode: z.int().min(0).max(2_147_483_647).optional(),
  }),
  'suspense:recycle': z.strictObject({
    paymentIds,
    reasonCode: z.int().min(0).max(2_147_483_647),
    amount: decimal.optional(),
    currency: currency.optional(),
  }),
  'suspense:remove': z.strictObject({ paymentId: id, reasonCode: z.int().min(0).max(2_147_483_647) }),
  'suspense:reverse': z.strictObject({ paymentId: id, reasonCode: z.int().min(0).max(2_147_483_647) }),
  'suspense:assign': z.strictObject({ paymentIds, owner: z.int().min(0).max(2_147_483_647).nullable() }),
  'suspense:note': z.strictObject({ paymentId: id, text: z.string().trim().min(1).max(2000) }),
  'suspense:change-reason': z.strictObject({ paymentIds, reasonCode: z.int().min(0).max(2_147_483_647) }),
  'suspense:export': z.strictObject({ paymentIds: z.array(id).min(1).max(100_000) }),
  'suspense:saved-searches': z.strictObject({}),
  'suspense:save-search': z.strictObject({
    name: z.string().trim().min(1).max(100),
    filters: z.strictObject(suspenseFilterShape),
  }),
  'suspense:delete-search': z.strictObject({ id }),
  'suspense:rename-search': z.strictObject({ id, name: z.string().trim().min(1).max(100) }),
} as const;

/** Name of every command, derived from the schema map. */
export type InputCommandName = keyof typeof commandInputs;
