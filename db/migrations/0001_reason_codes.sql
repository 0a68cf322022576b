CREATE TABLE `reason_codes` (
	`domain_id` integer NOT NULL,
	`id` integer NOT NULL,
	`label` text NOT NULL,
	`help` text DEFAULT '' NOT NULL,
	`gl_id` integer,
	`active` integer DEFAULT 1 NOT NULL,
	`locale` text DEFAULT 'en_us' NOT NULL,
	PRIMARY KEY(`domain_id`, `id`),
	FOREIGN KEY (`domain_id`) REFERENCES `reason_domains`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `reason_domains` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`gl_rule` text NOT NULL
);
--> statement-breakpoint
INSERT INTO `reason_domains` (`id`, `name`, `gl_rule`) VALUES
  (1, 'Reason Codes-Debit Reasons', 'optional'),
  (8, 'Reason Codes-Credit Reasons', 'optional'),
  (14, 'Reason Codes - Payment Suspense Management', 'optional'),
  (15, 'Reason Codes - Payment Suspense Action Owner reason', 'forbidden'),
  (16, 'Reason Codes - Payment Suspense Management Reversal Reason', 'required'),
  (17, 'Reason Codes - Payment Reversal Reasons', 'optional'),
  (18, 'Reason Codes - Refund Reasons', 'optional'),
  (19, 'Reason Codes - Zero Proof Override Reasons', 'optional');
--> statement-breakpoint
INSERT INTO `reason_codes` (`domain_id`, `id`, `label`, `help`, `gl_id`) VALUES
  (1, 4, 'Sponsored Topup. Sponsor Debit', '', 105),
  (8, 5, 'Sponsored Topup. Sponsoree Credit', '', 105),
  (14, 2001, 'Account No not found.', 'The account number is not in the database.', NULL),
  (14, 2002, 'Bill No not found.', 'The bill number is not in the database.', NULL),
  (14, 2003, 'Account and bill number belong to different accounts.', '', NULL),
  (14, 2004, 'Account is closed.', '', NULL),
  (14, 2005, 'Currency cannot be converted to the account currency.', 'No exchange rate for the payment date.', NULL),
  (14, 2006, 'Amount does not match what is open.', '', NULL),
  (14, 2007, 'Suspended by hand.', 'A clerk suspended a valid payment.', NULL),
  (14, 2008, 'Payment recycled from a wrong account.', 'A posted payment was moved back to suspense.', NULL),
  (14, 2009, 'Remainder of a distribution.', 'What a distribution list left in suspense.', NULL),
  (14, 100101, 'Payment is too large.', 'A cash payment over 10,000.', NULL),
  (15, 3001, 'Payments Processing', 'Payments Processing department.', NULL),
  (15, 3002, 'Collections', 'Collections team.', NULL),
  (15, 102001, 'Alaya Baker', 'Payments Processing department.', NULL),
  (15, 102002, 'Micheal Orden', 'Payments Processing department.', NULL),
  (16, 4001, 'Allocation undone', 'The payment was allocated to the wrong bills or items.', 113),
  (16, 4002, 'Payment recycled to suspense', 'Moved from the wrong customer account to suspense.', 113),
  (16, 4003, 'Distributed payment allocation', 'A suspended payment applied to one or more accounts.', 113),
  (16, 4999, 'Unable to correct payment', 'Removed from suspense as unallocatable.', 112),
  (16, 110000, 'Payment recycled to suspense', 'Payment moved from the wrong customer account to suspense.', 113),
  (16, 110001, 'Distributed Payment allocation', 'Suspended payment applied to several accounts.', 113),
  (17, 4101, 'Check returned unpaid', 'The bank returned the check (NSF).', NULL),
  (17, 4102, 'Posted in error', 'The payment was keyed or imported by mistake.', NULL),
  (17, 4103, 'Duplicate payment', 'The same payment was posted twice.', NULL),
  (17, 4104, 'Chargeback', 'The card holder disputed the charge.', NULL),
  (18, 4201, 'Customer request', 'The customer asked for the credit back.', NULL),
  (18, 4202, 'Overpayment returned', '', NULL),
  (18, 4203, 'Account closed', 'Credit returned on closing the account.', NULL),
  (19, 4301, 'Control figures keyed wrong', 'The bank header is known to be wrong.', NULL),
  (19, 4302, 'Missing item to follow', 'An item will follow in a later batch.', NULL);
