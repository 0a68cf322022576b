import { z } from 'zod';

const accountNo = z.string().trim().min(1).max(64);
const isoDate = z.iso.date();
const filePath = z.string().min(1).max(4096);

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
} as const;

/** Name of every command, derived from the schema map. */
export type InputCommandName = keyof typeof commandInputs;
