import type { AppError, FieldIssue, FileIssue } from '../../src-shared/api/result';
import { isSqliteBusy } from '../../db/write-lock';

/** A known, user-facing failure thrown inside services and turned into a Result at the front door. */
export class AppFailure extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'AppFailure';
  }
}

/** A missing entity. */
export function notFound(entity: string, key: string): AppFailure {
  return new AppFailure({ code: 'not_found', message: `${entity} ${key} not found`, entity, key });
}

/** A forbidden move by a business rule. */
export function conflict(rule: string, message: string): AppFailure {
  return new AppFailure({ code: 'conflict', message, rule });
}

/** Bad input fields. */
export function invalidFields(message: string, issues: FieldIssue[]): AppFailure {
  return new AppFailure({ code: 'validation', message, issues });
}

/** Bad rows in files: nothing was changed. */
export function invalidFileRows(message: string, fileIssues: FileIssue[]): AppFailure {
  return new AppFailure({ code: 'validation', message, fileIssues });
}

/** A role violation. */
export function forbidden(message: string, role?: string): AppFailure {
  return new AppFailure(role ? { code: 'forbidden', message, role } : { code: 'forbidden', message });
}

/** Why a caller is not let in (no sign-in, a missing second factor, a locked session or operator, ...). */
export type UnauthenticatedReason = NonNullable<Extract<AppError, { code: 'unauthenticated' }>['reason']>;

/** The caller has not proven who they are, or the operator may not act now. */
export function unauthenticated(reason: UnauthenticatedReason, message: string): AppFailure {
  return new AppFailure({ code: 'unauthenticated', message, reason });
}

/** A long job stopped on request (progress bar Cancel, Ctrl+C); what it wrote was rolled back. */
export function cancelled(message: string, job?: { jobId: string; kind: string }): AppFailure {
  return new AppFailure(job ? { code: 'cancelled', message, ...job } : { code: 'cancelled', message });
}

/** True when the thrown value is the cancelled failure of a job. */
export function isCancelled(err: unknown): err is AppFailure {
  return err instanceof AppFailure && err.error.code === 'cancelled';
}

/**
 * The ledger stayed taken by other writers longer than a writer waits: on SQLite the file's write lock (a job,
 * another process), on PostgreSQL a serializable transaction that lost to concurrent commits (or a deadlock) on
 * every one of its retries. Either way it was rolled back whole, so the same call may simply be tried again. Null
 * for any other error.
 */
export function ledgerBusy(err: unknown): AppError | null {
  return isSqliteBusy(err) || lostToOtherWriters(err) ? LEDGER_BUSY : null;
}

/** PostgreSQL's serialization failure and deadlock (the adapter retries them; this one outlasted its retries). */
const LOST_TO_OTHER_WRITERS = new Set(['40001', '40P01']);

function lostToOtherWriters(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.cause?.code ?? e?.code;
  return typeof code === 'string' && LOST_TO_OTHER_WRITERS.has(code);
}

/** The answer when the ledger stayed locked by another writer for as long as a command waits. */
export const LEDGER_BUSY: AppError = Object.freeze({
  code: 'conflict',
  rule: 'ledger-busy',
  message:
    'the ledger is busy with other work (a running job, other writers); nothing was changed: try again in a moment',
});
