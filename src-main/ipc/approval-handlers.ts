import type { ApprovalCommandName } from '../../src-shared/api/approval-contract';
import { confirmApproval, getApproval, listApprovals, rejectApproval } from '../services/approvals/approvals';
import { listPolicies, savePolicy } from '../services/approvals/policies';
import type { ServiceContext } from '../services/context';
import type { Handlers } from './dispatch';

/** Handlers of the policy table and the approvals it creates. */
export function createApprovalHandlers(ctx: ServiceContext): Pick<Handlers, ApprovalCommandName> {
  const db = ctx.ledger.sqlite;
  return {
    'policies:list': () => listPolicies(db),
    'policies:save': (input) => savePolicy(db, input, ctx.clock(), ctx.operator.id),
    'approvals:list': (input) => listApprovals(ctx, input),
    'approvals:show': (input) => getApproval(ctx, input.approvalId),
    'approvals:confirm': async (input) => {
      const out = await confirmApproval(ctx, input);
      ctx.emit('ledger:changed', { what: 'approval' });
      return out;
    },
    'approvals:reject': (input) => rejectApproval(ctx, input),
  };
}
