import type Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import type { Storage } from '../../db/storage/port';
import { driverAll, driverGet, driverRun } from '../../db/storage/sqlite';
import { formatMinor } from '../../src-shared/money';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { allocatePayment, allocatePaymentIn } from '../../src-main/ledger/allocation';
import { postPayment, postPaymentIn } from '../../src-main/ledger/payments';

/** One collected debit a test made: the payment, its bill and the outgoing file item. */
export type CollectedDebit = {
  accountId: number;
  accountNo: string;
  billId: number;
  billNo: string;
  dueBeforeMinor: number;
  amountMinor: number;
  currency: string;
  paymentId: number;
  itemId: number;
  endToEndId: string;
  traceNumber: string | null;
  mandateId: number;
};

/** An open bill collect picks: the account's oldest open bill with an amount due. */
type CollectableBill = { id: number; billNo: string; accountId: number; accountNo: string; due: number };

type Collect = { scheme: 'sepa' | 'ach'; count: number; messageId: string; skipAccounts?: number[] };

const collect = {
  bills: (currency: string, skip: number[], count: number): SQL =>
    sql`SELECT b.id, b.bill_no AS "billNo", b.account_id AS "accountId", a.account_no AS "accountNo", b.amount_due_minor AS due
         FROM bills b JOIN accounts a ON a.id = b.account_id
         WHERE a.currency = ${currency} AND a.is_suspense = 0 AND a.status <> 'closed' AND b.status = 'open' AND b.amount_due_minor > 0
           ${
             skip.length === 0
               ? sql``
               : sql`AND a.id NOT IN (${sql.join(
                   skip.map((id) => sql`${id}`),
                   sql`, `,
                 )})`
           }
           AND b.id = (SELECT min(b2.id) FROM bills b2 WHERE b2.account_id = a.id AND b2.status = 'open' AND b2.amount_due_minor > 0)
         ORDER BY a.id LIMIT ${count}`,
  creditor: (scheme: string): SQL => sql`SELECT id FROM creditors WHERE code = ${`T-${scheme}`}`,
  newCreditor: (opts: Collect, currency: string, at: string): SQL =>
    sql`INSERT INTO creditors (code, scheme, name, identifier, currency, iban, routing_no, created_at, updated_at)
        VALUES (${`T-${opts.scheme}`}, ${opts.scheme}, 'Paydesk Test',
          ${opts.scheme === 'sepa' ? 'DE98ZZZ09999999999' : '1234567890'}, ${currency},
          ${opts.scheme === 'sepa' ? 'DE89370400440532013000' : null}, ${opts.scheme === 'ach' ? '011000015' : null},
          ${at}, ${at})
        RETURNING id`,
  file: (opts: Collect, creditorId: number, currency: string, bills: CollectableBill[], at: string): SQL =>
    sql`INSERT INTO bank_files_out (kind, scheme, format, creditor_id, collection_date, currency, message_id, count, total_minor, sha256, status, created_at, run_key)
        VALUES ('debit', ${opts.scheme}, ${opts.scheme === 'sepa' ? 'pain.008.001.08' : 'nacha'}, ${creditorId},
          ${at.slice(0, 10)}, ${currency}, ${opts.messageId}, ${bills.length}, ${bills.reduce((s, b) => s + b.due, 0)},
          'test', 'sent', ${at}, ${`run-${opts.messageId}`})
        RETURNING id`,
  accountPayType: (payType: number, accountId: number): SQL =>
    sql`UPDATE accounts SET default_pay_type = ${payType} WHERE id = ${accountId}`,
  unitsPayType: (payType: number, accountId: number): SQL =>
    sql`UPDATE bill_units SET pay_type = ${payType} WHERE account_id = ${accountId}`,
  mandate: (opts: Collect, b: CollectableBill, creditorId: number, i: number, at: string): SQL =>
    sql`INSERT INTO mandates (account_id, creditor_id, scheme, reference, status, signed_on, debtor_name, iban, routing_no, account_no, account_type, sec_code, created_at, updated_at)
        VALUES (${b.accountId}, ${creditorId}, ${opts.scheme === 'sepa' ? 'sepa_core' : 'ach'},
          ${`M-${opts.messageId}-${i + 1}`}, 'active', '2026-01-02', ${`Debtor ${b.accountNo}`},
          ${opts.scheme === 'sepa' ? 'DE89370400440532013000' : null}, ${opts.scheme === 'ach' ? '011000015' : null},
          ${opts.scheme === 'ach' ? '12345678' : null}, ${opts.scheme === 'ach' ? 'checking' : null},
          ${opts.scheme === 'ach' ? 'PPD' : null}, ${at}, ${at})
        RETURNING id`,
  item: (opts: Collect, d: CollectedDebit, fileId: number, i: number): SQL =>
    sql`INSERT INTO bank_file_items (file_id, seq, mandate_id, account_id, bill_id, amount_minor, currency, end_to_end_id, trace_number, payment_info_id, seq_type, payment_id, status)
        VALUES (${fileId}, ${i + 1}, ${d.mandateId}, ${d.accountId}, ${d.billId}, ${d.amountMinor}, ${d.currency},
          ${d.endToEndId}, ${d.traceNumber}, ${opts.scheme === 'sepa' ? `${opts.messageId}-P${i < 2 ? 1 : 2}` : null},
          ${opts.scheme === 'sepa' ? 'FRST' : null}, ${d.paymentId}, 'sent')
        RETURNING id`,
};

function schemeOf(opts: Collect): { currency: string; payType: number } {
  return opts.scheme === 'sepa'
    ? { currency: 'EUR', payType: PAY_TYPE.sepa }
    : { currency: 'USD', payType: PAY_TYPE.directDebit };
}

function enough(bills: CollectableBill[], opts: Collect, currency: string): CollectableBill[] {
  if (bills.length < opts.count) throw new Error(`only ${bills.length} ${currency} bills to collect`);
  return bills;
}

function paymentOf(
  opts: Collect,
  b: CollectableBill,
  i: number,
  currency: string,
  payType: number,
  today: string,
) {
  return {
    accountNo: b.accountNo,
    amountMinor: b.due,
    currency,
    effectiveDate: today,
    payType,
    externalRef: `${opts.messageId}-${i + 1}`,
    billNo: b.billNo,
    sourceKey: `dd-test:${opts.messageId}:${i + 1}`,
  };
}

/** The debit as collected, before its file item is written (itemId 0). */
function debitOf(
  opts: Collect,
  b: CollectableBill,
  i: number,
  currency: string,
  paymentId: number,
  mandateId: number,
): CollectedDebit {
  return {
    accountId: b.accountId,
    accountNo: b.accountNo,
    billId: b.id,
    billNo: b.billNo,
    dueBeforeMinor: b.due,
    amountMinor: b.due,
    currency,
    paymentId,
    itemId: 0,
    endToEndId: `${opts.messageId}-E${i + 1}`,
    traceNumber: opts.scheme === 'ach' ? `01100001${String(i + 1).padStart(7, '0')}` : null,
    mandateId,
  };
}

/**
 * Collects `count` open bills by direct debit as the dd run would (pay type SEPA for EUR, direct debit for USD):
 * each account and its bill units move to the DD pay type, gets a mandate, a payment is posted for the bill's
 * amount due and allocated to it, and a bank_files_out row with one bank_file_items row per debit is written.
 */
export function collectByFile(db: Database.Database, opts: Collect, now: Date): CollectedDebit[] {
  const { currency, payType } = schemeOf(opts);
  const at = now.toISOString();
  const today = at.slice(0, 10);
  return db.transaction(() => {
    const bills = enough(
      driverAll<CollectableBill>(db, collect.bills(currency, opts.skipAccounts ?? [], opts.count)),
      opts,
      currency,
    );
    const creditor =
      driverGet<{ id: number }>(db, collect.creditor(opts.scheme)) ??
      driverGet<{ id: number }>(db, collect.newCreditor(opts, currency, at))!;
    const file = driverGet<{ id: number }>(db, collect.file(opts, creditor.id, currency, bills, at))!.id;
    return bills.map((b, i): CollectedDebit => {
      driverRun(db, collect.accountPayType(payType, b.accountId));
      driverRun(db, collect.unitsPayType(payType, b.accountId));
      const mandateId = driverGet<{ id: number }>(db, collect.mandate(opts, b, creditor.id, i, at))!.id;
      const posted = postPayment(db, paymentOf(opts, b, i, currency, payType, today), at, null);
      allocatePayment(
        db,
        { paymentId: posted.paymentId, bills: [{ billNo: b.billNo, amount: formatMinor(b.due, 2) }] },
        now,
        null,
      );
      const debit = debitOf(opts, b, i, currency, posted.paymentId, mandateId);
      return { ...debit, itemId: driverGet<{ id: number }>(db, collect.item(opts, debit, file, i))!.id };
    });
  })();
}

/** collectByFile through the port, in one transaction (both databases). */
export function collectByFileVia(storage: Storage, opts: Collect, now: Date): Promise<CollectedDebit[]> {
  const { currency, payType } = schemeOf(opts);
  const at = now.toISOString();
  const today = at.slice(0, 10);
  return storage.transaction(async (tx) => {
    const bills = enough(
      await tx.all<CollectableBill>(collect.bills(currency, opts.skipAccounts ?? [], opts.count)),
      opts,
      currency,
    );
    const creditor =
      (await tx.get<{ id: number }>(collect.creditor(opts.scheme))) ??
      (await tx.get<{ id: number }>(collect.newCreditor(opts, currency, at)))!;
    const file = (await tx.get<{ id: number }>(collect.file(opts, creditor.id, currency, bills, at)))!.id;
    const debits: CollectedDebit[] = [];
    for (const [i, b] of bills.entries()) {
      await tx.run(collect.accountPayType(payType, b.accountId));
      await tx.run(collect.unitsPayType(payType, b.accountId));
      const mandateId = (await tx.get<{ id: number }>(collect.mandate(opts, b, creditor.id, i, at)))!.id;
      const posted = await postPaymentIn(tx, paymentOf(opts, b, i, currency, payType, today), at, null);
      await allocatePaymentIn(
        tx,
        { paymentId: posted.paymentId, bills: [{ billNo: b.billNo, amount: formatMinor(b.due, 2) }] },
        now,
        null,
      );
      const debit = debitOf(opts, b, i, currency, posted.paymentId, mandateId);
      debits.push({
        ...debit,
        itemId: (await tx.get<{ id: number }>(collect.item(opts, debit, file, i)))!.id,
      });
    }
    return debits;
  });
}
