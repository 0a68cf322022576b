import type { ReasonCodeDto } from '../dto/codes';
import type { CurrencyDto } from '../dto/app';
import type {
  AuditPageDto,
  ChannelDto,
  ColumnSetDto,
  ConfigFileDto,
  ConfigImportDto,
  CustomFieldDto,
  ExchangeRateDto,
  GridColumnsDto,
  MandateRevisionCodeDto,
  OperatorAdminDto,
  PaymentTermDefaultDto,
  PaymentTermDto,
  PayTypeDto,
  ReasonDomainDto,
  ReasonsFileDto,
  RejectionCodeDto,
  SettingDto,
} from '../dto/admin';
import type { CommandRoles, Role } from './roles';

/** The administration commands (settings, code lists, operators, column configuration). */
export const ADMIN_COMMANDS = [
  'admin:settings',
  'admin:set-setting',
  'codes:domains',
  'codes:add',
  'codes:update',
  'codes:retire',
  'codes:delete',
  'codes:export',
  'codes:import',
  'admin:channels',
  'admin:save-channel',
  'admin:pay-types',
  'admin:save-pay-type',
  'admin:terms',
  'admin:save-term',
  'admin:delete-term',
  'admin:save-term-default',
  'admin:delete-term-default',
  'admin:mandate-codes',
  'admin:save-mandate-code',
  'admin:delete-mandate-code',
  'admin:rejection-codes',
  'admin:save-rejection-code',
  'admin:delete-rejection-code',
  'admin:currencies',
  'admin:save-currency',
  'admin:rates',
  'admin:save-rate',
  'admin:history',
  'admin:custom-fields',
  'admin:save-custom-field',
  'admin:delete-custom-field',
  'admin:column-sets',
  'admin:save-columns',
  'admin:delete-columns',
  'admin:export-config',
  'admin:import-config',
  'operators:list',
  'operators:add',
  'operators:grant',
  'operators:revoke',
  'operators:update',
  'columns:grid',
  'columns:save-layout',
  'columns:reset-layout',
] as const;

/** An administration command name. */
export type AdminCommandName = (typeof ADMIN_COMMANDS)[number];

/** The output type of each administration command. */
export type AdminCommandOutputs = {
  'admin:settings': SettingDto[];
  'admin:set-setting': SettingDto;
  'codes:domains': ReasonDomainDto[];
  'codes:add': ReasonCodeDto;
  'codes:update': ReasonCodeDto;
  'codes:retire': ReasonCodeDto;
  'codes:delete': { deleted: true; domainId: number; id: number };
  'codes:export': ReasonsFileDto;
  'codes:import': { added: number; updated: number; unchanged: number };
  'admin:channels': ChannelDto[];
  'admin:save-channel': ChannelDto;
  'admin:pay-types': PayTypeDto[];
  'admin:save-pay-type': PayTypeDto;
  'admin:terms': { terms: PaymentTermDto[]; defaults: PaymentTermDefaultDto[] };
  'admin:save-term': PaymentTermDto;
  'admin:delete-term': { deleted: string };
  'admin:save-term-default': PaymentTermDefaultDto;
  'admin:delete-term-default': { deleted: string };
  'admin:mandate-codes': MandateRevisionCodeDto[];
  'admin:save-mandate-code': MandateRevisionCodeDto;
  'admin:delete-mandate-code': { deleted: string };
  'admin:rejection-codes': RejectionCodeDto[];
  'admin:save-rejection-code': RejectionCodeDto;
  'admin:delete-rejection-code': { deleted: string };
  'admin:currencies': CurrencyDto[];
  'admin:save-currency': CurrencyDto;
  'admin:rates': ExchangeRateDto[];
  'admin:save-rate': ExchangeRateDto;
  'admin:history': AuditPageDto;
  'admin:custom-fields': CustomFieldDto[];
  'admin:save-custom-field': CustomFieldDto;
  'admin:delete-custom-field': { deleted: string };
  'admin:column-sets': ColumnSetDto[];
  'admin:save-columns': ColumnSetDto;
  'admin:delete-columns': { deleted: boolean };
  'admin:export-config': ConfigFileDto;
  'admin:import-config': ConfigImportDto;
  'operators:list': OperatorAdminDto[];
  'operators:add': OperatorAdminDto;
  'operators:grant': OperatorAdminDto;
  'operators:revoke': OperatorAdminDto;
  'operators:update': OperatorAdminDto;
  'columns:grid': GridColumnsDto;
  'columns:save-layout': GridColumnsDto;
  'columns:reset-layout': GridColumnsDto;
};

const ANY = 'any' as const;
const ADMIN: readonly Role[] = ['admin'];
const OVERSIGHT: readonly Role[] = ['supervisor', 'admin'];

/**
 * Who may run each administration command: reading the configuration is open (grids and dialogs need it),
 * changing it is for admins, the change history is for supervisors and admins, and every operator keeps
 * a personal grid layout.
 */
export const ADMIN_COMMAND_ROLES: Record<AdminCommandName, CommandRoles> = {
  'admin:settings': ANY,
  'admin:set-setting': ADMIN,
  'codes:domains': ANY,
  'codes:add': ADMIN,
  'codes:update': ADMIN,
  'codes:retire': ADMIN,
  'codes:delete': ADMIN,
  'codes:export': ANY,
  'codes:import': ADMIN,
  'admin:channels': ANY,
  'admin:save-channel': ADMIN,
  'admin:pay-types': ANY,
  'admin:save-pay-type': ADMIN,
  'admin:terms': ANY,
  'admin:save-term': ADMIN,
  'admin:delete-term': ADMIN,
  'admin:save-term-default': ADMIN,
  'admin:delete-term-default': ADMIN,
  'admin:mandate-codes': ANY,
  'admin:save-mandate-code': ADMIN,
  'admin:delete-mandate-code': ADMIN,
  'admin:rejection-codes': ANY,
  'admin:save-rejection-code': ADMIN,
  'admin:delete-rejection-code': ADMIN,
  'admin:currencies': ANY,
  'admin:save-currency': ADMIN,
  'admin:rates': ANY,
  'admin:save-rate': ADMIN,
  'admin:history': OVERSIGHT,
  'admin:custom-fields': ANY,
  'admin:save-custom-field': ADMIN,
  'admin:delete-custom-field': ADMIN,
  'admin:column-sets': ANY,
  'admin:save-columns': ADMIN,
  'admin:delete-columns': ADMIN,
  'admin:export-config': ANY,
  'admin:import-config': ADMIN,
  'operators:list': ANY,
  'operators:add': ADMIN,
  'operators:grant': ADMIN,
  'operators:revoke': ADMIN,
  'operators:update': ADMIN,
  'columns:grid': ANY,
  'columns:save-layout': ANY,
  'columns:reset-layout': ANY,
};
