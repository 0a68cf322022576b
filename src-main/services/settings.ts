import type Database from 'better-sqlite3';

/** Business settings with their defaults (DOMAIN.md §5); the admin release makes them editable. */
export const SETTING_DEFAULTS = {
  ALLOWACCOUNTDUP: false,
  NoManualAllocation: false,
  SearchBillAmount: false,
  PaymentSuspense: false,
  'allocation.policy': 'standard',
  'allocation.overpayment': 'credit',
  'allocation.underpayment': 'partial',
  /** Allow submitting a batch whose zero-proof figures differ, with a reason (audited). */
  'zeroProof.override': false,
  /** Submit is refused when more than this percentage of entries would go to suspense. */
  'suspense.thresholdPercent': 100,
} as const;

/** A setting name. */
export type SettingKey = keyof typeof SETTING_DEFAULTS;

/** Reads a setting, falling back to its default when unset or unreadable. */
export function getSetting<K extends SettingKey>(
  db: Database.Database,
  key: K,
): (typeof SETTING_DEFAULTS)[K] | string | boolean | number {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
    { value: string } | undefined;
  if (!row) return SETTING_DEFAULTS[key];
  try {
    return JSON.parse(row.value) as string | boolean | number;
  } catch {
    return SETTING_DEFAULTS[key];
  }
}
