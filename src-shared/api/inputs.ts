import { z } from 'zod';

const accountNo = z.string().trim().min(1).max(64);
const isoDate = z.iso.date();
const filePath = z.string().min(1).max(4096);
const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const code = z.string().trim().min(1).max(64);
/** Money crosses the boundary as a decimal string; services parse it with the currency's exponent. */
const decimal = z
  .string()
  .trim()
  .regex(/^-?\d{1,15}(\.\d{1,6})?$/, 'a decimal amount such as 12.34');
const autoPolicy = z.enum(['standard', 'bill-number', 'fifo', 'proportional', 'largest']);

/** One zod schema per command; every front door parses with these before a service sees the input. */
export const commandInputs = {
  'app:info': z.strictObject({}),
  'demo:load': z.strictObject({
    accounts: z.int().min(1).max(1_000_000).default(1000),
    seed: z.int().min(0).max(2_147_483_647).default(1),
  }),
  'ar:import': z
    .strictObject({
      accountsFile: filePath.optional(),
      billUnitsFile: filePath.optional(),
      billsFile: filePath.optional(),
      itemsFile: filePath.optional(),
    })
    .refine((v) => v.accountsFile ?? v.billUnitsFile ?? v.billsFile ?? v.itemsFile, {
      message: 'give at least one of accountsFile, billUnitsFile, billsFile, itemsFile',
    }),
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
    bills: z
      .array(z.strictObject({ billNo: code, amount: decimal }))
      .max(10_000)
      .optional(),
    items: z
      .array(z.strictObject({ itemNo: code, amount: decimal }))
      .max(100_000)
      .optional(),
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
} as const;

/** Name of every command, derived from the schema map. */
export type InputCommandName = keyof typeof commandInputs;
