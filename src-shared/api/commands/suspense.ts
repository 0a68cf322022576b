import { z } from 'zod';
import type {
  SuspenseCandidatesDto,
  SuspenseDetailDto,
  SuspenseMoveDto,
  SuspenseSavedSearchDto,
  SuspenseSearchDto,
} from '../../dto/suspense';
import { ANY, SUSPENSE } from '../operator-roles';
import { defineCommand } from '../define';
import { SUSPENSE_SORTS } from '../../dto/suspense';
import { accountNo, currency, decimal, id, isoDate } from './fields';

const code = z.string().trim().min(1).max(64);
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
const suspenseSort = z.enum(SUSPENSE_SORTS);
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

/** Payment Center: searching suspended payments and moving them on. */
export const suspenseCommands = {
  'suspense:search': defineCommand({
    roles: ANY,
    input: z.strictObject({
      ...suspenseFilterShape,
      sortBy: suspenseSort.default('enteredOn'),
      sortDir: z.enum(['asc', 'desc']).default('asc'),
      limit: z.int().min(1).max(5000).default(100),
      offset: z.int().min(0).max(100_000_000).optional(),
      cursor: z.string().max(500).optional(),
      totals: z.boolean().default(true),
    }),
  }).output<SuspenseSearchDto>(),
  'suspense:show': defineCommand({
    roles: ANY,
    input: z.strictObject({ paymentId: id }),
  }).output<SuspenseDetailDto>(),
  'suspense:candidates': defineCommand({
    roles: ANY,
    input: z
      .strictObject({
        paymentId: id.optional(),
        batchId: id.optional(),
        entryId: id.optional(),
        limit: z.int().min(1).max(50).default(10),
      })
      .refine((v) => (v.paymentId !== undefined) !== (v.batchId !== undefined && v.entryId !== undefined), {
        message: 'give a paymentId, or a batchId with an entryId',
      }),
  }).output<SuspenseCandidatesDto>(),
  'suspense:apply': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z
      .strictObject({
        paymentId: id,
        accountNo: accountNo.optional(),
        billNo: code.optional(),
        reasonCode: z.int().min(0).max(2_147_483_647).optional(),
      })
      .refine((v) => v.accountNo !== undefined || v.billNo !== undefined, {
        message: 'give the account or the bill number to apply to',
      }),
  }).output<SuspenseMoveDto>(),
  'suspense:distribute': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z.strictObject({
      paymentId: id,
      targets: z.array(distributionTarget).min(1).max(1000),
      reasonCode: z.int().min(0).max(2_147_483_647).optional(),
    }),
  }).output<SuspenseMoveDto>(),
  'suspense:recycle': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z.strictObject({
      paymentIds,
      reasonCode: z.int().min(0).max(2_147_483_647),
      amount: decimal.optional(),
      currency: currency.optional(),
    }),
  }).output<SuspenseMoveDto>(),
  'suspense:remove': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z.strictObject({ paymentId: id, reasonCode: z.int().min(0).max(2_147_483_647) }),
  }).output<SuspenseMoveDto>(),
  'suspense:reverse': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z.strictObject({ paymentId: id, reasonCode: z.int().min(0).max(2_147_483_647) }),
  }).output<SuspenseMoveDto>(),
  'suspense:assign': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z.strictObject({ paymentIds, owner: z.int().min(0).max(2_147_483_647).nullable() }),
  }).output<SuspenseMoveDto>(),
  'suspense:note': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z.strictObject({ paymentId: id, text: z.string().trim().min(1).max(2000) }),
  }).output<SuspenseMoveDto>(),
  'suspense:change-reason': defineCommand({
    roles: SUSPENSE,
    changes: 'suspense',
    input: z.strictObject({ paymentIds, reasonCode: z.int().min(0).max(2_147_483_647) }),
  }).output<SuspenseMoveDto>(),
  'suspense:export': defineCommand({
    roles: ANY,
    input: z.strictObject({ paymentIds: z.array(id).min(1).max(100_000) }),
  }).output<{ csv: string; rows: number }>(),
  'suspense:saved-searches': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<SuspenseSavedSearchDto[]>(),
  'suspense:save-search': defineCommand({
    roles: ANY,
    input: z.strictObject({
      name: z.string().trim().min(1).max(100),
      filters: z.strictObject(suspenseFilterShape),
    }),
  }).output<SuspenseSavedSearchDto>(),
  'suspense:delete-search': defineCommand({
    roles: ANY,
    input: z.strictObject({ id }),
  }).output<{ deleted: number }>(),
  'suspense:rename-search': defineCommand({
    roles: ANY,
    input: z.strictObject({ id, name: z.string().trim().min(1).max(100) }),
  }).output<SuspenseSavedSearchDto>(),
};
