import { z } from 'zod';

/**
 * A text field for an optional value of a command: empty (or blanks) means absent, anything else is checked by
 * the command's own rule.
 */
export function blankIsAbsent<T extends z.ZodType<string | undefined, string | undefined>>(rule: T) {
  return z
    .string()
    .transform((t) => (t.trim() === '' ? undefined : t.trim()))
    .pipe(rule);
}
