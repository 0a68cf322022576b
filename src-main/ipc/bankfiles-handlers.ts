import type { bankFilesCommands } from '../../src-shared/api/commands/bankfiles';
import { checkBankFile } from '../services/bankfiles/check';
import type { ServiceContext } from '../services/context';
import { withUpload } from '../services/uploads';
import type { Handlers } from './dispatch';

/** Handlers of the bank-file commands. */
export function createBankFileHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof bankFilesCommands> {
  return {
    // A check keeps the upload, like a preview: the import that follows may read it again.
    'bankfiles:check': (input) =>
      checkBankFile(ctx.storage, withUpload(ctx.uploads, input), {
        at: ctx.clock(),
        operatorId: ctx.operator.id,
      }),
  };
}
