import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { appendAudit, type AuditEntry } from '../../db/repos/audit';
import type { Storage } from '../../db/storage/port';
import { writeAudit } from '../ledger/audit';
import { forbidden, invalidFields, type AppFailure } from '../ledger/errors';
import { currentDoor, type Door } from './identity/client';

/**
 * Files on this machine, read on behalf of a command. A path is a convenience of the command line (and of the
 * trusted in-process callers: tests, the job worker); the desktop window and the bridge send the bytes the user
 * chose in a file dialog instead, so no page can make the main process open /etc/shadow or another desk's files.
 */
const PATH_DOORS: ReadonlySet<Door> = new Set<Door>(['cli', 'in-process']);

/** Who asks for a file, for the audit rows. */
export type FileReader = { at: Date; operatorId: number | null };

/** True when the current front door may name a path on this machine. */
export function pathsAllowed(door: Door = currentDoor()): boolean {
  return PATH_DOORS.has(door);
}

/** A refused path: the audit row that records it and the error the caller gets. */
type PathRefusal = { entry: AuditEntry; error: AppFailure };

/** The refusal of an input that names paths (the given fields that are set) through a door that may not. */
function pathRefusal(
  who: FileReader,
  command: string,
  input: Record<string, unknown>,
  fields: readonly string[],
): PathRefusal | undefined {
  const named = fields.filter((f) => typeof input[f] === 'string');
  if (named.length === 0) return undefined;
  const door = currentDoor();
  if (pathsAllowed(door)) return undefined;
  return {
    entry: {
      at: who.at.toISOString(),
      operatorId: who.operatorId,
      action: 'forbidden',
      entity: 'file',
      entityId: command,
      after: { door, fields: named },
    },
    error: forbidden(
      `${command} may not name a file path from the ${door === 'ipc' ? 'desktop window' : door}: choose the file in the file dialog, which sends its content (${named.join(', ')})`,
    ),
  };
}

/**
 * Refuses a command input that names paths (the given fields that are set) unless the call came through the
 * command line or in-process; the refusal is audited and no file is touched. For the code still on the driver;
 * commands on the storage port use assertPathsAllowedVia.
 */
export function assertPathsAllowed(
  db: Database.Database,
  who: FileReader,
  command: string,
  input: Record<string, unknown>,
  fields: readonly string[],
): void {
  const refusal = pathRefusal(who, command, input, fields);
  if (!refusal) return;
  writeAudit(db, refusal.entry);
  throw refusal.error;
}

/**
 * assertPathsAllowed through the storage port. The refusal's audit row is committed in a transaction of its own
 * before the error is thrown: written in the command's transaction, the throw would roll it back.
 */
export async function assertPathsAllowedVia(
  storage: Storage,
  who: FileReader,
  command: string,
  input: Record<string, unknown>,
  fields: readonly string[],
): Promise<void> {
  const refusal = pathRefusal(who, command, input, fields);
  if (!refusal) return;
  await storage.transaction((tx) => appendAudit(tx, refusal.entry));
  throw refusal.error;
}

/** The audit row of a file read for a command: its path, size and SHA-256. */
function fileReadEntry(who: FileReader, command: string, path: string, bytes: Buffer): AuditEntry {
  return {
    at: who.at.toISOString(),
    operatorId: who.operatorId,
    action: 'file.read',
    entity: 'file',
    entityId: command,
    after: { path, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
  };
}

/** A file's bytes, refused over maxBytes before reading. Errors are the file system's own. */
function readAtMost(path: string, maxBytes: number): Buffer {
  const size = statSync(path).size;
  if (size > maxBytes) throw new Error(`the file is ${size} bytes; at most ${maxBytes} are accepted`);
  return readFileSync(path);
}

/** readAtMost for a command: a missing, unreadable or too large file is a validation error naming the path. */
function readNamedFile(path: string, maxBytes: number): Buffer {
  try {
    return readAtMost(path, maxBytes);
  } catch (err) {
    const reason = unreadableReason(err);
    throw invalidFields(`${path} cannot be read: ${reason}`, [{ path: 'file', message: reason }]);
  }
}

/**
 * Reads a file named by path for a command: only through the command line or in-process (else forbidden,
 * audited), refusing files over maxBytes before reading, and writing one `file.read` audit row with the path,
 * size and SHA-256 of what was read. A missing or unreadable file is a validation error that names the path
 * and the reason (never the content). For the code still on the driver; see readCommandFileVia.
 */
export function readCommandFile(
  db: Database.Database,
  who: FileReader,
  command: string,
  path: string,
  maxBytes: number,
): Buffer {
  assertPathsAllowed(db, who, command, { file: path }, ['file']);
  const bytes = readNamedFile(path, maxBytes);
  writeAudit(db, fileReadEntry(who, command, path, bytes));
  return bytes;
}

/**
 * readCommandFile through the storage port: the door is checked and the file read outside any transaction, and
 * its `file.read` row is committed on its own, before the command's transaction begins (a command that then
 * fails still leaves the record that the file was read, as on the driver).
 */
export async function readCommandFileVia(
  storage: Storage,
  who: FileReader,
  command: string,
  path: string,
  maxBytes: number,
): Promise<Buffer> {
  await assertPathsAllowedVia(storage, who, command, { file: path }, ['file']);
  const bytes = readNamedFile(path, maxBytes);
  const entry = fileReadEntry(who, command, path, bytes);
  await storage.transaction((tx) => appendAudit(tx, entry));
  return bytes;
}

/** Why a file could not be read, in words (from the error code; never from the file). */
export function unreadableReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'the file does not exist';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'the file cannot be read (permission denied)';
  if (e.code === 'EISDIR') return 'this is a folder, not a file';
  if (e.code) return `the file cannot be read (${e.code})`;
  return e.message;
}

/**
 * Reads a file and writes its `file.read` audit row (path, size, SHA-256); the caller has checked the front
 * door. Errors are the file system's own (the caller words them).
 */
export function readFileAudited(
  db: Database.Database,
  who: FileReader,
  command: string,
  path: string,
  maxBytes: number,
): Buffer {
  const bytes = readAtMost(path, maxBytes);
  writeAudit(db, fileReadEntry(who, command, path, bytes));
  return bytes;
}

/**
 * readFileAudited through the storage port: the file is read with no transaction open and its `file.read` row
 * committed on its own. Errors are the file system's own.
 */
export async function readFileAuditedVia(
  storage: Storage,
  who: FileReader,
  command: string,
  path: string,
  maxBytes: number,
): Promise<Buffer> {
  const bytes = readAtMost(path, maxBytes);
  const entry = fileReadEntry(who, command, path, bytes);
  await storage.transaction((tx) => appendAudit(tx, entry));
  return bytes;
}

/** The bytes of a file the user chose in a dialog (base64 in the input), refused when over maxBytes. */
export function uploadedBytes(
  content: string,
  fileName: string | undefined,
  maxBytes: number,
): { bytes: Buffer; name: string } {
  const name = basename(fileName ?? 'uploaded file');
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length > maxBytes)
    throw invalidFields(`${name} is too large`, [
      { path: 'content', message: `at most ${maxBytes} bytes are accepted` },
    ]);
  return { bytes, name };
}

/** Line and column (1-based) of a character offset in text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split(/\r\n|\r|\n/);
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

/**
 * Parses JSON text; a failure says where (line and column) and what kind of problem it is, but never quotes
 * the text: the engine's own message echoes the first bytes of the file, which may be anything.
 */
export function parseJsonText(
  text: string,
  what: string,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : '';
    if (body.trim() === '') return { ok: false, reason: `${what} is empty` };
    if (/end of JSON input/i.test(message))
      return { ok: false, reason: `${what} is not valid JSON: it ends too early` };
    const at = /position (\d+)/.exec(message);
    // Node 20's engine names no position for an unexpected token: find it by scanning.
    const offset = at ? Number(at[1]) : jsonErrorOffset(body);
    if (offset < 0) return { ok: false, reason: `${what} is not valid JSON` };
    const { line, column } = lineColumn(body, offset);
    return { ok: false, reason: `${what} is not valid JSON at line ${line}, column ${column}` };
  }
}

/** Where the JSON scan stopped. */
class JsonStop extends Error {
  constructor(readonly offset: number) {
    super(`not JSON at ${offset}`);
  }
}

/** The offset of the first character at which text stops being JSON (-1 if none is found). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] ?? '')) i++;
  };
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const literal = (word: string): void => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const str = (): void => {
    i++;
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i++;
        return;
      }
      if (ch < 0x20) fail();
      if (ch === 0x5c) {
        i++;
        const e = text[i] ?? '';
        if (e === 'u') {
          for (let k = 0; k < 4; k++) {
            i++;
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          }
        } else if (!'"\\/bfnrt'.includes(e) || e === '') fail();
      }
      i++;
    }
    fail();
  };
  const num = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail();
    i += m?.[0].length ?? 0;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (ch === '"') return str();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return num();
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (err) {
    if (err instanceof JsonStop) return err.offset;
    throw err;
  }
}

/**
 * Creates a folder and its missing parents one level at a time (owner-only by default). Node's recursive mkdir
 * spins forever on some paths (a folder under /proc), and a mistyped `--out` must fail a nightly job, not hang it;
 * here any failure is the plain error of the level that could not be made.
 */
export function makeFolder(dir: string, mode = 0o700): void {
  const missing: string[] = [];
  for (let at = resolve(dir); !existsSync(at); at = dirname(at)) {
    missing.unshift(at);
    if (dirname(at) === at) break;
  }
  for (const d of missing) mkdirSync(d, { mode });
}
