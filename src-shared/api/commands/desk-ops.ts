import type { ArPreviewDto, BatchUndoDto, BatchUndoPreviewDto } from '../../dto/desk-ops';
import { SUPERVISOR } from '../operator-roles';
import { z } from 'zod';
import { confirmationIdInput } from './confirmation';
import { arFiles } from './desk';
import { defineCommand } from '../define';
import { id } from './fields';

/**
 * The desk's own versions of CLI-only work (issue #16): undo a submitted batch, preview a receivables import.
 *
 * Undoing a whole batch reverses many payments at once, so it is a supervisor's call (its reversal batch then
 * goes through the reversal approval policy like any keyed one); the AR preview follows `ar:import`.
 *
 * Inputs of undoing a submitted batch (issue #16): what it would reverse, and the undo itself.
 */
export const deskOpsCommands = {
  'batches:undo-preview': defineCommand({
    roles: 'any',
    input: z.strictObject({ batchId: id }),
  }).output<BatchUndoPreviewDto>(),
  'batches:undo': defineCommand({
    roles: SUPERVISOR,
    changes: 'batches',
    input: z.strictObject({
      batchId: id,
      /** Why the batch is undone, kept on the reversal batch and in the audit. */
      reason: z.string().trim().min(1, 'say why the batch is undone').max(500),
      /** The payment reversal reason (domain 17) every reversal posts with; 4102 "Posted in error" when absent. */
      reasonCode: z.int().min(1).max(2_147_483_647).optional(),
      /** The prepared confirmation of the reversal batch's submit, when its total is over confirm.submitAboveAmount. */
      confirmationId: confirmationIdInput,
    }),
  }).output<BatchUndoDto>(),
  /** The same files checked in full, nothing written (the import dialog's Preview). */
  'ar:preview': defineCommand({
    roles: SUPERVISOR,
    writes: true,
    input: arFiles,
  }).output<ArPreviewDto>(),
};
