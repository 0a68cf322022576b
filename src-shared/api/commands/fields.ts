import { z } from 'zod';
import { amountInput } from '../amount';

/** Field rules several command areas share, so one rule has one spelling. */

/** A row id: a positive integer JavaScript can hold exactly. */
export const id = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
export const isoDate = z.iso.date();
export const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD');
export const accountNo = z.string().trim().min(1).max(64);
/** Money crosses the boundary as a decimal string; services parse it with the currency's exponent. */
export const decimal = amountInput;
