import { appendAudit } from '../../../db/repos/audit';
import { settingUpsertQuery } from '../../../db/repos/settings';
import type { Storage, Tx } from '../../../db/storage/port';
import type { SettingDto, SettingValue } from '../../../src-shared/dto/admin';
import { invalidFields } from '../../ledger/errors';
import { getSettingIn, SETTING_DEFAULTS, type SettingKey } from '../../ledger/settings';

type Rule =
  | { kind: 'boolean'; description: string }
  | { kind: 'integer'; min: number; max: number; description: string }
  | { kind: 'number'; min: number; max: number; description: string }
  | { kind: 'enum'; options: readonly string[]; description: string }
  | { kind: 'decimal'; description: string }
  | { kind: 'text'; pattern: RegExp; description: string };

/**
 * Rules of the settings this area knows in detail. A setting added elsewhere without a rule here gets one
 * from its default's type (switch, whole number, decimal string, short text), so it is still typed.
 */
export const SETTING_RULES: Partial<Record<SettingKey, Rule>> = {
  ALLOWACCOUNTDUP: { kind: 'boolean', description: 'Several payments to the same account in one batch (V4)' },
  NoManualAllocation: {
    kind: 'boolean',
    description: 'No underpayment error for several payments to one bill; manual allocation off (V5)',
  },
  SearchBillAmount: { kind: 'boolean', description: 'Match bills by amount before oldest-first (V6)' },
  PaymentSuspense: { kind: 'boolean', description: 'Payment suspense: unmatched payments go to suspense' },
  'allocation.policy': {
    kind: 'enum',
    options: ['standard', 'bill-number', 'fifo', 'proportional', 'largest'],
    description: 'Automatic allocation policy',
  },
  'allocation.overpayment': {
    kind: 'enum',
    options: ['credit', 'suspend', 'refuse'],
    description: 'Overpayment: keep as unallocated credit, suspend the excess, or refuse',
  },
  'allocation.underpayment': {
    kind: 'enum',
    options: ['partial', 'manual'],
    description: 'Underpayment: allocate partially, or require manual allocation',
  },
  'zeroProof.override': {
    kind: 'boolean',
    description: 'Allow a supervisor to submit a batch whose zero-proof figures differ, with a reason',
  },
  'suspense.thresholdPercent': {
    kind: 'integer',
    min: 0,
    max: 100,
    description: 'Refuse submit when more than this percentage of entries would go to suspense',
  },
  PaymentIncentive: { kind: 'boolean', description: 'Payment incentives (BusParamsAR)' },
  DefaultDateFormat: {
    kind: 'enum',
    options: ['', 'MM/dd/yyyy', 'MM-dd-yyyy', 'MM.dd.yyyy', 'dd/MM/yyyy', 'dd-MM-yyyy', 'dd.MM.yyyy'],
    description: "Payment Tool date format for batch create and import ('' = the operating system's locale)",
  },
  'paymentCenter.dateFormat': {
    kind: 'enum',
    options: ['MM/dd/yyyy', 'dd/MM/yyyy', 'dd/MMM/yyyy', 'dd.MMMM.yyyy', 'yyyy/dd/MM', 'MMM/dd/yyyy'],
    description: 'Payment Center date format (search, undo allocation, results)',
  },
  'paymentsearch.stepsize': {
    kind: 'integer',
    min: 1,
    max: 1000,
    description: 'Payment events fetched per search step',
  },
  'payment.batchLock': {
    kind: 'enum',
    options: ['batch', 'account'],
    description: 'Lock level while a batch posts: every account of the batch, or one account at a time',
  },
  'collect.minimumAmount': {
    kind: 'decimal',
    description: 'Minimum amount to collect (bills owing less are skipped)',
  },
  'collect.datePolicy': {
    kind: 'text',
    pattern: /^(finalized|due|before-due:\d{1,3})$/,
    description: 'Collection date: finalized (bill date), due (due date) or before-due:N',
  },
  'confirm.submitAboveAmount': {
    kind: 'decimal',
    description: 'Batch submit needs an explicit confirmation when the batch total is over this amount',
  },
  'confirm.expiryMinutes': {
    kind: 'integer',
    min: 1,
    max: 1440,
    description: 'Minutes a previewed run or submit stays confirmable',
  },
  'approvals.expiryMinutes': {
    kind: 'integer',
    min: 1,
    max: 10080,
    description: 'Minutes an operation waiting for approval stays approvable',
  },
  'approvals.maxAttempts': {
    kind: 'integer',
    min: 1,
    max: 20,
    description: 'Failed approval attempts (wrong code, own operation, missing role) before it is rejected',
  },
  'auth.idleLockMinutes': {
    kind: 'number',
    min: 0,
    max: 1440,
    description:
      'Minutes without activity before a desktop or browser session locks (0 = never; fractions allowed)',
  },
};

const DECIMAL_TEXT = /^\d{1,15}(\.\d{1,6})?$/;

/** The rule of a setting: its own, or one inferred from the default's type. */
export function ruleOf(key: SettingKey): Rule {
  const own = SETTING_RULES[key];
  if (own) return own;
  const def: unknown = SETTING_DEFAULTS[key];
  if (typeof def === 'boolean') return { kind: 'boolean', description: key };
  if (typeof def === 'number') return { kind: 'integer', min: 0, max: 2_147_483_647, description: key };
  if (typeof def === 'string' && DECIMAL_TEXT.test(def)) return { kind: 'decimal', description: key };
  return { kind: 'text', pattern: /^[\p{L}\p{N}\p{P}\p{S} ]{0,200}$/u, description: key };
}

function isSettingKey(key: string): key is SettingKey {
  return Object.prototype.hasOwnProperty.call(SETTING_DEFAULTS, key);
}

/** Why a value does not fit a setting's rule, or null. */
export function settingProblem(key: string, value: unknown): string | null {
  if (!isSettingKey(key)) return `${key} is not a setting`;
  const rule = ruleOf(key);
  switch (rule.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? null : `${key} takes true or false`;
    case 'integer':
      return Number.isInteger(value) && (value as number) >= rule.min && (value as number) <= rule.max
        ? null
        : `${key} takes a whole number from ${rule.min} to ${rule.max}`;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max
        ? null
        : `${key} takes a number from ${rule.min} to ${rule.max}`;
    case 'enum':
      return typeof value === 'string' && rule.options.includes(value)
        ? null
        : `${key} takes one of ${rule.options.map((o) => (o === '' ? "''" : o)).join(', ')}`;
    case 'decimal':
      return typeof value === 'string' && DECIMAL_TEXT.test(value)
        ? null
        : `${key} takes a decimal amount such as 2.00`;
    case 'text':
      return typeof value === 'string' && rule.pattern.test(value)
        ? null
        : `${key} does not take ${JSON.stringify(value)}`;
  }
}

async function toDtoIn(tx: Tx, key: SettingKey): Promise<SettingDto> {
  const rule = ruleOf(key);
  const value: SettingValue = await getSettingIn(tx, key);
  const defaultValue = SETTING_DEFAULTS[key] as SettingValue;
  return {
    key,
    value,
    defaultValue,
    isDefault: value === defaultValue,
    kind: rule.kind,
    ...(rule.kind === 'enum' ? { options: [...rule.options] } : {}),
    ...(rule.kind === 'integer' || rule.kind === 'number' ? { min: rule.min, max: rule.max } : {}),
    ...(rule.kind === 'text' ? { pattern: rule.pattern.source } : {}),
    description: rule.description,
  };
}

/** Every setting with its current value, default and rule. */
export function listSettings(storage: Storage): Promise<SettingDto[]> {
  return storage.transaction(
    async (tx) => {
      const out: SettingDto[] = [];
      for (const k of Object.keys(SETTING_DEFAULTS) as SettingKey[]) out.push(await toDtoIn(tx, k));
      return out;
    },
    { readOnly: true },
  );
}

/**
 * Accepts a value typed at the command line: "true"/"false" for switches, digits (and a decimal point where
 * fractions are allowed) for numbers, text as is,
 * so `settings set ALLOWACCOUNTDUP true` does not need JSON quoting.
 */
export function coerceSettingText(key: string, text: string): unknown {
  if (!isSettingKey(key)) return text;
  const kind = ruleOf(key).kind;
  if (kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (kind === 'integer') return /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : text;
  if (kind === 'number') return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : text;
  return text;
}

/** Writes settings without auditing (the caller checks every value first and audits). */
export async function writeSettingsIn(tx: Tx, values: Record<string, unknown>): Promise<void> {
  for (const [k, v] of Object.entries(values)) await tx.run(settingUpsertQuery(k, JSON.stringify(v)));
}

/** Sets one setting after checking it against its rule; audited with the value before and after. */
export async function setSetting(
  storage: Storage,
  input: { key: string; value: unknown },
  now: Date,
  operatorId: number,
): Promise<SettingDto> {
  const problem = settingProblem(input.key, input.value);
  if (problem)
    throw invalidFields(problem, [{ path: isSettingKey(input.key) ? 'value' : 'key', message: problem }]);
  const key = input.key as SettingKey;
  return storage.transaction(async (tx) => {
    const before = await getSettingIn(tx, key);
    await writeSettingsIn(tx, { [key]: input.value });
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'setting.set',
      entity: 'setting',
      entityId: key,
      before: { value: before },
      after: { value: input.value },
    });
    return toDtoIn(tx, key);
  });
}
