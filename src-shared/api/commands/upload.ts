import type { UploadDto } from '../../dto/uploads';
import { z } from 'zod';
import { MAX_STREAMED_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES, uploadIdInput } from '../uploads';
import { defineCommand } from '../define';

/**
 * Uploads in chunks: how the desktop window sends a large file without one huge IPC message (the bridge
 * streams a raw body to POST /__upload instead, but these work through every front door).
 *
 * Any signed-in operator may upload; what the file may be used for is checked by the command that uses it.
 *
 * Inputs of the upload commands.
 */
export const uploadCommands = {
  'files:upload-start': defineCommand({
    roles: 'any',
    input: z.strictObject({
      fileName: z.string().trim().min(1).max(255),
      size: z.int().min(0).max(MAX_STREAMED_UPLOAD_BYTES),
    }),
  }).output<UploadDto>(),
  'files:upload-chunk': defineCommand({
    roles: 'any',
    input: z.strictObject({
      uploadId: uploadIdInput,
      offset: z.int().min(0).max(MAX_STREAMED_UPLOAD_BYTES),
      content: z.base64().max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4),
    }),
  }).output<UploadDto>(),
  'files:upload-finish': defineCommand({
    roles: 'any',
    input: z.strictObject({ uploadId: uploadIdInput }),
  }).output<UploadDto>(),
  'files:upload-discard': defineCommand({
    roles: 'any',
    input: z.strictObject({ uploadId: uploadIdInput }),
  }).output<{ discarded: boolean }>(),
};
