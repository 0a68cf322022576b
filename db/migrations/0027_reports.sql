CREATE TABLE `export_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`mode` text NOT NULL,
	`from_journal_id` integer NOT NULL,
	`to_journal_id` integer NOT NULL,
	`from_allocation_id` integer NOT NULL,
	`to_allocation_id` integer NOT NULL,
	`from_date` text,
	`to_date` text,
	`records` integer NOT NULL,
	`files_json` text NOT NULL,
	`at` text NOT NULL,
	`operator_id` integer,
	FOREIGN KEY (`operator_id`) REFERENCES `operators`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `export_runs_kind_idx` ON `export_runs` (`kind`,`id`);--> statement-breakpoint
CREATE TABLE `gl_chart` (
	`gl_account` text PRIMARY KEY NOT NULL,
	`gl_id` integer NOT NULL,
	`label` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `journals_at_idx` ON `journals` (`at`);--> statement-breakpoint
-- The default G/L chart: one G/L ID per ledger side, for journals that carry no G/L ID of their own (suspense moves
-- carry 112 or 113). Admins may renumber a side; a side missing here is reported under G/L ID 0 (unmapped).
INSERT INTO `gl_chart` (`gl_account`, `gl_id`, `label`) VALUES
  ('CASH', 100, 'Cash and bank'),
  ('AR', 110, 'Accounts receivable'),
  ('SUSPENSE', 111, 'Payment suspense (unallocated revenue)'),
  ('UNALLOCATABLE', 112, 'Unallocatable payments removed from suspense'),
  ('REVENUE', 120, 'Revenue'),
  ('REFUND_CLEARING', 130, 'Refund clearing'),
  ('FEES', 140, 'Fees'),
  ('FX', 150, 'Exchange differences');
