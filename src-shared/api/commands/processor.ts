import type {
  CollectRunDto,
  DailySummaryDto,
  PaymentMethodDto,
  PendingPaymentDto,
  ProcessorDto,
  ProcessorTestDto,
  ProcessorTxnPageDto,
  RecoveryResultDto,
  RecoverySummaryDto,
  RefundResultDto,
  WorkflowItemDto,
} from '../../dto/processors';
import { ADMIN, ANY, DESK, SUPERVISOR } from '../operator-roles';
import { z } from 'zod';
import { unsignedAmountInput } from '../amount';
import { confirmationIdInput } from './confirmation';
import { defineCommand } from '../define';
import { accountNo, currency, id, isoDate } from './fields';

const name = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,32}$/, 'letters, digits, dot, underscore and dash');

const decimal = unsignedAmountInput;
const command = z.enum(['verify', 'auth', 'condition', 'deposit', 'refund']);
const token = z.string().regex(/^[TB]\d{11,30}$/, 'a processor token');

/**
 * Processor connections, collection runs, recovery, payment methods and one-off payments.
 *
 * Who may run each processor command (four-eyes on confirm is checked in the service).
 *
 * Inputs of the processor commands; card numbers and CVVs appear in none of them (V19).
 */
export const processorCommands = {
  'processors:list': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<ProcessorDto[]>(),
  'processors:save': defineCommand({
    roles: ADMIN,
    changes: 'processors',
    input: z.strictObject({
      name,
      url: z.string().trim().min(1).max(400),
      merchants: z.record(
        currency,
        z.strictObject({ merchant: name, mid: z.string().regex(/^\d{1,20}$/, 'digits') }),
      ),
      onlineTimeoutMs: z.int().min(100).max(3_600_000).optional(),
      batchTimeoutMs: z.int().min(100).max(3_600_000).optional(),
      connectRetries: z.int().min(0).max(10).optional(),
      heartbeatSec: z.int().min(10).max(3600).optional(),
      channelId: z.int().min(0).max(2_147_483_647).optional(),
      secret: z.string().min(1).max(200).optional(),
      isDefault: z.boolean().optional(),
    }),
  }).output<ProcessorDto>(),
  'processors:test': defineCommand({
    roles: ANY,
    input: z.strictObject({ name: name.optional() }),
  }).output<ProcessorTestDto>(),
  'collect:run': defineCommand({
    roles: SUPERVISOR,
    changes: 'collect',
    job: true,
    confirm: true,
    input: z.strictObject({
      processor: name.optional(),
      start: isoDate.optional(),
      end: isoDate.optional(),
      todayOnly: z.boolean().default(false),
      rebill: z.boolean().default(false),
      minimumAmount: decimal.optional(),
      concurrency: z.int().min(1).max(64).optional(),
      batchSize: z.int().min(1).max(10_000).optional(),
      /** The prepared confirmation (confirmations:prepare) this run sends exactly. */
      confirmationId: confirmationIdInput,
    }),
  }).output<CollectRunDto>(),
  'collect:deposit': defineCommand({
    roles: SUPERVISOR,
    changes: 'collect',
    job: true,
    confirm: true,
    input: z.strictObject({
      processor: name.optional(),
      start: isoDate.optional(),
      end: isoDate.optional(),
      confirmationId: confirmationIdInput,
    }),
  }).output<CollectRunDto>(),
  'collect:refund': defineCommand({
    roles: SUPERVISOR,
    changes: 'collect',
    job: true,
    confirm: true,
    input: z.strictObject({ processor: name.optional(), confirmationId: confirmationIdInput }),
  }).output<CollectRunDto>(),
  'collect:runs': defineCommand({
    roles: ANY,
    input: z.strictObject({ limit: z.int().min(1).max(500).default(50) }),
  }).output<{ rows: CollectRunDto[] }>(),
  'collect:run-txns': defineCommand({
    roles: ANY,
    input: z.strictObject({
      runId: id,
      result: z.int().min(0).max(2017).optional(),
      limit: z.int().min(1).max(5000).default(200),
      offset: z.int().min(0).default(0),
    }),
  }).output<ProcessorTxnPageDto>(),
  'collect:workflow': defineCommand({
    roles: ANY,
    input: z.strictObject({
      status: z.enum(['open', 'done', 'all']).default('open'),
      limit: z.int().min(1).max(5000).default(200),
    }),
  }).output<{ rows: WorkflowItemDto[] }>(),
  'recovery:summary': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<RecoverySummaryDto>(),
  'recovery:show': defineCommand({
    roles: ANY,
    input: z.strictObject({
      state: z.enum(['open', 'unposted', 'unresolved']).default('unresolved'),
      command: command.optional(),
      limit: z.int().min(1).max(5000).default(200),
      offset: z.int().min(0).default(0),
    }),
  }).output<ProcessorTxnPageDto>(),
  'recovery:resolve': defineCommand({
    roles: SUPERVISOR,
    changes: 'recovery',
    input: z.strictObject({
      action: z.enum(['rfr', 'resubmit', 'recover-payment', 'delete']),
      txnIds: z.array(id).max(100_000).optional(),
      batchKey: z.string().trim().min(1).max(120).optional(),
      command: command.optional(),
    }),
  }).output<RecoveryResultDto>(),
  'recovery:daily': defineCommand({
    roles: ANY,
    input: z.strictObject({ date: isoDate.optional() }),
  }).output<DailySummaryDto>(),
  'methods:list': defineCommand({
    roles: ANY,
    input: z.strictObject({ accountNo }),
  }).output<PaymentMethodDto[]>(),
  'methods:add': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      accountNo,
      type: z.enum(['card', 'bank', 'wallet']),
      token: token.optional(),
      brand: z.enum(['VI', 'MC', 'AX', 'DI', 'SW', 'XX']).optional(),
      expiry: z.string().max(5).optional(),
      holder: z.string().trim().max(120).optional(),
      zip: z.string().trim().max(16).optional(),
      routingNo: z.string().trim().max(9).optional(),
      bankAccountNo: z.string().trim().max(17).optional(),
      walletId: z.string().trim().max(120).optional(),
      isDefault: z.boolean().default(false),
      processor: name.optional(),
    }),
  }).output<PaymentMethodDto>(),
  'methods:set-default': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({ methodId: id }),
  }).output<PaymentMethodDto>(),
  'methods:validate': defineCommand({
    roles: DESK,
    input: z.strictObject({
      methodId: id,
      cvv: z
        .string()
        .regex(/^\d{3}$/, 'three digits')
        .optional(),
      processor: name.optional(),
    }),
  }).output<PaymentMethodDto>(),
  'methods:update': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      methodId: id,
      expiry: z.string().max(5).nullable().optional(),
      holder: z.string().trim().max(120).nullable().optional(),
      zip: z.string().trim().max(16).nullable().optional(),
      brand: z.enum(['VI', 'MC', 'AX', 'DI', 'SW', 'XX']).nullable().optional(),
    }),
  }).output<PaymentMethodDto>(),
  'methods:remove': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({ methodId: id, reason: z.string().trim().min(1).max(200) }),
  }).output<PaymentMethodDto>(),
  'pay:prepare': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({
      accountNo,
      amount: decimal,
      currency: currency.optional(),
      methodId: id.optional(),
      card: z.strictObject({ token, brand: z.string().max(4).optional() }).optional(),
      description: z.string().trim().max(200).optional(),
    }),
  }).output<PendingPaymentDto>(),
  'pay:confirm': defineCommand({
    roles: DESK,
    changes: 'payment',
    input: z.strictObject({
      pendingId: id,
      processor: name.optional(),
      /** Authorize only: the payment posts now and the money moves with the next deposit run. */
      authorizeOnly: z.boolean().default(false),
    }),
  }).output<PendingPaymentDto>(),
  'pay:cancel': defineCommand({
    roles: DESK,
    writes: true,
    input: z.strictObject({ pendingId: id, reason: z.string().trim().min(1).max(200) }),
  }).output<PendingPaymentDto>(),
  'pay:pending': defineCommand({
    roles: ANY,
    writes: true,
    input: z.strictObject({
      all: z.boolean().default(false),
      limit: z.int().min(1).max(1000).default(200),
    }),
  }).output<{ rows: PendingPaymentDto[] }>(),
  'pay:refund': defineCommand({
    roles: SUPERVISOR,
    changes: 'payment',
    input: z.strictObject({
      txnId: id,
      amount: decimal.optional(),
      reasonCode: z.int().min(1).max(2_147_483_647),
    }),
  }).output<RefundResultDto>(),
};
