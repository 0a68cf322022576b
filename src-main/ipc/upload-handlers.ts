import type { uploadCommands } from '../../src-shared/api/commands/upload';
import type { ServiceContext } from '../services/context';
import { uploadOwner } from '../services/uploads';
import type { Handlers } from './dispatch';

/** The chunked upload commands: each acts on the calling client's own uploads only. */
export function createUploadHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof uploadCommands> {
  return {
    'files:upload-start': (input) => ctx.uploads.begin(uploadOwner(), input.fileName, input.size),
    'files:upload-chunk': (input) =>
      ctx.uploads.append(uploadOwner(), input.uploadId, input.offset, Buffer.from(input.content, 'base64')),
    'files:upload-finish': (input) => ctx.uploads.finish(uploadOwner(), input.uploadId),
    'files:upload-discard': (input) => ({ discarded: ctx.uploads.discard(uploadOwner(), input.uploadId) }),
  };
}
