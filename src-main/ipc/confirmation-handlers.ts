import type { confirmationCommands } from '../../src-shared/api/commands/confirmation';
import { commandInputs } from '../../src-shared/api/inputs';
import { invalidFields } from '../ledger/errors';
import { getConfirmation, prepareConfirmation } from '../services/confirmations/confirmations';
import type { ServiceContext } from '../services/context';
import { authorize } from '../services/operators';
import { zodIssues, type Handlers } from './dispatch';

/** Handlers of the prepare step shared by every command that sends money out. */
export function createConfirmationHandlers(
  ctx: ServiceContext,
): Pick<Handlers, keyof typeof confirmationCommands> {
  return {
    'confirmations:prepare': async (input) => {
      // A preview shows who would be charged: it needs the same role as the operation itself (audited).
      await authorize(ctx, input.operation);
      if ('confirmationId' in input.input)
        throw invalidFields('a preview takes the command input without a confirmationId', [
          { path: 'input.confirmationId', message: 'not allowed here' },
        ]);
      const parsed = commandInputs[input.operation].safeParse(input.input);
      if (!parsed.success) {
        const issues = zodIssues(parsed.error).map((i) => ({ ...i, path: `input.${i.path}` }));
        throw invalidFields(
          `invalid input for ${input.operation}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          issues,
        );
      }
      return prepareConfirmation(ctx.storage, input.operation, parsed.data, ctx.clock(), ctx.operator.id);
    },
    'confirmations:show': (input) => getConfirmation(ctx.storage, input.confirmationId),
  };
}
