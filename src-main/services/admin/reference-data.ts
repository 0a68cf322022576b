import type Database from 'better-sqlite3';
import type { FieldIssue } from '../../../src-shared/api/result';
import type {
  ChannelDto,
  ExchangeRateDto,
  MandateRevisionCodeDto,
  PaymentTermDefaultDto,
  PaymentTermDto,
  PayTypeBehaviourDto,
  PayTypeDto,
  RejectionCodeDto,
} from '../../../src-shared/dto/admin';
import type { CurrencyDto } from '../../../src-shared/dto/app';
import type { BatchTypeDto } from '../../../src-shared/dto/batches';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { BATCH_PAY_TYPES } from '../../domain/batch-rules';
import { auditChange, failOn } from './changes';
import { conflict, notFound } from '../../ledger/errors';
import { listRejectionCodes } from '../rejection-codes';

// ---- payment channels ----

/** Every payment channel, id 0 (unspecified) first. */
export function listChannels(db: Database.Database): ChannelDto[] {
  const rows = db.prepare('SELECT id, description, active FROM payment_channels ORDER BY id').all() as (Omit<
    ChannelDto,
    'active'
  > & { active: number })[];
  return rows.map((r) => ({ ...r, active: r.active === 1 }));
}

/** Issues of a channel: id 0 is the unspecified channel and always stays active. */
export function channelIssues(c: ChannelDto, prefix = ''): FieldIssue[] {
  return c.id === 0 && !c.active
    ? [{ path: `${prefix}active`, message: 'channel 0 (Unspecified Payment Channel) cannot be deactivated' }]
    : [];
}

/** Adds or changes a payment channel. */
export function saveChannel(db: Database.Database, c: ChannelDto, now: Date, operatorId: number): ChannelDto {
  failOn(channelIssues(c), 'channel');
  return db.transaction(() => {
    const before = listChannels(db).find((x) => x.id === c.id);
    db.prepare(
      `INSERT INTO payment_channels (id, description, active) VALUES (?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET description = excluded.description, active = excluded.active`,
    ).run(c.id, c.description, c.active ? 1 : 0);
    auditChange(db, now, operatorId, 'channel.save', 'channel', String(c.id), before, c);
    return c;
  })();
}

// ---- pay types ----

const EXTERNAL: PayTypeBehaviourDto = {
  initiatedBy: 'external',
  enteredVia: 'Payment Tool',
  reversible: 'yes',
  refundBatch: 'yes',
  suspendable: 'yes',
};
const SYSTEM: PayTypeBehaviourDto = {
  initiatedBy: 'system (collect/deposit) or one-time charge',
  enteredVia: 'processor',
  reversible: 'yes',
  refundBatch: 'no (system-initiated refunds only)',
  suspendable: 'no (only external payments)',
};
const NONE: PayTypeBehaviourDto = {
  initiatedBy: '-',
  enteredVia: '-',
  reversible: '-',
  refundBatch: '-',
  suspendable: '-',
};

/** The behaviour matrix (DOMAIN.md §3.7): facts of each method, not settings. */
const BEHAVIOUR: Readonly<Record<number, PayTypeBehaviourDto>> = {
  [PAY_TYPE.cash]: { ...EXTERNAL, reversible: 'no (only through suspense recycling)' },
  [PAY_TYPE.check]: { ...EXTERNAL, enteredVia: 'Payment Tool (lockbox)' },
  [PAY_TYPE.postalOrder]: EXTERNAL,
  [PAY_TYPE.wireTransfer]: EXTERNAL,
  [PAY_TYPE.paymentOrder]: EXTERNAL,
  [PAY_TYPE.creditCard]: SYSTEM,
  [PAY_TYPE.directDebit]: { ...SYSTEM, initiatedBy: 'system' },
  [PAY_TYPE.sepa]: {
    initiatedBy: 'system',
    enteredVia: 'collect/refund with SEPA XML',
    reversible: 'via SEPA reversal/response',
    refundBatch: 'via SEPA credit transfer',
    suspendable: 'no',
  },
  [PAY_TYPE.voucher]: {
    initiatedBy: 'customer or CSR with voucher id and PIN',
    enteredVia: 'voucher system',
    reversible: 'by adjustment or payment reversal',
    refundBatch: 'n/a',
    suspendable: 'n/a',
  },
  [PAY_TYPE.prepaid]: { ...NONE, initiatedBy: 'customer pays in advance' },
  [PAY_TYPE.undefined]: { ...NONE, initiatedBy: 'never billed for payment' },
};

function batchTypesOf(payType: number): BatchTypeDto[] {
  return (Object.keys(BATCH_PAY_TYPES) as BatchTypeDto[]).filter((t) => BATCH_PAY_TYPES[t].includes(payType));
}

/** Every pay type with its enabled flag, behaviour and the batch types that take it. */
export function listPayTypes(db: Database.Database): PayTypeDto[] {
  const rows = db
    .prepare('SELECT pay_type AS payType, name, enabled FROM pay_type_settings ORDER BY pay_type')
    .all() as { payType: number; name: string; enabled: number }[];
  return rows.map((r) => ({
    payType: r.payType,
    name: r.name,
    enabled: r.enabled === 1,
    behaviour: BEHAVIOUR[r.payType] ?? NONE,
    batchTypes: batchTypesOf(r.payType),
  }));
}

/** True when the pay type is set up and enabled on this desk (C2: column sets need a method entry). */
export function payTypeEnabled(db: Database.Database, payType: number): boolean {
  const row = db.prepare('SELECT enabled FROM pay_type_settings WHERE pay_type = ?').get(payType) as
    { enabled: number } | undefined;
  return row?.enabled === 1;
}

/** Renames a pay type or switches it on or off. */
export function savePayType(
  db: Database.Database,
  input: { payType: number; name: string; enabled: boolean },
  now: Date,
  operatorId: number,
): PayTypeDto {
  return db.transaction(() => {
    const before = listPayTypes(db).find((p) => p.payType === input.payType);
    if (!before) throw notFound('pay type', String(input.payType));
    db.prepare('UPDATE pay_type_settings SET name = ?, enabled = ? WHERE pay_type = ?').run(
      input.name,
      input.enabled ? 1 : 0,
      input.payType,
    );
    const after = { ...before, name: input.name, enabled: input.enabled };
    auditChange(
      db,
      now,
      operatorId,
      'pay_type.save',
      'pay_type',
      String(input.payType),
      { name: before.name, enabled: before.enabled },
      input,
    );
    return after;
  })();
}

// ---- payment terms and defaults (V17) ----

/** Payment terms and payment term defaults. */
export function listTerms(db: Database.Database): {
  terms: PaymentTermDto[];
  defaults: PaymentTermDefaultDto[];
} {
  const terms = db
    .prepare('SELECT code, description, days FROM payment_terms ORDER BY code')
    .all() as PaymentTermDto[];
  const defaults = (
    db
      .prepare(
        'SELECT code, pay_type AS payType, term_code AS termCode, security_levels AS levels FROM payment_term_defaults ORDER BY code',
      )
      .all() as { code: string; payType: number; termCode: string; levels: string }[]
  ).map(({ levels, ...d }) => ({ ...d, securityLevels: levels.split(',').filter(Boolean) }));
  return { terms, defaults };
}

/** Adds or changes a payment term. */
export function saveTerm(
  db: Database.Database,
  t: PaymentTermDto,
  now: Date,
  operatorId: number,
): PaymentTermDto {
  return db.transaction(() => {
    const before = listTerms(db).terms.find((x) => x.code === t.code);
    db.prepare(
      `INSERT INTO payment_terms (code, description, days) VALUES (?, ?, ?)
       ON CONFLICT(code) DO UPDATE SET description = excluded.description, days = excluded.days`,
    ).run(t.code, t.description, t.days);
    auditChange(db, now, operatorId, 'payment_term.save', 'payment_term', t.code, before, t);
    return t;
  })();
}

/**
 * Deletes one reference row by code in a transaction: the row must exist, `guard` may refuse it (in use),
 * and the audit keeps what was deleted.
 */
function deleteByCode<T>(
  db: Database.Database,
  what: { table: string; entity: string; label: string; find: () => T | undefined; guard?: () => void },
  code: string,
  now: Date,
  operatorId: number,
): { deleted: string } {
  return db.transaction(() => {
    const before = what.find();
    if (!before) throw notFound(what.label, code);
    what.guard?.();
    db.prepare(`DELETE FROM ${what.table} WHERE code = ?`).run(code);
    auditChange(db, now, operatorId, `${what.entity}.delete`, what.entity, code, before, undefined);
    return { deleted: code };
  })();
}

/** Deletes a payment term no default and no bill unit uses. */
export function deleteTerm(
  db: Database.Database,
  code: string,
  now: Date,
  operatorId: number,
): { deleted: string } {
  const guard = (): void => {
    const byDefault = db.prepare('SELECT code FROM payment_term_defaults WHERE term_code = ?').get(code) as
      { code: string } | undefined;
    if (byDefault)
      throw conflict('term-in-use', `payment term ${code} is the term of default ${byDefault.code}`);
    if (db.prepare('SELECT 1 FROM bill_units WHERE payment_term = ? LIMIT 1').get(code))
      throw conflict('term-in-use', `payment term ${code} is used by bill units`);
  };
  const find = () => listTerms(db).terms.find((x) => x.code === code);
  return deleteByCode(
    db,
    { table: 'payment_terms', entity: 'payment_term', label: 'payment term', find, guard },
    code,
    now,
    operatorId,
  );
}

/** Issues of a term default: its term and pay type must exist. */
export function termDefaultIssues(
  d: PaymentTermDefaultDto,
  termCodes: ReadonlySet<string>,
  payTypes: ReadonlySet<number>,
  prefix = '',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!termCodes.has(d.termCode))
    issues.push({ path: `${prefix}termCode`, message: `payment term ${d.termCode} does not exist` });
  if (!payTypes.has(d.payType))
    issues.push({ path: `${prefix}payType`, message: `pay type ${d.payType} is not set up` });
  return issues;
}

function payTypeSet(db: Database.Database): Set<number> {
  return new Set(listPayTypes(db).map((p) => p.payType));
}

/** Adds or changes a payment term default. */
export function saveTermDefault(
  db: Database.Database,
  d: PaymentTermDefaultDto,
  now: Date,
  operatorId: number,
): PaymentTermDefaultDto {
  return db.transaction(() => {
    const { terms, defaults } = listTerms(db);
    failOn(termDefaultIssues(d, new Set(terms.map((t) => t.code)), payTypeSet(db)), 'payment term default');
    const before = defaults.find((x) => x.code === d.code);
    db.prepare(
      `INSERT INTO payment_term_defaults (code, pay_type, term_code, security_levels) VALUES (?, ?, ?, ?)
       ON CONFLICT(code) DO UPDATE SET pay_type = excluded.pay_type, term_code = excluded.term_code,
         security_levels = excluded.security_levels`,
    ).run(d.code, d.payType, d.termCode, [...new Set(d.securityLevels)].join(','));
    auditChange(db, now, operatorId, 'payment_term_default.save', 'payment_term_default', d.code, before, d);
    return { ...d, securityLevels: [...new Set(d.securityLevels)] };
  })();
}

/** Deletes a payment term default. */
export function deleteTermDefault(
  db: Database.Database,
  code: string,
  now: Date,
  operatorId: number,
): { deleted: string } {
  const find = () => listTerms(db).defaults.find((x) => x.code === code);
  const what = {
    table: 'payment_term_defaults',
    entity: 'payment_term_default',
    label: 'payment term default',
    find,
  };
  return deleteByCode(db, what, code, now, operatorId);
}

// ---- mandate revision codes and rejection codes (DOMAIN.md §2.21) ----

/** Every mandate revision code. */
export function listMandateCodes(db: Database.Database): MandateRevisionCodeDto[] {
  return db
    .prepare(
      `SELECT code, name, action, reason_type AS reasonType, reason_code AS reasonCode, event_type AS eventType,
         event_code AS eventCode FROM mandate_revision_codes ORDER BY code`,
    )
    .all() as MandateRevisionCodeDto[];
}

/** Adds or changes a mandate revision code. */
export function saveMandateCode(
  db: Database.Database,
  m: MandateRevisionCodeDto,
  now: Date,
  operatorId: number,
): MandateRevisionCodeDto {
  return db.transaction(() => {
    const before = listMandateCodes(db).find((x) => x.code === m.code);
    db.prepare(
      `INSERT INTO mandate_revision_codes (code, name, action, reason_type, reason_code, event_type, event_code)
       VALUES (@code, @name, @action, @reasonType, @reasonCode, @eventType, @eventCode)
       ON CONFLICT(code) DO UPDATE SET name = excluded.name, action = excluded.action, reason_type = excluded.reason_type,
         reason_code = excluded.reason_code, event_type = excluded.event_type, event_code = excluded.event_code`,
    ).run(m);
    auditChange(db, now, operatorId, 'mandate_code.save', 'mandate_code', m.code, before, m);
    return m;
  })();
}

/** Deletes a mandate revision code. */
export function deleteMandateCode(
  db: Database.Database,
  code: string,
  now: Date,
  operatorId: number,
): { deleted: string } {
  const find = () => listMandateCodes(db).find((x) => x.code === code);
  const what = {
    table: 'mandate_revision_codes',
    entity: 'mandate_code',
    label: 'mandate revision code',
    find,
  };
  return deleteByCode(db, what, code, now, operatorId);
}

/**
 * Issues of a rejection code (DOMAIN.md §4.25): a soft decline retries at least once, with a retry reason
 * and event and an event for when retries run out; a hard decline never retries or suspends.
 */
export function rejectionCodeIssues(
  r: RejectionCodeDto,
  payTypes: ReadonlySet<number>,
  prefix = '',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const add = (path: string, message: string): void => {
    issues.push({ path: prefix + path, message });
  };
  if (r.declineClass === 'soft') {
    if (r.maxRetries < 1) add('maxRetries', 'a soft decline retries at least once');
    if (r.retryReasonCode === null) add('retryReasonCode', 'a soft decline needs a retry reason code');
    if (r.retryEvent === null) add('retryEvent', 'a soft decline needs a retry workflow event');
    if (r.exhaustedEvent === null)
      add('exhaustedEvent', 'a soft decline needs the event raised when retries run out');
  } else {
    if (r.maxRetries !== 0) add('maxRetries', 'a hard decline is never retried');
    if (r.suspensionDays !== 0) add('suspensionDays', 'a hard decline does not suspend automated payments');
    if (r.retryReasonCode !== null || r.retryEvent !== null)
      add('retryEvent', 'a hard decline has no retry reason or retry event');
  }
  if (!payTypes.has(r.fallbackPayType)) add('fallbackPayType', `pay type ${r.fallbackPayType} is not set up`);
  return issues;
}

/** Adds or changes a rejection code. */
export function saveRejectionCode(
  db: Database.Database,
  r: RejectionCodeDto,
  now: Date,
  operatorId: number,
): RejectionCodeDto {
  return db.transaction(() => {
    failOn(rejectionCodeIssues(r, payTypeSet(db)), 'rejection code');
    const before = listRejectionCodes(db).find((x) => x.code === r.code);
    db.prepare(
      `INSERT INTO rejection_codes (code, description, reason_type, reason_code, decline_class, max_retries, retry_reason_code,
         retry_event, suspension_days, exhausted_event, refund_event, fallback_pay_type)
       VALUES (@code, @description, @reasonType, @reasonCode, @declineClass, @maxRetries, @retryReasonCode, @retryEvent,
         @suspensionDays, @exhaustedEvent, @refundEvent, @fallbackPayType)
       ON CONFLICT(code) DO UPDATE SET description = excluded.description, reason_type = excluded.reason_type,
         reason_code = excluded.reason_code, decline_class = excluded.decline_class, max_retries = excluded.max_retries,
         retry_reason_code = excluded.retry_reason_code, retry_event = excluded.retry_event,
         suspension_days = excluded.suspension_days, exhausted_event = excluded.exhausted_event,
         refund_event = excluded.refund_event, fallback_pay_type = excluded.fallback_pay_type`,
    ).run(r);
    auditChange(db, now, operatorId, 'rejection_code.save', 'rejection_code', r.code, before, r);
    return r;
  })();
}

/** Deletes a rejection code. */
export function deleteRejectionCode(
  db: Database.Database,
  code: string,
  now: Date,
  operatorId: number,
): { deleted: string } {
  const find = () => listRejectionCodes(db).find((x) => x.code === code);
  const what = { table: 'rejection_codes', entity: 'rejection_code', label: 'rejection code', find };
  return deleteByCode(db, what, code, now, operatorId);
}

// ---- currencies and dated exchange rates ----

/** Every currency of the ledger. */
export function listCurrencies(db: Database.Database): CurrencyDto[] {
  return db.prepare('SELECT code, exponent, name FROM currencies ORDER BY code').all() as CurrencyDto[];
}

/** Adds a currency or renames one; the exponent of a currency already in the ledger never changes. */
export function saveCurrency(
  db: Database.Database,
  c: CurrencyDto,
  now: Date,
  operatorId: number,
): CurrencyDto {
  return db.transaction(() => {
    const before = listCurrencies(db).find((x) => x.code === c.code);
    if (before && before.exponent !== c.exponent)
      throw conflict(
        'currency-exponent',
        `${c.code} has ${before.exponent} decimals; amounts in the ledger are stored in those minor units`,
      );
    db.prepare(
      `INSERT INTO currencies (code, exponent, name) VALUES (?, ?, ?) ON CONFLICT(code) DO UPDATE SET name = excluded.name`,
    ).run(c.code, c.exponent, c.name);
    auditChange(db, now, operatorId, 'currency.save', 'currency', c.code, before, c);
    return c;
  })();
}

/** A decimal rate as parts per million, without floats ("1.0825" → 1082500). */
export function rateToPpm(rate: string): number {
  const [whole = '0', frac = ''] = rate.trim().split('.');
  return Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

/** Parts per million as the shortest decimal string. */
export function ppmToRate(ppm: number): string {
  const whole = Math.trunc(ppm / 1_000_000);
  const frac = String(ppm % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

/** The dated exchange rates, optionally of one pair, newest first. */
export function listRates(
  db: Database.Database,
  filter: { fromCurrency?: string | undefined; toCurrency?: string | undefined },
): ExchangeRateDto[] {
  const rows = db
    .prepare(
      `SELECT from_currency AS fromCurrency, to_currency AS toCurrency, valid_from AS validFrom, rate_ppm AS ratePpm
       FROM exchange_rates WHERE (@from IS NULL OR from_currency = @from) AND (@to IS NULL OR to_currency = @to)
       ORDER BY from_currency, to_currency, valid_from DESC`,
    )
    .all({ from: filter.fromCurrency ?? null, to: filter.toCurrency ?? null }) as Omit<
    ExchangeRateDto,
    'rate'
  >[];
  return rows.map((r) => ({ ...r, rate: ppmToRate(r.ratePpm) }));
}

/** Issues of a rate: two different known currencies and a rate above zero. */
export function rateIssues(
  r: { fromCurrency: string; toCurrency: string; rate: string },
  currencies: ReadonlySet<string>,
  prefix = '',
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!currencies.has(r.fromCurrency))
    issues.push({ path: `${prefix}fromCurrency`, message: `currency ${r.fromCurrency} is not set up` });
  if (!currencies.has(r.toCurrency))
    issues.push({ path: `${prefix}toCurrency`, message: `currency ${r.toCurrency} is not set up` });
  if (r.fromCurrency === r.toCurrency)
    issues.push({ path: `${prefix}toCurrency`, message: 'a rate converts between two different currencies' });
  if (rateToPpm(r.rate) <= 0) issues.push({ path: `${prefix}rate`, message: 'a rate is above zero' });
  return issues;
}

/** Sets the rate of a currency pair from a date on (replacing the rate of that same date). */
export function saveRate(
  db: Database.Database,
  r: { fromCurrency: string; toCurrency: string; validFrom: string; rate: string },
  now: Date,
  operatorId: number,
): ExchangeRateDto {
  return db.transaction(() => {
    failOn(rateIssues(r, new Set(listCurrencies(db).map((c) => c.code))), 'exchange rate');
    const ratePpm = rateToPpm(r.rate);
    const before = listRates(db, r).find((x) => x.validFrom === r.validFrom);
    db.prepare(
      `INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm) VALUES (?, ?, ?, ?)
       ON CONFLICT(from_currency, to_currency, valid_from) DO UPDATE SET rate_ppm = excluded.rate_ppm`,
    ).run(r.fromCurrency, r.toCurrency, r.validFrom, ratePpm);
    const after = { ...r, ratePpm, rate: ppmToRate(ratePpm) };
    auditChange(
      db,
      now,
      operatorId,
      'exchange_rate.save',
      'exchange_rate',
      `${r.fromCurrency}/${r.toCurrency}/${r.validFrom}`,
      before,
      after,
    );
    return after;
  })();
}
