import type Database from 'better-sqlite3';
import { rejectionCodeQuery, rejectionCodesQuery } from '../../db/repos/reference-data';
import { driverAll, driverGet } from '../../db/storage/sqlite';
import type { RejectionCodeDto } from '../../src-shared/dto/admin';

// The synchronous readers of rejection codes for the direct debit and returns code that still runs in a driver
// transaction; they run the repository's queries (db/repos/reference-data.ts), so the SQL is written once.

/** Every recurring-payment rejection code (DOMAIN.md §2.21, §4.25), ordered by code. */
export function listRejectionCodes(db: Database.Database): RejectionCodeDto[] {
  return driverAll<RejectionCodeDto>(db, rejectionCodesQuery({ dialect: 'sqlite' }));
}

/**
 * The configured handling of a rejection code returned by a bank or processor, or undefined when the code
 * is not configured (callers treat an unknown code as a hard decline, as the processor's code map does).
 * Soft: retry up to maxRetries (with retryReasonCode/retryEvent), keep the account out of automated
 * payments for suspensionDays, raise exhaustedEvent when retries run out. Hard: no retry, raise
 * refundEvent if set, switch the account to fallbackPayType.
 */
export function findRejectionCode(db: Database.Database, code: string): RejectionCodeDto | undefined {
  return driverGet<RejectionCodeDto>(db, rejectionCodeQuery(code));
}
