import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { PaymentMethodDto } from '../../../src-shared/dto/processors';
import { ProcessorTransportError, RESULT, type PaymentProcessor } from '../../processors/port';
import { writeAudit } from '../../ledger/audit';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { simulatorToken as simulatorTokenOf } from '../../processors/simulator';
import { connectProcessor, findProcessor, merchantFor, processorById, type ProcessorRow } from './config';
import { keyPrefix, recordReplies, reserveTxns } from './txns';

type MethodRow = Omit<PaymentMethodDto, 'isDefault'> & {
  isDefault: number;
  accountId: number;
  token: string;
  billingZip: string | null;
};

const SELECT = `SELECT m.id, a.account_no AS accountNo, m.account_id AS accountId, m.type, m.token, m.mask, m.brand, m.expiry, m.holder,
  m.billing_zip AS billingZip, m.is_default AS isDefault, m.verification, m.avs_code AS avsCode, m.cvv_code AS cvvCode,
  m.verified_at AS verifiedAt, m.created_at AS createdAt FROM payment_methods m JOIN accounts a ON a.id = m.account_id`;

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

function accountId(db: Database.Database, accountNo: string): number {
  const a = db
    .prepare('SELECT id FROM accounts WHERE account_key = ? AND is_suspense = 0')
    .get(accountNo.trim().toUpperCase()) as { id: number } | undefined;
  if (!a) throw notFound('account', accountNo);
  return a.id;
}

/** The active payment methods of an account, default first. */
export function listMethods(db: Database.Database, accountNo: string): PaymentMethodDto[] {
  const id = accountId(db, accountNo);
  return (
    db
      .prepare(`${SELECT} WHERE m.account_id = ? AND m.status = 'active' ORDER BY m.is_default DESC, m.id`)
      .all(id) as MethodRow[]
  ).map(dto);
}

/** One payment method row (internal: includes the token). */
export function methodRow(db: Database.Database, id: number): MethodRow {
  const r = db.prepare(`${SELECT} WHERE m.id = ? AND m.status = 'active'`).get(id) as MethodRow | undefined;
  if (!r) throw notFound('payment method', String(id));
  return r;
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
export function processorForMethod(
  db: Database.Database,
  methodId: number | null,
  name?: string,
): ProcessorRow {
  const issuer =
    methodId === null
      ? null
      : ((
          db.prepare('SELECT processor_id AS p FROM payment_methods WHERE id = ?').get(methodId) as
            { p: number | null } | undefined
        )?.p ?? null);
  if (issuer === null) return findProcessor(db, name);
  const row = processorById(db, issuer);
  if (name !== undefined && name !== row.name)
    throw conflict(
      'wrong-processor',
      `this card was tokenized by ${row.name}; it cannot be charged through ${name}`,
    );
  return row;
}

/** Adds a payment method (DOMAIN.md §4.28, §2.14, V19, V20). */
export function addMethod(
  db: Database.Database,
  input: AddMethodInput,
  now: Date,
  operatorId: number,
): PaymentMethodDto {
  const id = accountId(db, input.accountNo);
  let token: string;
  let mask: string;
  let brand: string | null = null;
  let routing: string | null = null;
  if (input.type === 'card') {
    if (!input.token || !/^T\d{11,18}$/.test(input.token))
      throw invalidFields('a card is added by its processor token (from the secure card entry)', [
        { path: 'token', message: 'a processor token such as T12345678901234' },
      ]);
    token = input.token;
    mask = `****${token.slice(-4)}`;
    brand = input.brand ?? null;
    if (input.expiry !== undefined && !/^(0[1-9]|1[0-2])\/\d{2}$/.test(input.expiry))
      throw invalidFields('expiry must be MM/YY', [{ path: 'expiry', message: 'MM/YY' }]);
  } else if (input.type === 'bank') {
    const issues: { path: string; message: string }[] = [];
    if (!input.routingNo || !/^\d{9}$/.test(input.routingNo))
      issues.push({ path: 'routingNo', message: 'exactly 9 digits' });
    if (!input.bankAccountNo || !/^\d{1,17}$/.test(input.bankAccountNo))
      issues.push({ path: 'bankAccountNo', message: 'up to 17 digits' });
    if (issues.length) throw invalidFields('the bank account is not valid', issues);
    routing = input.routingNo!;
    token = bankToken(routing, input.bankAccountNo!);
    mask = `****${input.bankAccountNo!.slice(-4)}`;
  } else {
    if (!input.walletId || input.walletId.length < 4)
      throw invalidFields('a wallet needs its id', [{ path: 'walletId', message: 'at least 4 characters' }]);
    token = `W${createHash('sha256').update(input.walletId).digest('hex').slice(0, 15)}`;
    mask = `****${input.walletId.slice(-4)}`;
  }
  const processorId = input.type === 'card' ? findProcessor(db, input.processor).id : null;
  const at = now.toISOString();
  return db.transaction(() => {
    const hasAny = db
      .prepare(`SELECT 1 FROM payment_methods WHERE account_id = ? AND status = 'active'`)
      .get(id);
    const isDefault = input.isDefault || !hasAny;
    if (isDefault) db.prepare('UPDATE payment_methods SET is_default = 0 WHERE account_id = ?').run(id);
    const mid = Number(
      db
        .prepare(
          `INSERT INTO payment_methods (account_id, type, token, processor_id, mask, brand, expiry, holder, billing_zip, routing_no, is_default, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          input.type,
          token,
          processorId,
          mask,
          brand,
          input.expiry ?? null,
          input.holder ?? null,
          input.zip ?? null,
          routing,
          isDefault ? 1 : 0,
          at,
        ).lastInsertRowid,
    );
    writeAudit(db, {
      at,
      operatorId,
      action: 'payment-method.add',
      entity: 'payment_method',
      entityId: String(mid),
      after: { accountNo: input.accountNo, type: input.type, mask, brand, isDefault },
    });
    return dto(methodRow(db, mid));
  })();
}

/** Makes a method the account's default. */
export function setDefaultMethod(
  db: Database.Database,
  methodId: number,
  now: Date,
  operatorId: number,
): PaymentMethodDto {
  const m = methodRow(db, methodId);
  db.transaction(() => {
    db.prepare('UPDATE payment_methods SET is_default = (id = ?) WHERE account_id = ?').run(
      methodId,
      m.accountId,
    );
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'payment-method.default',
      entity: 'payment_method',
      entityId: String(methodId),
    });
  })();
  return dto(methodRow(db, methodId));
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
 * because AVS and the expiry check were made against the old values.
 */
export function updateMethod(
  db: Database.Database,
  input: UpdateMethodInput,
  now: Date,
  operatorId: number,
): PaymentMethodDto {
  const m = methodRow(db, input.methodId);
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
  db.transaction(() => {
    db.prepare(
      `UPDATE payment_methods SET expiry = ?, holder = ?, billing_zip = ?, brand = ?${
        revalidate
          ? `, verification = 'unverified', avs_code = NULL, cvv_code = NULL, verified_at = NULL`
          : ''
      } WHERE id = ? AND status = 'active'`,
    ).run(after.expiry, after.holder, after.zip, after.brand, m.id);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'payment-method.update',
      entity: 'payment_method',
      entityId: String(m.id),
      before: Object.fromEntries(changed.map((k) => [k, before[k]])),
      after: Object.fromEntries(changed.map((k) => [k, after[k]])),
    });
  })();
  return dto(methodRow(db, m.id));
}

/** What a method is still needed for, in words; empty when it may be removed. */
function methodInUse(db: Database.Database, m: MethodRow): string[] {
  const reasons: string[] = [];
  if (m.isDefault === 1) {
    const others = (
      db
        .prepare(
          `SELECT count(*) AS n FROM payment_methods WHERE account_id = ? AND status = 'active' AND id <> ?`,
        )
        .get(m.accountId, m.id) as { n: number }
    ).n;
    if (others > 0)
      reasons.push(`it is the default of ${m.accountNo}: make another method the default first`);
  }
  const pending = (
    db
      .prepare(
        `SELECT count(*) AS n FROM pending_payments WHERE payment_method_id = ? AND status = 'pending'`,
      )
      .get(m.id) as { n: number }
  ).n;
  if (pending > 0) reasons.push(`${pending} pending payment(s) will charge it: confirm or cancel them first`);
  // 999 = sent or about to be sent; 1000+ = charged but not yet posted. Both still need the token to settle.
  const open = (
    db
      .prepare(`SELECT count(*) AS n FROM processor_txns WHERE payment_method_id = ? AND result >= 999`)
      .get(m.id) as { n: number }
  ).n;
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
  db: Database.Database,
  input: { methodId: number; reason: string },
  now: Date,
  operatorId: number,
): PaymentMethodDto {
  return db.transaction(() => {
    const m = methodRow(db, input.methodId);
    const reasons = methodInUse(db, m);
    if (reasons.length)
      throw conflict('method-in-use', `method ${m.id} cannot be removed: ${reasons.join('; ')}`);
    db.prepare(`UPDATE payment_methods SET status = 'removed', is_default = 0 WHERE id = ?`).run(m.id);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'payment-method.remove',
      entity: 'payment_method',
      entityId: String(m.id),
      before: { accountNo: m.accountNo, type: m.type, mask: m.mask, isDefault: m.isDefault === 1 },
      after: { status: 'removed', reason: input.reason },
    });
    return { ...dto(m), isDefault: false };
  })();
}

/**
 * Validates a stored card with the processor (DOMAIN.md §4.4): a $1.00 verification whose auth code is
 * ignored; AVS and CVV results are kept on the method. The CVV passes through and is never stored.
 */
export async function validateMethod(
  db: Database.Database,
  ledgerFile: string,
  input: { methodId: number; cvv?: string | undefined; processor?: string | undefined },
  now: Date,
  operatorId: number,
  port?: PaymentProcessor,
): Promise<PaymentMethodDto> {
  const m = methodRow(db, input.methodId);
  if (m.type === 'wallet')
    throw conflict('not-validatable', 'digital wallets are validated by their provider');
  const proc = processorForMethod(db, m.id, input.processor);
  const currency = (
    db.prepare('SELECT currency FROM accounts WHERE id = ?').get(m.accountId) as { currency: string }
  ).currency;
  const merchant = merchantFor(proc, currency).merchant;
  const n = (
    db
      .prepare(`SELECT count(*) AS n FROM processor_txns WHERE payment_method_id = ? AND command = 'verify'`)
      .get(m.id) as { n: number }
  ).n;
  const at = now.toISOString();
  const idemKey = `${keyPrefix(db)}-ver-${m.id}-${n + 1}`;
  const [txnId] = reserveTxns(
    db,
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
    recordReplies(db, [reply], new Date().toISOString());
    db.transaction(() => {
      db.prepare('UPDATE processor_txns SET result = result - 1000 WHERE id = ? AND result >= 1000').run(
        txnId,
      );
      db.prepare(
        'UPDATE payment_methods SET verification = ?, avs_code = ?, cvv_code = ?, verified_at = ? WHERE id = ?',
      ).run(
        reply.result === RESULT.pass ? 'verified' : 'failed',
        reply.avs ?? null,
        reply.cvv ?? null,
        at,
        m.id,
      );
      writeAudit(db, {
        at,
        operatorId,
        action: 'payment-method.validate',
        entity: 'payment_method',
        entityId: String(m.id),
        after: { result: reply.result, avsResult: reply.avs, cvvResult: reply.cvv },
      });
    })();
  } catch (err) {
    if (err instanceof ProcessorTransportError) {
      if (err.failure.kind === 'not_sent')
        db.prepare('UPDATE processor_txns SET result = 1 WHERE id = ? AND result = 999').run(txnId);
      throw new AppFailure({
        code: 'processor_unavailable',
        message: `validation failed: ${err.failure.message}`,
      });
    }
    throw err;
  }
  return dto(methodRow(db, m.id));
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
    if (payType === 10003) {
      const number = demoCardNumber(n);
      ins.run(
        accountId,
        'card',
        simulatorTokenOf(number),
        `****${number.slice(-4)}`,
        n % 2 === 0 ? 'VI' : 'MC',
        null,
        at,
      );
    } else if (payType === 10005) {
      const account = String(100000 + n);
      ins.run(
        accountId,
        'bank',
        bankToken('021000021', account),
        `****${account.slice(-4)}`,
        null,
        '021000021',
        at,
      );
    }
  };
}
