import { bigint, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

/** ISO 4217 currencies with their minor-unit exponent (the SQLite table of the same name). */
export const currencies = pgTable('currencies', {
  code: text('code').primaryKey(),
  exponent: bigint('exponent', { mode: 'number' }).notNull(),
  name: text('name').notNull(),
});

/** People who operate the desk; roles is a comma list of clerk, analyst, supervisor, admin. */
export const operators = pgTable('operators', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  login: text('login').notNull().unique(),
  name: text('name').notNull(),
  roles: text('roles').notNull(),
  active: bigint('active', { mode: 'number' }).notNull().default(1),
  createdAt: text('created_at').notNull(),
  /** argon2id PHC string; null until a password is set (such an operator cannot sign in). */
  passwordHash: text('password_hash'),
  passwordChangedAt: text('password_changed_at'),
  /** TOTP shared secret (base32), sealed like processor secrets; enabled once a first code was confirmed. */
  totpSecret: text('totp_secret'),
  totpEnabled: bigint('totp_enabled', { mode: 'number' }).notNull().default(0),
  /** The 30-second step of the last code accepted: a code is never accepted twice (RFC 6238 §5.2). */
  totpLastStep: bigint('totp_last_step', { mode: 'number' }),
  /** Failed sign-ins in a row; at auth.lockoutAttempts the operator is locked until locked_until. */
  failedAttempts: bigint('failed_attempts', { mode: 'number' }).notNull().default(0),
  lockedUntil: text('locked_until'),
  lastSignInAt: text('last_sign_in_at'),
});

/** Business settings as JSON values, keyed by setting name. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Dated exchange rates: account-currency major units per payment-currency major unit, in parts per million. */
export const exchangeRates = pgTable(
  'exchange_rates',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    fromCurrency: text('from_currency')
      .notNull()
      .references(() => currencies.code),
    toCurrency: text('to_currency')
      .notNull()
      .references(() => currencies.code),
    validFrom: text('valid_from').notNull(),
    ratePpm: bigint('rate_ppm', { mode: 'number' }).notNull(),
  },
  (t) => [uniqueIndex('exchange_rates_pair_date_idx').on(t.fromCurrency, t.toCurrency, t.validFrom)],
);
