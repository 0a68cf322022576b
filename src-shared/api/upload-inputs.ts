import { z } from 'zod';
import { MAX_STREAMED_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES, uploadIdInput } from './uploads';

/** Inputs of the upload commands. */
export const uploadInputs = {
  'files:upload-start': z.strictObject({
    fileName: z.string().trim().min(1).max(255),
    size: z.int().min(0).max(MAX_STREAMED_UPLOAD_BYTES),
  }),
  'files:upload-chunk': z.strictObject({
    uploadId: uploadIdInput,
    offset: z.int().min(0).max(MAX_STREAMED_UPLOAD_BYTES),
    content: z.base64().max(Math.ceil(UPLOAD_CHUNK_BYTES / 3) * 4),
  }),
  'files:upload-finish': z.strictObject({ uploadId: uploadIdInput }),
  'files:upload-discard': z.strictObject({ uploadId: uploadIdInput }),
} as const;
