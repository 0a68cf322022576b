import type { processorCommands } from '../../src-shared/api/commands/processor';
import { confirmationRequired } from '../services/confirmations/confirmations';
import type { ServiceContext } from '../services/context';
import { listRuns, workflowItems } from '../services/processors/collect';
import { listProcessors, saveProcessor, testProcessor } from '../services/processors/config';
import {
  addMethod,
  listMethods,
  removeMethod,
  setDefaultMethod,
  updateMethod,
  validateMethod,
} from '../services/processors/methods';
import { cancelPayment, confirmPayment, listPending, preparePayment } from '../services/processors/one-off';
import {
  dailySummary,
  recoveryShow,
  recoverySummary,
  resolveRecovery,
  runTxns,
} from '../services/processors/recovery';
import { refundTransaction } from '../services/processors/refunds';
import type { Handlers } from './dispatch';
import { runJob } from './handlers';

/** Handlers of the processor commands: connections, runs (in the job worker), recovery, one-off payments. */
export function createProcessorHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof processorCommands> {
  const file = ctx.ledger.file;
  return {
    'processors:list': () => listProcessors(ctx.storage),
    // 'processors' tells the window to narrow its frame-src to the new set of hosted-page origins.
    'processors:save': (input) => saveProcessor(ctx.storage, file, input, ctx.clock(), ctx.operator.id),
    'processors:test': (input) => testProcessor(ctx.storage, file, input.name, ctx.clock),
    // Runs send money: refused at once without a prepared confirmation; the job checks it against its selection.
    'collect:run': async (input) => {
      if (input.confirmationId === undefined) throw confirmationRequired('collect:run', 'sends money out');
      return runJob(ctx, 'collect', input);
    },
    'collect:deposit': async (input) => {
      if (input.confirmationId === undefined)
        throw confirmationRequired('collect:deposit', 'sends money out');
      return runJob(ctx, 'deposit', input);
    },
    'collect:refund': async (input) => {
      if (input.confirmationId === undefined) throw confirmationRequired('collect:refund', 'sends money out');
      return runJob(ctx, 'refund', input);
    },
    'collect:runs': async (input) => ({ rows: await listRuns(ctx.storage, input.limit) }),
    'collect:run-txns': (input) => runTxns(ctx.storage, input, ctx.clock()),
    'collect:workflow': async (input) => ({ rows: await workflowItems(ctx.storage, input) }),
    'recovery:summary': () => recoverySummary(ctx.storage),
    'recovery:show': (input) => recoveryShow(ctx.storage, input, ctx.clock()),
    'recovery:resolve': (input) => resolveRecovery(ctx.storage, file, input, ctx.clock(), ctx.operator.id),
    'recovery:daily': (input) => dailySummary(ctx.storage, input.date, ctx.clock()),
    'methods:list': (input) => listMethods(ctx.storage, input.accountNo),
    'methods:add': (input) => addMethod(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'methods:set-default': (input) =>
      setDefaultMethod(ctx.storage, input.methodId, ctx.clock(), ctx.operator.id),
    'methods:validate': (input) => validateMethod(ctx.storage, file, input, ctx.clock(), ctx.operator.id),
    'methods:update': (input) => updateMethod(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'methods:remove': (input) => removeMethod(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'pay:prepare': (input) => preparePayment(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'pay:confirm': (input) => confirmPayment(ctx.storage, file, input, ctx.clock(), ctx.operator),
    'pay:cancel': (input) => cancelPayment(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'pay:pending': (input) => listPending(ctx.storage, input, ctx.clock()),
    'pay:refund': (input) => refundTransaction(ctx.storage, file, input, ctx.clock(), ctx.operator.id),
  };
}
