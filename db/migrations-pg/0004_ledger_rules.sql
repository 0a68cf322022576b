-- The reference rows a new ledger starts with, as the SQLite migrations seed them (test/db/ledger-rules.test.ts
-- compares the two).
INSERT INTO "currencies" ("code", "exponent", "name") VALUES
  ('USD', 2, 'US Dollar'),
  ('EUR', 2, 'Euro'),
  ('GBP', 2, 'Pound Sterling'),
  ('CAD', 2, 'Canadian Dollar'),
  ('CHF', 2, 'Swiss Franc'),
  ('AUD', 2, 'Australian Dollar'),
  ('SEK', 2, 'Swedish Krona'),
  ('JPY', 0, 'Yen'),
  ('KWD', 3, 'Kuwaiti Dinar'),
  ('BHD', 3, 'Bahraini Dinar');
--> statement-breakpoint
INSERT INTO "accounts" ("id", "account_no", "account_key", "name", "name_key", "status", "currency", "default_pay_type", "is_suspense", "balance_minor", "created_at") VALUES
  (1, 'SUSPENSE', 'SUSPENSE', 'Payment Suspense', 'payment suspense', 'active', 'USD', 0, 1, 0, '1970-01-01T00:00:00.000Z');
--> statement-breakpoint
SELECT setval(s, (SELECT max(id) FROM "accounts")) FROM pg_get_serial_sequence('"accounts"', 'id') AS s WHERE s IS NOT NULL;
--> statement-breakpoint
INSERT INTO "reason_domains" ("id", "name", "gl_rule") VALUES
  (1, 'Reason Codes-Debit Reasons', 'optional'),
  (8, 'Reason Codes-Credit Reasons', 'optional'),
  (14, 'Reason Codes - Payment Suspense Management', 'optional'),
  (15, 'Reason Codes - Payment Suspense Action Owner reason', 'forbidden'),
  (16, 'Reason Codes - Payment Suspense Management Reversal Reason', 'required'),
  (17, 'Reason Codes - Payment Reversal Reasons', 'optional'),
  (18, 'Reason Codes - Refund Reasons', 'optional'),
  (19, 'Reason Codes - Zero Proof Override Reasons', 'optional'),
  (20, 'Reason Codes - Duplicate Payment Release', 'optional');
--> statement-breakpoint
SELECT setval(s, (SELECT max(id) FROM "reason_domains")) FROM pg_get_serial_sequence('"reason_domains"', 'id') AS s WHERE s IS NOT NULL;
--> statement-breakpoint
INSERT INTO "reason_codes" ("domain_id", "id", "label", "help", "gl_id", "active", "locale") VALUES
  (1, 4, 'Sponsored Topup. Sponsor Debit', '', 105, 1, 'en_us'),
  (8, 5, 'Sponsored Topup. Sponsoree Credit', '', 105, 1, 'en_us'),
  (14, 2001, 'Account No not found.', 'The account number is not in the database.', NULL, 1, 'en_us'),
  (14, 2002, 'Bill No not found.', 'The bill number is not in the database.', NULL, 1, 'en_us'),
  (14, 2003, 'Account and bill number belong to different accounts.', '', NULL, 1, 'en_us'),
  (14, 2004, 'Account is closed.', '', NULL, 1, 'en_us'),
  (14, 2005, 'Currency cannot be converted to the account currency.', 'No exchange rate for the payment date.', NULL, 1, 'en_us'),
  (14, 2006, 'Amount does not match what is open.', '', NULL, 1, 'en_us'),
  (14, 2007, 'Suspended by hand.', 'A clerk suspended a valid payment.', NULL, 1, 'en_us'),
  (14, 2008, 'Payment recycled from a wrong account.', 'A posted payment was moved back to suspense.', NULL, 1, 'en_us'),
  (14, 2009, 'Remainder of a distribution.', 'What a distribution list left in suspense.', NULL, 1, 'en_us'),
  (14, 100101, 'Payment is too large.', 'A cash payment over 10,000.', NULL, 1, 'en_us'),
  (15, 3001, 'Payments Processing', 'Payments Processing department.', NULL, 1, 'en_us'),
  (15, 3002, 'Collections', 'Collections team.', NULL, 1, 'en_us'),
  (15, 102001, 'Alaya Baker', 'Payments Processing department.', NULL, 1, 'en_us'),
  (15, 102002, 'Micheal Orden', 'Payments Processing department.', NULL, 1, 'en_us'),
  (16, 4001, 'Allocation undone', 'The payment was allocated to the wrong bills or items.', 113, 1, 'en_us'),
  (16, 4002, 'Payment recycled to suspense', 'Moved from the wrong customer account to suspense.', 113, 1, 'en_us'),
  (16, 4003, 'Distributed payment allocation', 'A suspended payment applied to one or more accounts.', 113, 1, 'en_us'),
  (16, 4999, 'Unable to correct payment', 'Removed from suspense as unallocatable.', 112, 1, 'en_us'),
  (16, 110000, 'Payment recycled to suspense', 'Payment moved from the wrong customer account to suspense.', 113, 1, 'en_us'),
  (16, 110001, 'Distributed Payment allocation', 'Suspended payment applied to several accounts.', 113, 1, 'en_us'),
  (17, 4101, 'Check returned unpaid', 'The bank returned the check (NSF).', NULL, 1, 'en_us'),
  (17, 4102, 'Posted in error', 'The payment was keyed or imported by mistake.', NULL, 1, 'en_us'),
  (17, 4103, 'Duplicate payment', 'The same payment was posted twice.', NULL, 1, 'en_us'),
  (17, 4104, 'Chargeback', 'The card holder disputed the charge.', NULL, 1, 'en_us'),
  (18, 4201, 'Customer request', 'The customer asked for the credit back.', NULL, 1, 'en_us'),
  (18, 4202, 'Overpayment returned', '', NULL, 1, 'en_us'),
  (18, 4203, 'Account closed', 'Credit returned on closing the account.', NULL, 1, 'en_us'),
  (19, 4301, 'Control figures keyed wrong', 'The bank header is known to be wrong.', NULL, 1, 'en_us'),
  (19, 4302, 'Missing item to follow', 'An item will follow in a later batch.', NULL, 1, 'en_us'),
  (20, 4401, 'Separate payment confirmed', 'The payer or the bank confirmed two separate payments.', NULL, 1, 'en_us'),
  (20, 4402, 'Check presented again', 'The first check was returned and reversed; this one is its replacement.', NULL, 1, 'en_us'),
  (20, 4403, 'Different payment, same details', 'Two payments that happen to share account, number, amount and date.', NULL, 1, 'en_us'),
  (17, 4105, 'Returned by the bank', 'A direct debit rejected or returned by the bank (return batch).', NULL, 1, 'en_us');
--> statement-breakpoint
SELECT setval(s, (SELECT max(id) FROM "reason_codes")) FROM pg_get_serial_sequence('"reason_codes"', 'id') AS s WHERE s IS NOT NULL;
--> statement-breakpoint
INSERT INTO "payment_channels" ("id", "description", "active") VALUES
  (0, 'Unspecified Payment Channel', 1),
  (1, 'Internet', 1),
  (2, 'Interactive Voice Response (IVR)', 1),
  (3, 'Automated Clearing House (ACH)', 1),
  (4, 'Lockbox', 1);
--> statement-breakpoint
SELECT setval(s, (SELECT max(id) FROM "payment_channels")) FROM pg_get_serial_sequence('"payment_channels"', 'id') AS s WHERE s IS NOT NULL;
--> statement-breakpoint
INSERT INTO "pay_type_settings" ("pay_type", "name", "enabled") VALUES
  (0, 'Undefined', 1),
  (10000, 'Prepaid', 1),
  (10001, 'Invoice', 1),
  (10002, 'Debit', 1),
  (10003, 'Credit card', 1),
  (10005, 'Direct debit', 1),
  (10006, 'Smart card', 1),
  (10007, 'Nonpaying (subordinate)', 1),
  (10011, 'Cash', 1),
  (10012, 'Check', 1),
  (10013, 'Wire transfer', 1),
  (10014, 'Inter-bank payment order', 1),
  (10015, 'Postal order', 1),
  (10016, 'Voucher', 1),
  (10017, 'Failed', 1),
  (10018, 'SEPA', 1);
--> statement-breakpoint
INSERT INTO "payment_terms" ("code", "description", "days") VALUES
  ('N14', 'Net 14 days', 14),
  ('N30', 'Net 30 days', 30),
  ('DUE', 'Due on receipt', 0);
--> statement-breakpoint
INSERT INTO "payment_term_defaults" ("code", "pay_type", "term_code", "security_levels") VALUES
  ('INV', 10001, 'N30', 'clerk,analyst,supervisor,admin'),
  ('DD', 10005, 'N14', 'supervisor,admin');
--> statement-breakpoint
INSERT INTO "column_configs" ("batch_type", "pay_type", "position", "field", "caption", "purpose", "width", "visible", "required", "format") VALUES
  ('payment', 0, 0, 'accountNo', 'Account no', 'entry', 136, 1, 0, ''),
  ('payment', 0, 1, 'billNo', 'Bill no', 'entry', 128, 1, 0, ''),
  ('payment', 0, 2, 'amount', 'Amount', 'entry', 110, 1, 1, ''),
  ('payment', 0, 3, 'paymentDate', 'Payment date', 'entry', 140, 1, 0, ''),
  ('payment', 0, 4, 'checkNo', 'Check no', 'entry', 106, 1, 0, ''),
  ('payment', 0, 5, 'payerName', 'Payer name', 'entry', 150, 1, 0, ''),
  ('payment', 0, 6, 'reference', 'Reference', 'entry', 130, 1, 0, ''),
  ('refund', 0, 0, 'accountNo', 'Account no', 'entry', 136, 1, 0, ''),
  ('refund', 0, 1, 'billNo', 'Bill no', 'entry', 128, 1, 0, ''),
  ('refund', 0, 2, 'amount', 'Amount', 'entry', 110, 1, 1, ''),
  ('refund', 0, 3, 'paymentDate', 'Payment date', 'entry', 140, 1, 0, ''),
  ('refund', 0, 4, 'checkNo', 'Check no', 'entry', 106, 1, 0, ''),
  ('refund', 0, 5, 'payerName', 'Payer name', 'entry', 150, 1, 0, ''),
  ('refund', 0, 6, 'reference', 'Reference', 'entry', 130, 1, 0, ''),
  ('reversal', 0, 0, 'paymentRef', 'Payment ID', 'entry', 124, 1, 1, ''),
  ('reversal', 0, 1, 'paymentDate', 'Payment date', 'entry', 140, 1, 0, ''),
  ('reversal', 0, 2, 'checkNo', 'Check no', 'entry', 106, 1, 0, ''),
  ('reversal', 0, 3, 'payerName', 'Payer name', 'entry', 150, 1, 0, ''),
  ('reversal', 0, 4, 'reference', 'Reference', 'entry', 130, 1, 0, '');
--> statement-breakpoint
INSERT INTO "mandate_revision_codes" ("code", "name", "action", "reason_type", "reason_code", "event_type", "event_code") VALUES
  ('0', 'Instruction cancelled by payer', 'cancel', 1, 1, 'MANDATE', 'CANCELLED'),
  ('1', 'Instruction cancelled, payer deceased', 'cancel', 1, 2, 'MANDATE', 'CANCELLED'),
  ('3', 'Account transferred to a new bank', 'amend', 1, 3, 'MANDATE', 'AMEND_DETAILS'),
  ('B', 'Account closed', 'cancel', 1, 4, 'MANDATE', 'CANCELLED'),
  ('C', 'Account transferred to a new account', 'amend', 1, 5, 'MANDATE', 'AMEND_DETAILS');
--> statement-breakpoint
INSERT INTO "rejection_codes" ("code", "description", "reason_type", "reason_code", "decline_class", "max_retries", "retry_reason_code", "retry_event", "suspension_days", "exhausted_event", "refund_event", "fallback_pay_type") VALUES
  ('0', 'Refer to payer', 2, 1, 'soft', 2, 11, 'PAYMENT_RETRY', 7, 'PAYMENT_CANCELLED', NULL, 10001),
  ('1', 'Instruction cancelled', 2, 2, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('2', 'Payer deceased', 2, 3, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('5', 'No account', 2, 4, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('51', 'Insufficient funds', 2, 5, 'soft', 3, 12, 'PAYMENT_RETRY', 5, 'PAYMENT_CANCELLED', NULL, 10001),
  ('54', 'Card expired', 2, 6, 'hard', 0, NULL, NULL, 0, NULL, NULL, 10001),
  ('AM04', 'Insufficient funds (SEPA)', 2, 7, 'soft', 2, 12, 'PAYMENT_RETRY', 7, 'PAYMENT_CANCELLED', NULL, 10001),
  ('MS03', 'Reason not specified (SEPA)', 2, 8, 'soft', 1, 11, 'PAYMENT_RETRY', 7, 'PAYMENT_CANCELLED', NULL, 10001),
  ('AC01', 'Incorrect account number (SEPA)', 2, 9, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('AC04', 'Account closed (SEPA)', 2, 10, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('AC06', 'Account blocked (SEPA)', 2, 11, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('MD01', 'No valid mandate (SEPA)', 2, 12, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('MD06', 'Refund requested by the debtor (SEPA)', 2, 13, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('MD07', 'Debtor deceased (SEPA)', 2, 14, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('MS02', 'Refused by the debtor (SEPA)', 2, 15, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('SL01', 'Creditor blocked by the debtor bank (SEPA)', 2, 16, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R01', 'Insufficient funds (ACH)', 2, 17, 'soft', 2, 12, 'PAYMENT_RETRY', 5, 'PAYMENT_CANCELLED', NULL, 10001),
  ('R02', 'Account closed (ACH)', 2, 18, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R03', 'No account / unable to locate account (ACH)', 2, 19, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R04', 'Invalid account number (ACH)', 2, 20, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R07', 'Authorization revoked by customer (ACH)', 2, 21, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R08', 'Payment stopped (ACH)', 2, 22, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R09', 'Uncollected funds (ACH)', 2, 23, 'soft', 2, 12, 'PAYMENT_RETRY', 5, 'PAYMENT_CANCELLED', NULL, 10001),
  ('R10', 'Customer advises not authorized (ACH)', 2, 24, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R16', 'Account frozen (ACH)', 2, 25, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('R29', 'Corporate customer advises not authorized (ACH)', 2, 26, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('NSF', 'Check returned: not sufficient funds', 2, 27, 'soft', 1, 12, 'PAYMENT_RETRY', 7, 'PAYMENT_CANCELLED', NULL, 10001),
  ('STOP', 'Check returned: payment stopped', 2, 28, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001);
--> statement-breakpoint
INSERT INTO "gl_chart" ("gl_account", "gl_id", "label") VALUES
  ('CASH', 100, 'Cash and bank'),
  ('AR', 110, 'Accounts receivable'),
  ('SUSPENSE', 111, 'Payment suspense (unallocated revenue)'),
  ('UNALLOCATABLE', 112, 'Unallocatable payments removed from suspense'),
  ('REVENUE', 120, 'Revenue'),
  ('REFUND_CLEARING', 130, 'Refund clearing'),
  ('FEES', 140, 'Fees'),
  ('FX', 150, 'Exchange differences');
--> statement-breakpoint
INSERT INTO "ledger_identity" ("id", "ledger_id") VALUES (1, replace(gen_random_uuid()::text, '-', ''));
--> statement-breakpoint
-- The ledger's rules that the SQLite migrations keep in triggers, in PostgreSQL (hand-written; drizzle-kit does not
-- generate triggers). Same trigger names as on SQLite; test/db/ledger-rules.test.ts runs the same rows through both.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE FUNCTION paydesk_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
END $$;
--> statement-breakpoint
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('audit_log is append-only');
--> statement-breakpoint
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('audit_log is append-only');
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('audit_log is append-only');
--> statement-breakpoint
CREATE TRIGGER journals_no_update BEFORE UPDATE ON journals FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('journals are append-only');
--> statement-breakpoint
CREATE TRIGGER journals_no_delete BEFORE DELETE ON journals FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('journals are append-only');
--> statement-breakpoint
CREATE TRIGGER journals_no_truncate BEFORE TRUNCATE ON journals FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('journals are append-only');
--> statement-breakpoint
CREATE TRIGGER journal_lines_no_update BEFORE UPDATE ON journal_lines FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('journal lines are append-only');
--> statement-breakpoint
CREATE TRIGGER journal_lines_no_delete BEFORE DELETE ON journal_lines FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('journal lines are append-only');
--> statement-breakpoint
CREATE TRIGGER journal_lines_no_truncate BEFORE TRUNCATE ON journal_lines FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('journal lines are append-only');
--> statement-breakpoint
CREATE TRIGGER allocations_no_update BEFORE UPDATE ON allocations FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('allocations are append-only');
--> statement-breakpoint
CREATE TRIGGER allocations_no_delete BEFORE DELETE ON allocations FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('allocations are append-only');
--> statement-breakpoint
CREATE TRIGGER allocations_no_truncate BEFORE TRUNCATE ON allocations FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('allocations are append-only');
--> statement-breakpoint
CREATE TRIGGER reversals_no_update BEFORE UPDATE ON reversals FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('reversals are append-only');
--> statement-breakpoint
CREATE TRIGGER reversals_no_delete BEFORE DELETE ON reversals FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('reversals are append-only');
--> statement-breakpoint
CREATE TRIGGER reversals_no_truncate BEFORE TRUNCATE ON reversals FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('reversals are append-only');
--> statement-breakpoint
CREATE TRIGGER refunds_no_update BEFORE UPDATE ON refunds FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('refunds are append-only');
--> statement-breakpoint
CREATE TRIGGER refunds_no_delete BEFORE DELETE ON refunds FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('refunds are append-only');
--> statement-breakpoint
CREATE TRIGGER refunds_no_truncate BEFORE TRUNCATE ON refunds FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('refunds are append-only');
--> statement-breakpoint
CREATE TRIGGER refund_item_lines_no_update BEFORE UPDATE ON refund_item_lines FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('refund item lines are append-only');
--> statement-breakpoint
CREATE TRIGGER refund_item_lines_no_delete BEFORE DELETE ON refund_item_lines FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('refund item lines are append-only');
--> statement-breakpoint
CREATE TRIGGER refund_item_lines_no_truncate BEFORE TRUNCATE ON refund_item_lines FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('refund item lines are append-only');
--> statement-breakpoint
CREATE TRIGGER suspense_events_no_update BEFORE UPDATE ON suspense_events FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('suspense_events is append-only');
--> statement-breakpoint
CREATE TRIGGER suspense_events_no_delete BEFORE DELETE ON suspense_events FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('suspense_events is append-only');
--> statement-breakpoint
CREATE TRIGGER suspense_events_no_truncate BEFORE TRUNCATE ON suspense_events FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('suspense_events is append-only');
--> statement-breakpoint
CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('payments are never deleted; reverse them');
--> statement-breakpoint
CREATE TRIGGER payments_no_truncate BEFORE TRUNCATE ON payments FOR EACH STATEMENT EXECUTE FUNCTION paydesk_refuse('payments are never deleted; reverse them');
--> statement-breakpoint
CREATE TRIGGER payments_money_frozen BEFORE UPDATE OF amount_minor, currency, account_id, journal_id ON payments FOR EACH ROW EXECUTE FUNCTION paydesk_refuse('a posted payment''s amount, currency and account never change; reverse it');
--> statement-breakpoint
CREATE FUNCTION suspense_queue_from_payment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO suspense_queue (payment_id, root_id, state, failed, currency, amount_minor, effective_date, entered_on,
    reason_code, action_owner, account_hint, bill_no, payer_name, external_ref, batch_id, lockbox_no, channel_id, pay_type, updated_at)
  VALUES (NEW.id, NEW.id, CASE WHEN NEW.kind = 'recycled' THEN 'recycled' ELSE 'suspended' END,
    CASE WHEN NEW.status BETWEEN 30 AND 44 THEN 1 ELSE 0 END,
    NEW.currency, NEW.amount_minor, NEW.effective_date, substr(NEW.created_at, 1, 10), NEW.reason_code, NEW.action_owner,
    NEW.account_hint, NEW.bill_no, NEW.payer_name, NEW.external_ref, NEW.batch_id,
    (SELECT b.lockbox_no FROM batches b WHERE b.id = NEW.batch_id), NEW.channel_id, NEW.pay_type, NEW.created_at);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER suspense_queue_from_payment AFTER INSERT ON payments FOR EACH ROW
  WHEN (NEW.kind IN ('suspended', 'recycled')) EXECUTE FUNCTION suspense_queue_from_payment();
--> statement-breakpoint
CREATE FUNCTION suspense_queue_failed_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE suspense_queue SET failed = CASE WHEN NEW.status BETWEEN 30 AND 44 THEN 1 ELSE 0 END WHERE payment_id = NEW.id;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER suspense_queue_failed_status AFTER UPDATE OF status ON payments FOR EACH ROW
  WHEN (NEW.kind IN ('suspended', 'recycled')) EXECUTE FUNCTION suspense_queue_failed_status();
--> statement-breakpoint
CREATE FUNCTION suspense_tally_add(s text, cur text, own bigint, reason bigint, entered text, n bigint, amount bigint)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO suspense_tally (state, currency, owner, reason_code, entered_on, count, amount_minor)
  VALUES (s, cur, coalesce(own, -1), reason, entered, n, amount)
  ON CONFLICT (state, currency, owner, reason_code, entered_on)
  DO UPDATE SET count = suspense_tally.count + excluded.count, amount_minor = suspense_tally.amount_minor + excluded.amount_minor;
$$;
--> statement-breakpoint
CREATE FUNCTION suspense_tally_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM suspense_tally_add(NEW.state, NEW.currency, NEW.action_owner, NEW.reason_code, NEW.entered_on, 1, NEW.amount_minor);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER suspense_tally_ai AFTER INSERT ON suspense_queue FOR EACH ROW EXECUTE FUNCTION suspense_tally_ai();
--> statement-breakpoint
CREATE FUNCTION suspense_tally_au() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM suspense_tally_add(OLD.state, OLD.currency, OLD.action_owner, OLD.reason_code, OLD.entered_on, -1, -OLD.amount_minor);
  PERFORM suspense_tally_add(NEW.state, NEW.currency, NEW.action_owner, NEW.reason_code, NEW.entered_on, 1, NEW.amount_minor);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER suspense_tally_au AFTER UPDATE OF state, currency, action_owner, reason_code, entered_on, amount_minor
  ON suspense_queue FOR EACH ROW EXECUTE FUNCTION suspense_tally_au();
--> statement-breakpoint
CREATE FUNCTION account_stamp(account bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO account_stamps (account_id, rev) VALUES (account, 1)
  ON CONFLICT (account_id) DO UPDATE SET rev = account_stamps.rev + 1;
$$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_accounts_ai() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(0);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_accounts_ai AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION account_stamps_accounts_ai();
--> statement-breakpoint
CREATE FUNCTION account_stamps_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(NEW.account_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(OLD.account_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION account_stamps_accounts_au() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(NEW.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_accounts_au AFTER UPDATE OF status, currency ON accounts FOR EACH ROW EXECUTE FUNCTION account_stamps_accounts_au();
--> statement-breakpoint
CREATE FUNCTION account_stamps_accounts_keys_au() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(NEW.id);
  PERFORM account_stamp(0);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_accounts_keys_au AFTER UPDATE OF account_key, is_suspense ON accounts FOR EACH ROW EXECUTE FUNCTION account_stamps_accounts_keys_au();
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_units_ai AFTER INSERT ON bill_units FOR EACH ROW EXECUTE FUNCTION account_stamps_new();
--> statement-breakpoint
CREATE FUNCTION account_stamps_new_and_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(NEW.account_id);
  PERFORM account_stamp(OLD.account_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_units_au AFTER UPDATE OF paying, account_id ON bill_units FOR EACH ROW EXECUTE FUNCTION account_stamps_new_and_old();
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_units_ad AFTER DELETE ON bill_units FOR EACH ROW EXECUTE FUNCTION account_stamps_old();
--> statement-breakpoint
CREATE FUNCTION account_stamps_new_and_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(NEW.account_id);
  PERFORM account_stamp(0);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bills_ai AFTER INSERT ON bills FOR EACH ROW EXECUTE FUNCTION account_stamps_new_and_keys();
--> statement-breakpoint
CREATE TRIGGER account_stamps_bills_au AFTER UPDATE OF status, amount_due_minor, bill_date, due_date, bill_unit_id ON bills FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.amount_due_minor IS DISTINCT FROM NEW.amount_due_minor
    OR OLD.bill_date IS DISTINCT FROM NEW.bill_date OR OLD.due_date IS DISTINCT FROM NEW.due_date
    OR OLD.bill_unit_id IS DISTINCT FROM NEW.bill_unit_id)
  EXECUTE FUNCTION account_stamps_new();
--> statement-breakpoint
CREATE FUNCTION account_stamps_new_old_and_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(NEW.account_id);
  PERFORM account_stamp(OLD.account_id);
  PERFORM account_stamp(0);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bills_keys_au AFTER UPDATE OF bill_no, account_id ON bills FOR EACH ROW EXECUTE FUNCTION account_stamps_new_old_and_keys();
--> statement-breakpoint
CREATE FUNCTION account_stamps_old_and_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(OLD.account_id);
  PERFORM account_stamp(0);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bills_ad AFTER DELETE ON bills FOR EACH ROW EXECUTE FUNCTION account_stamps_old_and_keys();
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_items_ai AFTER INSERT ON bill_items FOR EACH ROW EXECUTE FUNCTION account_stamps_new();
--> statement-breakpoint
CREATE FUNCTION account_stamps_bill_items_au() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM account_stamp(NEW.account_id);
  IF OLD.account_id IS DISTINCT FROM NEW.account_id THEN
    PERFORM account_stamp(OLD.account_id);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_items_au AFTER UPDATE OF open_minor, status, bill_id, account_id ON bill_items FOR EACH ROW
  WHEN (OLD.open_minor IS DISTINCT FROM NEW.open_minor OR OLD.status IS DISTINCT FROM NEW.status
    OR OLD.bill_id IS DISTINCT FROM NEW.bill_id OR OLD.account_id IS DISTINCT FROM NEW.account_id)
  EXECUTE FUNCTION account_stamps_bill_items_au();
--> statement-breakpoint
CREATE TRIGGER account_stamps_bill_items_ad AFTER DELETE ON bill_items FOR EACH ROW EXECUTE FUNCTION account_stamps_old();
--> statement-breakpoint
-- SQLite searches these with FTS5 trigram tables (accounts_fts, suspense_fts, suspense_payer_fts); PostgreSQL with
-- pg_trgm indexes on the same columns, which serve ILIKE '%text%' directly.
CREATE INDEX accounts_trgm_idx ON accounts USING gin (account_no gin_trgm_ops, name gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX suspense_queue_trgm_idx ON suspense_queue USING gin (payer_name gin_trgm_ops, external_ref gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX suspense_queue_payer_trgm_idx ON suspense_queue USING gin (payer_name gin_trgm_ops);
