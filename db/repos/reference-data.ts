import { sql, type SQL } from 'drizzle-orm';
import type {
  ChannelDto,
  MandateRevisionCodeDto,
  PaymentTermDefaultDto,
  PaymentTermDto,
  RejectionCodeDto,
} from '../../src-shared/dto/admin';
import type { CurrencyDto } from '../../src-shared/dto/app';
import { rateToPpm } from '../../src-shared/rates';
import type { Tx } from '../storage/port';
import { binary } from './dialect';

// The desk's reference data (payment channels, pay types, payment terms and their defaults, mandate revision and
// rejection codes, currencies, dated exchange rates): one statement per change, shared by the admin screens and
// the configuration-file import, so a save and an import write alike. Flags stay 0/1 integers on both databases.

/** The dialect a query is compiled for (the driver's sync callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** A payment channel as stored. */
export type ChannelRecord = { id: number; description: string; active: number };

/** Every payment channel by id (0, the unspecified channel, first). */
export function channelsQuery(): SQL {
  return sql`SELECT id, description, active FROM payment_channels ORDER BY id`;
}

/** A channel added or changed. */
export function channelUpsertQuery(c: ChannelDto): SQL {
  return sql`INSERT INTO payment_channels (id, description, active) VALUES (${c.id}, ${c.description}, ${c.active ? 1 : 0})
             ON CONFLICT (id) DO UPDATE SET description = excluded.description, active = excluded.active`;
}

/** A pay type's settings as stored. */
export type PayTypeRecord = { payType: number; name: string; enabled: number };

/** Every pay type set up on the desk, by pay type. */
export function payTypesQuery(): SQL {
  return sql`SELECT pay_type AS "payType", name, enabled FROM pay_type_settings ORDER BY pay_type`;
}

/** One pay type's enabled flag (no row: not set up). */
export function payTypeEnabledQuery(payType: number): SQL {
  return sql`SELECT enabled FROM pay_type_settings WHERE pay_type = ${payType}`;
}

/** A pay type renamed or switched on or off; a pay type not set up is left alone (no row changes). */
export function payTypeUpdateQuery(p: { payType: number; name: string; enabled: boolean }): SQL {
  return sql`UPDATE pay_type_settings SET name = ${p.name}, enabled = ${p.enabled ? 1 : 0} WHERE pay_type = ${p.payType}`;
}

/** Every payment term by code. */
export function termsQuery(on: On): SQL {
  return sql`SELECT code, description, days FROM payment_terms ORDER BY ${binary(on, sql`code`)}`;
}

/** A payment term added or changed. */
export function termUpsertQuery(t: PaymentTermDto): SQL {
  return sql`INSERT INTO payment_terms (code, description, days) VALUES (${t.code}, ${t.description}, ${t.days})
             ON CONFLICT (code) DO UPDATE SET description = excluded.description, days = excluded.days`;
}

/** A payment term deleted. */
export function termDeleteQuery(code: string): SQL {
  return sql`DELETE FROM payment_terms WHERE code = ${code}`;
}

/** The first default (by code) whose term is this one. */
export function defaultOfTermQuery(on: On, termCode: string): SQL {
  return sql`SELECT code FROM payment_term_defaults WHERE term_code = ${termCode}
             ORDER BY ${binary(on, sql`code`)} LIMIT 1`;
}

/** Whether a bill unit settles on this term. */
export function termUsedByBillUnitsQuery(termCode: string): SQL {
  return sql`SELECT 1 AS "used" FROM bill_units WHERE payment_term = ${termCode} LIMIT 1`;
}

/** A payment term default as stored (security levels a comma list). */
export type TermDefaultRecord = { code: string; payType: number; termCode: string; levels: string };

/** Every payment term default by code. */
export function termDefaultsQuery(on: On): SQL {
  return sql`SELECT code, pay_type AS "payType", term_code AS "termCode", security_levels AS "levels"
             FROM payment_term_defaults ORDER BY ${binary(on, sql`code`)}`;
}

/** The security levels as stored: each once, in the order given. */
export function storedLevels(levels: readonly string[]): string[] {
  return [...new Set(levels)];
}

/** A payment term default added or changed (a security level given twice is kept once). */
export function termDefaultUpsertQuery(d: PaymentTermDefaultDto): SQL {
  return sql`INSERT INTO payment_term_defaults (code, pay_type, term_code, security_levels)
             VALUES (${d.code}, ${d.payType}, ${d.termCode}, ${storedLevels(d.securityLevels).join(',')})
             ON CONFLICT (code) DO UPDATE SET pay_type = excluded.pay_type, term_code = excluded.term_code,
               security_levels = excluded.security_levels`;
}

/** A payment term default deleted. */
export function termDefaultDeleteQuery(code: string): SQL {
  return sql`DELETE FROM payment_term_defaults WHERE code = ${code}`;
}

/** Every mandate revision code by code. */
export function mandateCodesQuery(on: On): SQL {
  return sql`SELECT code, name, action, reason_type AS "reasonType", reason_code AS "reasonCode",
               event_type AS "eventType", event_code AS "eventCode"
             FROM mandate_revision_codes ORDER BY ${binary(on, sql`code`)}`;
}

/** A mandate revision code added or replaced whole. */
export function mandateCodeUpsertQuery(m: MandateRevisionCodeDto): SQL {
  return sql`INSERT INTO mandate_revision_codes (code, name, action, reason_type, reason_code, event_type, event_code)
             VALUES (${m.code}, ${m.name}, ${m.action}, ${m.reasonType}, ${m.reasonCode}, ${m.eventType}, ${m.eventCode})
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, action = excluded.action,
               reason_type = excluded.reason_type, reason_code = excluded.reason_code,
               event_type = excluded.event_type, event_code = excluded.event_code`;
}

/** A mandate revision code deleted. */
export function mandateCodeDeleteQuery(code: string): SQL {
  return sql`DELETE FROM mandate_revision_codes WHERE code = ${code}`;
}

const REJECTION_COLUMNS = sql`code, description, reason_type AS "reasonType", reason_code AS "reasonCode",
  decline_class AS "declineClass", max_retries AS "maxRetries", retry_reason_code AS "retryReasonCode",
  retry_event AS "retryEvent", suspension_days AS "suspensionDays", exhausted_event AS "exhaustedEvent",
  refund_event AS "refundEvent", fallback_pay_type AS "fallbackPayType"`;

/** Every rejection code by code. */
export function rejectionCodesQuery(on: On): SQL {
  return sql`SELECT ${REJECTION_COLUMNS} FROM rejection_codes ORDER BY ${binary(on, sql`code`)}`;
}

/** One rejection code. */
export function rejectionCodeQuery(code: string): SQL {
  return sql`SELECT ${REJECTION_COLUMNS} FROM rejection_codes WHERE code = ${code}`;
}

/** A rejection code added or replaced whole. */
export function rejectionCodeUpsertQuery(r: RejectionCodeDto): SQL {
  return sql`INSERT INTO rejection_codes (code, description, reason_type, reason_code, decline_class, max_retries,
               retry_reason_code, retry_event, suspension_days, exhausted_event, refund_event, fallback_pay_type)
             VALUES (${r.code}, ${r.description}, ${r.reasonType}, ${r.reasonCode}, ${r.declineClass}, ${r.maxRetries},
               ${r.retryReasonCode}, ${r.retryEvent}, ${r.suspensionDays}, ${r.exhaustedEvent}, ${r.refundEvent},
               ${r.fallbackPayType})
             ON CONFLICT (code) DO UPDATE SET description = excluded.description, reason_type = excluded.reason_type,
               reason_code = excluded.reason_code, decline_class = excluded.decline_class,
               max_retries = excluded.max_retries, retry_reason_code = excluded.retry_reason_code,
               retry_event = excluded.retry_event, suspension_days = excluded.suspension_days,
               exhausted_event = excluded.exhausted_event, refund_event = excluded.refund_event,
               fallback_pay_type = excluded.fallback_pay_type`;
}

/** A rejection code deleted. */
export function rejectionCodeDeleteQuery(code: string): SQL {
  return sql`DELETE FROM rejection_codes WHERE code = ${code}`;
}

/** Every currency by code. */
export function currenciesQuery(on: On): SQL {
  return sql`SELECT code, exponent, name FROM currencies ORDER BY ${binary(on, sql`code`)}`;
}

/**
 * A currency added, or renamed: the exponent of a currency already in the ledger is never written, since its
 * amounts are stored in those minor units.
 */
export function currencyUpsertQuery(c: CurrencyDto): SQL {
  return sql`INSERT INTO currencies (code, exponent, name) VALUES (${c.code}, ${c.exponent}, ${c.name})
             ON CONFLICT (code) DO UPDATE SET name = excluded.name`;
}

/** A dated exchange rate as stored. */
export type RateRecord = { fromCurrency: string; toCurrency: string; validFrom: string; ratePpm: number };

/** The dated rates, of one source and/or target currency when given, by pair and newest first. */
export function ratesQuery(
  on: On,
  filter: { fromCurrency?: string | undefined; toCurrency?: string | undefined },
): SQL {
  // Conditions left out rather than `(? IS NULL OR ...)`: PostgreSQL cannot type a parameter that is only tested
  // for NULL.
  const where = [
    ...(filter.fromCurrency === undefined ? [] : [sql`from_currency = ${filter.fromCurrency}`]),
    ...(filter.toCurrency === undefined ? [] : [sql`to_currency = ${filter.toCurrency}`]),
  ];
  return sql`SELECT from_currency AS "fromCurrency", to_currency AS "toCurrency", valid_from AS "validFrom",
               rate_ppm AS "ratePpm"
             FROM exchange_rates ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
             ORDER BY ${binary(on, sql`from_currency`)}, ${binary(on, sql`to_currency`)}, ${binary(on, sql`valid_from`)} DESC`;
}

/** A pair's rate from a date on, added or replacing the rate of that same date. */
export function rateUpsertQuery(r: {
  fromCurrency: string;
  toCurrency: string;
  validFrom: string;
  rate: string;
}): SQL {
  return sql`INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm)
             VALUES (${r.fromCurrency}, ${r.toCurrency}, ${r.validFrom}, ${rateToPpm(r.rate)})
             ON CONFLICT (from_currency, to_currency, valid_from) DO UPDATE SET rate_ppm = excluded.rate_ppm`;
}
