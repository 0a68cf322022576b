import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { appendAudit } from '../../../db/repos/audit';
import {
  accountCurrencyQuery,
  accountHasMethodQuery,
  accountMethodsQuery,
  methodAccountQuery,
  methodByIdQuery,
  methodDetailsUpdateQuery,
  methodInsertQuery,
  methodIssuerQuery,
  methodMakeDefaultQuery,
  methodRemoveQuery,
  methodsClearDefaultQuery,
  methodVerificationQuery,
  openTxnsOfMethodQuery,
  otherActiveMethodsQuery,
  pendingPaymentsOfMethodQuery,
  verificationNotSentQuery,
  verificationSettledQuery,
  verificationsOfMethodQuery,
  type MethodRecord,
} from '../../../db/repos/payment-methods';
import { processorByIdQuery } from '../../../db/repos/processors';
import type { Storage, Tx } from '../../../db/storage/port';
import type { PaymentMethodDto } from '../../../src-shared/dto/processors';
import { ProcessorTransportError, RESULT, type PaymentProcessor } from '../../processors/port';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { simulatorToken as simulatorTokenOf } from '../../processors/simulator';
import { connectProcessor, findProcessorIn, merchantFor, type ProcessorRow } from './config';
import { keyPrefixIn, recordRepliesIn, reserveTxnsIn } from './txns';

// Payment methods behind the storage seam (issue #17): list, add, set default, update and remove run through the
// port on SQLite and PostgreSQL alike, and so does a validation with its processor record
// (db/repos/processor-txns.ts).

const READ = { readOnly: true } as const;
// Every change reads the account's methods before it writes (is there one yet? which is the default? is it still
// active?): serializable, so two clerks at once take turns on PostgreSQL as SQLite's one writer makes them.
const WRITE = { serializable: true } as const;

type MethodRow = MethodRecord;

function dto(r: MethodRow): PaymentMethodDto {
  return {
    id: r.id,
    accountNo: r.accountNo,
    type: r.type,
    mask: r.mask,
    brand: r.brand,
    expiry: r.expiry,
    holder: r.holder,
    isDefault: r.isDefault === 1,
    verification: r.verification,
    avsCode: r.avsCode,
    cvvCode: r.cvvCode,
    verifiedAt: r.verifiedAt,
    createdAt: r.createdAt,
  };
}

async function accountIdIn(tx: Tx, accountNo: string): Promise<number> {
  const a = await tx.get<{ id: number }>(methodAccountQuery(accountNo));
  if (!a) throw notFound('account', accountNo);
  return a.id;
}

function found(r: MethodRow | undefined, id: number): MethodRow {
  if (!r) throw notFound('payment method', String(id));
  return r;
}

async function methodRowIn(tx: Tx, id: number): Promise<MethodRow> {
  return found(await tx.get<MethodRow>(methodByIdQuery(id)), id);
}

/** The active payment methods of an account, default first. */
export function listMethods(storage: Storage, accountNo: string): Promise<PaymentMethodDto[]> {
  return storage.transaction(async (tx) => {
    const id = await accountIdIn(tx, accountNo);
    return (await tx.all<MethodRow>(accountMethodsQuery(id))).map(dto);
  }, READ);
}

/** Input of methods:add: a processor token for cards (never a number), routing + account for bank accounts. */
export type AddMethodInput = {
  accountNo: string;
  type: 'card' | 'bank' | 'wallet';
  token?: string | undefined;
  last4?: string | undefined;
  brand?: string | undefined;
  expiry?: string | undefined;
  holder?: string | undefined;
  zip?: string | undefined;
  routingNo?: string | undefined;
  bankAccountNo?: string | undefined;
  walletId?: string | undefined;
  isDefault: boolean;
  /** The processor that tokenized the card (default: the default processor); bank and wallet tokens are ours. */
  processor?: string | undefined;
};

/** A stable bank token: the account number never stays in the ledger, only this and the last four digits. */
function bankToken(routing: string, account: string): string {
  const d = createHash('sha256').update(`paydesk-bank:${routing}:${account}`).digest();
  let digits = '';
  for (let i = 0; digits.length < 15; i++) digits += String(d[i % d.length]! % 10);
  return `B${digits}${account.slice(-4).padStart(4, '0')}`;
}

/**
 * The processor to charge a stored method through: the one that issued its token. Naming another one is a
 * conflict, because the token means nothing there. Methods not tied to a processor use the named or default one.
 */
function issuedBy(row: ProcessorRow, name: string | undefined): ProcessorRow {
  if (name !== undefined && name !== row.name)
    throw conflict(
      'wrong-processor',
      `this card was tokenized by ${row.name}; it cannot be charged through ${name}`,
    );
  return row;
}

/**
 * The processor to charge a stored method through (validations, one-off payments); a null method is charged
 * through the named or default processor.
 */
export async function processorForMethodIn(
  tx: Tx,
  methodId: number | null,
  name?: string,
): Promise<ProcessorRow> {
  const issuer =
    methodId === null ? null : ((await tx.get<{ p: number | null }>(methodIssuerQuery(methodId)))?.p ?? null);
  if (issuer === null) return findProcessorIn(tx, name);
  const row = await tx.get<ProcessorRow>(processorByIdQuery(issuer));
  if (!row) throw notFound('processor', String(issuer));
  return issuedBy(row, name);
}

/** What is stored of a new method: its token and mask, never the card, bank account or wallet number. */
function storedForm(input: AddMethodInput): {
  token: string;
  mask: string;
  brand: string | null;
  routing: string | null;
} {
  if (input.type === 'card') {
    if (!input.token || !/^T\d{11,18}$/.test(input.token))
      throw invalidFields('a card is added by its processor token (from the secure card entry)', [
        { path: 'token', message: 'a processor token such as T12345678901234' },
      ]);
    if (input.expiry !== undefined && !/^(0[1-9]|1[0-2])\/\d{2}$/.test(input.expiry))
      throw invalidFields('expiry must be MM/YY', [{ path: 'expiry', message: 'MM/YY' }]);
    return {
      token: input.token,
      mask: `****${input.token.slice(-4)}`,
      brand: input.brand ?? null,
      routing: null,
    };
  }
  if (input.type === 'bank') {
    const issues: { path: string; message: string }[] = [];
    if (!input.routingNo || !/^\d{9}$/.test(input.routingNo))
      issues.push({ path: 'routingNo', message: 'exactly 9 digits' });
    if (!input.bankAccountNo || !/^\d{1,17}$/.test(input.bankAccountNo))
      issues.push({ path: 'bankAccountNo', message: 'up to 17 digits' });
    if (issues.length) throw invalidFields('the bank account is not valid', issues);
    return {
      token: bankToken(input.routingNo!, input.bankAccountNo!),
      mask: `****${input.bankAccountNo!.slice(-4)}`,
      brand: null,
      routing: input.routingNo!,
    };
  }
  if (!input.walletId || input.walletId.length < 4)
    throw invalidFields('a wallet needs its id', [{ path: 'walletId', message: 'at least 4 characters' }]);
  return {
    token: `W${createHash('sha256').update(input.walletId).digest('hex').slice(0, 15)}`,
    mask: `****${input.walletId.slice(-4)}`,
    brand: null,
    routing: null,
  };
}

/**
 * Adds a payment method (DOMAIN.md §4.28, §2.14, V19, V20). The first active method of an account becomes its
 * default: two first methods added at once leave one default (the serializable transaction makes the second
 * see the first).
 */
export function addMethod(
  storage: Storage,
  input: AddMethodInput,
  now: Date,
  operatorId: number,
): Promise<PaymentMethodDto> {
  return storage.transaction(async (tx) => {
    const id = await accountIdIn(tx, input.accountNo);
    const { token, mask, brand, routing } = storedForm(input);
    const processorId = input.type === 'card' ? (await findProcessorIn(tx, input.processor)).id : null;
    const at = now.toISOString();
    const isDefault = input.isDefault || !(await tx.get(accountHasMethodQuery(id)));
    if (isDefault) await tx.run(methodsClearDefaultQuery(id));
    const inserted = await tx.get<{ id: number }>(
      methodInsertQuery({
        accountId: id,
        type: input.type,
        token,
        processorId,
        mask,
        brand,
        expiry: input.expiry ?? null,
        holder: input.holder ?? null,
        billingZip: input.zip ?? null,
        routingNo: routing,
        isDefault,
        createdAt: at,
      }),
    );
    if (!inserted) throw new Error('the payment method was not written');
    await appendAudit(tx, {
      at,
      operatorId,
      action: 'payment-method.add',
      entity: 'payment_method',
      entityId: String(inserted.id),
      after: { accountNo: input.accountNo, type: input.type, mask, brand, isDefault },
    });
    return dto(await methodRowIn(tx, inserted.id));
  }, WRITE);
}

/** Makes a method the account's default (one statement sets every method of the account: one default stays). */
export function setDefaultMethod(
  storage: Storage,
  methodId: number,
  now: Date,
  operatorId: number,
): Promise<PaymentMethodDto> {
  return storage.transaction(async (tx) => {
    const m = await methodRowIn(tx, methodId);
    await tx.run(methodMakeDefaultQuery(m.accountId, methodId));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'payment-method.default',
      entity: 'payment_method',
      entityId: String(methodId),
    });
    return dto(await methodRowIn(tx, methodId));
  }, WRITE);
}

/** Input of methods:update: the details a desk may correct; a card number or token never changes here. */
export type UpdateMethodInput = {
  methodId: number;
  expiry?: string | null | undefined;
  holder?: string | null | undefined;
  zip?: string | null | undefined;
  brand?: string | null | undefined;
};

/**
 * Corrects a stored method's expiry, holder, billing ZIP or brand (DOMAIN.md §4.28 "update as needed"). The
 * token and mask stay: a different card is a new method. A changed expiry or ZIP voids the last validation,
 * because AVS and the expiry check were made against the old values. Read and written in one transaction, so
 * the audit's "before" is what the change replaced.
 */
export function updateMethod(
  storage: Storage,
  input: UpdateMethodInput,
  now: Date,
  operatorId: number,
): Promise<PaymentMethodDto> {
  return storage.transaction(async (tx) => {
    const m = await methodRowIn(tx, input.methodId);
    const issues: { path: string; message: string }[] = [];
    if (input.expiry !== undefined && input.expiry !== null) {
      if (m.type !== 'card') issues.push({ path: 'expiry', message: 'only cards have an expiry' });
      else if (!/^(0[1-9]|1[0-2])\/\d{2}$/.test(input.expiry))
        issues.push({ path: 'expiry', message: 'MM/YY' });
    }
    if (input.brand !== undefined && input.brand !== null && m.type !== 'card')
      issues.push({ path: 'brand', message: 'only cards have a brand' });
    if (issues.length) throw invalidFields('the payment method cannot take these values', issues);
    const before = { expiry: m.expiry, holder: m.holder, zip: m.billingZip, brand: m.brand };
    const after = {
      expiry: input.expiry === undefined ? m.expiry : input.expiry,
      holder: input.holder === undefined ? m.holder : input.holder || null,
      zip: input.zip === undefined ? m.billingZip : input.zip || null,
      brand: input.brand === undefined ? m.brand : input.brand,
    };
    const changed = (Object.keys(after) as (keyof typeof after)[]).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return dto(m);
    const revalidate = changed.includes('expiry') || changed.includes('zip');
    await tx.run(methodDetailsUpdateQuery(m.id, after, revalidate));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'payment-method.update',
      entity: 'payment_method',
      entityId: String(m.id),
      before: Object.fromEntries(changed.map((k) => [k, before[k]])),
      after: Object.fromEntries(changed.map((k) => [k, after[k]])),
    });
    return dto(await methodRowIn(tx, m.id));
  }, WRITE);
}

/** What a method is still needed for, in words; empty when it may be removed. */
async function methodInUseIn(tx: Tx, m: MethodRow): Promise<string[]> {
  const count = async (query: SQL) => (await tx.get<{ n: number }>(query))?.n ?? 0;
  const reasons: string[] = [];
  if (m.isDefault === 1 && (await count(otherActiveMethodsQuery(m.accountId, m.id))) > 0)
    reasons.push(`it is the default of ${m.accountNo}: make another method the default first`);
  const pending = await count(pendingPaymentsOfMethodQuery(m.id));
  if (pending > 0) reasons.push(`${pending} pending payment(s) will charge it: confirm or cancel them first`);
  const open = await count(openTxnsOfMethodQuery(m.id));
  if (open > 0)
    reasons.push(`${open} processor record(s) of a run are still open: resolve them in Recovery first`);
  return reasons;
}

/**
 * Removes a payment method (DOMAIN.md §4.28, §4.17.3): the row stays, marked removed, so every past charge
 * and validation still points at it; it is refused while the method is the default next to others, or a
 * pending payment or an open run record still needs it. Audited with the operator's reason.
 */
export function removeMethod(
  storage: Storage,
  input: { methodId: number; reason: string },
  now: Date,
  operatorId: number,
): Promise<PaymentMethodDto> {
  return storage.transaction(async (tx) => {
    const m = await methodRowIn(tx, input.methodId);
    const reasons = await methodInUseIn(tx, m);
    if (reasons.length)
      throw conflict('method-in-use', `method ${m.id} cannot be removed: ${reasons.join('; ')}`);
    await tx.run(methodRemoveQuery(m.id));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'payment-method.remove',
      entity: 'payment_method',
      entityId: String(m.id),
      before: { accountNo: m.accountNo, type: m.type, mask: m.mask, isDefault: m.isDefault === 1 },
      after: { status: 'removed', reason: input.reason },
    });
    return { ...dto(m), isDefault: false };
  }, WRITE);
}

/**
 * Validates a stored card with the processor (DOMAIN.md §4.4): a $1.00 verification whose auth code is
 * ignored; AVS and CVV results are kept on the method. The CVV passes through and is never stored.
 *
 * Three port transactions, the processor asked between them with none open: the method, its processor and
 * merchant are read and the verification's processor record reserved (999) in one; the reply is recorded in
 * the next; the outcome (the record closed at its result, the method's verification and the audit row) in the
 * last. The record's key counts the method's validations: two validations at once take turns on the count
 * (serializable; on PostgreSQL the second is retried, or refused by the key's unique index and retried) and
 * send two keys.
 */
export async function validateMethod(
  storage: Storage,
  ledgerFile: string,
  input: { methodId: number; cvv?: string | undefined; processor?: string | undefined },
  now: Date,
  operatorId: number,
  port?: PaymentProcessor,
): Promise<PaymentMethodDto> {
  const at = now.toISOString();
  const { m, proc, currency, merchant, idemKey, txnId } = await storage.transaction(async (tx) => {
    const m = await methodRowIn(tx, input.methodId);
    if (m.type === 'wallet')
      throw conflict('not-validatable', 'digital wallets are validated by their provider');
    const proc = await processorForMethodIn(tx, m.id, input.processor);
    const currency = (await tx.get<{ currency: string }>(accountCurrencyQuery(m.accountId)))!.currency;
    const merchant = merchantFor(proc, currency).merchant;
    const n = (await tx.get<{ n: number }>(verificationsOfMethodQuery(m.id)))!.n;
    const idemKey = `${await keyPrefixIn(tx)}-ver-${m.id}-${n + 1}`;
    const [txnId] = await reserveTxnsIn(
      tx,
      [
        {
          idemKey,
          processorId: proc.id,
          command: 'verify',
          runId: null,
          batchKey: null,
          accountId: m.accountId,
          billId: null,
          paymentMethodId: m.id,
          token: m.token,
          brand: m.brand,
          merchant,
          amountMinor: 100,
          currency,
          payType: m.type === 'card' ? 10003 : 10005,
          relatedTxnId: null,
          description: 'validation',
        },
      ],
      at,
      operatorId,
    );
    return { m, proc, currency, merchant, idemKey, txnId: txnId! };
  }, WRITE);
  const p = port ?? connectProcessor(proc, ledgerFile);
  try {
    const reply = await p.validate({
      idemKey,
      command: 'verify',
      merchant,
      token: m.token,
      amountMinor: 100,
      currency,
      accountNo: m.accountNo,
      // AVS is skipped for addresses with non-ASCII characters (DOMAIN.md §4.4): the processor cannot match them.
      ...(m.billingZip && /^[\x20-\x7e]+$/.test(m.billingZip) ? { zip: m.billingZip } : {}),
      ...(input.cvv ? { cvv: input.cvv } : {}),
    });
    await storage.transaction((tx) => recordRepliesIn(tx, [reply], new Date().toISOString()));
    return await storage.transaction(async (tx) => {
      await tx.run(verificationSettledQuery(txnId));
      await tx.run(
        methodVerificationQuery(m.id, {
          verification: reply.result === RESULT.pass ? 'verified' : 'failed',
          avsCode: reply.avs ?? null,
          cvvCode: reply.cvv ?? null,
          at,
        }),
      );
      await appendAudit(tx, {
        at,
        operatorId,
        action: 'payment-method.validate',
        entity: 'payment_method',
        entityId: String(m.id),
        after: { result: reply.result, avsResult: reply.avs, cvvResult: reply.cvv },
      });
      return dto(await methodRowIn(tx, m.id));
    }, WRITE);
  } catch (err) {
    if (err instanceof ProcessorTransportError) {
      if (err.failure.kind === 'not_sent')
        await storage.transaction((tx) => tx.run(verificationNotSentQuery(txnId)));
      throw new AppFailure({
        code: 'processor_unavailable',
        message: `validation failed: ${err.failure.message}`,
      });
    }
    throw err;
  }
}

/** A test card number (Luhn-valid) derived from a demo account's sequence number; only its token is stored. */
export function demoCardNumber(n: number): string {
  const body = `${n % 2 === 0 ? '4' : '5'}${n % 2 === 0 ? '000' : '100'}${String(n).padStart(11, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/**
 * Demo data: a default payment method for each card or direct-debit account, as the processor would have
 * tokenized it (the simulator's token of a test card, or a bank token), so collection runs work on demo
 * ledgers. Consumes no random numbers, so the rest of the demo stays the same for a seed.
 */
export function demoPaymentMethods(
  db: Database.Database,
): (accountId: number, n: number, payType: number, at: string) => void {
  const ins = db.prepare(
    `INSERT INTO payment_methods (account_id, type, token, mask, brand, expiry, holder, billing_zip, routing_no, is_default, verification, created_at)
     VALUES (?, ?, ?, ?, ?, '12/29', NULL, NULL, ?, 1, 'verified', ?)`,
  );
  return (accountId, n, payType, at) => {
    const m = demoPaymentMethodOf(n, payType);
    if (m) ins.run(accountId, m.type, m.token, m.mask, m.brand, m.routingNo, at);
  };
}

/** The demo payment method of the demo account n with this pay type (a card or a bank account), or null. */
export function demoPaymentMethodOf(
  n: number,
  payType: number,
): {
  type: 'card' | 'bank';
  token: string;
  mask: string;
  brand: string | null;
  routingNo: string | null;
} | null {
  if (payType === 10003) {
    const number = demoCardNumber(n);
    return {
      type: 'card',
      token: simulatorTokenOf(number),
      mask: `****${number.slice(-4)}`,
      brand: n % 2 === 0 ? 'VI' : 'MC',
      routingNo: null,
    };
  }
  if (payType === 10005) {
    const account = String(100000 + n);
    return {
      type: 'bank',
      token: bankToken('021000021', account),
      mask: `****${account.slice(-4)}`,
      brand: null,
      routingNo: '021000021',
    };
  }
  return null;
}
