import type { BankFileCheckDto } from '../dto/bankfiles';
import type { CommandRoles } from './roles';

/** Bank files (NACHA, ISO 20022): checking a file against its format. */
export const BANKFILE_COMMANDS = ['bankfiles:check'] as const;

/** A bank-file command name. */
export type BankFileCommandName = (typeof BANKFILE_COMMANDS)[number];

/** The output type of each bank-file command. */
export type BankFileCommandOutputs = {
  'bankfiles:check': BankFileCheckDto;
};

/** Who may run each bank-file command: a check reads a file and changes nothing. */
export const BANKFILE_COMMAND_ROLES: Record<BankFileCommandName, CommandRoles> = {
  'bankfiles:check': 'any',
};
