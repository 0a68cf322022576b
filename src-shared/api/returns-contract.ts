import type { ReturnsImportDto, ReturnsPreviewDto } from '../dto/returns';
import type { CommandRoles, Role } from './roles';

/** Bank returns, rejections and bounced payments: the return batches of the Payment Tool (DOMAIN.md §4.25). */
export const RETURNS_COMMANDS = ['returns:preview', 'returns:import', 'returns:bounce'] as const;

/** A returns command name. */
export type ReturnsCommandName = (typeof RETURNS_COMMANDS)[number];

/** The output type of each returns command. */
export type ReturnsCommandOutputs = {
  'returns:preview': ReturnsPreviewDto;
  'returns:import': ReturnsImportDto;
  'returns:bounce': ReturnsImportDto;
};

const ANY = 'any' as const;
const DESK: readonly Role[] = ['clerk', 'analyst', 'supervisor', 'admin'];

/**
 * Who may run each returns command. Importing creates an open return batch (and applies notifications of
 * change to mandates); the money moves only when the batch is submitted, under the reversal approval rules.
 */
export const RETURNS_COMMAND_ROLES: Record<ReturnsCommandName, CommandRoles> = {
  'returns:preview': ANY,
  'returns:import': DESK,
  'returns:bounce': DESK,
};
