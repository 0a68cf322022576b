-- Bank return and reject reasons (ISO 20022 ExternalStatusReason1Code / ExternalReturnReason1Code, NACHA return
-- reason codes) as admin rejection codes: soft when the money may be there next time, hard when the account,
-- the mandate or the authorisation is gone. Admins may change any of them.
INSERT INTO `rejection_codes` (`code`, `description`, `reason_type`, `reason_code`, `decline_class`, `max_retries`, `retry_reason_code`, `retry_event`, `suspension_days`, `exhausted_event`, `refund_event`, `fallback_pay_type`) VALUES
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
INSERT INTO `reason_codes` (`domain_id`, `id`, `label`, `help`, `gl_id`) VALUES
  (17, 4105, 'Returned by the bank', 'A direct debit rejected or returned by the bank (return batch).', NULL);
