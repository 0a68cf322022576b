import { z } from 'zod';
import { confirmationIdInput } from './confirmation-inputs';

const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const path = z.string().trim().min(1).max(1000);

/** Inputs of the direct-debit commands. */
export const directDebitInputs = {
  'dd:run': z.strictObject({
    scheme: z.enum(['sepa', 'ach']),
    collectionDate: z.iso.date(),
    kind: z.enum(['debit', 'credit']).default('debit'),
    creditor: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,32}$/, 'a creditor code')
      .optional(),
    /** Folder the files are written to (CLI only); default `bankfiles/` next to the ledger. */
    out: path.optional(),
    /** Compute the files, post and write nothing. */
    dryRun: z.boolean().default(false),
    /** The prepared confirmation (confirmations:prepare, operation dd:run) this run posts exactly. */
    confirmationId: confirmationIdInput,
  }),
  'dd:files': z.strictObject({
    status: z.enum(['ready', 'sent', 'cancelled']).optional(),
    limit: z.int().min(1).max(1000).default(200),
  }),
  'dd:show-file': z.strictObject({ id }),
  'dd:file-text': z.strictObject({ id }),
  'dd:write-file': z.strictObject({ id, out: path.optional() }),
  'dd:mark-sent': z.strictObject({ id }),
  'dd:cancel-file': z.strictObject({ id, reason: z.string().trim().min(1).max(500) }),
};
