import { sql, type SQL } from 'drizzle-orm';

/** A currency's minor-unit exponent. */
export function currencyExponentQuery(code: string): SQL {
  return sql`SELECT exponent FROM currencies WHERE code = ${code}`;
}

/** The rate from one currency to another valid on a date: the latest whose valid_from is on or before it. */
export function rateOnQuery(from: string, to: string, onDate: string): SQL {
  return sql`SELECT rate_ppm AS "ratePpm" FROM exchange_rates
    WHERE from_currency = ${from} AND to_currency = ${to} AND valid_from <= ${onDate}
    ORDER BY valid_from DESC LIMIT 1`;
}

/** Every currency the ledger knows, by code. */
export function currenciesQuery(): SQL {
  return sql`SELECT code, exponent, name FROM currencies ORDER BY code`;
}
