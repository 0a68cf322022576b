import { commandChannel } from '../../src-shared/api/contract';
import type { ServiceContext } from '../services/context';
import { billItems, paymentHistory, searchAccounts, showAccount } from '../services/accounts';
import { appInfo } from '../services/app-info';
import { importReceivables } from '../services/ar-import';
import { checkLedger } from '../services/ledger-check';
import type { Handlers } from './dispatch';
import {
  allocateAccountCredit,
  allocatePayment,
  allocationView,
  billPayments,
  paymentAllocations,
  undoAllocation,
} from '../services/allocation';
import { recordPayment } from '../services/record-payment';

/** Tells listeners the ledger changed, then passes the value through. */
function changed<T>(ctx: ServiceContext, value: T): T {
  ctx.emit('ledger:changed', { what: 'allocation' });
  return value;
}

/** The handler map: one entry per command, each a thin call into a service. */
export function createHandlers(ctx: ServiceContext): Handlers {
  const db = ctx.ledger.sqlite;
  return {
    'app:info': () => appInfo(ctx),
    'demo:load': async (input) => {
      const out = await ctx.jobs.run('demo', input, {
        now: ctx.clock(),
        operatorId: ctx.operator.id,
        onProgress: (p) => ctx.emit('job:progress', p),
      });
      ctx.emit('ledger:changed', { what: 'demo' });
      return out;
    },
    'ar:import': (input) => {
      const out = importReceivables(ctx.ledger, input, ctx.clock(), ctx.operator.id);
      ctx.emit('ledger:changed', { what: 'ar' });
      return out;
    },
    'accounts:search': (input) => searchAccounts(db, input),
    'accounts:show': (input) => showAccount(db, input.accountNo, ctx.clock()),
    'accounts:bill-items': (input) => billItems(db, input.billNo),
    'accounts:payment-history': (input) => paymentHistory(db, input),
    'ledger:check': (input) => checkLedger(db, input.maxViolations),
    'allocation:view': (input) => allocationView(db, input),
    'allocation:apply': (input) => changed(ctx, allocatePayment(db, input, ctx.clock(), ctx.operator.id)),
    'allocation:undo': (input) => changed(ctx, undoAllocation(db, input, ctx.clock(), ctx.operator.id)),
    'allocation:account-credit': (input) =>
      changed(ctx, allocateAccountCredit(db, input, ctx.clock(), ctx.operator.id)),
    'payments:allocations': (input) => paymentAllocations(db, input.paymentId),
    'bills:payments': (input) => billPayments(db, input.billNo),
    'payments:record': (input) => changed(ctx, recordPayment(db, input, ctx.clock(), ctx.operator.id)),
  };
}

/** Re-exported so main and preload agree on channel names. */
export { commandChannel };
