import { createHash, randomBytes, type Hash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  createWriteStream,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import { appendAudit, type AuditEntry } from '../../db/repos/audit';
import type { Storage } from '../../db/storage/port';
import { MAX_STREAMED_UPLOAD_BYTES, UPLOAD_CHUNK_BYTES } from '../../src-shared/api/uploads';
import type { UploadDto } from '../../src-shared/dto/uploads';
import { writeAudit } from '../ledger/audit';
import { conflict, invalidFields, notFound } from '../ledger/errors';
import { readCommandFileVia, uploadedBytes, type FileReader } from './files';
import { currentClient } from './identity/client';

/**
 * Files the user chose, received by the main process as a stream (bridge: POST /__upload) or in chunks (desktop:
 * files:upload-* commands) into a folder of their own, never held whole in memory. Each upload belongs to the
 * client that sent it: commands name it by `uploadId`, and another client's id is not found. Uploads are deleted
 * after the command that used them succeeded, when their client's session ends, when unused for a while, and
 * when the process that received them is gone (the next start sweeps them).
 */

/** An upload resolved for the calling client: where its bytes are and the name the user's file had. */
export type ResolvedUpload = { id: string; path: string; name: string; bytes: number; sha256: string };

/** How to open an upload store. */
export type UploadStoreOptions = {
  /** The folder that holds every process's upload folder (default: `uploads` beside the ledger). */
  root: string;
  /** Largest upload accepted (bytes), enforced while receiving. */
  maxBytes?: number;
  /** An upload unused this long is deleted (default one hour). */
  idleMs?: number;
  /** Live uploads per client; a new one past this deletes that client's oldest (default 4). */
  perClient?: number;
  nowMs?: () => number;
};

/** The uploads of one process. */
export type UploadStore = {
  /** The largest upload accepted, in bytes. */
  maxBytes: number;
  /** Streams a body into a new upload of the client; rejects with UploadTooLarge past maxBytes (nothing kept). */
  receive: (clientId: string, body: Readable, fileName: string) => Promise<UploadDto>;
  /** Starts an upload sent in chunks (desktop IPC); `size` is what the client says it will send. */
  begin: (clientId: string, fileName: string, size: number) => UploadDto;
  /** Appends one chunk at `offset` (which must be where the previous one ended). */
  append: (clientId: string, uploadId: string, offset: number, bytes: Buffer) => UploadDto;
  /** Ends a chunked upload: its size must be the one announced; the upload can then be used. */
  finish: (clientId: string, uploadId: string) => UploadDto;
  /** The client's finished upload, for a command; not_found for another client's id or an expired one. */
  resolve: (clientId: string, uploadId: string) => ResolvedUpload;
  /** Deletes an upload of the client (after use, or when the user cancels); false when there was none. */
  discard: (clientId: string, uploadId: string) => boolean;
  /** Deletes every upload of a client (its session ended). */
  discardClient: (clientId: string) => void;
  /** How many uploads are live (tests). */
  count: () => number;
  /** Deletes everything this process received. */
  close: () => void;
};

/** An upload over the size limit: nothing of it is kept. */
export class UploadTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the file is larger than ${maxBytes} bytes`);
    this.name = 'UploadTooLarge';
  }
}

type Entry = {
  id: string;
  clientId: string;
  path: string;
  name: string;
  bytes: number;
  /** Announced size of a chunked upload; undefined for a streamed one. */
  expected?: number;
  hash?: Hash;
  sha256: string;
  done: boolean;
  lastUsedMs: number;
};

const DEFAULT_IDLE_MS = 60 * 60_000;
const DEFAULT_PER_CLIENT = 4;
const ID_PATTERN = /^up_[0-9a-f]{32}$/;

/** The folder that holds uploads for a ledger file (beside it, in the app's data folder). */
export function uploadsRootFor(ledgerFile: string): string {
  return ledgerFile === ':memory:' ? join(tmpdir(), 'paydesk-uploads') : join(ledgerFile, '..', 'uploads');
}

/** True when a process with this id is running (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes the upload folders of processes that are gone (a crash or kill left them behind). */
function sweepDeadProcesses(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^p(\d+)-[0-9a-f]+$/.exec(name)?.[1];
    if (pid !== undefined && alive(Number(pid))) continue;
    rmSync(join(root, name), { recursive: true, force: true });
  }
}

/** A safe display name for the user's file (base name, no control characters, at most 255 characters). */
function displayName(fileName: string): string {
  const name = [...basename(fileName.replace(/\\/g, '/'))]
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f)
    .join('')
    .trim();
  return (name || 'uploaded file').slice(0, 255);
}

/**
 * Opens the upload store of this process: its own folder under `root` (created on first upload), after
 * deleting what processes that are gone left there.
 */
export function createUploadStore(opts: UploadStoreOptions): UploadStore {
  const maxBytes = opts.maxBytes ?? MAX_STREAMED_UPLOAD_BYTES;
  const idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
  const perClient = opts.perClient ?? DEFAULT_PER_CLIENT;
  const nowMs = opts.nowMs ?? (() => Date.now());
  const dir = join(opts.root, `p${process.pid}-${randomBytes(4).toString('hex')}`);
  const entries = new Map<string, Entry>();
  sweepDeadProcesses(opts.root);

  const remove = (e: Entry): void => {
    entries.delete(e.id);
    rmSync(e.path, { force: true });
  };

  const sweep = (): void => {
    const now = nowMs();
    for (const e of [...entries.values()]) if (now - e.lastUsedMs > idleMs) remove(e);
  };
  // Expired uploads go even when nobody calls: a timer that never keeps the process alive.
  const timer = setInterval(sweep, Math.min(idleMs, 5 * 60_000));
  timer.unref();

  /** A new, empty upload file of the client (its oldest goes when it holds too many). */
  const create = (clientId: string, fileName: string): Entry => {
    sweep();
    const mine = [...entries.values()].filter((e) => e.clientId === clientId);
    mine.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    while (mine.length >= perClient) remove(mine.shift()!);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const id = `up_${randomBytes(16).toString('hex')}`;
    const path = join(dir, id);
    closeSync(openSync(path, 'wx', 0o600));
    const entry: Entry = {
      id,
      clientId,
      path,
      name: displayName(fileName),
      bytes: 0,
      sha256: '',
      done: false,
      lastUsedMs: nowMs(),
    };
    entries.set(id, entry);
    return entry;
  };

  const dto = (e: Entry): UploadDto => ({
    uploadId: e.id,
    fileName: e.name,
    bytes: e.bytes,
    sha256: e.sha256,
  });

  /** The client's own entry, or not_found (another client's id looks exactly like a missing one). */
  const own = (clientId: string, uploadId: string): Entry => {
    sweep();
    const e = ID_PATTERN.test(uploadId) ? entries.get(uploadId) : undefined;
    if (!e || e.clientId !== clientId) throw notFound('upload', uploadId);
    e.lastUsedMs = nowMs();
    return e;
  };

  const receive = (clientId: string, body: Readable, fileName: string): Promise<UploadDto> => {
    const entry = create(clientId, fileName);
    const hash = createHash('sha256');
    const out = createWriteStream(entry.path, { flags: 'w', mode: 0o600 });
    return new Promise<UploadDto>((resolveUpload, reject) => {
      let failed = false;
      const fail = (err: Error): void => {
        if (failed) return;
        failed = true;
        body.unpipe(out);
        entries.delete(entry.id);
        // The file is opened asynchronously: one refused before its open completes would be created after a removal
        // made now. It is removed once the stream has closed, and the refusal answered then (nothing kept).
        const removed = (): void => {
          remove(entry);
          reject(err);
        };
        if (out.closed) removed();
        else {
          out.once('close', removed);
          out.destroy();
        }
      };
      body.on('data', (chunk: Buffer) => {
        if (failed) return;
        entry.bytes += chunk.length;
        if (entry.bytes > maxBytes) {
          fail(new UploadTooLarge(maxBytes));
          return;
        }
        hash.update(chunk);
      });
      body.on('error', fail);
      body.on('aborted', () => fail(new Error('the upload was interrupted')));
      // A body closed before its end (the page cancelled, the connection dropped) leaves nothing behind.
      body.on('close', () => {
        if (!body.readableEnded) fail(new Error('the upload was interrupted'));
      });
      out.on('error', fail);
      out.on('finish', () => {
        if (failed) return;
        entry.sha256 = hash.digest('hex');
        entry.done = true;
        entry.lastUsedMs = nowMs();
        resolveUpload(dto(entry));
      });
      // pipe() applies back-pressure: the socket is read only as fast as the disk takes it.
      body.pipe(out);
    });
  };

  const begin = (clientId: string, fileName: string, size: number): UploadDto => {
    if (size > maxBytes) throw tooLarge(maxBytes);
    const entry = create(clientId, fileName);
    entry.expected = size;
    entry.hash = createHash('sha256');
    return dto(entry);
  };

  const append = (clientId: string, uploadId: string, offset: number, bytes: Buffer): UploadDto => {
    const e = own(clientId, uploadId);
    if (e.done || !e.hash) throw conflict('upload-finished', `upload ${uploadId} is already complete`);
    if (offset !== e.bytes)
      throw conflict(
        'upload-offset',
        `upload ${uploadId} has ${e.bytes} bytes; a chunk at ${offset} does not follow`,
      );
    if (bytes.length > UPLOAD_CHUNK_BYTES || e.bytes + bytes.length > (e.expected ?? maxBytes)) {
      remove(e);
      throw tooLarge(e.expected ?? maxBytes);
    }
    appendFileSync(e.path, bytes);
    e.hash.update(bytes);
    e.bytes += bytes.length;
    return dto(e);
  };

  const finish = (clientId: string, uploadId: string): UploadDto => {
    const e = own(clientId, uploadId);
    if (e.done) return dto(e);
    if (!e.hash || e.bytes !== e.expected)
      throw conflict('upload-incomplete', `upload ${uploadId} has ${e.bytes} of ${e.expected ?? 0} bytes`);
    e.sha256 = e.hash.digest('hex');
    e.done = true;
    delete e.hash;
    return dto(e);
  };

  const resolve = (clientId: string, uploadId: string): ResolvedUpload => {
    const e = own(clientId, uploadId);
    if (!e.done) throw conflict('upload-incomplete', `upload ${uploadId} is not complete yet`);
    return { id: e.id, path: e.path, name: e.name, bytes: e.bytes, sha256: e.sha256 };
  };

  const discard = (clientId: string, uploadId: string): boolean => {
    const e = entries.get(uploadId);
    if (!e || e.clientId !== clientId) return false;
    remove(e);
    return true;
  };

  return {
    maxBytes,
    receive,
    begin,
    append,
    finish,
    resolve,
    discard,
    discardClient: (clientId) => {
      for (const e of [...entries.values()]) if (e.clientId === clientId) remove(e);
    },
    count: () => {
      sweep();
      return entries.size;
    },
    close: () => {
      clearInterval(timer);
      entries.clear();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function tooLarge(maxBytes: number) {
  return invalidFields(`the file is too large`, [
    { path: 'size', message: `at most ${maxBytes} bytes are accepted` },
  ]);
}

/** An upload's bytes, refused over maxBytes, and the `file.read` audit row of reading them. */
function uploadRead(
  who: FileReader,
  command: string,
  upload: ResolvedUpload,
  maxBytes: number,
): { bytes: Buffer; entry: AuditEntry } {
  const size = statSync(upload.path).size;
  if (size > maxBytes)
    throw invalidFields(`${upload.name} is too large`, [
      { path: 'uploadId', message: `at most ${maxBytes} bytes are accepted` },
    ]);
  const bytes = readFileSync(upload.path);
  return {
    bytes,
    entry: {
      at: who.at.toISOString(),
      operatorId: who.operatorId,
      action: 'file.read',
      entity: 'file',
      entityId: command,
      after: { upload: upload.id, fileName: upload.name, size: bytes.length, sha256: upload.sha256 },
    },
  };
}

/**
 * Reads an upload resolved for the calling client, refusing it when over maxBytes, and writes the same
 * `file.read` audit row a path read writes (the upload's id and the user's file name instead of a path).
 * For the code still on the driver; see readUploadVia.
 */
export function readUpload(
  db: Database.Database,
  who: FileReader,
  command: string,
  upload: ResolvedUpload,
  maxBytes: number,
): { bytes: Buffer; name: string } {
  const { bytes, entry } = uploadRead(who, command, upload, maxBytes);
  writeAudit(db, entry);
  return { bytes, name: upload.name };
}

/**
 * readUpload through the storage port: the upload is read outside any transaction and its `file.read` row
 * committed on its own, before the command's transaction begins.
 */
export async function readUploadVia(
  storage: Storage,
  who: FileReader,
  command: string,
  upload: ResolvedUpload,
  maxBytes: number,
): Promise<{ bytes: Buffer; name: string }> {
  const { bytes, entry } = uploadRead(who, command, upload, maxBytes);
  await storage.transaction((tx) => appendAudit(tx, entry));
  return { bytes, name: upload.name };
}

/** Where a command's file comes from: the bytes the user chose (base64), their upload, or a path. */
export type CommandFileSource = {
  file?: string | undefined;
  content?: string | undefined;
  fileName?: string | undefined;
  uploaded?: ResolvedUpload | undefined;
};

/**
 * The bytes of a command's file through the storage port: content sent in the input as it is, an upload or a
 * path (command line and in-process only) read and audited. Refusals are the driver forms' own.
 */
export async function commandFileVia(
  storage: Storage,
  who: FileReader,
  command: string,
  src: CommandFileSource,
  maxBytes: number,
): Promise<{ bytes: Buffer; name: string }> {
  if (src.content !== undefined) return uploadedBytes(src.content, src.fileName, maxBytes);
  if (src.uploaded !== undefined) return readUploadVia(storage, who, command, src.uploaded, maxBytes);
  const file = src.file ?? '';
  return { bytes: await readCommandFileVia(storage, who, command, file, maxBytes), name: file };
}

/** The owner of uploads sent in the current call: its client (the in-process caller outside any dispatch). */
export function uploadOwner(): string {
  return currentClient()?.id ?? 'in-process';
}

/**
 * A command input with its `uploadId` (if any) resolved to the calling client's upload: the services then read
 * `uploaded` like a path they may open. Another client's id, an expired or unknown one is not_found.
 */
export function withUpload<T extends { uploadId?: string | undefined }>(
  store: UploadStore,
  input: T,
): Omit<T, 'uploadId'> & { uploaded?: ResolvedUpload } {
  const { uploadId, ...rest } = input;
  return uploadId === undefined ? rest : { ...rest, uploaded: store.resolve(uploadOwner(), uploadId) };
}

/** Runs a command that used uploads, then deletes them: a used upload is not kept (a failed command keeps it). */
export async function usingUploads<T>(
  store: UploadStore,
  uploads: readonly (ResolvedUpload | undefined)[],
  run: () => T | Promise<T>,
): Promise<T> {
  const out = await run();
  for (const u of uploads) if (u) store.discard(uploadOwner(), u.id);
  return out;
}
