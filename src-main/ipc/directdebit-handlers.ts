import type { directDebitCommands } from '../../src-shared/api/commands/directdebit';
import { confirmationRequired } from '../services/confirmations/confirmations';
import type { ServiceContext } from '../services/context';
import {
  cancelFile,
  fileText,
  listFiles,
  markSent,
  showFile,
  writeFileAgain,
} from '../services/directdebit/files';
import { defaultOutDir } from '../services/directdebit/run';
import { runJob } from './handlers';
import { assertPathsAllowedVia } from '../services/files';
import type { Handlers } from './dispatch';

/** Handlers of the direct-debit commands: runs (confirmed first), the file registry, sending and cancelling. */
export function createDirectDebitHandlers(
  ctx: ServiceContext,
): Pick<Handlers, keyof typeof directDebitCommands> {
  const file = ctx.ledger.file;
  const who = () => ({ at: ctx.clock(), operatorId: ctx.operator.id });
  return {
    // A run posts payments and writes files that move money: without a prepared confirmation it is refused
    // (a dry run needs none). It runs as a job (progress, cancel); the confirmation is checked inside it against
    // the selection the run is about to post.
    'dd:run': async (input) => {
      await assertPathsAllowedVia(ctx.storage, who(), 'dd:run', input, ['out']);
      if (!input.dryRun && input.confirmationId === undefined)
        throw confirmationRequired('dd:run', 'posts payments and writes bank files');
      return runJob(ctx, 'dd-run', input);
    },
    'dd:files': async (input) => ({ rows: await listFiles(ctx.storage, input) }),
    'dd:show-file': (input) => showFile(ctx.storage, input.id),
    'dd:file-text': (input) => fileText(ctx.storage, input.id),
    'dd:write-file': async (input) => {
      await assertPathsAllowedVia(ctx.storage, who(), 'dd:write-file', input, ['out']);
      return writeFileAgain(ctx.storage, input.id, input.out ?? defaultOutDir(file));
    },
    'dd:mark-sent': (input) => markSent(ctx.storage, input.id, ctx.clock(), ctx.operator.id),
    'dd:cancel-file': (input) =>
      cancelFile(ctx.storage, input.id, input.reason, ctx.clock(), ctx.operator.id),
  };
}
