import type { returnsCommands } from '../../src-shared/api/commands/returns';
import type { ServiceContext } from '../services/context';
import { assertPathsAllowedVia } from '../services/files';
import { bouncePayment } from '../services/returns/bounce';
import { importReturns, previewReturns, readReturnsFile } from '../services/returns/import';
import { usingUploads, withUpload } from '../services/uploads';
import type { Handlers } from './dispatch';

/** Handlers of the returns commands: preview and import a returns file, record a bounced payment. */
export function createReturnsHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof returnsCommands> {
  const storage = ctx.storage;
  const who = () => ({ at: ctx.clock(), operatorId: ctx.operator.id });
  return {
    'returns:preview': async (input) => {
      await assertPathsAllowedVia(storage, who(), 'returns:preview', input, ['file']);
      // A preview leaves an upload in place: the import (of either kind) that follows uses it.
      const { parsed, source } = await readReturnsFile(
        storage,
        withUpload(ctx.uploads, input),
        who(),
        'returns:preview',
      );
      return previewReturns(storage, parsed, source);
    },
    'returns:import': async (input) => {
      await assertPathsAllowedVia(storage, who(), 'returns:import', input, ['file']);
      const src = withUpload(ctx.uploads, input);
      return usingUploads(ctx.uploads, [src.uploaded], async () => {
        const { parsed, source } = await readReturnsFile(storage, src, who(), 'returns:import');
        return importReturns(storage, parsed, source, ctx.clock(), ctx.operator.id);
      });
    },
    'returns:bounce': (input) => bouncePayment(storage, input, ctx.clock(), ctx.operator.id),
  };
}
