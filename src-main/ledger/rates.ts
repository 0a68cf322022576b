import type Database from 'better-sqlite3';
import { currencyExponentQuery, rateOnQuery } from '../../db/repos/currencies';
import type { Tx } from '../../db/storage/port';
import { driverGet } from '../../db/storage/sqlite';
import { get, type Steps } from '../../db/storage/steps';
import { convertMinor } from '../domain/allocation';
import { conflict, invalidFields, type AppFailure } from './errors';

/** A conversion result: the converted amount and the rate used (stored with the payment and allocations). */
export type Conversion = { amountMinor: number; ratePpm: number };

/**
 * Minor-unit exponent of a currency from the ledger's currencies table. An unknown code is always the caller's
 * input (the ledger's own rows reference known currencies), so it is a validation error on `currency` everywhere.
 */
export function exponentOf(db: Database.Database, currency: string): number {
  return exponentFrom(driverGet(db, currencyExponentQuery(currency)), currency);
}

/** exponentOf in a port transaction. */
export async function exponentOfIn(tx: Tx, currency: string): Promise<number> {
  return exponentFrom(await tx.get(currencyExponentQuery(currency)), currency);
}

/** exponentOf as a step (db/storage/steps.ts): the same query, through the driver or in a port transaction. */
export function* exponentStep(currency: string): Steps<number> {
  return exponentFrom(yield* get<{ exponent: number }>(currencyExponentQuery(currency)), currency);
}

function exponentFrom(row: { exponent: number } | undefined, currency: string): number {
  if (!row) {
    const message = `currency ${currency} is not set up in this ledger`;
    throw invalidFields(message, [{ path: 'currency', message }]);
  }
  return row.exponent;
}

/** Converts an amount of the source currency into a target currency, or null when no rate is valid. */
export type RateConverter = (amountMinor: number, to: string) => Conversion | null;

/**
 * A converter out of one currency on one date, for a whole batch: each target currency's rate (the latest whose
 * valid_from is on or before the date) and exponents are read once and kept, so a million entries into a few
 * account currencies cost a few lookups. Same currency converts 1:1; no rate gives null, never a guess.
 */
export function rateFor(db: Database.Database, from: string, onDate: string): RateConverter {
  const fromExponent = exponentOf(db, from);
  const cache = new Map<string, { ratePpm: number; toExponent: number } | null>();
  return (amountMinor, to) => {
    if (to === from) return { amountMinor, ratePpm: 1_000_000 };
    let rate = cache.get(to);
    if (rate === undefined) {
      const row = driverGet<{ ratePpm: number }>(db, rateOnQuery(from, to, onDate));
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
  const row = driverGet<{ ratePpm: number }>(db, rateOnQuery(from, to, onDate));
  if (!row) throw noRate(from, to, onDate);
  return converted(amountMinor, row.ratePpm, exponentOf(db, from), exponentOf(db, to));
}

/** convertOn in a port transaction. */
export async function convertOnIn(
  tx: Tx,
  amountMinor: number,
  from: string,
  to: string,
  onDate: string,
): Promise<Conversion> {
  if (from === to) return { amountMinor, ratePpm: 1_000_000 };
  const row = await tx.get<{ ratePpm: number }>(rateOnQuery(from, to, onDate));
  if (!row) throw noRate(from, to, onDate);
  return converted(amountMinor, row.ratePpm, await exponentOfIn(tx, from), await exponentOfIn(tx, to));
}

/** No rate is a conflict, never a guess. */
function noRate(from: string, to: string, onDate: string): AppFailure {
  return conflict('no-exchange-rate', `no ${from}→${to} exchange rate valid on ${onDate}`);
}

function converted(
  amountMinor: number,
  ratePpm: number,
  fromExponent: number,
  toExponent: number,
): Conversion {
  return { amountMinor: convertMinor(amountMinor, { ratePpm, fromExponent, toExponent }), ratePpm };
}
