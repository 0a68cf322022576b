import { z } from 'zod';
import { newPassword } from './auth-inputs';
import { COLUMN_PURPOSES, CUSTOM_FIELD_TYPES, CUSTOM_KEY_PATTERN } from '../columns';
import { ROLES } from './roles';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from './uploads';

const batchType = z.enum(['payment', 'refund', 'reversal']);
const payType = z.int().min(0).max(99_999);
const reasonId = z.int().min(0).max(2_147_483_647);
const isoDate = z.iso.date();
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');
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

/** The inputs of the administration commands (merged into commandInputs). */
export const adminInputs = {
  'admin:settings': z.strictObject({}),
  'admin:set-setting': z.strictObject({ key: z.string().min(1).max(64), value: z.unknown() }),
  'codes:domains': z.strictObject({}),
  'codes:add': reasonCodeInput.omit({ active: true }).extend({
    help: z.string().max(1000).default(''),
    glId: z.int().min(0).max(999_999_999).nullable().default(null),
  }),
  'codes:update': z.strictObject({
    domainId: z.int().min(1).max(1_000_000),
    id: reasonId,
    label: z.string().trim().min(1).max(200).optional(),
    help: z.string().max(1000).optional(),
    glId: z.int().min(0).max(999_999_999).nullable().optional(),
  }),
  'codes:retire': z.strictObject({
    domainId: z.int().min(1).max(1_000_000),
    id: reasonId,
    restore: z.boolean().default(false),
  }),
  'codes:delete': z.strictObject({ domainId: z.int().min(1).max(1_000_000), id: reasonId }),
  'codes:export': z.strictObject({ domainId: z.int().min(1).max(1_000_000).optional() }),
  'codes:import': z
    .strictObject({ file: filePath.optional(), ...uploadedFile })
    .refine(oneSource, oneSourceMessage),
  'admin:channels': z.strictObject({}),
  'admin:save-channel': channelInput,
  'admin:pay-types': z.strictObject({}),
  'admin:save-pay-type': payTypeInput,
  'admin:terms': z.strictObject({}),
  'admin:save-term': termInput,
  'admin:delete-term': z.strictObject({ code: termCode }),
  'admin:save-term-default': termDefaultInput,
  'admin:delete-term-default': z.strictObject({ code: termCode }),
  'admin:mandate-codes': z.strictObject({}),
  'admin:save-mandate-code': mandateCodeInput,
  'admin:delete-mandate-code': z.strictObject({ code: cmpCode }),
  'admin:rejection-codes': z.strictObject({}),
  'admin:save-rejection-code': rejectionCodeInput,
  'admin:delete-rejection-code': z.strictObject({ code: cmpCode }),
  'admin:currencies': z.strictObject({}),
  'admin:save-currency': currencyInput,
  'admin:rates': z.strictObject({ fromCurrency: currency.optional(), toCurrency: currency.optional() }),
  'admin:save-rate': rateInput,
  'admin:history': z.strictObject({
    entity: z.string().max(64).optional(),
    action: z.string().max(64).optional(),
    operatorLogin: z.string().max(64).optional(),
    limit: z.int().min(1).max(500).default(50),
    offset: z.int().min(0).default(0),
  }),
  'admin:custom-fields': z.strictObject({}),
  'admin:save-custom-field': customFieldInput,
  'admin:delete-custom-field': z.strictObject({ key: z.string().max(64) }),
  'admin:column-sets': z.strictObject({}),
  'admin:save-columns': columnSetInput,
  'admin:delete-columns': z.strictObject({ batchType, payType: payType.min(1) }),
  'admin:export-config': z.strictObject({}),
  'admin:import-config': z
    .strictObject({ file: filePath.optional(), config: z.unknown().optional() })
    .refine((v) => (v.file === undefined) !== (v.config === undefined), {
      message: 'give exactly one of file or config',
    }),
  'operators:list': z.strictObject({}),
  'operators:add': z.strictObject({
    login,
    name: z.string().trim().min(1).max(120),
    roles,
    /** The first password (an admin can also set one later with operators:set-password). */
    password: newPassword.optional(),
  }),
  'operators:grant': z.strictObject({ login, roles }),
  'operators:revoke': z.strictObject({ login, roles }),
  'operators:update': z.strictObject({
    login,
    name: z.string().trim().min(1).max(120).optional(),
    active: z.boolean().optional(),
  }),
  'columns:grid': z.strictObject({ batchType, payType }),
  'columns:save-layout': z.strictObject({ batchType, payType, layout }),
  'columns:reset-layout': z.strictObject({ batchType, payType }),
} as const;
