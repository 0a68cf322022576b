import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import {
  channelsQuery,
  channelUpsertQuery,
  currenciesQuery,
  currencyUpsertQuery,
  defaultOfTermQuery,
  mandateCodeDeleteQuery,
  mandateCodesQuery,
  mandateCodeUpsertQuery,
  payTypeEnabledQuery,
  payTypesQuery,
  payTypeUpdateQuery,
  ratesQuery,
  rateUpsertQuery,
  rejectionCodeDeleteQuery,
  rejectionCodesQuery,
  rejectionCodeUpsertQuery,
  storedLevels,
  termDefaultDeleteQuery,
  termDefaultsQuery,
  termDefaultUpsertQuery,
  termDeleteQuery,
  termsQuery,
  termUpsertQuery,
  termUsedByBillUnitsQuery,
  type ChannelRecord,
  type PayTypeRecord,
  type RateRecord,
  type TermDefaultRecord,
} from '../../../db/repos/reference-data';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverGet } from '../../../db/storage/sqlite';
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
import { ppmToRate, rateToPpm } from '../../../src-shared/rates';
import { BATCH_PAY_TYPES } from '../../domain/batch-rules';
import { auditChangeIn, failOn } from './changes';
import { conflict, notFound } from '../../ledger/errors';

export { ppmToRate, rateToPpm };

// Reference data behind the storage seam: each service call is one port transaction, on the desktop's SQLite file
// or a team server's PostgreSQL alike. Reads are read-only transactions. Every write reads the row it replaces for
// its audit row and most check something first, so writes are serializable: on PostgreSQL two admins changing the
// same row take turns instead of auditing a "before" the other had already replaced.

const READ = { readOnly: true } as const;
const WRITE = { serializable: true } as const;

// ---- payment channels ----

/** Every payment channel, id 0 (unspecified) first, in the caller's transaction. */
export async function listChannelsIn(tx: Tx): Promise<ChannelDto[]> {
  const rows = await tx.all<ChannelRecord>(channelsQuery());
  return rows.map((r) => ({ id: r.id, description: r.description, active: r.active === 1 }));
}

/** Every payment channel, id 0 (unspecified) first. */
export function listChannels(storage: Storage): Promise<ChannelDto[]> {
  return storage.transaction((tx) => listChannelsIn(tx), READ);
}

/** Issues of a channel: id 0 is the unspecified channel and always stays active. */
export function channelIssues(c: ChannelDto, prefix = ''): FieldIssue[] {
  return c.id === 0 && !c.active
    ? [{ path: `${prefix}active`, message: 'channel 0 (Unspecified Payment Channel) cannot be deactivated' }]
    : [];
}

/** Adds or changes a payment channel. */
export async function saveChannel(
  storage: Storage,
  c: ChannelDto,
  now: Date,
  operatorId: number,
): Promise<ChannelDto> {
  failOn(channelIssues(c), 'channel');
  return storage.transaction(async (tx) => {
    const before = (await listChannelsIn(tx)).find((x) => x.id === c.id);
    await tx.run(channelUpsertQuery(c));
    await auditChangeIn(tx, now, operatorId, {
      action: 'channel.save',
      entity: 'channel',
      entityId: String(c.id),
      before,
      after: c,
    });
    return c;
  }, WRITE);
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

/** Every pay type with its enabled flag, behaviour and the batch types that take it, in the caller's transaction. */
export async function listPayTypesIn(tx: Tx): Promise<PayTypeDto[]> {
  const rows = await tx.all<PayTypeRecord>(payTypesQuery());
  return rows.map((r) => ({
    payType: r.payType,
    name: r.name,
    enabled: r.enabled === 1,
    behaviour: BEHAVIOUR[r.payType] ?? NONE,
    batchTypes: batchTypesOf(r.payType),
  }));
}

/** Every pay type with its enabled flag, behaviour and the batch types that take it. */
export function listPayTypes(storage: Storage): Promise<PayTypeDto[]> {
  return storage.transaction((tx) => listPayTypesIn(tx), READ);
}

/**
 * True when the pay type is set up and enabled on this desk (C2: column sets need a method entry). Synchronous,
 * for the batch and column code that still runs in a driver transaction.
 */
export function payTypeEnabled(db: Database.Database, payType: number): boolean {
  return driverGet<{ enabled: number }>(db, payTypeEnabledQuery(payType))?.enabled === 1;
}

/** Renames a pay type or switches it on or off. */
export function savePayType(
  storage: Storage,
  input: { payType: number; name: string; enabled: boolean },
  now: Date,
  operatorId: number,
): Promise<PayTypeDto> {
  return storage.transaction(async (tx) => {
    const before = (await listPayTypesIn(tx)).find((p) => p.payType === input.payType);
    if (!before) throw notFound('pay type', String(input.payType));
    await tx.run(payTypeUpdateQuery(input));
    await auditChangeIn(tx, now, operatorId, {
      action: 'pay_type.save',
      entity: 'pay_type',
      entityId: String(input.payType),
      before: { name: before.name, enabled: before.enabled },
      after: input,
    });
    return { ...before, name: input.name, enabled: input.enabled };
  }, WRITE);
}

// ---- payment terms and defaults (V17) ----

/** Payment terms and payment term defaults, in the caller's transaction. */
export async function listTermsIn(tx: Tx): Promise<{
  terms: PaymentTermDto[];
  defaults: PaymentTermDefaultDto[];
}> {
  const terms = await tx.all<PaymentTermDto>(termsQuery(tx));
  const defaults = (await tx.all<TermDefaultRecord>(termDefaultsQuery(tx))).map(({ levels, ...d }) => ({
    ...d,
    securityLevels: levels.split(',').filter(Boolean),
  }));
  return { terms, defaults };
}

/** Payment terms and payment term defaults. */
export function listTerms(storage: Storage): Promise<{
  terms: PaymentTermDto[];
  defaults: PaymentTermDefaultDto[];
}> {
  return storage.transaction((tx) => listTermsIn(tx), READ);
}

/** Adds or changes a payment term. */
export function saveTerm(
  storage: Storage,
  t: PaymentTermDto,
  now: Date,
  operatorId: number,
): Promise<PaymentTermDto> {
  return storage.transaction(async (tx) => {
    const before = (await listTermsIn(tx)).terms.find((x) => x.code === t.code);
    await tx.run(termUpsertQuery(t));
    await auditChangeIn(tx, now, operatorId, {
      action: 'payment_term.save',
      entity: 'payment_term',
      entityId: t.code,
      before,
      after: t,
    });
    return t;
  }, WRITE);
}

/**
 * Deletes one reference row by code in a transaction: the row must exist, `guard` may refuse it (in use),
 * and the audit keeps what was deleted.
 */
function deleteByCode<T>(
  storage: Storage,
  what: {
    entity: string;
    label: string;
    find: (tx: Tx) => Promise<T | undefined>;
    guard?: (tx: Tx) => Promise<void>;
    remove: SQL;
  },
  code: string,
  now: Date,
  operatorId: number,
): Promise<{ deleted: string }> {
  return storage.transaction(async (tx) => {
    const before = await what.find(tx);
    if (!before) throw notFound(what.label, code);
    await what.guard?.(tx);
    await tx.run(what.remove);
    await auditChangeIn(tx, now, operatorId, {
      action: `${what.entity}.delete`,
      entity: what.entity,
      entityId: code,
      before,
      after: undefined,
    });
    return { deleted: code };
  }, WRITE);
}

/** Deletes a payment term no default and no bill unit uses. */
export function deleteTerm(
  storage: Storage,
  code: string,
  now: Date,
  operatorId: number,
): Promise<{ deleted: string }> {
  const guard = async (tx: Tx): Promise<void> => {
    const byDefault = await tx.get<{ code: string }>(defaultOfTermQuery(tx, code));
    if (byDefault)
      throw conflict('term-in-use', `payment term ${code} is the term of default ${byDefault.code}`);
    if (await tx.get(termUsedByBillUnitsQuery(code)))
      throw conflict('term-in-use', `payment term ${code} is used by bill units`);
  };
  const find = async (tx: Tx) => (await listTermsIn(tx)).terms.find((x) => x.code === code);
  const what = { entity: 'payment_term', label: 'payment term', find, guard, remove: termDeleteQuery(code) };
  return deleteByCode(storage, what, code, now, operatorId);
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

async function payTypeSetIn(tx: Tx): Promise<Set<number>> {
  return new Set((await tx.all<PayTypeRecord>(payTypesQuery())).map((p) => p.payType));
}

/** Adds or changes a payment term default. */
export function saveTermDefault(
  storage: Storage,
  d: PaymentTermDefaultDto,
  now: Date,
  operatorId: number,
): Promise<PaymentTermDefaultDto> {
  return storage.transaction(async (tx) => {
    const { terms, defaults } = await listTermsIn(tx);
    failOn(
      termDefaultIssues(d, new Set(terms.map((t) => t.code)), await payTypeSetIn(tx)),
      'payment term default',
    );
    const before = defaults.find((x) => x.code === d.code);
    await tx.run(termDefaultUpsertQuery(d));
    await auditChangeIn(tx, now, operatorId, {
      action: 'payment_term_default.save',
      entity: 'payment_term_default',
      entityId: d.code,
      before,
      after: d,
    });
    return { ...d, securityLevels: storedLevels(d.securityLevels) };
  }, WRITE);
}

/** Deletes a payment term default. */
export function deleteTermDefault(
  storage: Storage,
  code: string,
  now: Date,
  operatorId: number,
): Promise<{ deleted: string }> {
  const find = async (tx: Tx) => (await listTermsIn(tx)).defaults.find((x) => x.code === code);
  const what = {
    entity: 'payment_term_default',
    label: 'payment term default',
    find,
    remove: termDefaultDeleteQuery(code),
  };
  return deleteByCode(storage, what, code, now, operatorId);
}

// ---- mandate revision codes and rejection codes (DOMAIN.md §2.21) ----

/** Every mandate revision code, in the caller's transaction. */
export function listMandateCodesIn(tx: Tx): Promise<MandateRevisionCodeDto[]> {
  return tx.all<MandateRevisionCodeDto>(mandateCodesQuery(tx));
}

/** Every mandate revision code. */
export function listMandateCodes(storage: Storage): Promise<MandateRevisionCodeDto[]> {
  return storage.transaction((tx) => listMandateCodesIn(tx), READ);
}

/** Adds or changes a mandate revision code. */
export function saveMandateCode(
  storage: Storage,
  m: MandateRevisionCodeDto,
  now: Date,
  operatorId: number,
): Promise<MandateRevisionCodeDto> {
  return storage.transaction(async (tx) => {
    const before = (await listMandateCodesIn(tx)).find((x) => x.code === m.code);
    await tx.run(mandateCodeUpsertQuery(m));
    await auditChangeIn(tx, now, operatorId, {
      action: 'mandate_code.save',
      entity: 'mandate_code',
      entityId: m.code,
      before,
      after: m,
    });
    return m;
  }, WRITE);
}

/** Deletes a mandate revision code. */
export function deleteMandateCode(
  storage: Storage,
  code: string,
  now: Date,
  operatorId: number,
): Promise<{ deleted: string }> {
  const find = async (tx: Tx) => (await listMandateCodesIn(tx)).find((x) => x.code === code);
  const what = {
    entity: 'mandate_code',
    label: 'mandate revision code',
    find,
    remove: mandateCodeDeleteQuery(code),
  };
  return deleteByCode(storage, what, code, now, operatorId);
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

/** Every rejection code by code, in the caller's transaction. */
export function listRejectionCodesIn(tx: Tx): Promise<RejectionCodeDto[]> {
  return tx.all<RejectionCodeDto>(rejectionCodesQuery(tx));
}

/** Every rejection code by code (the driver's callers have services/rejection-codes.ts). */
export function listRejectionCodes(storage: Storage): Promise<RejectionCodeDto[]> {
  return storage.transaction((tx) => listRejectionCodesIn(tx), READ);
}

/** Adds or changes a rejection code. */
export function saveRejectionCode(
  storage: Storage,
  r: RejectionCodeDto,
  now: Date,
  operatorId: number,
): Promise<RejectionCodeDto> {
  return storage.transaction(async (tx) => {
    failOn(rejectionCodeIssues(r, await payTypeSetIn(tx)), 'rejection code');
    const before = (await listRejectionCodesIn(tx)).find((x) => x.code === r.code);
    await tx.run(rejectionCodeUpsertQuery(r));
    await auditChangeIn(tx, now, operatorId, {
      action: 'rejection_code.save',
      entity: 'rejection_code',
      entityId: r.code,
      before,
      after: r,
    });
    return r;
  }, WRITE);
}

/** Deletes a rejection code. */
export function deleteRejectionCode(
  storage: Storage,
  code: string,
  now: Date,
  operatorId: number,
): Promise<{ deleted: string }> {
  const find = async (tx: Tx) => (await listRejectionCodesIn(tx)).find((x) => x.code === code);
  const what = {
    entity: 'rejection_code',
    label: 'rejection code',
    find,
    remove: rejectionCodeDeleteQuery(code),
  };
  return deleteByCode(storage, what, code, now, operatorId);
}

// ---- currencies and dated exchange rates ----

/** Every currency of the ledger, in the caller's transaction. */
export function listCurrenciesIn(tx: Tx): Promise<CurrencyDto[]> {
  return tx.all<CurrencyDto>(currenciesQuery(tx));
}

/** Every currency of the ledger. */
export function listCurrencies(storage: Storage): Promise<CurrencyDto[]> {
  return storage.transaction((tx) => listCurrenciesIn(tx), READ);
}

/** Adds a currency or renames one; the exponent of a currency already in the ledger never changes. */
export function saveCurrency(
  storage: Storage,
  c: CurrencyDto,
  now: Date,
  operatorId: number,
): Promise<CurrencyDto> {
  return storage.transaction(async (tx) => {
    const before = (await listCurrenciesIn(tx)).find((x) => x.code === c.code);
    if (before && before.exponent !== c.exponent)
      throw conflict(
        'currency-exponent',
        `${c.code} has ${before.exponent} decimals; amounts in the ledger are stored in those minor units`,
      );
    await tx.run(currencyUpsertQuery(c));
    await auditChangeIn(tx, now, operatorId, {
      action: 'currency.save',
      entity: 'currency',
      entityId: c.code,
      before,
      after: c,
    });
    return c;
  }, WRITE);
}

/** The dated exchange rates, optionally of one pair, newest first, in the caller's transaction. */
export async function listRatesIn(
  tx: Tx,
  filter: { fromCurrency?: string | undefined; toCurrency?: string | undefined } = {},
): Promise<ExchangeRateDto[]> {
  const rows = await tx.all<RateRecord>(ratesQuery(tx, filter));
  return rows.map((r) => ({ ...r, rate: ppmToRate(r.ratePpm) }));
}

/** The dated exchange rates, optionally of one pair, newest first. */
export function listRates(
  storage: Storage,
  filter: { fromCurrency?: string | undefined; toCurrency?: string | undefined },
): Promise<ExchangeRateDto[]> {
  return storage.transaction((tx) => listRatesIn(tx, filter), READ);
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
  storage: Storage,
  r: { fromCurrency: string; toCurrency: string; validFrom: string; rate: string },
  now: Date,
  operatorId: number,
): Promise<ExchangeRateDto> {
  return storage.transaction(async (tx) => {
    failOn(rateIssues(r, new Set((await listCurrenciesIn(tx)).map((c) => c.code))), 'exchange rate');
    const ratePpm = rateToPpm(r.rate);
    const before = (await listRatesIn(tx, r)).find((x) => x.validFrom === r.validFrom);
    await tx.run(rateUpsertQuery(r));
    const after = { ...r, ratePpm, rate: ppmToRate(ratePpm) };
    await auditChangeIn(tx, now, operatorId, {
      action: 'exchange_rate.save',
      entity: 'exchange_rate',
      entityId: `${r.fromCurrency}/${r.toCurrency}/${r.validFrom}`,
      before,
      after,
    });
    return after;
  }, WRITE);
}
