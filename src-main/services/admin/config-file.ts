import type { SQL } from 'drizzle-orm';
import { z } from 'zod';
import { policyUpsertQuery } from '../../../db/repos/approval-policies';
import { appendAudit } from '../../../db/repos/audit';
import { customFieldUpsertQuery } from '../../../db/repos/columns';
import {
  channelUpsertQuery,
  currencyUpsertQuery,
  mandateCodeUpsertQuery,
  payTypeUpdateQuery,
  rateUpsertQuery,
  rejectionCodeUpsertQuery,
  termDefaultUpsertQuery,
  termUpsertQuery,
} from '../../../db/repos/reference-data';
import type { Storage, Tx } from '../../../db/storage/port';
import {
  channelInput,
  columnSetInput,
  currencyInput,
  customFieldInput,
  mandateCodeInput,
  payTypeInput,
  rateInput,
  reasonCodeInput,
  rejectionCodeInput,
  termDefaultInput,
  termInput,
} from '../../../src-shared/api/commands/admin';
import type { FieldIssue } from '../../../src-shared/api/result';
import type { ConfigFileDto, ConfigImportDto, SettingValue } from '../../../src-shared/dto/admin';
import { MAX_UPLOAD_BYTES } from '../../../src-shared/api/uploads';
import { invalidFields } from '../../ledger/errors';
import { readCommandFileVia } from '../files';
import { SETTING_DEFAULTS, getSettingIn, type SettingKey } from '../../ledger/settings';
import {
  listAllCodesIn,
  parseJsonBytes,
  reasonCodeProblemsIn,
  schemaIssues,
  upsertCodesIn,
} from './codes-admin';
import {
  columnSetIssues,
  customFieldIssues,
  listColumnSetsIn,
  listCustomFieldsIn,
  writeColumnSetIn,
} from './columns';
import {
  channelIssues,
  listChannelsIn,
  listCurrenciesIn,
  listMandateCodesIn,
  listPayTypesIn,
  listRatesIn,
  listRejectionCodesIn,
  listTermsIn,
  rateIssues,
  rejectionCodeIssues,
  termDefaultIssues,
} from './reference-data';
import { settingProblem, writeSettingsIn } from './settings-admin';
import { listPoliciesIn } from '../approvals/policies';
import { POLICY_OPERATION_KEYS, REQUIREMENTS } from '../../../src-shared/dto/approvals';
import { ROLES } from '../../../src-shared/api/roles';

/** One policy row of the configuration file (role null or absent unless four eyes). */
const policyRowInput = z
  .strictObject({
    operation: z.enum(POLICY_OPERATION_KEYS),
    currency: z
      .string()
      .regex(/^([A-Z]{3}|\*)$/, 'an ISO 4217 code or *')
      .default('*'),
    above: z
      .string()
      .regex(/^\d{1,15}(\.\d{1,6})?$/, 'a decimal amount such as 1000.00')
      .default('0'),
    requirement: z.enum(REQUIREMENTS),
    role: z.enum(ROLES).nullable().optional(),
  })
  .refine((p) => p.requirement !== 'four_eyes' || !!p.role, {
    message: 'four eyes needs the approver role',
    path: ['role'],
  });

/** The configuration file, parsed strictly: an unknown field anywhere is an error, not ignored. */
const configSchema = z.strictObject({
  format: z.literal('paydesk-config'),
  version: z.literal(1),
  exportedAt: z.string().max(40).optional(),
  settings: z.record(z.string().max(64), z.union([z.boolean(), z.number(), z.string().max(200)])).default({}),
  reasonCodes: z.array(reasonCodeInput).max(100_000).default([]),
  channels: z.array(channelInput).max(10_000).default([]),
  payTypes: z.array(payTypeInput).max(1000).default([]),
  paymentTerms: z.array(termInput).max(10_000).default([]),
  paymentTermDefaults: z.array(termDefaultInput).max(10_000).default([]),
  mandateRevisionCodes: z.array(mandateCodeInput).max(10_000).default([]),
  rejectionCodes: z.array(rejectionCodeInput).max(10_000).default([]),
  currencies: z.array(currencyInput).max(1000).default([]),
  exchangeRates: z.array(rateInput).max(100_000).default([]),
  customFields: z.array(customFieldInput).max(1000).default([]),
  columnSets: z.array(columnSetInput).max(1000).default([]),
  /** The approval policy table (issue #12); rows given replace the same operation and currency. */
  policies: z.array(policyRowInput).max(10_000).default([]),
});

type ConfigFile = z.output<typeof configSchema>;

/** The whole desk configuration as one versioned file (operators and personal layouts are not part of it). */
export function exportConfig(storage: Storage, now: Date): Promise<ConfigFileDto> {
  return storage.transaction((tx) => exportConfigIn(tx, now), { readOnly: true });
}

async function exportConfigIn(tx: Tx, now: Date): Promise<ConfigFileDto> {
  const { terms, defaults } = await listTermsIn(tx);
  const settings: Record<string, SettingValue> = {};
  for (const k of Object.keys(SETTING_DEFAULTS) as SettingKey[]) settings[k] = await getSettingIn(tx, k);
  return {
    format: 'paydesk-config',
    version: 1,
    exportedAt: now.toISOString(),
    settings,
    reasonCodes: await listAllCodesIn(tx, true),
    channels: await listChannelsIn(tx),
    payTypes: (await listPayTypesIn(tx)).map(({ payType, name, enabled }) => ({ payType, name, enabled })),
    paymentTerms: terms,
    paymentTermDefaults: defaults,
    mandateRevisionCodes: await listMandateCodesIn(tx),
    rejectionCodes: await listRejectionCodesIn(tx),
    currencies: await listCurrenciesIn(tx),
    exchangeRates: (await listRatesIn(tx, {})).map(({ fromCurrency, toCurrency, validFrom, rate }) => ({
      fromCurrency,
      toCurrency,
      validFrom,
      rate,
    })),
    customFields: await listCustomFieldsIn(tx),
    columnSets: await listColumnSetsIn(tx),
    policies: (await listPoliciesIn(tx)).map(({ operation, currency, above, requirement, role }) => ({
      operation,
      currency,
      above,
      requirement,
      role,
    })),
  };
}

/** Reports every key that occurs more than once in a section. */
function duplicates<T>(
  items: readonly T[],
  keyOf: (t: T) => string,
  section: string,
  field: string,
  what: string,
): FieldIssue[] {
  const seen = new Set<string>();
  const issues: FieldIssue[] = [];
  items.forEach((t, i) => {
    const k = keyOf(t);
    if (seen.has(k)) issues.push({ path: `${section}.${i}.${field}`, message: `${what} ${k} appears twice` });
    seen.add(k);
  });
  return issues;
}

/**
 * Every problem of a parsed file against this ledger: duplicates in any section, settings outside their
 * rules, codes in reserved ranges, G/L rules, references to terms, pay types, currencies and custom fields
 * that neither the file nor the ledger has, and every Payment Tool column rule.
 */
async function configIssuesIn(tx: Tx, cfg: ConfigFile): Promise<FieldIssue[]> {
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(cfg.settings)) {
    const p = settingProblem(key, value);
    if (p) issues.push({ path: `settings.${key}`, message: p });
  }
  issues.push(...(await reasonCodeProblemsIn(tx, cfg.reasonCodes, 'reasonCodes')));
  issues.push(
    ...duplicates(cfg.policies, (p) => `${p.operation}/${p.currency}`, 'policies', 'operation', 'policy'),
  );
  issues.push(...duplicates(cfg.channels, (c) => String(c.id), 'channels', 'id', 'channel'));
  cfg.channels.forEach((c, i) => issues.push(...channelIssues(c, `channels.${i}.`)));
  const ledgerPayTypes = new Map((await listPayTypesIn(tx)).map((p) => [p.payType, p.enabled]));
  issues.push(...duplicates(cfg.payTypes, (p) => String(p.payType), 'payTypes', 'payType', 'pay type'));
  cfg.payTypes.forEach((p, i) => {
    if (!ledgerPayTypes.has(p.payType))
      issues.push({
        path: `payTypes.${i}.payType`,
        message: `pay type ${p.payType} is not a payment method`,
      });
  });
  const enabled = new Map(ledgerPayTypes);
  for (const p of cfg.payTypes) if (enabled.has(p.payType)) enabled.set(p.payType, p.enabled);
  const payTypes = new Set(enabled.keys());
  issues.push(...duplicates(cfg.paymentTerms, (t) => t.code, 'paymentTerms', 'code', 'payment term'));
  const termCodes = new Set([
    ...(await listTermsIn(tx)).terms.map((t) => t.code),
    ...cfg.paymentTerms.map((t) => t.code),
  ]);
  issues.push(
    ...duplicates(
      cfg.paymentTermDefaults,
      (d) => d.code,
      'paymentTermDefaults',
      'code',
      'payment term default',
    ),
  );
  cfg.paymentTermDefaults.forEach((d, i) =>
    issues.push(...termDefaultIssues(d, termCodes, payTypes, `paymentTermDefaults.${i}.`)),
  );
  issues.push(
    ...duplicates(
      cfg.mandateRevisionCodes,
      (m) => m.code,
      'mandateRevisionCodes',
      'code',
      'mandate revision code',
    ),
  );
  issues.push(...duplicates(cfg.rejectionCodes, (r) => r.code, 'rejectionCodes', 'code', 'rejection code'));
  cfg.rejectionCodes.forEach((r, i) =>
    issues.push(...rejectionCodeIssues(r, payTypes, `rejectionCodes.${i}.`)),
  );
  issues.push(...duplicates(cfg.currencies, (c) => c.code, 'currencies', 'code', 'currency'));
  const ledgerCurrencies = new Map((await listCurrenciesIn(tx)).map((c) => [c.code, c.exponent]));
  cfg.currencies.forEach((c, i) => {
    const exp = ledgerCurrencies.get(c.code);
    if (exp !== undefined && exp !== c.exponent)
      issues.push({
        path: `currencies.${i}.exponent`,
        message: `${c.code} has ${exp} decimals in this ledger; the exponent of a currency never changes`,
      });
  });
  const currencies = new Set([...ledgerCurrencies.keys(), ...cfg.currencies.map((c) => c.code)]);
  issues.push(
    ...duplicates(
      cfg.exchangeRates,
      (r) => `${r.fromCurrency}/${r.toCurrency}/${r.validFrom}`,
      'exchangeRates',
      'validFrom',
      'rate',
    ),
  );
  cfg.exchangeRates.forEach((r, i) => issues.push(...rateIssues(r, currencies, `exchangeRates.${i}.`)));
  issues.push(...duplicates(cfg.customFields, (f) => f.key, 'customFields', 'key', 'custom field'));
  cfg.customFields.forEach((f, i) => issues.push(...customFieldIssues(f, `customFields.${i}.`)));
  const fields = new Map((await listCustomFieldsIn(tx)).map((f) => [f.key, f]));
  for (const f of cfg.customFields) fields.set(f.key, f);
  issues.push(
    ...duplicates(
      cfg.columnSets,
      (s) => `${s.batchType}/${s.payType}`,
      'columnSets',
      'payType',
      'column set',
    ),
  );
  cfg.columnSets.forEach((s, i) =>
    issues.push(
      ...columnSetIssues(s, [...fields.values()], (p) => enabled.get(p) === true, `columnSets.${i}.`),
    ),
  );
  return issues;
}

/** Writes every section (upserts; column sets in the file replace the same sets of the desk). */
async function applyConfigIn(
  tx: Tx,
  cfg: ConfigFile,
  operatorId: number,
  at: string,
): Promise<Record<string, number>> {
  await writeSettingsIn(tx, cfg.settings);
  const codes = await upsertCodesIn(tx, cfg.reasonCodes);
  const run = async <T>(rows: readonly T[], query: (t: T) => SQL): Promise<number> => {
    for (const r of rows) await tx.run(query(r));
    return rows.length;
  };
  const applied: Record<string, number> = {
    settings: Object.keys(cfg.settings).length,
    reasonCodes: codes.added + codes.updated,
  };
  applied.channels = await run(cfg.channels, channelUpsertQuery);
  applied.payTypes = await run(cfg.payTypes, payTypeUpdateQuery);
  applied.paymentTerms = await run(cfg.paymentTerms, termUpsertQuery);
  applied.paymentTermDefaults = await run(cfg.paymentTermDefaults, termDefaultUpsertQuery);
  applied.mandateRevisionCodes = await run(cfg.mandateRevisionCodes, mandateCodeUpsertQuery);
  applied.rejectionCodes = await run(cfg.rejectionCodes, rejectionCodeUpsertQuery);
  applied.currencies = await run(cfg.currencies, currencyUpsertQuery);
  applied.exchangeRates = await run(cfg.exchangeRates, rateUpsertQuery);
  applied.customFields = await run(cfg.customFields, customFieldUpsertQuery);
  for (const set of cfg.columnSets) await writeColumnSetIn(tx, set);
  applied.columnSets = cfg.columnSets.length;
  applied.policies = await run(cfg.policies, (p) =>
    policyUpsertQuery({
      ...p,
      role: p.requirement === 'four_eyes' ? (p.role ?? null) : null,
      updatedBy: operatorId,
      updatedAt: at,
    }),
  );
  return applied;
}

/**
 * Content problems of the sections that stand on their own (settings, reason codes), found even when
 * another part of the file is malformed, so one attempt lists every problem an admin has to fix.
 */
async function independentIssuesIn(tx: Tx, raw: unknown): Promise<FieldIssue[]> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const file = raw as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const settings = configSchema.shape.settings.safeParse(file.settings);
  if (settings.success && file.settings !== undefined) {
    for (const [key, value] of Object.entries(settings.data)) {
      const p = settingProblem(key, value);
      if (p) issues.push({ path: `settings.${key}`, message: p });
    }
  }
  const codes = configSchema.shape.reasonCodes.safeParse(file.reasonCodes);
  if (codes.success && file.reasonCodes !== undefined)
    issues.push(...(await reasonCodeProblemsIn(tx, codes.data, 'reasonCodes')));
  return issues;
}

/**
 * Imports a configuration file whole: it is parsed strictly and checked against the ledger, every problem
 * is listed, and nothing is written unless the whole file is good. The audit row keeps the configuration
 * before and the file applied.
 */
export async function importConfig(
  storage: Storage,
  input: { file?: string | undefined; config?: unknown },
  now: Date,
  operatorId: number,
): Promise<ConfigImportDto> {
  const raw =
    input.file !== undefined
      ? parseJsonBytes(
          await readCommandFileVia(
            storage,
            { at: now, operatorId },
            'admin:import-config',
            input.file,
            MAX_UPLOAD_BYTES,
          ),
          input.file,
        )
      : input.config;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const independent = await storage.transaction((tx) => independentIssuesIn(tx, raw), { readOnly: true });
    const issues = [...schemaIssues(parsed.error), ...independent];
    throw invalidFields(
      `the configuration file has ${issues.length} problem(s); nothing was imported`,
      issues,
    );
  }
  const cfg = parsed.data;
  return storage.transaction(
    async (tx) => {
      const issues = await configIssuesIn(tx, cfg);
      if (issues.length)
        throw invalidFields(
          `the configuration file has ${issues.length} problem(s); nothing was imported`,
          issues,
        );
      const before = await exportConfigIn(tx, now);
      const applied = await applyConfigIn(tx, cfg, operatorId, now.toISOString());
      await appendAudit(tx, {
        at: now.toISOString(),
        operatorId,
        action: 'config.import',
        entity: 'config',
        entityId: input.file ?? null,
        before,
        after: { applied, config: cfg },
      });
      return { applied, file: input.file ?? null };
    },
    { serializable: true },
  );
}
