CREATE TABLE `column_configs` (
	`batch_type` text NOT NULL,
	`pay_type` integer NOT NULL,
	`position` integer NOT NULL,
	`field` text NOT NULL,
	`caption` text NOT NULL,
	`purpose` text NOT NULL,
	`width` integer NOT NULL,
	`visible` integer DEFAULT 1 NOT NULL,
	`required` integer DEFAULT 0 NOT NULL,
	`format` text DEFAULT '' NOT NULL,
	PRIMARY KEY(`batch_type`, `pay_type`, `field`)
);
--> statement-breakpoint
CREATE TABLE `column_layouts` (
	`operator_id` integer NOT NULL,
	`batch_type` text NOT NULL,
	`pay_type` integer NOT NULL,
	`layout_json` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`operator_id`, `batch_type`, `pay_type`),
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `custom_fields` (
	`key` text PRIMARY KEY NOT NULL,
	`label` text NOT NULL,
	`type` text NOT NULL,
	`codes_json` text DEFAULT '[]' NOT NULL,
	`max_length` integer DEFAULT 200 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `mandate_revision_codes` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`action` text NOT NULL,
	`reason_type` integer NOT NULL,
	`reason_code` integer NOT NULL,
	`event_type` text NOT NULL,
	`event_code` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pay_type_settings` (
	`pay_type` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `payment_channels` (
	`id` integer PRIMARY KEY NOT NULL,
	`description` text NOT NULL,
	`active` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `payment_term_defaults` (
	`code` text PRIMARY KEY NOT NULL,
	`pay_type` integer NOT NULL,
	`term_code` text NOT NULL,
	`security_levels` text NOT NULL,
	FOREIGN KEY (`term_code`) REFERENCES `payment_terms`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `payment_terms` (
	`code` text PRIMARY KEY NOT NULL,
	`description` text NOT NULL,
	`days` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `rejection_codes` (
	`code` text PRIMARY KEY NOT NULL,
	`description` text NOT NULL,
	`reason_type` integer NOT NULL,
	`reason_code` integer NOT NULL,
	`decline_class` text NOT NULL,
	`max_retries` integer DEFAULT 0 NOT NULL,
	`retry_reason_code` integer,
	`retry_event` text,
	`suspension_days` integer DEFAULT 0 NOT NULL,
	`exhausted_event` text,
	`refund_event` text,
	`fallback_pay_type` integer DEFAULT 10001 NOT NULL
);
--> statement-breakpoint
INSERT INTO `payment_channels` (`id`, `description`) VALUES
  (0, 'Unspecified Payment Channel'),
  (1, 'Internet'),
  (2, 'Interactive Voice Response (IVR)'),
  (3, 'Automated Clearing House (ACH)'),
  (4, 'Lockbox');
--> statement-breakpoint
INSERT INTO `pay_type_settings` (`pay_type`, `name`, `enabled`) VALUES
  (0, 'Undefined', 1), (10000, 'Prepaid', 1), (10001, 'Invoice', 1), (10002, 'Debit', 1),
  (10003, 'Credit card', 1), (10005, 'Direct debit', 1), (10006, 'Smart card', 1),
  (10007, 'Nonpaying (subordinate)', 1), (10011, 'Cash', 1), (10012, 'Check', 1), (10013, 'Wire transfer', 1),
  (10014, 'Inter-bank payment order', 1), (10015, 'Postal order', 1), (10016, 'Voucher', 1),
  (10017, 'Failed', 1), (10018, 'SEPA', 1);
--> statement-breakpoint
INSERT INTO `payment_terms` (`code`, `description`, `days`) VALUES
  ('N14', 'Net 14 days', 14), ('N30', 'Net 30 days', 30), ('DUE', 'Due on receipt', 0);
--> statement-breakpoint
INSERT INTO `payment_term_defaults` (`code`, `pay_type`, `term_code`, `security_levels`) VALUES
  ('INV', 10001, 'N30', 'clerk,analyst,supervisor,admin'),
  ('DD', 10005, 'N14', 'supervisor,admin');
--> statement-breakpoint
INSERT INTO `mandate_revision_codes` (`code`, `name`, `action`, `reason_type`, `reason_code`, `event_type`, `event_code`) VALUES
  ('0', 'Instruction cancelled by payer', 'cancel', 1, 1, 'MANDATE', 'CANCELLED'),
  ('1', 'Instruction cancelled, payer deceased', 'cancel', 1, 2, 'MANDATE', 'CANCELLED'),
  ('3', 'Account transferred to a new bank', 'amend', 1, 3, 'MANDATE', 'AMEND_DETAILS'),
  ('B', 'Account closed', 'cancel', 1, 4, 'MANDATE', 'CANCELLED'),
  ('C', 'Account transferred to a new account', 'amend', 1, 5, 'MANDATE', 'AMEND_DETAILS');
--> statement-breakpoint
INSERT INTO `rejection_codes` (`code`, `description`, `reason_type`, `reason_code`, `decline_class`, `max_retries`, `retry_reason_code`, `retry_event`, `suspension_days`, `exhausted_event`, `refund_event`, `fallback_pay_type`) VALUES
  ('0', 'Refer to payer', 2, 1, 'soft', 2, 11, 'PAYMENT_RETRY', 7, 'PAYMENT_CANCELLED', NULL, 10001),
  ('1', 'Instruction cancelled', 2, 2, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('2', 'Payer deceased', 2, 3, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('5', 'No account', 2, 4, 'hard', 0, NULL, NULL, 0, NULL, 'PAYMENT_REFUND', 10001),
  ('51', 'Insufficient funds', 2, 5, 'soft', 3, 12, 'PAYMENT_RETRY', 5, 'PAYMENT_CANCELLED', NULL, 10001),
  ('54', 'Card expired', 2, 6, 'hard', 0, NULL, NULL, 0, NULL, NULL, 10001);
--> statement-breakpoint
INSERT INTO `column_configs` (`batch_type`, `pay_type`, `position`, `field`, `caption`, `purpose`, `width`, `visible`, `required`, `format`) VALUES
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
