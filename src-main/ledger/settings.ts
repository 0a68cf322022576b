import type Database from 'better-sqlite3';
import { settingQuery } from '../../db/repos/settings';
import type { Tx } from '../../db/storage/port';
import { driverGet } from '../../db/storage/sqlite';
import { get, type Steps } from '../../db/storage/steps';

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
  /** Refund reason (reason domain 18) for refund entries that name none. */
  'refund.defaultReason': 4201,
  PaymentIncentive: false,
  /** Payment Tool's date format for batch create/import; '' follows the operating system's locale. */
  DefaultDateFormat: '',
  /** Payment Center's date format (search, undo allocation, results). */
  'paymentCenter.dateFormat': 'MM/dd/yyyy',
  'paymentsearch.stepsize': 5,
  /** payment_batch_lock: lock the whole batch's accounts, or one account at a time. */
  'payment.batchLock': 'batch',
  /** Collection (pin_collect): bills owing less than this decimal amount are not collected (DOMAIN.md §4.1). */
  'collect.minimumAmount': '2.00',
  /** Collection date: finalized (bill date), due (due date) or before-due:N (N days before the due date). */
  'collect.datePolicy': 'finalized',
  /** Soft declines: retries on later runs, days an account is left out of automatic collection. */
  'collect.softRetries': 3,
  'collect.suspendDays': 5,
  /** The manual pay type an account falls back to after a hard decline or the last retry. */
  'collect.fallbackPayType': 10001,
  /** Failed-payment fee in minor units for financial declines only (V14); 0 turns it off. */
  'collect.failedPaymentFeeMinor': 0,
  /** Card-network retry caps: Visa-like attempts per card in 30 days, Mastercard-like in 24 hours. */
  'collect.visaCap30d': 15,
  'collect.mastercardCap24h': 10,
  /** Collection concurrency (processor batches in flight) and items per processor batch. */
  'collect.concurrency': 4,
  'collect.batchSize': 500,
  /** One-off payments: minutes a prepared payment stays confirmable; amounts above this need a supervisor. */
  'pay.expiryMinutes': 15,
  'pay.fourEyesAmount': '1000.00',
  /**
   * Confirmations (README "Confirmations"): a batch whose total (decimal, in the batch currency) is over this
   * needs a prepared and confirmed submit; minutes a prepared run or submit stays confirmable.
   */
  'confirm.submitAboveAmount': '10000.00',
  'confirm.expiryMinutes': 10,
  /** Sign-in (issue #12): failed attempts in a row before the operator is locked, and for how long. */
  'auth.lockoutAttempts': 5,
  'auth.lockoutMinutes': 15,
  /** Minutes without a command before a desktop or browser session locks; 0 never locks. */
  'auth.idleLockMinutes': 15,
  /** Approvals (README "Policies and approvals"): minutes a prepared operation waits, failed confirms allowed. */
  'approvals.expiryMinutes': 240,
  'approvals.maxAttempts': 3,
  /**
   * Direct debit (issue #14): days between the bill date (the pre-notification) and the earliest collection
   * date, and the earliest collection date as days after today.
   */
  'dd.preNotificationDays': 14,
  'dd.leadDays': 1,
} as const;

/** A setting name. */
export type SettingKey = keyof typeof SETTING_DEFAULTS;

/** Reads a setting, falling back to its default when unset or unreadable. */
export function getSetting<K extends SettingKey>(
  db: Database.Database,
  key: K,
): (typeof SETTING_DEFAULTS)[K] | string | boolean | number {
  return settingValue(key, driverGet<{ value: string }>(db, settingQuery(key)));
}

/** getSetting in a port transaction. */
export async function getSettingIn<K extends SettingKey>(
  tx: Tx,
  key: K,
): Promise<(typeof SETTING_DEFAULTS)[K] | string | boolean | number> {
  return settingValue(key, await tx.get<{ value: string }>(settingQuery(key)));
}

/** getSetting as a step (db/storage/steps.ts): the same query, through the driver or in a port transaction. */
export function* settingStep<K extends SettingKey>(
  key: K,
): Steps<(typeof SETTING_DEFAULTS)[K] | string | boolean | number> {
  return settingValue(key, yield* get<{ value: string }>(settingQuery(key)));
}

/** A setting's stored JSON, or its default when unset or unreadable. */
function settingValue<K extends SettingKey>(
  key: K,
  row: { value: string } | undefined,
): (typeof SETTING_DEFAULTS)[K] | string | boolean | number {
  if (!row) return SETTING_DEFAULTS[key];
  try {
    return JSON.parse(row.value) as string | boolean | number;
  } catch {
    return SETTING_DEFAULTS[key];
  }
}
