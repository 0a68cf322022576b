import type Database from 'better-sqlite3';
import { z } from 'zod';
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
import { writeAudit } from '../../ledger/audit';
import { invalidFields } from '../../ledger/errors';
import { SETTING_DEFAULTS, getSetting, type SettingKey } from '../../ledger/settings';
import { listRejectionCodes } from '../rejection-codes';
import {
  listAllCodes,
  parseJsonBytes,
  reasonCodeProblems,
  schemaIssues,
  sourceBytes,
  upsertCodes,
} from './codes-admin';
import {
  columnSetIssues,
  customFieldIssues,
  listColumnSets,
  listCustomFields,
  writeColumnSet,
} from './columns';
import {
  channelIssues,
  listChannels,
  listCurrencies,
  listMandateCodes,
  listPayTypes,
  listRates,
  listTerms,
  rateIssues,
  rateToPpm,
  rejectionCodeIssues,
  termDefaultIssues,
} from './reference-data';
import { settingProblem, writeSettings } from './settings-admin';
import { listPolicies } from '../approvals/policies';
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
export function exportConfig(db: Database.Database, now: Date): ConfigFileDto {
  const { terms, defaults } = listTerms(db);
  return {
    format: 'paydesk-config',
    version: 1,
    exportedAt: now.toISOString(),
    settings: Object.fromEntries(
      (Object.keys(SETTING_DEFAULTS) as SettingKey[]).map((k): [string, SettingValue] => [
        k,
        getSetting(db, k),
      ]),
    ),
    reasonCodes: listAllCodes(db, true),
    channels: listChannels(db),
    payTypes: listPayTypes(db).map(({ payType, name, enabled }) => ({ payType, name, enabled })),
    paymentTerms: terms,
    paymentTermDefaults: defaults,
    mandateRevisionCodes: listMandateCodes(db),
    rejectionCodes: listRejectionCodes(db),
    currencies: listCurrencies(db),
    exchangeRates: listRates(db, {}).map(({ fromCurrency, toCurrency, validFrom, rate }) => ({
      fromCurrency,
      toCurrency,
      validFrom,
      rate,
    })),
    customFields: listCustomFields(db),
    columnSets: listColumnSets(db),
    policies: listPolicies(db).map(({ operation, currency, above, requirement, role }) => ({
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
function configIssues(db: Database.Database, cfg: ConfigFile): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [key, value] of Object.entries(cfg.settings)) {
    const p = settingProblem(key, value);
    if (p) issues.push({ path: `settings.${key}`, message: p });
  }
  issues.push(...reasonCodeProblems(db, cfg.reasonCodes, 'reasonCodes'));
  issues.push(
    ...duplicates(cfg.policies, (p) => `${p.operation}/${p.currency}`, 'policies', 'operation', 'policy'),
  );
  issues.push(...duplicates(cfg.channels, (c) => String(c.id), 'channels', 'id', 'channel'));
  cfg.channels.forEach((c, i) => issues.push(...channelIssues(c, `channels.${i}.`)));
  const ledgerPayTypes = new Map(listPayTypes(db).map((p) => [p.payType, p.enabled]));
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
    ...listTerms(db).terms.map((t) => t.code),
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
  const ledgerCurrencies = new Map(listCurrencies(db).map((c) => [c.code, c.exponent]));
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
  const fields = new Map(listCustomFields(db).map((f) => [f.key, f]));
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
function applyConfig(
  db: Database.Database,
  cfg: ConfigFile,
  operatorId: number,
  at: string,
): Record<string, number> {
  writeSettings(db, cfg.settings);
  const codes = upsertCodes(db, cfg.reasonCodes);
  const run = <T>(sql: string, rows: readonly T[], args: (t: T) => unknown[]): number => {
    const stmt = db.prepare(sql);
    for (const r of rows) stmt.run(...args(r));
    return rows.length;
  };
  return {
    settings: Object.keys(cfg.settings).length,
    reasonCodes: codes.added + codes.updated,
    channels: run(
      `INSERT INTO payment_channels (id, description, active) VALUES (?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET description = excluded.description, active = excluded.active`,
      cfg.channels,
      (c) => [c.id, c.description, c.active ? 1 : 0],
    ),
    payTypes: run(
      'UPDATE pay_type_settings SET name = ?, enabled = ? WHERE pay_type = ?',
      cfg.payTypes,
      (p) => [p.name, p.enabled ? 1 : 0, p.payType],
    ),
    paymentTerms: run(
      `INSERT INTO payment_terms (code, description, days) VALUES (?, ?, ?)
       ON CONFLICT(code) DO UPDATE SET description = excluded.description, days = excluded.days`,
      cfg.paymentTerms,
      (t) => [t.code, t.description, t.days],
    ),
    paymentTermDefaults: run(
      `INSERT INTO payment_term_defaults (code, pay_type, term_code, security_levels) VALUES (?, ?, ?, ?)
       ON CONFLICT(code) DO UPDATE SET pay_type = excluded.pay_type, term_code = excluded.term_code,
         security_levels = excluded.security_levels`,
      cfg.paymentTermDefaults,
      (d) => [d.code, d.payType, d.termCode, [...new Set(d.securityLevels)].join(',')],
    ),
    mandateRevisionCodes: run(
      `INSERT OR REPLACE INTO mandate_revision_codes (code, name, action, reason_type, reason_code, event_type, event_code)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      cfg.mandateRevisionCodes,
      (m) => [m.code, m.name, m.action, m.reasonType, m.reasonCode, m.eventType, m.eventCode],
    ),
    rejectionCodes: run(
      `INSERT OR REPLACE INTO rejection_codes (code, description, reason_type, reason_code, decline_class, max_retries,
         retry_reason_code, retry_event, suspension_days, exhausted_event, refund_event, fallback_pay_type)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      cfg.rejectionCodes,
      (r) => [
        r.code,
        r.description,
        r.reasonType,
        r.reasonCode,
        r.declineClass,
        r.maxRetries,
        r.retryReasonCode,
        r.retryEvent,
        r.suspensionDays,
        r.exhaustedEvent,
        r.refundEvent,
        r.fallbackPayType,
      ],
    ),
    currencies: run(
      `INSERT INTO currencies (code, exponent, name) VALUES (?, ?, ?) ON CONFLICT(code) DO UPDATE SET name = excluded.name`,
      cfg.currencies,
      (c) => [c.code, c.exponent, c.name],
    ),
    exchangeRates: run(
      `INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm) VALUES (?, ?, ?, ?)
       ON CONFLICT(from_currency, to_currency, valid_from) DO UPDATE SET rate_ppm = excluded.rate_ppm`,
      cfg.exchangeRates,
      (r) => [r.fromCurrency, r.toCurrency, r.validFrom, rateToPpm(r.rate)],
    ),
    customFields: run(
      `INSERT INTO custom_fields (key, label, type, codes_json, max_length) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET label = excluded.label, type = excluded.type, codes_json = excluded.codes_json,
         max_length = excluded.max_length`,
      cfg.customFields,
      (f) => [f.key, f.label, f.type, JSON.stringify(f.codes), f.maxLength],
    ),
    columnSets: cfg.columnSets.map((s) => writeColumnSet(db, s)).length,
    policies: run(
      `INSERT INTO approval_policies (operation, currency, above, requirement, role, updated_by, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (operation, currency) DO UPDATE SET above = excluded.above, requirement = excluded.requirement,
         role = excluded.role, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
      cfg.policies,
      (p) => [
        p.operation,
        p.currency,
        p.above,
        p.requirement,
        p.requirement === 'four_eyes' ? (p.role ?? null) : null,
        operatorId,
        at,
      ],
    ),
  };
}

/**
 * Content problems of the sections that stand on their own (settings, reason codes), found even when
 * another part of the file is malformed, so one attempt lists every problem an admin has to fix.
 */
function independentIssues(db: Database.Database, raw: unknown): FieldIssue[] {
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
    issues.push(...reasonCodeProblems(db, codes.data, 'reasonCodes'));
  return issues;
}

/**
 * Imports a configuration file whole: it is parsed strictly and checked against the ledger, every problem
 * is listed, and nothing is written unless the whole file is good. The audit row keeps the configuration
 * before and the file applied.
 */
export function importConfig(
  db: Database.Database,
  input: { file?: string | undefined; config?: unknown },
  now: Date,
  operatorId: number,
): ConfigImportDto {
  const raw =
    input.file !== undefined
      ? (() => {
          const { bytes, name } = sourceBytes(
            db,
            { file: input.file },
            { at: now, operatorId },
            'admin:import-config',
          );
          return parseJsonBytes(bytes, name);
        })()
      : input.config;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = [...schemaIssues(parsed.error), ...independentIssues(db, raw)];
    throw invalidFields(
      `the configuration file has ${issues.length} problem(s); nothing was imported`,
      issues,
    );
  }
  const cfg = parsed.data;
  return db.transaction(() => {
    const issues = configIssues(db, cfg);
    if (issues.length)
      throw invalidFields(
        `the configuration file has ${issues.length} problem(s); nothing was imported`,
        issues,
      );
    const before = exportConfig(db, now);
    const applied = applyConfig(db, cfg, operatorId, now.toISOString());
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'config.import',
      entity: 'config',
      entityId: input.file ?? null,
      before,
      after: { applied, config: cfg },
    });
    return { applied, file: input.file ?? null };
  })();
}
