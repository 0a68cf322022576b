import type { approvalCommands } from '../../src-shared/api/commands/approval';
import { confirmApproval, getApproval, listApprovals, rejectApproval } from '../services/approvals/approvals';
import { listPoliciesOf, savePolicy } from '../services/approvals/policies';
import type { ServiceContext } from '../services/context';
import type { Handlers } from './dispatch';

/** Handlers of the policy table and the approvals it creates. */
export function createApprovalHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof approvalCommands> {
  return {
    'policies:list': () => listPoliciesOf(ctx.storage),
    'policies:save': (input) => savePolicy(ctx.storage, input, ctx.clock(), ctx.operator.id),
    'approvals:list': (input) => listApprovals(ctx, input),
    'approvals:show': (input) => getApproval(ctx, input.approvalId),
    'approvals:confirm': (input) => confirmApproval(ctx, input),
    'approvals:reject': (input) => rejectApproval(ctx, input),
  };
}
