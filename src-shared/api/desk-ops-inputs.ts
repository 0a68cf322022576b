import { z } from 'zod';
import { confirmationIdInput } from './confirmation-inputs';

const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Inputs of undoing a submitted batch (issue #16): what it would reverse, and the undo itself. */
export const deskOpsInputs = {
  'batches:undo-preview': z.strictObject({ batchId: id }),
  'batches:undo': z.strictObject({
    batchId: id,
    /** Why the batch is undone, kept on the reversal batch and in the audit. */
    reason: z.string().trim().min(1, 'say why the batch is undone').max(500),
    /** The payment reversal reason (domain 17) every reversal posts with; 4102 "Posted in error" when absent. */
    reasonCode: z.int().min(1).max(2_147_483_647).optional(),
    /** The prepared confirmation of the reversal batch's submit, when its total is over confirm.submitAboveAmount. */
    confirmationId: confirmationIdInput,
  }),
};
