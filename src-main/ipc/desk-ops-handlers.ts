import type { ParsedInput } from '../../src-shared/api/contract';
import type { BatchSubmitDto } from '../../src-shared/dto/batches';
import { undoBatch, undoPreviewVia } from '../services/batches/undo';
import type { ServiceContext } from '../services/context';
import type { Handlers } from './dispatch';

/** Handlers of undoing a submitted batch; `submit` is the batch submit job the batches:submit handler runs. */
export function createDeskOpsHandlers(
  ctx: ServiceContext,
  submit: (input: ParsedInput<'batches:submit'>) => Promise<BatchSubmitDto>,
): Pick<Handlers, 'batches:undo-preview' | 'batches:undo'> {
  return {
    'batches:undo-preview': (input) => undoPreviewVia(ctx.storage, input.batchId, ctx.clock()),
    'batches:undo': (input) => undoBatch(ctx, input, submit),
  };
}
