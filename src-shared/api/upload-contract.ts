import type { UploadDto } from '../dto/uploads';
import type { CommandRoles } from './roles';

/**
 * Uploads in chunks: how the desktop window sends a large file without one huge IPC message (the bridge
 * streams a raw body to POST /__upload instead, but these work through every front door).
 */
export const UPLOAD_COMMANDS = [
  'files:upload-start',
  'files:upload-chunk',
  'files:upload-finish',
  'files:upload-discard',
] as const;

/** An upload command name. */
export type UploadCommandName = (typeof UPLOAD_COMMANDS)[number];

/** The output type of each upload command. */
export type UploadCommandOutputs = {
  'files:upload-start': UploadDto;
  'files:upload-chunk': UploadDto;
  'files:upload-finish': UploadDto;
  'files:upload-discard': { discarded: boolean };
};

/** Any signed-in operator may upload; what the file may be used for is checked by the command that uses it. */
export const UPLOAD_COMMAND_ROLES: Record<UploadCommandName, CommandRoles> = {
  'files:upload-start': 'any',
  'files:upload-chunk': 'any',
  'files:upload-finish': 'any',
  'files:upload-discard': 'any',
};
