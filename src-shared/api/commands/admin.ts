import type { ReasonCodeDto } from '../../dto/codes';
import type { CurrencyDto } from '../../dto/app';
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
} from '../../dto/admin';
import { ADMIN, ANY, ROLES, SUPERVISOR } from '../operator-roles';
import { z } from 'zod';
import { newPassword } from './auth';
import { COLUMN_PURPOSES, CUSTOM_FIELD_TYPES, CUSTOM_KEY_PATTERN } from '../../columns';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from '../uploads';
import { defineCommand } from '../define';
import { currency, isoDate } from './fields';

const batchType = z.enum(['payment', 'refund', 'reversal']);
const payType = z.int().min(0).max(99_999);
const reasonId = z.int().min(0).max(2_147_483_647);

/** V17: code unique, alphanumeric, uppercase, at most 3 characters. */
const termCode = z.string().regex(/^[A-Z0-9]{1,3}$/, 'up to 3 uppercase letters or digits');
const cmpCode = z.string().regex(/^[A-Za-z0-9]{1,16}$/, 'letters and digits, up to 16');
const eventName = z.string().trim().min(1).max(64);
const login = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._@-]{1,64}$/, 'letters, digits, dot, underscore, @ and dash');

const roles = z.array(z.enum(ROLES)).min(1).max(4);

/** One configured column as commands and the configuration file take it. */
export const columnInput = z.strictObject({
  field: z.string().trim().min(1).max(64),
  caption: z.string().trim().min(1).max(64),
  purpose: z.enum(COLUMN_PURPOSES),
  width: z.int().min(40).max(800),
  visible: z.boolean(),
  required: z.boolean(),
  format: z.string().max(32),
});

/** A custom field definition. */
export const customFieldInput = z.strictObject({
  key: z.string().regex(CUSTOM_KEY_PATTERN, 'a letter, then letters, digits, _ or -, at most 32'),
  label: z.string().trim().min(1).max(64),
  type: z.enum(CUSTOM_FIELD_TYPES),
  codes: z
    .array(z.strictObject({ code: z.string().trim().min(1).max(32), label: z.string().trim().max(100) }))
    .max(500),
  maxLength: z.int().min(1).max(500),
});

/** A reason code as added, updated or imported. */
export const reasonCodeInput = z.strictObject({
  domainId: z.int().min(1).max(1_000_000),
  id: reasonId,
  label: z.string().trim().min(1).max(200),
  help: z.string().max(1000),
  glId: z.int().min(0).max(999_999_999).nullable(),
  active: z.boolean(),
});

export const channelInput = z.strictObject({
  id: z.int().min(0).max(2_147_483_647),
  description: z.string().trim().min(1).max(120),
  active: z.boolean(),
});

export const payTypeInput = z.strictObject({
  payType,
  name: z.string().trim().min(1).max(255),
  enabled: z.boolean(),
});

export const termInput = z.strictObject({
  code: termCode,
  description: z.string().trim().min(1).max(30),
  days: z.int().min(0).max(3650),
});

export const termDefaultInput = z.strictObject({
  code: termCode,
  payType,
  termCode,
  securityLevels: roles,
});

export const mandateCodeInput = z.strictObject({
  code: cmpCode,
  name: z.string().trim().min(1).max(60),
  action: z.enum(['amend', 'cancel']),
  reasonType: reasonId,
  reasonCode: reasonId,
  eventType: eventName,
  eventCode: eventName,
});

export const rejectionCodeInput = z.strictObject({
  code: cmpCode,
  description: z.string().trim().min(1).max(60),
  reasonType: reasonId,
  reasonCode: reasonId,
  declineClass: z.enum(['soft', 'hard']),
  maxRetries: z.int().min(0).max(20),
  retryReasonCode: reasonId.nullable(),
  retryEvent: eventName.nullable(),
  suspensionDays: z.int().min(0).max(365),
  exhaustedEvent: eventName.nullable(),
  refundEvent: eventName.nullable(),
  fallbackPayType: payType,
});

export const currencyInput = z.strictObject({
  code: currency,
  exponent: z.int().min(0).max(4),
  name: z.string().trim().min(1).max(100),
});

/** A rate as a decimal string: target major units per source major unit, at most 6 decimals. */
const rateText = z
  .string()
  .trim()
  .regex(/^\d{1,9}(\.\d{1,6})?$/, 'a positive decimal with at most 6 decimals, e.g. 1.0825');

export const rateInput = z.strictObject({
  fromCurrency: currency,
  toCurrency: currency,
  validFrom: isoDate,
  rate: rateText,
});

export const columnSetInput = z.strictObject({
  batchType,
  payType,
  columns: z.array(columnInput).min(1).max(60),
});

const layout = z.strictObject({
  order: z.array(z.string().max(64)).max(100),
  widths: z.record(z.string().max(64), z.int().min(20).max(2000)),
  hidden: z.array(z.string().max(64)).max(100),
});

/**
 * The administration commands (settings, code lists, operators, column configuration).
 *
 * Who may run each administration command: reading the configuration is open (grids and dialogs need it),
 * changing it is for admins, the change history is for supervisors and admins, and every operator keeps
 * a personal grid layout.
 *
 * The inputs of the administration commands (merged into commandInputs).
 */
export const adminCommands = {
  'admin:settings': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<SettingDto[]>(),
  'admin:set-setting': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ key: z.string().min(1).max(64), value: z.unknown() }),
  }).output<SettingDto>(),
  'codes:domains': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<ReasonDomainDto[]>(),
  'codes:add': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: reasonCodeInput.omit({ active: true }).extend({
      help: z.string().max(1000).default(''),
      glId: z.int().min(0).max(999_999_999).nullable().default(null),
    }),
  }).output<ReasonCodeDto>(),
  'codes:update': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({
      domainId: z.int().min(1).max(1_000_000),
      id: reasonId,
      label: z.string().trim().min(1).max(200).optional(),
      help: z.string().max(1000).optional(),
      glId: z.int().min(0).max(999_999_999).nullable().optional(),
    }),
  }).output<ReasonCodeDto>(),
  'codes:retire': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({
      domainId: z.int().min(1).max(1_000_000),
      id: reasonId,
      restore: z.boolean().default(false),
    }),
  }).output<ReasonCodeDto>(),
  'codes:delete': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ domainId: z.int().min(1).max(1_000_000), id: reasonId }),
  }).output<{ deleted: true; domainId: number; id: number }>(),
  'codes:export': defineCommand({
    roles: ANY,
    input: z.strictObject({ domainId: z.int().min(1).max(1_000_000).optional() }),
  }).output<ReasonsFileDto>(),
  'codes:import': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ file: filePath.optional(), ...uploadedFile }).refine(oneSource, oneSourceMessage),
  }).output<{ added: number; updated: number; unchanged: number }>(),
  'admin:channels': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<ChannelDto[]>(),
  'admin:save-channel': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: channelInput,
  }).output<ChannelDto>(),
  'admin:pay-types': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<PayTypeDto[]>(),
  'admin:save-pay-type': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: payTypeInput,
  }).output<PayTypeDto>(),
  'admin:terms': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<{ terms: PaymentTermDto[]; defaults: PaymentTermDefaultDto[] }>(),
  'admin:save-term': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: termInput,
  }).output<PaymentTermDto>(),
  'admin:delete-term': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ code: termCode }),
  }).output<{ deleted: string }>(),
  'admin:save-term-default': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: termDefaultInput,
  }).output<PaymentTermDefaultDto>(),
  'admin:delete-term-default': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ code: termCode }),
  }).output<{ deleted: string }>(),
  'admin:mandate-codes': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<MandateRevisionCodeDto[]>(),
  'admin:save-mandate-code': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: mandateCodeInput,
  }).output<MandateRevisionCodeDto>(),
  'admin:delete-mandate-code': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ code: cmpCode }),
  }).output<{ deleted: string }>(),
  'admin:rejection-codes': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<RejectionCodeDto[]>(),
  'admin:save-rejection-code': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: rejectionCodeInput,
  }).output<RejectionCodeDto>(),
  'admin:delete-rejection-code': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ code: cmpCode }),
  }).output<{ deleted: string }>(),
  'admin:currencies': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<CurrencyDto[]>(),
  'admin:save-currency': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: currencyInput,
  }).output<CurrencyDto>(),
  'admin:rates': defineCommand({
    roles: ANY,
    input: z.strictObject({ fromCurrency: currency.optional(), toCurrency: currency.optional() }),
  }).output<ExchangeRateDto[]>(),
  'admin:save-rate': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: rateInput,
  }).output<ExchangeRateDto>(),
  'admin:history': defineCommand({
    roles: SUPERVISOR,
    input: z.strictObject({
      entity: z.string().max(64).optional(),
      action: z.string().max(64).optional(),
      operatorLogin: z.string().max(64).optional(),
      limit: z.int().min(1).max(500).default(50),
      offset: z.int().min(0).default(0),
    }),
  }).output<AuditPageDto>(),
  'admin:custom-fields': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<CustomFieldDto[]>(),
  'admin:save-custom-field': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: customFieldInput,
  }).output<CustomFieldDto>(),
  'admin:delete-custom-field': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ key: z.string().max(64) }),
  }).output<{ deleted: string }>(),
  'admin:column-sets': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<ColumnSetDto[]>(),
  'admin:save-columns': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: columnSetInput,
  }).output<ColumnSetDto>(),
  'admin:delete-columns': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ batchType, payType: payType.min(1) }),
  }).output<{ deleted: boolean }>(),
  'admin:export-config': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<ConfigFileDto>(),
  'admin:import-config': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z
      .strictObject({ file: filePath.optional(), config: z.unknown().optional() })
      .refine((v) => (v.file === undefined) !== (v.config === undefined), {
        message: 'give exactly one of file or config',
      }),
  }).output<ConfigImportDto>(),
  'operators:list': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<OperatorAdminDto[]>(),
  'operators:add': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({
      login,
      name: z.string().trim().min(1).max(120),
      roles,
      /** The first password (an admin can also set one later with operators:set-password). */
      password: newPassword.optional(),
    }),
  }).output<OperatorAdminDto>(),
  'operators:grant': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ login, roles }),
  }).output<OperatorAdminDto>(),
  'operators:revoke': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({ login, roles }),
  }).output<OperatorAdminDto>(),
  'operators:update': defineCommand({
    roles: ADMIN,
    changes: 'config',
    input: z.strictObject({
      login,
      name: z.string().trim().min(1).max(120).optional(),
      active: z.boolean().optional(),
    }),
  }).output<OperatorAdminDto>(),
  'columns:grid': defineCommand({
    roles: ANY,
    input: z.strictObject({ batchType, payType }),
  }).output<GridColumnsDto>(),
  'columns:save-layout': defineCommand({
    roles: ANY,
    writes: true,
    input: z.strictObject({ batchType, payType, layout }),
  }).output<GridColumnsDto>(),
  'columns:reset-layout': defineCommand({
    roles: ANY,
    writes: true,
    input: z.strictObject({ batchType, payType }),
  }).output<GridColumnsDto>(),
};
