import type { DdFileDetailDto, DdFileDto, DdRunDto } from '../../dto/directdebit';
import { ANY, SUPERVISOR } from '../operator-roles';
import { z } from 'zod';
import { confirmationIdInput } from './confirmation';
import { defineCommand } from '../define';
import { id } from './fields';

const path = z.string().trim().min(1).max(1000);

/**
 * Direct-debit runs and the outgoing bank-file registry (issue #14).
 *
 * The output type of each direct-debit command.
 *
 * Who may run each direct-debit command: runs, sending and cancelling are supervisors'; reading is anyone's.
 *
 * Inputs of the direct-debit commands.
 */
export const directDebitCommands = {
  'dd:run': defineCommand({
    roles: SUPERVISOR,
    changes: 'directdebit',
    job: true,
    changesNothingWhen: (input) => input.dryRun,
    confirm: true,
    input: z.strictObject({
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
  }).output<DdRunDto>(),
  'dd:files': defineCommand({
    roles: ANY,
    input: z.strictObject({
      status: z.enum(['ready', 'sent', 'cancelled']).optional(),
      limit: z.int().min(1).max(1000).default(200),
    }),
  }).output<{ rows: DdFileDto[] }>(),
  'dd:show-file': defineCommand({
    roles: ANY,
    input: z.strictObject({ id }),
  }).output<DdFileDetailDto>(),
  /** The file's bytes regenerated from the registry (checked against its sha256), for a save dialog. */
  'dd:file-text': defineCommand({
    roles: ANY,
    input: z.strictObject({ id }),
  }).output<{ name: string; text: string; sha256: string }>(),
  'dd:write-file': defineCommand({
    roles: SUPERVISOR,
    changes: 'directdebit',
    input: z.strictObject({ id, out: path.optional() }),
  }).output<DdFileDto>(),
  'dd:mark-sent': defineCommand({
    roles: SUPERVISOR,
    changes: 'directdebit',
    input: z.strictObject({ id }),
  }).output<DdFileDto>(),
  'dd:cancel-file': defineCommand({
    roles: SUPERVISOR,
    changes: 'directdebit',
    input: z.strictObject({ id, reason: z.string().trim().min(1).max(500) }),
  }).output<DdFileDto>(),
};
