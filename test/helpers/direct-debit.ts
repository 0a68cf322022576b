import type Database from 'better-sqlite3';
import { formatMinor } from '../../src-shared/money';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { allocatePayment } from '../../src-main/ledger/allocation';
import { postPayment } from '../../src-main/ledger/payments';

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

/**
 * Collects `count` open bills by direct debit as the dd run would (pay type SEPA for EUR, direct debit for USD):
 * each account and its bill units move to the DD pay type, gets a mandate, a payment is posted for the bill's
 * amount due and allocated to it, and a bank_files_out row with one bank_file_items row per debit is written.
 */
export function collectByFile(
  db: Database.Database,
  opts: { scheme: 'sepa' | 'ach'; count: number; messageId: string; skipAccounts?: number[] },
  now: Date,
): CollectedDebit[] {
  const currency = opts.scheme === 'sepa' ? 'EUR' : 'USD';
  const payType = opts.scheme === 'sepa' ? PAY_TYPE.sepa : PAY_TYPE.directDebit;
  const at = now.toISOString();
  const today = at.slice(0, 10);
  return db.transaction(() => {
    const skip = JSON.stringify(opts.skipAccounts ?? []);
    const bills = db
      .prepare(
        `SELECT b.id, b.bill_no AS billNo, b.account_id AS accountId, a.account_no AS accountNo, b.amount_due_minor AS due
         FROM bills b JOIN accounts a ON a.id = b.account_id
         WHERE a.currency = ? AND a.is_suspense = 0 AND a.status <> 'closed' AND b.status = 'open' AND b.amount_due_minor > 0
           AND a.id NOT IN (SELECT value FROM json_each(?))
           AND b.id = (SELECT min(b2.id) FROM bills b2 WHERE b2.account_id = a.id AND b2.status = 'open' AND b2.amount_due_minor > 0)
         ORDER BY a.id LIMIT ?`,
      )
      .all(currency, skip, opts.count) as {
      id: number;
      billNo: string;
      accountId: number;
      accountNo: string;
      due: number;
    }[];
    if (bills.length < opts.count) throw new Error(`only ${bills.length} ${currency} bills to collect`);
    let creditor = db.prepare(`SELECT id FROM creditors WHERE code = ?`).get(`T-${opts.scheme}`) as
      { id: number } | undefined;
    if (!creditor)
      creditor = {
        id: Number(
          db
            .prepare(
              `INSERT INTO creditors (code, scheme, name, identifier, currency, iban, routing_no, created_at, updated_at)
               VALUES (?, ?, 'Paydesk Test', ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              `T-${opts.scheme}`,
              opts.scheme,
              opts.scheme === 'sepa' ? 'DE98ZZZ09999999999' : '1234567890',
              currency,
              opts.scheme === 'sepa' ? 'DE89370400440532013000' : null,
              opts.scheme === 'ach' ? '011000015' : null,
              at,
              at,
            ).lastInsertRowid,
        ),
      };
    const file = Number(
      db
        .prepare(
          `INSERT INTO bank_files_out (kind, scheme, format, creditor_id, collection_date, currency, message_id, count, total_minor, sha256, status, created_at, run_key)
           VALUES ('debit', ?, ?, ?, ?, ?, ?, ?, ?, 'test', 'sent', ?, ?)`,
        )
        .run(
          opts.scheme,
          opts.scheme === 'sepa' ? 'pain.008.001.08' : 'nacha',
          creditor.id,
          today,
          currency,
          opts.messageId,
          bills.length,
          bills.reduce((s, b) => s + b.due, 0),
          at,
          `run-${opts.messageId}`,
        ).lastInsertRowid,
    );
    return bills.map((b, i): CollectedDebit => {
      db.prepare(`UPDATE accounts SET default_pay_type = ? WHERE id = ?`).run(payType, b.accountId);
      db.prepare(`UPDATE bill_units SET pay_type = ? WHERE account_id = ?`).run(payType, b.accountId);
      const mandateId = Number(
        db
          .prepare(
            `INSERT INTO mandates (account_id, creditor_id, scheme, reference, status, signed_on, debtor_name, iban, routing_no, account_no, account_type, sec_code, created_at, updated_at)
             VALUES (?, ?, ?, ?, 'active', '2026-01-02', ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            b.accountId,
            creditor.id,
            opts.scheme === 'sepa' ? 'sepa_core' : 'ach',
            `M-${opts.messageId}-${i + 1}`,
            `Debtor ${b.accountNo}`,
            opts.scheme === 'sepa' ? 'DE89370400440532013000' : null,
            opts.scheme === 'ach' ? '011000015' : null,
            opts.scheme === 'ach' ? '12345678' : null,
            opts.scheme === 'ach' ? 'checking' : null,
            opts.scheme === 'ach' ? 'PPD' : null,
            at,
            at,
          ).lastInsertRowid,
      );
      const posted = postPayment(
        db,
        {
          accountNo: b.accountNo,
          amountMinor: b.due,
          currency,
          effectiveDate: today,
          payType,
          externalRef: `${opts.messageId}-${i + 1}`,
          billNo: b.billNo,
          sourceKey: `dd-test:${opts.messageId}:${i + 1}`,
        },
        at,
        null,
      );
      allocatePayment(
        db,
        { paymentId: posted.paymentId, bills: [{ billNo: b.billNo, amount: formatMinor(b.due, 2) }] },
        now,
        null,
      );
      const endToEndId = `${opts.messageId}-E${i + 1}`;
      const traceNumber = opts.scheme === 'ach' ? `01100001${String(i + 1).padStart(7, '0')}` : null;
      const itemId = Number(
        db
          .prepare(
            `INSERT INTO bank_file_items (file_id, seq, mandate_id, account_id, bill_id, amount_minor, currency, end_to_end_id, trace_number, payment_info_id, seq_type, payment_id, status)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent')`,
          )
          .run(
            file,
            i + 1,
            mandateId,
            b.accountId,
            b.id,
            b.due,
            currency,
            endToEndId,
            traceNumber,
            opts.scheme === 'sepa' ? `${opts.messageId}-P${i < 2 ? 1 : 2}` : null,
            opts.scheme === 'sepa' ? 'FRST' : null,
            posted.paymentId,
          ).lastInsertRowid,
      );
      return {
        accountId: b.accountId,
        accountNo: b.accountNo,
        billId: b.id,
        billNo: b.billNo,
        dueBeforeMinor: b.due,
        amountMinor: b.due,
        currency,
        paymentId: posted.paymentId,
        itemId,
        endToEndId,
        traceNumber,
        mandateId,
      };
    });
  })();
}
