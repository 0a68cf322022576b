import type { ArPreviewDto, BatchUndoDto, BatchUndoPreviewDto } from '../dto/desk-ops';
import type { CommandRoles, Role } from './roles';

/** The desk's own versions of CLI-only work (issue #16): undo a submitted batch, preview a receivables import. */
export const DESK_OPS_COMMANDS = ['batches:undo-preview', 'batches:undo', 'ar:preview'] as const;

/** A desk operations command name. */
export type DeskOpsCommandName = (typeof DESK_OPS_COMMANDS)[number];

/** The output type of each desk operations command. */
export type DeskOpsCommandOutputs = {
  'batches:undo-preview': BatchUndoPreviewDto;
  'batches:undo': BatchUndoDto;
  'ar:preview': ArPreviewDto;
};

const SUPERVISOR: readonly Role[] = ['supervisor', 'admin'];

/**
 * Undoing a whole batch reverses many payments at once, so it is a supervisor's call (its reversal batch then
 * goes through the reversal approval policy like any keyed one); the AR preview follows `ar:import`.
 */
export const DESK_OPS_COMMAND_ROLES: Record<DeskOpsCommandName, CommandRoles> = {
  'batches:undo-preview': 'any',
  'batches:undo': SUPERVISOR,
  'ar:preview': SUPERVISOR,
};
