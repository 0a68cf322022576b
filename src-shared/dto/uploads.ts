/** A file received by the main process (streamed over the bridge or sent in chunks over IPC), owned by its client. */
export type UploadDto = {
  /** Names the upload in commands that take a file (`uploadId` beside `file` and `content`). */
  uploadId: string;
  /** The name the user's file had (its base name only). */
  fileName: string;
  /** Bytes received. */
  bytes: number;
  /** SHA-256 of the bytes, hex. */
  sha256: string;
};
