import { z } from 'zod';

/**
 * Largest file the renderer may send inline in one command as base64 `content` (64 MiB of bytes). Bigger files
 * go as an upload (`uploadId`): streamed to the bridge (POST /__upload) or sent in chunks over IPC.
 */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** The base64 length of MAX_UPLOAD_BYTES bytes. */
export const MAX_UPLOAD_BASE64 = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4;

/** Largest file received as an upload (streamed or chunked): 512 MiB, enforced while the bytes arrive. */
export const MAX_STREAMED_UPLOAD_BYTES = 512 * 1024 * 1024;

/**
 * Largest chunk of a chunked upload (files:upload-chunk), in bytes: 512 KiB, whose base64 (699,052 characters)
 * keeps the command under the bridge's 1 MiB JSON body limit, so the chunked route works through every door.
 */
export const UPLOAD_CHUNK_BYTES = 512 * 1024;

/** The name of an upload received by the main process (see services/uploads.ts). */
export const uploadIdInput = z.string().regex(/^up_[0-9a-f]{32}$/, 'not an upload id');

/** A path on the main process's machine: accepted from the command line only (checked in the services). */
export const filePath = z.string().min(1).max(4096);

/**
 * A file the user chose in a file dialog: as bytes (base64 `content`) and the name it had, or as an upload the
 * calling client sent before (`uploadId`). Neither the browser over the bridge nor a sandboxed Electron page
 * may name a path the main process would open, so the bytes travel instead.
 */
export const uploadedFile = {
  content: z.base64().max(MAX_UPLOAD_BASE64).optional(),
  fileName: z.string().trim().min(1).max(255).optional(),
  uploadId: uploadIdInput.optional(),
};

/** One uploaded file as its own object (for commands that take several files): its bytes, or an upload id. */
export const upload = z.union([
  z.strictObject({
    content: z.base64().max(MAX_UPLOAD_BASE64),
    fileName: z.string().trim().min(1).max(255),
  }),
  z.strictObject({ uploadId: uploadIdInput }),
]);

/** True when exactly one of a path, uploaded content and an upload id is given. */
export const oneSource = (v: {
  file?: string | undefined;
  content?: string | undefined;
  uploadId?: string | undefined;
}): boolean => [v.file, v.content, v.uploadId].filter((x) => x !== undefined).length === 1;

/** The refinement message for oneSource. */
export const oneSourceMessage = {
  message:
    'give exactly one of file (a path, command line only), content (the file, base64) or uploadId (a file uploaded before)',
  path: ['file'],
};
