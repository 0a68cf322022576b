import type {
  AuddisExtractDto,
  CreditorDto,
  MandateDetailDto,
  MandateExpireDto,
  MandateImportDto,
  MandatePageDto,
} from '../../dto/mandates';
import { ANY, DESK, SUPERVISOR } from '../operator-roles';
import { z } from 'zod';
import { filePath, oneSource, oneSourceMessage, uploadedFile } from '../uploads';
import { defineCommand } from '../define';
import { id, isoDate } from './fields';

const code = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,32}$/, 'letters, digits, dot, underscore and dash');

const text = (max: number) => z.string().trim().max(max);
const mandateScheme = z.enum(['sepa_core', 'sepa_b2b', 'bacs', 'ach']);
const creditorScheme = z.enum(['sepa', 'ach', 'bacs']);
const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
const painVersion = z.enum(['pain.008.001.08', 'pain.008.001.02']);

/** The bank data of a mandate (per scheme; the service checks which apply). */
const bankFields = {
  debtorName: text(70).optional(),
  iban: text(42).optional(),
  bic: text(14).optional(),
  sortCode: text(8).optional(),
  routingNo: text(9).optional(),
  bankAccountNo: text(17).optional(),
  accountType: z.enum(['checking', 'savings']).optional(),
  secCode: z.enum(['PPD', 'CCD', 'WEB', 'TEL']).optional(),
};

/** Which mandate: by id, or by reference (and creditor when several use it). */
const mandateKey = {
  mandateId: id.optional(),
  reference: text(35).min(1).optional(),
  creditor: code.optional(),
};

const oneKey = (v: { mandateId?: number | undefined; reference?: string | undefined }): boolean =>
  (v.mandateId === undefined) !== (v.reference === undefined);

const oneKeyMessage = { message: 'give exactly one of mandateId or reference', path: ['mandateId'] };
const creditorFields = {
  name: text(70).min(1).optional(),
  identifier: text(35).min(1).optional(),
  currency: currency.optional(),
  iban: text(42).optional(),
  bic: text(14).optional(),
  routingNo: text(9).optional(),
  accountNo: text(17).optional(),
  destinationRouting: text(9).optional(),
  destinationName: text(23).optional(),
  originId: text(10).optional(),
  originName: text(23).optional(),
  painVersion: painVersion.optional(),
  isDefault: z.boolean().optional(),
  active: z.boolean().optional(),
};

/**
 * Creditors and direct-debit mandates: keying, amendments, the bank's mandate file, the AUDDIS extract.
 *
 * Who may run each mandate command: the desk keys mandates; supervisors own creditors and bank files.
 *
 * Inputs of the creditor and mandate commands.
 */
export const mandateCommands = {
  'creditors:list': defineCommand({
    roles: ANY,
    input: z.strictObject({}),
  }).output<CreditorDto[]>(),
  'creditors:add': defineCommand({
    roles: SUPERVISOR,
    changes: 'creditors',
    input: z.strictObject({
      ...creditorFields,
      code,
      scheme: creditorScheme,
      name: text(70).min(1),
      identifier: text(35).min(1),
    }),
  }).output<CreditorDto>(),
  'creditors:update': defineCommand({
    roles: SUPERVISOR,
    changes: 'creditors',
    input: z.strictObject({ ...creditorFields, code }),
  }).output<CreditorDto>(),
  'mandates:list': defineCommand({
    roles: ANY,
    input: z.strictObject({
      accountNo: text(64).min(1).optional(),
      creditor: code.optional(),
      scheme: mandateScheme.optional(),
      status: z.enum(['pending', 'active', 'cancelled', 'expired']).optional(),
      referencePrefix: text(35).min(1).optional(),
      limit: z.int().min(1).max(5000).default(100),
      offset: z.int().min(0).default(0),
    }),
  }).output<MandatePageDto>(),
  'mandates:show': defineCommand({
    roles: ANY,
    input: z.strictObject(mandateKey).refine(oneKey, oneKeyMessage),
  }).output<MandateDetailDto>(),
  'mandates:add': defineCommand({
    roles: DESK,
    changes: 'mandates',
    input: z.strictObject({
      ...bankFields,
      accountNo: text(64).min(1),
      billUnitNo: text(64).min(1).optional(),
      creditor: code.optional(),
      scheme: mandateScheme,
      type: z.enum(['recurrent', 'oneoff']).default('recurrent'),
      reference: text(35).min(1).optional(),
      signedOn: isoDate,
    }),
  }).output<MandateDetailDto>(),
  'mandates:amend': defineCommand({
    roles: DESK,
    changes: 'mandates',
    input: z
      .strictObject({
        ...mandateKey,
        ...bankFields,
        newReference: text(35).min(1).optional(),
        version: z.int().min(1).optional(),
        reason: text(200).optional(),
      })
      .refine(oneKey, oneKeyMessage),
  }).output<MandateDetailDto>(),
  'mandates:cancel': defineCommand({
    roles: DESK,
    changes: 'mandates',
    input: z
      .strictObject({ ...mandateKey, reason: text(200).min(1), version: z.int().min(1).optional() })
      .refine(oneKey, oneKeyMessage),
  }).output<MandateDetailDto>(),
  'mandates:expire': defineCommand({
    roles: SUPERVISOR,
    changes: 'mandates',
    input: z.strictObject({ asOf: isoDate.optional() }),
  }).output<MandateExpireDto>(),
  'mandates:import': defineCommand({
    roles: SUPERVISOR,
    writes: true,
    changes: 'mandates',
    changesNothingWhen: (input) => input.preview,
    input: z
      .strictObject({ file: filePath.optional(), ...uploadedFile, preview: z.boolean().default(false) })
      .refine(oneSource, oneSourceMessage),
  }).output<MandateImportDto>(),
  'mandates:auddis': defineCommand({
    roles: SUPERVISOR,
    changes: 'mandates',
    input: z.strictObject({ out: filePath.optional() }),
  }).output<AuddisExtractDto>(),
};
