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
} from '../dto/processors';
import type { CommandRoles, Role } from './roles';

/** Processor connections, collection runs, recovery, payment methods and one-off payments. */
export const PROCESSOR_COMMANDS = [
  'processors:list',
  'processors:save',
  'processors:test',
  'collect:run',
  'collect:deposit',
  'collect:refund',
  'collect:runs',
  'collect:run-txns',
  'collect:workflow',
  'recovery:summary',
  'recovery:show',
  'recovery:resolve',
  'recovery:daily',
  'methods:list',
  'methods:add',
  'methods:set-default',
  'methods:validate',
  'methods:update',
  'methods:remove',
  'pay:prepare',
  'pay:confirm',
  'pay:cancel',
  'pay:pending',
  'pay:refund',
] as const;

/** A processor command name. */
export type ProcessorCommandName = (typeof PROCESSOR_COMMANDS)[number];

/** The output type of each processor command. */
export type ProcessorCommandOutputs = {
  'processors:list': ProcessorDto[];
  'processors:save': ProcessorDto;
  'processors:test': ProcessorTestDto;
  'collect:run': CollectRunDto;
  'collect:deposit': CollectRunDto;
  'collect:refund': CollectRunDto;
  'collect:runs': { rows: CollectRunDto[] };
  'collect:run-txns': ProcessorTxnPageDto;
  'collect:workflow': { rows: WorkflowItemDto[] };
  'recovery:summary': RecoverySummaryDto;
  'recovery:show': ProcessorTxnPageDto;
  'recovery:resolve': RecoveryResultDto;
  'recovery:daily': DailySummaryDto;
  'methods:list': PaymentMethodDto[];
  'methods:add': PaymentMethodDto;
  'methods:set-default': PaymentMethodDto;
  'methods:validate': PaymentMethodDto;
  'methods:update': PaymentMethodDto;
  'methods:remove': PaymentMethodDto;
  'pay:prepare': PendingPaymentDto;
  'pay:confirm': PendingPaymentDto;
  'pay:cancel': PendingPaymentDto;
  'pay:pending': { rows: PendingPaymentDto[] };
  'pay:refund': RefundResultDto;
};

const ANY = 'any' as const;
const DESK: readonly Role[] = ['clerk', 'analyst', 'supervisor', 'admin'];
const SUPERVISE: readonly Role[] = ['supervisor', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

/** Who may run each processor command (four-eyes on confirm is checked in the service). */
export const PROCESSOR_COMMAND_ROLES: Record<ProcessorCommandName, CommandRoles> = {
  'processors:list': ANY,
  'processors:save': ADMIN,
  'processors:test': ANY,
  'collect:run': SUPERVISE,
  'collect:deposit': SUPERVISE,
  'collect:refund': SUPERVISE,
  'collect:runs': ANY,
  'collect:run-txns': ANY,
  'collect:workflow': ANY,
  'recovery:summary': ANY,
  'recovery:show': ANY,
  'recovery:resolve': SUPERVISE,
  'recovery:daily': ANY,
  'methods:list': ANY,
  'methods:add': DESK,
  'methods:set-default': DESK,
  'methods:validate': DESK,
  'methods:update': DESK,
  'methods:remove': DESK,
  'pay:prepare': DESK,
  'pay:confirm': DESK,
  'pay:cancel': DESK,
  'pay:pending': ANY,
  'pay:refund': SUPERVISE,
};
