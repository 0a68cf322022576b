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

const RATE_SQL = `SELECT rate_ppm AS ratePpm FROM exchange_rates WHERE from_currency = ? AND to_currency = ? AND valid_from <= ?
  ORDER BY valid_from DESC LIMIT 1`;

/** Converts an amount of the source currency into a target currency, or null when no rate is valid. */
export type RateConverter = (amountMinor: number, to: string) => Conversion | null;

/**
 * A converter out of one currency on one date, for a whole batch: each target currency's rate (the latest whose
 * valid_from is on or before the date) and exponents are read once and kept, so a million entries into a few
 * account currencies cost a few lookups. Same currency converts 1:1; no rate gives null, never a guess.
 */
export function rateFor(db: Database.Database, from: string, onDate: string): RateConverter {
  const fromExponent = exponentOf(db, from);
  const query = db.prepare(RATE_SQL);
  const cache = new Map<string, { ratePpm: number; toExponent: number } | null>();
  return (amountMinor, to) => {
    if (to === from) return { amountMinor, ratePpm: 1_000_000 };
    let rate = cache.get(to);
    if (rate === undefined) {
      const row = query.get(from, to, onDate) as { ratePpm: number } | undefined;
      rate = row ? { ratePpm: row.ratePpm, toExponent: exponentOf(db, to) } : null;
      cache.set(to, rate);
    }
    if (!rate) return null;
    return {
      amountMinor: convertMinor(amountMinor, {
        ratePpm: rate.ratePpm,
        fromExponent,
        toExponent: rate.toExponent,
      }),
      ratePpm: rate.ratePpm,
    };
  };
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
  const row = db.prepare(RATE_SQL).get(from, to, onDate) as { ratePpm: number } | undefined;
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
