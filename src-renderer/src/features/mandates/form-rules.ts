import { z } from 'zod';

/**
 * A text field a command takes as optional: the trimmed text as typed (empty means "not given", or "clear it" in
 * an amendment, so the form keeps the difference), and when filled, the command's own rule with its message.
 */
export function keptText(rule: z.ZodType<unknown, string | undefined>) {
  return z
    .string()
    .trim()
    .superRefine((text, ctx) => {
      if (text === '') return;
      const checked = rule.safeParse(text);
      if (!checked.success)
        for (const issue of checked.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    });
}
