import type Database from 'better-sqlite3';
import { convertMinor } from '../domain/allocation';
import { conflict, invalidFields } from './errors';

/** A conversion result: the converted amount and the rate used (stored with the payment and allocations). */
export type Conversion = { amountMinor: number; ratePpm: number };

/**
 * Minor-unit exponent of a currency from the ledger's currencies table. An unknown code is always the caller's
 * input (the ledger's own rows reference known currencies), so it is a validation error on `currency` everywhere.
 */
export function exponentOf(db: Database.Database, currency: string): number {
  const row = db.prepare('SELECT exponent FROM currencies WHERE code = ?').get(currency) as
    { exponent: number } | undefined;
  if (!row) {
    const message = `currency ${currency} is not set up in this ledger`;
    throw invalidFields(message, [{ path: 'currency', message }]);
  }
  return row.exponent;
}

/**
 * Converts an amount into another currency with the rate valid on the given date (the latest rate whose
 * valid_from is on or before it). Same currency converts 1:1. No rate is a conflict, never a guess.
 */
export function convertOn(
  db: Database.Database,
  amountMinor: number,
  from: string,
  to: string,
  onDate: string,
): Conversion {
  if (from === to) return { amountMinor, ratePpm: 1_000_000 };
  const row = db
    .prepare(
      `SELECT rate_ppm AS ratePpm FROM exchange_rates WHERE from_currency = ? AND to_currency = ? AND valid_from <= ?
       ORDER BY valid_from DESC LIMIT 1`,
    )
    .get(from, to, onDate) as { ratePpm: number } | undefined;
  if (!row) throw conflict('no-exchange-rate', `no ${from}→${to} exchange rate valid on ${onDate}`);
  return {
    amountMinor: convertMinor(amountMinor, {
      ratePpm: row.ratePpm,
      fromExponent: exponentOf(db, from),
      toExponent: exponentOf(db, to),
    }),
    ratePpm: row.ratePpm,
  };
}
