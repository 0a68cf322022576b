import type { DdFileDetailDto, DdFileDto, DdRunDto } from '../dto/directdebit';
import type { CommandRoles, Role } from './roles';

/** Direct-debit runs and the outgoing bank-file registry (issue #14). */
export const DIRECTDEBIT_COMMANDS = [
  'dd:run',
  'dd:files',
  'dd:show-file',
  'dd:file-text',
  'dd:write-file',
  'dd:mark-sent',
  'dd:cancel-file',
] as const;

/** A direct-debit command name. */
export type DirectDebitCommandName = (typeof DIRECTDEBIT_COMMANDS)[number];

/** The output type of each direct-debit command. */
export type DirectDebitCommandOutputs = {
  'dd:run': DdRunDto;
  'dd:files': { rows: DdFileDto[] };
  'dd:show-file': DdFileDetailDto;
  /** The file's bytes regenerated from the registry (checked against its sha256), for a save dialog. */
  'dd:file-text': { name: string; text: string; sha256: string };
  'dd:write-file': DdFileDto;
  'dd:mark-sent': DdFileDto;
  'dd:cancel-file': DdFileDto;
};

const ANY = 'any' as const;
const SUPERVISE: readonly Role[] = ['supervisor', 'admin'];

/** Who may run each direct-debit command: runs, sending and cancelling are supervisors'; reading is anyone's. */
export const DIRECTDEBIT_COMMAND_ROLES: Record<DirectDebitCommandName, CommandRoles> = {
  'dd:run': SUPERVISE,
  'dd:files': ANY,
  'dd:show-file': ANY,
  'dd:file-text': ANY,
  'dd:write-file': SUPERVISE,
  'dd:mark-sent': SUPERVISE,
  'dd:cancel-file': SUPERVISE,
};
