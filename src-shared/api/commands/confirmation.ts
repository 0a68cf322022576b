import type { ConfirmationDto } from '../../dto/confirmations';
import { z } from 'zod';
import { CONFIRMABLE_OPERATIONS } from '../../dto/confirmations';
import { defineCommand } from '../define';
import { id } from './fields';

/** The optional confirmation id every confirmable command takes. */
export const confirmationIdInput = id.optional();

/**
 * The prepare step of every outgoing-money command (the confirm step is the command itself).
 *
 * Any operator may ask; the handler then checks the role of the operation being prepared, so a preview
 * is refused exactly when the run itself would be.
 *
 * Inputs of the confirmation commands; `input` is parsed again with the operation's own schema.
 */
export const confirmationCommands = {
  'confirmations:prepare': defineCommand({
    roles: 'any',
    writes: true,
    input: z.strictObject({
      operation: z.enum(CONFIRMABLE_OPERATIONS),
      input: z.record(z.string(), z.unknown()).default({}),
    }),
  }).output<ConfirmationDto>(),
  'confirmations:show': defineCommand({
    roles: 'any',
    input: z.strictObject({ confirmationId: id }),
  }).output<ConfirmationDto>(),
};
