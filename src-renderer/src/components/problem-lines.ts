import { ApiCallError, errorMessage } from '../api/client';

/** Every problem of a failed call as lines ("path: message"), for an alert next to the form. */
export function problemLines(err: unknown): string[] {
  if (err instanceof ApiCallError && err.error.code === 'validation' && err.error.issues?.length)
    return err.error.issues.map((i) => `${i.path}: ${i.message}`);
  return [errorMessage(err)];
}
