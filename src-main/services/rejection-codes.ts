import type Database from 'better-sqlite3';
import type { RejectionCodeDto } from '../../src-shared/dto/admin';

type Row = RejectionCodeDto;

const SELECT = `SELECT code, description, reason_type AS reasonType, reason_code AS reasonCode, decline_class AS declineClass,
  max_retries AS maxRetries, retry_reason_code AS retryReasonCode, retry_event AS retryEvent, suspension_days AS suspensionDays,
  exhausted_event AS exhaustedEvent, refund_event AS refundEvent, fallback_pay_type AS fallbackPayType FROM rejection_codes`;

/** Every recurring-payment rejection code (DOMAIN.md §2.21, §4.25), ordered by code. */
export function listRejectionCodes(db: Database.Database): RejectionCodeDto[] {
  return db.prepare(`${SELECT} ORDER BY code`).all() as Row[];
}

/**
 * The configured handling of a rejection code returned by a bank or processor, or undefined when the code
 * is not configured (callers treat an unknown code as a hard decline, as the processor's code map does).
 * Soft: retry up to maxRetries (with retryReasonCode/retryEvent), keep the account out of automated
 * payments for suspensionDays, raise exhaustedEvent when retries run out. Hard: no retry, raise
 * refundEvent if set, switch the account to fallbackPayType.
 */
export function findRejectionCode(db: Database.Database, code: string): RejectionCodeDto | undefined {
  return db.prepare(`${SELECT} WHERE code = ?`).get(code) as Row | undefined;
}
