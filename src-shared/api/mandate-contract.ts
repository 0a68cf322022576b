import type {
  AuddisExtractDto,
  CreditorDto,
  MandateDetailDto,
  MandateExpireDto,
  MandateImportDto,
  MandatePageDto,
} from '../dto/mandates';
import type { CommandRoles, Role } from './roles';

/** Creditors and direct-debit mandates: keying, amendments, the bank's mandate file, the AUDDIS extract. */
export const MANDATE_COMMANDS = [
  'creditors:list',
  'creditors:add',
  'creditors:update',
  'mandates:list',
  'mandates:show',
  'mandates:add',
  'mandates:amend',
  'mandates:cancel',
  'mandates:expire',
  'mandates:import',
  'mandates:auddis',
] as const;

/** A mandate command name. */
export type MandateCommandName = (typeof MANDATE_COMMANDS)[number];

/** The output type of each mandate command. */
export type MandateCommandOutputs = {
  'creditors:list': CreditorDto[];
  'creditors:add': CreditorDto;
  'creditors:update': CreditorDto;
  'mandates:list': MandatePageDto;
  'mandates:show': MandateDetailDto;
  'mandates:add': MandateDetailDto;
  'mandates:amend': MandateDetailDto;
  'mandates:cancel': MandateDetailDto;
  'mandates:expire': MandateExpireDto;
  'mandates:import': MandateImportDto;
  'mandates:auddis': AuddisExtractDto;
};

const ANY = 'any' as const;
const DESK: readonly Role[] = ['clerk', 'analyst', 'supervisor', 'admin'];
const SUPERVISE: readonly Role[] = ['supervisor', 'admin'];

/** Who may run each mandate command: the desk keys mandates; supervisors own creditors and bank files. */
export const MANDATE_COMMAND_ROLES: Record<MandateCommandName, CommandRoles> = {
  'creditors:list': ANY,
  'creditors:add': SUPERVISE,
  'creditors:update': SUPERVISE,
  'mandates:list': ANY,
  'mandates:show': ANY,
  'mandates:add': DESK,
  'mandates:amend': DESK,
  'mandates:cancel': DESK,
  'mandates:expire': SUPERVISE,
  'mandates:import': SUPERVISE,
  'mandates:auddis': SUPERVISE,
};
