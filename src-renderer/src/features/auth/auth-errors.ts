import { ApiCallError, errorMessage, unauthenticatedReason } from '../../api/client';
import { chosenLocale } from '../../components/locale';

/** The field problems of a validation failure, by field path. */
export function fieldProblems(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (err instanceof ApiCallError && err.error.code === 'validation')
    for (const issue of err.error.issues ?? []) out[issue.path] ??= issue.message;
  return out;
}

/**
 * Formats the lockout time in a refusal ("… locked … until 2026-12-03T10:15:00.000Z …") in local time, in the
 * chosen locale (the system's until one is chosen).
 */
function lockedUntil(message: string): string | null {
  const iso = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/.exec(message)?.[0];
  if (!iso) return null;
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  return at.toLocaleString(chosenLocale() ?? undefined, {
    ...(sameDay ? {} : { year: 'numeric', month: 'short', day: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** The answer to an unknown login or a wrong password (deliberately the same for both). */
export const WRONG_PASSWORD = 'Unknown login or wrong password.';

/** A sentence for a refused sign-in or unlock, fit for the form. */
export function signInProblem(err: unknown): string {
  const reason = unauthenticatedReason(err);
  const message = errorMessage(err);
  if (reason === 'sign_in') return WRONG_PASSWORD;
  if (reason === 'operator_locked') {
    const until = lockedUntil(message);
    return `This operator is locked after too many failed attempts${until ? ` until ${until}` : ''}. An administrator can unlock it sooner.`;
  }
  if (reason === 'inactive') return 'This operator is inactive. Ask an administrator to reactivate it.';
  if (reason === 'second_factor') return 'The code is wrong or has expired.';
  return message;
}
