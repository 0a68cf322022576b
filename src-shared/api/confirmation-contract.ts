import type { ConfirmationDto } from '../dto/confirmations';
import type { CommandRoles } from './roles';

/** The prepare step of every outgoing-money command (the confirm step is the command itself). */
export const CONFIRMATION_COMMANDS = ['confirmations:prepare', 'confirmations:show'] as const;

/** A confirmation command name. */
export type ConfirmationCommandName = (typeof CONFIRMATION_COMMANDS)[number];

/** The output type of each confirmation command. */
export type ConfirmationCommandOutputs = {
  'confirmations:prepare': ConfirmationDto;
  'confirmations:show': ConfirmationDto;
};

/**
 * Any operator may ask; the handler then checks the role of the operation being prepared, so a preview
 * is refused exactly when the run itself would be.
 */
export const CONFIRMATION_COMMAND_ROLES: Record<ConfirmationCommandName, CommandRoles> = {
  'confirmations:prepare': 'any',
  'confirmations:show': 'any',
};
