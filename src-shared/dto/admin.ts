import type { ColumnConfig, CustomFieldType } from '../columns';
import type { BatchTypeDto } from './batches';
import type { CurrencyDto, OperatorDto } from './app';
import type { ReasonCodeDto } from './codes';

/** A setting value as stored (JSON). */
export type SettingValue = boolean | number | string;

/** One business setting with its rule, default and current value. */
export type SettingDto = {
  key: string;
  value: SettingValue;
  defaultValue: SettingValue;
  isDefault: boolean;
  kind: 'boolean' | 'integer' | 'number' | 'enum' | 'decimal' | 'text';
  options?: string[];
  /** For text settings: the pattern a value must match. */
  pattern?: string;
  min?: number;
  max?: number;
  description: string;
};

/** A reason-code domain with its G/L rule. */
export type ReasonDomainDto = {
  id: number;
  name: string;
  glRule: 'required' | 'forbidden' | 'optional';
  codes: number;
};

/** The reasons file (export/import of reason codes). */
export type ReasonsFileDto = {
  format: 'paydesk-reasons';
  version: 1;
  locale: string;
  codes: ReasonCodeDto[];
};

/** A payment channel (DOMAIN.md §2.12). */
export type ChannelDto = { id: number; description: string; active: boolean };

/** How a pay type behaves (DOMAIN.md §3.7); fixed by the domain, shown to the admin. */
export type PayTypeBehaviourDto = {
  initiatedBy: string;
  enteredVia: string;
  reversible: string;
  refundBatch: string;
  suspendable: string;
};

/** A pay type with its enabled flag, behaviour and the batch types it can be keyed in. */
export type PayTypeDto = {
  payType: number;
  name: string;
  enabled: boolean;
  behaviour: PayTypeBehaviourDto;
  batchTypes: BatchTypeDto[];
};

/** A payment term (V17). */
export type PaymentTermDto = { code: string; description: string; days: number };

/** A payment term default (V17). */
export type PaymentTermDefaultDto = {
  code: string;
  payType: number;
  termCode: string;
  securityLevels: string[];
};

/** A mandate revision code (DOMAIN.md §2.21). */
export type MandateRevisionCodeDto = {
  code: string;
  name: string;
  action: 'amend' | 'cancel';
  reasonType: number;
  reasonCode: number;
  eventType: string;
  eventCode: string;
};

/** A recurring payment rejection code (DOMAIN.md §2.21, §4.25). */
export type RejectionCodeDto = {
  code: string;
  description: string;
  reasonType: number;
  reasonCode: number;
  declineClass: 'soft' | 'hard';
  maxRetries: number;
  retryReasonCode: number | null;
  retryEvent: string | null;
  suspensionDays: number;
  exhaustedEvent: string | null;
  refundEvent: string | null;
  fallbackPayType: number;
};

/** A dated exchange rate. */
export type ExchangeRateDto = {
  fromCurrency: string;
  toCurrency: string;
  validFrom: string;
  ratePpm: number;
  /** The rate as a decimal string (ratePpm / 1,000,000). */
  rate: string;
};

/** One audit row with the operator's login and the before/after values. */
export type AuditEntryDto = {
  id: number;
  at: string;
  operatorId: number | null;
  operatorLogin: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  before: unknown;
  after: unknown;
  reasonCode: number | null;
};

/** A page of the change history. */
export type AuditPageDto = { rows: AuditEntryDto[]; total: number };

/** An operator with the active flag. */
export type OperatorAdminDto = OperatorDto & {
  active: boolean;
  createdAt: string;
  /** False until a password is set: such an operator cannot sign in. */
  hasPassword: boolean;
  totpEnabled: boolean;
  /** Set while locked out after failed sign-ins. */
  lockedUntil: string | null;
};

/** An admin-defined entry field. */
export type CustomFieldDto = {
  key: string;
  label: string;
  type: CustomFieldType;
  codes: { code: string; label: string }[];
  maxLength: number;
};

/** One column as configured. */
export type ColumnDto = ColumnConfig;

/** The admin's columns of one batch type and pay type (pay type 0 = every pay type without its own). */
export type ColumnSetDto = { batchType: BatchTypeDto; payType: number; columns: ColumnDto[] };

/** A clerk's own arrangement of a column set. */
export type ColumnLayoutDto = { order: string[]; widths: Record<string, number>; hidden: string[] };

/** What a batch grid shows: the admin's columns (with where they came from), the fields and the clerk's layout. */
export type GridColumnsDto = {
  batchType: BatchTypeDto;
  payType: number;
  /** The pay type whose set applies: the batch's own, or 0 (the default set). */
  sourcePayType: number;
  columns: ColumnDto[];
  customFields: CustomFieldDto[];
  layout: ColumnLayoutDto | null;
};

/** The whole desk configuration as one versioned file. */
export type ConfigFileDto = {
  format: 'paydesk-config';
  version: 1;
  exportedAt: string;
  settings: Record<string, SettingValue>;
  reasonCodes: ReasonCodeDto[];
  channels: ChannelDto[];
  payTypes: { payType: number; name: string; enabled: boolean }[];
  paymentTerms: PaymentTermDto[];
  paymentTermDefaults: PaymentTermDefaultDto[];
  mandateRevisionCodes: MandateRevisionCodeDto[];
  rejectionCodes: RejectionCodeDto[];
  currencies: CurrencyDto[];
  exchangeRates: { fromCurrency: string; toCurrency: string; validFrom: string; rate: string }[];
  customFields: CustomFieldDto[];
  columnSets: ColumnSetDto[];
  /** The approval policy table (every operation's effective rule). */
  policies: {
    operation: string;
    currency: string;
    above: string;
    requirement: 'none' | 'second_factor' | 'four_eyes';
    role: string | null;
  }[];
};

/** What a configuration import changed, per section. */
export type ConfigImportDto = { applied: Record<string, number>; file: string | null };
