import { z } from 'zod';
import { CONFIRMABLE_OPERATIONS } from '../dto/confirmations';

const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Inputs of the confirmation commands; `input` is parsed again with the operation's own schema. */
export const confirmationInputs = {
  'confirmations:prepare': z.strictObject({
    operation: z.enum(CONFIRMABLE_OPERATIONS),
    input: z.record(z.string(), z.unknown()).default({}),
  }),
  'confirmations:show': z.strictObject({ confirmationId: id }),
} as const;

/** The optional confirmation id every confirmable command takes. */
export const confirmationIdInput = id.optional();
