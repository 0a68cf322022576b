import type { UploadOptions } from '../../../src-shared/api/contract';
import { UPLOAD_CHUNK_BYTES } from '../../../src-shared/api/uploads';
import type { UploadDto } from '../../../src-shared/dto/uploads';
import { ApiCallError, call } from './client';

/** Files up to this size travel inline as base64 `content` in the command itself (one round trip, no upload). */
export const INLINE_FILE_BYTES = 512 * 1024;

/** Thrown when the user cancelled an upload. */
export class UploadCancelled extends Error {
  constructor() {
    super('The upload was cancelled.');
    this.name = 'UploadCancelled';
  }
}

/** Reads a file or a slice of it as base64 (without the data: prefix). */
export function readBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onerror = () => reject(r.error ?? new Error('the file cannot be read'));
    r.onload = () => {
      const url = typeof r.result === 'string' ? r.result : '';
      resolve(url.slice(url.indexOf(',') + 1));
    };
    r.readAsDataURL(blob);
  });
}

/** Sends a file in chunks with the files:upload-* commands (the desktop window; works through any door). */
async function uploadInChunks(file: File, opts: UploadOptions): Promise<UploadDto> {
  const started = await call('files:upload-start', { fileName: file.name, size: file.size });
  const { uploadId } = started;
  try {
    opts.onProgress?.(0, file.size);
    for (let offset = 0; offset < file.size; offset += UPLOAD_CHUNK_BYTES) {
      if (opts.signal?.aborted) throw new UploadCancelled();
      const chunk = file.slice(offset, Math.min(file.size, offset + UPLOAD_CHUNK_BYTES));
      await call('files:upload-chunk', { uploadId, offset, content: await readBase64(chunk) });
      opts.onProgress?.(offset + chunk.size, file.size);
    }
    if (opts.signal?.aborted) throw new UploadCancelled();
    return await call('files:upload-finish', { uploadId });
  } catch (err) {
    // A half-sent upload is of no use: delete it now rather than when it expires.
    void call('files:upload-discard', { uploadId }).catch(() => undefined);
    throw err;
  }
}

/**
 * Sends a file the user chose to the main process as an upload and returns its id: streamed in one request
 * where the page runs on the bridge (window.api.upload), else in chunks over IPC. Progress reports bytes sent
 * of the total; the signal cancels (UploadCancelled), and nothing of a cancelled upload is kept.
 */
export async function uploadFile(file: File, opts: UploadOptions = {}): Promise<UploadDto> {
  const api = window.api;
  if (!api?.upload) return uploadInChunks(file, opts);
  const result = await api.upload(file, file.name, opts);
  if (result.ok) return result.value;
  if (opts.signal?.aborted) throw new UploadCancelled();
  throw new ApiCallError('files:upload-start', result.error);
}
