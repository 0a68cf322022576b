import { z } from 'zod';

/**
 * Largest file the desktop window may send in one command (64 MiB of bytes). The bridge refuses any request
 * body over 1 MiB before parsing, so through the bridge the limit is lower still.
 */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** The base64 length of MAX_UPLOAD_BYTES bytes. */
export const MAX_UPLOAD_BASE64 = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4;

/** A path on the main process's machine: accepted from the command line only (checked in the services). */
export const filePath = z.string().min(1).max(4096);

/**
 * A file the user chose in a file dialog, as bytes (base64) and the name it had: neither the browser over the
 * bridge nor a sandboxed Electron page may name a path the main process would open, so the bytes travel instead.
 */
export const uploadedFile = {
  content: z.base64().max(MAX_UPLOAD_BASE64).optional(),
  fileName: z.string().trim().min(1).max(255).optional(),
};

/** One uploaded file as its own object (for commands that take several files). */
export const upload = z.strictObject({
  content: z.base64().max(MAX_UPLOAD_BASE64),
  fileName: z.string().trim().min(1).max(255),
});

/** True when exactly one of a path and uploaded content is given. */
export const oneSource = (v: { file?: string | undefined; content?: string | undefined }): boolean =>
  (v.file === undefined) !== (v.content === undefined);

/** The refinement message for oneSource. */
export const oneSourceMessage = {
  message: 'give exactly one of file (a path, command line only) or content (the file, base64)',
  path: ['file'],
};
