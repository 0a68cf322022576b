/** Error codes every front door understands. */
export const ERROR_CODES = [
  'validation',
  'not_found',
  'conflict',
  'forbidden',
  'unauthenticated',
  'approval_required',
  'cancelled',
  'processor_declined',
  'processor_unavailable',
  'internal',
] as const;

/** One of the error codes above. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one input field (path is dotted, e.g. "accounts.0.name"). */
export type FieldIssue = { path: string; message: string };

/** A problem at a position in a file. */
export type FileIssue = { file: string; line: number; column: string; reason: string };

/** The error union that crosses every boundary as plain JSON. */
export type AppError =
  | { code: 'validation'; message: string; issues?: FieldIssue[]; fileIssues?: FileIssue[] }
  | { code: 'not_found'; message: string; entity?: string; key?: string }
  | { code: 'conflict'; message: string; rule?: string }
  | { code: 'forbidden'; message: string; role?: string }
  | {
      code: 'unauthenticated';
      message: string;
      /** What is missing: a sign-in, a second-factor code, an unlock; or why the operator is refused. */
      reason?: 'sign_in' | 'second_factor' | 'session_locked' | 'operator_locked' | 'inactive' | 'token';
    }
  | {
      code: 'approval_required';
      message: string;
      /** The stored, pending operation: confirm it with `approval confirm ID` (or approvals:confirm). */
      approvalId: number;
      requirement: 'second_factor' | 'four_eyes';
      /** Four eyes: the role the approving operator must hold. */
      role?: string;
    }
  | {
      code: 'cancelled';
      message: string;
      /** The job that was cancelled and its kind (batch-import, batch-validate, batch-submit, collect, ...). */
      jobId?: string;
      kind?: string;
    }
  | { code: 'processor_declined'; message: string; resultCode?: number }
  | { code: 'processor_unavailable'; message: string }
  | { code: 'internal'; message: string; correlationId: string };

/** The result of every command: value or error, never a thrown exception across a boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

/** Builds a success result. */
export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

/** Builds a failure result. */
export function fail<T = never>(error: AppError): Result<T> {
  return { ok: false, error };
}
